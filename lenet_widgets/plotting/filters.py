"""Draw filter visualizations: a labelled grid, the chapter's stitched picture, dataset examples.

Everything here takes plain NumPy arrays (images ``(F, H, W, C)``, activations
``(F,)``, filter indices ``(F,)``, dead flags ``(F,)``), never a Keras model or a
widget. ``plot_filter_grid`` returns its artists so ``update_grid`` can redraw
another step in place with ``set_data`` instead of rebuilding the axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "DEAD_COLOR",
    "SORT_ORDERS",
    "FilterGridArtists",
    "deprocess_image",
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
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 1:
        raise ValueError(f"grid is {grid!r}; expected an integer >= 1 (tiles per side).")
    return int(grid)


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
    if isinstance(margin, bool) or not isinstance(margin, (int, np.integer)) or margin < 0:
        raise ValueError(f"margin is {margin!r}; expected an integer >= 0.")
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

    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale is {scale!r}; expected an integer >= 1.")
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
    """

    figure: Figure
    axes: object
    image: object
    labels: list
    grid: int
    tile_shape: tuple[int, int]
    order: np.ndarray
    sort: str


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


def plot_filter_grid(
    figure: Figure,
    images: np.ndarray,
    activations: np.ndarray,
    filters: np.ndarray | None = None,
    dead: np.ndarray | None = None,
    grid: int = 6,
    sort: str = "activation",
    title: str | None = None,
) -> FilterGridArtists:
    """Draw the top ``grid x grid`` filters on ``figure`` (cleared first), labelled.

    Each tile shows the filter index and its activation; dead filters get a red
    frame and "dead"; tiles beyond the available filters stay blank (white, no label).
    """
    grid = _check_grid(grid)
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"images have shape {images.shape}; expected (F, height, width, channels)."
        )
    figure.clear()
    top = 0.93 if title else 0.99
    axes = figure.add_axes((0.01, 0.01, 0.98, top - 0.01))
    axes.set_axis_off()
    tile_shape = (int(images.shape[1]), int(images.shape[2]))
    blank = np.full((*grid_mosaic_shape(grid, tile_shape), 3), 255, np.uint8)
    image = axes.imshow(blank, interpolation="nearest")
    height, width = tile_shape
    margin, label_gap, _ = _cell(tile_shape)
    font = max(4.5, 10.0 - grid * 0.6)
    labels = []
    for slot in range(grid * grid):
        row, column = divmod(slot, grid)
        x = column * (width + margin) + margin + width / 2
        y = row * (height + label_gap) + label_gap - 1.5
        labels.append(axes.text(x, y, "", ha="center", va="bottom", fontsize=font, clip_on=False))
    if title:
        _set_title(figure, title)
    artists = FilterGridArtists(figure, axes, image, labels, grid, tile_shape, np.arange(0), sort)
    return update_grid(artists, images, activations, filters, dead, sort)


def _set_title(figure: Figure, title: str) -> None:
    figure.suptitle(title, fontsize=9, y=0.995, va="top")


def update_grid(
    artists: FilterGridArtists,
    images: np.ndarray,
    activations: np.ndarray,
    filters: np.ndarray | None = None,
    dead: np.ndarray | None = None,
    sort: str | None = None,
    title: str | None = None,
) -> FilterGridArtists:
    """Show other images (another step) in the same grid: one ``set_data``, new label texts.

    ``title`` replaces the grid's title, placed exactly where ``plot_filter_grid`` puts it,
    so the same values give the same picture whichever way they were reached.
    """
    if title is not None:
        _set_title(artists.figure, title)
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
            value = "dead" if is_dead else f"{activations[position]:.3g}"
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
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.02, top=0.94, wspace=0.1, hspace=0.4)
    return list(axes.ravel())
