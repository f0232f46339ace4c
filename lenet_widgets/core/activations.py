"""Feature maps: what each layer outputs for one input image, and the predicted classes."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from lenet_widgets.core.layer_lookup import layers_with_output_rank
from lenet_widgets.core.model import check_finite_weights, prepare_for_model

__all__ = ["FeatureMapProbe", "FeatureMaps", "feature_map_layers"]


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
        if not isinstance(model, keras.Model):
            raise ValueError(f"model is a {type(model).__name__}; expected a Keras model.")
        try:
            _ = (model.inputs, model.outputs)  # Subclassed models have neither.
        except (AttributeError, ValueError):
            raise ValueError(
                f"model {model.name!r} ({type(model).__name__}) is a subclassed model without "
                "known layer outputs; expected a Sequential or functional model."
            ) from None
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
