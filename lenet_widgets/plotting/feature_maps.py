"""One digit, one layer's feature maps as a grid, and the class probabilities as bars."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

__all__ = ["FeatureMapArtists", "draw_feature_maps", "grid_shape", "update_feature_maps"]


def grid_shape(count: int, columns: int | None = None) -> tuple[int, int]:
    """Rows and columns of a near-square grid holding ``count`` tiles (at least 1x1)."""
    if count < 0:
        raise ValueError(f"count is {count}; expected 0 or more.")
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    return max(1, math.ceil(count / columns)), columns


@dataclass
class FeatureMapArtists:
    """What ``draw_feature_maps`` drew, for in-place updates."""

    input_image: AxesImage
    input_axes: Axes
    tiles: list[AxesImage]
    bars: BarContainer
    bar_axes: Axes
    channels: int


def draw_feature_maps(
    figure: Figure, image: np.ndarray, maps: np.ndarray, probabilities: np.ndarray, label: str = ""
) -> FeatureMapArtists:
    """Draw the input, a grid of the ``(H, W, C)`` maps and a bar chart of probabilities."""
    figure.clear()
    channels = maps.shape[-1]
    rows, columns = grid_shape(channels)
    outer = figure.add_gridspec(1, 3, width_ratios=[1, 3, 1.3])
    input_axes = figure.add_subplot(outer[0])
    input_image = input_axes.imshow(_as_2d(image), cmap="gray")
    input_axes.set_axis_off()
    grid = outer[1].subgridspec(rows, columns, wspace=0.05, hspace=0.05)
    tiles = []
    for channel in range(rows * columns):
        axes = figure.add_subplot(grid[channel // columns, channel % columns])
        axes.set_axis_off()
        if channel < channels:
            tiles.append(axes.imshow(maps[..., channel], cmap="viridis"))
    bar_axes = figure.add_subplot(outer[2])
    bars = bar_axes.barh(np.arange(len(probabilities)), probabilities, color="tab:gray")
    bar_axes.set_yticks(np.arange(len(probabilities)))
    bar_axes.set_xlim(0, 1)
    bar_axes.invert_yaxis()
    bar_axes.set_title("probability", fontsize="small")
    artists = FeatureMapArtists(input_image, input_axes, tiles, bars, bar_axes, channels)
    return update_feature_maps(artists, image, maps, probabilities, label)


def update_feature_maps(
    artists: FeatureMapArtists,
    image: np.ndarray,
    maps: np.ndarray,
    probabilities: np.ndarray,
    label: str = "",
) -> FeatureMapArtists:
    """Replace the pictures and bar lengths in place (same layer, another image)."""
    if maps.shape[-1] != artists.channels:
        raise ValueError(
            f"maps have {maps.shape[-1]} channels; these artists show {artists.channels}."
        )
    artists.input_image.set_data(_as_2d(image))
    artists.input_image.autoscale()
    for channel, tile in enumerate(artists.tiles):
        tile.set_data(maps[..., channel])
        tile.autoscale()
    best = int(np.argmax(probabilities))
    for index, (bar, value) in enumerate(zip(artists.bars, probabilities, strict=True)):
        bar.set_width(float(value))
        bar.set_color("tab:green" if index == best else "tab:gray")
    artists.input_axes.set_title(label, fontsize="small")
    return artists


def _as_2d(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    return image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
