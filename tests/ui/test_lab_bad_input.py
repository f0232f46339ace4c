"""LeNetLab and lab() with bad model files (table-driven): every panel keeps the old model, then
a good load reaches every panel.
"""

from __future__ import annotations

import re

import pytest
import traitlets

from lenet_widgets.core.persistence import ModelFileError, UnsafeModelError

from helpers import text, tiny_dataset
from tiny_models import subclassed_model


@pytest.fixture(scope="module")
def dashboard(good_model):
    from lenet_widgets.ui.lab import LeNetLab

    board = LeNetLab(good_model, tiny_dataset(), filter_steps=2)
    board.wait()
    return board


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("lambda.keras", r"safe mode.*safe_mode=False"),
        ("vector.keras", r"expected \(None, H, W, C\)|feature maps|expected"),
        ("truncated.h5", "is damaged|could not be loaded"),
        ("folder.keras", "is a directory"),
    ],
)
def test_lab_load_of_a_bad_model_keeps_every_panel_on_the_old_one(
    dashboard, model_files, name, message
):
    model = dashboard.model
    dashboard.saving.path = str(model_files[name])
    dashboard.saving.load()
    status = text(dashboard.saving.status)
    assert status.startswith("not loaded, the current model is kept"), status
    assert re.search(message, status), status
    assert dashboard.model is model
    assert all(panel.model is model for panel in dashboard.panels)
    dashboard.saving.path = str(model_files["good.keras"])  # The good action.
    dashboard.saving.load()
    dashboard.wait()
    assert text(dashboard.saving.status).startswith("loaded")
    assert all(panel.model is dashboard.model for panel in dashboard.panels)
    assert dashboard.model is not model


@pytest.mark.parametrize(
    ("model", "expected", "message"),
    [
        ("{files}/lambda.keras", UnsafeModelError, r"safe mode.*safe_mode=False"),
        ("{files}/missing.keras", ModelFileError, "does not exist"),
        ("{files}/model.txt", ModelFileError, "unknown model file suffix"),
    ],
    ids=["Lambda file", "missing file", "wrong suffix"],
)
def test_lab_function_refuses_bad_files(model_files, model, expected, message):
    from lenet_widgets.ui.lab import lab

    with pytest.raises(expected, match=message):
        lab(model.format(files=model_files["good.keras"].parent), tiny_dataset())


def test_lab_function_refuses_a_subclassed_model():
    from lenet_widgets.ui.lab import lab

    with pytest.raises(traitlets.TraitError, match="subclassed"):
        lab(subclassed_model(), tiny_dataset())
