"""SavePanel with bad files and targets (table-driven): the message shows, the model and the
previous file are kept, then a good load or save works.
"""

from __future__ import annotations

import re

import pytest

from helpers import text
from tiny_models import FILE_CASES, UNSAFE, nan_model


@pytest.fixture
def save_panel(good_model, model_files, tmp_path):
    from lenet_widgets.ui.save import SavePanel

    return SavePanel(good_model, tmp_path / "current.keras")


@pytest.mark.parametrize(("name", "case"), FILE_CASES.items(), ids=list(FILE_CASES))
def test_save_panel_load_bad_file_keeps_model_then_loads_good(save_panel, model_files, name, case):
    model = save_panel.model
    save_panel.path = str(model_files[name])
    save_panel.load()
    status = text(save_panel.status)
    assert status.startswith("not loaded, the current model is kept")
    assert re.search(case[1], status), status
    if name in UNSAFE:
        assert "safe mode" in status and "safe_mode=False" in status
    assert save_panel.model is model
    save_panel.path = str(model_files["good.keras"])  # The good action: the panel still works.
    save_panel.load()
    assert text(save_panel.status).startswith("loaded") and save_panel.model is not model


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{files}/folder.keras", "is a directory"),
        ("{tmp}/model.txt", "unknown model file suffix"),
        ("{tmp}/nowhere/model.keras", "does not exist"),
        ("", "unknown model file suffix"),
        ("{tmp}/.keras", "unknown model file suffix"),
    ],
)
def test_save_panel_save_to_bad_target_then_good(
    save_panel, model_files, tmp_path, target, message
):
    save_panel.save()
    before = (tmp_path / "current.keras").read_bytes()
    save_panel.path = target.format(files=model_files["good.keras"].parent, tmp=tmp_path)
    save_panel.save()
    assert re.search(f"not saved: .*{message}", text(save_panel.status))
    save_panel.path = str(tmp_path / "current.keras")
    assert (tmp_path / "current.keras").read_bytes() == before
    save_panel.save()
    assert text(save_panel.status).startswith("saved")


def test_save_panel_refuses_nan_weights_and_keeps_the_file(save_panel, tmp_path, good_model):
    save_panel.save()
    before = (tmp_path / "current.keras").read_bytes()
    save_panel.model = nan_model()
    save_panel.save()
    assert re.search(r"not saved.*NaN", text(save_panel.status))
    assert (tmp_path / "current.keras").read_bytes() == before
    save_panel.model = good_model
    save_panel.save()
    assert text(save_panel.status).startswith("saved")
