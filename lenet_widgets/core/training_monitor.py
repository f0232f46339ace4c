"""``TrainingMonitor``: the Keras callback that records, throttles, validates and stops.

It holds no widget code: the training panel attaches one to ``train`` and reads
its curves and progress; a Stop request (from any thread) ends the run after the
batch in progress. See the class docstring for the exact Stop and validation rules.
"""

from __future__ import annotations

import threading
import time

import keras
import numpy as np

from lenet_widgets.core.training_epochs import epochs_done
from lenet_widgets.core.training_inputs import (
    EVALUATION_BATCH_SIZE,
    ImageBatches,
    validation_batches,
)

__all__ = ["TrainingMonitor", "TrainingStoppedError"]


class TrainingStoppedError(Exception):
    """A Stop requested before the first batch: ``train`` ends without training anything."""


class TrainingMonitor(keras.callbacks.Callback):
    """Records training as it happens, throttles updates, validates, and stops on request.

    The widgets' training panel attaches one to ``train``; it holds no widget
    code. ``on_update`` is called at most ``updates_per_second`` times a second,
    at every epoch end and when validation starts and ends, always from the
    training thread.

    Stop: ``request_stop`` may come at any moment, even before Keras calls
    ``on_train_begin`` (the request is kept until the run it stopped ends, or
    ``clear_stop``). A request that arrives before the first batch raises
    ``TrainingStoppedError`` out of ``train`` (nothing trained, no graph traced);
    later, training stops after the batch in progress; an epoch
    stopped part-way is not validated, and a validation in progress is
    abandoned between two chunks (its partial numbers are never reported).

    Validation: give ``validation_data`` here (not to ``fit``) and the monitor
    evaluates it at the end of every *completed* epoch, in one pass of
    ``EVALUATION_BATCH_SIZE`` batches that a Stop ends after the batch in
    progress. When
    ``fit`` validates instead (``validation_data`` passed to ``train``), its
    values are recorded the same way, and a Stop during that validation
    discards them.

    Args:
        on_update: called with the monitor (from the training thread).
        updates_per_second: the most ``on_update`` calls per second while training.
        validation_data: ``(images, labels)`` evaluated at each completed epoch end
            (checked when training begins, like ``train``'s inputs).

    Attributes:
        positions, loss, accuracy: per-batch running values; ``positions`` are
            epochs trained (``1.5``: half way through the second epoch), counted
            from the model's ``epochs_done`` so curves continue across calls,
            also after a stop part-way through an epoch.
        epoch_positions, val_loss, val_accuracy: one entry per validated epoch end.
        batch, batches_per_epoch, epoch, epochs: progress of the current call
            (``epoch`` is Keras' epoch index).
        start_epochs: ``epochs_done(model)`` when the current call began.
        stopped: True once a requested stop took effect in the current call.
        stopped_batch: the batch of its epoch the run stopped after (None: not stopped).
        validating: True while the monitor validates.
        validation_skipped: True when the last epoch end's validation was skipped
            or abandoned because of a Stop.
        validation_cut: True when a Stop ended a validation pass part-way.
        validated_images, validation_images: progress of the validation in progress.
    """

    def __init__(
        self,
        on_update=None,
        updates_per_second: float = 4.0,
        *,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        super().__init__()
        self.on_update = on_update
        self.interval = 1.0 / updates_per_second if updates_per_second > 0 else 0.0
        self.validation_data = validation_data
        self._validation_batches: ImageBatches | None = None
        self.positions: list[float] = []
        self.loss: list[float] = []
        self.accuracy: list[float] = []
        self.epoch_positions: list[float] = []
        self.val_loss: list[float] = []
        self.val_accuracy: list[float] = []
        self.batch = 0
        self.batches_per_epoch = 0
        self.epoch = 0
        self.epochs = 0
        self.start_epochs = 0.0
        self.started_at = 0.0
        self.stopped = False
        self.stopped_batch: int | None = None
        self.validating = False
        self.validation_skipped = False
        self.validation_cut = False
        self.validated_images = 0
        self.validation_images = 0
        self._stop_requested = False
        self._last_update = 0.0
        self._first_epoch: int | None = None
        self._batches_done = 0
        self._first_batch_at: float | None = None
        self._validation_seconds = 0.0
        self._last_validation_seconds: float | None = None
        self._keras_validation_cut = False
        self._validation_started = 0.0
        self._validated_epochs: set[int] = set()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ requests

    def request_stop(self) -> None:
        """Ask training to stop after the batch in progress (safe from any thread, any time)."""
        self._stop_requested = True

    def clear_stop(self) -> None:
        """Forget a stop request (call before starting a new run, not while one runs)."""
        self._stop_requested = False

    @property
    def stop_requested(self) -> bool:
        """True after ``request_stop`` until the run it stopped ends (or ``clear_stop``)."""
        return self._stop_requested

    # ------------------------------------------------------------------ reading

    def curves(self) -> dict[str, tuple[float, ...]]:
        """A consistent copy of the recorded values, safe to read while training runs."""
        with self._lock:
            return {
                "positions": tuple(self.positions),
                "loss": tuple(self.loss),
                "accuracy": tuple(self.accuracy),
                "epoch_positions": tuple(self.epoch_positions),
                "val_loss": tuple(self.val_loss),
                "val_accuracy": tuple(self.val_accuracy),
            }

    def progress(self) -> tuple[int, int]:
        """Batches done and batches planned in the current (or last) call to ``train``."""
        first = self.epoch if self._first_epoch is None else self._first_epoch
        total = max(self.epochs - first, 0) * self.batches_per_epoch
        done = (self.epoch - first) * self.batches_per_epoch + self.batch
        return min(done, total), total

    @property
    def call_epoch(self) -> tuple[int, int]:
        """``(n, of)``: the epoch in progress is the n-th of the ``of`` this call trains."""
        first = self.epoch if self._first_epoch is None else self._first_epoch
        return self.epoch - first + 1, max(self.epochs - first, 1)

    @property
    def epochs_done(self) -> float:
        """Epochs the model has trained so far, fractions included (where the curves end)."""
        first = self.epoch if self._first_epoch is None else self._first_epoch
        fraction = self.batch / self.batches_per_epoch if self.batches_per_epoch else 0.0
        return self.start_epochs + (self.epoch - first) + fraction

    @property
    def last_validation(self) -> tuple[float, float, float] | None:
        """``(epochs, loss, accuracy)`` of the latest validation, or None before the first."""
        with self._lock:
            if not self.val_loss:
                return None
            return self.epoch_positions[-1], self.val_loss[-1], self.val_accuracy[-1]

    def seconds_left(self) -> float | None:
        """Estimated seconds to the end of this call, or None while there is no honest guess.

        The first batch (which includes TensorFlow's graph tracing) is left out of
        the rate, and no guess is made before three more batches and half a
        second. Validations still to come are counted once one has been timed;
        before that, the estimate covers training only. 0 once a stop is requested.
        """
        if self._stop_requested:
            return 0.0
        done, total = self.progress()
        if total <= 0 or self._first_batch_at is None:
            return None
        timed = self._batches_done - 1
        elapsed = time.perf_counter() - self._first_batch_at - self._validation_seconds
        if self.validating:
            elapsed -= time.perf_counter() - self._validation_started
        if timed < 3 or elapsed < 0.5:
            return None
        left = elapsed / timed * (total - done)
        if self._last_validation_seconds is not None and self.validation_data is not None:
            first = self.epoch if self._first_epoch is None else self._first_epoch
            validations_left = self.epochs - first - len(self._validated_epochs)
            left += max(validations_left, 0) * self._last_validation_seconds
        return max(left, 0.0)

    # ------------------------------------------------------------------ Keras hooks

    def on_train_begin(self, logs=None):
        # A stop requested before this point (Train then Stop at once) is kept.
        self.stopped = False
        self.stopped_batch = None
        self.validating = False
        self.validation_skipped = False
        self.validation_cut = False
        self._keras_validation_cut = False
        self.started_at = time.perf_counter()
        self._first_batch_at = None
        self._batches_done = 0
        self._validation_seconds = 0.0
        self._validated_epochs = set()
        params = self.params or {}
        self.batches_per_epoch = int(params.get("steps") or 0)
        self.epochs = int(params.get("epochs") or 0)
        self.batch = 0
        self._first_epoch = None
        self.start_epochs = epochs_done(self.model)
        self._validation_batches = None
        if self.validation_data is not None:
            self._validation_batches = validation_batches(self.model, *self.validation_data)
        if self._stop_requested:
            raise TrainingStoppedError("stopped before the first batch; nothing trained.")

    def on_train_batch_begin(self, batch, logs=None):
        if self._stop_requested and self._batches_done == 0:
            raise TrainingStoppedError("stopped before the first batch; nothing trained.")

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch is None:
            self._first_epoch = epoch
        self.epoch = epoch
        self.batch = 0
        self._keras_validation_cut = False

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        now = time.perf_counter()
        self.batch = batch + 1
        self._batches_done += 1
        if self._first_batch_at is None:
            self._first_batch_at = now
        with self._lock:
            self.positions.append(self.epochs_done)
            self.loss.append(float(logs.get("loss", np.nan)))
            self.accuracy.append(float(logs.get("accuracy", np.nan)))
        if self._stop_requested:
            self._stop_here()
        if self.on_update is not None and now - self._last_update >= self.interval:
            self._last_update = now
            self.on_update(self)
        if self._stop_requested:  # Pressed while the update above ran: honour it now.
            self._stop_here()

    def on_test_batch_end(self, batch, logs=None):
        # Keras' own validation (validation_data given to fit): cut short on Stop.
        if self._stop_requested and not self.validating:
            self.model.stop_evaluating = True
            self._keras_validation_cut = True
            self.validation_cut = True

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        complete = self.batches_per_epoch > 0 and self.batch >= self.batches_per_epoch
        if "val_loss" in logs:
            if complete and not self._keras_validation_cut and not self._stop_requested:
                self._record_validation(epoch, logs["val_loss"], logs.get("val_accuracy"))
            else:
                self.validation_skipped = True
        elif self.validation_data is not None:
            if complete and not self._stop_requested:
                self._validate(epoch)
            else:
                self.validation_skipped = True
        if self._stop_requested:
            self.model.stop_training = True
            self.stopped = True
            if self.stopped_batch is None and not complete:
                self.stopped_batch = self.batch
        if self.on_update is not None:
            self._last_update = time.perf_counter()
            self.on_update(self)

    def on_train_end(self, logs=None):
        self.validating = False
        self._stop_requested = False  # This run honoured (or outlived) the request.

    # ------------------------------------------------------------------ internals

    def _stop_here(self) -> None:
        self.model.stop_training = True
        if not self.stopped:
            self.stopped = True
            self.stopped_batch = self.batch

    def _record_validation(self, epoch: int, loss, accuracy) -> None:
        with self._lock:
            self.epoch_positions.append(self.epochs_done)
            self.val_loss.append(float(loss))
            self.val_accuracy.append(float(np.nan if accuracy is None else accuracy))
        self._validated_epochs.add(epoch)
        self.validation_skipped = False

    def _validate(self, epoch: int) -> None:
        """Evaluate the validation data in one pass that a Stop ends after its batch."""
        batches = self._validation_batches
        if batches is None or len(batches) == 0:
            return
        self.validating = True
        self.validated_images, self.validation_images = 0, len(batches._images)
        self._validation_started = time.perf_counter()
        if self.on_update is not None:
            self._last_update = self._validation_started
            self.on_update(self)
        try:
            if self._stop_requested:
                self.validation_skipped = True
                return
            watcher = _ValidationWatcher(self)
            results = self.model.evaluate(
                batches.as_dataset(), verbose=0, return_dict=True, callbacks=[watcher]
            )
            if watcher.cut or self._stop_requested:
                self.validation_skipped = True  # Partial numbers are never reported.
                self.validation_cut = True
                return
            self._record_validation(epoch, results["loss"], results.get("accuracy"))
        finally:
            seconds = time.perf_counter() - self._validation_started
            self._validation_seconds += seconds
            if not self.validation_skipped:
                self._last_validation_seconds = seconds
            self.validating = False


class _ValidationWatcher(keras.callbacks.Callback):
    """Ends the monitor's validation pass after the batch in progress when Stop is pressed."""

    def __init__(self, monitor: TrainingMonitor) -> None:
        super().__init__()
        self.monitor = monitor
        self.cut = False

    def on_test_batch_end(self, batch, logs=None):
        monitor = self.monitor
        monitor.validated_images = min(
            (batch + 1) * EVALUATION_BATCH_SIZE, monitor.validation_images
        )
        if monitor.stop_requested:
            self.model.stop_evaluating = True
            self.cut = True
            return
        now = time.perf_counter()
        if monitor.on_update is not None and now - monitor._last_update >= monitor.interval:
            monitor._last_update = now
            monitor.on_update(monitor)
