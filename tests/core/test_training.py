"""train(): continues where the model left off, validates its inputs."""

from __future__ import annotations

import numpy as np
import pytest

from lenet_widgets.core.model import build_lenet, epochs_trained
from lenet_widgets.core.training import train


def test_second_call_continues_instead_of_restarting(tiny_lenet, tiny_data):
    images, labels = tiny_data
    first = train(tiny_lenet, images, labels, epochs=1, batch_size=16, seed=1, verbose=0)
    kernel_after_first = tiny_lenet.get_layer("conv2d").kernel.numpy().copy()
    steps_after_first = int(tiny_lenet.optimizer.iterations.numpy())
    second = train(tiny_lenet, images, labels, epochs=2, batch_size=16, seed=1, verbose=0)
    assert first.epoch == [0] and second.epoch == [1, 2]
    assert epochs_trained(tiny_lenet) == 3
    assert steps_after_first == 4 and int(tiny_lenet.optimizer.iterations.numpy()) == 12
    assert not np.allclose(tiny_lenet.get_layer("conv2d").kernel.numpy(), kernel_after_first)


def test_two_short_runs_equal_one_long_run(tiny_data):
    images, labels = tiny_data
    long_run, split_run = build_lenet((12, 12, 1), 3), build_lenet((12, 12, 1), 3)
    split_run.set_weights(long_run.get_weights())
    train(long_run, images, labels, epochs=1, batch_size=16, seed=3, verbose=0)
    train(long_run, images, labels, epochs=1, batch_size=16, seed=4, verbose=0)
    train(split_run, images, labels, epochs=1, batch_size=16, seed=3, verbose=0)
    train(split_run, images, labels, epochs=1, batch_size=16, seed=4, verbose=0)
    for a, b in zip(long_run.get_weights(), split_run.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_validation_data_and_callbacks_are_used(tiny_lenet, tiny_data):
    import keras

    images, labels = tiny_data
    seen = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs))
    history = train(
        tiny_lenet,
        images,
        labels,
        validation_data=(images[:8], labels[:8]),
        callbacks=[callback],
        verbose=0,
    )
    assert "val_accuracy" in history.history and len(seen) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs is 0"),
        ({"batch_size": 0}, "batch_size is 0"),
        ({"labels": np.full(64, 7)}, r"7\.\.7; expected 0\.\.2"),
        ({"labels": np.zeros(10, np.uint8)}, "64 images but y_train has 10"),
    ],
)
def test_bad_input_raises_clearly(tiny_lenet, tiny_data, kwargs, message):
    images, labels = tiny_data
    labels = kwargs.pop("labels", labels)
    with pytest.raises(ValueError, match=message):
        train(tiny_lenet, images, labels, verbose=0, **kwargs)


def test_uncompiled_model_is_refused(tiny_data):
    images, labels = tiny_data
    with pytest.raises(ValueError, match="not compiled"):
        train(build_lenet((12, 12, 1), 3, compile=False), images, labels, verbose=0)


@pytest.mark.slow
def test_real_lenet_one_epoch_on_real_mnist_reaches_97_percent(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    model = build_lenet()
    history = train(
        model, x_train, y_train, epochs=1, validation_data=(x_test, y_test), seed=0, verbose=0
    )
    assert history.history["val_accuracy"][-1] >= 0.97
