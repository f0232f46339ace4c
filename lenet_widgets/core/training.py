"""Training that continues where the model left off.

``train`` wraps ``model.fit``: it prepares uint8 pixels, seeds Keras when asked,
numbers epochs after those already trained (``initial_epoch``) and records the
new total in the model's metadata, so ``save_model`` can persist it.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from lenet_widgets.core.data import prepare_images
from lenet_widgets.core.model import epochs_trained, set_metadata

__all__ = ["check_labels", "train"]


def check_labels(labels: np.ndarray, num_classes: int, name: str = "labels") -> np.ndarray:
    """Return labels as an int array, raising if any is outside ``0..num_classes-1``."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"{name} have shape {labels.shape}; expected a 1-D array of class ids.")
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
    num_classes = int(model.outputs[0].shape[-1])
    x = prepare_images(x_train)
    y = check_labels(y_train, num_classes, "y_train")
    if len(x) != len(y):
        raise ValueError(f"x_train has {len(x)} images but y_train has {len(y)} labels.")
    validation = None
    if validation_data is not None:
        x_val, y_val = validation_data
        validation = (prepare_images(x_val), check_labels(y_val, num_classes, "validation labels"))
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
