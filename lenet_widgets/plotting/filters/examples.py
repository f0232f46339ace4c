"""Dataset examples: each filter's optimized image beside the test digits that excite it most."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from lenet_widgets.plotting.figure import size_inches
from lenet_widgets.plotting.filters.tiles import deprocess_image

__all__ = ["plot_top_examples"]


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
    height = size_inches(figure)[1]
    top = 1.0 - 0.45 / height  # Room for a title and the column titles above the first row.
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.02, top=top, wspace=0.1, hspace=0.4)
    return list(axes.ravel())
