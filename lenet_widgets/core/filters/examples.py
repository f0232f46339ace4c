"""Dataset examples: the images of a data set that activate each filter most."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from lenet_widgets.core.checks import check_integer
from lenet_widgets.core.filters.compiled import _scores_function
from lenet_widgets.core.filters.layers import filter_count
from lenet_widgets.core.filters.validation import (
    FilterError,
    _check_filters,
    _check_images,
    _check_model,
)

__all__ = ["TopExamples", "top_activating_examples"]


@dataclass(frozen=True)
class TopExamples:
    """For each filter, the images (indices into the data given) that activate it most.

    Attributes:
        layer: layer name.
        filters: ``(F,)`` filter indices.
        indices: ``(F, count)`` image indices, strongest first.
        activations: ``(F, count)`` their mean activations.
    """

    layer: str
    filters: np.ndarray
    indices: np.ndarray
    activations: np.ndarray


def top_activating_examples(
    model: keras.Model,
    layer: str,
    images: np.ndarray,
    filters: Sequence[int] | None = None,
    count: int = 6,
    batch_size: int = 1000,
) -> TopExamples:
    """The ``count`` images that activate each filter most (mean activation, batched).

    Args:
        images: prepared float images ``(N, H, W, C)`` of the model's input shape, inside
            its input range (see ``prepare_images``); anything else raises ``FilterError``.
    """
    _check_model(model)
    images = _check_images(model, images, "images")
    check_integer("count", count, 1, error=FilterError)
    available = filter_count(model, layer)
    chosen = _check_filters(filters, available, layer)
    truncated_forward = _scores_function(model, layer)
    scores = []
    for start in range(0, len(images), int(batch_size)):
        batch = tf.constant(images[start : start + int(batch_size)])
        scores.append(truncated_forward(batch).numpy()[:, chosen])
    table = np.concatenate(scores).T  # (F, N)
    count = min(int(count), table.shape[1])
    top = np.argpartition(-table, count - 1, axis=1)[:, :count]
    order = np.argsort(-np.take_along_axis(table, top, 1), axis=1)
    indices = np.take_along_axis(top, order, 1)
    return TopExamples(layer, chosen, indices, np.take_along_axis(table, indices, 1))
