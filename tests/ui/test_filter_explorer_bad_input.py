"""FilterExplorer with bad models, slider values, layers and constructor arguments
(table-driven): refused, clamped or shown, then another step redraws the picture.
"""

from __future__ import annotations

import re

import pytest
import traitlets

from helpers import assert_refuses_model, text
from tiny_models import nan_model, no_conv_model, subclassed_model, vector_model


@pytest.fixture(scope="module")
def explorer(good_model):
    from lenet_widgets.ui.filters import FilterExplorer

    return FilterExplorer(good_model, max_steps=3, grid=3, max_filters=8, background=False)


def _good_filter_action(explorer, good_model):
    """Choose the good model and another step: the picture and status follow."""
    explorer.model = good_model
    explorer._layer.value = "conv2d_1"
    before = bytes(explorer._view.image.value)
    explorer._steps.value = 1 if explorer._steps.value != 1 else 2
    assert bytes(explorer._view.image.value) != before
    assert explorer.result.layer == "conv2d_1"
    assert "filters" in text(explorer._status.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: "lenet.keras", "model is a str; expected a Keras model"),
        (subclassed_model, "subclassed.*expected a Sequential or functional model"),
        (vector_model, r"expected \(None, H, W, C\)"),
    ],
    ids=["a path string", "subclassed", "not an image model"],
)
def test_filter_explorer_refuses_bad_models(explorer, good_model, make, message):
    assert_refuses_model(explorer, good_model, make(), message)
    _good_filter_action(explorer, good_model)


def test_filter_explorer_model_without_conv_offers_dense_units(explorer, good_model):
    explorer.model = no_conv_model()
    assert list(explorer._layer.options) == ["dense"]
    assert "dense (unit)" in text(explorer._status.value)
    _good_filter_action(explorer, good_model)


def test_filter_explorer_nan_weights_show_a_message(explorer, good_model):
    explorer.model = nan_model()
    assert re.search(r"NaN or infinite.*expected finite", text(explorer._status.value))
    assert explorer._progress.bar_style == "danger"
    _good_filter_action(explorer, good_model)


@pytest.mark.parametrize(
    ("control", "value", "shown"),
    [
        ("_grid", 0, 1),
        ("_grid", -4, 1),
        ("_grid", 11, 10),
        ("_steps", -1, 0),
        ("_steps", 0, 0),
        ("_steps", 10**9, 3),
    ],
    ids=["grid 0", "grid negative", "grid too large", "steps negative", "steps 0", "steps huge"],
)
def test_filter_explorer_sliders_clamp_and_the_picture_follows(
    explorer, good_model, control, value, shown
):
    from lenet_widgets.plotting.filters import grid_mosaic_shape

    explorer.model = good_model
    explorer._layer.value = "conv2d_1"
    getattr(explorer, control).value = value
    assert getattr(explorer, control).value == shown
    mosaic = explorer._artists.image.get_array()
    assert mosaic.shape[:2] == grid_mosaic_shape(explorer._grid.value, (12, 12))
    title = explorer._view.figure.get_suptitle()  # Caption lines come after it in .texts.
    assert f"step {explorer._steps.value} of 3" in title
    _good_filter_action(explorer, good_model)


def test_filter_explorer_grid_larger_than_the_filters_shows_blanks(explorer, good_model):
    explorer.model = good_model
    explorer._layer.value = "dense_1"  # 3 classes.
    explorer._grid.value = 4
    labels = [label.get_text() for label in explorer._artists.labels]
    assert len(labels) == 16 and sum(bool(label) for label in labels) == 3
    _good_filter_action(explorer, good_model)


@pytest.mark.parametrize("layer", ["conv9", "flatten", ""])
def test_filter_explorer_unknown_layer_is_refused(explorer, good_model, layer):
    explorer.model = good_model
    before = explorer._layer.value
    with pytest.raises(traitlets.TraitError):
        explorer._layer.value = layer
    assert explorer._layer.value == before
    _good_filter_action(explorer, good_model)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"max_steps": -1}, r"max_steps is -1; expected an integer from 0 to"),
        ({"max_steps": 10**9}, r"max_steps is 1000000000; expected an integer from 0 to"),
        ({"grid": 0}, r"grid is 0; expected an integer from 1 to 10"),
        ({"grid": 11}, r"grid is 11; expected an integer from 1 to 10"),
        ({"max_filters": 0}, r"max_filters is 0; expected an integer >= 1"),
        ({"preset": "vgg"}, r"preset 'vgg' is unknown; expected one of"),
    ],
    ids=["max_steps -1", "max_steps huge", "grid 0", "grid 11", "max_filters 0", "preset"],
)
def test_filter_explorer_bad_constructor_arguments(good_model, arguments, message):
    from lenet_widgets.ui.filters import FilterExplorer

    with pytest.raises(ValueError, match=message):
        FilterExplorer(good_model, background=False, **arguments)
