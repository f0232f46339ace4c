"""Training that continues where the model left off.

``train`` wraps ``model.fit``: it prepares uint8 pixels, seeds Keras when asked,
numbers epochs after those already trained (``initial_epoch``) and records the
new total in the model's metadata, so ``save_model`` can persist it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import keras
import numpy as np

from lenet_widgets.core.data import prepare_images
from lenet_widgets.core.model import check_finite_weights, epochs_trained, set_metadata

__all__ = ["TrainingMonitor", "check_images", "check_labels", "evaluate", "model_io", "train"]


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
        x_train: images, uint8 ``(N, H, W)`` or already prepared floats.
        y_train: integer class labels ``(N,)``.
        epochs: epochs to add to those already trained.
        batch_size: samples per gradient step.
        validation_data: optional ``(x, y)`` evaluated at each epoch end.
        callbacks: extra Keras callbacks (progress, curves, Stop buttons).
        seed: seeds Python, NumPy and the backend for a repeatable run.
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
    shape, num_classes = model_io(model)
    x = prepare_images(x_train)
    check_images(x, shape, "x_train")
    y = check_labels(y_train, num_classes, "y_train")
    if len(x) != len(y):
        raise ValueError(f"x_train has {len(x)} images but y_train has {len(y)} labels.")
    if len(x) == 0:
        raise ValueError("x_train is empty; expected at least one image.")
    validation = None
    if validation_data is not None:
        x_val, y_val = validation_data
        validation = (prepare_images(x_val), check_labels(y_val, num_classes, "validation labels"))
        check_images(validation[0], shape, "validation images")
    check_finite_weights(model)
    if seed is not None:
        keras.utils.set_random_seed(int(seed))
    start = epochs_trained(model)
    history = model.fit(
        x,
        y,
        epochs=start + int(epochs),
        initial_epoch=start,
        batch_size=int(batch_size),
        validation_data=validation,
        callbacks=list(callbacks),
        verbose=verbose,
        shuffle=True,
    )
    set_metadata(model, epochs_trained=start + len(history.epoch))
    return history


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Loss and accuracy of a compiled model on images (uint8 or prepared) and labels."""
    shape, num_classes = model_io(model)
    images = prepare_images(images)
    check_images(images, shape)
    results = model.evaluate(
        images,
        check_labels(labels, num_classes),
        batch_size=512,
        verbose=0,
        return_dict=True,
    )
    return {name: float(value) for name, value in results.items()}


class TrainingMonitor(keras.callbacks.Callback):
    """Records training as it happens, throttles updates, and stops on request.

    The widgets' training panel attaches one to ``train``; it holds no widget
    code. ``on_update`` is called at most ``updates_per_second`` times a second
    and at every epoch end, always from the training thread.

    Attributes:
        positions, loss, accuracy: per-batch running values; ``positions`` is
            the fractional epoch (1.5 = half way through the second epoch), so
            curves continue across calls to ``train``.
        epoch_positions, val_loss, val_accuracy: one entry per completed epoch.
        batch, batches_per_epoch, epoch, epochs: progress of the current call.
        stopped: True once a requested stop took effect.
    """

    def __init__(self, on_update=None, updates_per_second: float = 4.0) -> None:
        super().__init__()
        self.on_update = on_update
        self.interval = 1.0 / updates_per_second if updates_per_second > 0 else 0.0
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
        self.started_at = 0.0
        self.stopped = False
        self._stop_requested = False
        self._last_update = 0.0
        self._first_epoch: int | None = None
        self._lock = threading.Lock()

    def request_stop(self) -> None:
        """Ask training to stop after the batch in progress (safe from any thread)."""
        self._stop_requested = True

    @property
    def stop_requested(self) -> bool:
        """True after ``request_stop`` until the next call to ``train`` begins."""
        return self._stop_requested

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

    def seconds_left(self) -> float | None:
        """Estimated seconds to the end of this call, from the batches done so far."""
        done, total = self.progress()
        if done <= 0 or total <= 0:
            return None
        elapsed = time.perf_counter() - self.started_at
        return elapsed / done * (total - done)

    def on_train_begin(self, logs=None):
        self._stop_requested = False
        self.stopped = False
        self.started_at = time.perf_counter()
        params = self.params or {}
        self.batches_per_epoch = int(params.get("steps") or 0)
        self.epochs = int(params.get("epochs") or 0)
        self._first_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch is None:
            self._first_epoch = epoch
        self.epoch = epoch
        self.batch = 0

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.batch = batch + 1
        with self._lock:
            self.positions.append(self.epoch + self.batch / max(self.batches_per_epoch, 1))
            self.loss.append(float(logs.get("loss", np.nan)))
            self.accuracy.append(float(logs.get("accuracy", np.nan)))
        if self._stop_requested:
            self.model.stop_training = True
            self.stopped = True
        now = time.perf_counter()
        if self.on_update is not None and now - self._last_update >= self.interval:
            self._last_update = now
            self.on_update(self)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if "val_loss" in logs:
            # A stopped epoch ends early: plot its validation where training stopped.
            with self._lock:
                position = self.positions[-1] if self.positions else float(epoch + 1)
                self.epoch_positions.append(position)
                self.val_loss.append(float(logs["val_loss"]))
                self.val_accuracy.append(float(logs.get("val_accuracy", np.nan)))
        if self.on_update is not None:
            self._last_update = time.perf_counter()
            self.on_update(self)
