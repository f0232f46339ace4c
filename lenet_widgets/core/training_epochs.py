"""Epoch accounting: how far a model has trained, a stopped epoch counting its fraction.

The count lives in the model's metadata (``epochs_trained``), so ``save_model``
persists it and a later ``train`` call continues the numbering and the curves.
"""

from __future__ import annotations

import keras
import numpy as np

from lenet_widgets.core.model import metadata

__all__ = ["epochs_after_fit", "epochs_done", "optimizer_steps", "tidy_epochs"]


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
