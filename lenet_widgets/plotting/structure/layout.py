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

Steps 1 to 4 are ``ranks.py``, step 5 ``bands.py``; ``frames.py`` frames expanded
nested models and says how much room they need; ``spacing.py`` holds the gaps the
steps share. This module runs the steps in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lenet_widgets.core.graph import ModelGraph
from lenet_widgets.plotting.structure.arrows import Arrow, route_arrows
from lenet_widgets.plotting.structure.bands import Bands, channels, place_members
from lenet_widgets.plotting.structure.boxes import (
    Box,
    TextMeasure,
    TextOptions,
    box_table,
    place_box,
)
from lenet_widgets.plotting.structure.frames import (
    FRAME_HEAD,
    FRAME_INSET,
    FRAME_LABEL_ROOM,
    FRAME_LABEL_SIZE,
    FRAME_PAD,
    GroupFrame,
    Nesting,
    group_frames,
)
from lenet_widgets.plotting.structure.ranks import Ranks, coordinates, order_ranks
from lenet_widgets.plotting.structure.spacing import BAND_GAP, FRAME_EDGE, MARGIN, WRAP_ROOM

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

_WAYPOINT = 6.0  # Room a waypoint takes in its rank.


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
    ranks = order_ranks(Ranks.build(list(tables), edges))
    sizes = {m: (tables[m].width, tables[m].height) for m in tables}
    sizes.update({m: (_WAYPOINT, _WAYPOINT) for m in ranks.waypoints})
    nesting = Nesting.build(graph, ranks, rankdir)
    across, along, starts = coordinates(ranks, sizes, rankdir, nesting.gaps)
    wrap_at = max_width - 2 * (MARGIN + WRAP_ROOM + nesting.pad) if stacked else float("inf")
    bands = Bands.build(starts, wrap_at)
    heads, feet = nesting.band_rooms(ranks, bands)
    points, spans = place_members(
        ranks, bands, across, along, sizes, stacked, nesting.pad, heads, feet
    )
    boxes = {m: place_box(m, tables[m], *points[m]) for m in tables}
    lanes = [  # Half-way from the frames of a band to those of the next.
        (spans[band][1] + feet[band] + spans[band + 1][0] - heads[band + 1]) / 2
        for band in range(len(spans) - 1)
    ]
    arrows = route_arrows(
        ranks.paths,
        boxes,
        {m: points[m] for m in ranks.waypoints},
        channels(ranks, starts, rankdir, points, along, nesting.gaps),
        [*lanes, spans[-1][1] + BAND_GAP / 2],
        rankdir,
        nesting.side,
    )
    right = max(x + sizes[m][0] / 2 if m in tables else x for m, (x, _, _) in points.items())
    width = right + MARGIN + nesting.pad + (WRAP_ROOM if bands.count > 1 else 0.0)
    height = spans[-1][1] + max(MARGIN, feet[-1] + FRAME_EDGE)
    frames = tuple(group_frames(graph, boxes, measure))
    return GraphLayout(rankdir, boxes, arrows, frames, tuple(spans), width, height)
