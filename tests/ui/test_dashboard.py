"""Training, saving, feature-map panels and the LeNetLab dashboard, driven from Python.

No browser: tests set traits and click buttons, then wait for background threads.
"""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
import traitlets

from lenet_widgets.core.data import Dataset
from lenet_widgets.core.model import build_lenet, epochs_trained
from lenet_widgets.core.persistence import load_model, save_model
from lenet_widgets.core.training import evaluate
from lenet_widgets.ui.feature_maps import FeatureMapsPanel
from lenet_widgets.ui.lab import LeNetLab, lab
from lenet_widgets.ui.save import SavePanel
from lenet_widgets.ui.training import TrainingPanel

from helpers import centre_brightness_dataset, stop_after


@pytest.fixture
def small_dataset():
    """320 train and 40 test 12x12 images, 3 classes: each epoch is 10 batches of 32."""
    return centre_brightness_dataset(40)


@pytest.fixture
def panel(tiny_lenet, small_dataset, make_training_panel):
    return make_training_panel(tiny_lenet, small_dataset)


# ----------------------------------------------------------------------------- training panel


def test_train_runs_in_background_and_keeps_kernel_free(panel):
    panel._epochs.value = 3
    panel.start()
    assert panel.running  # start() returned while training goes on.
    panel._log_scale.value = True  # Another control works meanwhile.
    assert panel.wait(120) and not panel.running
    assert epochs_trained(panel.model) == 3 and panel.runs_finished == 1
    assert panel.test_accuracy is not None and "test accuracy" in panel._status.value


def test_stop_takes_effect_within_one_batch_and_model_stays_usable(panel, tmp_path):
    panel._epochs.value = 5
    stop_after(panel, 3)
    panel.start()
    assert panel.wait(120)
    done, total = panel.monitor.progress()
    assert done == 3 and total == 50  # Requested in batch 3's update, honoured at its end.
    assert panel.monitor.stopped and "stopped after 3 of 10 batches" in panel._status.value
    steps = int(panel.model.optimizer.iterations.numpy())
    assert steps == 3
    save_model(panel.model, tmp_path / "after_stop.keras")
    panel.monitor.interval = 10.0
    panel.monitor.on_update = panel._on_progress
    panel._epochs.value = 1
    panel.start()
    assert panel.wait(120)
    assert int(panel.model.optimizer.iterations.numpy()) == steps + 10  # Continued, not restarted.


def test_curves_hold_the_logged_values(panel, small_dataset):
    panel._epochs.value = 2
    panel.start()
    assert panel.wait(120)
    monitor, curves = panel.monitor, panel._curves
    np.testing.assert_allclose(curves.train_loss.get_ydata(), monitor.loss)
    np.testing.assert_allclose(curves.val_accuracy.get_ydata(), monitor.val_accuracy)
    np.testing.assert_allclose(curves.val_loss.get_xdata(), [1.0, 2.0])
    assert len(monitor.loss) == 20
    final = evaluate(panel.model, small_dataset.x_test, small_dataset.y_test)
    assert monitor.val_loss[-1] == pytest.approx(final["loss"], rel=1e-4)
    assert panel.test_accuracy == pytest.approx(final["accuracy"])
    panel._log_scale.value = True
    assert curves.loss_axes.get_yscale() == "log"


def test_train_again_continues_reset_starts_fresh(panel):
    panel.start()
    panel.wait(120)
    first_model = panel.model
    panel.start()
    panel.wait(120)
    assert panel.model is first_model and epochs_trained(first_model) == 2
    assert panel._curves.val_loss.get_xdata().tolist() == [1.0, 2.0]
    panel._reset_button.click()
    assert panel.model is not first_model and epochs_trained(panel.model) == 0
    assert len(panel._curves.train_loss.get_xdata()) == 0
    assert panel.model.inputs[0].shape[1:] == (12, 12, 1)


def test_pressing_train_twice_is_refused_not_doubled(panel):
    panel._epochs.value = 3
    panel.start()
    panel._train_button.click()  # Disabled in the browser; a script can still call it.
    assert "already training" in panel._status.value
    panel.wait(120)
    assert epochs_trained(panel.model) == 3


def test_learning_rate_change_keeps_state_optimizer_change_recompiles(panel):
    panel.start()
    panel.wait(120)
    optimizer = panel.model.optimizer
    panel._learning_rate.value = 1e-4
    panel.start()
    panel.wait(120)
    assert panel.model.optimizer is optimizer
    assert float(optimizer.learning_rate) == pytest.approx(1e-4)
    panel._optimizer.value = "sgd"
    panel.start()
    panel.wait(120)
    assert isinstance(panel.model.optimizer, keras.optimizers.SGD)


def test_training_error_lands_in_the_panel(tiny_lenet, small_dataset):
    bad = Dataset(
        small_dataset.x_train,
        np.full(320, 9, np.uint8),
        small_dataset.x_test,
        small_dataset.y_test,
        source="bad labels",
    )
    panel = TrainingPanel(tiny_lenet, bad)
    panel.start()
    assert panel.wait(60)
    assert "training failed" in panel._status.value and "expected 0..2" in panel._status.value
    assert not panel.running and not panel._train_button.disabled


# ----------------------------------------------------------------------------- save panel


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


# ----------------------------------------------------------------------------- feature maps


def test_feature_maps_update_in_place(tiny_lenet, small_dataset):
    panel = FeatureMapsPanel(tiny_lenet, small_dataset.x_test, small_dataset.y_test)
    assert panel.layer == "activation"
    first = panel._view.image.value
    artists = panel._artists
    panel.index = 5
    assert panel._artists is artists  # Same artists, new data.
    assert panel._view.image.value != first
    panel.layer = "conv2d_1"
    assert panel._artists is not artists and len(panel._artists.tiles) == 50
    panel.layer = "dense"
    assert not re.search(r"\b1 [a-z]+s\b", panel._status.value), panel._status.value  # "1 maps"
    with pytest.raises(traitlets.TraitError, match=r"index is 40; expected 0\.\.39"):
        panel.index = 40
    assert panel.index == 5


def test_unknown_layer_shows_a_message(tiny_lenet, small_dataset):
    panel = FeatureMapsPanel(tiny_lenet, small_dataset.x_test)
    renders = panel.renders
    panel.layer = "no_such_layer"
    assert "no maps" in panel._status.value and panel.renders == renders


# ----------------------------------------------------------------------------- dashboard


@pytest.fixture
def dashboard(tiny_lenet, small_dataset):
    board = LeNetLab(tiny_lenet, small_dataset, filter_steps=3)
    board.wait()
    yield board
    board.training.stop()
    board.wait()


def test_every_panel_shares_one_model(dashboard, tmp_path):
    assert all(panel.model is dashboard.model for panel in dashboard.panels)
    dashboard.training._reset_button.click()
    reset_model = dashboard.model
    assert all(panel.model is reset_model for panel in dashboard.panels)
    save_model(build_lenet((12, 12, 1), 3), tmp_path / "other.keras")
    dashboard.saving.path = str(tmp_path / "other.keras")
    dashboard.saving.load()
    assert dashboard.model is not reset_model
    assert all(panel.model is dashboard.model for panel in dashboard.panels)


def test_training_refreshes_the_weight_dependent_panels(dashboard):
    dashboard.selected_index = 4  # The Feature maps tab is on screen.
    dashboard.wait()
    calls, maps = dashboard.filters.engine_calls, dashboard.feature_maps.renders
    structure = dashboard.structure.render_count
    dashboard.training.start()
    assert dashboard.saving.busy
    dashboard.wait()
    assert not dashboard.saving.busy
    assert dashboard.feature_maps.renders > maps
    assert "1 epoch trained" in dashboard.saving.status
    # The Structure and Filters tabs are not on screen: they owe a redraw, done when chosen.
    assert dashboard.structure.stale and dashboard.structure.render_count == structure
    assert dashboard.filters.stale and dashboard.filters.engine_calls == calls
    dashboard.selected_index = 2
    assert not dashboard.structure.stale and dashboard.structure.render_count == structure + 1
    assert not dashboard.feature_maps.active
    dashboard.selected_index = 3
    assert dashboard.wait() and not dashboard.filters.stale
    assert dashboard.filters.engine_calls == calls + 1  # New weights: the filter cache missed.


def test_a_shown_filters_tab_redraws_right_after_training(dashboard):
    dashboard.selected_index = 3
    calls = dashboard.filters.engine_calls
    dashboard.training.start()
    assert dashboard.wait()
    assert dashboard.filters.engine_calls == calls + 1 and not dashboard.filters.stale


def test_tabs_nobody_opened_draw_nothing_until_chosen(tiny_lenet, small_dataset):
    board = LeNetLab(tiny_lenet, small_dataset, filter_steps=3)
    assert board.selected_index == 0
    assert board.structure.render_count == 0 and board.feature_maps.renders == 0
    assert board.feature_maps.explain_calls == 0
    assert board.structure.stale and board.feature_maps.stale
    board.selected_index = 4
    assert board.feature_maps.renders == 1 and board.wait()
    assert board.feature_maps.explain_calls == 1 and board.feature_maps.explanation is not None
    assert board.structure.render_count == 0  # Still never opened.


def test_lab_builds_from_a_file_and_a_dataset(tiny_lenet, small_dataset, tmp_path):
    path = save_model(tiny_lenet, tmp_path / "start.keras")
    board = lab(path, small_dataset, filter_steps=2)
    board.wait()
    assert board.titles == ("Train", "Save / load", "Structure", "Filters", "Feature maps")
    assert board.model.inputs[0].shape[1:] == (12, 12, 1)
    assert (
        board.model is not tiny_lenet
        and load_model(path).count_params() == board.model.count_params()
    )


def test_filter_history_records_each_epoch_and_the_slider_shows_them(dashboard):
    history = dashboard.filter_history
    assert history.recorder.layer == "conv2d_1" and history.recorder.snapshots == ()
    dashboard.training._epochs.value = 2
    dashboard.training.start()
    dashboard.wait()
    epochs = [snapshot.epoch for snapshot in history.recorder.snapshots]
    assert epochs == [0, 1, 2] and history.epoch == 2
    assert [value for _, value in history._epoch.options] == [0, 1, 2]
    last_picture = history._view.image.value
    first, last = history.recorder.snapshots[0], history.recorder.snapshots[-1]
    assert not np.allclose(first.images, last.images)  # The weights changed, so did the pictures.
    history.epoch = 0
    assert history._view.image.value != last_picture
    assert "conv2d_1 after 0 epochs; 3 pictures recorded" in history._status.value
    dashboard.training._reset_button.click()
    assert history.recorder.snapshots == () and history.model is dashboard.model
    # No stale picture of the previous model under "train to record...".
    assert history._view.image.layout.visibility == "hidden"
    assert "train to record" in history._status.value


def test_dashboard_is_complete_when_built(tiny_lenet, small_dataset):
    """Voila snapshots widget states once the cell ran: every picture must be there by then."""
    board = LeNetLab(tiny_lenet, small_dataset, filter_steps=3)
    assert board.filters.result is not None  # No wait(): the constructor waited.
    for picture in (board.filters._view.image, board.training._view.image):
        assert bytes(picture.value).startswith(b"\x89PNG")
    # The other tabs draw when chosen, before the selection returns (no wait()).
    for tab, picture in ((2, board.structure._picture), (4, board.feature_maps._view.image)):
        board.selected_index = tab
        assert bytes(picture.value).startswith(b"\x89PNG")


def test_counts_of_one_are_singular_in_every_status_line(tiny_lenet, small_dataset):
    """One wording rule (text.plural) for every count: never "1 pictures", "1 steps"."""
    from lenet_widgets.ui.filters import FilterExplorer

    explorer = FilterExplorer(tiny_lenet, max_steps=1)
    explorer.wait()
    board = LeNetLab(tiny_lenet, small_dataset, filter_steps=1)
    board.training._epochs.value = 1
    board.training.start()
    board.wait()
    board.filter_history.epoch = 0
    lines = [explorer._status.value, board.filters._status.value]
    lines += [board.filter_history._status.value, board.training._status.value]
    assert "1 step," in explorer._status.value
    wrong = [line for line in lines if re.search(r"\b1 [a-z]+s\b", re.sub("<[^>]+>", "", line))]
    assert wrong == []


def test_voila_page_has_no_notebook_only_words():
    """notebooks/dashboard.ipynb is what Voila shows: no "Run All", no "a new cell can..."."""
    from pathlib import Path

    import nbformat

    path = Path(__file__).resolve().parents[2] / "notebooks" / "dashboard.ipynb"
    page = nbformat.read(path, as_version=4)
    text = "\n".join(cell.source for cell in page.cells if cell.cell_type == "markdown")
    for words in ("Run All", "Run →", "new cell", "lab.model", "Shift", "kernel"):
        assert words not in text, f"the Voila page says {words!r}"
    code = [cell.source for cell in page.cells if cell.cell_type == "code"]
    assert code == ["import lenet_widgets as lw\n\nlw.lab()"]  # The dashboard, nothing else.
