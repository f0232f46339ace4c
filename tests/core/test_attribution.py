"""Attribution ("why this class?"): saliency, SmoothGrad, Grad-CAM, their errors and pictures."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import lenet_widgets as lw
from lenet_widgets.core import attribution as core
from lenet_widgets.core.attribution import AttributionError, explain
from lenet_widgets.core.data import load_fallback_digits, prepare_images
from lenet_widgets.core.model import build_lenet
from lenet_widgets.plotting.attribution import (
    class_caption,
    draw_attribution,
    figure_size,
    overlay_rgba,
    shared_scale,
)
from lenet_widgets.plotting.figure import TEXT_SIZE, new_figure

from figure_texts import assert_readable


@pytest.fixture(scope="module")
def digits():
    """Scikit-learn's real digits at 28x28 (no download): ((x_train, y_train), (x_test, y_test))."""
    return load_fallback_digits()


@pytest.fixture(scope="module")
def lenet(digits):
    """The chapter's LeNet trained one epoch on the fallback digits (fixed seed, seconds)."""
    (x_train, y_train), _ = digits
    keras.utils.set_random_seed(0)
    model = build_lenet()
    model.fit(prepare_images(x_train), y_train, epochs=2, batch_size=64, verbose=0)
    return model


@pytest.fixture(scope="module")
def tiny():
    keras.utils.set_random_seed(1)
    return build_lenet((12, 12, 1), 3)


def logit_gradient(model, image, class_index):
    """|d logit / d pixel| by hand: a copy of the model that stops before its softmax layer."""
    logits = keras.Model(model.inputs[0], model.get_layer("dense_1").output)
    image = np.asarray(image)
    if image.dtype == np.uint8:
        image = prepare_images(image[np.newaxis])[0]
    batch = tf.constant(image.reshape((1, *image.shape[:2], 1)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(batch)
        score = logits(batch, training=False)[0, class_index]
    return np.abs(tape.gradient(score, batch).numpy()[0, ..., 0])


# ----------------------------------------------------------------------------- the numbers


def test_saliency_is_the_gradient_of_the_pre_softmax_score(lenet, digits):
    _, (x_test, _) = digits
    for index in range(3):
        for class_index in (0, 5, 9):
            expected = logit_gradient(lenet, x_test[index], class_index)
            mine = lw.saliency(lenet, x_test[index], class_index)
            np.testing.assert_allclose(mine, expected, rtol=1e-4, atol=1e-6)


def test_saliency_defaults_to_the_predicted_class(lenet, digits):
    _, (x_test, _) = digits
    image = x_test[4]
    predicted = int(np.argmax(lenet(prepare_images(image[None]), training=False)[0]))
    np.testing.assert_array_equal(lw.saliency(lenet, image), lw.saliency(lenet, image, predicted))
    result = explain(lenet, image)
    assert result.classes == (predicted,) and result.predicted_class == predicted
    np.testing.assert_allclose(
        result.probabilities, lenet(prepare_images(image[None]), training=False)[0], rtol=1e-4
    )


def test_true_class_is_shown_beside_a_wrong_prediction(lenet, digits):
    _, (x_test, y_test) = digits
    predicted = core.predict_classes(lenet, x_test)
    wrong = np.flatnonzero(predicted != y_test)
    right = np.flatnonzero(predicted == y_test)
    assert len(right) > 0
    image, label = x_test[right[0]], int(y_test[right[0]])
    assert explain(lenet, image, label=label).classes == (label,)
    if len(wrong):
        index = int(wrong[0])
        result = explain(lenet, x_test[index], label=int(y_test[index]))
        assert result.classes == (int(predicted[index]), int(y_test[index]))
        assert result.label == int(y_test[index])


@pytest.mark.parametrize("method", core.METHODS)
def test_one_batched_call_equals_one_call_per_class(lenet, digits, method):
    """Several classes share units: each map equals the map computed for that class alone."""
    _, (x_test, _) = digits
    together = explain(lenet, x_test[7], method, "all")
    assert together.classes == tuple(range(10)) and together.maps.shape == (10, 28, 28)
    for class_index in (0, 3, 8):
        alone = explain(lenet, x_test[7], method, class_index)
        np.testing.assert_allclose(
            together.map_of(class_index), alone.maps[0], rtol=1e-4, atol=1e-7
        )


def test_uint8_and_scaled_floats_give_the_same_maps(lenet, digits):
    _, (x_test, _) = digits
    image = x_test[2]
    scaled = image.astype(np.float32) / 255.0
    for method in core.METHODS:
        np.testing.assert_allclose(
            explain(lenet, image, method, 3).maps,
            explain(lenet, scaled, method, 3).maps,
            rtol=1e-5,
            atol=1e-7,
        )
    np.testing.assert_array_equal(lw.saliency(lenet, image), lw.saliency(lenet, image[..., None]))


def test_smoothgrad_is_seeded_and_with_no_noise_equals_saliency(lenet, digits):
    _, (x_test, _) = digits
    image = x_test[1]
    first = lw.smoothgrad(lenet, image, 2, samples=8, seed=3)
    np.testing.assert_array_equal(first, lw.smoothgrad(lenet, image, 2, samples=8, seed=3))
    assert not np.array_equal(first, lw.smoothgrad(lenet, image, 2, samples=8, seed=4))
    np.testing.assert_allclose(
        lw.smoothgrad(lenet, image, 2, samples=3, noise=0.0),
        lw.saliency(lenet, image, 2),
        rtol=1e-5,
        atol=1e-8,
    )


def test_smoothgrad_averages_the_saliency_of_noisy_copies(lenet, digits):
    """The documented recipe, by hand: mean of |gradient| over copies + N(0, noise * range)."""
    _, (x_test, _) = digits
    image = x_test[5]
    rng = np.random.default_rng(11)
    noisy = prepare_images(image[None]) + rng.normal(0.0, 0.3, (6, 28, 28, 1))
    expected = np.mean([logit_gradient(lenet, copy.astype(np.float32), 4) for copy in noisy], 0)
    mine = lw.smoothgrad(lenet, image, 4, samples=6, noise=0.3, seed=11)
    np.testing.assert_allclose(mine, expected, rtol=1e-3, atol=1e-6)


def test_grad_cam_by_hand(lenet, digits):
    """Mean gradient per channel times the maps, summed, ReLU, enlarged with corners aligned."""
    from scipy.ndimage import zoom

    _, (x_test, _) = digits
    image = x_test[3]
    parts = keras.Model(
        lenet.inputs[0],
        [lenet.get_layer("activation_1").output, lenet.get_layer("dense_1").output],
    )
    batch = tf.constant(prepare_images(image[None]))
    with tf.GradientTape() as tape:
        maps, logits = parts(batch, training=False)
        score = logits[0, 6]
    gradients = tape.gradient(score, maps).numpy()[0]
    cam = np.maximum((maps.numpy()[0] * gradients.mean(axis=(0, 1))).sum(-1), 0)
    expected = zoom(cam, 2, order=1)
    np.testing.assert_allclose(
        lw.grad_cam(lenet, image, 6, "activation_1"), expected, rtol=1e-4, atol=1e-7
    )


def test_grad_cam_defaults_to_the_last_convolution_after_its_relu(lenet, digits):
    """The paper's rectified maps: the Activation after a convolution that has none of its own.

    On conv2d_1's pre-ReLU maps of the dashboard's LeNet (one epoch on all of MNIST), 66 of the
    first 100 test digits get a predicted-class Grad-CAM that is 0 everywhere (measured); on
    activation_1, none.
    """
    _, (x_test, _) = digits
    assert core.cam_layers(lenet)[0] == "activation_1"
    assert set(core.cam_layers(lenet)) == {
        "conv2d",
        "activation",
        "max_pooling2d",
        "conv2d_1",
        "activation_1",
        "max_pooling2d_1",
    }
    assert explain(lenet, x_test[0], "gradcam").layer == "activation_1"
    np.testing.assert_array_equal(
        lw.grad_cam(lenet, x_test[0]), lw.grad_cam(lenet, x_test[0], layer="activation_1")
    )
    layers = keras.layers
    conv = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            layers.Conv2D(4, 3, activation="relu", name="c"),
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ]
    )
    assert core.cam_layers(conv)[0] == "c"  # Its own activation: the convolution itself.


@pytest.mark.parametrize("size", [(2, 2, 4, 4), (3, 14, 28, 28), (1, 7, 28, 28), (2, 1, 5, 5)])
def test_bilinear_enlargement_equals_scipy_zoom_order_1(size):
    from scipy.ndimage import zoom

    count, small, height, width = size
    maps = np.random.default_rng(0).random((count, small, small)).astype(np.float32)
    mine = core._resize_bilinear(maps, height, width)
    for number in range(count):
        factor = (height / small, width / small)
        np.testing.assert_allclose(mine[number], zoom(maps[number], factor, order=1), atol=1e-6)


@pytest.mark.parametrize("head", ["dense_softmax", "softmax_layer", "logits"])
def test_every_softmax_head_gives_the_logit_gradient(head):
    """Dense(softmax), Dense + Softmax layer, and plain logits: the same score is explained."""
    keras.utils.set_random_seed(2)
    inputs = keras.Input((12, 12, 1))
    hidden = keras.layers.Flatten()(keras.layers.Conv2D(3, 3, name="conv")(inputs))
    dense = keras.layers.Dense(4, activation="softmax" if head == "dense_softmax" else None)
    outputs = dense(hidden)
    if head == "softmax_layer":
        outputs = keras.layers.Softmax()(outputs)
    model = keras.Model(inputs, outputs)
    image = np.random.default_rng(0).integers(0, 256, (12, 12), dtype=np.uint8)
    batch = tf.constant(prepare_images(image[None]))
    with tf.GradientTape() as tape:
        tape.watch(batch)
        logit = tf.matmul(keras.Model(inputs, hidden)(batch), dense.kernel) + dense.bias
        score = logit[0, 1]
    expected = np.abs(tape.gradient(score, batch).numpy()[0, ..., 0])
    result = explain(model, image, "saliency", 1)
    assert result.score_kind == ("output" if head == "logits" else "logit")
    np.testing.assert_allclose(result.maps[0], expected, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(result.scores, logit.numpy()[0], rtol=1e-4, atol=1e-6)


def test_a_model_that_scales_its_own_pixels_gets_raw_pixels():
    """Rescaling(1/255) first: the input range is 0..255; uint8 pixels go in unscaled."""
    keras.utils.set_random_seed(4)
    inputs = keras.Input((12, 12, 1))
    scaled = keras.layers.Rescaling(1 / 255)(inputs)
    hidden = keras.layers.Conv2D(3, 3, activation="relu", name="conv")(scaled)
    outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(hidden))
    model = keras.Model(inputs, outputs)
    image = np.random.default_rng(1).integers(0, 256, (12, 12), dtype=np.uint8)
    batch = tf.constant(image[None, ..., None].astype(np.float32))  # 0..255, unscaled.
    logits = keras.Model(inputs, model.layers[-1].input)
    dense = model.layers[-1]
    with tf.GradientTape() as tape:
        tape.watch(batch)
        score = (tf.matmul(logits(batch), dense.kernel) + dense.bias)[0, 2]
    expected = np.abs(tape.gradient(score, batch).numpy()[0, ..., 0])
    np.testing.assert_allclose(lw.saliency(model, image, 2), expected, rtol=1e-4, atol=1e-9)
    assert lw.grad_cam(model, image, 2).shape == (12, 12)
    smooth = explain(model, image, "smoothgrad", 2, samples=4, noise=0.0)
    np.testing.assert_allclose(smooth.maps[0], expected, rtol=1e-4, atol=1e-9)
    with pytest.raises(AttributionError, match=r"looks like pixels already divided by 255"):
        lw.saliency(model, image.astype(np.float32) / 255.0)


# ----------------------------------------------------------------------------- errors


def test_grad_cam_without_a_convolution_says_so():
    model = keras.Sequential(
        [keras.Input((12, 12, 1)), keras.layers.Flatten(), keras.layers.Dense(3)]
    )
    image = np.zeros((12, 12), np.uint8)
    with pytest.raises(AttributionError, match="no convolution layer; Grad-CAM needs one"):
        lw.grad_cam(model, image)
    assert lw.saliency(model, image, 1).shape == (12, 12)  # The other methods still work.


@pytest.mark.parametrize(
    ("class_index", "message"),
    [
        (3, r"class_index is 3; expected 0 to 2 \(the model has 3 classes\)"),
        (-1, r"class_index is -1; expected 0 to 2"),
        (1.5, r"class_index is 1.5; expected an integer from 0 to 2"),
        (True, r"class_index is True; expected an integer"),
        ("2", r"class_index is '2'; expected an integer"),
    ],
)
@pytest.mark.parametrize("function", [lw.saliency, lw.smoothgrad, lw.grad_cam])
def test_bad_class_index(tiny, function, class_index, message):
    with pytest.raises(AttributionError, match=message):
        function(tiny, np.zeros((12, 12), np.uint8), class_index)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((2, 12, 12), r"image has shape \(2, 12, 12\); the model expects one image shaped "),
        ((1, 12, 12, 1), r"\(a batch\? pass images\[i\], one image\)"),
        ((12, 12, 3), r"image has shape \(12, 12, 3\); .*\(12, 12\) or \(12, 12, 1\)"),
        ((28, 28), r"image has shape \(28, 28\)"),
        ((12,), r"image has shape \(12,\)"),
    ],
)
def test_wrong_image_shape(tiny, shape, message):
    with pytest.raises(AttributionError, match=message):
        explain(tiny, np.zeros(shape, np.uint8))


def test_bad_settings_and_models(tiny):
    image = np.zeros((12, 12), np.uint8)
    with pytest.raises(AttributionError, match=r"method is 'lime'; expected one of"):
        explain(tiny, image, "lime")
    with pytest.raises(AttributionError, match=r"samples is 0; expected an integer from 1"):
        lw.smoothgrad(tiny, image, samples=0)
    with pytest.raises(AttributionError, match=r"noise is -0.1; expected a number >= 0"):
        lw.smoothgrad(tiny, image, noise=-0.1)
    with pytest.raises(AttributionError, match=r"layer 'dense' has no \(height, width"):
        lw.grad_cam(tiny, image, layer="dense")
    with pytest.raises(AttributionError, match=r"layer 'conv9' is not in model"):
        lw.grad_cam(tiny, image, layer="conv9")
    with pytest.raises(AttributionError, match=r"label is 7; expected 0 to 2"):
        explain(tiny, image, label=7)
    with pytest.raises(AttributionError, match=r"classes is empty"):
        explain(tiny, image, classes=[])
    with pytest.raises(AttributionError, match=r"NaN or infinite"):
        explain(tiny, np.full((12, 12), np.nan, np.float32))
    with pytest.raises(AttributionError, match=r"model is a str; expected a Keras model"):
        lw.saliency("lenet.keras", image)
    with pytest.raises(AttributionError, match=r"was not computed"):
        explain(tiny, image, classes=1).map_of(2)


def test_nan_weights_are_refused():
    keras.utils.set_random_seed(0)
    model = build_lenet((12, 12, 1), 3, compile=False)
    kernel = model.get_layer("dense").kernel
    kernel.assign(np.full(kernel.shape, np.nan, np.float32))
    with pytest.raises(AttributionError, match=r"NaN or infinite.*expected finite"):
        lw.saliency(model, np.zeros((12, 12), np.uint8))


def test_subclassed_models_are_refused():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, inputs):
            return self.dense(keras.ops.reshape(inputs, (-1, 144)))

    model = Net()
    model(np.zeros((1, 12, 12, 1), np.float32))
    with pytest.raises(AttributionError, match=r"subclassed model"):
        lw.saliency(model, np.zeros((12, 12), np.uint8))


def test_compiled_functions_do_not_keep_models_alive():
    """The dashboard's Reset builds a new model each time: old ones must be freed."""
    import gc
    import weakref

    references = []
    for _ in range(3):
        model = build_lenet((12, 12, 1), 3, compile=False)
        for method in core.METHODS:
            explain(model, np.zeros((12, 12), np.uint8), method, samples=2)
        references.append(weakref.ref(model))
        del model
    gc.collect()
    assert [reference() for reference in references] == [None, None, None]


def test_misclassified_indices_match_the_predictions(lenet, digits):
    _, (x_test, y_test) = digits
    outputs = lenet.predict(prepare_images(x_test), verbose=0)
    expected = np.flatnonzero(outputs.argmax(axis=1) != y_test)
    np.testing.assert_array_equal(core.misclassified_indices(lenet, x_test, y_test, 100), expected)
    with pytest.raises(AttributionError, match=r"labels have 3 entries; expected one per image"):
        core.misclassified_indices(lenet, x_test, y_test[:3])


# ----------------------------------------------------------------------------- pictures


def test_every_class_is_drawn_on_one_shared_scale():
    maps = np.zeros((3, 6, 6), np.float32)
    maps[0, 2, 2], maps[1, 3, 3] = 1.0, 4.0  # maps[2] stays 0 everywhere.
    assert shared_scale(maps) == 4.0 and shared_scale(np.zeros((1, 2, 2))) == 1.0
    figure = new_figure(figure_size(3))
    image = np.zeros((6, 6), np.uint8)
    artists = draw_attribution(
        figure,
        image,
        maps,
        (7, 2, 1),
        np.array([0.1, 0.2, 0.3] + [0.0] * 4 + [0.4]),
        method="saliency",
        label=2,
    )
    assert artists.scale == 4.0
    overlays = [axes.get_images()[-1].get_array() for axes in artists.class_axes]
    np.testing.assert_allclose(overlays[0][2, 2], overlay_rgba(np.array(1.0), 4.0))
    np.testing.assert_allclose(overlays[1][3, 3], overlay_rgba(np.array(4.0), 4.0))
    assert overlays[0][2, 2, 3] < overlays[1][3, 3, 3]  # Same scale: a smaller value is fainter.
    titles = [axes.get_title() for axes in artists.class_axes]
    assert titles == ["7 predicted\n40.0%", "2 true\n30.0%", "1\n20.0%"]
    notes = [text.get_text() for axes in artists.class_axes for text in axes.texts]
    assert notes == ["0 everywhere"]
    assert "same scale for every class" in figure.axes[-1].get_ylabel()


def test_captions():
    assert class_caption(7, 0.99, 7, 7) == "7 predicted = true\n99.0%"
    assert class_caption(4, 0.0001, 9, 4) == "4 true\n<0.1%"
    assert class_caption(1, 0.5, 1, None, names=["cat", "dog"]) == "dog predicted\n50.0%"


def test_many_classes_wrap_to_two_rows():
    assert figure_size(2)[1] < figure_size(10)[1]
    figure = new_figure(figure_size(10))
    maps = np.random.default_rng(0).random((10, 8, 8))
    artists = draw_attribution(
        figure, np.zeros((8, 8)), maps, range(10), np.full(10, 0.1), method="gradcam", layer="c"
    )
    rows = {round(axes.get_position().y0, 3) for axes in [artists.image_axes, *artists.class_axes]}
    assert len(rows) == 2
    assert "Grad-CAM on c" in figure.texts[0].get_text()


@pytest.mark.parametrize("count", [1, 2, 10])
def test_every_text_is_as_large_as_the_dashboards_labels_and_inside_the_picture(count):
    """At 96 dpi (the dashboard's), no text is under 9 pt (12 px): captions, ticks, notes."""
    figure = new_figure(figure_size(count), dpi=96)
    maps = np.random.default_rng(0).random((count, 28, 28))
    maps[-1] *= 0.01  # A faint map gets its two-line note.
    probabilities = np.full(10, 0.01)
    probabilities[0] = 0.91
    artists = draw_attribution(
        figure, np.zeros((28, 28)), maps, range(count), probabilities, method="smoothgrad", label=0
    )
    texts = [text.get_text() for text in assert_readable(figure, TEXT_SIZE)]
    assert {"same scale for every class", "0"} <= set(texts)  # The colour bar's texts.
    assert any(text.startswith("faint") for text in texts) == (count > 1)
    renderer = figure.canvas.get_renderer()
    bar = figure.axes[-1]
    label = bar.yaxis.label.get_window_extent(renderer)
    length = bar.get_window_extent(renderer)
    assert length.y0 <= label.y0 and label.y1 <= length.y1, "the label is longer than the bar"
    assert artists.scale > 0


def test_show_and_save_attribution(lenet, digits, tmp_path):
    _, (x_test, y_test) = digits
    figure = lw.show_attribution(lenet, x_test[0], "gradcam", label=int(y_test[0]))
    assert figure._repr_png_().startswith(b"\x89PNG")
    path = lw.save_attribution(lenet, x_test[0], tmp_path / "why.png", method="smoothgrad")
    assert path.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(AttributionError, match=r"should end in .png, .svg or .pdf"):
        lw.save_attribution(lenet, x_test[0], tmp_path / "why.jpg")


# ----------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def saved_lenet(lenet, tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "lenet.keras"
    lw.save_model(lenet, path)
    return path


@pytest.fixture(scope="module")
def digits_npz(digits, tmp_path_factory):
    """The fallback digits as an mnist.npz file (what --data reads)."""
    (x_train, y_train), (x_test, y_test) = digits
    path = tmp_path_factory.mktemp("data") / "digits.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


def test_cli_attribution_writes_the_picture(
    saved_lenet, digits_npz, digits, tmp_path, capsys, monkeypatch
):
    from lenet_widgets.cli import main

    _, (_, y_test) = digits
    output = tmp_path / "why.png"
    arguments = ["attribution", str(saved_lenet), "--data", str(digits_npz), "--index", "7"]
    assert main([*arguments, "--method", "gradcam", "-o", str(output)]) == 0
    assert output.read_bytes().startswith(b"\x89PNG")
    printed = capsys.readouterr().out
    assert f"test digit 7: true {int(y_test[7])}, predicted" in printed
    assert "gradcam on activation_1 for" in printed and "on one colour scale" in printed
    assert main([*arguments, "--classes", "all", "-o", str(tmp_path / "all.svg")]) == 0
    assert "for 0" in capsys.readouterr().out and (tmp_path / "all.svg").is_file()
    # Default output name, written in the current folder (here an empty temporary one).
    folder = tmp_path / "default"
    folder.mkdir()
    monkeypatch.chdir(folder)
    assert main([*arguments, "--method", "smoothgrad", "--samples", "4", "--classes", "2,5"]) == 0
    assert (folder / "why.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--index", "297"], "--index is 297; expected 0 to 296"),
        (["--method", "lime"], "method is 'lime'; expected one of"),
        (["-o", "why.jpg"], "should end in .png, .svg or .pdf"),
        (["--classes", "seven"], "--classes is 'seven'; expected predicted, all, or class"),
        (["--classes", "12"], "classes entry is 12; expected 0 to 9"),
        (["--method", "gradcam", "--layer", "dense"], "layer 'dense' has no (height, width"),
        (["--samples", "0", "--method", "smoothgrad"], "samples is 0; expected an integer"),
    ],
)
def test_cli_attribution_errors(saved_lenet, digits_npz, tmp_path, capsys, extra, message):
    from lenet_widgets.cli import main

    arguments = ["attribution", str(saved_lenet), "--data", str(digits_npz)]
    status = main([*arguments, "-o", str(tmp_path / "why.png"), *extra])
    error = capsys.readouterr().err
    assert status == 1 and message in error and "Traceback" not in error
    assert error.count("\n") == 1


def test_cli_attribution_falls_back_offline(saved_lenet, tmp_path, monkeypatch, capsys):
    from lenet_widgets import config
    from lenet_widgets.cli import main

    monkeypatch.delenv(config.MNIST_VARIABLE, raising=False)
    monkeypatch.setenv(config.OFFLINE_VARIABLE, "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert main(["attribution", str(saved_lenet), "-o", str(tmp_path / "why.png")]) == 0
    captured = capsys.readouterr()
    assert "data: packaged 8x8 digits" in captured.out and "using the packaged" in captured.err
