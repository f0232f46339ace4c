"""The filter engine refuses bad models and arguments (table-driven), naming the bad value and
what was expected; non-square and RGB models are good input.
"""

from __future__ import annotations

import numpy as np
import pytest

from lenet_widgets.core.filters import FilterError, maximize_filters, visualizable_layers
from lenet_widgets.core.model import build_lenet
from lenet_widgets.core.training import train

from helpers import named_cases
from tiny_models import SHAPE, nan_model, no_conv_model, subclassed_model, vector_model

#: (case, call, exception, message naming the bad value and the expected one)
FILTER_CASES = [
    (
        "no Conv2D, asked for conv2d_1",
        lambda: maximize_filters(no_conv_model(), "conv2d_1", steps=1),
        FilterError,
        r"layer 'conv2d_1' is not in model 'no_conv'; expected one of \['dense'\]",
    ),
    (
        "unknown layer",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "conv9", steps=1),
        FilterError,
        r"layer 'conv9' is not in model 'lenet'; expected one of \['conv2d'",
    ),
    (
        "layer with no channel axis",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "flatten", steps=1),
        FilterError,
        r"layer 'flatten' \(Flatten.*no channel or unit axis.*expected one of",
    ),
    (
        "steps negative",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "conv2d", steps=-1),
        FilterError,
        r"steps is -1; expected an integer >= 0",
    ),
    (
        "steps very large",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "conv2d", steps=10**9),
        FilterError,
        r"steps is 1000000000; expected an integer from 0 to",
    ),
    (
        "steps not an integer",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "conv2d", steps=2.5),
        FilterError,
        r"steps is 2\.5; expected an integer",
    ),
    (
        "filters out of range",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "conv2d", filters=[0, 20], steps=1),
        FilterError,
        r"filters \[0, 20\] are not all valid.*expected integers in 0\.\.19",
    ),
    (
        "NaN weights, filters",
        lambda: maximize_filters(nan_model(), "conv2d", steps=1),
        ValueError,
        r"NaN or infinite.*expected finite numbers",
    ),
    (
        "subclassed model, filters",
        lambda: visualizable_layers(subclassed_model()),
        FilterError,
        r"subclassed.*expected a Sequential or functional model",
    ),
    (
        "not a model",
        lambda: maximize_filters("lenet.keras", "conv2d"),
        FilterError,
        r"model is a str; expected a Keras model",
    ),
    (
        "not an image model",
        lambda: maximize_filters(vector_model(), "dense"),
        FilterError,
        r"model input has shape \(None, 4\); expected \(None, H, W, C\)",
    ),
]


@pytest.mark.parametrize(("call", "expected", "message"), named_cases(FILTER_CASES))
def test_filter_engine_refuses_bad_models_naming_value_and_expectation(call, expected, message):
    with pytest.raises(expected, match=message):
        call()


@pytest.mark.parametrize("shape", [(10, 14, 1), (12, 12, 3), (9, 16, 3)], ids=str)
def test_non_square_and_rgb_models_are_good_input(shape):
    model = build_lenet(shape, 3)
    result = maximize_filters(model, "conv2d_1", filters=range(4), steps=2)
    assert result.images.shape == (3, 4, *shape)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (8, *shape), dtype=np.uint8)
    history = train(model, images, rng.integers(0, 3, 8), batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
