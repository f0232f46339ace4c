"""Every ``tf.function`` the filter engine builds, cached per model and layer under one lock.

``_compiled_for``: the ascent loop (all steps of a chunk in one graph call) and the
forward objective; ``_fires_anywhere``: is a unit positive anywhere on some images
(the dead test); ``_scores_function``: each filter's mean activation per image (the
dataset examples). The caches are weak per model, so a dropped model frees its graphs.

The module-level switches ``_OWN_CHANNEL`` and ``_JIT_COMPILE`` are read here, when a
layer's steps are first compiled: set them on THIS module (tests and
``benchmarks/bench_filters.py`` do), not on the package that re-exports public names.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lenet_widgets.core.filters.layers import _build_own_channel, _build_truncated
from lenet_widgets.core.filters.regularizers import ClipToRange, StepContext

__all__: list[str] = []  # Package-private: the engine and the examples call it.

_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_OWN_CHANNEL = True
"""Compute only each image's own channel for plain Conv2D layers (see ``_build_own_channel``).

Read when a layer's steps are first compiled; the benchmark turns it off to time the
general path (full layer output, then a gather)."""
_COMPILED_LOCK = threading.Lock()
MAX_COMPILED_PER_MODEL = 16
"""Most compiled ascent loops kept per model (one per layer, settings and number of filters);
the least recently used is dropped first."""


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
    model: keras.Model,
    layer: str,
    regularizers: tuple,
    objective: str,
    batch: int,
) -> tuple[Any, Any, str]:
    """Compiled ascent loop and forward pass, cached per model/layer/regularizers/objective/batch.

    ``ascend(images, chosen, step_size, low, high, start, count)`` runs ``count``
    ascent steps (numbered from ``start``) inside ONE graph call (a ``tf.while_loop``
    writing each step's images, activations and gradient RMS into ``TensorArray``s),
    so a request costs one Python -> graph call per progress report, not one per step,
    and nothing is copied to NumPy until the chunk is done. The activation written for
    step ``s`` is that of the image of step ``s`` itself (not of its jittered copy).
    ``forward(images, chosen)`` is the objective of each image (forward only). Both have
    fixed input signatures, traced once. ``batch`` fixes the number of images (filters)
    in them: TensorFlow then knows every shape when it optimizes the graph, which
    measured 25-30% faster per call than a signature taking any number. At most
    ``MAX_COMPILED_PER_MODEL`` are kept per model, the least recently used dropped first
    (a loop a student keeps going back to stays compiled). The truncated
    model shares the model's layers, so new weights are used at once.
    """
    with _COMPILED_LOCK:
        per_model = _COMPILED.setdefault(model, {})
        key = (layer, regularizers, objective, batch)
        if key in per_model:
            per_model[key] = per_model.pop(key)  # Now the most recently used (dicts keep order).
            return per_model[key]
        while len(per_model) >= MAX_COMPILED_PER_MODEL:
            del per_model[next(iter(per_model))]  # The least recently used.
        truncated, kind = _build_truncated(model, layer)
        own_channel = _build_own_channel(model, layer) if _OWN_CHANNEL else None
        inputs = [r for r in regularizers if r.stage == "input"]
        penalties = [r for r in regularizers if r.stage == "penalty"]
        updates = [r for r in regularizers if r.stage == "update"]
        project = any(isinstance(r, ClipToRange) and r.project for r in updates)
        shape = tuple(int(size) for size in model.inputs[0].shape[1:])
        image_spec = tf.TensorSpec((batch, *shape), tf.float32)
        chosen_spec = tf.TensorSpec((batch,), tf.int32)
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


_SCORES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _scores_function(model: keras.Model, layer: str) -> Callable:
    """Compiled image batch -> ``(N, filters)`` mean activation of every filter of ``layer``."""
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
