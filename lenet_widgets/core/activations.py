"""Feature maps: what each layer outputs for one input image, and the predicted classes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from lenet_widgets.core.layer_lookup import has_softmax_output, layers_with_output_rank
from lenet_widgets.core.model import check_finite_weights, check_keras_model, prepare_for_model

__all__ = [
    "FeatureMapProbe",
    "FeatureMaps",
    "default_map_layer",
    "feature_map_layers",
    "unit_count",
    "unit_kind",
]


@dataclass(frozen=True)
class FeatureMaps:
    """One image's activations at one layer and the model's class probabilities.

    Attributes:
        layer: the layer's name.
        maps: ``(height, width, channels)`` for image-like layers; a Dense layer's
            units laid out as one near-square picture ``(rows, columns, 1)``,
            padded with NaN (drawn blank).
        probabilities: the model's output for the image, ``(num_classes,)``.
    """

    layer: str
    maps: np.ndarray
    probabilities: np.ndarray

    @property
    def predicted_class(self) -> int:
        """The class with the highest probability."""
        return int(np.argmax(self.probabilities))


def feature_map_layers(model: keras.Model) -> list[str]:
    """Names of the layers whose output can be shown as maps (rank 4 or rank 2), in order."""
    return [layer.name for layer in layers_with_output_rank(model, (2, 4))]


class FeatureMapProbe:
    """Computes ``FeatureMaps`` for a model, one small sub-model per layer (cached).

    Args:
        model: a functional or Sequential Keras model with one input and output.
    """

    def __init__(self, model: keras.Model) -> None:
        check_keras_model(model, symbolic=True)
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise ValueError(
                f"model {model.name!r} has {len(model.inputs)} inputs and {len(model.outputs)} "
                "outputs; feature maps need exactly one of each."
            )
        if len(model.inputs[0].shape) != 4:
            raise ValueError(
                f"model {model.name!r} takes inputs shaped {tuple(model.inputs[0].shape[1:])}; "
                "feature maps need images (height, width, channels)."
            )
        self.model = model
        self.layers = feature_map_layers(model)
        self._probes: dict[str, keras.Model] = {}

    def _probe(self, layer: str) -> keras.Model:
        if layer not in self.layers:
            raise ValueError(f"layer {layer!r} has no maps to show; expected one of {self.layers}.")
        if layer not in self._probes:
            output = self.model.get_layer(layer).output
            self._probes[layer] = keras.Model(self.model.inputs, [output, self.model.outputs[0]])
        return self._probes[layer]

    def __call__(self, layer: str, image: np.ndarray) -> FeatureMaps:
        """Activations of ``layer`` for one image.

        Args:
            layer: a name from ``self.layers``.
            image: ``(H, W)`` or ``(H, W, C)``: uint8 pixels, or any image
                ``core.model.prepare_for_model`` accepts; converted to the model's
                ``input_range`` (0..255 stays 0..255 for a model that rescales itself).
        """
        image = np.asarray(image)
        expected = tuple(self.model.inputs[0].shape[1:])
        if image.ndim not in (2, 3):
            raise ValueError(
                f"image has shape {image.shape}; expected one image (height, width) or "
                "(height, width, channels)."
            )
        batch = prepare_for_model(self.model, image[np.newaxis], name="image")
        if batch.shape[1:] != expected:
            raise ValueError(f"image has shape {image.shape}; the model expects {expected}.")
        probe = self._probe(layer)
        check_finite_weights(self.model)
        maps, probabilities = probe([batch], training=False)
        maps = keras.ops.convert_to_numpy(maps)[0]
        if maps.ndim == 1:
            maps = _as_square(maps)
        return FeatureMaps(layer, maps, keras.ops.convert_to_numpy(probabilities)[0])


def _as_square(values: np.ndarray) -> np.ndarray:
    columns = int(np.ceil(np.sqrt(values.size)))
    rows = int(np.ceil(values.size / columns))
    square = np.full(rows * columns, np.nan, dtype=np.float32)
    square[: values.size] = values
    return square.reshape(rows, columns, 1)


def unit_kind(model: Any, layer: str) -> str | None:
    """None for image-like layers; else how a Dense layer's values are labelled.

    ``"probabilities"`` (a softmax output), ``"class scores"`` (the output, or what a
    last Softmax layer turns into probabilities) or ``"units"`` (a hidden layer).
    """
    found = model.get_layer(layer)
    if len(found.output.shape) != 2:
        return None
    classes = int(model.outputs[0].shape[-1])
    units = int(found.output.shape[-1])
    if found is model.layers[-1]:
        return "probabilities" if has_softmax_output(found) else "class scores"
    if units == classes and _feeds_output_softmax(model, found):
        return "class scores"
    return "units"


def unit_count(model: Any, layer: str) -> int:
    """How many values a Dense layer outputs for one input."""
    return int(model.get_layer(layer).output.shape[-1])


def _feeds_output_softmax(model: Any, layer: Any) -> bool:
    """True when ``layer`` is right before the model's last layer, a softmax."""
    layers = model.layers
    last = layers[-1]
    if not has_softmax_output(last) or isinstance(last, keras.layers.Dense):
        return False
    return len(layers) >= 2 and layers[-2] is layer


def default_map_layer(layers: list[str]) -> str:
    """The first convolution's activation if present, else the first layer."""
    for preferred in ("activation", "conv2d"):
        if preferred in layers:
            return preferred
    return layers[0] if layers else ""
