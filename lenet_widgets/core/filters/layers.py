"""Which layers can be visualized, and the model cut at a layer (what the ascent differentiates).

Layer names are paths (``"outer/inner"`` inside nested models). ``_build_truncated``
returns image batch -> the layer's activations, channels last, before the softmax of
a softmax layer (its class logits); ``_build_own_channel`` is the shortcut for plain
``Conv2D`` layers that computes only each image's own channel.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf

from lenet_widgets.core.filters.validation import FilterError, _check_model
from lenet_widgets.core.layer_lookup import (
    LayerNotFoundError,
    find_layer,
    has_softmax_output,
    output_rank,
)

__all__ = ["filter_count", "visualizable_layers"]

_SKIPPED_LAYER_TYPES = ("InputLayer", "Flatten", "Reshape", "Dropout")


def _all_layers(model: keras.Model, prefix: str = "") -> list[tuple[str, keras.layers.Layer]]:
    found = []
    for layer in model.layers:
        name = prefix + layer.name
        if isinstance(layer, keras.Model):
            found.extend(_all_layers(layer, name + "/"))
        else:
            found.append((name, layer))
    return found


def _is_visualizable(layer: keras.layers.Layer) -> bool:
    if type(layer).__name__ in _SKIPPED_LAYER_TYPES:
        return False
    return output_rank(layer) in (2, 4)


def visualizable_layers(model: keras.Model) -> list[str]:
    """Names of the layers whose filters or units can be visualized.

    Layers with a channel axis (convolutions, pooling, activations: output
    ``(N, H, W, C)``) or units (dense: ``(N, units)``); layers inside nested
    models are named ``outer/inner``. Input, Flatten, Reshape and Dropout are left out.
    """
    _check_model(model)
    return [name for name, layer in _all_layers(model) if _is_visualizable(layer)]


def _visualizable_layer(
    model: keras.Model, name: str
) -> tuple[list[keras.Model], keras.layers.Layer]:
    """``core.layer_lookup.find_layer`` for a layer that can be visualized, else ``FilterError``."""
    if not isinstance(name, str):
        raise FilterError(f"layer is {name!r}; expected a layer name such as 'conv2d_1'.")
    try:
        chain, current = find_layer(model, name, lambda: visualizable_layers(model))
    except LayerNotFoundError as error:
        raise FilterError(str(error)) from None
    if isinstance(current, keras.Model):
        raise FilterError(
            f"layer {name!r} is a nested model; name one of its layers, e.g. "
            f"{name + '/' + current.layers[-1].name!r}."
        )
    if type(current).__name__ in _SKIPPED_LAYER_TYPES or output_rank(current) not in (2, 4):
        raise FilterError(
            f"layer {name!r} ({type(current).__name__}, output shape "
            f"{getattr(current.output, 'shape', '?')}) has no channel or unit axis to visualize; "
            f"expected one of {visualizable_layers(model)}."
        )
    return chain, current


def _softmax_layer(layer: keras.layers.Layer) -> bool:
    """A softmax whose logits are maximized instead of its probabilities.

    A convolution with a fused softmax has no separate logits: its channels are maximized.
    """
    return has_softmax_output(layer) and type(layer).__name__ in ("Softmax", "Dense", "Activation")


def _channels_first(layer: keras.layers.Layer) -> bool:
    """Whether a rank-4 layer output holds its channels on axis 1 (``channels_first``).

    Layers without a ``data_format`` (activations, batch normalization...) take it
    from the layer feeding them.
    """
    for _ in range(100):  # Walk back through format-less layers; a cycle cannot happen.
        data_format = getattr(layer, "data_format", None)
        if data_format is not None:
            return data_format == "channels_first"
        try:
            parents = layer._inbound_nodes[0].parent_nodes
        except (AttributeError, IndexError):
            return False
        if not parents or parents[0].operation is None:
            return False
        layer = parents[0].operation
    return False


def _build_truncated(model: keras.Model, name: str) -> tuple[Callable, str]:
    """A callable image batch -> activations of ``name`` (pre-softmax for softmax layers).

    Rank-4 outputs are always returned channels-last ``(N, H', W', C)``: a
    ``channels_first`` layer's output is transposed.
    """
    chain, layer = _visualizable_layer(model, name)
    kind = "logit" if _softmax_layer(layer) else ("channel" if output_rank(layer) == 4 else "unit")
    if kind != "unit" and output_rank(layer) == 4 and _channels_first(layer):
        before_transpose, kind = _build_truncated_as_stored(chain, layer, kind)

        def transposed(images):
            return tf.transpose(before_transpose(images), [0, 2, 3, 1])

        return transposed, kind
    return _build_truncated_as_stored(chain, layer, kind)


def _build_truncated_as_stored(
    chain: list[keras.Model], layer: keras.layers.Layer, kind: str
) -> tuple[Callable, str]:
    if kind == "logit":
        if isinstance(layer, keras.layers.Dense):
            dense = layer

            def final(tensor):
                logits = tf.matmul(tensor, dense.kernel)
                return logits + dense.bias if dense.use_bias else logits

            target = layer.input
        else:  # A separate Activation('softmax') or Softmax layer: maximize its input.

            def final(tensor):
                return tensor

            target = layer.input
    else:

        def final(tensor):
            return tensor

        target = layer.output
    before = _model_up_to(chain, target)

    def truncated(images):
        return final(before(images))

    return truncated, kind


def _model_up_to(chain: list[keras.Model], target) -> Callable:
    """A callable image batch -> ``target`` (a symbolic tensor of the innermost model)."""
    # Innermost model: inputs -> target; each outer model: inputs -> input of the nested model.
    stages = [keras.Model(chain[-1].inputs[0], target)]
    for outer, inner in zip(reversed(chain[:-1]), reversed(chain[1:]), strict=True):
        if inner.input is outer.inputs[0] or outer.inputs[0] is inner.inputs[0]:
            continue
        stages.insert(0, keras.Model(outer.inputs[0], _nested_input(outer, inner)))

    def up_to(images):
        tensor = images
        for stage in stages:
            tensor = stage(tensor, training=False)
        return tensor

    return up_to


_ELEMENTWISE_ACTIVATIONS = frozenset(
    {
        "linear",
        "elu",
        "exponential",
        "gelu",
        "hard_sigmoid",
        "hard_silu",
        "leaky_relu",
        "mish",
        "relu",
        "relu6",
        "selu",
        "sigmoid",
        "silu",
        "softplus",
        "softsign",
        "swish",
        "tanh",
    }
)


def _build_own_channel(model: keras.Model, name: str) -> Callable | None:
    """For a plain ``Conv2D`` layer: a callable (images, chosen) -> ``(F, H', W')``.

    Image ``i`` only needs channel ``chosen[i]`` of the layer, so instead of all
    channels for every image (then a gather), each image is convolved with its own
    filter's kernel only: the batch is folded into the channel axis and one
    depthwise convolution applies kernel ``chosen[i]`` to image ``i``'s channels,
    which are then summed. Same numbers up to float32 rounding, about
    ``1 / channels`` of the layer's work forward and backward. ``None`` when the
    layer is not a plain channels-last, ungrouped, undilated float32 ``Conv2D`` with
    equal strides and an elementwise activation (the caller then gathers from the full output).
    """
    try:
        chain, layer = _visualizable_layer(model, name)
        if type(layer) is not keras.layers.Conv2D or _softmax_layer(layer):
            return None
        strides, dilation = tuple(layer.strides), tuple(layer.dilation_rate)
        activation = getattr(layer.activation, "__name__", None)
        if (
            layer.groups != 1
            or layer.data_format != "channels_last"
            or strides[0] != strides[1]
            or dilation != (1, 1)
            or activation not in _ELEMENTWISE_ACTIVATIONS
            or layer.kernel.dtype != "float32"
        ):
            return None
        before = _model_up_to(chain, layer.input)
    except (AttributeError, ValueError, TypeError):  # Shared layer, odd graph: use the gather.
        return None
    padding = layer.padding.upper()

    def own_channel(images, chosen):
        inputs = before(images)  # (F, H, W, C)
        shape = tf.shape(inputs)
        height, width, channels = shape[1], shape[2], shape[3]
        kernel = tf.gather(layer.kernel, chosen, axis=3)  # (kh, kw, C, F)
        kernel = tf.transpose(kernel, [0, 1, 3, 2])  # (kh, kw, F, C): image-major like inputs.
        kernel = tf.reshape(kernel, [kernel.shape[0], kernel.shape[1], -1, 1])
        folded = tf.reshape(tf.transpose(inputs, [1, 2, 0, 3]), [1, height, width, -1])
        outputs = tf.nn.depthwise_conv2d(folded, kernel, [1, *strides, 1], padding)
        out_shape = tf.shape(outputs)
        outputs = tf.reshape(outputs, [out_shape[1], out_shape[2], -1, channels])
        outputs = tf.transpose(tf.reduce_sum(outputs, axis=-1), [2, 0, 1])  # (F, H', W')
        if layer.use_bias:
            outputs = outputs + tf.gather(layer.bias, chosen)[:, None, None]
        return layer.activation(outputs)

    return own_channel


def _nested_input(outer: keras.Model, inner: keras.Model):
    try:
        return inner.input
    except (AttributeError, ValueError):  # Used more than once: take its first call.
        return inner._inbound_nodes[0].input_tensors[0]


def filter_count(model: keras.Model, layer: str) -> int:
    """Number of filters (channels) or units of a layer (classes for a softmax output).

    The channel axis of a ``channels_first`` layer is axis 1, else the last axis.
    """
    _check_model(model)
    _, found = _visualizable_layer(model, layer)
    if isinstance(found, keras.layers.Dense):
        return int(found.units)
    tensor = found.input if _softmax_layer(found) else found.output  # Softmax: its logits.
    if len(tensor.shape) == 4 and _channels_first(found):
        return int(tensor.shape[1])
    return int(tensor.shape[-1])
