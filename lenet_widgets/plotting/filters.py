"""Draw filter visualizations: a labelled grid, the chapter's stitched picture, dataset examples.

Everything here takes plain NumPy arrays (images ``(F, H, W, C)``, activations
``(F,)``, filter indices ``(F,)``, dead flags ``(F,)``), never a Keras model or a
widget. ``plot_filter_grid`` returns its artists so ``update_grid`` can redraw
another step in place with ``set_data`` instead of rebuilding the axes.

A grid explains itself: ``grid_caption`` writes the lines under it (what a tile's
"#22 0.28" means, which "dead" test marked the red tiles, whether the pixels shown
stay inside the model's input range) from plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from lenet_widgets.core.checks import check_integer
from lenet_widgets.text import plural

__all__ = [
    "DEAD_COLOR",
    "OUT_OF_RANGE_COLOR",
    "SORT_ORDERS",
    "FilterGridArtists",
    "deprocess_image",
    "grid_caption",
    "grid_mosaic_shape",
    "grid_order",
    "plot_filter_grid",
    "plot_top_examples",
    "save_stitched",
    "stitch_filters",
    "stitched_size",
    "update_grid",
]

SORT_ORDERS = ("activation", "index")
DEAD_COLOR = "#d62728"
OUT_OF_RANGE_COLOR = "#b3261e"
"""Colour of the caption line saying that the pixels shown left the input range."""
CAPTION_COLOR = "#444444"
CAPTION_FONT = 7.5
"""Caption font size in points (10 CSS px at 96 dpi)."""
TITLE_FONT = 9.0
TILE_MARGIN = 5
"""The chapter's margin between stitched tiles, in pixels."""


def deprocess_image(image: np.ndarray) -> np.ndarray:
    """The chapter's ``deprocess_image``: centre, scale to std 0.1 around 0.5, to uint8.

    Returns ``(H, W)`` for one channel, ``(H, W, 3)`` for RGB.
    """
    tile = np.asarray(image, dtype=np.float64).copy()
    tile -= tile.mean()
    tile /= tile.std() + 1e-5
    tile = np.clip(tile * 0.1 + 0.5, 0.0, 1.0)
    tile = (tile * 255.0).astype(np.uint8)
    return tile[..., 0] if tile.ndim == 3 and tile.shape[-1] == 1 else tile


def _check_grid(grid: int) -> int:
    """``grid`` (tiles per side) as an int >= 1, else ``ValueError``."""
    return check_integer("grid", grid, 1, hint=" (tiles per side)")


def grid_order(
    activations: np.ndarray,
    filters: np.ndarray | None = None,
    dead: np.ndarray | None = None,
    sort: str = "activation",
) -> np.ndarray:
    """Positions (into the arrays) in display order.

    ``"activation"``: strongest first, dead filters last; ``"index"``: by filter index.
    """
    activations = np.asarray(activations, dtype=np.float64)
    count = len(activations)
    filters = np.arange(count) if filters is None else np.asarray(filters)
    if sort == "index":
        return np.argsort(filters, kind="stable")
    if sort != "activation":
        raise ValueError(f"sort is {sort!r}; expected one of {SORT_ORDERS}.")
    dead = np.zeros(count, bool) if dead is None else np.asarray(dead, bool)
    # lexsort: last key first. Dead last, then descending activation, then filter index.
    return np.lexsort((filters, -np.nan_to_num(activations, nan=-np.inf), dead))


def stitched_size(grid: int, height: int, width: int, margin: int = TILE_MARGIN) -> tuple[int, int]:
    """``(height, width)`` of a stitched picture: ``grid`` tiles per side and margins between."""
    grid = _check_grid(grid)
    return grid * height + (grid - 1) * margin, grid * width + (grid - 1) * margin


def stitch_filters(
    images: np.ndarray,
    activations: np.ndarray | None = None,
    grid: int = 6,
    margin: int = TILE_MARGIN,
    sort: str = "activation",
    filters: np.ndarray | None = None,
    dead: np.ndarray | None = None,
) -> np.ndarray:
    """The chapter's stitched picture: the top ``grid x grid`` tiles, black margins and blanks.

    Args:
        images: ``(F, H, W, C)`` optimized images (any float range; each tile is deprocessed).
        activations: ``(F,)`` used to sort (default: keep the given order).
        grid: tiles per side; missing tiles stay black (no ``IndexError`` as in the chapter).
        margin: pixels between tiles (the chapter's 5).

    Returns:
        uint8 ``(grid*H + (grid-1)*margin, grid*W + ...)``, with a last axis of 3 for RGB.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"images have shape {images.shape}; expected (F, height, width, channels)."
        )
    check_integer("margin", margin, 0)
    count, height, width, channels = images.shape
    if activations is None:
        order = (
            np.arange(count)
            if sort == "activation"
            else grid_order(np.zeros(count), filters, sort=sort)
        )
    else:
        order = grid_order(activations, filters, dead, sort)
    total_height, total_width = stitched_size(grid, height, width, margin)
    shape = (total_height, total_width) if channels == 1 else (total_height, total_width, channels)
    stitched = np.zeros(shape, np.uint8)
    for slot, position in enumerate(order[: grid * grid]):
        row, column = divmod(slot, grid)
        top, left = row * (height + margin), column * (width + margin)
        stitched[top : top + height, left : left + width] = deprocess_image(images[position])
    return stitched


def save_stitched(path: str | Path, stitched: np.ndarray, scale: int = 4) -> Path:
    """Save a stitched picture as PNG, enlarged ``scale`` times with sharp pixels."""
    from PIL import Image

    scale = check_integer("scale", scale, 1)
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"output {path} should end in .png; expected e.g. lenet_filters_6x6.png.")
    picture = Image.fromarray(np.asarray(stitched, np.uint8))
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(path)
    return path


@dataclass
class FilterGridArtists:
    """What ``plot_filter_grid`` drew, for ``update_grid``.

    The grid is ONE image (a mosaic of tiles, drawn with ``imshow``) plus one
    label per tile: fast to redraw and to render.

    Attributes:
        figure: the figure drawn on.
        axes: the Axes holding the mosaic.
        image: the ``AxesImage`` showing the mosaic (RGB uint8).
        labels: one ``Text`` per tile, row by row (empty text for blank tiles).
        grid: tiles per side.
        tile_shape: ``(height, width)`` of one tile in pixels.
        order: positions (into the arrays) shown in each tile; shorter when tiles are blank.
        sort: the sort order used.
        captions: one ``Text`` per caption line under the grid.
        dead_label: the word shown on a dead tile (``"dead"``, or ``"inactive"``).
        title: the title shown above the grid (None: none).
    """

    figure: Figure
    axes: object
    image: object
    labels: list
    grid: int
    tile_shape: tuple[int, int]
    order: np.ndarray
    sort: str
    captions: list = field(default_factory=list)
    dead_label: str = "dead"
    title: str | None = None


def _cell(tile_shape: tuple[int, int]) -> tuple[int, int, int]:
    height, width = tile_shape
    margin = max(2, width // 9)
    label_gap = max(6, height // 3)
    return margin, label_gap, margin


def grid_mosaic_shape(grid: int, tile_shape: tuple[int, int]) -> tuple[int, int]:
    """``(height, width)`` in pixels of the labelled grid's mosaic."""
    grid = _check_grid(grid)
    height, width = tile_shape
    margin, label_gap, _ = _cell(tile_shape)
    return grid * (height + label_gap) + margin, grid * (width + margin) + margin


def _grid_mosaic(images, order, dead, grid, tile_shape) -> np.ndarray:
    height, width = tile_shape
    margin, label_gap, _ = _cell(tile_shape)
    mosaic = np.full((*grid_mosaic_shape(grid, tile_shape), 3), 255, np.uint8)
    for slot, position in enumerate(order):
        row, column = divmod(slot, grid)
        top = row * (height + label_gap) + label_gap
        left = column * (width + margin) + margin
        tile = deprocess_image(images[position])
        if tile.ndim == 2:
            tile = tile[..., None]
        if dead[position]:  # A red frame, drawn in the margin around the tile.
            mosaic[top - 1 : top + height + 1, left - 1 : left + width + 1] = (214, 39, 40)
        mosaic[top : top + height, left : left + width] = tile
    return mosaic


def grid_caption(
    kind: str = "channel",
    objective: str = "channel",
    dead_count: int = 0,
    dead_test: str = "start",
    value_range: tuple[float, float] | None = None,
    span: tuple[float, float] | None = None,
    data_count: int | None = None,
) -> list[tuple[str, str]]:
    """The lines under a filter grid, as ``(text, colour)`` pairs.

    Args:
        kind: ``"channel"`` (convolution), ``"unit"`` (dense) or ``"logit"`` (class score).
        objective: ``"channel"`` (mean over the map) or ``"neuron"`` (its centre position).
        dead_count: how many of the filters are marked dead.
        dead_test: ``"data"`` (no given image activates it) or ``"start"`` (zero at the
            start image and no gradient: *inactive*, a real digit may still fire it).
        value_range: the model's input range ``(low, high)``.
        span: ``(min, max)`` of the pixels shown.
        data_count: how many images the ``"data"`` test used.

    Returns:
        Up to three lines: what a tile caption means, the dead test, the pixel range.
    """
    if kind == "logit":
        meaning = "#class, its score (logit) for the image shown"
    elif kind == "unit":
        meaning = "#unit, its activation for the image shown"
    elif objective == "neuron":
        meaning = "#filter, its centre neuron's activation, image shown"
    else:
        meaning = "#filter, its mean activation for the image shown"
    lines = [(f"tile caption: {meaning}", CAPTION_COLOR)]
    if dead_test == "data":
        digits = "the test images" if data_count is None else plural(data_count, "test image")
        lines.append((f"dead (red): never active on {digits} ({dead_count})", CAPTION_COLOR))
    else:
        lines.append(
            (
                f"inactive (red): zero at the start image ({dead_count}); a digit may fire it",
                CAPTION_COLOR,
            )
        )
    if value_range is not None and span is not None:
        low, high = (float(value) for value in value_range)
        tolerance = 1e-6 * max(abs(low), abs(high), high - low)
        if span[0] < low - tolerance or span[1] > high + tolerance:
            lines.append(
                (
                    f"pixels in [{span[0]:.3g}, {span[1]:.3g}]: OUTSIDE the input range "
                    f"[{low:g}, {high:g}]",
                    OUT_OF_RANGE_COLOR,
                )
            )
        else:
            lines.append((f"pixels inside the input range [{low:g}, {high:g}]", CAPTION_COLOR))
    return lines


def _caption_lines(caption) -> list[tuple[str, str]]:
    if caption is None:
        return []
    if isinstance(caption, str):
        caption = [caption]
    return [(line, CAPTION_COLOR) if isinstance(line, str) else tuple(line) for line in caption]


def _size_inches(figure) -> tuple[float, float]:
    """Width and height in inches of a Figure or a SubFigure."""
    dpi = figure.figure.dpi
    return figure.bbox.width / dpi, figure.bbox.height / dpi


def _layout(artists: FilterGridArtists, title: str | None, caption) -> None:
    """Place the title, the caption lines and the mosaic's axes for the figure's size.

    The same values give the same layout whichever way (draw or update) they came.
    """
    figure = artists.figure
    height = _size_inches(figure)[1]
    line = CAPTION_FONT * 1.35 / 72.0 / height  # One caption line, as a figure fraction.
    lines = _caption_lines(caption)
    for text in artists.captions:
        text.remove()
    artists.captions = [
        figure.text(
            0.02,
            0.01 + line * (len(lines) - 1 - index),
            text,
            fontsize=CAPTION_FONT,
            color=colour,
            ha="left",
            va="bottom",
        )
        for index, (text, colour) in enumerate(lines)
    ]
    bottom = 0.01 + line * len(lines) + (0.005 if lines else 0.0)
    top = 1.0 - (TITLE_FONT * 1.6 / 72.0 / height if title else 0.01)
    artists.axes.set_position((0.01, bottom, 0.98, max(top - bottom, 0.05)))
    artists.title = title
    if title:
        figure.suptitle(title, fontsize=TITLE_FONT, y=0.995, va="top")
    _fit_label_font(artists)


def _fit_label_font(artists: FilterGridArtists) -> None:
    """Tile captions as large as a tile's width allows (5.5 to 9 points)."""
    figure = artists.figure
    width, height = _size_inches(figure)
    axes_width, axes_height = artists.axes.get_position().bounds[2:]
    mosaic_height, mosaic_width = grid_mosaic_shape(artists.grid, artists.tile_shape)
    inches_per_pixel = min(width * axes_width / mosaic_width, height * axes_height / mosaic_height)
    tile_points = artists.tile_shape[1] * inches_per_pixel * 72.0
    font = float(np.clip(tile_points / 6.2, 5.5, 8.5))
    for label in artists.labels:
        label.set_fontsize(font)


def plot_filter_grid(
    figure: Figure,
    images: np.ndarray,
    activations: np.ndarray,
    filters: np.ndarray | None = None,
    dead: np.ndarray | None = None,
    grid: int = 6,
    sort: str = "activation",
    title: str | None = None,
    caption: Sequence | str | None = None,
    dead_label: str = "dead",
) -> FilterGridArtists:
    """Draw the top ``grid x grid`` filters on ``figure`` (cleared first), labelled.

    Each tile shows the filter index and its activation; dead filters get a red
    frame and ``dead_label``; tiles beyond the available filters stay blank (white,
    no label).

    Args:
        caption: lines under the grid: strings or ``(text, colour)`` pairs, e.g. from
            ``grid_caption``.
        dead_label: the word on a dead tile: ``"dead"`` (tested on data) or ``"inactive"``.
    """
    grid = _check_grid(grid)
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"images have shape {images.shape}; expected (F, height, width, channels)."
        )
    figure.clear()
    axes = figure.add_axes((0.01, 0.01, 0.98, 0.98))
    axes.set_axis_off()
    tile_shape = (int(images.shape[1]), int(images.shape[2]))
    blank = np.full((*grid_mosaic_shape(grid, tile_shape), 3), 255, np.uint8)
    # alpha=1.0 draws the same pixels as no alpha, in half the time: matplotlib then
    # resamples the RGB mosaic in float32, not float64 (about 15 ms less per render).
    image = axes.imshow(blank, interpolation="nearest", alpha=1.0)
    height, width = tile_shape
    margin, label_gap, _ = _cell(tile_shape)
    labels = []
    for slot in range(grid * grid):
        row, column = divmod(slot, grid)
        x = column * (width + margin) + margin + width / 2
        y = row * (height + label_gap) + label_gap - 1.5
        labels.append(axes.text(x, y, "", ha="center", va="bottom", clip_on=False))
    artists = FilterGridArtists(
        figure, axes, image, labels, grid, tile_shape, np.arange(0), sort, [], dead_label
    )
    _layout(artists, title, caption)
    return update_grid(artists, images, activations, filters, dead, sort)


def update_grid(
    artists: FilterGridArtists,
    images: np.ndarray,
    activations: np.ndarray,
    filters: np.ndarray | None = None,
    dead: np.ndarray | None = None,
    sort: str | None = None,
    title: str | None = None,
    caption: Sequence | str | None = None,
    dead_label: str | None = None,
) -> FilterGridArtists:
    """Show other images (another step) in the same grid: one ``set_data``, new label texts.

    ``title`` and ``caption`` (when given) replace the grid's, placed exactly where
    ``plot_filter_grid`` puts them, so the same values give the same picture whichever
    way they were reached.
    """
    if title is not None or caption is not None:
        current = [(text.get_text(), text.get_color()) for text in artists.captions]
        _layout(
            artists,
            artists.title if title is None else title,
            current if caption is None else caption,
        )
    if dead_label is not None:
        artists.dead_label = dead_label
    images = np.asarray(images)
    activations = np.asarray(activations)
    count = len(images)
    filters = np.arange(count) if filters is None else np.asarray(filters)
    dead = np.zeros(count, bool) if dead is None else np.asarray(dead, bool)
    sort = artists.sort if sort is None else sort
    order = grid_order(activations, filters, dead, sort)[: artists.grid**2]
    artists.image.set_data(_grid_mosaic(images, order, dead, artists.grid, artists.tile_shape))
    for slot, label in enumerate(artists.labels):
        if slot < len(order):
            position = order[slot]
            is_dead = bool(dead[position])
            value = artists.dead_label if is_dead else f"{activations[position]:.2g}"
            label.set_text(f"#{filters[position]} {value}")
            label.set_color(DEAD_COLOR if is_dead else "black")
        else:
            label.set_text("")  # A blank tile: more tiles than filters.
    artists.order = order
    artists.sort = sort
    return artists


def plot_top_examples(
    figure: Figure,
    optimized: np.ndarray,
    examples: np.ndarray,
    filters: Sequence[int],
    indices: np.ndarray,
    activations: np.ndarray,
    labels: np.ndarray | None = None,
) -> list:
    """One row per filter: its optimized image, then the dataset images that excite it most.

    Args:
        optimized: ``(F, H, W, C)`` optimized images, in the rows' order.
        examples: the data set images ``(N, H, W[, C])``.
        filters: ``(F,)`` filter indices (row labels).
        indices: ``(F, K)`` indices into ``examples``, strongest first.
        activations: ``(F, K)`` their activations.
        labels: optional ``(N,)`` digit labels shown above each example.

    Returns:
        The Axes, row by row.
    """
    figure.clear()
    indices = np.asarray(indices)
    rows, columns = indices.shape[0], indices.shape[1] + 1
    if rows == 0:
        raise ValueError("indices is empty; expected at least one filter row.")
    axes = figure.subplots(rows, columns, squeeze=False)
    examples = np.asarray(examples)
    for row in range(rows):
        first = axes[row, 0]
        first.imshow(deprocess_image(optimized[row]), cmap="gray", vmin=0, vmax=255)
        first.set_ylabel(f"#{filters[row]}", fontsize=8)
        for spine in first.spines.values():
            spine.set_color("#1f77b4")
            spine.set_linewidth(2.0)
        if row == 0:
            first.set_title("optimized", fontsize=8)
        for column in range(1, columns):
            axis = axes[row, column]
            example = examples[indices[row, column - 1]]
            if example.ndim == 3 and example.shape[-1] == 1:
                example = example[..., 0]
            axis.imshow(example, cmap="gray")
            text = f"{activations[row, column - 1]:.2g}"
            if labels is not None:
                text = f"{labels[indices[row, column - 1]]}: {text}"
            axis.set_title(text, fontsize=7, pad=2)
    for axis in axes.ravel():
        axis.set_xticks([])
        axis.set_yticks([])
    height = _size_inches(figure)[1]
    top = 1.0 - 0.45 / height  # Room for a title and the column titles above the first row.
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.02, top=top, wspace=0.1, hspace=0.4)
    return list(axes.ravel())
