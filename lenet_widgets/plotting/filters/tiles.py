"""The chapter's tiles: deprocessing, display order, the stitched picture and its PNG.

Plain NumPy in, NumPy (or a PNG file) out: ``stitch_filters`` is the book's figure 6-10
(the top ``grid x grid`` tiles with black margins), ``grid_order`` the display order
every filter picture shares (strongest first, dead filters last, or by index).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lenet_widgets.core.checks import check_integer

__all__ = [
    "SORT_ORDERS",
    "TILE_MARGIN",
    "deprocess_image",
    "grid_order",
    "save_stitched",
    "stitch_filters",
    "stitched_size",
]

SORT_ORDERS = ("activation", "index")
"""Display orders of a filter picture: strongest first, or by filter index."""
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
