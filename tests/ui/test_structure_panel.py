"""StructurePanel: toggles redraw in place, cached toggles do not redraw, errors show."""

from __future__ import annotations

import re

import keras
import pytest
import traitlets

from lenet_widgets.ui.structure import StructurePanel

L = keras.layers


@pytest.fixture
def small():
    return keras.Sequential(
        [
            keras.Input((6, 6, 1), name="pixels"),
            L.Conv2D(3, 3, name="conv"),
            L.Flatten(name="flat"),
            L.Dense(2, name="out"),
        ],
        name="small",
    )


@pytest.fixture
def panel(no_dot, small):
    return StructurePanel(small, engine="matplotlib")


def test_panel_draws_once_and_children_are_fixed(panel):
    assert panel.render_count == 1
    assert bytes(panel._picture.value).startswith(b"\x89PNG")
    children = panel.children
    panel._toggles["show_dtype"].value = True
    assert panel.children is children


def test_toggles_change_the_picture_in_place(panel):
    image = panel._picture
    first = bytes(image.value)
    panel._toggles["show_trainable"].value = True
    assert panel._picture is image
    assert bytes(image.value) != first
    assert panel.render_count == 2
    panel._rankdir.value = "LR"
    assert panel.render_count == 3
    panel._dpi.value = 144
    assert panel.render_count == 4


def test_cached_toggle_does_not_redraw(panel):
    first = bytes(panel._picture.value)
    panel._toggles["show_shapes"].value = False
    second = bytes(panel._picture.value)
    assert panel.render_count == 2
    panel._toggles["show_shapes"].value = True
    assert panel.render_count == 2
    assert bytes(panel._picture.value) == first
    panel._toggles["show_shapes"].value = False
    assert panel.render_count == 2
    assert bytes(panel._picture.value) == second
    panel.refresh()
    assert panel.render_count == 3


def test_every_option_reaches_plot_model(panel, monkeypatch):
    seen = []
    import lenet_widgets.ui.structure as module

    real = module.plot_model

    def spy(model, to_file=None, **options):
        seen.append(options)
        return real(model, to_file, **options)

    monkeypatch.setattr(module, "plot_model", spy)
    for name, toggle in panel._toggles.items():
        toggle.value = not toggle.value
        expected = True if name == "show_input_layer" else toggle.value
        assert seen[-1][name] == expected
    panel._engine.value = "auto"
    assert seen[-1]["engine"] == "auto"


def test_missing_graphviz_shows_a_message_not_a_traceback(panel):
    picture = bytes(panel._picture.value)
    panel._engine.value = "graphviz"
    assert "apt-get install graphviz" in panel._status.value
    assert bytes(panel._picture.value) == picture
    panel._engine.value = "matplotlib"  # Still usable.
    assert "drawn with matplotlib" in panel._status.value or "cache" in panel._status.value


def test_save_writes_png_and_svg_and_reports_bad_paths(panel, tmp_path):
    panel._save_path.value = str(tmp_path / "model.svg")
    panel._save.click()
    assert (tmp_path / "model.svg").read_bytes().startswith(b"<?xml")
    assert "Saved" in panel._status.value
    panel._save_path.value = str(tmp_path / "model.png")
    panel._save.click()
    assert (tmp_path / "model.png").read_bytes().startswith(b"\x89PNG")
    panel._save_path.value = str(tmp_path / "missing" / "model.png")
    panel._save.click()
    assert "Could not save" in panel._status.value
    assert "does not exist" in panel._status.value
    panel._save_path.value = str(tmp_path / "model.gif")
    panel._save.click()
    assert "&#x27;.gif&#x27;" in panel._status.value


def test_layer_chooser_drives_the_inspector(panel):
    assert panel._layer.options == ("conv", "flat", "out")
    assert "conv (Conv2D)" in panel._inspector_text.value
    assert bytes(panel._kernels.value).startswith(b"\x89PNG")
    panel._layer.value = "flat"
    assert "No weights" in panel._inspector_text.value
    assert panel._kernels.layout.display == "none"
    panel._layer.value = "out"
    assert "out/kernel" in panel._inspector_text.value


def test_compare_to_shows_the_diff(panel, small):
    assert panel._diff_box.layout.display == "none"
    wider = keras.Sequential(
        [
            keras.Input((6, 6, 1), name="pixels"),
            L.Conv2D(5, 3, name="conv"),
            L.Flatten(name="flat"),
            L.Dropout(0.1, name="drop"),
            L.Dense(2, name="out"),
        ],
        name="wider",
    )
    panel.compare_to = wider
    assert panel._diff_box.layout.display == ""
    assert "added: drop" in panel._diff_text.value
    assert "filters 3 -&gt; 5" in panel._diff_text.value
    assert bytes(panel._diff_picture.value).startswith(b"\x89PNG")
    panel.compare_to = None
    assert panel._diff_box.layout.display == "none"


def test_new_model_redraws_and_bad_values_are_refused(panel):
    other = keras.Sequential([keras.Input((3,), name="i"), L.Dense(1, name="d")], name="other")
    panel.model = other
    assert panel.render_count == 2
    assert panel._layer.options == ("d",)
    with pytest.raises(traitlets.TraitError, match="expected a Keras model"):
        panel.model = "lenet.keras"
    with pytest.raises(traitlets.TraitError, match="not built"):
        panel.compare_to = keras.Sequential([L.Dense(1)])


def test_saved_path_is_escaped_once(panel, tmp_path):
    folder = tmp_path / "a&b"
    folder.mkdir()
    panel._save_path.value = str(folder / "model.png")
    panel._save.click()
    assert "a&amp;b" in panel._status.value and "&amp;amp;" not in panel._status.value


def test_dpi_changes_the_size_shown_and_lr_rows_rewrap_to_the_cell(no_dot):
    from lenet_widgets.core.model import build_lenet
    from lenet_widgets.ui.figure_view import png_size

    panel = StructurePanel(build_lenet(compile=False), engine="matplotlib", rankdir="LR")

    def shown():
        width, height = png_size(bytes(panel._picture.value))
        assert panel._picture.layout.width == f"{round(width / 2)}px"  # PNG at 2x.
        return round(width / 2), round(height / 2)

    width_96, height_96 = shown()
    assert "wrapped into 4 rows" in panel._status.value
    panel._dpi.value = 192
    width_192, height_192 = shown()
    assert width_192 <= 900 and height_192 > 1.6 * height_96  # Bigger text, more rows.
    assert re.search(r"wrapped into \d+ rows to fit 900 px", panel._status.value)
    panel._rankdir.value = "TB"
    tb_192 = shown()
    panel._dpi.value = 96
    tb_96 = shown()
    assert tb_192[1] > 1.8 * tb_96[1] and tb_192[0] <= 900  # Twice the size, fit to the cell.
    assert width_96 <= 900
