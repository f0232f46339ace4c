"""TrainingPanel: train, stop, reset, with live curves that never block the kernel."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import ipywidgets as widgets
import keras
import traitlets

from lenet_widgets.core.data import Dataset, prepare_images
from lenet_widgets.core.model import (
    DEFAULT_LEARNING_RATES,
    OPTIMIZERS,
    build_lenet,
    compile_lenet,
    epochs_trained,
)
from lenet_widgets.core.training import TrainingMonitor, evaluate, model_io, train
from lenet_widgets.plotting.training import draw_training_curves, update_training_curves
from lenet_widgets.text import plural
from lenet_widgets.ui.controls import fit_labels
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.status import status_html

__all__ = ["TrainingPanel"]

SUBSET_CHOICES = (("1,000 images", 1000), ("5,000", 5000), ("10,000", 10000), ("all", 0))


def _format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


class TrainingPanel(widgets.VBox):
    """Train the shared model in the background with live loss and accuracy curves.

    Train runs ``core.training.train`` in a thread, so the kernel and every
    other widget stay responsive; Stop takes effect after the batch in
    progress; Train again continues; Reset builds fresh weights.

    Args:
        model: the compiled Keras model to train.
        data: a ``Dataset`` (or ``((x_train, y_train), (x_test, y_test))``).
        train_size: train on the first N images by default (0: all of them).
        updates_per_second: how often curves and progress redraw while training.
        callbacks: more Keras callbacks for every run (e.g. a filter-history recorder).

    Public traits:
        model: the model trained; Reset replaces it with a fresh LeNet.
        running: True while a training thread runs.
        runs_finished: counts finished runs (the dashboard refreshes on it).
        test_accuracy: accuracy on the test set after the last run.
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

        self._epochs = widgets.IntSlider(value=1, min=1, max=20, description="epochs")
        self._batch_size = widgets.Dropdown(
            options=[32, 64, 128, 256, 512], value=128, description="batch size"
        )
        self._optimizer = widgets.Dropdown(
            options=OPTIMIZERS, value="adam", description="optimizer"
        )
        self._learning_rate = widgets.FloatLogSlider(
            value=DEFAULT_LEARNING_RATES["adam"],
            base=10,
            min=-5,
            max=0,
            step=0.25,
            description="learning rate",
            readout_format=".0e",
        )
        subset_options = [
            (label, size) for label, size in SUBSET_CHOICES if size < len(self._x_train)
        ]
        if train_size and train_size not in dict(subset_options).values():
            subset_options.insert(0, (f"{train_size:,} images", int(train_size)))
        self._subset = widgets.Dropdown(
            options=subset_options, value=int(train_size), description="train on"
        )
        self._train_button = widgets.Button(
            description="Train", icon="play", button_style="success"
        )
        self._stop_button = widgets.Button(description="Stop", icon="stop", disabled=True)
        self._reset_button = widgets.Button(
            description="Reset", icon="refresh", button_style="warning"
        )
        self._log_scale = widgets.Checkbox(value=False, description="log-scale loss")
        self._progress = widgets.IntProgress(value=0, min=0, max=1, description="progress")
        self._eta = widgets.Label(value="")
        self._status = widgets.HTML(value=status_html("ready"))
        self._view = FigureView(figsize=(8.0, 3.0), css_class="lenet-training-curves")
        self._curves = draw_training_curves(self._view.figure)
        self._monitor = TrainingMonitor(self._on_progress, updates_per_second)

        self._train_button.on_click(self._on_train_clicked)
        self._stop_button.on_click(self._on_stop_clicked)
        self._reset_button.on_click(self._on_reset_clicked)
        self._log_scale.observe(self._on_log_scale_changed, names="value")
        self._optimizer.observe(self._on_optimizer_changed, names="value")

        self.children = [
            widgets.HBox([self._epochs, self._batch_size, self._subset]),
            widgets.HBox([self._optimizer, self._learning_rate]),
            widgets.HBox(
                [self._train_button, self._stop_button, self._reset_button, self._log_scale]
            ),
            widgets.HBox([self._progress, self._eta]),
            self._status,
            self._view.image,
        ]
        fit_labels(self)
        self.model = model
        self._redraw()

    # ------------------------------------------------------------------ public

    @property
    def monitor(self) -> TrainingMonitor:
        """The recorder behind the curves (values logged so far, progress, stop flag)."""
        return self._monitor

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

    # ------------------------------------------------------------------ reactions

    @traitlets.observe("model")
    def _on_model_changed(self, change) -> None:
        if self.running:
            raise traitlets.TraitError("cannot replace the model while training; press Stop first.")
        self._monitor = TrainingMonitor(self._on_progress, self._updates_per_second)
        self.test_accuracy = None
        self._progress.value = 0
        self._eta.value = ""
        model = change["new"]
        if model is not None and getattr(model, "optimizer", None) is not None:
            name = type(model.optimizer).__name__.lower()
            if name in OPTIMIZERS:
                with self.hold_trait_notifications():
                    self._optimizer.value = name
                    self._learning_rate.value = float(model.optimizer.learning_rate)
        self._redraw()

    def _on_optimizer_changed(self, change) -> None:
        self._learning_rate.value = DEFAULT_LEARNING_RATES[change["new"]]

    def _on_log_scale_changed(self, change) -> None:
        self._redraw()

    def _on_stop_clicked(self, button) -> None:
        if self.running:
            self._monitor.request_stop()
            self._status.value = status_html("stopping after this batch…")

    def _on_reset_clicked(self, button) -> None:
        if self.running:
            self._status.value = status_html("press Stop before Reset.", "error")
            return
        try:
            shape, classes = model_io(self.model)
        except ValueError:  # A subclassed model has no shapes to copy: fit the data instead.
            shape = tuple(prepare_images(self._x_train[:1]).shape[1:])
            classes = max(2, int(max(self._y_train.max(), self._y_test.max())) + 1)
        try:
            fresh = build_lenet(
                shape,
                classes,
                optimizer=self._optimizer.value,
                learning_rate=self._learning_rate.value,
            )
        except ValueError as error:
            self._status.value = status_html(f"reset failed: {error}", "error")
            return
        self.model = fresh
        self._status.value = status_html("fresh weights: a new LeNet, 0 epochs trained.")

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
            self._apply_optimizer_settings()
        except ValueError as error:
            self.running = False
            self._status.value = status_html(str(error), "error")
            return
        size = self._subset.value or len(self._x_train)
        settings = {
            "epochs": self._epochs.value,
            "batch_size": self._batch_size.value,
        }
        self._set_buttons(training=True)
        self._status.value = status_html(f"training on {size:,} images…")
        self._render_request.clear()
        self._renderer = threading.Thread(
            target=self._render_loop, name="lenet-curves", daemon=True
        )
        self._renderer.start()
        self._thread = threading.Thread(
            target=self._run, args=(size, settings), name="lenet-training", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ training thread

    def _apply_optimizer_settings(self) -> None:
        """Keep the optimizer state when only the rate changes; recompile for a new kind."""
        name, rate = self._optimizer.value, float(self._learning_rate.value)
        current = self.model.optimizer
        if current is not None and type(current).__name__.lower() == name:
            current.learning_rate.assign(rate)
        else:
            compile_lenet(self.model, name, rate)

    def _run(self, size: int, settings: dict) -> None:
        model = self.model
        try:
            train(
                model,
                self._x_train[:size],
                self._y_train[:size],
                validation_data=(self._x_test, self._y_test),
                callbacks=[self._monitor, *self._callbacks],
                verbose=0,
                **settings,
            )
            monitor = self._monitor
            if monitor.val_accuracy and not monitor.stopped:
                accuracy = monitor.val_accuracy[-1]  # The test set is the validation set.
            else:
                accuracy = evaluate(model, self._x_test, self._y_test).get("accuracy")
            self.test_accuracy = accuracy
            stopped = "stopped early; " if self._monitor.stopped else ""
            self._status.value = status_html(
                f"{stopped}{plural(epochs_trained(model), 'epoch')} trained, "
                f"test accuracy {accuracy:.2%}",
                "ok",
            )
        except KeyboardInterrupt:  # Interrupt in the kernel: same as Stop, said so.
            steps = int(model.optimizer.iterations.numpy()) if model.optimizer else 0
            self._status.value = status_html(
                f"training interrupted; the model keeps what it learned ({steps:,} steps).",
                "error",
            )
        except Exception as error:  # Shown in the panel; the kernel and the panel live on.
            self._status.value = status_html(
                f"training failed: {type(error).__name__}: {error}", "error"
            )
        finally:
            self._set_buttons(training=False)
            self.running = False
            self._render_request.set()  # Wakes the renderer, which sees `running` off and ends.
            self._renderer.join()
            self._redraw()
            self.runs_finished += 1

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
            self._redraw()

    def _set_buttons(self, training: bool) -> None:
        self._train_button.disabled = training
        self._reset_button.disabled = training
        self._stop_button.disabled = not training

    def _redraw(self) -> None:
        with self._draw_lock:  # The renderer thread and control reactions both draw.
            self._draw()

    def _draw(self) -> None:
        monitor = self._monitor
        done, total = monitor.progress()
        self._progress.max = max(total, 1)
        self._progress.value = done
        if self.running:
            self._eta.value = (
                f"epoch {monitor.epoch + 1}/{monitor.epochs}, batch {monitor.batch}/"
                f"{monitor.batches_per_epoch}, {_format_seconds(monitor.seconds_left())} left"
            )
        update_training_curves(self._curves, **monitor.curves(), log_scale=self._log_scale.value)
        self._view.refresh()
