"""TrainingPanel: train, stop, reset, with live curves that never block the kernel.

Runs: each run's curves stay on the axes, labelled by its settings (optimizer,
rate, batch size, images), so runs can be compared; a run continued after Stop
with the same settings stays one run; Reset (a fresh model) or new settings
start a new run; older runs can be hidden or cleared.

Progress is counted honestly: a run stopped after 16 of 79 batches has
trained 0.2 of an epoch, and the next run's curves continue from there. The
test set is evaluated once per completed epoch, by the ``TrainingMonitor``
(never by Keras' ``fit`` and never a second time by the panel), so a Stop
never waits for a 10,000-image validation.

Memory: when the kernel's memory limit is known (``config.memory_limit_bytes``),
the default "train on" size leaves headroom and a run that would not fit is
refused (the rule: ``ui/training_memory.py``).

The panel is cut along its concerns: this module builds the controls and lays
them out; ``training_job`` starts, stops and reports the training thread;
``training_optimizer`` keeps the optimizer controls in step with the model;
``training_runs`` keeps the runs and draws the curves; ``training_memory`` holds the
memory rule.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import ipywidgets as widgets
import keras
import traitlets

from lenet_widgets.core.data import Dataset
from lenet_widgets.core.model import DEFAULT_LEARNING_RATES
from lenet_widgets.core.training import (
    TrainingMonitor,
)
from lenet_widgets.plotting.training import draw_training_curves
from lenet_widgets.ui import shutdown
from lenet_widgets.ui.controls import action_button, fit_labels, log_slider
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.panel import ModelPanel
from lenet_widgets.ui.status import status_html
from lenet_widgets.ui.training_job import TrainingJob
from lenet_widgets.ui.training_memory import (
    MEMORY_BYTES_PER_PIXEL,
    MEMORY_HEADROOM,
    MEMORY_RUN_BYTES,
    default_train_size,
    estimate_training_bytes,
    memory_problem,
)
from lenet_widgets.ui.training_optimizer import (
    MODEL_OPTIMIZER,
    OptimizerControls,
    describe_optimizer,
)
from lenet_widgets.ui.training_runs import MAX_RUNS, Run, RunCurvesView

__all__ = [
    "MAX_RUNS",
    "MEMORY_BYTES_PER_PIXEL",
    "MEMORY_HEADROOM",
    "MEMORY_RUN_BYTES",
    "TrainingPanel",
    "describe_optimizer",
    "estimate_training_bytes",
]

SUBSET_CHOICES = (("1,000 images", 1000), ("5,000", 5000), ("10,000", 10000), ("all", 0))


class TrainingPanel(TrainingJob, OptimizerControls, RunCurvesView, ModelPanel):
    """Train the shared model in the background with live loss and accuracy curves.

    Train runs ``core.training.train`` in a thread, so the kernel and every
    other widget stay responsive; Stop takes effect after the batch in
    progress (or between two chunks of the test-set check), at any moment, even
    right after Train; Train again continues; Reset builds fresh weights and
    starts a new run, keeping older runs' curves for comparison.

    The panel trains with the model's own optimizer and rate (any Keras
    optimizer, a learning-rate schedule too): the optimizer dropdown says which,
    and only an explicit choice of a new one replaces it (with a fresh state).

    Args:
        model: the compiled Keras model to train.
        data: a ``Dataset`` (or ``((x_train, y_train), (x_test, y_test))``).
        train_size: train on the first N images by default (0: all of them, or as
            many as the kernel's memory limit allows).
        updates_per_second: how often curves and progress redraw while training. Each
            redraw of the curves costs about 65 ms of CPU taken from training on a 2-core
            machine: once a second keeps a run within 5% of plain ``fit`` (twice: 7-10%).
        callbacks: more Keras callbacks for every run (e.g. a filter-history recorder).

    Public traits:
        model: the model trained; Reset replaces it with a fresh LeNet.
        running: True while a training thread runs.
        runs_finished: counts finished runs (the dashboard refreshes on it).
        test_accuracy: the latest test-set accuracy of the current model (None before
            any completed epoch); after a Stop, the one measured at the last completed
            epoch (the status line says when it was measured).
    """

    running = traitlets.Bool(False)
    runs_finished = traitlets.Int(0)
    test_accuracy = traitlets.Float(None, allow_none=True)

    def __init__(
        self,
        model,
        data,
        *,
        train_size: int = 0,
        updates_per_second: float = 1.0,
        callbacks: Sequence[keras.callbacks.Callback] = (),
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(data, Dataset):
            data = data.as_tuples()
        (self._x_train, self._y_train), (self._x_test, self._y_test) = data
        self._updates_per_second = updates_per_second
        self._callbacks = tuple(callbacks)
        self._thread: threading.Thread | None = None
        shutdown.register(self)  # A run in progress stops at interpreter exit.
        self._lock = threading.Lock()
        self._draw_lock = threading.Lock()
        self._render_request = threading.Event()
        self._renderer: threading.Thread | None = None
        self._syncing = False
        self._rate_touched = False
        self._runs: list[Run] = []
        self._hidden: set[int] = set()

        label_style = {"description_width": "initial"}
        self._epochs = widgets.IntSlider(
            value=1,
            min=1,
            max=20,
            description="epochs to train",
            tooltip="how many epochs this press of Train adds",
            style=label_style,
        )
        self._batch_size = widgets.Dropdown(
            options=[32, 64, 128, 256, 512],
            value=128,
            description="batch size",
            style=label_style,
            layout=widgets.Layout(width="160px"),
        )
        self._optimizer = widgets.Dropdown(
            options=[("no optimizer", MODEL_OPTIMIZER)],
            description="optimizer",
            tooltip="the model's own optimizer is kept; choose a new one to replace it",
            style=label_style,
        )
        self._learning_rate = log_slider(
            "learning rate",
            DEFAULT_LEARNING_RATES["adam"],
            (-5, 0),
            0.25,
            readout_format=".3g",
            style=label_style,
        )
        self._rate_note = widgets.HTML(value="")
        self._subset = widgets.Dropdown(description="train on", style=label_style)
        self._train_button = action_button(
            "Train", "train in the background", icon="play", kind="success"
        )
        self._stop_button = action_button(
            "Stop", "stop after this batch", icon="stop", disabled=True
        )
        self._reset_button = action_button(
            "Reset",
            "a fresh LeNet (new weights); older runs' curves stay for comparison",
            icon="refresh",
            kind="warning",
        )
        self._log_scale = widgets.Checkbox(
            value=False, description="log-scale loss", style=label_style, indent=False
        )
        self._progress = widgets.IntProgress(
            value=0, min=0, max=1, description="progress", style=label_style
        )
        self._eta = widgets.Label(value="")
        self.set_status("ready")
        self._runs_shown = widgets.SelectMultiple(
            options=[],
            value=[],
            rows=3,
            description="runs shown",
            tooltip="ctrl/shift-click to hide or show runs",
            style=label_style,
            layout=widgets.Layout(width="520px"),
        )
        self._clear_runs = action_button(
            "Clear old runs", "forget every run but the current", icon="trash"
        )
        self._view = FigureView(figsize=(8.0, 3.0), css_class="lenet-training-curves")
        self._curves = draw_training_curves(self._view.figure)

        self._subset_choices(int(train_size))
        self._monitor = self._new_monitor()

        self._train_button.on_click(self._on_train_clicked)
        self._stop_button.on_click(self._on_stop_clicked)
        self._reset_button.on_click(self._on_reset_clicked)
        self._clear_runs.on_click(self._on_clear_runs)
        self._log_scale.observe(self._on_log_scale_changed, names="value")
        self._optimizer.observe(self._on_optimizer_changed, names="value")
        self._learning_rate.observe(self._on_rate_changed, names="value")
        self._runs_shown.observe(self._on_runs_shown_changed, names="value")

        self.children = [
            widgets.HBox([self._epochs, self._batch_size, self._subset]),
            widgets.HBox([self._optimizer, self._learning_rate]),
            self._rate_note,
            widgets.HBox(
                [self._train_button, self._stop_button, self._reset_button, self._log_scale]
            ),
            widgets.HBox([self._progress, self._eta]),
            self._status,
            self._view.image,
            widgets.HBox([self._runs_shown, self._clear_runs]),
        ]
        fit_labels(self)
        self.model = model
        if self._memory_note:
            self._status.value = status_html(self._memory_note)
        self._redraw()

    # ------------------------------------------------------------------ public

    @property
    def monitor(self) -> TrainingMonitor:
        """The current run's recorder (values logged so far, progress, stop flag)."""
        return self._monitor

    @property
    def runs(self) -> tuple[str, ...]:
        """The labels of the runs kept, oldest first (the last is the current run)."""
        return tuple(run.label or f"run {run.number}" for run in self._runs)

    def start(self) -> None:
        """Start training with the current settings (what the Train button does)."""
        self._on_train_clicked(self._train_button)

    def stop(self) -> None:
        """Stop after the batch in progress (what the Stop button does)."""
        self._on_stop_clicked(self._stop_button)

    def stop_background(self) -> None:
        """Stop a run in progress, at interpreter exit (``ui/shutdown.py``)."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the training thread ends; True if it ended (for tests and scripts)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def clear_runs(self) -> None:
        """Forget every run but the current one (what "Clear old runs" does)."""
        self._on_clear_runs(self._clear_runs)

    # ------------------------------------------------------------------ construction

    def _subset_choices(self, train_size: int) -> None:
        count = len(self._x_train)
        options = [(label, size) for label, size in SUBSET_CHOICES if size < count]
        options = [(f"all {count:,}" if size == 0 else label, size) for label, size in options]
        if train_size and train_size not in dict(options).values():
            options.insert(0, (f"{train_size:,} images", int(train_size)))
        self._memory_note = ""
        value = int(train_size)
        if not train_size:
            value, self._memory_note = default_train_size(
                options, len(self._x_train), self._x_train.shape[1:]
            )
        self._subset.options = options
        self._subset.value = value

    def _memory_problem(self, images: int) -> str | None:
        """Why a run on ``images`` images would not fit the memory limit, or None if it fits."""
        return memory_problem(images, self._x_train.shape[1:])

    def check_model(self, model) -> None:
        """Raise ``ValueError`` while training: the model trained cannot change mid-run."""
        if self.running:
            raise ValueError("cannot replace the model while training; press Stop first.")

    def _show_model(self, model) -> None:
        self.test_accuracy = None
        self._progress.value = 0
        self._eta.value = ""
        self._start_new_run(model)
        self._sync_optimizer_controls()
        self._redraw()

    def _on_stop_clicked(self, button) -> None:
        if self.running:
            self._monitor.request_stop()
            message = (
                "stopping: abandoning the test-set check…"
                if self._monitor.validating
                else "stopping after this batch…"
            )
            self._status.value = status_html(message)
            self._eta.value = "stopping…"

    def _on_reset_clicked(self, button) -> None:
        if self.running:
            self._status.value = status_html("press Stop before Reset.", "error")
            return
        try:
            fresh = self._fresh_model()
        except (ValueError, TypeError) as error:
            self._status.value = status_html(f"reset failed: {error}", "error")
            return
        self.model = fresh
        self._status.value = status_html(
            f"fresh weights: a new LeNet with {describe_optimizer(fresh.optimizer)}, "
            "0 epochs trained; older runs stay on the curves for comparison."
        )

    def _set_buttons(self, training: bool) -> None:
        self._train_button.disabled = training
        self._reset_button.disabled = training
        self._stop_button.disabled = not training
        self._clear_runs.disabled = training or len(self._runs) < 2
