"""What data may enter a model: labels that are class ids, and images by one rule.

Images enter the models through one rule (``prepare_images``), the same for
training, evaluation, feature maps and dataset examples:

* integer images (uint8, uint16, int...) are pixels 0..255 and are converted to
  the model's input range (``(0, 1)`` for ``build_lenet``; ``(0, 255)`` for a
  model that rescales its own input, see ``core.model.input_range``); values
  outside 0..255 are refused;
* float images (float16/32/64) already inside the model's input range are used
  as they are; floats that are clearly 0..255 pixels (all in 0..255 and far above
  the range, e.g. 0..255 floats for a 0..1 model) are converted like uint8;
  anything else (NaN, infinity, negative values, floats between the two, 0..1
  floats for a model expecting 0..255) is refused with what was found;
* bool images and other dtypes are refused.

Every refusal is a ``DataError`` that says what was found and what is expected.
``core.data`` (MNIST loading) re-exports these names.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "INPUT_RANGE",
    "DataError",
    "check_label_values",
    "convert_images",
    "images_are_pixels",
    "pixel_scaling",
    "prepare_images",
    "with_channel_axis",
]

INPUT_RANGE = (0.0, 1.0)
"""Pixel range the models of this package are trained on (see ``prepare_images``)."""


class DataError(ValueError):
    """An MNIST file is missing, unreadable or holds the wrong arrays, or images are unusable."""


def check_label_values(labels: np.ndarray, num_classes: int, name: str = "labels") -> None:
    """Raise ``DataError`` unless ``labels`` are whole numbers in ``0..num_classes-1``.

    The message names the offending values (up to three) and how many there are.
    """
    labels = np.asarray(labels)
    expected = f"expected integers 0..{num_classes - 1}"
    if num_classes == 10:
        expected = "expected digits 0..9"
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.number):
        raise DataError(f"{name} have dtype {labels.dtype}; {expected} (integer class ids).")
    if np.issubdtype(labels.dtype, np.complexfloating):
        raise DataError(f"{name} are complex numbers; {expected}.")
    if labels.size == 0:
        return
    if not np.issubdtype(labels.dtype, np.integer):
        whole = np.isfinite(labels) & (labels == np.round(labels))
        if not np.all(whole):
            raise DataError(
                f"{name} hold {_some_values(labels[~whole])}, which are not class ids; {expected}."
            )
    low, high = labels.min(), labels.max()
    if low < 0 or high >= num_classes:
        outside = labels[(labels < 0) | (labels >= num_classes)]
        raise DataError(
            f"{name} holds labels {_number(low)}..{_number(high)}; {expected} "
            f"(outside: {_some_values(outside)})."
        )


def _number(value) -> str:
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _some_values(values: np.ndarray, shown: int = 3) -> str:
    """``"0.5, 1.5 and 2.5 (60,000 values)"``: the first distinct values and the count."""
    distinct = []
    for value in values.ravel():
        text = _number(value)
        if text not in distinct:
            distinct.append(text)
        if len(distinct) > shown:
            break
    listed = ", ".join(distinct[:shown])
    more = ", ..." if len(distinct) > shown else ""
    return f"{listed}{more} ({values.size:,} value{'s' if values.size != 1 else ''})"


def with_channel_axis(images: np.ndarray, name: str = "images") -> np.ndarray:
    """``(N, H, W)`` images as ``(N, H, W, 1)`` (a view, no copy); ``(N, H, W, C)`` as they are.

    Raises:
        DataError: the array has another number of dimensions.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        return images[..., np.newaxis]
    if images.ndim != 4:
        raise DataError(
            f"{name} have shape {images.shape}; expected (N, height, width) or "
            "(N, height, width, channels)."
        )
    return images


def _range_text(input_range: tuple[float, float]) -> str:
    low, high = input_range
    return f"{_number(float(low))}..{_number(float(high))}"


def images_are_pixels(
    images: np.ndarray, input_range: tuple[float, float] = INPUT_RANGE, *, name: str = "images"
) -> bool:
    """Apply the module's one rule: True for pixels 0..255, False for values already in range.

    Args:
        images: any array of images (one pass over it for its minimum and maximum).
        input_range: ``(low, high)`` the model expects (``core.model.input_range(model)``).
        name: what to call the images in a message.

    Returns:
        True when the images are pixels 0..255 to convert (integers, or floats that
        are clearly 0..255), False when they are floats already in ``input_range``.

    Raises:
        DataError: bool or non-numeric images, integers outside 0..255, NaN or
            infinite floats, or floats that are neither in the range nor clearly
            0..255 pixels. The message says what was found and what is expected.
    """
    images = np.asarray(images)
    low, high = float(input_range[0]), float(input_range[1])
    span = high - low
    expected = (
        f"expected uint8 pixels 0..255, or floats already in the model's input range "
        f"{_range_text((low, high))}"
    )
    if images.dtype == bool:
        raise DataError(
            f"{name} are bool; {expected} (for a black-and-white mask, pass "
            "mask.astype(np.uint8) * 255)."
        )
    if not np.issubdtype(images.dtype, np.integer) and not np.issubdtype(images.dtype, np.floating):
        raise DataError(f"{name} have dtype {images.dtype}; {expected}.")
    if images.dtype == np.uint8 or images.size == 0:
        return bool(np.issubdtype(images.dtype, np.integer))
    smallest, largest = images.min(), images.max()
    if np.issubdtype(images.dtype, np.integer):
        if smallest < 0 or largest > 255:
            raise DataError(
                f"{name} are {images.dtype} integers ranging over {int(smallest)}..{int(largest)}; "
                f"{expected} (integer images are read as pixels 0..255: rescale them to 0..255 "
                "first)."
            )
        return True
    smallest, largest = float(smallest), float(largest)
    found = f"{name} are {images.dtype} floats ranging over {smallest:.4g}..{largest:.4g}"
    if not (np.isfinite(smallest) and np.isfinite(largest)):
        raise DataError(f"{name} hold NaN or infinite values; {expected}.")
    tolerance = 1e-3 * span
    if low - tolerance <= smallest and largest <= high + tolerance:
        if span > 2.0 and smallest >= 0.0 and 0.0 < largest <= 1.0:
            raise DataError(
                f"{found}, which looks like pixels already divided by 255, but the model "
                f"expects {_range_text((low, high))} (it scales its own input); pass the "
                "uint8 pixels (or the floats times 255)."
            )
        return False
    if smallest >= 0.0 and largest <= 255.0 and largest > high + span:
        return True  # Clearly 0..255 pixels stored as floats.
    raise DataError(
        f"{found}; {expected}, or floats that are clearly pixels 0..255 "
        "(convert them to the range yourself)."
    )


def convert_images(
    images: np.ndarray, input_range: tuple[float, float] = INPUT_RANGE, *, pixels: bool
) -> np.ndarray:
    """float32 images in ``input_range``: pixels 0..255 are mapped to it, other images cast.

    No checks: use ``images_are_pixels`` (once, on the whole array) to decide ``pixels``.
    """
    converted = np.asarray(images, dtype=np.float32)
    scaling = pixel_scaling(input_range, pixels=pixels)
    if scaling is None:
        return converted
    converted = converted / np.float32(255.0)
    if scaling != (1.0, 0.0):
        scale, low = scaling
        converted = converted * np.float32(scale) + np.float32(low)
    return converted


def pixel_scaling(
    input_range: tuple[float, float] = INPUT_RANGE, *, pixels: bool
) -> tuple[float, float] | None:
    """How ``convert_images`` maps values into ``input_range``: the rule, written once.

    Returns:
        ``None`` when values are only cast to float32 (not pixels, or a model taking
        0..255); otherwise ``(scale, low)``: ``value / 255 * scale + low``, where
        ``(1.0, 0.0)`` (the [0, 1] range) means the division alone. The training
        pipeline (``core.training_inputs``) applies the same steps in TensorFlow.
    """
    low, high = float(input_range[0]), float(input_range[1])
    if not pixels or (low, high) == (0.0, 255.0):
        return None
    return high - low, low


def prepare_images(
    images: np.ndarray, input_range: tuple[float, float] = INPUT_RANGE, *, name: str = "images"
) -> np.ndarray:
    """Images as the model takes them: float32 ``(N, H, W, C)`` in ``input_range``.

    Applies the module's one rule (see ``images_are_pixels``): uint8 and other
    integer pixels 0..255 (and floats clearly 0..255) are mapped to
    ``input_range``; floats already in it are kept; anything else is refused.
    For a given model, call ``core.model.prepare_for_model(model, images)``,
    which passes the model's own input range.

    Args:
        images: ``(N, H, W)`` or ``(N, H, W, C)``.
        input_range: ``(low, high)`` the model expects; default ``INPUT_RANGE``.
        name: what to call the images in a message.

    Raises:
        DataError: a wrong shape, dtype or value range (see ``images_are_pixels``).
    """
    images = with_channel_axis(images, name)
    pixels = images_are_pixels(images, input_range, name=name)
    return convert_images(images, input_range, pixels=pixels)
