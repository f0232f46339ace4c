"""The batched activation-maximization engine vs a per-filter reference, on every model kind."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

from lenet_widgets.core import filters as core_filters
from lenet_widgets.core.filters import (
    Blur,
    ClipToRange,
    Decay,
    FilterError,
    FilterSearchCancelledError,
    Jitter,
    TotalVariation,
    filter_count,
    preset_arguments,
    top_activating_examples,
    visualizable_layers,
)
from lenet_widgets.core.filters import compiled as filters_compiled
from lenet_widgets.core.filters import layers as filter_layers
from lenet_widgets.core.model import set_metadata

layers = keras.layers


def maximize_filters(*args, **kwargs):
    """The engine without a preset (plain ascent, no clipping), as the references below.

    The library default (``DEFAULT_PRESET``, kept in range) is tested in
    ``test_filter_engine_oracle.py`` and at the end of this file.
    """
    kwargs.setdefault("preset", None)
    return core_filters.maximize_filters(*args, **kwargs)


def _start(shape, seed, index, low=0.0, high=1.0):
    """The documented start: mid-range + uniform noise of +-5% of the range, per filter."""
    noise = np.random.default_rng([seed, index]).random(shape)
    return ((low + high) / 2 + (noise - 0.5) * 0.1 * (high - low)).astype(np.float32)


def reference_per_filter(model, layer, filters, steps, step_size, seed, logits_of=None):
    """Straightforward per-filter loop, as the chapter: one filter, one image, plain tf."""
    if logits_of is None:
        target = model.get_layer(layer).output
        truncated = keras.Model(model.inputs[0], target)
    else:
        dense = model.get_layer(logits_of)
        before = keras.Model(model.inputs[0], dense.input)

        def truncated(x):
            return tf.matmul(before(x), dense.kernel) + dense.bias

    shape = tuple(model.inputs[0].shape[1:])
    images, activations = [], []
    for index in filters:
        x = tf.constant(_start(shape, seed, index)[None])
        history, values = [x.numpy()[0]], []
        for _ in range(steps):
            with tf.GradientTape() as tape:
                tape.watch(x)
                out = truncated(x)
                loss = tf.reduce_mean(out[..., index])
            grads = tape.gradient(loss, x)
            grads = grads / (tf.sqrt(tf.reduce_mean(tf.square(grads))) + 1e-5)
            values.append(float(loss))
            x = x + grads * step_size
            history.append(x.numpy()[0])
        values.append(float(tf.reduce_mean(truncated(x)[..., index])))
        images.append(history)
        activations.append(values)
    return np.swapaxes(np.array(images), 0, 1), np.array(activations).T


@pytest.fixture
def conv_model():
    """Sequential, grey, non-square 10x14: conv (no ReLU) -> relu -> pool -> dense -> softmax."""
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input((10, 14, 1), name="input_layer"),
            layers.Conv2D(4, 3, padding="same", name="conv"),
            layers.Activation("relu", name="relu"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Flatten(name="flatten"),
            layers.Dense(6, activation="relu", name="hidden"),
            layers.Dense(3, activation="softmax", name="output"),
        ],
        name="tiny_conv",
    )


@pytest.fixture
def rgb_functional():
    """Functional, RGB, non-square 9x13; separate softmax after a 'logits' Dense."""
    keras.utils.set_random_seed(2)
    inputs = keras.Input((9, 13, 3), name="image")
    x = layers.Conv2D(5, 3, name="conv_rgb")(inputs)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(4, name="logits")(x)
    outputs = layers.Activation("softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="rgb_functional")


@pytest.fixture
def nested_model():
    """Sequential containing a Sequential block after a first convolution."""
    keras.utils.set_random_seed(3)
    block = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.Conv2D(3, 3, padding="same", name="inner_conv"),
            layers.Activation("relu", name="inner_relu"),
        ],
        name="block",
    )
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(3, 3, padding="same", name="first_conv"),
            block,
            layers.Flatten(name="flatten"),
            layers.Dense(2, activation="softmax", name="output"),
        ],
        name="nested",
    )


def test_batched_engine_equals_per_filter_reference(conv_model):
    result = maximize_filters(conv_model, "conv", steps=6, step_size=0.05, seed=4)
    images, activations = reference_per_filter(conv_model, "conv", range(4), 6, 0.05, 4)
    assert result.images.shape == (7, 4, 10, 14, 1)
    np.testing.assert_allclose(result.images, images, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(result.activations, activations, rtol=1e-4, atol=1e-5)
    assert result.kind == "channel"
    assert result.layer == "conv"
    assert result.settings["steps"] == 6


def test_fused_softmax_output_is_maximized_as_logits(conv_model):
    result = maximize_filters(conv_model, "output", steps=4, step_size=0.1, seed=0)
    images, activations = reference_per_filter(
        conv_model, "output", range(3), 4, 0.1, 0, logits_of="output"
    )
    assert result.kind == "logit"
    np.testing.assert_allclose(result.images, images, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(result.activations, activations, rtol=1e-4, atol=1e-5)
    # Probabilities are at most 1; the logits recorded here are not bounded that way.
    assert result.activations[-1].max() != pytest.approx(1.0)


def test_separate_softmax_equals_its_logits_layer(rgb_functional):
    by_softmax = maximize_filters(rgb_functional, "probabilities", steps=3, step_size=0.1)
    by_logits = maximize_filters(rgb_functional, "logits", steps=3, step_size=0.1)
    assert by_softmax.kind == "logit"
    assert by_logits.kind == "unit"
    np.testing.assert_allclose(by_softmax.images, by_logits.images, rtol=1e-5, atol=1e-6)
    reference, _ = reference_per_filter(rgb_functional, "logits", range(4), 3, 0.1, 0)
    np.testing.assert_allclose(by_logits.images, reference, rtol=1e-4, atol=1e-5)


def test_rgb_non_square_conv_keeps_height_width_order(rgb_functional):
    result = maximize_filters(rgb_functional, "conv_rgb", filters=[4, 1], steps=2, step_size=0.1)
    assert result.images.shape == (3, 2, 9, 13, 3)
    assert list(result.filters) == [4, 1]
    reference, _ = reference_per_filter(rgb_functional, "conv_rgb", [4, 1], 2, 0.1, 0)
    np.testing.assert_allclose(result.images, reference, rtol=1e-4, atol=1e-5)


def test_nested_model_layers_are_listed_and_work(nested_model):
    names = visualizable_layers(nested_model)
    assert names == ["first_conv", "block/inner_conv", "block/inner_relu", "output"]
    result = maximize_filters(nested_model, "block/inner_conv", steps=3, step_size=0.1)
    assert result.images.shape == (4, 3, 8, 8, 1)
    # Reference: first_conv then the inner conv, per filter.
    first = nested_model.get_layer("first_conv")
    inner = nested_model.get_layer("block").get_layer("inner_conv")
    for row, index in enumerate(result.filters):
        x = tf.constant(result.images[1, row][None])
        expected = float(tf.reduce_mean(inner(first(x))[..., index]))
        assert result.activations[1, row] == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_first_layer_is_selectable_and_listed(conv_model):
    names = visualizable_layers(conv_model)
    assert names[0] == "conv"
    assert "flatten" not in names and "input_layer" not in names
    assert filter_count(conv_model, "conv") == 4
    assert filter_count(conv_model, "hidden") == 6


def test_activation_recorded_is_that_of_the_image_at_the_same_step(conv_model):
    result = maximize_filters(conv_model, "hidden", steps=5, step_size=0.2)
    truncated = keras.Model(conv_model.inputs[0], conv_model.get_layer("hidden").output)
    for step in range(6):
        outputs = truncated(tf.constant(result.images[step])).numpy()
        expected = outputs[np.arange(6), result.filters]
        np.testing.assert_allclose(result.activations[step], expected, rtol=1e-4, atol=1e-6)


def test_start_images_lie_in_the_model_input_range(conv_model):
    result = maximize_filters(conv_model, "conv", steps=0)
    assert result.images.shape[0] == 1
    assert result.images.min() >= 0.44 and result.images.max() <= 0.56
    set_metadata(conv_model, input_range=[-1.0, 1.0])
    shifted = maximize_filters(conv_model, "conv", steps=0)
    assert shifted.images.min() >= -0.11 and shifted.images.max() <= 0.11
    chapter = maximize_filters(conv_model, "conv", steps=0, init="chapter")
    assert chapter.images.min() >= 128 and chapter.images.max() < 148


def test_subset_of_filters_equals_the_same_rows_of_a_full_run(conv_model):
    full = maximize_filters(conv_model, "conv", steps=3, step_size=0.1, seed=9)
    part = maximize_filters(conv_model, "conv", filters=[2, 0], steps=3, step_size=0.1, seed=9)
    np.testing.assert_allclose(part.images[:, 0], full.images[:, 2], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(part.images[:, 1], full.images[:, 0], rtol=1e-5, atol=1e-6)
    other_seed = maximize_filters(conv_model, "conv", filters=[2], steps=0, seed=10)
    assert not np.allclose(other_seed.images[0, 0], full.images[0, 2])


def test_compiled_loops_are_kept_per_number_of_filters_and_bounded(conv_model, monkeypatch):
    """Each number of filters gets its own fixed-shape loop (faster); old ones are dropped."""
    monkeypatch.setattr(filters_compiled, "_COMPILED", type(filters_compiled._COMPILED)())
    monkeypatch.setattr(filters_compiled, "MAX_COMPILED_PER_MODEL", 2)
    runs = [
        maximize_filters(conv_model, "conv", filters=chosen, steps=2, step_size=0.1)
        for chosen in ([0], [0, 1], [0, 1, 2], [0])
    ]
    kept = filters_compiled._COMPILED[conv_model]
    assert [key[-1] for key in kept] == [3, 1]  # The newest two numbers of filters.
    for run in runs[1:]:  # Filter 0's image does not depend on the loop it was computed in.
        np.testing.assert_allclose(run.images[:, 0], runs[0].images[:, 0], rtol=1e-5, atol=1e-6)
    maximize_filters(conv_model, "conv", filters=[0, 1, 2], steps=2, step_size=0.1)  # Used again.
    maximize_filters(conv_model, "conv", filters=[0, 1], steps=2, step_size=0.1)
    # The least recently used loop went (one filter), not the oldest (three filters).
    assert [key[-1] for key in filters_compiled._COMPILED[conv_model]] == [3, 2]


def test_dead_filters_are_kept_and_marked(conv_model):
    hidden = conv_model.get_layer("hidden")
    kernel, bias = hidden.get_weights()
    bias[[0, 3, 4, 5]] = 3.0  # Certainly active: alive.
    kernel[:, 1] = 0.0
    bias[1] = -1.0  # Unit 1: ReLU(-1) everywhere, no gradient: truly dead.
    kernel[:, 2] = 0.0
    bias[2] = 0.5  # Unit 2: constant 0.5: no gradient, but alive.
    hidden.set_weights([kernel, bias])
    result = maximize_filters(conv_model, "hidden", steps=3, step_size=0.1)
    assert len(result.filters) == 6
    assert result.dead.tolist() == [False, True, False, False, False, False]


def test_negative_pre_relu_filter_is_not_dead(conv_model):
    conv = conv_model.get_layer("conv")
    kernel, bias = conv.get_weights()
    bias[0] = -5.0  # Mean activation far below 0, but it responds to the input.
    conv.set_weights([kernel, bias])
    result = maximize_filters(conv_model, "conv", steps=2, step_size=0.05)
    assert result.activations[-1, 0] < 0
    assert not result.dead[0]
    assert result.activations[-1, 0] > result.activations[0, 0]


def test_new_weights_are_used_by_the_cached_step(conv_model):
    before = maximize_filters(conv_model, "conv", steps=2, step_size=0.1)
    conv = conv_model.get_layer("conv")
    conv.set_weights([w * 2.0 + 0.1 for w in conv.get_weights()])
    after = maximize_filters(conv_model, "conv", steps=2, step_size=0.1)
    assert not np.allclose(before.activations, after.activations)
    reference, _ = reference_per_filter(conv_model, "conv", range(4), 2, 0.1, 0)
    np.testing.assert_allclose(after.images, reference, rtol=1e-4, atol=1e-5)


def test_progress_is_reported_and_can_cancel(conv_model):
    seen = []
    maximize_filters(
        conv_model,
        "conv",
        steps=4,
        step_size=0.1,
        progress=lambda s, t: seen.append((s, t)),
        progress_every=1,
    )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    with pytest.raises(FilterSearchCancelledError, match="after 2 of 4"):
        maximize_filters(conv_model, "conv", steps=4, progress=lambda s, t: s < 2, progress_every=1)


def test_progress_comes_per_chunk_and_chunks_do_not_change_results(conv_model):
    seen = []
    regularizers = (Jitter(1), Blur(0.3, every=2), Decay(0.01), TotalVariation(0.1))
    arguments = {"steps": 12, "step_size": 0.1, "seed": 2, "regularizers": regularizers}
    chunked = maximize_filters(
        conv_model, "conv", progress=lambda s, t: seen.append((s, t)), **arguments
    )
    assert seen == [(5, 12), (10, 12), (12, 12)]  # PROGRESS_EVERY = 5, then the rest.
    whole = maximize_filters(conv_model, "conv", **arguments)
    by_three = maximize_filters(
        conv_model, "conv", progress=lambda s, t: None, progress_every=3, **arguments
    )
    for other in (whole, by_three):
        np.testing.assert_allclose(other.images, chunked.images, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(other.activations, chunked.activations, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(other.gradient_rms, chunked.gradient_rms, rtol=1e-5, atol=1e-6)
    with pytest.raises(FilterSearchCancelledError, match="after 5 of 12"):
        maximize_filters(conv_model, "conv", steps=12, progress=lambda s, t: False)
    with pytest.raises(FilterError, match="progress_every is 0"):
        maximize_filters(conv_model, "conv", steps=2, progress_every=0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"layer": "nope"}, r"layer 'nope' is not in model 'tiny_conv'; expected one of \['conv'"),
        ({"layer": "flatten"}, "no channel or unit axis"),
        ({"layer": "input_layer"}, "expected one of"),
        ({"steps": -1}, "steps is -1; expected an integer >= 0"),
        ({"steps": 2.5}, "steps is 2.5"),
        ({"step_size": 0}, "step_size is 0; expected a number > 0"),
        ({"seed": -3}, "seed is -3"),
        ({"filters": [0, 9]}, r"expected integers in 0\.\.3"),
        ({"filters": []}, "filters is empty"),
        ({"init": "white"}, r"init is 'white'; expected one of \('noise'"),
        ({"regularizers": (lambda x: x,)}, "has no stage"),
    ],
)
def test_errors_name_the_bad_value_and_the_expected_one(conv_model, arguments, message):
    arguments = {"layer": "conv", **arguments}
    with pytest.raises(FilterError, match=message):
        maximize_filters(conv_model, **arguments)


def test_bad_model_and_preset_are_reported(conv_model):
    with pytest.raises(FilterError, match="expected a Keras model"):
        maximize_filters("model.keras", "conv")
    with pytest.raises(FilterError, match=r"preset 'vgg' is unknown; expected one of \['chapter'"):
        preset_arguments("vgg", conv_model)


def test_clip_keeps_images_in_range_and_decay_pulls_to_middle(conv_model):
    clipped = maximize_filters(
        conv_model, "conv", steps=5, step_size=0.5, regularizers=(ClipToRange(),)
    )
    free = maximize_filters(conv_model, "conv", steps=5, step_size=0.5)
    assert clipped.images.min() >= 0.0 and clipped.images.max() <= 1.0
    assert free.images.min() < 0.0 or free.images.max() > 1.0
    decayed = maximize_filters(
        conv_model, "conv", steps=5, step_size=0.5, regularizers=(Decay(0.5),)
    )
    assert np.abs(decayed.images[-1] - 0.5).mean() < np.abs(free.images[-1] - 0.5).mean()


def _roughness(images):
    return np.abs(np.diff(images, axis=-2)).mean() + np.abs(np.diff(images, axis=-3)).mean()


def test_blur_and_total_variation_give_smoother_images(conv_model):
    free = maximize_filters(conv_model, "conv", steps=8, step_size=0.1)
    blurred = maximize_filters(
        conv_model, "conv", steps=8, step_size=0.1, regularizers=(Blur(1.0, 1),)
    )
    smooth = maximize_filters(
        conv_model, "conv", steps=8, step_size=0.1, regularizers=(TotalVariation(50.0),)
    )
    assert _roughness(blurred.images[-1]) < 0.7 * _roughness(free.images[-1])
    assert _roughness(smooth.images[-1]) < _roughness(free.images[-1])


def test_jitter_keeps_batch_equal_to_single_filter_runs(conv_model):
    jitter = (Jitter(2),)
    full = maximize_filters(conv_model, "conv", steps=4, step_size=0.1, regularizers=jitter)
    one = maximize_filters(conv_model, "conv", [3], steps=4, step_size=0.1, regularizers=jitter)
    plain = maximize_filters(conv_model, "conv", steps=4, step_size=0.1)
    np.testing.assert_allclose(one.images[:, 0], full.images[:, 3], rtol=1e-5, atol=1e-6)
    assert not np.allclose(full.images[-1], plain.images[-1])


def test_presets_scale_the_step_to_the_input_range(conv_model):
    assert preset_arguments("chapter", conv_model)["step_size"] == 1.0
    assert preset_arguments("chapter", conv_model)["init"] == "chapter"
    plain = preset_arguments("mnist", conv_model)["step_size"]
    set_metadata(conv_model, input_range=[0.0, 255.0])
    assert preset_arguments("mnist", conv_model)["step_size"] == pytest.approx(plain * 255)


def test_top_activating_examples_match_brute_force(conv_model):
    images = np.random.default_rng(0).random((37, 10, 14, 1)).astype(np.float32)
    top = top_activating_examples(
        conv_model, "conv", images, filters=[3, 1], count=4, batch_size=10
    )
    scores = keras.Model(conv_model.inputs[0], conv_model.get_layer("conv").output)(images)
    scores = scores.numpy().mean(axis=(1, 2))
    for row, index in enumerate([3, 1]):
        expected = np.argsort(-scores[:, index])[:4]
        assert top.indices[row].tolist() == expected.tolist()
        np.testing.assert_allclose(top.activations[row], scores[expected, index], rtol=1e-5)
    with pytest.raises(FilterError, match="count is 0"):
        top_activating_examples(conv_model, "conv", images, count=0)


@pytest.mark.parametrize(
    "options",
    [
        {"padding": "valid", "strides": 2, "activation": "relu"},
        {"padding": "same", "use_bias": False, "activation": "tanh"},
        {"padding": "same", "strides": 3},
    ],
)
def test_own_channel_convolution_equals_the_per_filter_reference(options):
    """Plain Conv2D layers compute each image's own channel only; same numbers as the full layer."""
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((11, 9, 3)),
            layers.Conv2D(5, 3, padding="same", activation="relu", name="first"),
            layers.Conv2D(6, 3, bias_initializer="glorot_uniform", name="target", **options),
        ]
    )
    assert filter_layers._build_own_channel(model, "target") is not None
    result = maximize_filters(model, "target", filters=[5, 0, 3], steps=4, step_size=0.1, seed=2)
    images, activations = reference_per_filter(model, "target", [5, 0, 3], 4, 0.1, 2)
    np.testing.assert_allclose(result.images, images, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(result.activations, activations, rtol=1e-4, atol=1e-5)


def test_other_layers_use_the_full_output_and_a_gather():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 4)),
            layers.Conv2D(4, 3, groups=2, name="grouped"),
            layers.DepthwiseConv2D(3, name="depthwise"),
            layers.Conv2D(4, 3, dilation_rate=2, padding="same", name="dilated"),
            layers.Conv2D(3, 3, activation="softmax", name="softmax_conv"),
            layers.Flatten(),
            layers.Dense(2, name="dense"),
        ]
    )
    for name in ("grouped", "depthwise", "dilated", "softmax_conv", "dense"):
        assert filter_layers._build_own_channel(model, name) is None
    result = maximize_filters(model, "grouped", steps=2, step_size=0.1)
    images, activations = reference_per_filter(model, "grouped", range(4), 2, 0.1, 0)
    np.testing.assert_allclose(result.images, images, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(result.activations, activations, rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------- in range, defaults


def _in_bounds(images, low, high):
    return images.min() >= low and images.max() <= high


@pytest.mark.parametrize("name", sorted(core_filters.PRESETS))
@pytest.mark.parametrize("value_range", [(0.0, 1.0), (0.0, 255.0)])
def test_every_preset_but_chapter_keeps_every_step_in_the_input_range(
    conv_model, name, value_range
):
    set_metadata(conv_model, input_range=list(value_range))
    result = core_filters.maximize_filters(conv_model, "hidden", steps=25, preset=name)
    low, high = value_range
    assert result.input_range == value_range
    assert result.image_span == (result.images.min(), result.images.max())
    if name == "chapter":
        assert not core_filters.PRESETS[name].in_range  # Not kept in range: it may leave it.
        assert result.in_range == _in_bounds(result.images, low, high)
        assert result.in_range == (value_range == (0.0, 255.0))  # 128 + noise leaves [0, 1].
    else:
        assert core_filters.PRESETS[name].in_range
        assert result.in_range
        assert _in_bounds(result.images, low, high)
        assert result.activations[-1].mean() > result.activations[0].mean()


def test_called_with_no_settings_the_engine_uses_the_in_range_default(conv_model):
    from lenet_widgets.display import filters as library

    assert core_filters.DEFAULT_PRESET in core_filters.PRESETS
    assert core_filters.PRESETS[core_filters.DEFAULT_PRESET].in_range
    result = core_filters.maximize_filters(conv_model, "conv", steps=30)
    assert result.settings["preset"] == core_filters.DEFAULT_PRESET
    assert result.in_range and _in_bounds(result.images, 0.0, 1.0)
    assert library.compute_filters(conv_model, "conv", steps=3).in_range
    for function in (library.compute_filters, library.show_filters, library.save_filter_grid):
        default = inspect.signature(function).parameters["preset"].default
        assert default == core_filters.DEFAULT_PRESET, function.__name__
    free = core_filters.maximize_filters(conv_model, "conv", steps=30, preset=None)
    assert free.settings["preset"] is None and not free.in_range


def test_projected_ascent_reaches_the_optimum_of_a_linear_filter(conv_model):
    """The channel mean of a linear convolution is largest with every pixel at a bound."""
    truncated = keras.Model(conv_model.inputs[0], conv_model.get_layer("conv").output)
    start = tf.constant(np.full((1, 10, 14, 1), 0.5, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(start)
        mean = tf.reduce_mean(truncated(start)[..., 2])
    best_image = (tape.gradient(mean, start).numpy() > 0).astype(np.float32)
    best = float(tf.reduce_mean(truncated(best_image)[..., 2]))
    result = core_filters.maximize_filters(conv_model, "conv", [2], steps=80)
    assert result.activations[-1, 0] == pytest.approx(best, rel=1e-5)
    np.testing.assert_array_equal(result.images[-1], best_image)


def test_recorded_activation_is_that_of_the_shown_image_under_jitter(conv_model):
    """Jitter shifts the image the gradient sees, not the image shown and measured."""
    result = core_filters.maximize_filters(
        conv_model, "conv", steps=6, step_size=0.2, regularizers=(Jitter(3), ClipToRange())
    )
    truncated = keras.Model(conv_model.inputs[0], conv_model.get_layer("conv").output)
    for step in range(7):
        outputs = truncated(tf.constant(result.images[step])).numpy().mean(axis=(1, 2))
        expected = outputs[np.arange(4), result.filters]
        np.testing.assert_allclose(result.activations[step], expected, rtol=1e-4, atol=1e-6)


# --------------------------------------------------------------------------- objectives


def test_neuron_objective_maximizes_and_records_the_centre_position(conv_model):
    assert core_filters.OBJECTIVES == ("channel", "neuron")
    result = core_filters.maximize_filters(conv_model, "conv", steps=5, objective="neuron")
    truncated = keras.Model(conv_model.inputs[0], conv_model.get_layer("conv").output)
    for step in (0, 5):
        outputs = truncated(tf.constant(result.images[step])).numpy()  # (4, 10, 14, 4)
        expected = outputs[np.arange(4), 5, 7, result.filters]
        np.testing.assert_allclose(result.activations[step], expected, rtol=1e-4, atol=1e-6)
    assert result.objective == "neuron" and result.settings["objective"] == "neuron"
    # The conv's 3x3 window at (5, 7) is all the neuron sees: nothing else moves.
    moved = np.abs(result.images[-1] - result.images[0]).max(axis=(0, 3)) > 0
    assert moved[4:7, 6:9].all() and moved.sum() == 9
    units = core_filters.maximize_filters(conv_model, "hidden", steps=3, objective="neuron")
    same = core_filters.maximize_filters(conv_model, "hidden", steps=3, objective="channel")
    np.testing.assert_allclose(units.images, same.images)  # Dense: the unit itself.
    with pytest.raises(FilterError, match=r"objective is 'pixel'; expected one of \('channel'"):
        core_filters.maximize_filters(conv_model, "conv", objective="pixel")


# --------------------------------------------------------------------------- dead units


def _flat_model():
    """4x4 grey -> Dense(3, relu): unit 0 fires only on a bright first pixel, unit 1 never."""
    model = keras.Sequential(
        [keras.Input((4, 4, 1)), layers.Flatten(), layers.Dense(3, activation="relu", name="d")]
    )
    kernel = np.zeros((16, 3), np.float32)
    kernel[0, 0] = 1.0
    kernel[:, 2] = 0.1
    model.get_layer("d").set_weights([kernel, np.array([-0.9, -1.0, 0.0], np.float32)])
    return model


def test_inactive_at_the_start_is_not_dead_when_real_data_activates_it():
    model = _flat_model()
    no_data = core_filters.maximize_filters(model, "d", steps=5)
    # Unit 0 is zero at the grey start and gets no gradient: inactive at the start.
    assert no_data.dead.tolist() == [True, True, False] and no_data.dead_test == "start"
    data = np.zeros((3, 4, 4, 1), np.float32)
    data[1, 0, 0, 0] = 1.0  # One image makes unit 0 fire (1.0 - 0.9 > 0).
    checked = core_filters.maximize_filters(model, "d", steps=5, data=data)
    assert checked.dead.tolist() == [False, True, False] and checked.dead_test == "data"
    assert core_filters.DEAD_TESTS == ("data", "start")
    with pytest.raises(FilterError, match=r"data pixels span \[0, 255\]; expected the input"):
        core_filters.maximize_filters(model, "d", steps=1, data=data * 255)
    with pytest.raises(FilterError, match=r"data have shape \(3, 4, 4\); expected \(N, 4, 4, 1\)"):
        core_filters.maximize_filters(model, "d", steps=1, data=data[..., 0])


# --------------------------------------------------------------------------- odd models


def test_channels_first_convolution_counts_and_maximizes_its_channels():
    keras.utils.set_random_seed(5)
    model = keras.Sequential(
        [
            keras.Input((3, 12, 10)),  # channels_first: 3 channels of 12x10.
            layers.Conv2D(8, 3, data_format="channels_first", name="cf"),
            layers.Activation("relu", name="cf_relu"),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    assert model.get_layer("cf").output.shape[1:] == (8, 10, 8)
    assert core_filters.filter_count(model, "cf") == 8
    assert core_filters.filter_count(model, "cf_relu") == 8
    result = core_filters.maximize_filters(model, "cf", [7, 2], steps=3, step_size=0.1)
    truncated = keras.Model(model.inputs[0], model.get_layer("cf").output)
    outputs = truncated(tf.constant(result.images[-1])).numpy()  # (2, 8, 10, 8)
    expected = outputs[np.arange(2), [7, 2]].mean(axis=(1, 2))
    np.testing.assert_allclose(result.activations[-1], expected, rtol=1e-4, atol=1e-6)
    assert result.activations[-1].mean() > result.activations[0].mean()


def test_top_examples_of_another_shape_raise_a_filter_error():
    model = keras.Sequential(
        [keras.Input((32, 32, 3)), layers.Conv2D(4, 3, name="conv"), layers.Flatten()]
    )
    digits = np.zeros((5, 28, 28, 1), np.float32)
    with pytest.raises(FilterError, match=r"images have shape \(5, 28, 28, 1\); expected \(N, 32"):
        top_activating_examples(model, "conv", digits)
    with pytest.raises(FilterError, match=r"pixels span \[255, 255\]"):
        top_activating_examples(model, "conv", np.full((2, 32, 32, 3), 255.0, np.float32))


def test_nan_weights_reaching_the_layer_raise_a_filter_error(conv_model):
    conv = conv_model.get_layer("conv")
    kernel, bias = conv.get_weights()
    kernel[0, 0, 0, 1] = np.nan
    conv.set_weights([kernel, bias])
    for steps in (0, 2):
        with pytest.raises(FilterError, match=r"weight .*conv.* holds 1 NaN or infinite"):
            core_filters.maximize_filters(conv_model, "conv", [1], steps=steps)
