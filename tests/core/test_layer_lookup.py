"""core.layer_lookup: one lookup by path with one error, and one softmax test for every caller."""

from __future__ import annotations

import keras
import pytest

from lenet_widgets.core.layer_lookup import LayerNotFoundError, find_layer, has_softmax_output

from tiny_models import SHAPE, good_lenet


def test_find_layer_names_the_missing_layer_and_the_choices():
    model = good_lenet(compile=False)
    chain, layer = find_layer(model, "conv2d")
    assert chain == [model] and layer.name == "conv2d"
    with pytest.raises(
        LayerNotFoundError, match=r"layer 'conv9' is not in model .*expected one of"
    ):
        find_layer(model, "conv9")


@pytest.mark.parametrize(
    ("layer", "softmax"),
    [
        (keras.layers.Softmax(), True),
        (keras.layers.Dense(3, activation="softmax"), True),
        (keras.layers.Activation("softmax"), True),
        (keras.layers.Conv2D(3, 3, activation="softmax"), True),  # Fused: still probabilities.
        (keras.layers.Dense(3), False),
        (keras.layers.Activation("relu"), False),
        (keras.layers.Conv2D(3, 3, activation="relu"), False),
        (keras.layers.Flatten(), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, keras.layers.Layer) else str(value),
)
def test_has_softmax_output_by_layer_kind(layer, softmax):
    assert has_softmax_output(layer) is softmax


def test_the_filter_search_and_the_feature_maps_agree_on_lenets_softmax():
    from lenet_widgets.core.activations import FeatureMapProbe
    from lenet_widgets.core.filters.layers import _softmax_layer

    model = good_lenet(compile=False)
    last = model.layers[-1]
    assert has_softmax_output(last) and _softmax_layer(last)
    assert FeatureMapProbe(model).layers  # The probe accepts the same model.
    fused = keras.Sequential([keras.Input(SHAPE), keras.layers.Conv2D(2, 3, activation="softmax")])
    assert has_softmax_output(fused.layers[-1]) and not _softmax_layer(fused.layers[-1])
