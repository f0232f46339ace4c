"""Training that continues where the model left off.

``train`` wraps ``model.fit``: it feeds the images batch by batch in the range the
model expects (``core.model.input_range``; uint8 data stays uint8 in memory, only
the batch in flight is float32), seeds Keras when asked, numbers epochs after
those already trained (``initial_epoch``) and records the new total in the
model's metadata, so ``save_model`` can persist it.

A bit-identical run from scratch: ``model = build_lenet(seed=1)`` then
``train(model, x, y, seed=2)``; the same seeds give the same weights.

Re-exported here: ``TrainingMonitor`` (``core.training_monitor``), the input checks
and ``ImageBatches`` (``core.training_inputs``), the epoch accounting
(``core.training_epochs``).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from lenet_widgets.core.data import convert_images, images_are_pixels, with_channel_axis
from lenet_widgets.core.model import (
    check_finite_weights,
    check_seed,
    epochs_trained,
    input_range,
    set_metadata,
)
from lenet_widgets.core.runtime import release_free_memory
from lenet_widgets.core.training_epochs import (
    epochs_after_fit,
    epochs_done,
    optimizer_steps,
    tidy_epochs,
)
from lenet_widgets.core.training_inputs import (
    EVALUATION_BATCH_SIZE,
    SMALL_EVALUATION,
    ImageBatches,
    check_images,
    check_labels,
    model_io,
    validation_batches,
)
from lenet_widgets.core.training_monitor import TrainingMonitor, TrainingStoppedError

__all__ = [
    "EVALUATION_BATCH_SIZE",
    "SMALL_EVALUATION",
    "ImageBatches",
    "TrainingMonitor",
    "TrainingStoppedError",
    "check_images",
    "check_labels",
    "epochs_after_fit",
    "epochs_done",
    "evaluate",
    "model_io",
    "optimizer_steps",
    "tidy_epochs",
    "train",
    "validation_batches",
]


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
        validation = validation_batches(model, x_val, y_val)
    check_finite_weights(model)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    batches.reshuffle(seed)
    start = epochs_trained(model)
    steps_before = optimizer_steps(model)
    try:
        history = model.fit(
            batches.as_dataset(),
            epochs=start + int(epochs),
            initial_epoch=start,
            validation_data=None if validation is None else validation.as_dataset(),
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
        batches = ImageBatches(images, labels, EVALUATION_BATCH_SIZE, value_range)
        inputs = {"x": batches.as_dataset()}
    results = model.evaluate(**inputs, verbose=0, return_dict=True)
    return {name: float(value) for name, value in results.items()}
