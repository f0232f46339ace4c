"""Draw a model's structure with matplotlib alone: boxes, arrows, inspector plots, diffs.

Everything here takes plain data (``ModelGraph`` and arrays from
``lenet_widgets.core.structure``) and a matplotlib ``Figure``/``Axes``, and
returns what it drew. No Keras objects, no widgets, no Graphviz.

The graph layout is a small layered ("Sugiyama") layout: each layer gets a rank
(longest path from the inputs), arrows that skip ranks get invisible waypoints,
ranks are ordered to reduce crossings, and boxes are placed near the mean of
their neighbours. Left-to-right layouts wider than ``max_width_px`` wrap into
several bands, so a LeNet with shapes fits a notebook cell; anything still too
wide is scaled down.
"""

from __future__ import annotations

import functools
import itertools
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle
from matplotlib.path import Path as DrawPath
from matplotlib.textpath import TextToPath

from lenet_widgets.core.graph import LayerInspection, LayerNode, ModelGraph

__all__ = [
    "DIFF_COLORS",
    "DIFF_LABELS",
    "RANKDIRS",
    "GraphDrawing",
    "draw_conv_kernels",
    "draw_model_diff",
    "draw_model_graph",
    "draw_weight_histograms",
]

RANKDIRS = ("TB", "LR")
DIFF_COLORS = {
    "added": "#2e7d32",
    "removed": "#c62828",
    "changed": "#e65100",
    "reshaped": "#fbd5b0",
}
"""Header colours of highlighted boxes in the diff picture: strong for real edits,
pale (``"reshaped"``) for layers whose settings are the same but whose shapes
changed because a layer above them changed."""
DIFF_LABELS = {
    "removed": "removed",
    "added": "added",
    "changed": "settings changed",
    "reshaped": "only shapes changed (by a layer above)",
}
"""Legend text of each diff colour."""

_FONT_SIZE = 9.0
_HEADER_COLOR = "#1f1f1f"
_BORDER_COLOR = "#1f1f1f"
_CELL_PAD = 6.0
_RANK_GAP = {"TB": 16.0, "LR": 30.0}
_ORDER_GAP = 16.0
_BAND_GAP = 34.0
_MARGIN = 10.0
_WAYPOINT = 6.0
_WRAP_ROOM = 14.0
_POINTS_PER_PIXEL = 72.0 / 96.0


@dataclass(frozen=True)
class _Cell:
    text: str
    face: str = "white"
    color: str = "black"
    bold: bool = False
    size: float = _FONT_SIZE


@dataclass
class _Box:
    rows: list[list[_Cell]]
    width: float
    height: float
    row_heights: list[float]
    x: float = 0.0  # centre, points, y grows downwards
    y: float = 0.0
    band: int = 0


@dataclass
class _Layout:
    boxes: dict[str, _Box]
    waypoints: dict[str, tuple[float, float, int]]
    paths: list[tuple[str, list[str]]]  # (edge source id, chain of ids to target)
    edges: list[tuple[str, str]]
    bands: list[tuple[float, float]] = field(default_factory=list)  # (top, bottom) of each band
    channels: dict[str, float] = field(default_factory=dict)  # where arrows into a member turn
    width: float = 0.0
    height: float = 0.0
    rankdir: str = "TB"


@dataclass
class GraphDrawing:
    """What ``draw_model_graph`` drew.

    Attributes:
        axes: the Axes holding the picture.
        boxes: layer id -> the Rectangle of its box.
        arrows: the arrow patches.
        texts: all text artists.
        width_px, height_px: picture size in pixels at the figure's dpi.
        scale: how much the picture was shrunk to fit ``max_width_px`` (1.0: not at all).
        bands: rows a left-to-right picture was wrapped into (1: not wrapped).
    """

    axes: Axes
    boxes: dict[str, Rectangle]
    arrows: list[FancyArrowPatch]
    texts: list
    width_px: int
    height_px: int
    scale: float = 1.0
    bands: int = 1


# ----------------------------------------------------------------------------- text boxes


@functools.lru_cache(maxsize=4096)
def _text_width(text: str, size: float, bold: bool) -> float:
    properties = FontProperties(size=size, weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, properties, ismath=False)
    return float(width)


def _cell_width(cell: _Cell) -> float:
    # 6% slack: hinting at 72-100 dpi draws text a little wider than its outline.
    return _text_width(cell.text, cell.size, cell.bold) * 1.06 + 2 * _CELL_PAD


def _node_rows(node: LayerNode, options: Mapping[str, bool], stacked: bool) -> list[list[_Cell]]:
    """The table of one box, with Keras' wording."""
    title = f"{node.name} ({node.class_name})" if options["show_layer_names"] else node.class_name
    rows = [[_Cell(title, _HEADER_COLOR, "white", True, _FONT_SIZE + 1)]]
    if options["show_layer_activations"] and node.activation is not None:
        rows.append([_Cell(f"Activation: {node.activation}")])
    cells = []
    if options["show_shapes"]:
        if not node.is_input:
            cells.append(_Cell(f"Input shape: {node.input_shape}"))
        cells.append(_Cell(f"Output shape: {node.output_shape}"))
    if options["show_dtype"]:
        cells.append(_Cell(f"Output dtype: {node.dtype or '?'}"))
    if options["show_trainable"] and node.trainable is not None:
        if node.trainable:
            cells.append(_Cell("Trainable", "forestgreen", "white", True))
        else:
            cells.append(_Cell("Non-trainable", "firebrick", "white", True))
    if cells:
        rows.extend([[cell] for cell in cells] if stacked else [cells])
    if node.params:
        rows.append([_Cell(f"{node.params:,} params", "#f2f2f2", "#444444", False, _FONT_SIZE - 1)])
    return rows


def _measure(rows: list[list[_Cell]]) -> _Box:
    widths, heights = [], []
    for row in rows:
        widths.append(sum(_cell_width(cell) for cell in row))
        heights.append(max(cell.size for cell in row) * 1.75)
    return _Box(rows, max(widths), sum(heights), heights)


# ----------------------------------------------------------------------------- layout


def _ranks(ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
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


def _layout(graph: ModelGraph, options: Mapping[str, bool], rankdir: str, max_width: float):
    stacked = rankdir == "LR"
    boxes = {node.id: _measure(_node_rows(node, options, stacked)) for node in graph.nodes}
    ids = list(boxes)
    edges = [(s, t) for s, t in graph.edges if s in boxes and t in boxes]
    rank = _ranks(ids, edges)
    # Waypoints for arrows that skip ranks, so they go around the boxes in between.
    waypoint_rank: dict[str, int] = {}
    paths = []
    successors: dict[str, list[str]] = {}
    predecessors: dict[str, list[str]] = {}
    for source, target in edges:
        chain = [source]
        for step in range(rank[source] + 1, rank[target]):
            waypoint = f"~{len(waypoint_rank)}"
            waypoint_rank[waypoint] = step
            chain.append(waypoint)
        chain.append(target)
        paths.append((source, chain))
        for a, b in itertools.pairwise(chain):
            successors.setdefault(a, []).append(b)
            predecessors.setdefault(b, []).append(a)
    all_rank = {**rank, **waypoint_rank}
    levels: list[list[str]] = [[] for _ in range(max(all_rank.values(), default=0) + 1)]
    for member in [*ids, *waypoint_rank]:
        levels[all_rank[member]].append(member)

    def across_size(member: str) -> float:
        if member in boxes:
            return boxes[member].height if stacked else boxes[member].width
        return _WAYPOINT

    def along_size(member: str) -> float:
        if member in boxes:
            return boxes[member].width if stacked else boxes[member].height
        return _WAYPOINT

    sizes = {member: across_size(member) for member in all_rank}
    # Order each rank by the mean position of neighbours (fewer crossings).
    position = {m: float(i) for level in levels for i, m in enumerate(level)}
    for sweep in range(4):
        neighbours = predecessors if sweep % 2 == 0 else successors
        order = levels[1:] if sweep % 2 == 0 else levels[-2::-1]
        for level in order:
            level.sort(
                key=lambda m: np.mean([position[n] for n in neighbours.get(m, [])] or [position[m]])
            )
            for index, member in enumerate(level):
                position[member] = float(index)
    # Across coordinates: pack, then pull each box towards its neighbours.
    across: dict[str, float] = {}
    for level in levels:
        total = sum(sizes[m] for m in level) + _ORDER_GAP * (len(level) - 1)
        cursor = -total / 2
        for member in level:
            across[member] = cursor + sizes[member] / 2
            cursor += sizes[member] + _ORDER_GAP
    for sweep in range(4):
        neighbours = predecessors if sweep % 2 == 0 else successors
        order = levels[1:] if sweep % 2 == 0 else levels[-2::-1]
        for level in order:
            desired = {
                m: float(np.mean([across[n] for n in neighbours[m]]))
                if neighbours.get(m)
                else across[m]
                for m in level
            }
            _place_rank(level, desired, sizes)
            across.update(desired)
    # Along coordinates: one row (TB) or column (LR) per rank.
    along: dict[str, float] = {}
    rank_start = []
    cursor = 0.0
    for level in levels:
        depth = max(along_size(m) for m in level)
        rank_start.append((cursor, depth))
        for member in level:
            along[member] = cursor + depth / 2
        cursor += depth + _RANK_GAP[rankdir]
    layout = _Layout(boxes, {}, paths, edges, rankdir=rankdir)
    # Wrap a wide left-to-right layout into bands.
    band_of_rank = [0] * len(levels)
    if stacked:
        band, band_left = 0, 0.0
        for index, (start, depth) in enumerate(rank_start):
            if start + depth - band_left > max_width and start > band_left:
                band, band_left = band + 1, start
            band_of_rank[index] = band
    band_count = max(band_of_rank) + 1
    band_left = [
        min(rank_start[i][0] for i in range(len(levels)) if band_of_rank[i] == b)
        for b in range(band_count)
    ]
    members_by_band: list[list[str]] = [[] for _ in range(band_count)]
    for index, level in enumerate(levels):
        members_by_band[band_of_rank[index]].extend(level)
    top = _MARGIN
    points: dict[str, tuple[float, float, int]] = {}
    low = min(across[m] - sizes[m] / 2 for m in across)
    for band, members in enumerate(members_by_band):
        if stacked:  # Each band starts at the top of its own rows.
            low = min(across[m] - sizes[m] / 2 for m in members)
        bottom = top
        for member in members:
            a = across[member] - low
            b = along[member] - band_left[band]
            x, y = (b, a) if stacked else (a, b)
            points[member] = (x + _MARGIN, y + top, band)
            half = (boxes[member].height / 2) if member in boxes else _WAYPOINT / 2
            bottom = max(bottom, y + top + half)
        layout.bands.append((top, bottom))
        top = bottom + _BAND_GAP
    if band_count > 1:  # Room for the arrows that wrap around the band ends.
        points = {m: (x + _WRAP_ROOM, y, band) for m, (x, y, band) in points.items()}
    # Arrows turn in the gap just before their target's rank, clear of all boxes.
    shift = _WRAP_ROOM if band_count > 1 else 0.0
    for index, level in enumerate(levels):
        band = band_of_rank[index]
        start = rank_start[index][0] - _RANK_GAP[rankdir] / 2
        for member in level:
            if stacked:
                layout.channels[member] = start - band_left[band] + _MARGIN + shift
            else:
                layout.channels[member] = start + _MARGIN
    for member, (x, y, band) in points.items():
        if member in boxes:
            boxes[member].x, boxes[member].y, boxes[member].band = x, y, band
        else:
            layout.waypoints[member] = (x, y, band)
    layout.width = max(
        x + boxes[m].width / 2 if m in boxes else x for m, (x, _, _) in points.items()
    )
    layout.width += _MARGIN + (_WRAP_ROOM if band_count > 1 else 0.0)
    layout.height = layout.bands[-1][1] + _MARGIN
    return layout


# ----------------------------------------------------------------------------- drawing


def _port(box: _Box, rankdir: str, outgoing: bool, index: int, count: int) -> tuple[float, float]:
    fraction = (index + 1) / (count + 1)
    if rankdir == "LR":
        x = box.x + box.width / 2 if outgoing else box.x - box.width / 2
        return x, box.y - box.height / 2 + fraction * box.height
    y = box.y + box.height / 2 if outgoing else box.y - box.height / 2
    return box.x - box.width / 2 + fraction * box.width, y


def _route(layout: _Layout, start, end, start_band: int, end_band: int, channel: float):
    (x0, y0), (x1, y1) = start, end
    if start_band != end_band:  # Wrap: out to the right, down to the band gap, back left.
        gap_y = layout.bands[start_band][1] + _BAND_GAP / 2
        return [
            (x0, y0),
            (x0 + 10, y0),
            (x0 + 10, gap_y),
            (x1 - 12, gap_y),
            (x1 - 12, y1),
            (x1, y1),
        ]
    if layout.rankdir == "LR":
        return [(x0, y0), (channel, y0), (channel, y1), (x1, y1)]
    return [(x0, y0), (x0, channel), (x1, channel), (x1, y1)]


def _arrow_points(layout: _Layout) -> list[list[tuple[float, float]]]:
    outgoing: dict[str, list[tuple[str, list[str]]]] = {}
    incoming: dict[str, list[tuple[str, list[str]]]] = {}
    for source, chain in layout.paths:
        outgoing.setdefault(source, []).append((source, chain))
        incoming.setdefault(chain[-1], []).append((source, chain))

    def across(member: str) -> float:
        if member in layout.boxes:
            box = layout.boxes[member]
            return box.y if layout.rankdir == "LR" else box.x
        x, y, _ = layout.waypoints[member]
        return y if layout.rankdir == "LR" else x

    arrows = []
    for source, chain in layout.paths:
        target = chain[-1]
        outs = sorted(outgoing[source], key=lambda item: across(item[1][1]))
        ins = sorted(incoming[target], key=lambda item: across(item[1][-2]))
        index_out = outs.index((source, chain))
        index_in = ins.index((source, chain))
        points = [_port(layout.boxes[source], layout.rankdir, True, index_out, len(outs))]
        bands = [layout.boxes[source].band]
        for waypoint in chain[1:-1]:
            x, y, band = layout.waypoints[waypoint]
            points.append((x, y))
            bands.append(band)
        points.append(_port(layout.boxes[target], layout.rankdir, False, index_in, len(ins)))
        bands.append(layout.boxes[target].band)
        route = [points[0]]
        for i in range(len(points) - 1):
            channel = layout.channels[chain[i + 1]]
            route.extend(
                _route(layout, points[i], points[i + 1], bands[i], bands[i + 1], channel)[1:]
            )
        arrows.append(route)
    return arrows


def _draw_layout(
    axes: Axes,
    layout: _Layout,
    graph: ModelGraph,
    scale: float,
    highlight: Mapping[str, str],
    caption: str,
) -> tuple[dict[str, Rectangle], list[FancyArrowPatch], list]:
    rectangles: dict[str, Rectangle] = {}
    texts = []
    # Frames of expanded nested models, drawn first (underneath).
    for group in graph.groups:
        members = [
            layout.boxes[n.id]
            for n in graph.nodes
            if n.id in layout.boxes
            and (n.group == group.id or (n.group or "").startswith(group.id + "/"))
        ]
        for band in sorted({box.band for box in members}):
            inside = [box for box in members if box.band == band]
            left = min(b.x - b.width / 2 for b in inside) - 7
            right = max(b.x + b.width / 2 for b in inside) + 7
            upper = min(b.y - b.height / 2 for b in inside) - 16
            lower = max(b.y + b.height / 2 for b in inside) + 7
            axes.add_patch(
                Rectangle(
                    (left, upper),
                    right - left,
                    lower - upper,
                    fill=True,
                    facecolor="#f5f8ff",
                    edgecolor="#5470a8",
                    linestyle="--",
                    linewidth=1.0,
                    zorder=0,
                )
            )
            texts.append(
                axes.text(
                    left + 4,
                    upper + 2,
                    f"{group.name} ({group.class_name})",
                    fontsize=7.5 * scale,
                    color="#34508a",
                    va="top",
                    ha="left",
                    style="italic",
                    zorder=1,
                )
            )
    cells: list[Rectangle] = []
    cell_faces: list[str] = []
    for node in graph.nodes:
        box = layout.boxes.get(node.id)
        if box is None:
            continue
        color = highlight.get(node.id)
        left, top = box.x - box.width / 2, box.y - box.height / 2
        row_top = top
        for row, row_height in zip(box.rows, box.row_heights, strict=True):
            natural = [_cell_width(cell) for cell in row]
            stretch = box.width / sum(natural)
            cell_left = left
            for cell, width in zip(row, natural, strict=True):
                cell_width = width * stretch
                header = bool(color) and cell.face == _HEADER_COLOR
                face = color if header else cell.face
                cells.append(Rectangle((cell_left, row_top), cell_width, row_height))
                cell_faces.append(face)
                texts.append(
                    axes.text(
                        cell_left + cell_width / 2,
                        row_top + row_height / 2,
                        cell.text,
                        fontsize=cell.size * scale,
                        color=_ink(face) if header else cell.color,
                        ha="center",
                        va="center_baseline",
                        fontweight="bold" if cell.bold else "normal",
                        zorder=3,
                    )
                )
                cell_left += cell_width
            row_top += row_height
        frame = Rectangle(
            (left, top),
            box.width,
            box.height,
            fill=False,
            zorder=4,
            edgecolor=(color if _is_strong(color) else "#d08a4a") if color else _BORDER_COLOR,
            linewidth=(2.6 if _is_strong(color) else 1.4) if color else 1.0,
        )
        axes.add_artist(frame)  # add_artist: limits are fixed, skip add_patch's bookkeeping.
        rectangles[node.id] = frame
    # All cells in one collection: one draw call instead of hundreds of patches.
    axes.add_collection(
        PatchCollection(
            cells, facecolors=cell_faces, edgecolors="#9a9a9a", linewidths=0.5, zorder=2
        ),
        autolim=False,
    )
    arrows = []
    for route in _arrow_points(layout):
        arrow = FancyArrowPatch(
            path=DrawPath(route),
            arrowstyle="-|>",
            mutation_scale=9 * scale,
            linewidth=1.2,
            color="#333333",
            shrinkA=0,
            shrinkB=0,
            zorder=1,
        )
        axes.add_artist(arrow)
        arrows.append(arrow)
    if caption:
        texts.append(
            axes.text(
                _MARGIN,
                layout.height + 4,
                caption,
                fontsize=_FONT_SIZE * scale,
                va="top",
                ha="left",
                color="#222222",
                linespacing=1.35,
            )
        )
    return rectangles, arrows, texts


def _luminance(color: str) -> float:
    red, green, blue = to_rgb(color)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _is_strong(color: str | None) -> bool:
    return color is not None and _luminance(color) < 0.6


def _ink(face: str) -> str:
    """White text on a strong header colour, dark text on a pale one."""
    return "white" if _is_strong(face) else "#4a2500"


def _caption(graph: ModelGraph, width: float) -> str:
    lines = [
        f"{graph.name}: {graph.total_params:,} params "
        f"({graph.trainable_params:,} trainable, {graph.non_trainable_params:,} non-trainable)"
    ]
    if graph.note:
        characters = max(30, int(width / (_FONT_SIZE * 0.55)))
        lines.extend(textwrap.wrap(graph.note, characters))
    return "\n".join(lines)


def _caption_height(caption: str) -> float:
    return (caption.count("\n") + 1) * _FONT_SIZE * 1.4 + 8 if caption else 0.0


def _options(**values: bool) -> dict[str, bool]:
    return {key: bool(value) for key, value in values.items()}


def _check_rankdir(rankdir: str) -> str:
    value = str(rankdir).upper()
    if value not in RANKDIRS:
        raise ValueError(f"rankdir is {rankdir!r}; expected one of {RANKDIRS}.")
    return value


def draw_model_graph(
    figure: Figure,
    graph: ModelGraph,
    *,
    show_shapes: bool = False,
    show_layer_names: bool = False,
    show_dtype: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    rankdir: str = "TB",
    max_width_px: int | None = 900,
    highlight: Mapping[str, str] | None = None,
    show_caption: bool = True,
) -> GraphDrawing:
    """Draw a model graph on a (cleared) figure and size the figure to fit it.

    Args:
        figure: the figure to draw on; its size is set here, its dpi is kept.
        graph: from ``lenet_widgets.core.structure.model_graph``.
        show_shapes, show_layer_names, show_dtype, show_layer_activations,
            show_trainable: what each box shows, as in ``keras.utils.plot_model``.
        rankdir: ``"TB"`` (top to bottom) or ``"LR"`` (left to right, wrapped into bands).
        max_width_px: width at 96 dpi the picture must fit (a notebook cell); ``None``: no limit.
        highlight: layer id -> colour of its header and frame (used by the diff).
        show_caption: add the total parameter count (and the note of subclassed models).

    Returns:
        A ``GraphDrawing`` with the boxes, arrows and texts.
    """
    rankdir = _check_rankdir(rankdir)
    options = _options(
        show_shapes=show_shapes,
        show_layer_names=show_layer_names,
        show_dtype=show_dtype,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
    )
    limit = float("inf") if max_width_px is None else max_width_px * _POINTS_PER_PIXEL
    layout = _layout(graph, options, rankdir, limit - 2 * (_MARGIN + _WRAP_ROOM))
    caption = _caption(graph, max(layout.width, min(limit, 500.0))) if show_caption else ""
    width = max(
        layout.width,
        _text_width(caption.split("\n")[0], _FONT_SIZE, False) + 2 * _MARGIN if caption else 0,
    )
    height = layout.height + _caption_height(caption)
    scale = min(1.0, limit / width)
    figure.clear()
    figure.set_size_inches(width * scale / 72.0, height * scale / 72.0)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)
    boxes, arrows, texts = _draw_layout(axes, layout, graph, scale, highlight or {}, caption)
    dpi = figure.get_dpi()
    return GraphDrawing(
        axes,
        boxes,
        arrows,
        texts,
        round(width * scale / 72 * dpi),
        round(height * scale / 72 * dpi),
        scale,
        len(layout.bands),
    )


def _legend_rows(width: float, size: float) -> int:
    """Rows the diff legend needs to fit ``width`` points: 1, 2 or 4."""
    entries = [_text_width(text, size, False) + 2.6 * size for text in DIFF_LABELS.values()]
    for rows in (1, 2, 4):
        columns = -(-len(entries) // rows)
        widest = [max(entries[i::columns]) for i in range(columns)]
        if sum(widest) + 2 * size * columns <= width:
            return rows
    return 4


def draw_model_diff(
    figure: Figure,
    graph_a: ModelGraph,
    graph_b: ModelGraph,
    *,
    removed: Sequence[str] = (),
    added: Sequence[str] = (),
    changed_a: Sequence[str] = (),
    changed_b: Sequence[str] = (),
    reshaped_a: Sequence[str] = (),
    reshaped_b: Sequence[str] = (),
    show_shapes: bool = True,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    max_width_px: int | None = 900,
) -> tuple[GraphDrawing, GraphDrawing]:
    """Both models side by side, differences coloured, with a legend.

    Removed boxes are red (left), added ones green (right), layers whose own
    settings changed strong orange, and layers whose settings are the same but
    whose shapes changed because a layer above changed pale orange: the real
    edits stand out.

    Args:
        figure: the figure to draw on; its size is set here.
        graph_a, graph_b: the two models' graphs.
        removed: ids only in ``a``; added: ids only in ``b``.
        changed_a, changed_b: ids (in ``a`` / ``b``) of layers whose settings changed.
        reshaped_a, reshaped_b: ids of layers whose shapes only changed.
        show_shapes, show_layer_names, rankdir, max_width_px: as ``draw_model_graph``.

    Returns:
        The drawings of the left and right model.
    """
    rankdir = _check_rankdir(rankdir)
    options = _options(
        show_shapes=show_shapes,
        show_layer_names=show_layer_names,
        show_dtype=False,
        show_layer_activations=False,
        show_trainable=False,
    )
    limit = float("inf") if max_width_px is None else max_width_px * _POINTS_PER_PIXEL
    half = (limit - 20) / 2 - 2 * (_MARGIN + _WRAP_ROOM)
    layouts = [_layout(graph, options, rankdir, half) for graph in (graph_a, graph_b)]
    captions = [_caption(g, lay.width) for g, lay in zip((graph_a, graph_b), layouts, strict=True)]
    widths = [
        max(lay.width, _text_width(c.split("\n")[0], _FONT_SIZE, False) + 2 * _MARGIN)
        for lay, c in zip(layouts, captions, strict=True)
    ]
    heights = [lay.height + _caption_height(c) for lay, c in zip(layouts, captions, strict=True)]
    total_width = sum(widths) + 20
    scale = min(1.0, limit / total_width)
    rows = _legend_rows(total_width, _FONT_SIZE)
    top = 10 + rows * _FONT_SIZE * 1.9
    total_height = max(heights) + top
    figure.clear()
    figure.set_size_inches(total_width * scale / 72, total_height * scale / 72)
    highlights = [
        {
            **{i: DIFF_COLORS["reshaped"] for i in reshaped_a},
            **{i: DIFF_COLORS["removed"] for i in removed},
            **{i: DIFF_COLORS["changed"] for i in changed_a},
        },
        {
            **{i: DIFF_COLORS["reshaped"] for i in reshaped_b},
            **{i: DIFF_COLORS["added"] for i in added},
            **{i: DIFF_COLORS["changed"] for i in changed_b},
        },
    ]
    drawings = []
    left = 0.0
    dpi = figure.get_dpi()
    for graph, layout, caption, width, height, highlight in zip(
        (graph_a, graph_b), layouts, captions, widths, heights, highlights, strict=True
    ):
        axes = figure.add_axes((left / total_width, 0, width / total_width, 1))
        axes.set_axis_off()
        axes.set_xlim(0, width)
        axes.set_ylim(total_height, -top)
        boxes, arrows, texts = _draw_layout(axes, layout, graph, scale, highlight, caption)
        drawings.append(
            GraphDrawing(
                axes,
                boxes,
                arrows,
                texts,
                round(width * scale / 72 * dpi),
                round(height * scale / 72 * dpi),
                scale,
                len(layout.bands),
            )
        )
        left += width + 20
    handles = [
        Patch(
            facecolor=DIFF_COLORS[kind],
            edgecolor=DIFF_COLORS[kind] if _is_strong(DIFF_COLORS[kind]) else "#d08a4a",
            label=label,
        )
        for kind, label in DIFF_LABELS.items()
    ]
    figure.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=-(-len(handles) // rows),
        frameon=False,
        fontsize=_FONT_SIZE * scale,
        handlelength=1.6,
        columnspacing=1.4,
        borderaxespad=0.3,
    )
    return drawings[0], drawings[1]


# ----------------------------------------------------------------------------- inspector


def draw_weight_histograms(figure: Figure, inspection: LayerInspection) -> list[Axes]:
    """One histogram per weight tensor of a layer, with its statistics in the title."""
    figure.clear()
    weights = inspection.weights
    if not weights:
        axes = figure.add_subplot(1, 1, 1)
        axes.set_axis_off()
        axes.text(
            0.5,
            0.5,
            f"{inspection.id} ({inspection.class_name}) has no weights.",
            ha="center",
            va="center",
        )
        return [axes]
    all_axes = []
    for index, stats in enumerate(weights):
        axes = figure.add_subplot(1, len(weights), index + 1)
        widths = np.diff(stats.edges)
        axes.bar(stats.edges[:-1], stats.counts, width=widths, align="edge", color="#4c72b0")
        axes.set_title(
            f"{stats.name.split('/')[-1]} {stats.shape}\n"
            f"min {stats.minimum:.3g}  max {stats.maximum:.3g}\n"
            f"mean {stats.mean:.3g}  std {stats.std:.3g}",
            fontsize=8,
        )
        axes.tick_params(labelsize=7)
        all_axes.append(axes)
    figure.subplots_adjust(top=0.72, bottom=0.14, wspace=0.3)
    return all_axes


def draw_conv_kernels(figure: Figure, kernels: np.ndarray, *, columns: int = 10) -> list[Axes]:
    """Conv2D kernels ``(filters, height, width)`` as a grid, one shared blue-red colour scale."""
    kernels = np.asarray(kernels)
    if kernels.ndim != 3:
        raise ValueError(f"kernels have shape {kernels.shape}; expected (filters, height, width).")
    figure.clear()
    count = kernels.shape[0]
    columns = max(1, min(int(columns), count))
    rows = -(-count // columns)
    limit = float(np.abs(kernels).max()) or 1.0
    all_axes = []
    for index in range(count):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.imshow(kernels[index], cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(str(index), fontsize=6, pad=1)
        all_axes.append(axes)
    return all_axes
