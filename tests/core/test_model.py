"""build_lenet: the chapter's architecture, stable names, optimizers, metadata."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lenet_widgets.core.model import (
    build_lenet,
    epochs_trained,
    input_range,
    make_optimizer,
    weights_fingerprint,
)

LENET_LAYERS = [
    ("conv2d", "Conv2D"),
    ("activation", "Activation"),
    ("max_pooling2d", "MaxPooling2D"),
    ("conv2d_1", "Conv2D"),
    ("activation_1", "Activation"),
    ("max_pooling2d_1", "MaxPooling2D"),
    ("flatten", "Flatten"),
    ("dense", "Dense"),
    ("activation_2", "Activation"),
    ("dense_1", "Dense"),
    ("activation_3", "Activation"),
]


def test_layer_names_do_not_depend_on_how_many_models_exist():
    for _ in range(3):
        keras.layers.Conv2D(4, 3)  # Would bump Keras' automatic name counter.
        model = build_lenet()
        assert [(layer.name, type(layer).__name__) for layer in model.layers] == LENET_LAYERS


def test_architecture_is_the_chapters():
    model = build_lenet()
    conv, conv_1 = model.get_layer("conv2d"), model.get_layer("conv2d_1")
    assert (conv.filters, conv.kernel_size, conv.padding) == (20, (5, 5), "same")
    assert (conv_1.filters, conv_1.kernel_size, conv_1.padding) == (50, (5, 5), "same")
    assert model.get_layer("dense").units == 500
    assert model.get_layer("activation_3").get_config()["activation"] == "softmax"
    assert model.output_shape == (None, 10)
    assert model.count_params() == 1_256_080
    assert model.inputs[0].shape[1:] == (28, 28, 1)  # `model.input` works: Input is explicit.


def test_non_square_rgb_inputs_and_class_count():
    model = build_lenet((32, 20, 3), 4)
    assert model.output_shape == (None, 4)
    assert model.predict(np.zeros((1, 32, 20, 3), np.float32), verbose=0).shape == (1, 4)


def test_optimizers_default_adam_and_chapter_sgd():
    assert isinstance(build_lenet().optimizer, keras.optimizers.Adam)
    sgd = build_lenet(optimizer="sgd").optimizer
    assert isinstance(sgd, keras.optimizers.SGD)
    assert float(sgd.learning_rate) == pytest.approx(0.01)
    assert float(make_optimizer("adam").learning_rate) == pytest.approx(1e-3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_optimizer("rmsprop"), r"'rmsprop'.*expected one of"),
        (lambda: make_optimizer("adam", -1), "positive"),
        (lambda: build_lenet((28, 28)), r"\(28, 28\).*expected \(height, width, channels\)"),
        (lambda: build_lenet(num_classes=1), "at least 2"),
    ],
)
def test_bad_arguments_name_value_and_expectation(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_metadata_input_range_and_fingerprint(tiny_lenet):
    assert input_range(tiny_lenet) == (0.0, 1.0)
    assert epochs_trained(tiny_lenet) == 0
    before = weights_fingerprint(tiny_lenet)
    assert weights_fingerprint(tiny_lenet) == before
    kernel = tiny_lenet.get_layer("conv2d").kernel
    kernel.assign(kernel + 1.0)
    assert weights_fingerprint(tiny_lenet) != before
