"""The labelled filter grid: one mosaic image, a caption per tile, lines that explain it.

``plot_filter_grid`` returns its artists so ``update_grid`` can redraw another step in
place with ``set_data`` instead of rebuilding the axes. A grid explains itself:
``grid_caption`` writes the lines under it (what a tile's "#22 0.28" means, which "dead"
test marked the red tiles, whether the pixels shown stay inside the model's input range)
from plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure

from lenet_widgets.plotting.figure import size_inches
from lenet_widgets.plotting.filters.tiles import _check_grid, deprocess_image, grid_order
from lenet_widgets.text import plural

__all__ = [
    "CAPTION_COLOR",
    "CAPTION_FONT",
    "DEAD_COLOR",
    "OUT_OF_RANGE_COLOR",
    "TITLE_FONT",
    "FilterGridArtists",
    "grid_caption",
    "grid_mosaic_shape",
    "plot_filter_grid",
    "update_grid",
]

DEAD_COLOR = "#d62728"
OUT_OF_RANGE_COLOR = "#b3261e"
"""Colour of the caption line saying that the pixels shown left the input range."""
CAPTION_COLOR = "#444444"
CAPTION_FONT = 7.5
"""Caption font size in points (10 CSS px at 96 dpi)."""
TITLE_FONT = 9.0


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


def _layout(artists: FilterGridArtists, title: str | None, caption) -> None:
    """Place the title, the caption lines and the mosaic's axes for the figure's size.

    The same values give the same layout whichever way (draw or update) they came.
    """
    figure = artists.figure
    height = size_inches(figure)[1]
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
    width, height = size_inches(figure)
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
