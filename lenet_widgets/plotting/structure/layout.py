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

__all__ = ["BAND_GAP", "MARGIN", "WRAP_ROOM", "GraphLayout", "GroupFrame", "layout_graph"]

BAND_GAP = 34.0
"""Space between two bands of a wrapped left-to-right layout (wrapping arrows run in it)."""
MARGIN = 10.0
"""Empty border around the picture."""
WRAP_ROOM = 14.0
"""Extra room on both sides of a wrapped layout for the arrows going round the band ends."""

_RANK_GAP = {"TB": 16.0, "LR": 30.0}
_ORDER_GAP = 16.0  # Between neighbours in one rank.
_WAYPOINT = 6.0  # Room a waypoint takes in its rank.
_SWEEPS = 4


@dataclass(frozen=True)
class GroupFrame:
    """The frame around the boxes of one expanded nested model (one per band it spans).

    Attributes:
        group: the nested model's id.
        label: its name and class, written in the frame's upper left corner.
        left, top, right, bottom: the frame's sides, in points.
    """

    group: str
    label: str
    left: float
    top: float
    right: float
    bottom: float


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
    across, along, starts = _coordinates(ranks, sizes, rankdir)
    wrap_at = max_width - 2 * (MARGIN + WRAP_ROOM) if stacked else float("inf")
    bands = _Bands.build(starts, wrap_at)
    points, spans = _place(ranks, bands, across, along, sizes, stacked)
    boxes = {m: place_box(m, tables[m], *points[m]) for m in tables}
    arrows = route_arrows(
        ranks.paths,
        boxes,
        {m: points[m] for m in ranks.waypoints},
        _channels(ranks, bands, starts, rankdir),
        [bottom + BAND_GAP / 2 for _, bottom in spans],
        rankdir,
    )
    right = max(x + sizes[m][0] / 2 if m in tables else x for m, (x, _, _) in points.items())
    width = right + MARGIN + (WRAP_ROOM if bands.count > 1 else 0.0)
    frames = tuple(_group_frames(graph, boxes))
    return GraphLayout(rankdir, boxes, arrows, frames, tuple(spans), width, spans[-1][1] + MARGIN)


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


def _coordinates(ranks: _Ranks, sizes: Mapping[str, tuple[float, float]], rankdir: str):
    """Every member's across and along coordinate, and each rank's ``(start, depth)``.

    "Across" runs along a rank (x in TB, y in LR), "along" from rank to rank.
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
    for members in ranks.levels:
        depth = max(sizes[m][0] if stacked else sizes[m][1] for m in members)
        starts.append((cursor, depth))
        for member in members:
            along[member] = cursor + depth / 2
        cursor += depth + _RANK_GAP[rankdir]
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


def _place(ranks: _Ranks, bands: _Bands, across, along, sizes, stacked: bool):
    """Every member's ``(x, y, band)`` in the picture, and each band's ``(top, bottom)``.

    Bands are stacked downwards; in a wrapped layout each band starts at the top
    of its own members and everything moves right to leave room for the wrapping arrows.
    """
    members_by_band: list[list[str]] = [[] for _ in range(bands.count)]
    for index, level in enumerate(ranks.levels):
        members_by_band[bands.of_rank[index]].extend(level)
    top = MARGIN
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
            points[member] = (x + MARGIN, y + top, band)
            bottom = max(bottom, y + top + sizes[member][1] / 2)
        spans.append((top, bottom))
        top = bottom + BAND_GAP
    if bands.count > 1:
        points = {m: (x + WRAP_ROOM, y, band) for m, (x, y, band) in points.items()}
    return points, spans


def _channels(ranks: _Ranks, bands: _Bands, starts, rankdir: str) -> dict[str, float]:
    """Where arrows into each member turn: the middle of the gap before its rank."""
    shift = WRAP_ROOM if bands.count > 1 else 0.0
    channels = {}
    for index, level in enumerate(ranks.levels):
        start = starts[index][0] - _RANK_GAP[rankdir] / 2
        for member in level:
            if rankdir == "LR":
                channels[member] = start - bands.start[bands.of_rank[index]] + MARGIN + shift
            else:
                channels[member] = start + MARGIN
    return channels


def _group_frames(graph: ModelGraph, boxes: Mapping[str, Box]) -> Iterator[GroupFrame]:
    """One frame per expanded nested model and band, around its boxes, with room for a label."""
    for group in graph.groups:
        members = [
            boxes[n.id]
            for n in graph.nodes
            if n.id in boxes and (n.group == group.id or (n.group or "").startswith(group.id + "/"))
        ]
        for band in sorted({box.band for box in members}):
            inside = [box for box in members if box.band == band]
            yield GroupFrame(
                group.id,
                f"{group.name} ({group.class_name})",
                min(b.left for b in inside) - 7,
                min(b.top for b in inside) - 16,
                max(b.right for b in inside) + 7,
                max(b.bottom for b in inside) + 7,
            )
