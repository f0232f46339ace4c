"""One digit, one layer's feature maps as a grid, and the class probabilities as bars.

Image-like layers (``(H, W, C)`` outputs) are drawn as a grid of maps; Dense layers
(``(units,)`` outputs) as labelled bars: one bar per class for the class scores, or a
strip of bars, one per unit, with the unit index on the axis (never as a square "map").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.gridspec import SubplotSpec
from matplotlib.image import AxesImage

from lenet_widgets.plotting.figure import TEXT_SIZE

__all__ = [
    "UNIT_KINDS",
    "FeatureMapArtists",
    "UnitArtists",
    "draw_feature_maps",
    "draw_unit_activations",
    "grid_shape",
    "unit_title",
    "update_feature_maps",
    "update_unit_activations",
]

UNIT_KINDS = ("units", "class scores", "probabilities")
"""How a Dense layer's values are labelled: hidden units, class scores (logits), probabilities."""


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
    bars, bar_axes = _probability_bars(figure, outer[2], probabilities)
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
    _update_probability_bars(artists.bars, artists.input_axes, probabilities, label)
    return artists


def _probability_bars(
    figure: Figure, spec: SubplotSpec, probabilities: np.ndarray
) -> tuple[BarContainer, Axes]:
    """Draw the class-probability bars (one per class, class 0 on top) in ``spec``.

    Both pictures (feature maps, unit activations) end in this panel.

    Returns:
        ``(bars, axes)``: the bar container and its Axes, for the update functions.
    """
    bar_axes = figure.add_subplot(spec)
    bars = bar_axes.barh(np.arange(len(probabilities)), probabilities, color="tab:gray")
    bar_axes.set_yticks(np.arange(len(probabilities)))
    bar_axes.set_xlim(0, 1)
    bar_axes.invert_yaxis()
    bar_axes.set_title("probability", fontsize=TEXT_SIZE)
    return bars, bar_axes


def _update_probability_bars(
    bars: BarContainer, input_axes: Axes, probabilities: np.ndarray, label: str
) -> None:
    """Set the bars to ``probabilities`` (the most likely class green) and caption the input."""
    best = int(np.argmax(probabilities))
    for index, (bar, value) in enumerate(zip(bars, probabilities, strict=True)):
        bar.set_width(float(value))
        bar.set_color("tab:green" if index == best else "tab:gray")
    input_axes.set_title(label, fontsize=TEXT_SIZE)


def _as_2d(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    return image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image


# ----------------------------------------------------------------------------- Dense layers


@dataclass
class UnitArtists:
    """What ``draw_unit_activations`` drew, for in-place updates."""

    input_image: AxesImage
    input_axes: Axes
    units: BarContainer
    unit_axes: Axes
    bars: BarContainer
    bar_axes: Axes
    count: int
    kind: str
    layer: str


def unit_title(layer: str, values: np.ndarray, kind: str) -> str:
    """``"dense: 500 units, 37 above 0"``, ``"dense_1: 10 class scores (before softmax)"``."""
    values = np.asarray(values).reshape(-1)
    if kind == "class scores":
        return f"{layer}: {len(values)} class scores (before softmax)"
    if kind == "probabilities":
        return f"{layer}: {len(values)} class probabilities"
    active = int(np.count_nonzero(values > 0))
    return f"{layer}: {len(values):,} units, {active:,} above 0"


def draw_unit_activations(
    figure: Figure,
    image: np.ndarray,
    values: np.ndarray,
    probabilities: np.ndarray,
    label: str = "",
    *,
    layer: str = "",
    kind: str = "units",
) -> UnitArtists:
    """Draw the input, a Dense layer's values as labelled bars, and the class probabilities.

    Args:
        figure: the Figure to draw on (cleared first).
        image: the input digit.
        values: the layer's ``(units,)`` values for it.
        probabilities: the model's class probabilities.
        label: the digit's caption (true and predicted class).
        layer: the layer's name, for the title.
        kind: ``"units"`` (a strip of bars, unit index below), ``"class scores"`` or
            ``"probabilities"`` (one bar per class, the classes below).
    """
    if kind not in UNIT_KINDS:
        raise ValueError(f"kind is {kind!r}; expected one of {UNIT_KINDS}.")
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    figure.clear()
    bottom = 0.5 / max(figure.get_figheight(), 1.0)  # Room for the tick labels and the x label.
    outer = figure.add_gridspec(1, 3, width_ratios=[1, 3, 1.3], wspace=0.35, bottom=bottom)
    input_axes = figure.add_subplot(outer[0])
    input_image = input_axes.imshow(_as_2d(image), cmap="gray")
    input_axes.set_axis_off()
    unit_axes = figure.add_subplot(outer[1])
    positions = np.arange(len(values))
    if kind == "units":
        units = unit_axes.bar(positions, values, width=1.0, color="tab:blue", linewidth=0)
        unit_axes.set_xlim(-0.5, len(values) - 0.5)
        unit_axes.set_xlabel(f"unit (0 to {len(values) - 1:,})", fontsize=TEXT_SIZE)
    else:
        units = unit_axes.bar(positions, values, color="tab:gray")
        unit_axes.set_xticks(positions)
        unit_axes.set_xlabel("class", fontsize=TEXT_SIZE)
    ylabel = {"probabilities": "probability", "class scores": "score (logit)"}.get(kind)
    unit_axes.set_ylabel(ylabel or "activation", fontsize=TEXT_SIZE)
    unit_axes.tick_params(labelsize=TEXT_SIZE)
    unit_axes.axhline(0.0, color="black", linewidth=0.6)
    bars, bar_axes = _probability_bars(figure, outer[2], probabilities)
    artists = UnitArtists(
        input_image, input_axes, units, unit_axes, bars, bar_axes, len(values), kind, layer
    )
    return update_unit_activations(artists, image, values, probabilities, label)


def update_unit_activations(
    artists: UnitArtists,
    image: np.ndarray,
    values: np.ndarray,
    probabilities: np.ndarray,
    label: str = "",
) -> UnitArtists:
    """Replace the digit, the bar heights and the probabilities in place (another image)."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(values) != artists.count:
        raise ValueError(f"values have {len(values)} units; these artists show {artists.count}.")
    artists.input_image.set_data(_as_2d(image))
    artists.input_image.autoscale()
    best_value = int(np.argmax(values)) if len(values) else -1
    for index, (bar, value) in enumerate(zip(artists.units, values, strict=True)):
        bar.set_height(float(value))
        if artists.kind != "units":
            bar.set_color("tab:green" if index == best_value else "tab:gray")
    low, high = float(min(values.min(), 0.0)), float(max(values.max(), 0.0))
    margin = 0.08 * (high - low) if high > low else 1.0
    top = 1.0 if artists.kind == "probabilities" else high + margin
    artists.unit_axes.set_ylim(low - (margin if low < 0 else 0.0), top)
    artists.unit_axes.set_title(unit_title(artists.layer, values, artists.kind), fontsize=TEXT_SIZE)
    _update_probability_bars(artists.bars, artists.input_axes, probabilities, label)
    return artists
