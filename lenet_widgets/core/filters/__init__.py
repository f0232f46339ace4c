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

Modules, one concern each:

- ``regularizers.py``: the regularizer contract and ``Jitter``, ``Decay``, ``Blur``,
  ``TotalVariation``, ``ClipToRange``.
- ``presets.py``: ``PRESETS``, ``DEFAULT_PRESET``, ``preset_arguments``.
- ``layers.py``: which layers can be visualized, layer lookup, the model cut at a layer,
  the own-channel shortcut for plain ``Conv2D``.
- ``compiled.py``: the compiled ascent loop and the other cached ``tf.function``s.
- ``engine.py``: ``maximize_filters``, ``FilterResult``, ``initial_images``, the settings.
- ``examples.py``: the top-activating examples of a data set.
- ``validation.py``: ``FilterError`` and the checks shared by the entry points.

Every public name is re-exported here (``from lenet_widgets.core.filters import X``).
Module-level switches read at compile time (``_OWN_CHANNEL``, ``_JIT_COMPILE``) and the
caches live in ``compiled.py`` only: set them there.
"""

from lenet_widgets.core.filters.engine import (
    DEAD_TESTS,
    INITS,
    MAX_RESULT_BYTES,
    MAX_STEPS,
    NOISE_AMPLITUDE,
    OBJECTIVES,
    PROGRESS_EVERY,
    FilterResult,
    FilterSearchCancelledError,
    initial_images,
    maximize_filters,
)
from lenet_widgets.core.filters.examples import TopExamples, top_activating_examples
from lenet_widgets.core.filters.layers import filter_count, visualizable_layers
from lenet_widgets.core.filters.presets import DEFAULT_PRESET, PRESETS, Preset, preset_arguments
from lenet_widgets.core.filters.regularizers import (
    STAGES,
    Blur,
    ClipToRange,
    Decay,
    Jitter,
    StepContext,
    TotalVariation,
)
from lenet_widgets.core.filters.validation import FilterError

__all__ = [
    "DEAD_TESTS",
    "DEFAULT_PRESET",
    "INITS",
    "MAX_RESULT_BYTES",
    "MAX_STEPS",
    "NOISE_AMPLITUDE",
    "OBJECTIVES",
    "PRESETS",
    "PROGRESS_EVERY",
    "STAGES",
    "Blur",
    "ClipToRange",
    "Decay",
    "FilterError",
    "FilterResult",
    "FilterSearchCancelledError",
    "Jitter",
    "Preset",
    "StepContext",
    "TopExamples",
    "TotalVariation",
    "filter_count",
    "initial_images",
    "maximize_filters",
    "preset_arguments",
    "top_activating_examples",
    "visualizable_layers",
]
