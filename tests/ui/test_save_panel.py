"""SavePanel driven from Python: save and load in each format, errors shown, the previous
file and the current model kept, saving refused while training runs.
"""

from __future__ import annotations

from lenet_widgets.core.persistence import save_model
from lenet_widgets.ui.save import SavePanel


def test_save_and_load_through_the_panel(tiny_lenet, tmp_path):
    panel = SavePanel(tiny_lenet, path=tmp_path / "model.keras")
    panel._format.value = ".h5"
    assert panel.path == str(tmp_path / "model.h5")
    panel._save_button.click()
    assert "saved" in panel.status and (tmp_path / "model.h5").is_file()
    panel._load_button.click()
    assert panel.model is not tiny_lenet and "loaded" in panel.status
    assert "11 layers" in panel.status and "Adam" in panel.status
    panel.path = str(tmp_path / "weights.weights.h5")
    assert panel._format.value == ".weights.h5"


def test_save_errors_are_shown_and_previous_file_kept(tiny_lenet, tmp_path, monkeypatch):
    target = save_model(tiny_lenet, tmp_path / "model.keras")
    before = target.read_bytes()
    panel = SavePanel(tiny_lenet, path=target)

    def broken(self, path, *args, **kwargs):
        with open(path, "wb") as stream:
            stream.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(type(tiny_lenet), "save", broken)
    panel.save()
    assert "not saved" in panel.status and "disk full" in panel.status
    assert target.read_bytes() == before
    panel.path = str(tmp_path / "model.txt")
    panel.save()
    assert "unknown model file suffix" in panel.status


def test_load_errors_keep_the_current_model(tiny_lenet, tmp_path):
    panel = SavePanel(tiny_lenet, path=tmp_path / "missing.keras")
    panel.load()
    assert "not loaded" in panel.status and "does not exist" in panel.status
    assert panel.model is tiny_lenet
    (tmp_path / "junk.h5").write_bytes(b"junk")
    panel.path = str(tmp_path / "junk.h5")
    panel.load()
    assert "not an HDF5 file" in panel.status and panel.model is tiny_lenet


def test_saving_is_refused_while_busy(tiny_lenet, tmp_path):
    panel = SavePanel(tiny_lenet, path=tmp_path / "m.keras")
    panel.busy = True
    panel.save()
    assert "training is running" in panel.status and not (tmp_path / "m.keras").exists()
