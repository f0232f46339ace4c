"""Where each box and arrow of a model picture goes: pure geometry, nothing drawn.

``layout_graph`` turns a ``ModelGraph`` into a ``GraphLayout`` of frozen
dataclasses: placed boxes with their cells, arrows as lists of points, frames
around expanded nested models, bands and the picture's size, all in points
with y growing downwards. ``draw.py`` turns them into matplotlib artists. The
one thing a layout needs from a renderer, how wide a text is, is passed in as
a ``TextMeasure``, so tests can check the geometry with a fake one.

It is a small layered ("Sugiyama") layout:

1. each layer gets a rank: the length of its longest path from an input;
2. arrows that skip ranks get invisible waypoints in the ranks between, so they
   go around the boxes there;
3. each rank is ordered by the mean position of its neighbours (fewer crossings);
4. boxes are placed along their rank near the mean of their neighbours;
5. a left-to-right layout wider than ``max_width`` wraps into bands, stacked
   downwards;
6. arrows are routed by ``arrows.py``.

Frames of expanded nested models nest visibly: a frame holding another one is
``FRAME_INSET`` wider on each side and below, and ``FRAME_LABEL_ROOM`` higher, so
no two frames share a border and each label has its own line. The gaps between
ranks and bands, and the picture's borders, grow where frames need the room.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from lenet_widgets.core.graph import ModelGraph
from lenet_widgets.plotting.structure.arrows import Arrow, Path, route_arrows
from lenet_widgets.plotting.structure.boxes import (
    Box,
    TextMeasure,
    TextOptions,
    box_table,
    place_box,
)

__all__ = [
    "BAND_GAP",
    "FRAME_HEAD",
    "FRAME_INSET",
    "FRAME_LABEL_ROOM",
    "FRAME_LABEL_SIZE",
    "FRAME_PAD",
    "MARGIN",
    "WRAP_ROOM",
    "GraphLayout",
    "GroupFrame",
    "layout_graph",
]

BAND_GAP = 34.0
"""Space between two bands of a wrapped left-to-right layout (wrapping arrows run in it)."""
MARGIN = 10.0
"""Empty border around the picture."""
WRAP_ROOM = 14.0
"""Extra room on both sides of a wrapped layout for the arrows going round the band ends."""
FRAME_PAD = 7.0
"""Between a frame and the boxes it holds, on the sides and below."""
FRAME_HEAD = 16.0
"""Between a frame's top and the boxes it holds: its label's room."""
FRAME_INSET = 6.0
"""Between a frame and a frame nested in it, on the sides and below."""
FRAME_LABEL_ROOM = 14.0
"""Between a frame's top and the top of a frame nested in it: one line for the outer label."""
FRAME_LABEL_SIZE = 7.5
"""Font size of a frame's label, in points (written ``_LABEL_OFFSET`` inside its corner)."""

_RANK_GAP = {"TB": 16.0, "LR": 30.0}
_ORDER_GAP = 16.0  # Between neighbours in one rank.
_WAYPOINT = 6.0  # Room a waypoint takes in its rank.
_SWEEPS = 4
_FRAME_EDGE = 3.0  # Least room between a frame and the picture's edge.
_FRAME_CLEAR = 10.0  # Least room between the frames of two bands (a wrapping arrow runs in it).
_LABEL_OFFSET = (4.0, 2.0)  # A frame's label from its upper left corner.
_LABEL_LINE = 1.25  # A label's height, in font sizes.


@dataclass(frozen=True)
class GroupFrame:
    """The frame around the boxes of one expanded nested model (one per band it spans).

    Attributes:
        group: the nested model's id.
        label: its name and class, written in the frame's upper left corner.
        left, top, right, bottom: the frame's sides, in points.
        depth: how many frames hold this one (0: a nested model of the drawn model).
        label_width: the label's width in points, at ``FRAME_LABEL_SIZE``.
    """

    group: str
    label: str
    left: float
    top: float
    right: float
    bottom: float
    depth: int = 0
    label_width: float = 0.0

    @property
    def label_box(self) -> tuple[float, float, float, float]:
        """``(left, top, right, bottom)`` of the label: its text starts at ``left, top``."""
        left, top = self.left + _LABEL_OFFSET[0], self.top + _LABEL_OFFSET[1]
        return left, top, left + self.label_width, top + FRAME_LABEL_SIZE * _LABEL_LINE


@dataclass(frozen=True)
class GraphLayout:
    """Everything ``layout_graph`` placed.

    Attributes:
        rankdir: ``"TB"`` or ``"LR"``.
        boxes: layer id -> its box, in the graph's order.
        arrows: one per edge between two boxes, in the graph's order.
        frames: frames of expanded nested models.
        bands: ``(top, bottom)`` of each band (one when not wrapped).
        width, height: the picture's size in points, margins included, caption not.
    """

    rankdir: str
    boxes: Mapping[str, Box]
    arrows: tuple[Arrow, ...]
    frames: tuple[GroupFrame, ...]
    bands: tuple[tuple[float, float], ...]
    width: float
    height: float


def layout_graph(
    graph: ModelGraph,
    options: TextOptions,
    rankdir: str,
    max_width: float,
    measure: TextMeasure,
) -> GraphLayout:
    """Place the boxes and route the arrows of a model graph.

    Args:
        graph: the model's boxes and arrows.
        options: what each box shows.
        rankdir: ``"TB"`` (top to bottom) or ``"LR"`` (left to right, wrapped into bands).
        max_width: the widest picture wanted, in points (``float("inf")``: no limit);
            only left-to-right layouts wrap to fit it.
        measure: how wide a text is: ``measure(text, size, bold) -> points``.

    Returns:
        The placed boxes, arrows, frames and bands, and the picture's size.
    """
    if not graph.nodes:
        raise ValueError(f"graph {graph.name!r} has no layers; expected at least one to draw.")
    stacked = rankdir == "LR"
    tables = {node.id: box_table(node, options, stacked, measure) for node in graph.nodes}
    edges = [(s, t) for s, t in graph.edges if s in tables and t in tables]
    ranks = _order_ranks(_Ranks.build(list(tables), edges))
    sizes = {m: (tables[m].width, tables[m].height) for m in tables}
    sizes.update({m: (_WAYPOINT, _WAYPOINT) for m in ranks.waypoints})
    nesting = _Nesting.build(graph, ranks, rankdir)
    across, along, starts = _coordinates(ranks, sizes, rankdir, nesting.gaps)
    wrap_at = max_width - 2 * (MARGIN + WRAP_ROOM + nesting.pad) if stacked else float("inf")
    bands = _Bands.build(starts, wrap_at)
    heads, feet = nesting.band_rooms(ranks, bands)
    points, spans = _place(ranks, bands, across, along, sizes, stacked, nesting.pad, heads, feet)
    boxes = {m: place_box(m, tables[m], *points[m]) for m in tables}
    lanes = [  # Half-way from the frames of a band to those of the next.
        (spans[band][1] + feet[band] + spans[band + 1][0] - heads[band + 1]) / 2
        for band in range(len(spans) - 1)
    ]
    arrows = route_arrows(
        ranks.paths,
        boxes,
        {m: points[m] for m in ranks.waypoints},
        _channels(ranks, starts, rankdir, points, along, nesting.gaps),
        [*lanes, spans[-1][1] + BAND_GAP / 2],
        rankdir,
        nesting.side,
    )
    right = max(x + sizes[m][0] / 2 if m in tables else x for m, (x, _, _) in points.items())
    width = right + MARGIN + nesting.pad + (WRAP_ROOM if bands.count > 1 else 0.0)
    height = spans[-1][1] + max(MARGIN, feet[-1] + _FRAME_EDGE)
    frames = tuple(_group_frames(graph, boxes, measure))
    return GraphLayout(rankdir, boxes, arrows, frames, tuple(spans), width, height)


# ----------------------------------------------------------------------------- ranks


@dataclass(frozen=True)
class _Ranks:
    """The graph cut into ranks, arrows that skip ranks split by waypoints.

    Attributes:
        levels: the members (box ids, then waypoint ids) of each rank.
        paths: one per edge: its source and the chain of ids from source to target.
        waypoints: waypoint id -> its rank.
        predecessors, successors: each member's neighbours along the chains.
    """

    levels: list[list[str]]
    paths: list[Path]
    waypoints: dict[str, int]
    predecessors: dict[str, list[str]]
    successors: dict[str, list[str]]

    @classmethod
    def build(cls, ids: list[str], edges: Sequence[tuple[str, str]]) -> _Ranks:
        rank = _longest_paths(ids, edges)
        waypoints: dict[str, int] = {}
        paths = []
        predecessors: dict[str, list[str]] = {}
        successors: dict[str, list[str]] = {}
        for source, target in edges:
            chain = [source]
            for step in range(rank[source] + 1, rank[target]):
                waypoint = f"~{len(waypoints)}"
                waypoints[waypoint] = step
                chain.append(waypoint)
            chain.append(target)
            paths.append((source, chain))
            for a, b in itertools.pairwise(chain):
                successors.setdefault(a, []).append(b)
                predecessors.setdefault(b, []).append(a)
        all_ranks = {**rank, **waypoints}
        levels: list[list[str]] = [[] for _ in range(max(all_ranks.values()) + 1)]
        for member in [*ids, *waypoints]:
            levels[all_ranks[member]].append(member)
        return cls(levels, paths, waypoints, predecessors, successors)

    def sweeps(self) -> Iterator[tuple[list[list[str]], dict[str, list[str]]]]:
        """Ranks to visit and the neighbours to look at: down (from above), up, down, up."""
        for sweep in range(_SWEEPS):
            if sweep % 2 == 0:
                yield self.levels[1:], self.predecessors
            else:
                yield self.levels[-2::-1], self.successors


def _longest_paths(ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Rank of each id: the length of its longest path from an input (cycles cut)."""
    predecessors: dict[str, list[str]] = {node_id: [] for node_id in ids}
    for source, target in edges:
        predecessors[target].append(source)
    rank: dict[str, int] = {}

    def visit(node_id: str, trail: frozenset) -> int:
        if node_id not in rank:
            parents = [p for p in predecessors[node_id] if p not in trail]
            inner = trail | {node_id}
            rank[node_id] = 1 + max((visit(p, inner) for p in parents), default=-1)
        return rank[node_id]

    for node_id in ids:
        visit(node_id, frozenset())
    return rank


def _order_ranks(ranks: _Ranks) -> _Ranks:
    """The ranks, each sorted by the mean position of its neighbours (fewer crossings)."""
    ordered = replace(ranks, levels=[list(level) for level in ranks.levels])
    position = {m: float(i) for level in ordered.levels for i, m in enumerate(level)}
    for levels, neighbours in ordered.sweeps():
        for members in levels:
            members.sort(
                key=lambda m: np.mean([position[n] for n in neighbours.get(m, [])] or [position[m]])
            )
            for index, member in enumerate(members):
                position[member] = float(index)
    return ordered


# ----------------------------------------------------------------------------- coordinates


def _coordinates(
    ranks: _Ranks, sizes: Mapping[str, tuple[float, float]], rankdir: str, gaps: Sequence[float]
):
    """Every member's across and along coordinate, and each rank's ``(start, depth)``.

    "Across" runs along a rank (x in TB, y in LR), "along" from rank to rank;
    ``gaps[r]`` is the room between rank ``r`` and the next.
    """
    stacked = rankdir == "LR"
    across_size = {m: _across(size, stacked) for m, size in sizes.items()}
    across = _pack(ranks.levels, across_size)
    for levels, neighbours in ranks.sweeps():
        for members in levels:
            desired = {
                m: float(np.mean([across[n] for n in neighbours[m]]))
                if neighbours.get(m)
                else across[m]
                for m in members
            }
            _place_rank(members, desired, across_size)
            across.update(desired)
    along: dict[str, float] = {}
    starts = []
    cursor = 0.0
    for members, gap in zip(ranks.levels, gaps, strict=True):
        depth = max(sizes[m][0] if stacked else sizes[m][1] for m in members)
        starts.append((cursor, depth))
        for member in members:
            along[member] = cursor + depth / 2
        cursor += depth + gap
    return across, along, starts


def _across(size: tuple[float, float], stacked: bool) -> float:
    """A member's extent along its rank: its height in LR, its width in TB."""
    return size[1] if stacked else size[0]


def _pack(levels: list[list[str]], size: Mapping[str, float]) -> dict[str, float]:
    """Each rank's members side by side, the rank centred on 0."""
    across: dict[str, float] = {}
    for level in levels:
        total = sum(size[m] for m in level) + _ORDER_GAP * (len(level) - 1)
        cursor = -total / 2
        for member in level:
            across[member] = cursor + size[member] / 2
            cursor += size[member] + _ORDER_GAP
    return across


def _place_rank(members: list[str], desired: dict[str, float], size: Mapping[str, float]) -> None:
    """Put the members (in order) as near their desired centres as spacing allows."""
    placed: list[float] = []
    for index, member in enumerate(members):
        centre = desired[member]
        if index:
            previous = members[index - 1]
            lowest = placed[-1] + (size[previous] + size[member]) / 2 + _ORDER_GAP
            centre = max(centre, lowest)
        placed.append(centre)
    shift = float(np.mean([desired[m] - p for m, p in zip(members, placed, strict=True)]))
    for member, centre in zip(members, placed, strict=True):
        desired[member] = centre + shift


# ----------------------------------------------------------------------------- bands


@dataclass(frozen=True)
class _Bands:
    """Which band each rank falls in, and where each band starts along the ranks."""

    of_rank: tuple[int, ...]
    start: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.start)

    @classmethod
    def build(cls, starts: Sequence[tuple[float, float]], max_width: float) -> _Bands:
        """Start a new band at each rank that would end past ``max_width`` from its band's start."""
        of_rank: list[int] = []
        first = [0.0]
        for start, depth in starts:
            if start + depth - first[-1] > max_width and start > first[-1]:
                first.append(start)
            of_rank.append(len(first) - 1)
        return cls(tuple(of_rank), tuple(first))


def _place(ranks: _Ranks, bands: _Bands, across, along, sizes, stacked: bool, pad, heads, feet):
    """Every member's ``(x, y, band)`` in the picture, and each band's ``(top, bottom)``.

    Bands are stacked downwards; in a wrapped layout each band starts at the top
    of its own members and everything moves right to leave room for the wrapping arrows.
    ``pad`` is extra room on the left for frames, ``heads`` and ``feet`` the room each
    band's frames need above and below its boxes.
    """
    members_by_band: list[list[str]] = [[] for _ in range(bands.count)]
    for index, level in enumerate(ranks.levels):
        members_by_band[bands.of_rank[index]].extend(level)
    top = MARGIN + max(0.0, heads[0] - (MARGIN - _FRAME_EDGE))
    points: dict[str, tuple[float, float, int]] = {}
    spans = []
    low = min(across[m] - _across(sizes[m], stacked) / 2 for m in across)
    for band, members in enumerate(members_by_band):
        if stacked:
            low = min(across[m] - _across(sizes[m], stacked) / 2 for m in members)
        bottom = top
        for member in members:
            a = across[member] - low
            b = along[member] - bands.start[band]
            x, y = (b, a) if stacked else (a, b)
            points[member] = (x + MARGIN + pad, y + top, band)
            bottom = max(bottom, y + top + sizes[member][1] / 2)
        spans.append((top, bottom))
        if band + 1 < bands.count:
            top = bottom + max(BAND_GAP, feet[band] + heads[band + 1] + _FRAME_CLEAR)
    if bands.count > 1:
        points = {m: (x + WRAP_ROOM, y, band) for m, (x, y, band) in points.items()}
    return points, spans


def _channels(ranks: _Ranks, starts, rankdir: str, points, along, gaps) -> dict[str, float]:
    """Where arrows into each member turn: the middle of the gap before its rank."""
    channels = {}
    for index, level in enumerate(ranks.levels):
        turn = starts[index][0] - (gaps[index - 1] if index else _RANK_GAP[rankdir]) / 2
        for member in level:
            x, y, _ = points[member]
            channels[member] = (x if rankdir == "LR" else y) - (along[member] - turn)
    return channels


# ----------------------------------------------------------------------------- frames


def _side_room(levels: int) -> float:
    """Room that ``levels`` nested frames holding a box take beside it (or below it)."""
    return FRAME_PAD + FRAME_INSET * (levels - 1) if levels else 0.0


def _head_room(levels: int) -> float:
    """Room that ``levels`` nested frames holding a box take above it: one label line each."""
    return FRAME_HEAD + FRAME_LABEL_ROOM * (levels - 1) if levels else 0.0


def _holders(group: str | None, parents: Mapping[str, str | None]) -> tuple[str, ...]:
    """``group`` and the groups holding it, outermost first (nothing for ``None``)."""
    chain: list[str] = []
    while group in parents and group not in chain:
        chain.append(group)
        group = parents[group]
    return tuple(reversed(chain))


@dataclass(frozen=True)
class _Nesting:
    """Which frames hold each box, and the room the frames need around the ranks.

    Attributes:
        chains: box id -> the groups holding it, outermost first.
        gaps: room between each rank and the next (the last one unused): the
            ordinary gap, or more where frames close after a rank and open before the next.
        side: how far the deepest nested frames reach beside the boxes they hold.
        pad: extra room on the picture's left and right for the sides of nested frames.
        rankdir: ``"TB"`` or ``"LR"``.
        lead, trail: room the frames need before the first rank and after the last.
    """

    chains: Mapping[str, tuple[str, ...]]
    gaps: tuple[float, ...]
    side: float
    pad: float
    rankdir: str
    lead: float
    trail: float

    @classmethod
    def build(cls, graph: ModelGraph, ranks: _Ranks, rankdir: str) -> _Nesting:
        parents = {group.id: group.parent for group in graph.groups}
        chains = {node.id: _holders(node.group, parents) for node in graph.nodes}
        rank_of = {m: index for index, level in enumerate(ranks.levels) for m in level}
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        for member, chain in chains.items():
            for group in chain:
                first[group] = min(first.get(group, rank_of[member]), rank_of[member])
                last[group] = max(last.get(group, rank_of[member]), rank_of[member])
        opening = _head_room if rankdir == "TB" else _side_room
        leads, trails = [], []
        for index, level in enumerate(ranks.levels):
            held = [chains.get(m, ()) for m in level]
            leads.append(max(opening(sum(first[g] == index for g in c)) for c in held))
            trails.append(max(_side_room(sum(last[g] == index for g in c)) for c in held))
        gap = _RANK_GAP[rankdir]
        gaps = (*(max(gap, trails[i] + leads[i + 1]) for i in range(len(leads) - 1)), gap)
        side = _side_room(max(map(len, chains.values()), default=0))
        pad = max(0.0, side - (MARGIN - _FRAME_EDGE))
        return cls(chains, gaps, side, pad, rankdir, leads[0], trails[-1])

    def band_rooms(self, ranks: _Ranks, bands: _Bands) -> tuple[list[float], list[float]]:
        """Room the frames need above and below each band's boxes."""
        if self.rankdir == "TB":
            return [self.lead], [self.trail]
        heads = [0.0] * bands.count
        feet = [0.0] * bands.count
        for index, level in enumerate(ranks.levels):
            band = bands.of_rank[index]
            for member in level:
                levels = len(self.chains.get(member, ()))
                heads[band] = max(heads[band], _head_room(levels))
                feet[band] = max(feet[band], _side_room(levels))
        return heads, feet


def _group_frames(
    graph: ModelGraph, boxes: Mapping[str, Box], measure: TextMeasure
) -> Iterator[GroupFrame]:
    """One frame per expanded nested model and band, around its boxes and the frames inside it.

    A frame is ``FRAME_PAD`` (``FRAME_HEAD`` above) around its own boxes and
    ``FRAME_INSET`` (``FRAME_LABEL_ROOM`` above) around the frames nested in it, so
    nested frames never share a side and every label has its own line.
    """
    parents = {group.id: group.parent for group in graph.groups}
    depth = {group.id: len(_holders(group.id, parents)) - 1 for group in graph.groups}
    sides: dict[tuple[str, int], tuple[float, float, float, float]] = {}

    def grow(key: tuple[str, int], left: float, top: float, right: float, bottom: float) -> None:
        old = sides.get(key, (left, top, right, bottom))
        sides[key] = (min(old[0], left), min(old[1], top), max(old[2], right), max(old[3], bottom))

    for node in graph.nodes:
        if node.group in parents and node.id in boxes:
            box = boxes[node.id]
            grow(
                (node.group, box.band),
                box.left - FRAME_PAD,
                box.top - FRAME_HEAD,
                box.right + FRAME_PAD,
                box.bottom + FRAME_PAD,
            )
    for group in sorted(graph.groups, key=lambda g: -depth[g.id]):  # Innermost first.
        parent = parents[group.id]
        for (owner, band), (left, top, right, bottom) in list(sides.items()):
            if owner == group.id and parent in parents:
                grow(
                    (parent, band),
                    left - FRAME_INSET,
                    top - FRAME_LABEL_ROOM,
                    right + FRAME_INSET,
                    bottom + FRAME_INSET,
                )
    for group in sorted(graph.groups, key=lambda g: depth[g.id]):  # Outer frames drawn first.
        label = f"{group.name} ({group.class_name})"
        width = measure(label, FRAME_LABEL_SIZE, False)
        for band in sorted(band for owner, band in sides if owner == group.id):
            yield GroupFrame(group.id, label, *sides[group.id, band], depth[group.id], width)
