"""TrainingPanel with bad data and models (table-driven): the message shows, nothing is trained,
then Reset gives a LeNet that trains; sliders clamp.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from lenet_widgets.core.model import build_lenet

from helpers import named_cases, text, tiny_dataset
from tiny_models import SHAPE, nan_model, subclassed_model

TRAINING_CASES = [
    (
        "labels out of range",
        lambda: (build_lenet(SHAPE, 3), tiny_dataset(labels=np.full(40, 9, np.uint8))),
        r"training failed: .*y_train range over 9\.\.9; expected 0\.\.2",
    ),
    (
        "RGB data, grey model",
        lambda: (
            build_lenet(SHAPE, 3),
            tiny_dataset(images=np.zeros((40, 12, 12, 3), np.uint8)),
        ),
        r"training failed: .*x_train are \(12, 12, 3\) each.*expects \(12, 12, 1\)",
    ),
    (
        "non-square data, square model",
        lambda: (build_lenet(SHAPE, 3), tiny_dataset(images=np.zeros((40, 12, 8), np.uint8))),
        r"training failed: .*x_train are \(12, 8, 1\) each.*expects \(12, 12, 1\)",
    ),
    (
        "NaN weights",
        lambda: (nan_model(), tiny_dataset()),
        r"training failed: .*NaN or infinite.*expected finite",
    ),
    (
        "subclassed model",
        lambda: (subclassed_model(), tiny_dataset()),
        r"training failed: .*subclassed.*expected a Sequential or functional",
    ),
]


@pytest.mark.parametrize(("make", "message"), named_cases(TRAINING_CASES))
def test_training_panel_shows_bad_input_then_trains_after_reset(make, message):
    from lenet_widgets.ui.training import TrainingPanel

    model, data = make()
    panel = TrainingPanel(model, data)
    panel._batch_size.value = 32
    weights = [w.copy() for w in model.get_weights()]
    panel.start()
    assert panel.wait(120)
    assert re.search(message, text(panel._status.value)), text(panel._status.value)
    assert not panel.running and not panel._train_button.disabled
    for before, after in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)  # Nothing was trained.
    panel._reset_button.click()  # The good action: Reset gives a fresh LeNet...
    assert "fresh weights" in text(panel._status.value)
    if data.x_train.shape[1:] == (12, 12) and data.y_train.max() < 3:
        panel.start()  # ... which trains on good data.
        assert panel.wait(120)
        assert "1 epoch trained" in text(panel._status.value)


@pytest.mark.parametrize(
    ("control", "value", "shown"),
    [("_epochs", 0, 1), ("_epochs", -5, 1), ("_epochs", 10**6, 20)],
    ids=["epochs 0", "epochs negative", "epochs huge"],
)
def test_training_panel_sliders_clamp(control, value, shown):
    from lenet_widgets.ui.training import TrainingPanel

    panel = TrainingPanel(build_lenet(SHAPE, 3), tiny_dataset())
    getattr(panel, control).value = value
    assert getattr(panel, control).value == shown
