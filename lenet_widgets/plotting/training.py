"""Loss and accuracy curves, drawn once and updated in place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["CurveArtists", "draw_training_curves", "update_training_curves"]


@dataclass
class CurveArtists:
    """The axes and lines of the curves figure, kept for in-place updates."""

    loss_axes: Axes
    accuracy_axes: Axes
    train_loss: Line2D
    val_loss: Line2D
    train_accuracy: Line2D
    val_accuracy: Line2D


def draw_training_curves(figure: Figure) -> CurveArtists:
    """Draw empty loss and accuracy axes side by side on ``figure``; return their artists."""
    figure.clear()
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    train_loss = loss_axes.plot([], [], color="tab:blue", lw=1, label="train (running)")[0]
    val_loss = loss_axes.plot([], [], "o-", color="tab:orange", label="validation")[0]
    train_accuracy = accuracy_axes.plot([], [], color="tab:blue", lw=1, label="train (running)")[0]
    val_accuracy = accuracy_axes.plot([], [], "o-", color="tab:orange", label="validation")[0]
    for axes, title in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
        axes.set_title(title)
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        axes.legend(loc="best", fontsize="small")
    # Fixed margins: a layout engine would re-measure every tick label on every redraw.
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.89, wspace=0.22)
    return CurveArtists(
        loss_axes, accuracy_axes, train_loss, val_loss, train_accuracy, val_accuracy
    )


def update_training_curves(
    artists: CurveArtists,
    positions: Sequence[float],
    loss: Sequence[float],
    accuracy: Sequence[float],
    epoch_positions: Sequence[float],
    val_loss: Sequence[float],
    val_accuracy: Sequence[float],
    *,
    log_scale: bool = False,
) -> CurveArtists:
    """Put new values into the existing lines (x in fractional epochs) and rescale."""
    x = np.asarray(positions, dtype=float)
    x_epochs = np.asarray(epoch_positions, dtype=float)
    artists.train_loss.set_data(x, np.asarray(loss, dtype=float))
    artists.val_loss.set_data(x_epochs, np.asarray(val_loss, dtype=float))
    artists.train_accuracy.set_data(x, np.asarray(accuracy, dtype=float))
    artists.val_accuracy.set_data(x_epochs, np.asarray(val_accuracy, dtype=float))
    has_data = len(x) > 0 or len(x_epochs) > 0
    artists.loss_axes.set_yscale("log" if log_scale and has_data else "linear")
    for axes in (artists.loss_axes, artists.accuracy_axes):
        axes.relim()
        axes.autoscale_view()
    return artists
