"""The LeNetLab dashboard driven from Python: one model shared by every panel, training
refreshes the panels that depend on weights, filter history, status words, the Voila page.

No browser: tests set traits and click buttons, then wait for background threads.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from lenet_widgets.core.model import build_lenet
from lenet_widgets.core.persistence import load_model, save_model
from lenet_widgets.ui.filters import STALE_WORDS
from lenet_widgets.ui.lab import LeNetLab, lab


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
    # Its status no longer describes the old picture as current (a browser test waits on it).
    assert STALE_WORDS in dashboard.filters._status.value
    dashboard.selected_index = 2
    assert not dashboard.structure.stale and dashboard.structure.render_count == structure + 1
    assert not dashboard.feature_maps.active
    dashboard.selected_index = 3
    assert dashboard.wait() and not dashboard.filters.stale
    assert dashboard.filters.engine_calls == calls + 1  # New weights: the filter cache missed.
    assert STALE_WORDS not in dashboard.filters._status.value
    assert re.search(r"filters?, \d+ steps?", dashboard.filters._status.value)


def test_a_hidden_filters_tab_says_stale_only_when_the_weights_changed(dashboard):
    dashboard.selected_index = 0  # The Filters tab is not on screen.
    before = dashboard.filters._status.value
    dashboard.filters.refresh()  # Nothing trained: the picture still matches the weights.
    assert dashboard.filters._status.value == before and STALE_WORDS not in before
    kernel = dashboard.model.layers[0].kernel
    kernel.assign(kernel * 2.0)
    dashboard.filters.refresh()
    assert STALE_WORDS in dashboard.filters._status.value


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
