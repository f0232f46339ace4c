"""Activation maximization: what input makes a filter fire the most?

The chapter's ``lenet_filter_visualization.py`` maximizes one filter at a time,
building a new gradient function for every filter. Here all requested filters
are one batch: image ``i`` of the batch is optimized for filter ``i`` by one
compiled loop (a ``tf.function`` over the model truncated at the layer, all
steps inside one graph call, or one call per progress report), so 50 filters
cost about as much as one forward+backward pass of 50 images per step.

Each step, as in the chapter: the objective of image ``i`` is the mean
activation of its filter (over all positions for a convolution); its gradient
is divided by its root mean square and added, times ``step_size``, to the image.

The chapter's defects are fixed: images stay inside the model's input range by
default (``DEFAULT_PRESET``: projected ascent, the step given to the pixels that can
still move, then clipped: measured better than a sigmoid parameterization), filters
whose activation stays <= 0 are kept (and marked ``dead`` only when given data shows
that no input activates them, else "inactive at the start"), images are ``(height,
width)`` so non-square inputs work, the activation recorded for step ``s`` is that of
the image shown at step ``s`` (not of its jittered copy), every layer can be chosen
(the first one too, ``channels_first`` ones too), and the start image lies inside the
input range (the chapter's 128 + [0, 20) grey noise stays available as
``init="chapter"``, and its whole recipe as the explicit ``"chapter"`` preset).

Objectives (``OBJECTIVES``): a channel's mean over all positions, or its centre neuron.

Optional regularizers (small frozen dataclasses below): ``Jitter`` (shift the image
before each step), ``Decay`` (pull towards mid-grey), ``Blur`` (3x3 smoothing every few
steps), ``TotalVariation`` (penalize noise) and ``ClipToRange`` (the projection).
``PRESETS`` holds settings measured on a LeNet trained for one epoch on MNIST.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lenet_widgets.core.model import check_finite_weights, input_range

__all__ = [
    "DEAD_TESTS",
    "DEFAULT_PRESET",
    "INITS",
    "MAX_RESULT_BYTES",
    "MAX_STEPS",
    "OBJECTIVES",
    "PRESETS",
    "PROGRESS_EVERY",
    "Blur",
    "ClipToRange",
    "Decay",
    "FilterError",
    "FilterResult",
    "FilterSearchCancelledError",
    "Jitter",
    "Preset",
    "TopExamples",
    "TotalVariation",
    "filter_count",
    "initial_images",
    "maximize_filters",
    "preset_arguments",
    "top_activating_examples",
    "visualizable_layers",
]

OBJECTIVES = ("channel", "neuron")
"""What is maximized: a channel's mean over all positions, or its centre neuron only.

``"neuron"`` is Lucid's neuron objective: the one spatial position at the centre
``(H' // 2, W' // 2)`` of the channel, which gives a localized pattern the size of
the unit's receptive field. For a Dense layer both are the unit itself.
"""

DEAD_TESTS = ("data", "start")
"""How ``FilterResult.dead`` was decided.

``"data"``: no given input image (nor the optimized image) makes the unit positive
anywhere: truly dead on that data. ``"start"``: no data was given; the unit stayed
<= 0 and no gradient ever reached it from the start image: *inactive at the start*,
which a real digit may still activate.
"""

INITS = ("noise", "chapter", "grey")
"""Start images: small noise around mid-range, the chapter's 128 + [0, 20), flat mid-grey."""

NOISE_AMPLITUDE = 0.05
"""Half-width of the default start noise, as a fraction of the input range."""

PROGRESS_EVERY = 5
"""Default steps per compiled call (and per progress report) when a progress callback is given."""

MAX_STEPS = 10_000
"""Most ascent steps one call accepts (every step's images are kept)."""

MAX_RESULT_BYTES = 2**30
"""Most memory the images of all kept steps may take (1 GiB): limits steps for big layers."""

_SKIPPED_LAYER_TYPES = ("InputLayer", "Flatten", "Reshape", "Dropout")
_SOFTMAX_NAMES = ("softmax",)


class FilterError(ValueError):
    """A filter visualization request names a bad layer, filter or setting."""


class FilterSearchCancelledError(Exception):
    """Raised by ``maximize_filters`` when its ``progress`` callback asks to stop."""


# --------------------------------------------------------------------------- regularizers


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


# --------------------------------------------------------------------------- presets


@dataclass(frozen=True)
class Preset:
    """Named settings; ``step_fraction`` is the step size as a fraction of the input range.

    ``step_fraction=None`` keeps the absolute ``step_size`` (the chapter's 1.0).
    """

    description: str
    init: str = "noise"
    step_fraction: float | None = 0.05
    step_size: float = 1.0
    regularizers: tuple = ()

    @property
    def in_range(self) -> bool:
        """Whether its images stay inside the model's input range (projected after each step)."""
        return (
            self.init != "chapter"
            and bool(self.regularizers)
            and (isinstance(self.regularizers[-1], ClipToRange))
        )


PRESETS: dict[str, Preset] = {
    # The book's recipe, explicit only: its pixels leave the input range within a few steps.
    "chapter": Preset(
        "the chapter: 128 + [0, 20) grey start, step 1.0, no regularizer (leaves the range)",
        init="chapter",
        step_fraction=None,
        step_size=1.0,
    ),
    "plain": Preset(
        "plain ascent inside the input range: step 5% of the range, projected to the range",
        regularizers=(ClipToRange(),),
    ),
    # Measured on a LeNet trained 1 epoch on MNIST, 200 steps, median over filters of each
    # filter's mean activation on its own image (benchmarks/bench_peers.py): projected ascent
    # at 2% beat 1%, 5%, 10%, every added regularizer (blur, decay, total variation, jitter)
    # and a sigmoid parameterization on conv2d_1 and dense_1, and reaches the optimum of the
    # linear conv2d. Its pictures: stripes and grids (conv2d_1), readable digits (dense_1).
    "mnist": Preset(
        "tuned for small grey 28x28 nets, inside the input range: step 2% of the range, "
        "projected to the range",
        step_fraction=0.02,
        regularizers=(ClipToRange(),),
    ),
    "smooth": Preset(
        "clean strokes for dense units and classes: jitter, decay, blur, clipped to the range",
        step_fraction=0.05,
        regularizers=(Jitter(1), Decay(0.005), Blur(0.3, every=8), ClipToRange()),
    ),
}

DEFAULT_PRESET = "mnist"
"""The preset used when none is named (library, FilterExplorer, ``lab()``, CLI): in range."""


def preset_arguments(name: str, model: keras.Model) -> dict[str, Any]:
    """Keyword arguments of ``maximize_filters`` for a named preset and a model.

    Returns:
        ``{"init": ..., "step_size": ..., "regularizers": ...}``, the step size
        scaled to the model's input range.
    """
    if name not in PRESETS:
        raise FilterError(f"preset {name!r} is unknown; expected one of {sorted(PRESETS)}.")
    preset = PRESETS[name]
    low, high = input_range(model)
    step = preset.step_size if preset.step_fraction is None else preset.step_fraction * (high - low)
    return {"init": preset.init, "step_size": float(step), "regularizers": preset.regularizers}


# --------------------------------------------------------------------------- layers


def _all_layers(model: keras.Model, prefix: str = "") -> list[tuple[str, keras.layers.Layer]]:
    found = []
    for layer in model.layers:
        name = prefix + layer.name
        if isinstance(layer, keras.Model):
            found.extend(_all_layers(layer, name + "/"))
        else:
            found.append((name, layer))
    return found


def _output_rank(layer: keras.layers.Layer) -> int | None:
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):
        return None


def _is_visualizable(layer: keras.layers.Layer) -> bool:
    if type(layer).__name__ in _SKIPPED_LAYER_TYPES:
        return False
    return _output_rank(layer) in (2, 4)


def visualizable_layers(model: keras.Model) -> list[str]:
    """Names of the layers whose filters or units can be visualized.

    Layers with a channel axis (convolutions, pooling, activations: output
    ``(N, H, W, C)``) or units (dense: ``(N, units)``); layers inside nested
    models are named ``outer/inner``. Input, Flatten, Reshape and Dropout are left out.
    """
    _check_model(model)
    return [name for name, layer in _all_layers(model) if _is_visualizable(layer)]


def _check_model(model: Any) -> None:
    if not isinstance(model, keras.Model):
        raise FilterError(f"model is {type(model).__name__}; expected a Keras model.")
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):  # Subclassed models have no symbolic inputs.
        raise FilterError(
            f"model {model.name!r} ({type(model).__name__}) is a subclassed model without known "
            "layer outputs; expected a Sequential or functional model."
        ) from None
    if not model.built or not inputs:
        raise FilterError("model has no known input shape; build it (or call it once) first.")
    if len(model.inputs) != 1:
        raise FilterError(f"model has {len(model.inputs)} inputs; expected one image input.")
    shape = model.inputs[0].shape
    if len(shape) != 4:
        raise FilterError(f"model input has shape {tuple(shape)}; expected (None, H, W, C).")


def _find_layer(model: keras.Model, name: str) -> tuple[list[keras.Model], keras.layers.Layer]:
    """Return the chain of nested models leading to ``name`` and the layer itself."""
    if not isinstance(name, str):
        raise FilterError(f"layer is {name!r}; expected a layer name such as 'conv2d_1'.")
    parts = name.split("/")
    chain = [model]
    current: Any = model
    for index, part in enumerate(parts):
        layers = {layer.name: layer for layer in current.layers}
        if part not in layers:
            valid = visualizable_layers(model)
            raise FilterError(
                f"layer {name!r} is not in model {model.name!r}; expected one of {valid}."
            )
        current = layers[part]
        if index < len(parts) - 1:
            if not isinstance(current, keras.Model):
                raise FilterError(f"layer {part!r} in {name!r} is not a nested model.")
            chain.append(current)
    if isinstance(current, keras.Model):
        raise FilterError(
            f"layer {name!r} is a nested model; name one of its layers, e.g. "
            f"{name + '/' + current.layers[-1].name!r}."
        )
    if type(current).__name__ in _SKIPPED_LAYER_TYPES or _output_rank(current) not in (2, 4):
        raise FilterError(
            f"layer {name!r} ({type(current).__name__}, output shape "
            f"{getattr(current.output, 'shape', '?')}) has no channel or unit axis to visualize; "
            f"expected one of {visualizable_layers(model)}."
        )
    return chain, current


def _softmax_layer(layer: keras.layers.Layer) -> bool:
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", str(activation))
    kind = type(layer).__name__
    # A convolution with a fused softmax has no separate logits: its channels are maximized.
    return kind == "Softmax" or (kind in ("Dense", "Activation") and name in _SOFTMAX_NAMES)


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
    chain, layer = _find_layer(model, name)
    kind = "logit" if _softmax_layer(layer) else ("channel" if _output_rank(layer) == 4 else "unit")
    if kind != "unit" and _output_rank(layer) == 4 and _channels_first(layer):
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
        chain, layer = _find_layer(model, name)
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
    _, found = _find_layer(model, layer)
    if isinstance(found, keras.layers.Dense):
        return int(found.units)
    tensor = found.input if _softmax_layer(found) else found.output  # Softmax: its logits.
    if len(tensor.shape) == 4 and _channels_first(found):
        return int(tensor.shape[1])
    return int(tensor.shape[-1])


# --------------------------------------------------------------------------- compiled steps

_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_OWN_CHANNEL = True
"""Compute only each image's own channel for plain Conv2D layers (see ``_build_own_channel``).

Read when a layer's steps are first compiled; the benchmark turns it off to time the
general path (full layer output, then a gather)."""
_COMPILED_LOCK = threading.Lock()


class _NoRetracingNotice:
    """Drops TensorFlow's "triggered tf.function retracing" notice (a logging filter).

    The engine compiles one small function per (model, layer, settings) on purpose and
    caches it; TensorFlow counts traces per function body across those closures and
    then warns about "excessive retracing" in a student's notebook cell.
    """

    def filter(self, record) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


tf.get_logger().addFilter(_NoRetracingNotice())
_JIT_COMPILE = False
"""Compile the ascent loop with XLA (read when a layer's steps are first compiled)."""


def _compiled_for(
    model: keras.Model, layer: str, regularizers: tuple, objective: str = "channel"
) -> tuple[Any, Any, str]:
    """Compiled ascent loop and forward pass, cached per model/layer/regularizers/objective.

    ``ascend(images, chosen, step_size, low, high, start, count)`` runs ``count``
    ascent steps (numbered from ``start``) inside ONE graph call (a ``tf.while_loop``
    writing each step's images, activations and gradient RMS into ``TensorArray``s),
    so a request costs one Python -> graph call per progress report, not one per step,
    and nothing is copied to NumPy until the chunk is done. The activation written for
    step ``s`` is that of the image of step ``s`` itself (not of its jittered copy).
    ``forward(images, chosen)`` is the objective of each image (forward only). Both have
    fixed input signatures (any number of filters): traced once. The truncated model
    shares the model's layers, so new weights are used at once.
    """
    with _COMPILED_LOCK:
        per_model = _COMPILED.setdefault(model, {})
        key = (layer, regularizers, objective)
        if key in per_model:
            return per_model[key]
        truncated, kind = _build_truncated(model, layer)
        own_channel = _build_own_channel(model, layer) if _OWN_CHANNEL else None
        inputs = [r for r in regularizers if r.stage == "input"]
        penalties = [r for r in regularizers if r.stage == "penalty"]
        updates = [r for r in regularizers if r.stage == "update"]
        project = any(isinstance(r, ClipToRange) and r.project for r in updates)
        shape = tuple(int(size) for size in model.inputs[0].shape[1:])
        image_spec = tf.TensorSpec((None, *shape), tf.float32)
        chosen_spec = tf.TensorSpec((None,), tf.int32)
        scalar = tf.TensorSpec((), tf.float32)
        integer = tf.TensorSpec((), tf.int32)

        def own_maps(images, chosen):
            """Image i's own filter: ``(F, H', W')`` maps, or ``(F,)`` units."""
            if own_channel is not None:
                return own_channel(images, chosen)
            outputs = truncated(images)
            # outputs[i, ..., chosen[i]]: a gather, cheaper than a mask.
            return tf.gather(outputs, chosen, axis=len(outputs.shape) - 1, batch_dims=1)

        def reduce(maps):
            if len(maps.shape) == 1:  # Dense units: the unit itself for every objective.
                return maps
            if objective == "neuron":
                size = tf.shape(maps)
                return maps[:, size[1] // 2, size[2] // 2]
            return tf.reduce_mean(maps, [1, 2])

        def forward(images, chosen):
            return reduce(own_maps(images, chosen))

        def step(images, chosen, step_size, context):
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(images)
                shown = images
                for regularizer in inputs:
                    shown = regularizer(shown, context)
                activation = forward(shown, chosen)
                total = activation
                for regularizer in penalties:
                    total = total - regularizer(images, context)
                summed = tf.reduce_sum(total)  # Images are independent: one gradient per image.
            gradient = tape.gradient(summed, images)
            rms = tf.sqrt(tf.reduce_mean(tf.square(gradient), axis=[1, 2, 3], keepdims=True))
            if project:
                # Projected gradient: a pixel at a bound that the gradient pushes outwards
                # cannot move, so it takes no share of the step (the others move further).
                blocked = ((images <= context.low) & (gradient < 0)) | (
                    (images >= context.high) & (gradient > 0)
                )
                free = tf.where(blocked, tf.zeros_like(gradient), gradient)
                norm = tf.sqrt(tf.reduce_mean(tf.square(free), axis=[1, 2, 3], keepdims=True))
                moved = images + step_size * free / (norm + 1e-5)
            else:
                moved = images + step_size * gradient / (rms + 1e-5)
            for regularizer in updates:
                moved = regularizer(moved, context)
            if inputs:  # The activation of the image itself, not of its shifted copy.
                activation = forward(images, chosen)
            return moved, activation, tf.reshape(rms, [-1])

        @tf.function(
            input_signature=[image_spec, chosen_spec, scalar, scalar, scalar, integer, integer],
            autograph=False,
            jit_compile=_JIT_COMPILE,
        )
        def ascend(images, chosen, step_size, low, high, start, count):
            history = tf.TensorArray(tf.float32, size=count, element_shape=images.shape)
            activations = tf.TensorArray(tf.float32, size=count, element_shape=chosen.shape)
            sizes = tf.TensorArray(tf.float32, size=count, element_shape=chosen.shape)

            def body(index, current, history, activations, sizes):
                context = StepContext(low, high, start + index)
                moved, activation, rms = step(current, chosen, step_size, context)
                return (
                    index + 1,
                    moved,
                    history.write(index, moved),
                    activations.write(index, activation),
                    sizes.write(index, rms),
                )

            _, last, history, activations, sizes = tf.while_loop(
                lambda index, *_: index < count,
                body,
                (tf.constant(0), images, history, activations, sizes),
                parallel_iterations=1,
            )
            return last, history.stack(), activations.stack(), sizes.stack()

        compiled_forward = tf.function(
            forward, input_signature=[image_spec, chosen_spec], autograph=False
        )
        per_model[key] = (ascend, compiled_forward, kind)
        return per_model[key]


# --------------------------------------------------------------------------- engine


@dataclass(frozen=True)
class FilterResult:
    """Everything ``maximize_filters`` computed; any step can be shown without recomputing.

    Attributes:
        layer: the layer name.
        kind: ``"channel"`` (convolution), ``"unit"`` (dense) or ``"logit"`` (pre-softmax class).
        filters: filter indices, shape ``(F,)``.
        images: float32 ``(steps + 1, F, height, width, channels)``; ``images[s]`` is the
            batch after ``s`` steps.
        activations: float32 ``(steps + 1, F)``; ``activations[s, i]`` is the objective
            (channel mean, or centre neuron) of exactly ``images[s, i]`` for filter
            ``filters[i]``.
        gradient_rms: float32 ``(steps, F)``, the gradient size before normalization.
        dead: bool ``(F,)``: see ``dead_test`` for what was checked.
        input_range: ``(low, high)`` of the model's inputs.
        settings: the settings used (preset, steps, step_size, seed, init, regularizers,
            objective).
        in_range: every kept image of every step lies inside ``input_range`` (the model
            can see such inputs); False when the pixels left it (e.g. the ``chapter`` preset).
        image_span: ``(min, max)`` of all kept pixels.
        objective: ``"channel"`` or ``"neuron"`` (see ``OBJECTIVES``).
        dead_test: ``"data"`` (dead: no given image nor the optimized one makes the unit
            positive anywhere) or ``"start"`` (no data given: *inactive at the start*, the
            unit stayed <= 0 and got no gradient from the start image; a real digit may
            still activate it). See ``DEAD_TESTS``.
    """

    layer: str
    kind: str
    filters: np.ndarray
    images: np.ndarray
    activations: np.ndarray
    gradient_rms: np.ndarray
    dead: np.ndarray
    input_range: tuple[float, float]
    settings: dict = field(default_factory=dict)
    in_range: bool = True
    image_span: tuple[float, float] = (0.0, 0.0)
    objective: str = "channel"
    dead_test: str = "start"

    @property
    def steps(self) -> int:
        """Number of ascent steps computed."""
        return self.images.shape[0] - 1

    def at(self, step: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Images ``(F, H, W, C)`` and activations ``(F,)`` after ``step`` steps (default: last)."""
        step = self.steps if step is None else int(step)
        if not 0 <= step <= self.steps:
            raise FilterError(f"step is {step}; expected 0..{self.steps}.")
        return self.images[step], self.activations[step]


def initial_images(
    count_or_filters: int | Sequence[int],
    shape: tuple[int, int, int],
    value_range: tuple[float, float],
    init: str = "noise",
    seed: int = 0,
) -> np.ndarray:
    """Start images ``(F, H, W, C)``; image ``i`` depends only on ``seed`` and its filter index.

    ``"noise"``: mid-range + uniform noise of +-5% of the range; ``"chapter"``:
    ``random * 20 + 128`` as the chapter (even for a [0, 1] model); ``"grey"``: flat mid-range.
    """
    if init not in INITS:
        raise FilterError(f"init is {init!r}; expected one of {INITS}.")
    filters = range(count_or_filters) if isinstance(count_or_filters, int) else count_or_filters
    low, high = value_range
    images = []
    for index in filters:
        rng = np.random.default_rng([int(seed), int(index)])
        noise = rng.random(shape)
        if init == "chapter":
            image = noise * 20.0 + 128.0
        elif init == "grey":
            image = np.full(shape, (low + high) / 2.0)
        else:
            image = (low + high) / 2.0 + (noise - 0.5) * 2.0 * NOISE_AMPLITUDE * (high - low)
        images.append(image)
    return np.asarray(images, dtype=np.float32).reshape((len(images), *shape))


def _check_settings(steps: Any, step_size: Any, seed: Any, regularizers: Any) -> None:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise FilterError(f"steps is {steps!r}; expected an integer >= 0.")
    if steps > MAX_STEPS:
        raise FilterError(f"steps is {steps!r}; expected an integer from 0 to {MAX_STEPS}.")
    if not isinstance(step_size, (int, float, np.floating, np.integer)) or not step_size > 0:
        raise FilterError(f"step_size is {step_size!r}; expected a number > 0.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise FilterError(f"seed is {seed!r}; expected an integer >= 0.")
    for regularizer in regularizers:
        if getattr(regularizer, "stage", None) not in ("input", "penalty", "update"):
            raise FilterError(
                f"regularizer {regularizer!r} has no stage; expected Jitter, Decay, Blur, "
                "TotalVariation, ClipToRange or a callable whose stage is 'input', "
                "'penalty' or 'update'."
            )


def _check_filters(filters: Any, available: int, layer: str) -> np.ndarray:
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


def maximize_filters(
    model: keras.Model,
    layer: str,
    filters: Sequence[int] | None = None,
    steps: int = 20,
    step_size: float | None = None,
    seed: int = 0,
    init: str | None = None,
    regularizers: Sequence[Callable] | None = None,
    progress: Callable[[int, int], Any] | None = None,
    progress_every: int = PROGRESS_EVERY,
    *,
    preset: str | None = DEFAULT_PRESET,
    objective: str = "channel",
    data: np.ndarray | None = None,
) -> FilterResult:
    """Find, by gradient ascent, the image that most activates each filter of a layer.

    Called with no settings it uses ``DEFAULT_PRESET``, whose images stay inside the
    model's input range at every step. ``step_size``, ``init`` and ``regularizers``
    given explicitly replace the preset's.

    Args:
        model: a built Keras model with one image input ``(H, W, C)``.
        layer: layer name (``"conv2d_1"``; ``"outer/inner"`` inside nested models).
            A softmax output is maximized before the softmax (class logits).
        filters: filter (channel, unit, class) indices; default all.
        steps: number of ascent steps (0 gives the start images).
        step_size: how far each step moves an image (RMS of the change, in input units);
            default the preset's.
        seed: start noise seed; a filter's start image depends only on seed and its index.
        init: ``"noise"`` (inside ``input_range(model)``), ``"chapter"`` or ``"grey"``;
            default the preset's.
        regularizers: ``Jitter``, ``Decay``, ``Blur``, ``TotalVariation``, ``ClipToRange``...;
            default the preset's.
        progress: called as ``progress(step, steps)`` every ``progress_every`` steps and
            after the last one; return ``False`` to cancel (raises
            ``FilterSearchCancelledError``).
        progress_every: steps run per compiled call when ``progress`` is given (without
            ``progress`` all steps run in one call). Results do not depend on it.
        preset: a name of ``PRESETS`` giving the defaults above, or ``None`` for plain
            ascent (noise start, step 5% of the range, no regularizer, no clipping).
        objective: ``"channel"`` (mean over all positions) or ``"neuron"`` (the centre
            position only); see ``OBJECTIVES``.
        data: optional images ``(N, H, W, C)`` in the model's input range (e.g. test
            digits): a unit is then ``dead`` only when none of them (nor its optimized
            image) makes it positive anywhere. Without data, ``dead`` means inactive at
            the start (see ``FilterResult.dead_test``).

    Returns:
        A ``FilterResult`` with the images and activations at every step.
    """
    _check_model(model)
    if objective not in OBJECTIVES:
        raise FilterError(f"objective is {objective!r}; expected one of {OBJECTIVES}.")
    low, high = input_range(model)
    if preset is None:
        defaults = {"init": "noise", "step_size": 0.05 * (high - low), "regularizers": ()}
    else:
        defaults = preset_arguments(preset, model)
    init = defaults["init"] if init is None else init
    step_size = defaults["step_size"] if step_size is None else step_size
    regularizers = tuple(defaults["regularizers"] if regularizers is None else regularizers)
    _check_settings(steps, step_size, seed, regularizers)
    if (
        isinstance(progress_every, bool)
        or not isinstance(progress_every, (int, np.integer))
        or progress_every < 1
    ):
        raise FilterError(f"progress_every is {progress_every!r}; expected an integer >= 1.")
    if init not in INITS:
        raise FilterError(f"init is {init!r}; expected one of {INITS}.")
    available = filter_count(model, layer)
    chosen = _check_filters(filters, available, layer)
    shape = tuple(int(size) for size in model.inputs[0].shape[1:])
    if data is not None:
        data = _check_images(model, data, "data")
    per_step = len(chosen) * int(np.prod(shape)) * 4
    if (steps + 1) * per_step > MAX_RESULT_BYTES:
        most = MAX_RESULT_BYTES // per_step - 1
        raise FilterError(
            f"steps is {steps}; expected an integer from 0 to {most} for {len(chosen)} filters "
            f"of {'x'.join(map(str, shape))} (every step is kept, {MAX_RESULT_BYTES >> 20} MiB "
            "at most): fewer steps or fewer filters."
        )
    ascend, forward, kind = _compiled_for(model, layer, regularizers, objective)
    images = initial_images(chosen, shape, (low, high), init, seed)
    indices = tf.constant(chosen, dtype=tf.int32)
    limits = (tf.constant(float(low)), tf.constant(float(high)))
    size = tf.constant(float(step_size))
    all_images = np.empty((steps + 1, *images.shape), np.float32)
    activations = np.empty((steps + 1, len(chosen)), np.float32)
    gradient_rms = np.empty((steps, len(chosen)), np.float32)
    all_images[0] = images
    current = tf.constant(images)
    chunk = steps if progress is None else int(progress_every)
    done = 0
    while done < steps:
        count = min(chunk, steps - done)
        current, history, activation, rms = ascend(
            current, indices, size, *limits, tf.constant(done), tf.constant(count)
        )
        all_images[done + 1 : done + count + 1] = history.numpy()
        activations[done : done + count] = activation.numpy()
        gradient_rms[done : done + count] = rms.numpy()
        done += count
        if progress is not None and progress(done, steps) is False:
            raise FilterSearchCancelledError(f"cancelled after {done} of {steps} steps")
    activations[steps] = forward(current, indices).numpy()  # The last images: forward only.
    if not (np.isfinite(activations).all() and np.isfinite(gradient_rms).all()):
        # Checked only when the numbers say so (reading every weight costs ~10 ms a call):
        # NaN weights reaching this layer always show up here.
        try:
            check_finite_weights(model)
        except ValueError as error:
            raise FilterError(str(error)) from None
    if data is None:
        no_gradient = np.all(gradient_rms == 0, axis=0) if steps else np.zeros(len(chosen), bool)
        dead = (activations[steps] <= 0) & no_gradient
    else:
        dead = ~np.any(activations > 0, axis=0)
        if dead.any():  # Candidates only: any given image, or the optimized ones, positive?
            candidates = chosen[dead]
            fires = _fires_anywhere(model, layer, data, candidates)
            fires |= _fires_anywhere(model, layer, all_images[steps], candidates)
            dead[dead] = ~fires
    span = (float(all_images.min()), float(all_images.max()))
    tolerance = 1e-6 * max(abs(low), abs(high), high - low)
    settings = {
        "preset": preset,
        "steps": int(steps),
        "step_size": float(step_size),
        "seed": int(seed),
        "init": init,
        "regularizers": regularizers,
        "objective": objective,
    }
    return FilterResult(
        layer=layer,
        kind=kind,
        filters=chosen,
        images=all_images,
        activations=activations,
        gradient_rms=gradient_rms,
        dead=dead,
        input_range=(low, high),
        settings=settings,
        in_range=bool(span[0] >= low - tolerance and span[1] <= high + tolerance),
        image_span=span,
        objective=objective,
        dead_test="start" if data is None else "data",
    )


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


_FIRES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fires_anywhere(
    model: keras.Model, layer: str, images: np.ndarray, chosen: np.ndarray, batch_size: int = 500
) -> np.ndarray:
    """Bool ``(F,)``: is filter ``chosen[i]`` > 0 at some position of some image?"""
    with _COMPILED_LOCK:
        per_model = _FIRES.setdefault(model, {})
        if layer not in per_model:
            truncated, _ = _build_truncated(model, layer)

            @tf.function(reduce_retracing=True, autograph=False)
            def largest(batch):
                outputs = truncated(batch)
                return tf.reduce_max(outputs, axis=list(range(len(outputs.shape) - 1)))

            per_model[layer] = largest
        largest = per_model[layer]
    fires = np.zeros(len(chosen), bool)
    for start in range(0, len(images), batch_size):
        batch = tf.constant(images[start : start + batch_size])
        fires |= largest(batch).numpy()[chosen] > 0
        if fires.all():
            break
    return fires


# --------------------------------------------------------------------------- dataset examples


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
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise FilterError(f"count is {count!r}; expected an integer >= 1.")
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


_SCORES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _scores_function(model: keras.Model, layer: str):
    with _COMPILED_LOCK:
        per_model = _SCORES.setdefault(model, {})
        if layer not in per_model:
            truncated, _ = _build_truncated(model, layer)

            @tf.function(reduce_retracing=True)
            def scores(images):
                outputs = truncated(images)
                if len(outputs.shape) == 4:
                    return tf.reduce_mean(outputs, axis=[1, 2])
                return outputs

            per_model[layer] = scores
        return per_model[layer]
