"""FeatureMapsPanel: Dense layers as labelled bars, jumping to mistakes, "why this class?"."""

from __future__ import annotations

import re
import threading
import time

import keras
import numpy as np
import pytest
import traitlets

from lenet_widgets.core.attribution import Attribution, predict_classes
from lenet_widgets.core.model import build_lenet
from lenet_widgets.plotting.feature_maps import FeatureMapArtists, UnitArtists
from lenet_widgets.plotting.figure import TEXT_SIZE
from lenet_widgets.ui import feature_maps_explain as explain_module
from lenet_widgets.ui import feature_maps_mistakes as mistakes_module
from lenet_widgets.ui.feature_maps import FeatureMapsPanel

from figure_texts import assert_readable


@pytest.fixture(scope="module")
def model(good_model):
    """This module's seeded 12x12 LeNet (conftest's ``good_model``)."""
    return good_model


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, (40, 12, 12), dtype=np.uint8)


@pytest.fixture(scope="module")
def predicted(model, images):
    return predict_classes(model, images)


def with_mistakes(predicted, wrong):
    """Labels equal to the predictions except at ``wrong``: exactly those are misclassified."""
    labels = predicted.copy()
    labels[list(wrong)] = (labels[list(wrong)] + 1) % 3
    return labels


def text(html):
    return html.split(">", 1)[1].rsplit("<", 1)[0] if ">" in html else html


# ----------------------------------------------------------------------------- Dense layers


def test_dense_layers_are_labelled_bars_not_square_maps(model, images, predicted):
    panel = FeatureMapsPanel(model, images, predicted, explain=False)
    assert isinstance(panel._artists, FeatureMapArtists)
    panel.layer = "dense_1"
    artists = panel._artists
    assert isinstance(artists, UnitArtists) and artists.kind == "class scores"
    assert [label.get_text() for label in artists.unit_axes.get_xticklabels()] == ["0", "1", "2"]
    assert artists.unit_axes.get_xlabel() == "class"
    assert "3 class scores (before softmax)" in artists.unit_axes.get_title()
    assert "dense_1: 3 class scores;" in text(panel._status.value)
    images_drawn = [axes for axes in panel._view.figure.axes if axes.get_images()]
    assert images_drawn == [artists.input_axes]  # No heatmap of the scores, only the digit.

    panel.layer = "dense"
    artists = panel._artists
    assert artists.kind == "units" and len(artists.units) == 500
    assert artists.unit_axes.get_xlabel() == "unit (0 to 499)"
    assert "dense: 500 units" in text(panel._status.value)
    assert "22x23" not in text(panel._status.value) and "maps" not in text(panel._status.value)

    panel.layer = "activation_3"
    assert panel._artists.kind == "probabilities"
    assert "activation_3: 3 probabilities" in text(panel._status.value)


def test_dense_bars_update_in_place_with_the_digit(model, images, predicted):
    panel = FeatureMapsPanel(model, images, predicted, explain=False)
    panel.layer = "dense"
    artists = panel._artists
    before = [bar.get_height() for bar in artists.units]
    panel.index = 7
    assert panel._artists is artists
    after = [bar.get_height() for bar in artists.units]
    assert before != after
    scores = keras.Model(model.inputs[0], model.get_layer("dense").output)
    expected = scores(images[7:8, ..., None].astype("float32") / 255.0).numpy()[0]
    np.testing.assert_allclose(after, expected, rtol=1e-4, atol=1e-5)
    panel.layer = "activation"  # Back to maps: a grid again.
    assert isinstance(panel._artists, FeatureMapArtists)


@pytest.mark.parametrize("layer", ["activation", "dense", "dense_1"])
def test_every_text_is_readable_and_inside_the_picture(model, images, predicted, layer):
    """Titles, tick labels and axis labels: at least 9 pt at 96 dpi, none cut at the edges."""
    panel = FeatureMapsPanel(model, images, predicted, explain=False)
    panel.layer = layer
    texts = [text.get_text() for text in assert_readable(panel._view.figure, TEXT_SIZE)]
    assert "probability" in texts
    if layer == "dense":
        assert "unit (0 to 499)" in texts  # Was cut by the picture's lower edge.


def test_one_map_is_singular():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Conv2D(1, 3, name="one"),
            keras.layers.Flatten(),
            keras.layers.Dense(1, name="single"),
            keras.layers.Dense(2, activation="softmax", name="out"),
        ]
    )
    images = np.zeros((3, 12, 12), np.uint8)
    panel = FeatureMapsPanel(model, images, explain=False)
    panel.layer = "one"
    assert "one: 1 map of 10x10;" in text(panel._status.value)
    panel.layer = "single"
    assert "single: 1 unit;" in text(panel._status.value)


# ----------------------------------------------------------------------------- mistakes


def test_buttons_step_through_the_misclassified_digits(model, images, predicted, monkeypatch):
    monkeypatch.setattr(mistakes_module, "CHUNK", 8)
    labels = with_mistakes(predicted, [3, 17, 30])
    panel = FeatureMapsPanel(model, images, labels, background=False, explain=False)
    panel._next_wrong.click()
    assert panel.index == 3
    assert int(np.count_nonzero(panel._mistakes.predicted >= 0)) == 8  # Only the first chunk.
    assert "this digit: misclassified; 1 mistake among the 8 of 40 test digits" in text(
        panel._wrong_status.value
    )
    panel._next_wrong.click()
    assert panel.index == 17
    panel._next_wrong.click()
    assert panel.index == 30
    panel._next_wrong.click()
    assert panel.index == 3  # Wraps around.
    panel._previous_wrong.click()
    assert panel.index == 30
    panel._previous_wrong.click()
    assert panel.index == 17
    assert "misclassified digit 2 of 3 (among 40 test digits)" in text(panel._wrong_status.value)
    np.testing.assert_array_equal(panel._mistakes.predicted, predicted)
    panel.index = 18
    assert "3 of 40 test digits are misclassified; this one is right" in text(
        panel._wrong_status.value
    )


def test_no_mistakes_and_no_labels(model, images, predicted):
    panel = FeatureMapsPanel(model, images, predicted, background=False, explain=False)
    panel._next_wrong.click()
    assert panel.index == 0
    assert "no misclassified digit: all 40 test digits are classified right" in text(
        panel._wrong_status.value
    )
    unlabelled = FeatureMapsPanel(model, images, explain=False)
    assert unlabelled._next_wrong.disabled and unlabelled._previous_wrong.disabled
    unlabelled.step_misclassified(+1)
    assert "no labels" in text(unlabelled._wrong_status.value)


def test_new_weights_mean_new_mistakes(images, predicted):
    keras.utils.set_random_seed(0)
    model = build_lenet((12, 12, 1), 3)
    labels = with_mistakes(predicted, [5])
    panel = FeatureMapsPanel(model, images, labels, background=False, explain=False)
    panel._next_wrong.click()
    assert panel.index == 5
    first = panel._mistakes
    kernel = model.get_layer("dense_1").bias
    kernel.assign(np.array([0.0, 0.0, 100.0], np.float32))  # Now everything is class 2.
    panel._next_wrong.click()
    assert panel._mistakes is not first
    wrong = np.flatnonzero(labels != 2)
    assert panel.index == int(wrong[wrong > 5][0])


def test_finding_mistakes_runs_in_the_background(model, images, predicted, monkeypatch):
    labels = with_mistakes(predicted, [25])
    started, release = threading.Event(), threading.Event()
    real = mistakes_module.predict_classes

    def slow(model, images):
        started.set()
        release.wait(10)
        return real(model, images)

    monkeypatch.setattr(mistakes_module, "predict_classes", slow)
    panel = FeatureMapsPanel(model, images, labels, explain=False)
    panel._next_wrong.click()  # Returns at once: the search runs in a thread.
    assert started.wait(10)
    assert panel.index == 0 and "looking for" in text(panel._wrong_status.value)
    release.set()
    assert panel.wait(10)
    assert panel.index == 25


# ----------------------------------------------------------------------------- why this class?


def test_why_this_class_shows_predicted_and_true(model, images, predicted):
    labels = with_mistakes(predicted, [2])
    panel = FeatureMapsPanel(model, images, labels, background=False)
    assert panel.explanation.classes == (int(predicted[0]),)
    assert panel.explain_renders == 1
    panel.index = 2
    assert panel.explanation.classes == (int(predicted[2]), int(labels[2]))
    assert panel.explanation.method == "saliency"
    status = text(panel._explain_status.value)
    assert "saliency of test digit 2 for" in status and "(predicted)" in status
    assert "one colour scale for every class" in status
    assert bytes(panel._explain_view.image.value).startswith(b"\x89PNG")


def test_new_weights_hide_the_old_why_picture_until_the_new_one(model, images, predicted):
    panel = FeatureMapsPanel(model, images, predicted, background=False)
    assert panel.explanation is not None and panel.explain_renders == 1
    panel.active = False  # Its tab is not on screen while training changes the weights.
    panel.refresh()
    assert panel.explanation is None and panel._explain_view.image.value == b""
    assert panel._explain_view.image.layout.visibility == "hidden"
    panel.active = True  # Shown again: the picture of the new weights.
    assert panel.explanation is not None and panel.explain_renders == 2
    assert bytes(panel._explain_view.image.value).startswith(b"\x89PNG")


def test_method_class_and_layer_choices(model, images, predicted):
    panel = FeatureMapsPanel(model, images, predicted, background=False)
    assert panel._cam_layer.disabled
    panel.method = "gradcam"
    assert not panel._cam_layer.disabled
    assert panel._cam_layer.value == "activation_1"
    assert panel.explanation.method == "gradcam" and panel.explanation.layer == "activation_1"
    panel._cam_layer.value = "conv2d"
    assert panel.explanation.layer == "conv2d"
    panel._classes.value = explain_module.ALL_CLASSES
    assert panel.explanation.classes == (0, 1, 2)
    panel._classes.value = 1
    assert panel.explanation.classes == (1,)
    panel._method.value = "smoothgrad"
    assert panel.method == "smoothgrad" and panel.explanation.method == "smoothgrad"
    assert panel._cam_layer.disabled


def test_cached_pictures_and_turning_it_off(model, images, predicted):
    panel = FeatureMapsPanel(model, images, predicted, background=False)
    calls = panel.explain_calls
    panel.index = 1
    panel.index = 0  # Seen before: from the cache.
    assert panel.explain_calls == calls + 1
    panel.explaining = False
    assert panel._explain_box.layout.display == "none"
    panel.index = 5
    assert panel.explain_calls == calls + 1  # Nothing computed while it is off.
    panel._explain.value = True
    assert panel.explaining and panel._explain_box.layout.display is None
    assert panel.explain_calls == calls + 2
    panel.refresh()  # New weights may have come: the cache is forgotten.
    assert panel.explain_calls == calls + 3


def test_the_latest_request_wins(model, images, predicted, monkeypatch):
    """A slow, stale computation never replaces the picture of a newer request."""
    real = explain_module.explain
    gate = threading.Event()
    computed, shown = [], []

    def slow_explain(model, image, *args, **kwargs):
        index = int(np.flatnonzero((images == image).all(axis=(1, 2)))[0])
        computed.append(index)
        if index == 1:
            gate.wait(10)  # Digit 1 takes long; digit 2 is asked for meanwhile.
        return real(model, image, *args, **kwargs)

    panel = FeatureMapsPanel(model, images, predicted, explain=False)
    accept = panel._accept_explanation

    def record(request, model, index, result, seconds):
        accept(request, model, index, result, seconds)
        shown.append(panel.explanation.maps.tobytes() if panel.explanation else None)

    monkeypatch.setattr(explain_module, "explain", slow_explain)
    panel._accept_explanation = record
    panel.explaining = True
    assert panel.wait(10)
    panel.index = 1
    deadline = time.monotonic() + 10
    while 1 not in computed and time.monotonic() < deadline:
        time.sleep(0.01)
    panel.index = 2
    panel.index = 3  # 2 is superseded before the worker takes it: never computed.
    gate.set()
    assert panel.wait(10)
    assert computed == [0, 1, 3]
    expected = real(model, images[3], label=int(predicted[3]))
    np.testing.assert_array_equal(panel.explanation.maps, expected.maps)
    assert shown[-1] == expected.maps.tobytes()
    assert all(entry != real(model, images[1]).maps.tobytes() for entry in shown)


def test_errors_show_in_the_status_and_the_panel_stays_usable(images):
    keras.utils.set_random_seed(0)
    dense_only = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    panel = FeatureMapsPanel(dense_only, images, background=False)
    assert panel._cam_layer.options == ()
    panel.method = "gradcam"
    assert "no convolution layer; Grad-CAM needs one" in text(panel._explain_status.value)
    panel.method = "saliency"
    assert isinstance(panel.explanation, Attribution)
    assert "saliency of test digit 0" in text(panel._explain_status.value)
    renders = panel.renders
    panel.index = 4
    assert panel.renders == renders + 1


def test_a_new_model_gets_its_own_choices(model, images, predicted):
    panel = FeatureMapsPanel(model, images, predicted, background=False)
    keras.utils.set_random_seed(3)
    other = build_lenet((12, 12, 1), 3)
    panel.method = "gradcam"
    first = panel.explanation
    panel.model = other
    assert panel.explanation is not first
    assert panel.explanation.maps.shape[1:] == (12, 12)
    assert [value for _, value in panel._classes.options][2:] == [0, 1, 2]
    assert panel._mistakes is None


# ----------------------------------------------------------------------------- redraws in place


def test_feature_maps_update_in_place(tiny_lenet, small_dataset):
    panel = FeatureMapsPanel(tiny_lenet, small_dataset.x_test, small_dataset.y_test)
    assert panel.layer == "activation"
    first = panel._view.image.value
    artists = panel._artists
    panel.index = 5
    assert panel._artists is artists  # Same artists, new data.
    assert panel._view.image.value != first
    panel.layer = "conv2d_1"
    assert panel._artists is not artists and len(panel._artists.tiles) == 50
    panel.layer = "dense"
    assert not re.search(r"\b1 [a-z]+s\b", panel._status.value), panel._status.value  # "1 maps"
    with pytest.raises(traitlets.TraitError, match=r"index is 40; expected 0\.\.39"):
        panel.index = 40
    assert panel.index == 5


def test_unknown_layer_shows_a_message(tiny_lenet, small_dataset):
    panel = FeatureMapsPanel(tiny_lenet, small_dataset.x_test)
    renders = panel.renders
    panel.layer = "no_such_layer"
    assert "no maps" in panel._status.value and panel.renders == renders
