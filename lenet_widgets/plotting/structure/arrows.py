"""The arrows of a model picture as lists of points: pure geometry, nothing drawn.

Once boxes and waypoints are placed (``layout.py``), each edge becomes a line of
right-angled legs: it leaves its source at a port spread evenly along the
source's outgoing side, turns in the channel (the middle of the gap before the
next rank) and enters its target at a port on the incoming side. Between two
bands of a wrapped left-to-right layout it goes out to the right, down to the
lane between the bands, and back to the left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lenet_widgets.plotting.structure.boxes import Box

__all__ = ["Arrow", "Path", "Point", "route_arrows"]

Point = tuple[float, float]
Path = tuple[str, list[str]]
"""One edge: ``(source id, chain of ids from the source through waypoints to the target)``."""

_WRAP_OUT = 10.0  # How far a wrapping arrow goes right of its source before turning down.
_WRAP_IN = 12.0  # How far left of its target it comes back up.
_FRAME_GAP = 3.0  # How far outside the frames beside its ends a wrapping arrow turns, at least.


@dataclass(frozen=True)
class Arrow:
    """One edge of the graph: the points of its line, from the source box to the target box."""

    source: str
    target: str
    points: tuple[Point, ...]


def route_arrows(
    paths: Sequence[Path],
    boxes: Mapping[str, Box],
    waypoints: Mapping[str, tuple[float, float, int]],
    channels: Mapping[str, float],
    wrap_lanes: Sequence[float],
    rankdir: str,
    frame_room: float = 0.0,
) -> tuple[Arrow, ...]:
    """Route every path.

    Args:
        paths: the edges, each split into a chain by waypoints where it skips ranks.
        boxes: the placed boxes.
        waypoints: waypoint id -> ``(x, y, band)``.
        channels: id -> the coordinate (y in TB, x in LR) where arrows into it turn.
        wrap_lanes: y of the lane under each band, for arrows that wrap to the next band.
        rankdir: ``"TB"`` or ``"LR"``.
        frame_room: how far the frames of nested models reach beside a box: arrows
            wrapping to the next band turn outside them, not along their sides.

    Returns:
        One ``Arrow`` per path, in order.
    """
    wrap = (max(_WRAP_OUT, frame_room + _FRAME_GAP), max(_WRAP_IN, frame_room + _FRAME_GAP))
    router = _Router(rankdir, boxes, waypoints, channels, wrap_lanes, wrap)
    return tuple(router.arrow(index, paths) for index in range(len(paths)))


@dataclass(frozen=True)
class _Router:
    rankdir: str
    boxes: Mapping[str, Box]
    waypoints: Mapping[str, tuple[float, float, int]]
    channels: Mapping[str, float]
    wrap_lanes: Sequence[float]
    wrap: tuple[float, float] = (_WRAP_OUT, _WRAP_IN)  # Right of a source, left of a target.

    def across(self, member: str) -> float:
        """Position of a box or waypoint along its rank (x in TB, y in LR)."""
        if member in self.boxes:
            box = self.boxes[member]
            return box.y if self.rankdir == "LR" else box.x
        x, y, _ = self.waypoints[member]
        return y if self.rankdir == "LR" else x

    def arrow(self, index: int, paths: Sequence[Path]) -> Arrow:
        """The arrow of ``paths[index]``, its ports ordered like the neighbours they lead to."""
        source, chain = paths[index]
        target = chain[-1]
        outs = [i for i, (start, _) in enumerate(paths) if start == source]
        ins = [i for i, (_, other) in enumerate(paths) if other[-1] == target]
        outs.sort(key=lambda i: self.across(paths[i][1][1]))
        ins.sort(key=lambda i: self.across(paths[i][1][-2]))
        points = [self.port(self.boxes[source], True, outs.index(index), len(outs))]
        bands = [self.boxes[source].band]
        for waypoint in chain[1:-1]:
            x, y, band = self.waypoints[waypoint]
            points.append((x, y))
            bands.append(band)
        points.append(self.port(self.boxes[target], False, ins.index(index), len(ins)))
        bands.append(self.boxes[target].band)
        route = [points[0]]
        for i in range(len(points) - 1):
            channel = self.channels[chain[i + 1]]
            route.extend(self.leg(points[i], points[i + 1], bands[i], bands[i + 1], channel)[1:])
        return Arrow(source, target, tuple(route))

    def port(self, box: Box, outgoing: bool, index: int, count: int) -> Point:
        """Where arrow ``index`` of ``count`` leaves (or enters) a box."""
        fraction = (index + 1) / (count + 1)
        if self.rankdir == "LR":
            x = box.x + box.width / 2 if outgoing else box.x - box.width / 2
            return x, box.y - box.height / 2 + fraction * box.height
        y = box.y + box.height / 2 if outgoing else box.y - box.height / 2
        return box.x - box.width / 2 + fraction * box.width, y

    def leg(self, start: Point, end: Point, start_band: int, end_band: int, channel: float):
        """The points from one point of a chain to the next, both ends included."""
        (x0, y0), (x1, y1) = start, end
        if start_band != end_band:  # Wrap: out to the right, down to the lane, back left.
            lane = self.wrap_lanes[start_band]
            out, back = self.wrap
            return [
                (x0, y0),
                (x0 + out, y0),
                (x0 + out, lane),
                (x1 - back, lane),
                (x1 - back, y1),
                (x1, y1),
            ]
        if self.rankdir == "LR":
            return [(x0, y0), (channel, y0), (channel, y1), (x1, y1)]
        return [(x0, y0), (x0, channel), (x1, channel), (x1, y1)]
