"""Steps 1 to 4 of the layout: ranks, their order, and each member's coordinates in its rank.

Each layer gets a rank (the length of its longest path from an input); arrows that
skip ranks get invisible waypoints in the ranks between; each rank is ordered by the
mean position of its neighbours (fewer crossings); then members are placed along their
rank near the mean of their neighbours. Pure geometry, in points.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from lenet_widgets.plotting.structure.arrows import Path

__all__ = ["Ranks", "across_extent", "coordinates", "order_ranks"]

_ORDER_GAP = 16.0  # Between neighbours in one rank.
_SWEEPS = 4


@dataclass(frozen=True)
class Ranks:
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
    def build(cls, ids: list[str], edges: Sequence[tuple[str, str]]) -> Ranks:
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


def order_ranks(ranks: Ranks) -> Ranks:
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


def coordinates(
    ranks: Ranks, sizes: Mapping[str, tuple[float, float]], rankdir: str, gaps: Sequence[float]
):
    """Every member's across and along coordinate, and each rank's ``(start, depth)``.

    "Across" runs along a rank (x in TB, y in LR), "along" from rank to rank;
    ``gaps[r]`` is the room between rank ``r`` and the next.
    """
    stacked = rankdir == "LR"
    across_size = {m: across_extent(size, stacked) for m, size in sizes.items()}
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


def across_extent(size: tuple[float, float], stacked: bool) -> float:
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
