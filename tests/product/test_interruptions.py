"""Interruptions: KeyboardInterrupt or Stop during training, during a save, during a filter
computation. Afterwards the previous file is intact, no partial file is left, and the model
still trains and saves.
"""

from __future__ import annotations

import re
import threading

import keras
import numpy as np
import pytest

from lenet_widgets.core import filters as core_filters
from lenet_widgets.core.data import Dataset
from lenet_widgets.core.filters import FilterSearchCancelledError, maximize_filters
from lenet_widgets.core.model import epochs_trained
from lenet_widgets.core.persistence import load_model, save_model
from lenet_widgets.core.training import train

from helpers import text

FORMATS = (".keras", ".h5", ".weights.h5")


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (96, 12, 12), dtype=np.uint8)
    labels = rng.integers(0, 3, 96).astype(np.uint8)
    return images, labels


@pytest.fixture
def model(tiny_lenet):
    """The test's own seeded 12x12 LeNet (conftest's ``tiny_lenet``)."""
    return tiny_lenet


class InterruptAfter(keras.callbacks.Callback):
    """Raise KeyboardInterrupt at the end of batch ``batches`` (what Ctrl-C in a cell does)."""

    def __init__(self, batches: int) -> None:
        super().__init__()
        self.batches = batches
        self.seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.batches:
            raise KeyboardInterrupt


def still_trains_and_saves(model, data, path):
    """The model trains one more epoch (continuing) and round-trips through a file."""
    steps = int(model.optimizer.iterations.numpy())
    images, labels = data
    history = train(model, images, labels, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert int(model.optimizer.iterations.numpy()) == steps + 6
    save_model(model, path)
    reloaded = load_model(path)
    for saved, current in zip(reloaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, current)


# ----------------------------------------------------------------------------- training


def test_keyboard_interrupt_from_a_callback_leaves_a_usable_model(model, data, tmp_path):
    images, labels = data
    with pytest.raises(KeyboardInterrupt):
        train(model, images, labels, epochs=3, batch_size=16, callbacks=[InterruptAfter(8)])
    assert int(model.optimizer.iterations.numpy()) == 8  # Stopped where it was interrupted.
    assert epochs_trained(model) == 0  # The interrupted call is not counted as finished.
    assert all(np.isfinite(w).all() for w in model.get_weights())
    still_trains_and_saves(model, data, tmp_path / "after_interrupt.keras")


def _panel(model, data):
    from lenet_widgets.ui.training import TrainingPanel

    images, labels = data
    panel = TrainingPanel(model, Dataset(images[:80], labels[:80], images[80:], labels[80:], "t"))
    panel._batch_size.value = 32
    return panel


def test_stop_button_then_train_again_and_save(model, data, tmp_path):
    from lenet_widgets.ui.save import SavePanel

    panel = _panel(model, data)
    panel._epochs.value = 20
    monitor = panel.monitor
    monitor.interval = 0.0
    original = monitor.on_update

    def press_stop(current):
        original(current)
        if current.progress()[0] >= 2:
            panel._stop_button.click()

    monitor.on_update = press_stop
    panel._train_button.click()
    assert panel.wait(120)
    assert monitor.stopped and "stopped after 2 of 3 batches" in text(panel._status.value)
    assert int(model.optimizer.iterations.numpy()) == 2  # At the end of the batch pressed in.
    monitor.on_update = original
    panel._epochs.value = 1
    panel._train_button.click()
    assert panel.wait(120)
    # 2 of 3 batches, then one whole epoch: 1.67 epochs, counted honestly (not 2).
    assert int(model.optimizer.iterations.numpy()) == 5 and epochs_trained(model) == 1
    assert "1.7 epochs trained" in text(panel._status.value)
    saver = SavePanel(model, tmp_path / "after_stop.keras")
    saver.save()
    assert text(saver.status).startswith("saved")


def test_keyboard_interrupt_inside_the_panel_thread_is_shown_and_training_resumes(model, data):
    panel = _panel(model, data)
    panel._epochs.value = 3
    interrupt = InterruptAfter(2)
    original = panel._monitor.on_train_batch_end

    def batch_end(batch, logs=None):
        original(batch, logs)
        interrupt.on_train_batch_end(batch, logs)

    panel._monitor.on_train_batch_end = batch_end
    panel.start()
    assert panel.wait(120)
    assert not panel.running and not panel._train_button.disabled
    assert "interrupted" in text(panel._status.value)
    assert "0.7 epochs trained" in text(panel._status.value)  # 2 of 3 batches, counted.
    interrupt.batches = -1  # No more interrupts.
    panel._epochs.value = 1
    panel.start()
    assert panel.wait(120)
    assert "1.7 epochs trained" in text(panel._status.value)  # Continues the counted 0.67.
    assert int(model.optimizer.iterations.numpy()) == 2 + 3


# ----------------------------------------------------------------------------- saving


def _interrupt_half_way(monkeypatch, suffix):
    """Make Keras write half a file into the temporary target, then raise KeyboardInterrupt."""
    method = "save_weights" if suffix == ".weights.h5" else "save"
    real = getattr(keras.Model, method)
    written = []

    def half(self, path, *args, **kwargs):
        real(self, path, *args, **kwargs)
        with open(path, "rb+") as stream:
            stream.truncate(stream.seek(0, 2) // 2)
        written.append(str(path))
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, method, half)
    return written


@pytest.mark.parametrize("suffix", FORMATS)
def test_keyboard_interrupt_half_way_through_a_save(model, data, tmp_path, monkeypatch, suffix):
    path = save_model(model, tmp_path / f"model{suffix}")
    before = path.read_bytes()
    images, labels = data
    train(model, images, labels, epochs=1, batch_size=16, verbose=0)
    with monkeypatch.context() as patch:
        written = _interrupt_half_way(patch, suffix)
        with pytest.raises(KeyboardInterrupt):
            save_model(model, path)
    assert written and written[0] != str(path)  # Keras wrote beside the file, not over it.
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # No partial file.
    load_model(path)  # The previous file still loads.
    still_trains_and_saves(model, data, path)


def test_save_panel_interrupted_keeps_previous_file_and_says_so(model, data, tmp_path, monkeypatch):
    from lenet_widgets.ui.save import SavePanel

    panel = SavePanel(model, tmp_path / "model.keras")
    panel.save()
    before = (tmp_path / "model.keras").read_bytes()
    with monkeypatch.context() as patch:
        _interrupt_half_way(patch, ".keras")
        panel.save()
    assert re.search(r"interrupted.*previous file is kept", text(panel.status))
    assert (tmp_path / "model.keras").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]
    panel.save()
    assert text(panel.status).startswith("saved")
    still_trains_and_saves(model, data, tmp_path / "model.keras")


# ----------------------------------------------------------------------------- filters


def test_keyboard_interrupt_in_the_progress_callback(model, data, tmp_path):
    calls = []

    def progress(step, total):
        calls.append(step)
        if step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        maximize_filters(
            model, "conv2d_1", filters=range(4), steps=50, progress=progress, progress_every=1
        )
    assert calls == [1, 2, 3]
    result = maximize_filters(model, "conv2d_1", filters=range(4), steps=2)
    assert result.images.shape[0] == 3
    still_trains_and_saves(model, data, tmp_path / "after_filters.keras")


def test_cancel_from_the_progress_callback(model, data, tmp_path):
    with pytest.raises(FilterSearchCancelledError, match="cancelled after 2 of 50 steps"):
        maximize_filters(
            model, "conv2d", steps=50, progress=lambda step, total: step < 2, progress_every=1
        )
    still_trains_and_saves(model, data, tmp_path / "after_cancel.keras")


def test_newer_request_cancels_the_running_computation(model, data, tmp_path, monkeypatch):
    from lenet_widgets.ui.filters import FilterExplorer

    explorer = FilterExplorer(model, max_steps=30, grid=2, max_filters=4)
    assert explorer.wait()
    real = core_filters.maximize_filters
    outcomes = []
    started, superseded = threading.Event(), threading.Event()

    def recording(*args, **kwargs):
        if kwargs["seed"] == 1:  # Hold the first request after its first step.
            progress = kwargs["progress"]

            def held(step, total):
                started.set()
                superseded.wait(60)
                return progress(step, total)

            kwargs["progress"] = held
        try:
            result = real(*args, **kwargs)
        except FilterSearchCancelledError:
            outcomes.append(("cancelled", kwargs["seed"]))
            raise
        outcomes.append(("finished", kwargs["seed"]))
        return result

    monkeypatch.setattr(core_filters, "maximize_filters", recording)
    explorer._seed.value = 1
    assert started.wait(60)
    first = explorer._filters_job.thread
    explorer._seed.value = 2  # The newer request...
    superseded.set()
    assert explorer.wait()
    first.join(60)
    assert outcomes == [("finished", 2), ("cancelled", 1)] or outcomes == [
        ("cancelled", 1),
        ("finished", 2),
    ]  # ... cancelled the older one after its step 1, and won.
    assert explorer.result.settings["seed"] == 2
    still_trains_and_saves(model, data, tmp_path / "after_supersede.keras")


def test_keyboard_interrupt_inside_the_explorer_thread_is_shown(model, monkeypatch):
    from lenet_widgets.ui.filters import FilterExplorer

    explorer = FilterExplorer(model, max_steps=3, grid=2, max_filters=4)
    assert explorer.wait()
    shown = bytes(explorer._view.image.value)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(core_filters, "maximize_filters", interrupted)
    explorer._seed.value = 9
    assert explorer.wait()
    assert "interrupted" in text(explorer._status.value)
    assert bytes(explorer._view.image.value) == shown  # The previous picture stays.
    monkeypatch.undo()
    explorer._seed.value = 10
    assert explorer.wait()
    assert explorer.result.settings["seed"] == 10
