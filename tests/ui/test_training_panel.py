"""TrainingPanel and TrainingMonitor: Stop at any moment, honest epoch counts, the model's own
optimizer kept, schedules, no stuck panel, runs overlaid, Reset, words, memory limits.
"""

from __future__ import annotations

import threading

import keras
import numpy as np
import pytest

from lenet_widgets import config
from lenet_widgets.core import training as core_training
from lenet_widgets.core import training_monitor as core_monitor
from lenet_widgets.core.model import build_lenet, epochs_trained
from lenet_widgets.core.training import TrainingMonitor, epochs_done, train
from lenet_widgets.text import epochs_text
from lenet_widgets.ui import training as ui_training
from lenet_widgets.ui import training_job, training_memory
from lenet_widgets.ui.training import TrainingPanel, estimate_training_bytes

from helpers import centre_brightness_dataset, on_every_batch, stop_after, text


@pytest.fixture
def dataset():
    """320 train and 64 test 12x12 images, 3 classes: each epoch is 10 batches of 32."""
    return centre_brightness_dataset(64)


@pytest.fixture
def model(tiny_lenet):
    """The test's own seeded 12x12 LeNet (conftest's ``tiny_lenet``)."""
    return tiny_lenet


@pytest.fixture
def panel(model, dataset, make_training_panel):
    return make_training_panel(model, dataset)


# ----------------------------------------------------------------------------- Stop


def test_stop_right_after_train_is_not_lost(panel, model):
    """#10.1: Stop pressed before Keras' on_train_begin used to be cleared by it."""
    panel._epochs.value = 5
    release = threading.Event()
    real_train = training_job.train

    def slow_start(*args, **kwargs):
        release.wait(30)  # Keras has not begun when Stop is pressed.
        return real_train(*args, **kwargs)

    training_job.train = slow_start
    try:
        panel.start()
        panel.stop()
        release.set()
        assert panel.wait(120)
    finally:
        training_job.train = real_train
    assert not panel.running
    assert int(model.optimizer.iterations.numpy()) == 0  # Not the whole 50 batches, not one.
    assert "stopped before the first batch; nothing trained" in text(panel._status.value)
    assert epochs_done(model) == 0


def test_stop_before_the_thread_begins_trains_nothing(panel, model):
    gate = threading.Event()
    real_run = panel._run

    def gated(*args):
        gate.wait(30)
        real_run(*args)

    panel._run = gated
    panel.start()
    panel.stop()
    gate.set()
    assert panel.wait(60)
    assert int(model.optimizer.iterations.numpy()) == 0
    assert "stopped before the first batch; nothing trained" in text(panel._status.value)
    assert not panel.running and not panel._train_button.disabled


def test_stop_in_the_first_batch_stops_after_it(panel, model):
    on_every_batch(panel, lambda monitor: panel.stop() if monitor.progress()[0] == 0 else None)
    original = panel.monitor.on_train_batch_begin

    def press_in_batch(batch, logs=None):
        original(batch, logs)
        if batch == 0:
            panel.stop()  # Mid-batch: Keras is inside the first train step.

    panel.monitor.on_train_batch_begin = press_in_batch
    panel._epochs.value = 3
    panel.start()
    assert panel.wait(120)
    assert int(model.optimizer.iterations.numpy()) == 1
    status = text(panel._status.value)
    assert "stopped after 1 of 10 batches" in status and "0.1 epochs trained" in status
    assert epochs_done(model) == pytest.approx(0.1)


def test_stop_mid_run_never_validates_and_counts_the_fraction(panel, model, monkeypatch):
    """#10.2 and #10.3: no test-set pass after a Stop; 1.2 epochs, not 2."""
    calls = []
    real = model.evaluate

    def evaluate(data, **options):  # Counts the images of each validation pass.
        calls.append(sum(len(labels) for _, labels in data))
        return real(data, **options)

    model.evaluate = evaluate
    stop_after(panel, 12)
    panel._epochs.value = 5
    panel.start()
    assert panel.wait(120)
    assert int(model.optimizer.iterations.numpy()) == 12
    assert sum(calls) == 64  # One validation, of the completed first epoch; none after the stop.
    assert epochs_done(model) == pytest.approx(1.2) and epochs_trained(model) == 1
    status = text(panel._status.value)
    assert "stopped after 2 of 10 batches" in status and "1.2 epochs trained" in status
    assert "after 1 epoch (not measured since)" in status
    assert panel.test_accuracy == pytest.approx(panel.monitor.val_accuracy[-1])
    assert "stopped" not in panel._eta.value  # Progress text not frozen after the stop.


def test_stop_during_validation_abandons_it(panel, model, monkeypatch):
    batches = []
    real = core_monitor._ValidationWatcher.on_test_batch_end

    def watched(self, batch, logs=None):
        batches.append(batch)
        panel.stop()  # Pressed while the first test batch is evaluated.
        real(self, batch, logs)

    monkeypatch.setattr(core_monitor._ValidationWatcher, "on_test_batch_end", watched)
    x_test, y_test = panel.monitor.validation_data
    panel.monitor.validation_data = (np.repeat(x_test, 6, axis=0), np.repeat(y_test, 6))
    panel._epochs.value = 3
    panel.start()
    assert panel.wait(120)
    assert batches == [0]  # 3 test batches planned; abandoned after the first.
    assert panel.monitor.val_loss == [] and panel.monitor.validation_skipped
    assert epochs_done(model) == 1 and int(model.optimizer.iterations.numpy()) == 10
    status = text(panel._status.value)
    assert "stopped during the test-set check" in status and "1 epoch trained" in status
    assert "no test accuracy yet" in status and panel.test_accuracy is None


def train_watched(model, dataset, monitor, *, epochs, **kwargs):
    """``core.training.train`` on the training split, quietly, with ``monitor`` as callback."""
    return train(
        model,
        dataset.x_train,
        dataset.y_train,
        epochs=epochs,
        batch_size=32,
        verbose=0,
        callbacks=[monitor],
        **kwargs,
    )


def test_keras_validation_cut_by_stop_is_not_reported(model, dataset):
    """train(validation_data=...) validates in Keras: a Stop there discards the partial numbers."""
    monitor = TrainingMonitor()
    real = monitor.on_test_batch_end

    def press(batch, logs=None):
        monitor.request_stop()
        real(batch, logs)

    monitor.on_test_batch_end = press
    big = (np.repeat(dataset.x_test, 20, axis=0), np.repeat(dataset.y_test, 20))
    train_watched(model, dataset, monitor, epochs=2, validation_data=big)
    assert monitor.val_loss == [] and monitor.stopped and not monitor.stop_requested
    assert epochs_done(model) == 1


def test_monitor_validation_equals_evaluate(model, dataset):
    monitor = TrainingMonitor(validation_data=(dataset.x_test, dataset.y_test))
    train_watched(model, dataset, monitor, epochs=1)
    whole = core_training.evaluate(model, dataset.x_test, dataset.y_test)
    assert monitor.val_loss[0] == pytest.approx(whole["loss"], rel=1e-5)
    assert monitor.val_accuracy[0] == pytest.approx(whole["accuracy"])
    assert monitor.epoch_positions == [1.0]


# ----------------------------------------------------------------------------- honest counts


def test_curves_continue_after_a_stop_without_a_jump(panel, model):
    stop_after(panel, 3)
    panel._epochs.value = 2
    panel.start()
    assert panel.wait(120)
    monitor = panel.monitor
    monitor.on_update = panel._on_progress
    positions = list(monitor.positions)
    assert positions[-1] == pytest.approx(0.3)
    panel._epochs.value = 1
    panel.start()
    assert panel.wait(120)
    assert panel.monitor is monitor  # Same settings: the same run continues.
    steps = np.diff(monitor.positions)
    np.testing.assert_allclose(steps, 0.1, atol=1e-9)  # No jump to the next whole epoch.
    assert monitor.positions[-1] == pytest.approx(1.3) and epochs_done(model) == pytest.approx(1.3)
    assert monitor.epoch_positions == [pytest.approx(1.3)]
    assert "1.3 epochs trained" in text(panel._status.value)


def test_two_partial_runs_add_up_and_keras_numbering_follows(model, dataset):
    for batches in (5, 5):
        monitor = TrainingMonitor()
        original = monitor.on_train_batch_end

        def stop_at(batch, logs=None, monitor=monitor, original=original, batches=batches):
            original(batch, logs)
            if monitor.batch >= batches:
                monitor.request_stop()
                monitor._stop_here()

        monitor.on_train_batch_end = stop_at
        train_watched(model, dataset, monitor, epochs=3)
    assert epochs_done(model) == 1 and epochs_trained(model) == 1
    history = train(model, dataset.x_train, dataset.y_train, epochs=1, batch_size=32, verbose=0)
    assert history.epoch == [1] and epochs_done(model) == 2


def test_time_left_is_not_guessed_from_the_first_batch():
    monitor = TrainingMonitor()
    monitor.batches_per_epoch, monitor.epochs, monitor._first_epoch = 100, 1, 0
    monitor._first_batch_at = 0.0
    monitor.batch, monitor._batches_done = 1, 1
    assert monitor.seconds_left() is None  # The first batch includes graph tracing.
    monitor.request_stop()
    assert monitor.seconds_left() == 0.0


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0 epochs"),
        (1, "1 epoch"),
        (3.0, "3 epochs"),
        (1.2025, "1.2 epochs"),
        (0.0253, "0.03 epochs"),
        (0.0021, "0.002 epochs"),
        (2.96, "2.96 epochs"),
    ],
)
def test_epochs_text(value, shown):
    assert epochs_text(value) == shown


# ----------------------------------------------------------------------------- optimizer


def test_the_models_own_optimizer_is_shown_and_kept(dataset):
    """#11.3: RMSprop (or SGD with momentum) is not replaced by a fresh Adam."""
    model = build_lenet((12, 12, 1), 3, compile=False)
    model.compile(
        optimizer=keras.optimizers.SGD(0.02, momentum=0.9, nesterov=True),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    panel = TrainingPanel(model, dataset)
    optimizer = model.optimizer
    label = dict((value, label) for label, value in panel._optimizer.options)["model"]
    assert label == "SGD 0.02, momentum 0.9, Nesterov (the model's own)"
    assert panel._learning_rate.value == pytest.approx(0.02)
    panel.start()
    assert panel.wait(120)
    panel.start()
    assert panel.wait(120)
    assert model.optimizer is optimizer and float(optimizer.learning_rate) == pytest.approx(0.02)
    assert int(optimizer.iterations.numpy()) == 2 * 3


def test_rmsprop_rate_change_keeps_the_optimizer_and_starts_a_new_run(dataset):
    model = build_lenet((12, 12, 1), 3, compile=False)
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    panel = TrainingPanel(model, dataset)
    panel.start()
    assert panel.wait(120)
    optimizer = model.optimizer
    panel._learning_rate.value = 1e-4
    panel.start()
    assert panel.wait(120)
    assert model.optimizer is optimizer and isinstance(optimizer, keras.optimizers.RMSprop)
    assert float(optimizer.learning_rate) == pytest.approx(1e-4)
    assert len(panel.runs) == 2 and "RMSprop 0.0001" in panel.runs[1]
    assert "continues run 1" in panel.runs[1]


def test_a_learning_rate_schedule_trains_and_the_rate_control_says_so(dataset):
    """#11.4: Adam(ExponentialDecay(...)) used to raise 'EagerTensor' has no 'assign'."""
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.5)
    model = build_lenet((12, 12, 1), 3, compile=False)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    panel = TrainingPanel(model, dataset)
    assert panel._learning_rate.disabled
    assert "ExponentialDecay" in text(panel._rate_note.value)
    panel._learning_rate.value = 0.5  # Ignored: the control is disabled.
    panel.start()
    assert panel.wait(120)
    assert "trained" in text(panel._status.value), text(panel._status.value)
    assert model.optimizer._learning_rate is schedule
    panel._optimizer.value = "sgd"  # The explicit choice replaces it.
    assert not panel._learning_rate.disabled
    panel.start()
    assert panel.wait(120)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert panel._optimizer.value == "model" and panel._learning_rate.value == pytest.approx(0.01)


def test_a_rate_outside_the_slider_is_kept(dataset):
    model = build_lenet((12, 12, 1), 3, learning_rate=3e-6)
    panel = TrainingPanel(model, dataset)
    assert "outside the slider" in text(panel._rate_note.value)
    panel.start()
    assert panel.wait(120)
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-6)


@pytest.mark.parametrize("where", ["optimizer", "thread", "train", "report", "redraw"])
def test_no_failure_leaves_the_panel_running(panel, monkeypatch, where):
    """#11.4: every path out of Train resets `running`; the panel trains afterwards."""

    def boom(*args, **kwargs):
        raise RuntimeError(f"injected failure in {where}")

    targets = {
        "optimizer": (panel, "_apply_optimizer_settings"),
        "thread": (threading.Thread, "start"),
        "train": (training_job, "train"),
        "report": (panel, "_report"),
        "redraw": (panel, "_redraw"),
    }
    with monkeypatch.context() as patch:
        patch.setattr(*targets[where], boom)
        panel.start()
        if where != "thread":
            assert panel.wait(120)
    assert not panel.running and not panel._train_button.disabled
    assert panel._stop_button.disabled
    assert "injected failure" in text(panel._status.value)
    panel.start()
    assert panel.wait(120)
    assert "trained" in text(panel._status.value) and not panel.running


# ----------------------------------------------------------------------------- runs, Reset


def test_runs_are_kept_labelled_overlaid_hidden_and_cleared(panel):
    panel.start()
    assert panel.wait(120)
    first_curves = panel._curves.train_loss.get_ydata().copy()
    panel._reset_button.click()
    assert len(panel._curves.train_loss.get_xdata()) == 0  # The new run starts empty...
    assert len(panel._curves.older) == 1  # ... and the old one stays, paler, for comparison.
    np.testing.assert_array_equal(panel._curves.older[0][0].get_ydata(), first_curves)
    panel._learning_rate.value = 1e-2
    panel._reset_button.click()
    panel.start()
    assert panel.wait(120)
    assert [label.split(":")[0] for label in panel.runs] == ["run 1", "run 2"]
    assert "Adam 0.001, batch 32, 320 images" in panel.runs[0]
    assert "Adam 0.01, batch 32, 320 images" in panel.runs[1]
    legend = [t.get_text() for t in panel._curves.accuracy_axes.get_legend().get_texts()]
    assert legend == list(panel.runs)
    panel._runs_shown.value = (2,)  # Hide run 1.
    assert len(panel._curves.older) == 0
    panel._runs_shown.value = (1, 2)
    assert len(panel._curves.older) == 1
    panel.clear_runs()
    assert len(panel.runs) == 1 and len(panel._curves.older) == 0


def test_reset_clears_the_axes_ranges_and_before_training_shows_text(panel):
    curves = panel._curves
    assert curves.placeholder.get_visible() and not curves.loss_axes.get_visible()
    panel._epochs.value = 3
    panel.start()
    assert panel.wait(120)
    assert not curves.placeholder.get_visible() and curves.loss_axes.get_xlim()[1] >= 3
    panel._reset_button.click()
    panel.clear_runs()
    assert curves.placeholder.get_visible() and not curves.loss_axes.get_visible()
    panel._epochs.value = 1
    panel.start()
    assert panel.wait(120)
    assert curves.loss_axes.get_xlim()[1] < 1.5  # The 3-epoch range did not stay.


# ----------------------------------------------------------------------------- words


def test_control_words(panel):
    assert panel._epochs.description == "epochs to train"
    assert panel._learning_rate.readout_format == ".3g"  # 1.78e-3 reads 0.00178, not 2e-3.
    for control in (panel._epochs, panel._learning_rate, panel._optimizer, panel._subset):
        assert control.style.description_width == "initial"


def test_chance_level_accuracy_is_not_green(panel, monkeypatch):
    panel.start()
    assert panel.wait(120)
    monitor = panel.monitor
    monitor.val_accuracy[-1] = 0.34  # 3 classes: chance is 33%.
    panel._report(panel._runs[-1], panel.model)
    assert "#1a7f37" not in panel._status.value  # Not the green of a good result.
    assert "chance level" in text(panel._status.value)


def test_progress_text_says_validating_and_epoch_of_this_run(panel):
    monitor = panel.monitor
    monitor.batches_per_epoch, monitor.epochs, monitor._first_epoch, monitor.epoch = 10, 4, 2, 3
    monitor.validating, monitor.validated_images, monitor.validation_images = True, 16, 64
    assert panel._progress_text(monitor) == "epoch 2 of 2: checking the test set, 16 of 64 images…"
    monitor.validating = False
    monitor._first_batch_at = None
    assert "estimating time left" in panel._progress_text(monitor)
    monitor.batch = 10  # The last batch: no "0:00 left" while the run finishes.
    assert panel._progress_text(monitor) == "epoch 2 of 2: all batches done, finishing…"


# ----------------------------------------------------------------------------- memory


def test_memory_limit_lowers_the_default_size_and_says_why(dataset, model, monkeypatch):
    monkeypatch.setattr(training_memory, "_process_rss_bytes", lambda: 500 * 2**20)
    monkeypatch.setattr(training_memory, "MEMORY_BYTES_PER_PIXEL", 10_000)
    need_all = estimate_training_bytes(320, (12, 12))
    need_small = estimate_training_bytes(100, (12, 12))
    limit = int((500 * 2**20 + (need_all + need_small) / 2) / (1 - ui_training.MEMORY_HEADROOM))
    monkeypatch.setattr(config, "memory_limit_bytes", lambda *a, **k: limit)
    monkeypatch.setattr(ui_training, "SUBSET_CHOICES", (("100", 100), ("all", 0)))
    panel = TrainingPanel(model, dataset)
    assert panel._subset.value == 100
    assert "train on 100 images by default" in text(panel._status.value)
    panel._subset.value = 0
    panel.start()
    assert not panel.running and panel.wait(10)
    status = text(panel._status.value)
    assert status.startswith("not started: training on 320 images needs about")
    assert int(model.optimizer.iterations.numpy()) == 0


def test_no_memory_limit_trains_on_all(dataset, model, monkeypatch):
    monkeypatch.setattr(config, "memory_limit_bytes", lambda *a, **k: None)
    panel = TrainingPanel(model, dataset)
    assert panel._subset.value == 0 and text(panel._status.value) == "ready"


# ----------------------------------------------------------------------------- filter history


def test_filter_history_counts_a_stopped_epoch_as_a_fraction(model, dataset):
    from lenet_widgets.ui.filter_history import FilterHistoryPanel

    history = FilterHistoryPanel(model, steps=2, grid=2)
    assert history._view.image.layout.visibility == "hidden"  # No broken image before training.
    assert "train to record" in text(history._status.value)
    panel = TrainingPanel(model, dataset, callbacks=[history.recorder])
    panel._batch_size.value = 32
    stop_after(panel, 12)
    panel._epochs.value = 3
    panel.start()
    assert panel.wait(120)
    epochs = [snapshot.epoch for snapshot in history.recorder.snapshots]
    assert epochs == [0, 1, pytest.approx(1.2)]  # Not "after 2 epochs".
    assert history.epoch == pytest.approx(1.2)
    assert "conv2d_1 after 1.2 epochs" in text(history._status.value)
    assert [label for label, _ in history._epoch.options] == ["0", "1", "1.2"]
    panel.monitor.on_update = panel._on_progress
    panel._epochs.value = 1
    panel.start()
    assert panel.wait(120)
    assert history.recorder.snapshots[-1].epoch == pytest.approx(2.2)


def test_save_panel_and_saved_file_say_the_fraction(panel, model, tmp_path):
    from lenet_widgets.core.persistence import describe_model, load_model, save_model
    from lenet_widgets.ui.save import SavePanel

    stop_after(panel, 12)
    panel._epochs.value = 3
    panel.start()
    assert panel.wait(120)
    saver = SavePanel(model, tmp_path / "stopped.keras")
    assert "1.2 epochs trained" in text(saver.status)
    save_model(model, tmp_path / "stopped.keras")
    reloaded = load_model(tmp_path / "stopped.keras")
    assert describe_model(reloaded)["epochs_trained"] == pytest.approx(1.2)


def test_a_script_ending_while_training_runs_exits_cleanly(tmp_path):
    """Interpreter exit stops the run first (ui/shutdown.py): no abort, exit status 0."""
    import os
    import subprocess
    import sys

    script = tmp_path / "ends_while_training.py"
    script.write_text(
        "import time\n"
        "import lenet_widgets as lw\n"
        "board = lw.lab()\n"
        "board.training._epochs.value = board.training._epochs.max  # Longer than this script.\n"
        "board.training.start()\n"
        "deadline = time.monotonic() + 120\n"
        "while board.training.monitor.progress()[0] < 2 and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)\n"
        "assert board.training.running, board.training.monitor.progress()\n"
        "print('leaving while training')\n"
    )
    environment = {**os.environ, "LENET_WIDGETS_FAST": "1", "LENET_WIDGETS_OFFLINE": "1"}
    environment.pop("LENET_WIDGETS_MNIST", None)
    result = subprocess.run(
        [sys.executable, str(script)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert "leaving while training" in result.stdout, result.stderr
    assert "terminate called" not in result.stderr
    assert result.returncode == 0, result.stderr[-2000:]
