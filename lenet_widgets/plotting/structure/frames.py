"""Frames around the boxes of expanded nested models, and the room they need.

Frames nest visibly: a frame holding another one is ``FRAME_INSET`` wider on each
side and below, and ``FRAME_LABEL_ROOM`` higher, so no two frames share a border and
each label has its own line. ``Nesting`` says how much the gaps between ranks and
bands, and the picture's borders, must grow for them; ``group_frames`` places them
around the placed boxes. Pure geometry, in points.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from lenet_widgets.core.graph import ModelGraph
from lenet_widgets.plotting.structure.bands import Bands
from lenet_widgets.plotting.structure.boxes import Box, TextMeasure
from lenet_widgets.plotting.structure.ranks import Ranks
from lenet_widgets.plotting.structure.spacing import FRAME_EDGE, MARGIN, RANK_GAP

__all__ = [
    "FRAME_HEAD",
    "FRAME_INSET",
    "FRAME_LABEL_ROOM",
    "FRAME_LABEL_SIZE",
    "FRAME_PAD",
    "GroupFrame",
    "Nesting",
    "group_frames",
]

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
class Nesting:
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
    def build(cls, graph: ModelGraph, ranks: Ranks, rankdir: str) -> Nesting:
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
        gap = RANK_GAP[rankdir]
        gaps = (*(max(gap, trails[i] + leads[i + 1]) for i in range(len(leads) - 1)), gap)
        side = _side_room(max(map(len, chains.values()), default=0))
        pad = max(0.0, side - (MARGIN - FRAME_EDGE))
        return cls(chains, gaps, side, pad, rankdir, leads[0], trails[-1])

    def band_rooms(self, ranks: Ranks, bands: Bands) -> tuple[list[float], list[float]]:
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


def group_frames(
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
