"""The layer inspector's plots: weight histograms and convolution kernels."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lenet_widgets.core.graph import LayerInspection

__all__ = ["draw_conv_kernels", "draw_weight_histograms"]


def draw_weight_histograms(figure: Figure, inspection: LayerInspection) -> list[Axes]:
    """One histogram per weight tensor of a layer, with its statistics in the title."""
    figure.clear()
    weights = inspection.weights
    if not weights:
        axes = figure.add_subplot(1, 1, 1)
        axes.set_axis_off()
        axes.text(
            0.5,
            0.5,
            f"{inspection.id} ({inspection.class_name}) has no weights.",
            ha="center",
            va="center",
        )
        return [axes]
    all_axes = []
    for index, stats in enumerate(weights):
        axes = figure.add_subplot(1, len(weights), index + 1)
        widths = np.diff(stats.edges)
        axes.bar(stats.edges[:-1], stats.counts, width=widths, align="edge", color="#4c72b0")
        axes.set_title(
            f"{stats.name.split('/')[-1]} {stats.shape}\n"
            f"min {stats.minimum:.3g}  max {stats.maximum:.3g}\n"
            f"mean {stats.mean:.3g}  std {stats.std:.3g}",
            fontsize=8,
        )
        axes.tick_params(labelsize=7)
        all_axes.append(axes)
    figure.subplots_adjust(top=0.72, bottom=0.14, wspace=0.3)
    return all_axes


def draw_conv_kernels(figure: Figure, kernels: np.ndarray, *, columns: int = 10) -> list[Axes]:
    """Conv2D kernels ``(filters, height, width)`` as a grid, one shared blue-red colour scale."""
    kernels = np.asarray(kernels)
    if kernels.ndim != 3:
        raise ValueError(f"kernels have shape {kernels.shape}; expected (filters, height, width).")
    figure.clear()
    count = kernels.shape[0]
    columns = max(1, min(int(columns), count))
    rows = -(-count // columns)
    limit = float(np.abs(kernels).max()) or 1.0
    all_axes = []
    for index in range(count):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.imshow(kernels[index], cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(str(index), fontsize=6, pad=1)
        all_axes.append(axes)
    return all_axes
