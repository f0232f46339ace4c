"""One layer up close: its config, parameter count, weight statistics and conv kernels.

What Netron shows when a layer is clicked, as plain data (``LayerInspection``,
``WeightStats``). Layers are found by ``core.layer_lookup.find_layer``.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from lenet_widgets.core.graph import SUBCLASSED, LayerInspection, WeightStats
from lenet_widgets.core.layer_lookup import find_layer
from lenet_widgets.core.structure_graph import _kind, _make_node

__all__ = ["conv_kernels", "inspect_layer", "layer_config", "weight_stats"]


def weight_stats(
    name: str, values: np.ndarray, *, bins: int = 30, trainable: bool = True
) -> WeightStats:
    """Min, max, mean, std and a histogram of one array of weights."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        empty = np.zeros(0)
        return WeightStats(name, tuple(array.shape), 0.0, 0.0, 0.0, 0.0, empty, empty, trainable)
    counts, edges = np.histogram(array, bins=int(bins))
    return WeightStats(
        name=name,
        shape=tuple(int(size) for size in array.shape),
        minimum=float(array.min()),
        maximum=float(array.max()),
        mean=float(array.mean()),
        std=float(array.std()),
        counts=counts,
        edges=edges,
        trainable=trainable,
    )


def conv_kernels(kernel: np.ndarray, input_channel: int = 0) -> np.ndarray:
    """A Conv2D kernel ``(height, width, in, out)`` as ``out`` small images of one input channel.

    Raises:
        ValueError: the kernel is not 4-D or the channel does not exist.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(f"kernel has shape {kernel.shape}; expected (height, width, in, out).")
    channels = kernel.shape[2]
    if not 0 <= int(input_channel) < channels:
        raise ValueError(f"input_channel is {input_channel!r}; expected 0..{channels - 1}.")
    return np.transpose(kernel[:, :, int(input_channel), :], (2, 0, 1))


def _layer_at(model: keras.Model, layer_id: str) -> Any:
    """The layer of a graph node id (a subclassed model's own box is the model itself)."""
    if _kind(model) == SUBCLASSED and layer_id == model.name:
        return model
    return find_layer(model, layer_id)[1]


def layer_config(layer: Any) -> dict[str, Any]:
    """A layer's ``get_config()`` as a dict, or ``{}`` for a layer that cannot give one."""
    try:
        return dict(layer.get_config())
    except (NotImplementedError, TypeError, AttributeError):
        return {}


def inspect_layer(
    model: keras.Model, layer_id: str, *, bins: int = 30, input_channel: int = 0
) -> LayerInspection:
    """Config, parameter count and weight statistics of one layer (``"block/dense"`` for nested).

    Raises:
        LayerNotFoundError: (a ``KeyError``) no such layer; the message lists the layer names.
    """
    layer = _layer_at(model, layer_id)
    config = layer_config(layer)
    trainable_ids = {id(variable) for variable in layer.trainable_weights}
    stats = tuple(
        weight_stats(
            variable.path,
            keras.ops.convert_to_numpy(variable),
            bins=bins,
            trainable=id(variable) in trainable_ids,
        )
        for variable in layer.weights
    )
    kernels = None
    kernel = getattr(layer, "kernel", None)
    if isinstance(layer, keras.layers.Conv2D) and kernel is not None:
        kernels = conv_kernels(keras.ops.convert_to_numpy(kernel), input_channel)
    node = _make_node(layer, layer_id, None)
    return LayerInspection(
        id=layer_id,
        class_name=type(layer).__name__,
        config=config,
        params=node.params,
        weights=stats,
        kernels=kernels,
        input_shape=node.input_shape,
        output_shape=node.output_shape,
    )
