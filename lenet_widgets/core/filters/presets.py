"""Presets: named, measured settings of ``maximize_filters`` (start image, step, regularizers).

``PRESETS`` holds settings measured on a LeNet trained for one epoch on MNIST;
``DEFAULT_PRESET`` keeps every image inside the model's input range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras

from lenet_widgets.core.filters.regularizers import Blur, ClipToRange, Decay, Jitter
from lenet_widgets.core.filters.validation import FilterError
from lenet_widgets.core.model import input_range

__all__ = ["DEFAULT_PRESET", "PRESETS", "Preset", "preset_arguments"]


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
