"""Two models' pictures side by side, what changed between them coloured, with a legend."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from lenet_widgets.core.graph import ModelGraph
from lenet_widgets.plotting.structure.boxes import FONT_SIZE, TextOptions, caption_text
from lenet_widgets.plotting.structure.draw import (
    GraphDrawing,
    check_rankdir,
    draw_layout,
    edge_color,
    picture_size,
    text_width,
    width_limit,
)
from lenet_widgets.plotting.structure.layout import GraphLayout, layout_graph

__all__ = ["DIFF_COLORS", "DIFF_LABELS", "draw_model_diff"]

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

_GAP = 20.0  # Between the two pictures.


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
    rankdir = check_rankdir(rankdir)
    options = TextOptions(show_shapes=show_shapes, show_layer_names=show_layer_names)
    limit = width_limit(max_width_px)
    graphs = (graph_a, graph_b)
    layouts = [layout_graph(g, options, rankdir, (limit - _GAP) / 2, text_width) for g in graphs]
    captions = [caption_text(g, lay.width) for g, lay in zip(graphs, layouts, strict=True)]
    highlights = (
        _highlights(reshaped_a, removed, "removed", changed_a),
        _highlights(reshaped_b, added, "added", changed_b),
    )
    left, right = _draw_side_by_side(figure, layouts, captions, highlights, limit)
    return left, right


def _highlights(
    reshaped: Sequence[str], only_here: Sequence[str], kind: str, changed: Sequence[str]
) -> dict[str, str]:
    """Layer id -> diff colour for one side; a real edit wins over a mere reshape."""
    colors = {layer: DIFF_COLORS["reshaped"] for layer in reshaped}
    colors.update({layer: DIFF_COLORS[kind] for layer in only_here})
    colors.update({layer: DIFF_COLORS["changed"] for layer in changed})
    return colors


def _draw_side_by_side(
    figure: Figure,
    layouts: Sequence[GraphLayout],
    captions: Sequence[str],
    highlights: Sequence[dict[str, str]],
    limit: float,
) -> list[GraphDrawing]:
    """Size the figure for both pictures and the legend above them, then draw them."""
    sizes = [picture_size(lay, c) for lay, c in zip(layouts, captions, strict=True)]
    total_width = sum(width for width, _ in sizes) + _GAP
    scale = min(1.0, limit / total_width)
    legend_rows = _legend_rows(total_width, FONT_SIZE)
    top = 10 + legend_rows * FONT_SIZE * 1.9
    total_height = max(height for _, height in sizes) + top
    figure.clear()
    figure.set_size_inches(total_width * scale / 72, total_height * scale / 72)
    drawings = []
    left = 0.0
    for layout, caption, size, highlight in zip(layouts, captions, sizes, highlights, strict=True):
        axes = figure.add_axes((left / total_width, 0, size[0] / total_width, 1))
        axes.set_axis_off()
        axes.set_xlim(0, size[0])
        axes.set_ylim(total_height, -top)
        drawings.append(draw_layout(axes, layout, caption, scale, highlight, size))
        left += size[0] + _GAP
    _draw_legend(figure, legend_rows, scale)
    return drawings


def _legend_rows(width: float, size: float) -> int:
    """Rows the diff legend needs to fit ``width`` points: 1, 2 or 4."""
    entries = [text_width(text, size, False) + 2.6 * size for text in DIFF_LABELS.values()]
    for rows in (1, 2, 4):
        columns = -(-len(entries) // rows)
        widest = [max(entries[i::columns]) for i in range(columns)]
        if sum(widest) + 2 * size * columns <= width:
            return rows
    return 4


def _draw_legend(figure: Figure, rows: int, scale: float) -> None:
    handles = [
        Patch(facecolor=DIFF_COLORS[kind], edgecolor=edge_color(DIFF_COLORS[kind]), label=label)
        for kind, label in DIFF_LABELS.items()
    ]
    figure.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=-(-len(handles) // rows),
        frameon=False,
        fontsize=FONT_SIZE * scale,
        handlelength=1.6,
        columnspacing=1.4,
        borderaxespad=0.3,
    )
