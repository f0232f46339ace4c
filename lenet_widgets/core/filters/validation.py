"""``FilterError`` and the checks of what a filter request names: model, images, filters.

Shared by the layer lookup, the engine and the dataset examples, so every entry
point refuses the same bad input with the same message.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from lenet_widgets.core.model import check_keras_model, input_range

__all__ = ["FilterError"]


class FilterError(ValueError):
    """A filter visualization request names a bad layer, filter or setting."""


def _check_model(model: Any) -> None:
    """Refuse anything but a built Sequential/functional Keras model with one image input."""
    check_keras_model(model, FilterError, symbolic=True)
    inputs = model.inputs
    if not model.built or not inputs:
        raise FilterError("model has no known input shape; build it (or call it once) first.")
    if len(model.inputs) != 1:
        raise FilterError(f"model has {len(model.inputs)} inputs; expected one image input.")
    shape = model.inputs[0].shape
    if len(shape) != 4:
        raise FilterError(f"model input has shape {tuple(shape)}; expected (None, H, W, C).")


def _check_images(model: keras.Model, images: Any, name: str) -> np.ndarray:
    """``images`` as float32 ``(N, H, W, C)`` of the model's input shape and range."""
    shape = tuple(int(size) for size in model.inputs[0].shape[1:])
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[1:] != shape or len(array) == 0:
        raise FilterError(
            f"{name} have shape {array.shape}; expected (N, {', '.join(map(str, shape))}) with "
            f"N > 0, the input shape of model {model.name!r}."
        )
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise FilterError(f"{name} have dtype {array.dtype}; expected real numbers.")
    array = array.astype(np.float32, copy=False)
    if not np.all(np.isfinite(array)):
        raise FilterError(f"{name} hold NaN or infinite values; expected finite pixels.")
    low, high = input_range(model)
    found_low, found_high = float(array.min()), float(array.max())
    tolerance = 1e-3 * (high - low)
    if found_low < low - tolerance or found_high > high + tolerance:
        raise FilterError(
            f"{name} pixels span [{found_low:g}, {found_high:g}]; expected the input range "
            f"[{low:g}, {high:g}] of model {model.name!r} (scale them as for training, "
            "e.g. prepare_images)."
        )
    return array


def _check_filters(filters: Any, available: int, layer: str) -> np.ndarray:
    """``filters`` as int64 indices in ``0..available - 1`` (all of them when ``None``)."""
    if filters is None:
        return np.arange(available)
    chosen = np.asarray(list(filters) if not np.isscalar(filters) else [filters])
    if chosen.size == 0:
        raise FilterError("filters is empty; expected at least one filter index.")
    if not np.issubdtype(chosen.dtype, np.integer) or chosen.min() < 0 or chosen.max() >= available:
        raise FilterError(
            f"filters {chosen.tolist()[:10]} are not all valid for layer {layer!r}; "
            f"expected integers in 0..{available - 1}."
        )
    return chosen.astype(np.int64)
