"""One rule for image values at every entry point, and the input range as a property of the model.

Issue 11: float images 0..255 were used unscaled (accuracy 0.133 instead of 0.838), a
model starting with ``Rescaling(1/255)`` was fed pixels divided by 255 twice, a seed did
not make a run repeatable, and ``lab()`` crashed on colour images. Issue 13: training
kept float32 copies of the whole training set.
"""

from __future__ import annotations

import re
import tracemalloc

import keras
import numpy as np
import pytest

from lenet_widgets.core.activations import FeatureMapProbe
from lenet_widgets.core.data import (
    INPUT_RANGE,
    DataError,
    Dataset,
    images_are_pixels,
    prepare_images,
)
from lenet_widgets.core.model import (
    PIXEL_RANGE,
    build_lenet,
    input_range,
    prepare_for_model,
    set_input_range,
)
from lenet_widgets.core.training import ImageBatches, evaluate, train

SHAPE = (12, 12, 1)


@pytest.fixture
def pixels():
    return np.random.default_rng(5).integers(0, 256, (64, 12, 12), dtype=np.uint8)


@pytest.fixture
def labels():
    return np.random.default_rng(6).integers(0, 3, 64).astype(np.uint8)


def rescaling_model(shape=SHAPE, classes=3, seed=0):
    """A small model that scales its own input, as Keras' tutorials build them."""
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape),
            layers.Rescaling(1 / 255, name="rescaling"),
            layers.Conv2D(4, 3, kernel_initializer=keras.initializers.GlorotUniform(seed)),
            layers.Flatten(),
            layers.Dense(classes, activation="softmax"),
        ]
    )
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


# ----------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("dtype", [np.uint16, np.int32, np.int64, np.float16, np.float32])
def test_pixels_0_255_give_the_same_input_whatever_the_dtype(pixels, dtype):
    expected = prepare_images(pixels)
    assert expected.max() <= 1.0 and expected.dtype == np.float32
    np.testing.assert_array_equal(prepare_images(pixels.astype(dtype)), expected)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_floats_already_in_range_are_kept(pixels, dtype):
    scaled = (pixels / 255.0).astype(dtype)
    np.testing.assert_allclose(prepare_images(scaled)[..., 0], scaled.astype(np.float32))
    assert prepare_images(scaled).dtype == np.float32


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.full((2, 4, 4), True), r"images are bool; expected uint8 pixels 0\.\.255.*\* 255"),
        (np.full((2, 4, 4), 4095, np.uint16), r"uint16 integers ranging over 4095\.\.4095"),
        (np.full((2, 4, 4), -3, np.int64), r"ranging over -3\.\.-3; expected uint8 pixels"),
        (np.full((2, 4, 4), np.nan, np.float32), "NaN or infinite values; expected"),
        (np.full((2, 4, 4), np.inf, np.float64), "NaN or infinite values; expected"),
        (np.full((2, 4, 4), 1.5, np.float32), r"floats ranging over 1\.5\.\.1\.5; expected"),
        (np.full((2, 4, 4), -0.5, np.float32), r"ranging over -0\.5\.\.-0\.5; expected"),
        (np.full((2, 4, 4), 300.0), r"ranging over 300\.\.300; expected"),
        (np.full((2, 4, 4), "a"), r"dtype <U1; expected uint8 pixels"),
    ],
    ids=["bool", "uint16 4095", "negative int", "NaN", "inf", "1.5", "-0.5", "300.0", "str"],
)
def test_unclear_values_are_refused_saying_what_was_found(images, message):
    with pytest.raises(DataError, match=message):
        prepare_images(images)


def test_range_rule_follows_the_model_range(pixels):
    assert images_are_pixels(pixels, PIXEL_RANGE)
    assert not images_are_pixels(pixels.astype(np.float32), PIXEL_RANGE)
    np.testing.assert_array_equal(prepare_images(pixels, PIXEL_RANGE)[..., 0], pixels)
    with pytest.raises(DataError, match=r"already divided by 255.*expects 0\.\.255"):
        prepare_images(pixels / 255.0, PIXEL_RANGE)
    centred = prepare_images(pixels, (-1.0, 1.0))
    assert centred.min() == -1.0 and centred.max() == 1.0
    assert prepare_images(np.zeros((1, 4, 4)), PIXEL_RANGE).max() == 0.0  # A black image.


# ----------------------------------------------------------------------------- entry points


def test_train_on_float_pixels_equals_train_on_uint8(pixels, labels):
    """Issue 11 item 1: float32 0..255 was used unscaled (0.133 accuracy instead of 0.838)."""
    weights = []
    for images in (pixels, pixels.astype(np.float32), pixels.astype(np.float64)):
        model = build_lenet(SHAPE, 3, seed=4)
        train(model, images, labels, batch_size=16, seed=5, verbose=0)
        weights.append(model.get_weights())
    for other in weights[1:]:
        for a, b in zip(weights[0], other, strict=True):
            np.testing.assert_array_equal(a, b)


def test_evaluate_and_feature_maps_read_float_pixels_as_pixels(pixels, labels):
    model = build_lenet(SHAPE, 3, seed=1)
    as_float = pixels.astype(np.float32)
    assert evaluate(model, pixels, labels) == evaluate(model, as_float, labels)
    probe = FeatureMapProbe(model)
    for image in (pixels[0], as_float[0], as_float[0, ..., np.newaxis]):
        result = probe("activation", image)
        np.testing.assert_array_equal(result.maps, probe("activation", pixels[0]).maps)


@pytest.mark.parametrize(
    "call",
    [
        lambda model, images, labels: train(model, images, labels, verbose=0),
        lambda model, images, labels: train(
            model, images[:8].astype(np.uint8), labels[:8], validation_data=(images, labels)
        ),
        lambda model, images, labels: evaluate(model, images, labels),
        lambda model, images, labels: FeatureMapProbe(model)("conv2d", images[0]),
        lambda model, images, labels: prepare_for_model(model, images),
    ],
    ids=["train", "validation", "evaluate", "feature maps", "prepare_for_model"],
)
def test_every_entry_point_refuses_unclear_floats(call, labels):
    images = np.full((64, 12, 12), 1.5, np.float32)
    with pytest.raises(DataError, match=r"floats ranging over 1\.5\.\.1\.5; expected"):
        call(build_lenet(SHAPE, 3), images, labels)


# ----------------------------------------------------------------------------- the model's range


def test_input_range_is_detected_from_the_first_layers():
    layers = keras.layers

    def model(*first):
        return keras.Sequential([keras.Input(SHAPE), *first, layers.Flatten(), layers.Dense(3)])

    assert input_range(model(layers.Rescaling(1 / 255))) == PIXEL_RANGE
    assert input_range(model(layers.Rescaling(1 / 127.5, offset=-1))) == PIXEL_RANGE
    assert input_range(model(layers.Rescaling(2.0, offset=-1))) == INPUT_RANGE
    augment = keras.Sequential([layers.RandomFlip("horizontal")])
    assert input_range(model(augment, layers.Rescaling(1 / 255))) == PIXEL_RANGE
    assert input_range(model(layers.Conv2D(2, 3), layers.Rescaling(1 / 255))) == INPUT_RANGE
    raw = np.random.default_rng(0).integers(0, 256, (32, *SHAPE)).astype(np.float32)
    adapted_on_pixels, adapted_on_floats = layers.Normalization(), layers.Normalization()
    adapted_on_pixels.adapt(raw)
    adapted_on_floats.adapt(raw / 255)
    assert input_range(model(adapted_on_pixels)) == PIXEL_RANGE
    assert input_range(model(adapted_on_floats)) == INPUT_RANGE
    inputs = keras.Input(SHAPE)
    outputs = layers.Dense(3)(layers.Flatten()(layers.Rescaling(1 / 255)(inputs)))
    assert input_range(keras.Model(inputs, outputs)) == PIXEL_RANGE
    assert input_range(build_lenet(SHAPE, 3)) == INPUT_RANGE


def test_declared_range_wins_and_is_checked():
    model = rescaling_model()
    set_input_range(model, -1, 1)
    assert input_range(model) == (-1.0, 1.0)
    with pytest.raises(ValueError, match=r"input range is 1\.0\.\.0\.0; expected finite"):
        set_input_range(model, 1, 0)


def test_declared_range_survives_save_and_load(tmp_path):
    from lenet_widgets.core.persistence import load_model, save_model

    model = build_lenet(SHAPE, 3)
    set_input_range(model, 0, 255)
    save_model(model, tmp_path / "declared.keras")
    assert input_range(load_model(tmp_path / "declared.keras")) == PIXEL_RANGE
    save_model(rescaling_model(), tmp_path / "rescaling.keras")
    assert input_range(load_model(tmp_path / "rescaling.keras")) == PIXEL_RANGE


def test_a_model_that_rescales_itself_gets_raw_pixels(pixels, labels):
    """Issue 11 item 5: train() fed such a model pixels divided by 255 twice (0.126 vs 0.749)."""
    ours, keras_own = rescaling_model(seed=3), rescaling_model(seed=3)
    keras_own.set_weights(ours.get_weights())
    # One batch holding every image: the order inside it does not matter.
    train(ours, pixels, labels, batch_size=len(pixels), seed=0, verbose=0)
    keras_own.fit(pixels.astype(np.float32), labels, batch_size=len(pixels), verbose=0)
    for a, b in zip(ours.get_weights(), keras_own.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    expected = keras_own.evaluate(pixels.astype(np.float32), labels, verbose=0, return_dict=True)
    assert evaluate(ours, pixels, labels)["loss"] == pytest.approx(expected["loss"], rel=1e-5)
    maps = FeatureMapProbe(ours)("rescaling", pixels[0]).maps
    np.testing.assert_allclose(maps[..., 0], pixels[0] / 255, rtol=1e-6)
    assert prepare_for_model(ours, pixels).max() == pixels.max()


@pytest.mark.parametrize("entry", ["show_top_examples", "FilterExplorer"])
def test_top_examples_feed_the_model_its_own_range(entry, pixels, labels, monkeypatch):
    """Dataset examples were prepared for 0..1 whatever the model expected."""
    from lenet_widgets.core import filters as core_filters
    from lenet_widgets.display import filters as library

    model = rescaling_model()
    seen = []
    original = core_filters.top_activating_examples

    def spy(model, layer, images, *args, **kwargs):
        seen.append(np.asarray(images).max())
        return original(model, layer, images, *args, **kwargs)

    monkeypatch.setattr(core_filters, "top_activating_examples", spy)
    monkeypatch.setattr(library, "top_activating_examples", spy)
    if entry == "show_top_examples":
        result = core_filters.maximize_filters(model, model.layers[1].name, steps=1)
        library.show_top_examples(model, pixels, result, labels, rows=2, count=2)
    else:
        from lenet_widgets.ui.filters import FilterExplorer

        explorer = FilterExplorer(model, background=False, images=pixels, labels=labels)
        explorer._show_examples.value = True
        explorer.wait(60)
    assert seen and seen[-1] == pixels.max() > 1


# ----------------------------------------------------------------------------- repeatable runs


def test_seeds_make_a_run_from_scratch_bit_identical(pixels, labels):
    """Issue 11 item 8: build_lenet() then train(seed=42) differed by up to 0.217."""
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(
            int(np.random.default_rng().integers(1000))
        )  # Whatever ran before.
        model = build_lenet(SHAPE, 3, seed=7)
        train(model, pixels, labels, epochs=2, batch_size=16, seed=8, verbose=0)
        runs.append(model.get_weights())
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)
    other = build_lenet(SHAPE, 3, seed=9).get_weights()
    assert not np.array_equal(other[0], build_lenet(SHAPE, 3, seed=7).get_weights()[0])


def test_cli_train_with_a_seed_is_bit_identical(tmp_path, capsys):
    from lenet_widgets.cli import main
    from lenet_widgets.core.persistence import load_model

    rng = np.random.default_rng(3)
    np.savez(
        tmp_path / "small.npz",
        x_train=rng.integers(0, 256, (96, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, 96).astype(np.uint8),
        x_test=rng.integers(0, 256, (16, 28, 28), dtype=np.uint8),
        y_test=rng.integers(0, 10, 16).astype(np.uint8),
    )
    weights = []
    for run in ("a", "b"):
        output = tmp_path / f"{run}.keras"
        arguments = ["train", "--data", str(tmp_path / "small.npz"), "--seed", "4"]
        assert main([*arguments, "--batch-size", "32", "-o", str(output)]) == 0
        weights.append(load_model(output).get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", [1.5, True, "1"])
def test_seeds_must_be_integers(seed, pixels, labels):
    with pytest.raises(ValueError, match=r"seed is .*; expected an integer or None"):
        build_lenet(SHAPE, 3, seed=seed)
    with pytest.raises(ValueError, match=r"seed is .*; expected an integer or None"):
        train(build_lenet(SHAPE, 3), pixels, labels, seed=seed, verbose=0)


def test_lenet_refuses_images_too_small_for_two_poolings():
    with pytest.raises(ValueError, match=r"at least 4x4 pixels"):
        build_lenet((3, 8, 1))
    assert build_lenet((4, 4, 3)).output_shape == (None, 10)


# ----------------------------------------------------------------------------- memory


def test_training_keeps_no_float_copy_of_the_images():
    """Issue 13: 60,000 MNIST images as float32 are 188 MB per copy; train fed copies."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40000, 12, 12), dtype=np.uint8)
    labels = rng.integers(0, 3, len(images)).astype(np.uint8)
    float_copy = images.size * 4
    model = build_lenet(SHAPE, 3, seed=0)
    train(model, images[:64], labels[:64], batch_size=64, verbose=0)  # Compile outside the count.
    tracemalloc.start()
    try:
        train(
            model,
            images,
            labels,
            batch_size=512,
            validation_data=(images[:20000], labels[:20000]),
            verbose=0,
        )
        evaluate(model, images, labels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < float_copy / 4, f"traced peak {peak:,} bytes; a float copy is {float_copy:,}"


def test_image_batches_convert_each_batch_and_shuffle_repeatably(pixels, labels):
    images = pixels[..., np.newaxis]
    batches = ImageBatches(images, labels, 10, INPUT_RANGE, shuffle=True)
    batches.reshuffle(3)
    first = [batches[index] for index in range(len(batches))]
    assert len(batches) == 7 and len(first[-1][0]) == 4
    seen = np.concatenate([batch_labels for _, batch_labels in first])
    assert sorted(seen.tolist()) == sorted(labels.tolist())
    assert all(x.dtype == np.float32 and x.max() <= 1.0 for x, _ in first)
    batches.reshuffle(3)
    np.testing.assert_array_equal(batches[2][0], first[2][0])
    plain = ImageBatches(images, labels, 10, PIXEL_RANGE)
    np.testing.assert_array_equal(plain[0][0], images[:10].astype(np.float32))


def test_image_batches_as_dataset_give_one_epoch_per_pass_without_autotuning(pixels, labels):
    """What fit receives: the same batches, a new order each pass, tf.data autotuning off
    (its thread made fit end up to 20 s late)."""
    images = pixels[..., np.newaxis]
    batches = ImageBatches(images, labels, 10, INPUT_RANGE, shuffle=True)
    batches.reshuffle(3)
    expected = [batches[index] for index in range(len(batches))]
    batches.reshuffle(3)
    dataset = batches.as_dataset()
    assert int(dataset.cardinality()) == len(batches) == 7
    assert dataset.options().autotune.enabled is False
    first = list(dataset.as_numpy_iterator())
    for (got_x, got_y), (want_x, want_y) in zip(first, expected, strict=True):
        np.testing.assert_array_equal(got_x, want_x)
        np.testing.assert_array_equal(got_y, want_y)
    second = np.concatenate([y for _, y in dataset.as_numpy_iterator()])
    assert sorted(second.tolist()) == sorted(labels.tolist())
    assert not np.array_equal(second, np.concatenate([y for _, y in first]))  # Reshuffled.
    # The in-graph conversion gives the numbers of ``batches[index]`` for every kind of range.
    for value_range, data in (
        ((-1.0, 1.0), images),
        (PIXEL_RANGE, images),
        (INPUT_RANGE, images.astype(np.float32) / 255.0),  # Already scaled: only cast.
    ):
        plain = ImageBatches(data, labels, 10, value_range)
        for (got, _), index in zip(plain.as_dataset().as_numpy_iterator(), range(7), strict=True):
            np.testing.assert_allclose(got, plain[index][0], rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------- colour datasets


def test_lab_works_on_a_small_rgb_dataset(monkeypatch):
    """Issue 11 item 9: lab(data=Dataset(uint8 (200, 32, 32, 3))) failed (32, 32, 3, 1)."""
    from lenet_widgets import config
    from lenet_widgets.ui.lab import lab

    monkeypatch.setenv(config.FAST_VARIABLE, "1")
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (200, 32, 32, 3), dtype=np.uint8)
    classes = rng.integers(0, 10, 200).astype(np.uint8)
    data = Dataset(images[:160], classes[:160], images[160:], classes[160:], source="rgb")
    assert data.image_shape == (32, 32, 3)
    dashboard = lab(data=data, filter_steps=2)
    assert tuple(dashboard.model.inputs[0].shape[1:]) == (32, 32, 3)
    dashboard.training.start()
    dashboard.wait(300)
    status = re.sub("<[^>]+>", "", dashboard.training._status.value)
    assert "1 epoch trained" in status, status
    assert dashboard.training.test_accuracy is not None
    dashboard.feature_maps.index = 3
    assert "error" not in dashboard.feature_maps._status.value
