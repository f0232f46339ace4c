"""TrainingPanel runs driven from Python: in the background, Stop, curves, train again and
Reset, a second Train refused, rate and optimizer changes, errors in the status line.

No browser: tests set traits and click buttons, then wait for the background thread.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lenet_widgets.core.data import Dataset
from lenet_widgets.core.model import epochs_trained
from lenet_widgets.core.persistence import save_model
from lenet_widgets.core.training import evaluate
from lenet_widgets.ui.training import TrainingPanel

from helpers import stop_after


@pytest.fixture
def panel(tiny_lenet, small_dataset, make_training_panel):
    return make_training_panel(tiny_lenet, small_dataset)


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
