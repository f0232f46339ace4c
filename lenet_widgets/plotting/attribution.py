"""Attribution maps ("why this class?") overlaid on the digit, on one shared colour scale.

Every map of one picture is divided by the same number (the largest value over all maps
shown), so the map of the predicted class and the map of the true class can be compared:
the same colour means the same value in every panel. Low values are transparent, so the
digit stays visible under the map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from lenet_widgets.plotting.figure import TEXT_SIZE, TITLE_SIZE

__all__ = [
    "METHOD_NAMES",
    "AttributionArtists",
    "class_caption",
    "draw_attribution",
    "figure_size",
    "overlay_rgba",
    "shared_scale",
]

METHOD_NAMES = {
    "saliency": "saliency (|gradient| of the class score)",
    "smoothgrad": "SmoothGrad (saliency averaged over noisy copies)",
    "gradcam": "Grad-CAM",
}
"""How each method is named in titles."""

COLORMAP = "inferno"
MAX_COLUMNS = 6
"""Panels per row (the digit, then one per class)."""
HEADER = 0.68
"""Inches above the first row of panels: the title and the two-line captions."""
ROW_HEIGHT = 1.7
"""Inches per row of panels, the captions of a second row included."""
BAR_HEIGHT = 1.8
"""Inches of the shortest colour bar (beside one row): longer than its label written along
it ("same scale for every class" at ``TEXT_SIZE`` is 1.66 in long)."""


@dataclass
class AttributionArtists:
    """What ``draw_attribution`` drew: the axes of the digit and of each class, the scale."""

    image_axes: Axes
    class_axes: list[Axes]
    scale: float


def figure_size(classes: int) -> tuple[float, float]:
    """Inches for the digit and ``classes`` maps: 1.55 in per panel, two rows beyond 5 classes.

    At least 5.4 in wide, for the longest title.
    """
    panels = 1 + max(int(classes), 1)
    columns = min(panels, MAX_COLUMNS)
    rows = -(-panels // columns)
    return max(0.7 + 1.55 * columns, 5.4), HEADER + 0.1 + max(ROW_HEIGHT * rows, BAR_HEIGHT)


def shared_scale(maps: np.ndarray) -> float:
    """The one number every map of a picture is divided by: the largest finite value (> 0)."""
    values = np.asarray(maps, dtype=np.float64)
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0 else 1.0


def overlay_rgba(values: np.ndarray, scale: float, colormap: str = COLORMAP) -> np.ndarray:
    """An RGBA picture of ``values / scale``: colour and opacity both grow with the value."""
    fraction = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64) / scale), 0.0, 1.0)
    rgba = np.array(colormaps[colormap](fraction), dtype=np.float64)
    rgba[..., 3] = np.clip(fraction * 1.6, 0.0, 0.9)
    return rgba


def class_caption(
    class_index: int,
    probability: float,
    predicted: int,
    label: int | None,
    names: Sequence[str] | None = None,
) -> str:
    """A class's two-line caption: ``"9 predicted\\n54.1%"``, ``"4 true\\n44.0%"``.

    A class both predicted and true reads ``"7 predicted = true"``; probabilities under
    0.05% read ``"<0.1%"``.
    """
    name = names[class_index] if names is not None else str(class_index)
    roles = []
    if class_index == predicted:
        roles.append("predicted")
    if label is not None and class_index == label:
        roles.append("true")
    role = " = ".join(roles)
    percent = "<0.1%" if probability < 0.0005 else f"{probability:.1%}"
    return f"{name} {role}".strip() + f"\n{percent}"


def draw_attribution(
    figure: Figure,
    image: np.ndarray,
    maps: np.ndarray,
    classes: Sequence[int],
    probabilities: np.ndarray,
    *,
    method: str,
    label: int | None = None,
    layer: str | None = None,
    names: Sequence[str] | None = None,
) -> AttributionArtists:
    """Draw the digit, then each class's map over the digit, on one shared colour scale.

    Args:
        figure: the matplotlib Figure to draw on (cleared first).
        image: the digit, ``(H, W)`` or ``(H, W, C)``, any numeric range.
        maps: ``(len(classes), H, W)`` attribution maps (>= 0, unnormalised).
        classes: the class of each map.
        probabilities: the model's class probabilities for the digit.
        method: ``"saliency"``, ``"smoothgrad"`` or ``"gradcam"`` (for the title).
        label: the digit's true class, if known.
        layer: Grad-CAM's layer, named in the title.
        names: optional class names (default: the class numbers).

    Returns:
        The axes drawn and the shared scale.
    """
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim != 3 or len(maps) != len(classes):
        raise ValueError(
            f"maps have shape {maps.shape}; expected ({len(classes)}, height, width): "
            "one map per class."
        )
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    predicted = int(np.argmax(probabilities))
    figure.clear()
    panels = 1 + len(classes)
    columns = min(panels, MAX_COLUMNS)
    rows = -(-panels // columns)
    width, height = (max(inches, 1.0) for inches in figure.get_size_inches())
    grid = figure.add_gridspec(
        rows,
        columns + 1,
        width_ratios=[1.0] * columns + [0.06],
        wspace=0.08,
        hspace=0.4,
        top=1.0 - HEADER / height,  # Room for the title and captions.
        bottom=0.1 / height,
        right=1.0 - 0.75 / width,  # Room for the colour bar's ticks and label.
    )
    picture = _grey(image)
    image_axes = figure.add_subplot(grid[0, 0])
    image_axes.imshow(picture, cmap="gray")
    image_axes.set_axis_off()
    truth = "" if label is None else f"true {label}"
    image_axes.set_title(f"digit: {truth}\npredicted {predicted}", fontsize=TEXT_SIZE)
    scale = shared_scale(maps)
    low, high = float(np.nanmin(picture)), float(np.nanmax(picture))
    dimmed = low + 2.0 * (high - low) if high > low else low + 1.0  # The digit at half brightness.
    class_axes = []
    for number, (class_index, values) in enumerate(zip(classes, maps, strict=True)):
        position = number + 1
        axes = figure.add_subplot(grid[position // columns, position % columns])
        axes.imshow(picture, cmap="gray", vmin=low, vmax=dimmed)
        axes.imshow(overlay_rgba(values, scale), interpolation="nearest")
        axes.set_axis_off()
        caption = class_caption(
            int(class_index), float(probabilities[int(class_index)]), predicted, label, names
        )
        axes.set_title(caption, fontsize=TEXT_SIZE)
        peak = float(np.nanmax(values)) if values.size else 0.0
        note = "0 everywhere" if not peak > 0 else ""
        if 0 < peak < 0.05 * scale:
            note = f"faint: peak {peak / scale:.0%}\nof the scale"
        if note:
            axes.text(
                0.5,
                0.06,
                note,
                transform=axes.transAxes,
                ha="center",
                fontsize=TEXT_SIZE,
                color="white",
                bbox={"facecolor": "black", "alpha": 0.6, "pad": 1.5, "edgecolor": "none"},
            )
        class_axes.append(axes)
    colour_axes = figure.add_subplot(grid[:, columns])
    bar = figure.colorbar(
        _mappable(scale), cax=colour_axes, orientation="vertical", ticks=[0, scale]
    )
    bar.ax.set_yticklabels(["0", f"{scale:.2g}"], fontsize=TEXT_SIZE)
    bar.set_label("same scale for every class", fontsize=TEXT_SIZE)
    where = f" on {layer}" if layer else ""
    title = f"why this class? {METHOD_NAMES.get(method, method)}{where}"
    figure.suptitle(title, fontsize=TITLE_SIZE)
    return AttributionArtists(image_axes, class_axes, scale)


def _mappable(scale: float):
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=Normalize(0.0, scale), cmap=COLORMAP)


def _grey(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        image = image[..., 0] if image.shape[-1] == 1 else image.mean(axis=-1)
    if image.ndim != 2:
        raise ValueError(f"image has shape {image.shape}; expected (height, width[, channels]).")
    return image
