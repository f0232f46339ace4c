"""Step 5 of the layout: a left-to-right layout too wide wraps into bands, stacked downwards.

``place_members`` turns the rank coordinates into points in the picture, band by band;
``channels`` says where the arrows into each member turn. Pure geometry, in points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lenet_widgets.plotting.structure.ranks import Ranks, across_extent
from lenet_widgets.plotting.structure.spacing import (
    BAND_GAP,
    FRAME_EDGE,
    MARGIN,
    RANK_GAP,
    WRAP_ROOM,
)

__all__ = ["Bands", "channels", "place_members"]

_FRAME_CLEAR = 10.0  # Least room between the frames of two bands (a wrapping arrow runs in it).


@dataclass(frozen=True)
class Bands:
    """Which band each rank falls in, and where each band starts along the ranks."""

    of_rank: tuple[int, ...]
    start: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.start)

    @classmethod
    def build(cls, starts: Sequence[tuple[float, float]], max_width: float) -> Bands:
        """Start a new band at each rank that would end past ``max_width`` from its band's start."""
        of_rank: list[int] = []
        first = [0.0]
        for start, depth in starts:
            if start + depth - first[-1] > max_width and start > first[-1]:
                first.append(start)
            of_rank.append(len(first) - 1)
        return cls(tuple(of_rank), tuple(first))


def place_members(
    ranks: Ranks, bands: Bands, across, along, sizes, stacked: bool, pad, heads, feet
):
    """Every member's ``(x, y, band)`` in the picture, and each band's ``(top, bottom)``.

    Bands are stacked downwards; in a wrapped layout each band starts at the top
    of its own members and everything moves right to leave room for the wrapping arrows.
    ``pad`` is extra room on the left for frames, ``heads`` and ``feet`` the room each
    band's frames need above and below its boxes.
    """
    members_by_band: list[list[str]] = [[] for _ in range(bands.count)]
    for index, level in enumerate(ranks.levels):
        members_by_band[bands.of_rank[index]].extend(level)
    top = MARGIN + max(0.0, heads[0] - (MARGIN - FRAME_EDGE))
    points: dict[str, tuple[float, float, int]] = {}
    spans = []
    low = min(across[m] - across_extent(sizes[m], stacked) / 2 for m in across)
    for band, members in enumerate(members_by_band):
        if stacked:
            low = min(across[m] - across_extent(sizes[m], stacked) / 2 for m in members)
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


def channels(ranks: Ranks, starts, rankdir: str, points, along, gaps) -> dict[str, float]:
    """Where arrows into each member turn: the middle of the gap before its rank."""
    channels = {}
    for index, level in enumerate(ranks.levels):
        turn = starts[index][0] - (gaps[index - 1] if index else RANK_GAP[rankdir]) / 2
        for member in level:
            x, y, _ = points[member]
            channels[member] = (x if rankdir == "LR" else y) - (along[member] - turn)
    return channels
