"""Regularizers: small callables that shape the images during gradient ascent.

The contract (what the compiled loop in ``compiled.py`` calls), as tf-keras-vis'
regularizers and input modifiers: a regularizer is a callable
``regularizer(images, context)`` with a class attribute ``stage`` saying when it runs.

- ``stage = "input"``: before the forward pass of each step; returns the images the
  model sees (e.g. ``Jitter`` shifts them). Gradients flow back through it; the
  activation recorded for the step is still that of the unmodified image.
- ``stage = "penalty"``: returns a ``(F,)`` tensor subtracted from each image's
  objective before the gradient is taken (e.g. ``TotalVariation``).
- ``stage = "update"``: after the step; returns the new images (e.g. ``Decay``,
  ``Blur``, ``ClipToRange``, applied in the order given).

``images`` is a float32 tensor ``(F, H, W, C)``, channels last; ``context`` is a
``StepContext`` (input range and step number, as tensors). Regularizers run inside
a ``tf.function``: TensorFlow operations only, and frozen (hashable) so that the
compiled loop can be cached per tuple of regularizers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from lenet_widgets.core.filters.validation import FilterError

__all__ = [
    "STAGES",
    "Blur",
    "ClipToRange",
    "Decay",
    "Jitter",
    "StepContext",
    "TotalVariation",
    "check_regularizers",
]

STAGES = ("input", "penalty", "update")
"""When a regularizer runs: on the images the model sees, as a penalty, or after the step."""


@dataclass(frozen=True)
class StepContext:
    """What a regularizer may need: input range and step number (tensors)."""

    low: Any
    high: Any
    step: Any


@dataclass(frozen=True)
class Jitter:
    """Shift all images by a random offset of up to ``pixels`` before each step.

    The shift is the same for every image of the batch (so the batch equals the
    per-filter loop) and changes every step; gradients flow back through it.
    """

    pixels: int = 1
    stage = "input"

    def __call__(self, images, context: StepContext):
        if self.pixels <= 0:
            return images
        seed = tf.stack([tf.cast(context.step, tf.int32), tf.constant(7, tf.int32)])
        shift = tf.random.stateless_uniform(
            [2], seed, minval=-self.pixels, maxval=self.pixels + 1, dtype=tf.int32
        )
        return tf.roll(images, shift=shift, axis=[1, 2])


@dataclass(frozen=True)
class Decay:
    """After each step pull every pixel towards mid-range by ``rate`` (L2 decay)."""

    rate: float = 0.01
    stage = "update"

    def __call__(self, images, context: StepContext):
        middle = (context.low + context.high) / 2.0
        return middle + (images - middle) * (1.0 - self.rate)


@dataclass(frozen=True)
class Blur:
    """Every ``every`` steps, mix each pixel with its 3x3 neighbours (weight ``strength``)."""

    strength: float = 0.5
    every: int = 4
    stage = "update"

    def __call__(self, images, context: StepContext):
        channels = images.shape[-1]
        kernel = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16.0
        kernel = np.tile(kernel[:, :, None, None], (1, 1, channels, 1)).astype(np.float32)
        padded = tf.pad(images, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
        blurred = tf.nn.depthwise_conv2d(padded, kernel, [1, 1, 1, 1], "VALID")
        mixed = images + self.strength * (blurred - images)
        due = tf.equal(tf.math.floormod(context.step + 1, max(int(self.every), 1)), 0)
        return tf.where(due, mixed, images)


@dataclass(frozen=True)
class TotalVariation:
    """Penalty ``weight`` x mean absolute difference of neighbouring pixels (per image)."""

    weight: float = 0.5
    stage = "penalty"

    def __call__(self, images, context: StepContext):
        scale = context.high - context.low
        down = tf.reduce_mean(tf.abs(images[:, 1:] - images[:, :-1]), axis=[1, 2, 3])
        across = tf.reduce_mean(tf.abs(images[:, :, 1:] - images[:, :, :-1]), axis=[1, 2, 3])
        return self.weight * (down + across) / scale


@dataclass(frozen=True)
class ClipToRange:
    """After each step clip pixels into the model's input range (a projection).

    With ``project=True`` the step also ignores the gradient of pixels that sit at a
    bound and are pushed outwards (they cannot move), so the step, of RMS
    ``step_size``, goes to the pixels that can: projected gradient ascent.
    """

    project: bool = True
    stage = "update"

    def __call__(self, images, context: StepContext):
        return tf.clip_by_value(images, context.low, context.high)


def check_regularizers(regularizers: Iterable[Any]) -> None:
    """Raise ``FilterError`` for any regularizer without a known ``stage`` (see ``STAGES``)."""
    for regularizer in regularizers:
        if getattr(regularizer, "stage", None) not in STAGES:
            raise FilterError(
                f"regularizer {regularizer!r} has no stage; expected Jitter, Decay, Blur, "
                "TotalVariation, ClipToRange or a callable whose stage is 'input', "
                "'penalty' or 'update'."
            )
