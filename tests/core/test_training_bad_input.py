"""train() and build_lenet() refuse bad models, images, labels and sizes (table-driven), naming
the bad value and what was expected.
"""

from __future__ import annotations

import numpy as np
import pytest

from lenet_widgets.core.model import build_lenet
from lenet_widgets.core.training import train

from helpers import named_cases
from tiny_models import SHAPE, nan_model, subclassed_model

#: (case, call, exception, message naming the bad value and the expected one)
TRAINING_CASES = [
    (
        "NaN weights, training",
        lambda: train(nan_model(), np.zeros((4, 12, 12), np.uint8), np.zeros(4), verbose=0),
        ValueError,
        r"NaN or infinite.*expected finite numbers",
    ),
    (
        "subclassed model, training",
        lambda: train(subclassed_model(), np.zeros((4, 12, 12), np.uint8), np.zeros(4)),
        ValueError,
        r"subclassed.*expected a Sequential or functional model",
    ),
    (
        "RGB images for a grey model",
        lambda: train(
            build_lenet(SHAPE, 3), np.zeros((4, 12, 12, 3), np.uint8), np.zeros(4), verbose=0
        ),
        ValueError,
        r"x_train are \(12, 12, 3\) each.*expects \(12, 12, 1\)",
    ),
    (
        "non-square images for a square model",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((4, 12, 9), np.uint8), np.zeros(4)),
        ValueError,
        r"x_train are \(12, 9, 1\) each.*expects \(12, 12, 1\)",
    ),
    (
        "labels out of range",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((4, 12, 12), np.uint8), np.full(4, 7)),
        ValueError,
        r"y_train range over 7\.\.7; expected 0\.\.2",
    ),
    (
        "negative labels",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((4, 12, 12), np.uint8), np.full(4, -1)),
        ValueError,
        r"y_train range over -1\.\.-1; expected 0\.\.2",
    ),
    (
        "NaN labels",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((4, 12, 12), np.uint8), np.full(4, np.nan)),
        ValueError,
        r"y_train hold .*nan.*not a class id; expected integers 0\.\.2",
    ),
    (
        "fractional labels",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((4, 12, 12), np.uint8), np.full(4, 0.5)),
        ValueError,
        r"y_train hold .*0\.5.*expected integers 0\.\.2",
    ),
    (
        "no images",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((0, 12, 12), np.uint8), np.zeros(0)),
        ValueError,
        r"x_train is empty; expected at least one image",
    ),
    (
        "epochs 0",
        lambda: train(
            build_lenet(SHAPE, 3), np.zeros((4, 12, 12), np.uint8), np.zeros(4), epochs=0
        ),
        ValueError,
        r"epochs is 0; expected at least 1",
    ),
    (
        "build a model for a 0-sized input",
        lambda: build_lenet((0, 12, 1), 3),
        ValueError,
        r"input_shape is \(0, 12, 1\); expected \(height, width, channels\)",
    ),
]


@pytest.mark.parametrize(("call", "expected", "message"), named_cases(TRAINING_CASES))
def test_training_and_build_refuse_bad_input_naming_value_and_expectation(call, expected, message):
    with pytest.raises(expected, match=message):
        call()
