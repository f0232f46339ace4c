"""Draw a model's structure with matplotlib: boxes, arrows, frames of nested models, a caption.

``layout.py`` decides where everything goes; this module turns that
``GraphLayout`` into artists on a figure it sizes to fit, and measures text for
the layout (``text_width``). The picture is sized in points, so it keeps its
proportions at any dpi, and is shrunk to ``max_width_px`` when still too wide.
``diff.py`` uses the same pieces to draw two models side by side.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.path import Path as DrawPath
from matplotlib.text import Text
from matplotlib.textpath import TextToPath

from lenet_widgets.core.graph import ModelGraph
from lenet_widgets.plotting.structure.boxes import (
    FONT_SIZE,
    Box,
    TextOptions,
    caption_height,
    caption_text,
)
from lenet_widgets.plotting.structure.layout import (
    FRAME_LABEL_SIZE,
    MARGIN,
    GraphLayout,
    layout_graph,
)

__all__ = [
    "RANKDIRS",
    "GraphDrawing",
    "check_rankdir",
    "draw_layout",
    "draw_model_graph",
    "edge_color",
    "picture_size",
    "text_width",
    "width_limit",
]

RANKDIRS = ("TB", "LR")
_BORDER_COLOR = "#1f1f1f"
_PALE_EDGE = "#d08a4a"  # Frame of a box with a pale highlight.
_FRAME_FACES = ("#f5f8ff", "#e4ebf8")  # Nested frames alternate, a nested one stands out.
_POINTS_PER_PIXEL = 72.0 / 96.0


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


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool) -> float:
    """Width in points of one line of text in matplotlib's default font (the layout's measure)."""
    properties = FontProperties(size=size, weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, properties, ismath=False)
    return float(width)


# ----------------------------------------------------------------------------- one model


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
    rankdir = check_rankdir(rankdir)
    options = TextOptions(
        show_shapes=show_shapes,
        show_layer_names=show_layer_names,
        show_dtype=show_dtype,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
    )
    limit = width_limit(max_width_px)
    layout = layout_graph(graph, options, rankdir, limit, text_width)
    caption = caption_text(graph, max(layout.width, min(limit, 500.0))) if show_caption else ""
    width, height = picture_size(layout, caption)
    scale = min(1.0, limit / width)
    figure.clear()
    figure.set_size_inches(width * scale / 72.0, height * scale / 72.0)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)
    return draw_layout(axes, layout, caption, scale, highlight or {}, (width, height))


def check_rankdir(rankdir: str) -> str:
    """``rankdir`` in capitals, or a ``ValueError`` naming the two allowed values."""
    value = str(rankdir).upper()
    if value not in RANKDIRS:
        raise ValueError(f"rankdir is {rankdir!r}; expected one of {RANKDIRS}.")
    return value


def width_limit(max_width_px: int | None) -> float:
    """The widest picture allowed, in points."""
    return float("inf") if max_width_px is None else max_width_px * _POINTS_PER_PIXEL


def picture_size(layout: GraphLayout, caption: str) -> tuple[float, float]:
    """Width and height in points of a layout with its caption underneath."""
    width = layout.width
    if caption:
        width = max(width, text_width(caption.split("\n")[0], FONT_SIZE, False) + 2 * MARGIN)
    return width, layout.height + caption_height(caption)


def draw_layout(
    axes: Axes,
    layout: GraphLayout,
    caption: str,
    scale: float,
    highlight: Mapping[str, str],
    size: tuple[float, float],
) -> GraphDrawing:
    """Draw a layout on prepared Axes; ``size`` is the picture's size in points."""
    texts = _draw_frames(axes, layout, scale)
    rectangles, box_texts = _draw_boxes(axes, layout.boxes.values(), scale, highlight)
    texts += box_texts
    arrows = _draw_arrows(axes, layout, scale)
    if caption:
        texts.append(
            axes.text(
                MARGIN,
                layout.height + 4,
                caption,
                fontsize=FONT_SIZE * scale,
                va="top",
                ha="left",
                color="#222222",
                linespacing=1.35,
            )
        )
    dpi = axes.figure.get_dpi()
    width_px, height_px = (round(length * scale / 72 * dpi) for length in size)
    return GraphDrawing(
        axes, rectangles, arrows, texts, width_px, height_px, scale, len(layout.bands)
    )


def _draw_frames(axes: Axes, layout: GraphLayout, scale: float) -> list[Text]:
    """The dashed frames of expanded nested models, under everything else; returns the labels."""
    labels = []
    for frame in layout.frames:
        axes.add_patch(
            Rectangle(
                (frame.left, frame.top),
                frame.right - frame.left,
                frame.bottom - frame.top,
                fill=True,
                facecolor=_FRAME_FACES[frame.depth % len(_FRAME_FACES)],
                edgecolor="#5470a8",
                linestyle="--",
                linewidth=1.0,
                zorder=0,
            )
        )
        left, top, _, _ = frame.label_box
        labels.append(
            axes.text(
                left,
                top,
                frame.label,
                fontsize=FRAME_LABEL_SIZE * scale,
                color="#34508a",
                va="top",
                ha="left",
                style="italic",
                zorder=1,
            )
        )
    return labels


def _draw_boxes(
    axes: Axes, boxes: Iterable[Box], scale: float, highlight: Mapping[str, str]
) -> tuple[dict[str, Rectangle], list[Text]]:
    """Every box: its cells (one collection), their texts and its frame."""
    frames: dict[str, Rectangle] = {}
    texts = []
    cells: list[Rectangle] = []
    faces: list[str] = []
    for box in boxes:
        color = highlight.get(box.id)
        for placed in box.cells:
            cell = placed.cell
            header = bool(color) and cell.is_header
            face = color if header else cell.face
            cells.append(Rectangle((placed.left, placed.top), placed.width, placed.height))
            faces.append(face)
            texts.append(
                axes.text(
                    placed.left + placed.width / 2,
                    placed.top + placed.height / 2,
                    cell.text,
                    fontsize=cell.size * scale,
                    color=_ink(face) if header else cell.color,
                    ha="center",
                    va="center_baseline",
                    fontweight="bold" if cell.bold else "normal",
                    zorder=3,
                )
            )
        frames[box.id] = _box_frame(box, color)
        axes.add_artist(frames[box.id])  # add_artist: limits are fixed, skip add_patch's work.
    # All cells in one collection: one draw call instead of hundreds of patches.
    collection = PatchCollection(
        cells, facecolors=faces, edgecolors="#9a9a9a", linewidths=0.5, zorder=2
    )
    axes.add_collection(collection, autolim=False)
    return frames, texts


def _box_frame(box: Box, color: str | None) -> Rectangle:
    """The outline of a box: thin and dark, or in its highlight colour (thick when strong)."""
    return Rectangle(
        (box.left, box.top),
        box.width,
        box.height,
        fill=False,
        zorder=4,
        edgecolor=edge_color(color) if color else _BORDER_COLOR,
        linewidth=(2.6 if _is_strong(color) else 1.4) if color else 1.0,
    )


def _draw_arrows(axes: Axes, layout: GraphLayout, scale: float) -> list[FancyArrowPatch]:
    """Every arrow as one patch along its route, its head scaled with the picture."""
    arrows = []
    for route in layout.arrows:
        arrow = FancyArrowPatch(
            path=DrawPath(route.points),
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
    return arrows


def _luminance(color: str) -> float:
    red, green, blue = to_rgb(color)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _is_strong(color: str | None) -> bool:
    return color is not None and _luminance(color) < 0.6


def edge_color(color: str) -> str:
    """The frame colour of a highlight: itself when strong, a darker orange when pale."""
    return color if _is_strong(color) else _PALE_EDGE


def _ink(face: str) -> str:
    """White text on a strong header colour, dark text on a pale one."""
    return "white" if _is_strong(face) else "#4a2500"
