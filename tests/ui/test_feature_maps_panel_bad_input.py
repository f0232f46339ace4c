"""FeatureMapsPanel with bad indices, layers and models (table-driven): the value is refused or
the message shows, the state is kept, then showing another digit works.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import traitlets

from lenet_widgets.core.model import build_lenet

from helpers import assert_refuses_model, text
from tiny_models import nan_model, subclassed_model, vector_model


@pytest.fixture(scope="module")
def feature_panel(good_model):
    from lenet_widgets.ui.feature_maps import FeatureMapsPanel

    images = np.random.default_rng(0).integers(0, 256, (6, 12, 12), dtype=np.uint8)
    return FeatureMapsPanel(good_model, images, np.arange(6) % 3)


def _good_feature_action(panel, good_model):
    """Show another digit of the good model; the picture must be redrawn."""
    panel.model = good_model
    renders = panel.renders
    panel.index = (panel.index + 1) % 6
    assert panel.renders == renders + 1
    assert "maps of" in text(panel._status.value)


@pytest.mark.parametrize("index", [-1, 6, 10**9, 2**63])
def test_feature_panel_bad_index(feature_panel, good_model, index):
    before = feature_panel.index
    with pytest.raises(traitlets.TraitError, match=rf"index is {index}; expected 0\.\.5"):
        feature_panel.index = index
    assert feature_panel.index == before
    _good_feature_action(feature_panel, good_model)


@pytest.mark.parametrize("layer", ["conv9", "", "input_layer", "conv2d/kernel"])
def test_feature_panel_bad_layer(feature_panel, good_model, layer):
    before, renders = feature_panel.layer, feature_panel.renders
    feature_panel.layer = layer
    assert f"layer {layer!r} has no maps" in text(feature_panel._status.value)
    assert feature_panel.layer == before and feature_panel.renders == renders
    _good_feature_action(feature_panel, good_model)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: "lenet.keras", "model is a str; expected a Keras model"),
        (subclassed_model, "subclassed model.*expected a Sequential or functional model"),
        (vector_model, "feature maps need|expects|images"),
    ],
    ids=["a path string", "subclassed", "not an image model"],
)
def test_feature_panel_refuses_bad_models(feature_panel, good_model, make, message):
    assert_refuses_model(feature_panel, good_model, make(), message)
    _good_feature_action(feature_panel, good_model)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (nan_model, r"NaN or infinite.*expected finite"),
        (lambda: build_lenet((12, 12, 3), 3), r"image has shape \(12, 12\); the model expects"),
        (lambda: build_lenet((12, 9, 1), 3), r"image has shape \(12, 12\); the model expects"),
    ],
    ids=["NaN weights", "RGB model, grey images", "non-square model"],
)
def test_feature_panel_shows_unusable_models(feature_panel, good_model, make, message):
    feature_panel.model = make()
    assert re.search(message, text(feature_panel._status.value))
    _good_feature_action(feature_panel, good_model)
