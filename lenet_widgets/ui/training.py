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
refused. The estimate is ``MEMORY_BYTES_PER_PIXEL`` bytes per training pixel
plus ``MEMORY_RUN_BYTES`` for TensorFlow's working memory, on top of what the
kernel already uses, keeping ``MEMORY_HEADROOM`` of the limit free.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import ipywidgets as widgets
import keras
import numpy as np
import traitlets

from lenet_widgets import config
from lenet_widgets.core.data import Dataset, prepare_images
from lenet_widgets.core.model import (
    DEFAULT_LEARNING_RATES,
    OPTIMIZERS,
    build_lenet,
    compile_lenet,
    set_metadata,
)
from lenet_widgets.core.training import (
    TrainingMonitor,
    TrainingStoppedError,
    epochs_done,
    model_io,
    tidy_epochs,
    train,
)
from lenet_widgets.plotting.training import RunCurves, draw_training_curves, update_training_curves
from lenet_widgets.text import epochs_text
from lenet_widgets.ui.controls import fit_labels
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.status import STATUS_KINDS, status_html

__all__ = ["TrainingPanel", "estimate_training_bytes"]

SUBSET_CHOICES = (("1,000 images", 1000), ("5,000", 5000), ("10,000", 10000), ("all", 0))

MODEL_OPTIMIZER = "model"
"""The optimizer dropdown's value for "keep the model's own optimizer"."""

MEMORY_BYTES_PER_PIXEL = 1
"""Bytes a run adds per pixel of its training images, rounded up. Training keeps the uint8
images as they are and converts one batch at a time, so the data costs the run almost
nothing beyond an index per image (measured: 1,000 and 30,000 MNIST images alike)."""

MEMORY_RUN_BYTES = 160 * 2**20
"""TensorFlow's working memory for a run: graph tracing, batches, activations, the test-set
check in chunks (measured 120-137 MB above the RSS before the first run of a fresh LeNet on
MNIST, peak VmHWM; rounded up)."""

MEMORY_HEADROOM = 0.15
"""Fraction of the memory limit kept free (Jupyter's server, other cells, the OS)."""

MAX_RUNS = 8
"""Runs kept for comparison; the oldest goes when a ninth starts."""


def estimate_training_bytes(images: int, image_shape: Sequence[int]) -> int:
    """Memory a training run on ``images`` images of ``image_shape`` adds to the kernel, in bytes.

    ``MEMORY_BYTES_PER_PIXEL`` per training pixel (the data's copies while
    training) plus ``MEMORY_RUN_BYTES``; the test set is evaluated in chunks and
    adds little.
    """
    pixels = int(images) * math.prod(int(size) for size in image_shape)
    return pixels * MEMORY_BYTES_PER_PIXEL + MEMORY_RUN_BYTES


def _process_rss_bytes() -> int:
    """This process's resident memory in bytes (0 where ``/proc`` is not available)."""
    try:
        with open("/proc/self/statm") as stream:
            pages = int(stream.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _gigabytes(size: float) -> str:
    return f"{size / 2**30:.1f} GB" if size >= 2**30 else f"{size / 2**20:,.0f} MB"


def _format_seconds(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


def _rate_text(rate: float) -> str:
    return f"{rate:.3g}"


def _schedule(optimizer) -> keras.optimizers.schedules.LearningRateSchedule | None:
    rate = getattr(optimizer, "_learning_rate", None)
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        return rate
    return None


def _current_rate(optimizer) -> float | None:
    try:
        return float(optimizer.learning_rate)
    except (AttributeError, TypeError, ValueError):
        return None


def describe_optimizer(optimizer) -> str:
    """``"Adam 0.001"``, ``"SGD 0.02, momentum 0.9, Nesterov"``, ``"Adam, ExponentialDecay..."``."""
    if optimizer is None:
        return "no optimizer"
    name = type(optimizer).__name__
    schedule = _schedule(optimizer)
    if schedule is not None:
        config_ = {}
        with contextlib.suppress(NotImplementedError, AttributeError, TypeError):
            config_ = schedule.get_config()
        start = config_.get("initial_learning_rate")
        start_text = f" from {_rate_text(float(start))}" if isinstance(start, (int, float)) else ""
        text = f"{name}, {type(schedule).__name__}{start_text}"
    else:
        rate = _current_rate(optimizer)
        text = name if rate is None else f"{name} {_rate_text(rate)}"
    momentum = getattr(optimizer, "momentum", None)
    if isinstance(optimizer, keras.optimizers.SGD) and momentum:
        text += f", momentum {float(momentum):.3g}"
        if getattr(optimizer, "nesterov", False):
            text += ", Nesterov"
    return text


@dataclass
class _Run:
    """One run: a model trained with one set of settings, possibly over several Train presses."""

    number: int
    monitor: TrainingMonitor
    model_id: int
    settings: tuple | None = None
    label: str = ""
    continues: int | None = None
    last_test: tuple[float, float] | None = field(default=None)

    def curves(self, current: bool) -> RunCurves:
        return RunCurves(
            self.label or f"run {self.number}",
            **self.monitor.curves(),
            number=self.number,
            current=current,
        )


class TrainingPanel(widgets.VBox):
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
        updates_per_second: how often curves and progress redraw while training.
        callbacks: more Keras callbacks for every run (e.g. a filter-history recorder).

    Public traits:
        model: the model trained; Reset replaces it with a fresh LeNet.
        running: True while a training thread runs.
        runs_finished: counts finished runs (the dashboard refreshes on it).
        test_accuracy: the latest test-set accuracy of the current model (None before
            any completed epoch); after a Stop, the one measured at the last completed
            epoch (the status line says when it was measured).
    """

    model = traitlets.Any(allow_none=True)
    running = traitlets.Bool(False)
    runs_finished = traitlets.Int(0)
    test_accuracy = traitlets.Float(None, allow_none=True)

    def __init__(
        self,
        model,
        data,
        *,
        train_size: int = 0,
        updates_per_second: float = 2.0,
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
        self._lock = threading.Lock()
        self._draw_lock = threading.Lock()
        self._render_request = threading.Event()
        self._renderer: threading.Thread | None = None
        self._syncing = False
        self._rate_touched = False
        self._runs: list[_Run] = []
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
        self._learning_rate = widgets.FloatLogSlider(
            value=DEFAULT_LEARNING_RATES["adam"],
            base=10,
            min=-5,
            max=0,
            step=0.25,
            description="learning rate",
            readout_format=".3g",
            style=label_style,
        )
        self._rate_note = widgets.HTML(value="")
        self._subset = widgets.Dropdown(description="train on", style=label_style)
        self._train_button = widgets.Button(
            description="Train",
            icon="play",
            button_style="success",
            tooltip="train in the background",
        )
        self._stop_button = widgets.Button(
            description="Stop", icon="stop", disabled=True, tooltip="stop after this batch"
        )
        self._reset_button = widgets.Button(
            description="Reset",
            icon="refresh",
            button_style="warning",
            tooltip="a fresh LeNet (new weights); older runs' curves stay for comparison",
        )
        self._log_scale = widgets.Checkbox(
            value=False, description="log-scale loss", style=label_style, indent=False
        )
        self._progress = widgets.IntProgress(
            value=0, min=0, max=1, description="progress", style=label_style
        )
        self._eta = widgets.Label(value="")
        self._status = widgets.HTML(value=status_html("ready"))
        self._runs_shown = widgets.SelectMultiple(
            options=[],
            value=[],
            rows=3,
            description="runs shown",
            tooltip="ctrl/shift-click to hide or show runs",
            style=label_style,
            layout=widgets.Layout(width="520px"),
        )
        self._clear_runs = widgets.Button(
            description="Clear old runs", icon="trash", tooltip="forget every run but the current"
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
            value, self._memory_note = self._default_size(options)
        self._subset.options = options
        self._subset.value = value

    def _default_size(self, options: list[tuple[str, int]]) -> tuple[int, str]:
        """All images, or the largest choice that leaves headroom under the memory limit."""
        limit = config.memory_limit_bytes()
        if limit is None:
            return 0, ""
        count = len(self._x_train)
        if self._memory_problem(count) is None:
            return 0, ""
        fitting = [size for _, size in options if size and self._memory_problem(size) is None]
        if not fitting:
            return min(size or count for _, size in options), (
                f"this kernel may use {_gigabytes(limit)} and little of it is free: "
                "even the smallest training size may not fit."
            )
        best = max(fitting)
        need = estimate_training_bytes(count, self._x_train.shape[1:])
        return best, (
            f"train on {best:,} images by default: this kernel may use {_gigabytes(limit)}, "
            f"{_gigabytes(_process_rss_bytes())} is in use, and all {count:,} images would "
            f"need about {_gigabytes(need)} more."
        )

    def _memory_problem(self, images: int) -> str | None:
        """Why a run on ``images`` images would not fit the memory limit, or None if it fits."""
        limit = config.memory_limit_bytes()
        if limit is None:
            return None
        used = _process_rss_bytes()
        need = estimate_training_bytes(images, self._x_train.shape[1:])
        allowed = limit * (1 - MEMORY_HEADROOM)
        if used + need <= allowed:
            return None
        return (
            f"not started: training on {images:,} images needs about {_gigabytes(need)} more "
            f"memory; this kernel uses {_gigabytes(used)} of the {_gigabytes(limit)} it may "
            f"use (keeping {MEMORY_HEADROOM:.0%} free). Choose fewer images in 'train on'."
        )

    def _new_monitor(self) -> TrainingMonitor:
        monitor = TrainingMonitor(
            self._on_progress,
            self._updates_per_second,
            validation_data=(self._x_test, self._y_test),
        )
        return monitor

    # ------------------------------------------------------------------ runs

    def _start_new_run(self, model, continues: int | None = None) -> _Run:
        current = self._runs[-1] if self._runs else None
        if current is not None and current.monitor.curves()["positions"] == ():
            self._runs.pop()  # An empty run is replaced, never kept.
        number = max((run.number for run in self._runs), default=0) + 1
        run = _Run(number, self._new_monitor(), id(model), continues=continues)
        if current is not None and current.model_id == id(model):
            run.last_test = current.last_test  # Same model: its last test result still holds.
        self._runs.append(run)
        while len(self._runs) > MAX_RUNS:
            self._hidden.discard(self._runs.pop(0).number)
        self._monitor = run.monitor
        self._sync_runs_control()
        return run

    def _sync_runs_control(self) -> None:
        options = [
            (run.label or f"run {run.number} (not trained yet)", run.number) for run in self._runs
        ]
        shown = tuple(run.number for run in self._runs if run.number not in self._hidden)
        self._syncing, was = True, self._syncing
        try:
            self._runs_shown.options = options
            self._runs_shown.value = shown
        finally:
            self._syncing = was
        self._clear_runs.disabled = len(self._runs) < 2

    def _on_runs_shown_changed(self, change) -> None:
        if self._syncing:
            return
        shown = set(change["new"])
        self._hidden = {run.number for run in self._runs if run.number not in shown}
        self._redraw()

    def _on_clear_runs(self, button) -> None:
        if not self._runs:
            return
        self._runs = self._runs[-1:]
        self._hidden.clear()
        self._sync_runs_control()
        self._redraw()

    def _settings(self, size: int) -> tuple[tuple, str]:
        optimizer = describe_optimizer(self.model.optimizer)
        key = (optimizer, self._batch_size.value, size)
        label = f"{optimizer}, batch {self._batch_size.value}, {size:,} images"
        return key, label

    # ------------------------------------------------------------------ reactions

    @traitlets.observe("model")
    def _on_model_changed(self, change) -> None:
        if self.running:
            raise traitlets.TraitError("cannot replace the model while training; press Stop first.")
        self.test_accuracy = None
        self._progress.value = 0
        self._eta.value = ""
        self._start_new_run(change["new"])
        self._sync_optimizer_controls()
        self._redraw()

    def _sync_optimizer_controls(self) -> None:
        """Show the model's own optimizer and rate (a schedule disables the rate control)."""
        model = self.model
        optimizer = getattr(model, "optimizer", None) if model is not None else None
        self._syncing, was = True, self._syncing
        try:
            new_choices = [
                (f"new {name.upper() if name == 'sgd' else name.title()}", name)
                for name in OPTIMIZERS
            ]
            if optimizer is None:
                self._optimizer.options = new_choices
                self._optimizer.value = OPTIMIZERS[0]
                self._learning_rate.value = DEFAULT_LEARNING_RATES[OPTIMIZERS[0]]
                self._learning_rate.disabled = False
                self._rate_note.value = status_html(
                    "the model has no optimizer: Train compiles it with the one chosen here."
                )
            else:
                own = f"{describe_optimizer(optimizer)} (the model's own)"
                self._optimizer.options = [(own, MODEL_OPTIMIZER), *new_choices]
                self._optimizer.value = MODEL_OPTIMIZER
                self._show_own_rate(optimizer)
            self._rate_touched = False
        finally:
            self._syncing = was

    def _show_own_rate(self, optimizer) -> None:
        schedule = _schedule(optimizer)
        rate = _current_rate(optimizer)
        if schedule is not None or rate is None:
            self._learning_rate.disabled = True
            now = f" (now {_rate_text(rate)})" if rate is not None else ""
            self._rate_note.value = status_html(
                f"the rate follows the model's schedule, {type(schedule).__name__}{now}; "
                "choose a new optimizer to set a fixed rate."
            )
            if rate is not None and rate > 0:
                self._learning_rate.value = rate
        else:
            self._learning_rate.disabled = False
            self._learning_rate.value = rate
            low, high = self._learning_rate.base ** np.array(
                [self._learning_rate.min, self._learning_rate.max]
            )
            self._rate_note.value = (
                status_html(
                    f"the model's rate {_rate_text(rate)} lies outside the slider's range; "
                    "it is kept unless you move the slider."
                )
                if not low <= rate <= high
                else ""
            )

    def _on_optimizer_changed(self, change) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            if change["new"] == MODEL_OPTIMIZER:
                self._show_own_rate(self.model.optimizer)
                self._rate_touched = False
            else:
                self._learning_rate.disabled = False
                self._learning_rate.value = DEFAULT_LEARNING_RATES[change["new"]]
                self._rate_touched = True
                self._rate_note.value = status_html(
                    f"Train replaces the model's optimizer with a new {change['new']} "
                    "(its state starts fresh)."
                )
        finally:
            self._syncing = False

    def _on_rate_changed(self, change) -> None:
        if not self._syncing:
            self._rate_touched = True

    def _on_log_scale_changed(self, change) -> None:
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

    def _fresh_model(self):
        try:
            shape, classes = model_io(self.model)
        except ValueError:  # A subclassed model has no shapes to copy: fit the data instead.
            shape = tuple(prepare_images(self._x_train[:1]).shape[1:])
            classes = max(2, int(max(self._y_train.max(), self._y_test.max())) + 1)
        choice = self._optimizer.value
        old = getattr(self.model, "optimizer", None)
        if choice == MODEL_OPTIMIZER and old is not None:
            fresh = build_lenet(shape, classes, compile=False)
            optimizer = type(old).from_config(old.get_config())  # Same kind and settings.
            if self._rate_touched and _schedule(old) is None:
                optimizer.learning_rate = float(self._learning_rate.value)
            fresh.compile(
                optimizer=optimizer,
                loss="sparse_categorical_crossentropy",
                metrics=["accuracy"],
            )
            return fresh
        name = choice if choice in OPTIMIZERS else OPTIMIZERS[0]
        return build_lenet(
            shape, classes, optimizer=name, learning_rate=float(self._learning_rate.value)
        )

    def _on_train_clicked(self, button) -> None:
        with self._lock:
            if self.running:
                self._status.value = status_html("already training; press Stop first.", "error")
                return
            if self.model is None:
                self._status.value = status_html("no model to train.", "error")
                return
            self.running = True
        try:
            self._start_training()
        except BaseException as error:  # Nothing may leave the panel stuck in running=True.
            self._thread = None
            self.running = False
            self._set_buttons(training=False)
            if isinstance(error, KeyboardInterrupt):
                self._status.value = status_html("training not started: interrupted.", "error")
            elif isinstance(error, MemoryError):
                self._status.value = status_html(str(error), "error")
            elif isinstance(error, Exception):
                self._status.value = status_html(
                    f"training not started: {type(error).__name__}: {error}", "error"
                )
            else:
                raise

    def _start_training(self) -> None:
        size = self._subset.value or len(self._x_train)
        problem = self._memory_problem(size)
        if problem is not None:
            raise MemoryError(problem)
        changed = self._apply_optimizer_settings()
        key, label = self._settings(size)
        run = self._runs[-1]
        if run.settings is not None and (run.settings != key or run.model_id != id(self.model)):
            previous = run.number
            run = self._start_new_run(self.model, continues=previous)
        if run.settings is None:
            run.settings = key
            continued = f" (continues run {run.continues}'s model)" if run.continues else ""
            run.label = f"run {run.number}: {label}{continued}"
            self._sync_runs_control()
        self._monitor = run.monitor
        self._monitor.clear_stop()  # A Stop from here on belongs to this run.
        settings = {"epochs": self._epochs.value, "batch_size": self._batch_size.value}
        self._set_buttons(training=True)
        note = f"{changed}; " if changed else ""
        self._status.value = status_html(f"{note}training on {size:,} images…")
        self._eta.value = "starting…"
        self._render_request.clear()
        self._renderer = threading.Thread(
            target=self._render_loop, name="lenet-curves", daemon=True
        )
        self._renderer.start()
        self._thread = threading.Thread(
            target=self._run, args=(run, size, settings), name="lenet-training", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ training thread

    def _apply_optimizer_settings(self) -> str:
        """Keep the model's optimizer; change its rate or replace it only on an explicit choice.

        Returns:
            What changed, for the status line ("" when nothing did).
        """
        model = self.model
        choice = self._optimizer.value
        rate = float(self._learning_rate.value)
        if choice != MODEL_OPTIMIZER or model.optimizer is None:
            name = choice if choice in OPTIMIZERS else OPTIMIZERS[0]
            compile_lenet(model, name, rate)
            self._sync_optimizer_controls()
            return f"new optimizer: {describe_optimizer(model.optimizer)}, fresh state"
        optimizer = model.optimizer
        if not self._rate_touched or _schedule(optimizer) is not None:
            return ""
        current = _current_rate(optimizer)
        self._rate_touched = False
        if current is not None and math.isclose(current, rate, rel_tol=1e-6):
            return ""
        optimizer.learning_rate = rate  # Same optimizer, same state, new rate.
        self._sync_optimizer_controls()
        return f"learning rate {_rate_text(rate)} (optimizer state kept)"

    def _run(self, run: _Run, size: int, settings: dict) -> None:
        model = self.model
        monitor = run.monitor
        try:
            if monitor.stop_requested:  # Stop pressed before training even began.
                self._status.value = status_html("stopped before the first batch; nothing trained.")
                return
            train(
                model,
                self._x_train[:size],
                self._y_train[:size],
                callbacks=[monitor, *self._callbacks],
                verbose=0,
                **settings,
            )
            self._report(run, model)
        except TrainingStoppedError:  # Stop came before the first batch began.
            self._status.value = status_html("stopped before the first batch; nothing trained.")
        except KeyboardInterrupt:  # Interrupt in the kernel: same as Stop, said so.
            steps = int(model.optimizer.iterations.numpy()) if model.optimizer else 0
            # train() did not get to count this call: count the batches done, honestly,
            # so the next run's curves continue where these end.
            done = tidy_epochs(max(monitor.epochs_done, epochs_done(model)))
            set_metadata(model, epochs_trained=done)
            self._status.value = status_html(
                f"training interrupted; the model keeps what it learned ({steps:,} steps, "
                f"{epochs_text(done)} trained).",
                "error",
            )
        except Exception as error:  # Shown in the panel; the kernel and the panel live on.
            self._status.value = status_html(
                f"training failed: {type(error).__name__}: {error}", "error"
            )
        finally:
            self._finish()

    def _finish(self) -> None:
        """Back to idle, whatever happened: nothing here may leave ``running`` True."""
        self._monitor.clear_stop()
        self.running = False
        try:
            self._set_buttons(training=False)
            self._render_request.set()  # Wakes the renderer, which sees `running` off and ends.
            if self._renderer is not None:
                self._renderer.join()
            self._redraw()
        except Exception as error:  # Shown; the panel stays usable.
            self._status.value = status_html(
                f"curves not redrawn: {type(error).__name__}: {error}", "error"
            )
        finally:
            self.runs_finished += 1

    def _report(self, run: _Run, model) -> None:
        """The status line after a run: epochs (fractions honest), test accuracy and its age."""
        monitor = run.monitor
        done = epochs_done(model)
        last = monitor.last_validation
        if last is not None:
            run.last_test = (last[0], last[2])
        parts = []
        if monitor.stopped and monitor.stopped_batch is not None:
            parts.append(
                f"stopped after {monitor.stopped_batch:,} of {monitor.batches_per_epoch:,} batches"
            )
        elif monitor.stopped and monitor.validation_cut:
            parts.append("stopped during the test-set check (its partial result is not used)")
        elif monitor.stopped:
            parts.append("stopped before the test-set check")
        parts.append(f"{epochs_text(done)} trained")
        kind = "info" if monitor.stopped else "ok"
        test = run.last_test
        if test is None:
            self.test_accuracy = None
            parts.append(
                "no test accuracy yet: the test set is checked at the end of each whole epoch"
            )
        else:
            at, accuracy = test
            self.test_accuracy = accuracy
            if math.isclose(at, done, abs_tol=1e-6):
                parts.append(f"test accuracy {accuracy:.2%}")
            else:
                parts.append(
                    f"test accuracy {accuracy:.2%} after {epochs_text(at)} (not measured since)"
                )
            classes = self._classes(model)
            if classes and np.isfinite(accuracy) and accuracy < 1.5 / classes:
                kind = "warning" if "warning" in STATUS_KINDS else "error"
                parts.append(
                    f"about chance level (1 in {classes} right by guessing): the model has not "
                    "learned yet; try a smaller learning rate or more images"
                )
        self._status.value = status_html("; ".join(parts) + ".", kind)

    @staticmethod
    def _classes(model) -> int | None:
        try:
            return model_io(model)[1]
        except ValueError:
            return None

    def _on_progress(self, monitor: TrainingMonitor) -> None:
        # Called in the training thread: only ask for a redraw; the renderer thread
        # draws while TensorFlow computes the next batches (it releases the GIL).
        self._render_request.set()

    def _render_loop(self) -> None:
        while True:
            self._render_request.wait()
            self._render_request.clear()
            if not self.running:
                return
            try:
                self._redraw()
            except Exception as error:  # Training goes on; the status line says why.
                self._status.value = status_html(
                    f"curves not redrawn: {type(error).__name__}: {error}", "error"
                )

    def _set_buttons(self, training: bool) -> None:
        self._train_button.disabled = training
        self._reset_button.disabled = training
        self._stop_button.disabled = not training
        self._clear_runs.disabled = training or len(self._runs) < 2

    def _redraw(self) -> None:
        with self._draw_lock:  # The renderer thread and control reactions both draw.
            self._draw()

    def _progress_text(self, monitor: TrainingMonitor) -> str:
        if monitor.stop_requested:
            return "stopping…"
        number, count = monitor.call_epoch
        epoch = f"epoch {number} of {count}"
        if monitor.validating:
            return (
                f"{epoch}: checking the test set, {monitor.validated_images:,} of "
                f"{monitor.validation_images:,} images…"
            )
        done, total = monitor.progress()
        if total and done >= total:
            return f"{epoch}: all batches done, finishing…"
        left = monitor.seconds_left()
        timing = "estimating time left…" if left is None else f"about {_format_seconds(left)} left"
        return (
            f"{epoch}, batch {monitor.batch:,} of {monitor.batches_per_epoch:,} "
            f"({epochs_text(monitor.epochs_done)} trained), {timing}"
        )

    def _draw(self) -> None:
        monitor = self._monitor
        done, total = monitor.progress()
        self._progress.max = max(total, 1)
        self._progress.value = done
        if self.running:
            self._eta.value = self._progress_text(monitor)
        elif self._eta.value:
            self._eta.value = ""
        current = self._runs[-1] if self._runs else None
        runs = [
            run.curves(current=run is current)
            for run in self._runs
            if run.number not in self._hidden
        ]
        update_training_curves(self._curves, runs, log_scale=self._log_scale.value)
        self._view.refresh()
