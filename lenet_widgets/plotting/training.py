"""Loss and accuracy curves of one or more training runs, drawn once and updated in place.

Every run keeps its curves, labelled by its settings, so runs can be compared
on the same axes (``1e-1`` against ``1e-4``: which one is too high?). The
current run is drawn strongest; older runs are thinner and paler. Before any
run has a value the axes are hidden and a short text says what will appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

__all__ = [
    "CURRENT_COLOUR",
    "RUN_COLOURS",
    "CurveArtists",
    "RunCurves",
    "draw_training_curves",
    "update_training_curves",
]

CURRENT_COLOUR = "tab:blue"
"""Colour of the current run."""

RUN_COLOURS = (
    "tab:orange",
    "tab:green",
    "tab:red",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:olive",
    "tab:cyan",
    "tab:gray",
)
"""Colours of older runs, by run number."""

PLACEHOLDER = "press Train: the loss and accuracy curves appear here"


@dataclass(frozen=True)
class RunCurves:
    """The values of one run, as plain numbers (x in epochs trained, fractions included).

    Attributes:
        label: what the legend says (e.g. ``"run 2: adam 1e-3, batch 128, 60,000 images"``).
        positions, loss, accuracy: per-batch running training values.
        epoch_positions, val_loss, val_accuracy: one entry per validated epoch end.
        number: the run's number (picks the colour of an older run).
        current: the run being trained now or last (drawn strongest).
    """

    label: str
    positions: Sequence[float] = ()
    loss: Sequence[float] = ()
    accuracy: Sequence[float] = ()
    epoch_positions: Sequence[float] = ()
    val_loss: Sequence[float] = ()
    val_accuracy: Sequence[float] = ()
    number: int = 1
    current: bool = False

    @property
    def empty(self) -> bool:
        """True when the run has no value yet."""
        return not len(self.positions) and not len(self.epoch_positions)


@dataclass
class CurveArtists:
    """The axes and lines of the curves figure, kept for in-place updates.

    ``train_loss``, ``val_loss``, ``train_accuracy`` and ``val_accuracy`` are the
    current run's lines; ``older`` holds four lines per older run shown.
    """

    figure: Figure
    loss_axes: Axes
    accuracy_axes: Axes
    train_loss: Line2D
    val_loss: Line2D
    train_accuracy: Line2D
    val_accuracy: Line2D
    placeholder: Text
    older: list[tuple[Line2D, Line2D, Line2D, Line2D]] = field(default_factory=list)


def _pair(axes: Axes, colour: str, *, strong: bool) -> tuple[Line2D, Line2D]:
    alpha = 1.0 if strong else 0.55
    train = axes.plot([], [], color=colour, lw=1.0 if strong else 0.8, alpha=alpha)[0]
    validation = axes.plot([], [], "o--", color=colour, lw=1.0, ms=4 if strong else 3, alpha=alpha)[
        0
    ]
    return train, validation


def draw_training_curves(figure: Figure, placeholder: str = PLACEHOLDER) -> CurveArtists:
    """Draw the (hidden, empty) loss and accuracy axes on ``figure``; return their artists.

    Args:
        figure: the figure to draw on (cleared first).
        placeholder: the text shown until a run has values.
    """
    figure.clear()
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    train_loss, val_loss = _pair(loss_axes, CURRENT_COLOUR, strong=True)
    train_accuracy, val_accuracy = _pair(accuracy_axes, CURRENT_COLOUR, strong=True)
    for axes, title in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
        axes.set_title(title, fontsize=10)
        axes.set_xlabel("epochs trained", fontsize=9)
        axes.tick_params(labelsize=8)
        axes.grid(alpha=0.3)
        axes.set_visible(False)
    # What the line styles mean, once, on the loss axes.
    loss_axes.legend(
        [Line2D([], [], color="0.3", lw=1), Line2D([], [], color="0.3", marker="o", ls="--")],
        ["train (running mean)", "test set, each epoch end"],
        loc="upper right",
        fontsize=7,
    )
    text = figure.text(0.5, 0.5, placeholder, ha="center", va="center", fontsize=10, color="0.4")
    # Fixed margins: a layout engine would re-measure every tick label on every redraw.
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.89, wspace=0.22)
    return CurveArtists(
        figure, loss_axes, accuracy_axes, train_loss, val_loss, train_accuracy, val_accuracy, text
    )


def _set(line: Line2D, x: Sequence[float], y: Sequence[float]) -> None:
    line.set_data(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def update_training_curves(
    artists: CurveArtists, runs: Sequence[RunCurves], *, log_scale: bool = False
) -> CurveArtists:
    """Show ``runs`` (the current one marked ``current``) on the existing axes and rescale.

    Runs not given are not drawn (hidden or cleared by the caller). With no
    values at all, the axes hide and the placeholder text shows; their ranges
    start over when values come back (no stale ranges after a Reset).

    Args:
        artists: from ``draw_training_curves``.
        runs: the runs to draw; at most one has ``current=True`` (else the last is current).
        log_scale: a logarithmic loss axis.
    """
    runs = list(runs)
    current = next((run for run in runs if run.current), runs[-1] if runs else None)
    older = [run for run in runs if run is not current]
    while len(artists.older) < len(older):
        colour = RUN_COLOURS[len(artists.older) % len(RUN_COLOURS)]
        artists.older.append(
            (
                *_pair(artists.loss_axes, colour, strong=False),
                *_pair(artists.accuracy_axes, colour, strong=False),
            )
        )
    while len(artists.older) > len(older):
        for line in artists.older.pop():
            line.remove()
    for run, lines in zip(older, artists.older, strict=True):
        colour = RUN_COLOURS[(run.number - 1) % len(RUN_COLOURS)]
        train_loss, val_loss, train_accuracy, val_accuracy = lines
        for line in lines:
            line.set_color(colour)
        _set(train_loss, run.positions, run.loss)
        _set(val_loss, run.epoch_positions, run.val_loss)
        _set(train_accuracy, run.positions, run.accuracy)
        _set(val_accuracy, run.epoch_positions, run.val_accuracy)
        train_accuracy.set_label(run.label)
    empty_run = RunCurves("")
    shown = current or empty_run
    _set(artists.train_loss, shown.positions, shown.loss)
    _set(artists.val_loss, shown.epoch_positions, shown.val_loss)
    _set(artists.train_accuracy, shown.positions, shown.accuracy)
    _set(artists.val_accuracy, shown.epoch_positions, shown.val_accuracy)
    artists.train_accuracy.set_label(shown.label if current is not None else "_")
    has_data = any(not run.empty for run in runs)
    artists.placeholder.set_visible(not has_data)
    for axes in (artists.loss_axes, artists.accuracy_axes):
        axes.set_visible(has_data)
    artists.loss_axes.set_yscale("log" if log_scale and has_data else "linear")
    if has_data:
        labelled = [run for run in runs if run.label]
        handles = [
            artists.train_accuracy if run is current else artists.older[older.index(run)][2]
            for run in labelled
        ]
        artists.accuracy_axes.legend(
            handles, [run.label for run in labelled], loc="lower right", fontsize=7
        )
    for axes in (artists.loss_axes, artists.accuracy_axes):
        axes.relim()
        axes.autoscale_view()
    return artists
