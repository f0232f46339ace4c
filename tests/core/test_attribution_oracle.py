"""Oracle tests: our saliency, SmoothGrad and Grad-CAM against tf-keras-vis on the same digits.

tf-keras-vis (a test-only dependency) differentiates the model's output after
``ReplaceToLinear`` turns its softmax into a linear activation: the pre-softmax class score,
as ours does. It normalises each map to 0..1 unless told not to; ours are unnormalised (one
shared scale per picture), so both are compared raw and min-max normalised.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

with warnings.catch_warnings():  # Its scipy.ndimage.interpolation import is deprecated.
    warnings.simplefilter("ignore", DeprecationWarning)
    pytest.importorskip("tf_keras_vis", reason="a dev dependency: pip install -e .[dev]")
    from tf_keras_vis.gradcam import Gradcam
    from tf_keras_vis.saliency import Saliency
    from tf_keras_vis.utils.model_modifiers import ReplaceToLinear
    from tf_keras_vis.utils.scores import CategoricalScore

import lenet_widgets as lw
from lenet_widgets.core.data import load_fallback_digits, prepare_images
from lenet_widgets.core.model import build_lenet

DIGITS = range(4)


@pytest.fixture(scope="module")
def setup():
    """A fixed-seed LeNet trained on the packaged real 8x8 digits, its test digits, a peer copy."""
    (x_train, y_train), (x_test, _) = load_fallback_digits()
    keras.utils.set_random_seed(0)
    model = build_lenet()
    model.fit(prepare_images(x_train), y_train, epochs=2, batch_size=64, verbose=0)
    peer = keras.Model(model.inputs, model.outputs)  # tf-keras-vis needs output_names.
    predicted = model.predict(prepare_images(x_test[: len(DIGITS)]), verbose=0).argmax(axis=1)
    return model, peer, x_test, predicted


def normalised(values):
    """tf-keras-vis' normalize: (x - min) / (max - min + epsilon)."""
    return (values - values.min()) / (values.max() - values.min() + keras.backend.epsilon())


def classes_of(predicted, index):
    return (int(predicted[index]), (int(predicted[index]) + 3) % 10)


def test_saliency_equals_tf_keras_vis_saliency(setup):
    model, peer, x_test, predicted = setup
    saliency = Saliency(peer, model_modifier=ReplaceToLinear(), clone=True)
    for index in DIGITS:
        seed = prepare_images(x_test[index : index + 1])
        for class_index in classes_of(predicted, index):
            theirs = saliency(CategoricalScore([class_index]), seed, normalize_map=False)[0]
            mine = lw.saliency(model, x_test[index], class_index)
            np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-7)
            shown = saliency(CategoricalScore([class_index]), seed)[0]
            np.testing.assert_allclose(normalised(mine), shown, atol=1e-5)


@pytest.mark.parametrize("layer", ["conv2d_1", "activation_1", "max_pooling2d_1"])
def test_grad_cam_equals_tf_keras_vis_gradcam(setup, layer):
    model, peer, x_test, predicted = setup
    gradcam = Gradcam(peer, model_modifier=ReplaceToLinear(), clone=True)
    for index in DIGITS:
        seed = prepare_images(x_test[index : index + 1])
        for class_index in classes_of(predicted, index):
            theirs = gradcam(
                CategoricalScore([class_index]),
                seed,
                penultimate_layer=layer,
                seek_penultimate_conv_layer=False,
                normalize_cam=False,
            )[0]
            mine = lw.grad_cam(model, x_test[index], class_index, layer=layer)
            np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-7)
            if theirs.max() > 0:
                shown = gradcam(
                    CategoricalScore([class_index]),
                    seed,
                    penultimate_layer=layer,
                    seek_penultimate_conv_layer=False,
                )[0]
                np.testing.assert_allclose(normalised(mine), shown, atol=1e-4)


def test_tf_keras_vis_default_layer_is_our_conv2d_1(setup):
    """Its default (the last Conv layer, pre-activation) is conv2d_1; ours is activation_1."""
    model, peer, x_test, predicted = setup
    gradcam = Gradcam(peer, model_modifier=ReplaceToLinear(), clone=True)
    seed = prepare_images(x_test[:1])
    theirs = gradcam(CategoricalScore([int(predicted[0])]), seed, normalize_cam=False)[0]
    np.testing.assert_allclose(
        lw.grad_cam(model, x_test[0], layer="conv2d_1"), theirs, rtol=1e-4, atol=1e-7
    )


def test_smoothgrad_agrees_with_tf_keras_vis_smoothgrad(setup):
    """Both average |gradient| over noisy copies (noise 0.2 of the range); the noise differs.

    Theirs is 0.2 of the digit's own value range, ours a fraction of the model's input range:
    with ours set to the same standard deviation and enough samples, the two maps converge to
    the same expectation.
    """
    model, peer, x_test, predicted = setup
    saliency = Saliency(peer, model_modifier=ReplaceToLinear(), clone=True)
    index = 0
    span = (float(x_test[index].max()) - float(x_test[index].min())) / 255.0
    seed = prepare_images(x_test[index : index + 1])
    class_index = int(predicted[index])
    np.random.seed(0)  # tf-keras-vis draws its noise from NumPy's global generator.
    theirs = saliency(
        CategoricalScore([class_index]),
        seed,
        smooth_samples=200,
        smooth_noise=0.2,
        normalize_map=False,
    )[0]
    mine = lw.smoothgrad(model, x_test[index], class_index, samples=200, noise=0.2 * span, seed=0)
    correlation = np.corrcoef(mine.ravel(), theirs.ravel())[0, 1]
    assert correlation > 0.95, correlation
    assert abs(mine.mean() / theirs.mean() - 1) < 0.1
    plain = lw.saliency(model, x_test[index], class_index)
    assert np.corrcoef(plain.ravel(), theirs.ravel())[0, 1] < correlation  # Smoothing matters.
