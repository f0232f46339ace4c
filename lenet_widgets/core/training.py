"""Training that continues where the model left off.

``train`` wraps ``model.fit``: it feeds the images batch by batch in the range the
model expects (``core.model.input_range``; uint8 data stays uint8 in memory, only
the batch in flight is float32), seeds Keras when asked, numbers epochs after
those already trained (``initial_epoch``) and records the new total in the
model's metadata, so ``save_model`` can persist it.

A bit-identical run from scratch: ``model = build_lenet(seed=1)`` then
``train(model, x, y, seed=2)``; the same seeds give the same weights.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import keras
import numpy as np

from lenet_widgets.core.data import convert_images, images_are_pixels, with_channel_axis
from lenet_widgets.core.model import (
    check_finite_weights,
    check_seed,
    epochs_trained,
    input_range,
    metadata,
    set_metadata,
)
from lenet_widgets.core.runtime import release_free_memory

__all__ = [
    "EVALUATION_BATCH_SIZE",
    "ImageBatches",
    "TrainingMonitor",
    "check_images",
    "check_labels",
    "epochs_after_fit",
    "epochs_done",
    "evaluate",
    "model_io",
    "optimizer_steps",
    "tidy_epochs",
    "train",
]


def model_io(model: keras.Model) -> tuple[tuple[int, ...], int]:
    """The ``(height, width, channels)`` a model takes and the number of classes it outputs.

    Raises:
        ValueError: a subclassed model (no symbolic inputs: call it once, or use a
            Sequential or functional model) or one that is not an image classifier.
    """
    try:
        inputs, outputs = model.inputs, model.outputs
    except (AttributeError, ValueError):  # Subclassed models have no symbolic graph.
        inputs = outputs = None
    if not inputs or not outputs:
        raise ValueError(
            f"model {model.name!r} ({type(model).__name__}) has no known inputs and outputs "
            "(a subclassed model); expected a Sequential or functional model such as "
            "build_lenet()."
        )
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(
            f"model {model.name!r} has {len(inputs)} inputs and {len(outputs)} outputs; "
            "expected one image input and one class output."
        )
    shape, output = tuple(inputs[0].shape[1:]), tuple(outputs[0].shape[1:])
    if len(shape) != 3 or len(output) != 1:
        raise ValueError(
            f"model {model.name!r} maps {shape} to {output}; expected (height, width, channels) "
            "images to (classes,)."
        )
    return tuple(int(size) for size in shape), int(output[0])


def check_images(images: np.ndarray, shape: tuple[int, ...], name: str = "images") -> None:
    """Raise ``ValueError`` unless prepared ``images`` are ``(N, *shape)`` (the model's input)."""
    if tuple(images.shape[1:]) != tuple(shape):
        raise ValueError(
            f"{name} are {tuple(images.shape[1:])} each (height, width, channels); the model "
            f"expects {tuple(shape)}: resize them or build the model for this shape "
            "(RGB images need channels 3, grey ones 1)."
        )


def check_labels(labels: np.ndarray, num_classes: int, name: str = "labels") -> np.ndarray:
    """Return labels as an int array, raising if any is outside ``0..num_classes-1``."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"{name} have shape {labels.shape}; expected a 1-D array of class ids.")
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.number):
        raise ValueError(f"{name} have dtype {labels.dtype}; expected integer class ids.")
    if not np.issubdtype(labels.dtype, np.integer):
        whole = np.isfinite(labels) & (labels == np.round(labels))
        if not np.all(whole):
            bad = labels[~whole][0]
            raise ValueError(
                f"{name} hold {bad!r}, which is not a class id; expected integers "
                f"0..{num_classes - 1}."
            )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{name} range over {labels.min()}..{labels.max()}; expected 0..{num_classes - 1}."
        )
    return labels.astype(np.int64)


def train(
    model: keras.Model,
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    epochs: int = 1,
    batch_size: int = 128,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    seed: int | None = None,
    verbose: int | str = "auto",
) -> keras.callbacks.History:
    """Train a compiled model for more epochs, continuing from its current state.

    Args:
        model: a compiled Keras model (e.g. from ``build_lenet`` or ``load_model``).
        x_train: images ``(N, H, W)`` or ``(N, H, W, C)``: uint8 pixels, or any dtype
            ``core.data.prepare_images`` accepts (floats already in the model's
            ``input_range``, floats clearly 0..255). Converted batch by batch:
            no float copy of the whole set is made.
        y_train: integer class labels ``(N,)``.
        epochs: epochs to add to those already trained.
        batch_size: samples per gradient step.
        validation_data: optional ``(x, y)`` evaluated at each epoch end.
        callbacks: extra Keras callbacks (progress, curves, Stop buttons).
        seed: seeds Python, NumPy, the backend and the shuffling for a repeatable run;
            with ``build_lenet(seed=...)`` the whole run is bit-identical.
        verbose: passed to ``model.fit``.

    Returns:
        The Keras ``History`` of this call. Its epochs are numbered after those
        trained before: a second one-epoch call gives ``history.epoch == [1]``.
    """
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise ValueError(
            "model is not compiled; build it with build_lenet() or call compile_lenet()."
        )
    if int(epochs) < 1:
        raise ValueError(f"epochs is {epochs!r}; expected at least 1.")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size is {batch_size!r}; expected at least 1.")
    seed = check_seed(seed)
    shape, num_classes = model_io(model)
    value_range = input_range(model)
    x = with_channel_axis(x_train, "x_train")
    check_images(x, shape, "x_train")
    y = check_labels(y_train, num_classes, "y_train")
    if len(x) != len(y):
        raise ValueError(f"x_train has {len(x)} images but y_train has {len(y)} labels.")
    if len(x) == 0:
        raise ValueError("x_train is empty; expected at least one image.")
    batches = ImageBatches(x, y, int(batch_size), value_range, name="x_train", shuffle=True)
    validation = None
    if validation_data is not None:
        x_val, y_val = validation_data
        x_val = with_channel_axis(x_val, "validation images")
        check_images(x_val, shape, "validation images")
        y_val = check_labels(y_val, num_classes, "validation labels")
        if len(x_val) != len(y_val):
            raise ValueError(
                f"validation images are {len(x_val)} but validation labels are {len(y_val)}."
            )
        validation = ImageBatches(
            x_val, y_val, EVALUATION_BATCH_SIZE, value_range, name="validation images"
        )
    check_finite_weights(model)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    batches.reshuffle(seed)
    start = epochs_trained(model)
    steps_before = optimizer_steps(model)
    try:
        history = model.fit(
            batches,
            epochs=start + int(epochs),
            initial_epoch=start,
            validation_data=validation,
            callbacks=list(callbacks),
            verbose=verbose,
            shuffle=False,  # ImageBatches shuffles the images themselves at every epoch.
        )
    finally:
        # The run's temporary buffers are freed now; hand their pages back to the system
        # (a kernel otherwise stays at its training peak; see docs/classroom.md).
        release_free_memory()
    # A stopped epoch counts its fraction (1.2 epochs), not as a whole one.
    set_metadata(model, epochs_trained=epochs_after_fit(model, history, steps_before))
    return history


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Loss and accuracy of a compiled model on images and labels.

    Images follow the same rule as in ``train`` (uint8 pixels converted to the
    model's ``input_range``, batch by batch).
    """
    shape, num_classes = model_io(model)
    images = with_channel_axis(images)
    check_images(images, shape)
    labels = check_labels(labels, num_classes)
    if len(images) != len(labels):
        raise ValueError(f"images are {len(images)} but labels are {len(labels)}.")
    if len(images) == 0:
        raise ValueError("images are empty; expected at least one image to evaluate.")
    value_range = input_range(model)
    if len(images) <= SMALL_EVALUATION:  # One small float copy is cheaper than a pipeline.
        pixels = images_are_pixels(images, value_range)
        inputs = {"x": convert_images(images, value_range, pixels=pixels), "y": labels}
        inputs["batch_size"] = EVALUATION_BATCH_SIZE
    else:
        inputs = {"x": ImageBatches(images, labels, EVALUATION_BATCH_SIZE, value_range)}
    results = model.evaluate(**inputs, verbose=0, return_dict=True)
    return {name: float(value) for name, value in results.items()}


EVALUATION_BATCH_SIZE = 128
"""Images per batch when evaluating and validating.

Measured on LeNet and the 10,000 MNIST test images: batches of 512 raise the
process's peak memory by 37 MB (activations of 512 images), batches of 128 by
2 MB, at no measurable cost in time on CPU.
"""

SMALL_EVALUATION = 4096
"""Up to this many images, ``evaluate`` converts them at once instead of batch by batch."""


class ImageBatches(keras.utils.PyDataset):
    """Batches of images converted to a model's input range as they are drawn.

    The images stay as given (uint8: 47 MB for MNIST's 60,000 training images);
    each batch is converted to float32 when Keras asks for it, so no float32
    copy of the whole set (188 MB) is ever made. The values are checked once, at
    construction, with ``core.data.images_are_pixels``.

    Args:
        images: ``(N, H, W, C)`` images (see ``core.data.with_channel_axis``).
        labels: ``(N,)`` class ids (already checked).
        batch_size: images per batch; the last batch may be smaller.
        value_range: ``(low, high)`` the model expects (``input_range(model)``).
        name: what to call the images in a message.
        shuffle: draw the images in a new random order at every epoch.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        batch_size: int,
        value_range: tuple[float, float],
        *,
        name: str = "images",
        shuffle: bool = False,
    ) -> None:
        super().__init__(workers=1, use_multiprocessing=False)
        self._images = images
        self._labels = labels
        self._batch_size = int(batch_size)
        self._range = value_range
        self._pixels = images_are_pixels(images, value_range, name=name)
        self._shuffle = shuffle
        self._rng = np.random.default_rng()
        self._order = np.arange(len(images))
        self.reshuffle()

    def reshuffle(self, seed: int | None = None) -> None:
        """Draw a new order (from ``seed`` when given, making every later epoch repeatable)."""
        if seed is not None:
            self._rng = np.random.default_rng(int(seed))
        if self._shuffle:
            self._order = self._rng.permutation(len(self._images))

    def __len__(self) -> int:
        return -(-len(self._images) // self._batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = slice(index * self._batch_size, (index + 1) * self._batch_size)
        if self._shuffle:
            rows = self._order[rows]
        images = convert_images(self._images[rows], self._range, pixels=self._pixels)
        return images, self._labels[rows]

    def on_epoch_end(self) -> None:
        self.reshuffle()


def optimizer_steps(model: keras.Model) -> int | None:
    """The optimizer's step counter (one per batch trained), or None without an optimizer."""
    optimizer = getattr(model, "optimizer", None)
    try:
        return int(optimizer.iterations.numpy())
    except (AttributeError, TypeError, ValueError):
        return None


def epochs_done(model: keras.Model) -> float:
    """Epochs a model has been trained through ``train``, a stopped epoch counting its fraction.

    ``2.2`` means two whole epochs and a fifth of a third one (stopped after 16 of
    79 batches). ``epochs_trained`` (``core.model``) is this rounded down: the
    number Keras continues its epoch numbering from.
    """
    value = metadata(model).get("epochs_trained", 0)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0.0
    return value if np.isfinite(value) and value > 0 else 0.0


def tidy_epochs(value: float) -> float | int:
    """An epoch count to store: an int when (within rounding) whole, else 4 decimals."""
    value = round(float(value), 4)
    nearest = round(value)
    return int(nearest) if abs(value - nearest) < 1e-3 else value


def epochs_after_fit(model: keras.Model, history, steps_before: int | None) -> float | int:
    """Epochs trained after a ``fit`` call: those before plus the batches it ran, as epochs.

    Keras counts an epoch that a callback stopped after 2 of 79 batches as a whole
    one (``history.epoch``); the optimizer's step counter says how far it got.

    Args:
        model: the model, right after ``fit``.
        history: the ``History`` that ``fit`` returned.
        steps_before: ``optimizer_steps(model)`` right before ``fit``.
    """
    ran = float(len(history.epoch))
    per_epoch = int((getattr(history, "params", None) or {}).get("steps") or 0)
    steps_after = optimizer_steps(model)
    if per_epoch > 0 and steps_before is not None and steps_after is not None:
        ran = min(ran, (steps_after - steps_before) / per_epoch)
    return tidy_epochs(epochs_done(model) + max(ran, 0.0))


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
            self._validation_batches = self._batches_for(self.model, *self.validation_data)
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

    @staticmethod
    def _batches_for(model: keras.Model, images, labels) -> ImageBatches:
        shape, num_classes = model_io(model)
        images = with_channel_axis(images, "validation images")
        check_images(images, shape, "validation images")
        labels = check_labels(labels, num_classes, "validation labels")
        if len(images) != len(labels):
            raise ValueError(
                f"validation images are {len(images)} but validation labels are {len(labels)}."
            )
        return ImageBatches(
            images, labels, EVALUATION_BATCH_SIZE, input_range(model), name="validation images"
        )

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
            results = self.model.evaluate(batches, verbose=0, return_dict=True, callbacks=[watcher])
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


class TrainingStoppedError(Exception):
    """A Stop requested before the first batch: ``train`` ends without training anything."""


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
