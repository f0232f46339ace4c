"""Oracle tests: the filter engine against tf-keras-vis, the best-known peer (test-only dependency).

tf-keras-vis' ``ActivationMaximization`` with plain SGD, the gradient divided by its
root mean square per image (a ``gradient_modifier``), no input modifier, no regularizer
and no input range is the chapter's plain ascent: our engine without a preset must give
the same images and activations, step for step. A small LeNet-shaped model with fixed
weights keeps this to seconds.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from lenet_widgets.core.filters import compiled as filters_compiled
from lenet_widgets.core.filters import initial_images, maximize_filters

vis = pytest.importorskip(
    "tf_keras_vis.activation_maximization",
    reason="tf-keras-vis is a dev dependency: pip install -e '.[dev]'",
)

# The peer's own noise: an empty regularizer list looks "legacy" to it, and it calls a
# functional model with a bare tensor.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*Regularizer. is deprecated:DeprecationWarning",
    "ignore:The structure of .inputs. doesn't match:UserWarning",
)

layers = keras.layers
STEPS = 8
STEP_SIZE = 0.05


@pytest.fixture(scope="module")
def small_lenet():
    """LeNet's layer kinds on 16x16 grey images, weights fixed by the seed."""
    keras.utils.set_random_seed(11)
    return keras.Sequential(
        [
            keras.Input((16, 16, 1)),
            layers.Conv2D(4, 5, padding="same", name="conv2d"),
            layers.Activation("relu", name="activation"),
            layers.MaxPooling2D(2, name="max_pooling2d"),
            layers.Conv2D(6, 5, padding="same", name="conv2d_1"),
            layers.Activation("relu", name="activation_1"),
            layers.Flatten(name="flatten"),
            layers.Dense(5, name="dense_1"),
        ],
        name="small_lenet",
    )


def _peer_ascent(model, layer, filters, score_of, steps=STEPS):
    """tf-keras-vis: SGD(step) on the RMS-normalised gradient, nothing else."""
    truncated = keras.Model(model.inputs[0], model.get_layer(layer).output)
    maximizer = vis.ActivationMaximization(truncated, clone=False)
    chosen = tf.constant(filters, tf.int32)

    def normalise(gradient):
        rms = tf.sqrt(tf.reduce_mean(tf.square(gradient), axis=[1, 2, 3], keepdims=True))
        return gradient / (rms + 1e-5)

    seed = initial_images(filters, (16, 16, 1), (0.0, 1.0), "noise", 0)
    images = maximizer(
        lambda outputs: score_of(outputs, chosen),
        seed_input=seed,
        input_range=(None, None),
        input_modifiers=[],
        regularizers=[],
        steps=steps,
        optimizer=keras.optimizers.SGD(STEP_SIZE),
        gradient_modifier=normalise,
    )
    return np.asarray(images), score_of(truncated(images), chosen).numpy()


def _channel_mean(outputs, chosen):
    return tf.reduce_mean(tf.gather(outputs, chosen, axis=3, batch_dims=1), axis=[1, 2])


def _centre_neuron(outputs, chosen):
    height, width = outputs.shape[1] // 2, outputs.shape[2] // 2
    return tf.gather(outputs[:, height, width, :], chosen, axis=1, batch_dims=1)


@pytest.mark.parametrize("own_channel", [True, False])
def test_plain_ascent_equals_tf_keras_vis_sgd_with_rms_normalised_gradient(
    small_lenet, monkeypatch, own_channel
):
    monkeypatch.setattr(filters_compiled, "_OWN_CHANNEL", own_channel)
    monkeypatch.setattr(filters_compiled, "_COMPILED", type(filters_compiled._COMPILED)())
    filters = [0, 3, 5]
    ours = maximize_filters(
        small_lenet, "conv2d_1", filters, steps=STEPS, step_size=STEP_SIZE, preset=None
    )
    images, activations = _peer_ascent(small_lenet, "conv2d_1", filters, _channel_mean)
    assert np.abs(ours.images[-1] - images).max() < 0.005
    np.testing.assert_allclose(ours.activations[-1], activations, rtol=1e-3, atol=1e-4)
    assert np.abs(ours.images[-1] - ours.images[0]).max() > 0.1  # It did move.


def test_neuron_objective_equals_tf_keras_vis_centre_neuron(small_lenet):
    filters = [1, 2, 4]
    ours = maximize_filters(
        small_lenet,
        "conv2d_1",
        filters,
        steps=STEPS,
        step_size=STEP_SIZE,
        preset=None,
        objective="neuron",
    )
    images, activations = _peer_ascent(small_lenet, "conv2d_1", filters, _centre_neuron)
    assert ours.objective == "neuron"
    assert np.abs(ours.images[-1] - images).max() < 0.005
    np.testing.assert_allclose(ours.activations[-1], activations, rtol=1e-3, atol=1e-4)
    # Localized: the centre neuron (4, 4) of conv2d_1 (8x8) sees input rows/columns 2..15 only.
    changed = np.abs(ours.images[-1] - ours.images[0]).max(axis=(0, 3)) > 1e-6
    assert changed[8, 8] and not changed[:2].any() and not changed[:, :2].any()


def test_dense_units_equal_tf_keras_vis(small_lenet):
    filters = [0, 4]
    ours = maximize_filters(
        small_lenet, "dense_1", filters, steps=STEPS, step_size=STEP_SIZE, preset=None
    )
    images, activations = _peer_ascent(
        small_lenet,
        "dense_1",
        filters,
        lambda outputs, chosen: tf.gather(outputs, chosen, axis=1, batch_dims=1),
    )
    assert np.abs(ours.images[-1] - images).max() < 0.005
    np.testing.assert_allclose(ours.activations[-1], activations, rtol=1e-3, atol=1e-3)
