"""The compiled functions of attribution: class scores, input gradients, Grad-CAM's parts.

The class score is the pre-softmax logit (``_score_head``); ``_forward`` runs the
model to the scores and, for Grad-CAM, a layer's maps in the same call, so their
gradients connect. ``_compiled`` caches the ``tf.function``s on the model itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import keras
import tensorflow as tf

from lenet_widgets.core.attribution_checks import AttributionError, _output_layer
from lenet_widgets.core.layer_lookup import has_softmax_output

__all__: list[str] = []  # Used by core.attribution only.

_CACHE_ATTRIBUTE = "_lenet_widgets_attribution"
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Compiled:
    scores: Callable
    input_gradients: Callable
    cam_parts: Callable | None
    score_kind: str


def _score_head(model: keras.Model) -> tuple[keras.layers.Layer | None, Callable, str]:
    """The output layer to stop before (or None), the function finishing the scores, their kind."""
    last = model.layers[-1] if isinstance(model, keras.Sequential) else _output_layer(model)
    if isinstance(last, keras.layers.Dense) and has_softmax_output(last):
        dense = last

        def finish(tensor):
            logits = tf.matmul(tensor, tf.cast(dense.kernel, tensor.dtype))
            return logits + tf.cast(dense.bias, tensor.dtype) if dense.use_bias else logits

        return last, finish, "logit"

    def identity(tensor):
        return tensor

    if (
        last is not None
        and has_softmax_output(last)
        and (type(last).__name__ == "Softmax" or isinstance(last, keras.layers.Activation))
    ):
        return last, identity, "logit"
    return None, identity, "output"


def _forward(model: keras.Model, layer: str | None) -> tuple[Callable, str]:
    """A callable ``images -> (class scores, maps of layer or None)`` and the scores' kind.

    A Sequential model is run layer by layer: after loading, its layers may hold two symbolic
    calls, and a sub-model over ``layer.output`` and ``last.input`` could compute two separate
    copies of the graph, whose gradients then do not connect. A functional model is cut with one
    sub-model, so both tensors come from the same call.
    """
    head, finish, kind = _score_head(model)
    if isinstance(model, keras.Sequential):
        layers = [found for found in model.layers if found is not head]

        def forward(images):
            tensor, maps = images, None
            for found in layers:
                tensor = found(tensor, training=False)
                if found.name == layer:
                    maps = tensor
            return finish(tensor), maps

        return forward, kind
    source = head.input if head is not None else model.outputs[0]
    extra = [] if layer is None else [model.get_layer(layer).output]
    sub_model = keras.Model(model.inputs[0], [source, *extra])

    def forward_functional(images):
        outputs = sub_model(images, training=False)
        if layer is None:
            source = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
            return finish(source), None
        return finish(outputs[0]), outputs[1]

    return forward_functional, kind


def _taped(forward: Callable, images, classes) -> tuple:
    """Run ``forward`` on ``images`` under a tape watching them.

    Returns:
        ``(tape, chosen, scores, maps)``: ``chosen[i]`` is the score of class
        ``classes[i]`` for image ``i``, the quantity every attribution differentiates.
    """
    with tf.GradientTape() as tape:
        tape.watch(images)
        scores, maps = forward(images)
        chosen = tf.gather(scores, classes, axis=1, batch_dims=1)
    return tape, chosen, scores, maps


def _compiled(model: keras.Model, layer: str | None) -> _Compiled:
    """The compiled functions of ``model`` (and Grad-CAM's for ``layer``), cached on the model.

    The class scores and input gradients are compiled once per model whatever the layer;
    Grad-CAM adds one function per layer. (Each new model traces them again: TensorFlow
    warns when one function body is traced 5 times within 10 calls, so none is traced twice.)
    """
    with _CACHE_LOCK:
        # Kept on the model itself: the compiled functions refer to the model, so a global
        # weak-keyed table would keep every model alive; this cycle is freed with the model.
        per_model = model.__dict__.get(_CACHE_ATTRIBUTE)
        if per_model is None:
            per_model = {}
            object.__setattr__(model, _CACHE_ATTRIBUTE, per_model)  # Not tracked by Keras.
        shape = tuple(int(size) for size in model.inputs[0].shape[1:])
        signature = [
            tf.TensorSpec((None, *shape), tf.float32),
            tf.TensorSpec((None,), tf.int32),
        ]
        if "base" not in per_model:
            forward, kind = _forward(model, None)

            @tf.function(input_signature=signature[:1])
            def scores(images):
                return forward(images)[0]

            @tf.function(input_signature=signature)
            def input_gradients(images, classes):
                tape, chosen, scores, _ = _taped(forward, images, classes)
                return tape.gradient(chosen, images), scores

            per_model["base"] = (scores, input_gradients, kind)
        scores, input_gradients, kind = per_model["base"]
        if layer is None:
            return _Compiled(scores, input_gradients, None, kind)
        if ("cam", layer) not in per_model:
            forward, _ = _forward(model, layer)
            name = model.name

            @tf.function(input_signature=signature)
            def cam_parts(images, classes):
                tape, chosen, scores, maps = _taped(forward, images, classes)
                gradients = tape.gradient(chosen, maps)
                if gradients is None:
                    raise AttributionError(
                        f"the class scores of model {name!r} do not depend on layer "
                        f"{layer!r}; expected a layer on the path from the input to the output."
                    )
                return maps, gradients, scores

            per_model["cam", layer] = cam_parts
        return _Compiled(scores, input_gradients, per_model["cam", layer], kind)
