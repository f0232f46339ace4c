"""What each box of a model picture says, and how big that makes it: pure, nothing drawn.

A box is a small table in Keras' wording: a dark header with the layer's name
and class, then rows for its activation, shapes, dtype, trainability and
parameter count, depending on the ``TextOptions``. ``box_table`` measures it
with a ``TextMeasure`` passed in (so tests can use a fake one), ``place_box``
puts it at a centre and stretches its cells to fill every row.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from lenet_widgets.core.graph import LayerNode, ModelGraph

__all__ = [
    "FONT_SIZE",
    "HEADER_COLOR",
    "Box",
    "Cell",
    "PlacedCell",
    "Table",
    "TextMeasure",
    "TextOptions",
    "box_table",
    "caption_height",
    "caption_text",
    "place_box",
]

TextMeasure = Callable[[str, float, bool], float]
"""``measure(text, font size, bold) -> width in points`` of one line of text."""

FONT_SIZE = 9.0
"""Font size (points) of the cells; the header is one point larger, the params row one smaller."""
HEADER_COLOR = "#1f1f1f"
"""Background of the header cell (layer name and class) of every box."""

_CELL_PAD = 6.0
_TEXT_SLACK = 1.06  # Hinting at 72-100 dpi draws text a little wider than its outline.
_ROW_HEIGHT = 1.75  # Height of a row, in font sizes.


@dataclass(frozen=True)
class TextOptions:
    """What each box shows, as the options of ``keras.utils.plot_model``."""

    show_shapes: bool = False
    show_layer_names: bool = False
    show_dtype: bool = False
    show_layer_activations: bool = False
    show_trainable: bool = False


@dataclass(frozen=True)
class Cell:
    """One cell of a box's table: its text, colours, weight and font size."""

    text: str
    face: str = "white"
    color: str = "black"
    bold: bool = False
    size: float = FONT_SIZE

    @property
    def is_header(self) -> bool:
        """The cell with the layer's name and class (the diff colours it)."""
        return self.face == HEADER_COLOR


@dataclass(frozen=True)
class Table:
    """A box's rows of cells and their sizes, before the box is placed.

    Attributes:
        rows: the cells, row by row.
        widths: the natural width of each cell (text plus padding), row by row.
        row_heights: the height of each row.
        width, height: the box's size: its widest row, the sum of its rows.
    """

    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[tuple[float, ...], ...]
    row_heights: tuple[float, ...]
    width: float
    height: float


@dataclass(frozen=True)
class PlacedCell:
    """A cell where it is drawn: its rectangle, in points (y grows downwards)."""

    cell: Cell
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Box:
    """One layer's box, placed.

    Attributes:
        id: the layer's id in the graph.
        x, y: the box's centre (points, y grows downwards).
        width, height: its size.
        band: which band of a wrapped layout holds it (0 when not wrapped).
        cells: its table's cells, stretched so that every row fills the box's width.
    """

    id: str
    x: float
    y: float
    width: float
    height: float
    band: int
    cells: tuple[PlacedCell, ...]

    @property
    def left(self) -> float:
        """x of the left side."""
        return self.x - self.width / 2

    @property
    def top(self) -> float:
        """y of the upper side."""
        return self.y - self.height / 2

    @property
    def right(self) -> float:
        """x of the right side."""
        return self.x + self.width / 2

    @property
    def bottom(self) -> float:
        """y of the lower side."""
        return self.y + self.height / 2


def box_table(node: LayerNode, options: TextOptions, stacked: bool, measure: TextMeasure) -> Table:
    """The table of one box, with Keras' wording, and its size.

    Args:
        node: the layer.
        options: what to show.
        stacked: one cell per row (narrow boxes for left-to-right layouts) instead
            of shapes, dtype and trainability side by side in one row.
        measure: how wide a text is.
    """
    rows = tuple(tuple(row) for row in _node_rows(node, options, stacked))
    widths = tuple(tuple(_cell_width(cell, measure) for cell in row) for row in rows)
    heights = tuple(max(cell.size for cell in row) * _ROW_HEIGHT for row in rows)
    return Table(rows, widths, heights, max(sum(row) for row in widths), sum(heights))


def _cell_width(cell: Cell, measure: TextMeasure) -> float:
    return measure(cell.text, cell.size, cell.bold) * _TEXT_SLACK + 2 * _CELL_PAD


def _node_rows(node: LayerNode, options: TextOptions, stacked: bool) -> list[list[Cell]]:
    title = f"{node.name} ({node.class_name})" if options.show_layer_names else node.class_name
    rows = [[Cell(title, HEADER_COLOR, "white", True, FONT_SIZE + 1)]]
    if options.show_layer_activations and node.activation is not None:
        rows.append([Cell(f"Activation: {node.activation}")])
    cells = []
    if options.show_shapes:
        if not node.is_input:
            cells.append(Cell(f"Input shape: {node.input_shape}"))
        cells.append(Cell(f"Output shape: {node.output_shape}"))
    if options.show_dtype:
        cells.append(Cell(f"Output dtype: {node.dtype or '?'}"))
    if options.show_trainable and node.trainable is not None:
        if node.trainable:
            cells.append(Cell("Trainable", "forestgreen", "white", True))
        else:
            cells.append(Cell("Non-trainable", "firebrick", "white", True))
    if cells:
        rows.extend([[cell] for cell in cells] if stacked else [cells])
    if node.params:
        rows.append([Cell(f"{node.params:,} params", "#f2f2f2", "#444444", False, FONT_SIZE - 1)])
    return rows


def place_box(node_id: str, table: Table, x: float, y: float, band: int) -> Box:
    """A box centred on ``(x, y)``, its cells stretched so that every row fills its width."""
    left, top = x - table.width / 2, y - table.height / 2
    cells = []
    row_top = top
    for row, widths, row_height in zip(table.rows, table.widths, table.row_heights, strict=True):
        stretch = table.width / sum(widths)
        cell_left = left
        for cell, natural in zip(row, widths, strict=True):
            cell_width = natural * stretch
            cells.append(PlacedCell(cell, cell_left, row_top, cell_width, row_height))
            cell_left += cell_width
        row_top += row_height
    return Box(node_id, x, y, table.width, table.height, band, tuple(cells))


def caption_text(graph: ModelGraph, width: float) -> str:
    """The caption under a picture: parameter counts, then the graph's note wrapped to ``width``."""
    lines = [
        f"{graph.name}: {graph.total_params:,} params "
        f"({graph.trainable_params:,} trainable, {graph.non_trainable_params:,} non-trainable)"
    ]
    if graph.note:
        characters = max(30, int(width / (FONT_SIZE * 0.55)))
        lines.extend(textwrap.wrap(graph.note, characters))
    return "\n".join(lines)


def caption_height(caption: str) -> float:
    """Height in points of a caption (0 for none)."""
    return (caption.count("\n") + 1) * FONT_SIZE * 1.4 + 8 if caption else 0.0
