"""StructurePanel with bad models and save paths (table-driven): refused or shown, then a toggle
redraws and a good save works.
"""

from __future__ import annotations

import keras
import pytest

from helpers import assert_refuses_model, text
from tiny_models import nan_model, no_conv_model, subclassed_model


@pytest.fixture(scope="module")
def structure_panel(good_model):
    from lenet_widgets.ui.structure import StructurePanel

    return StructurePanel(good_model, engine="matplotlib")


def _good_structure_action(panel, good_model):
    panel.model = good_model
    toggle = panel._toggles["show_dtype"]
    toggle.value = not toggle.value
    assert "lenet: " in text(panel._status.value)
    assert bytes(panel._picture.value).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: "lenet.keras", "model is a str; expected a Keras model"),
        (lambda: keras.Sequential([keras.layers.Dense(3)]), "is not built; expected a built"),
    ],
    ids=["a path string", "unbuilt"],
)
def test_structure_panel_refuses_bad_models(structure_panel, good_model, make, message):
    assert_refuses_model(structure_panel, good_model, make(), message)
    _good_structure_action(structure_panel, good_model)


@pytest.mark.parametrize(
    ("make", "shown"),
    [(subclassed_model, "subclassed"), (no_conv_model, "no_conv"), (nan_model, "lenet")],
    ids=["subclassed", "no Conv2D", "NaN weights"],
)
def test_structure_panel_draws_odd_models(structure_panel, good_model, make, shown):
    structure_panel.model = make()
    assert f"{shown}: drawn with matplotlib" in text(structure_panel._status.value)
    _good_structure_action(structure_panel, good_model)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{tmp}", "Could not save"),
        ("{tmp}/model.txt", "Could not save"),
        ("{tmp}/nowhere/deeper/model.png", "Could not save"),
    ],
    ids=["a directory", "wrong suffix", "missing folder"],
)
def test_structure_panel_bad_save_path(structure_panel, good_model, tmp_path, target, message):
    structure_panel._save_path.value = target.format(tmp=tmp_path)
    structure_panel._save.click()
    assert message in text(structure_panel._status.value)
    structure_panel._save_path.value = str(tmp_path / "model.png")
    structure_panel._save.click()
    assert text(structure_panel._status.value).startswith("Saved")
    assert (tmp_path / "model.png").read_bytes().startswith(b"\x89PNG")
    _good_structure_action(structure_panel, good_model)
