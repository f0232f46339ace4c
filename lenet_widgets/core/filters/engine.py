"""The engine: ``maximize_filters``, its settings, start images and ``FilterResult``.

All requested filters are one batch: image ``i`` is optimized for filter ``i`` by one
compiled loop (``compiled.py``). Each step, as in the chapter: the objective of image
``i`` is the mean activation of its filter (or its centre neuron); its gradient is
divided by its root mean square and added, times ``step_size``, to the image. See the
package docstring for the chapter's defects this fixes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lenet_widgets.core.checks import check_integer
from lenet_widgets.core.filters.compiled import _compiled_for, _fires_anywhere
from lenet_widgets.core.filters.layers import filter_count
from lenet_widgets.core.filters.presets import DEFAULT_PRESET, preset_arguments
from lenet_widgets.core.filters.regularizers import check_regularizers
from lenet_widgets.core.filters.validation import (
    FilterError,
    _check_filters,
    _check_images,
    _check_model,
)
from lenet_widgets.core.model import check_finite_weights, input_range

__all__ = [
    "DEAD_TESTS",
    "INITS",
    "MAX_RESULT_BYTES",
    "MAX_STEPS",
    "NOISE_AMPLITUDE",
    "OBJECTIVES",
    "PROGRESS_EVERY",
    "FilterResult",
    "FilterSearchCancelledError",
    "initial_images",
    "maximize_filters",
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


class FilterSearchCancelledError(Exception):
    """Raised by ``maximize_filters`` when its ``progress`` callback asks to stop."""


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
    """Refuse bad ``maximize_filters`` settings with a ``FilterError`` naming the value."""
    check_integer("steps", steps, 0, error=FilterError)
    check_integer("steps", steps, 0, MAX_STEPS, error=FilterError)
    if not isinstance(step_size, (int, float, np.floating, np.integer)) or not step_size > 0:
        raise FilterError(f"step_size is {step_size!r}; expected a number > 0.")
    check_integer("seed", seed, 0, error=FilterError)
    check_regularizers(regularizers)


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
    check_integer("progress_every", progress_every, 1, error=FilterError)
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
    ascend, forward, kind = _compiled_for(model, layer, regularizers, objective, len(chosen))
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
