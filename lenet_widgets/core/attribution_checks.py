"""What an attribution request may name: the model, Grad-CAM's layer, the image and classes.

Every check raises ``AttributionError`` with the project's wording (what was given,
what was expected). ``cam_layers`` lists the layers Grad-CAM can use, its default
(the last convolution, after its activation) first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras
import numpy as np

from lenet_widgets.core.layer_lookup import layers_with_output_rank
from lenet_widgets.core.model import check_finite_weights, check_keras_model, prepare_for_model

__all__ = ["AttributionError", "cam_layers"]


class AttributionError(ValueError):
    """An attribution request names a bad model, image, class, layer or setting."""


def _check_model(model: Any) -> None:
    check_keras_model(model, AttributionError, symbolic=True)
    inputs, outputs = model.inputs, model.outputs
    if not inputs or not outputs:
        raise AttributionError(
            f"model {model.name!r} has no known input shape; build it (or call it once) first."
        )
    if len(inputs) != 1 or len(outputs) != 1:
        raise AttributionError(
            f"model {model.name!r} has {len(inputs)} inputs and {len(outputs)} outputs; "
            "attribution needs one image input and one class output."
        )
    if len(inputs[0].shape) != 4:
        raise AttributionError(
            f"model {model.name!r} takes inputs shaped {tuple(inputs[0].shape[1:])}; "
            "attribution needs images (height, width, channels)."
        )
    if len(outputs[0].shape) != 2:
        raise AttributionError(
            f"model {model.name!r} outputs shape {tuple(outputs[0].shape[1:])}; "
            "attribution needs one score per class, (num_classes,)."
        )
    try:
        check_finite_weights(model)
    except ValueError as error:
        raise AttributionError(str(error)) from None


def _num_classes(model: keras.Model) -> int:
    return int(model.outputs[0].shape[-1])


def _output_layer(model: keras.Model) -> keras.layers.Layer | None:
    output = model.outputs[0]
    for layer in reversed(model.layers):
        try:
            if layer.output is output:
                return layer
        except (AttributeError, ValueError):  # A shared layer has no single output.
            continue
    return None


def _spatial_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers with ``(H, W, C)`` maps (rank-4 outputs), in model order."""
    return layers_with_output_rank(model, (4,))


def _rectified(model: keras.Model, layer: keras.layers.Layer) -> keras.layers.Layer:
    """The Activation layer right after a convolution without activation of its own, else it.

    Grad-CAM weighs a layer's maps by the mean gradient; on a convolution's pre-activation
    maps the negative values (which ReLU turns off) count too, and on the chapter's LeNet the
    map of the predicted class is then 0 everywhere for most digits.
    """
    if getattr(getattr(layer, "activation", None), "__name__", None) != "linear":
        return layer
    followers = []
    for found in model.layers:
        try:
            if found.input is layer.output:
                followers.append(found)
        except (AttributeError, ValueError):
            continue
    if isinstance(model, keras.Sequential):
        index = model.layers.index(layer)
        followers = model.layers[index + 1 : index + 2]
    if len(followers) == 1 and isinstance(
        followers[0], (keras.layers.Activation, keras.layers.ReLU)
    ):
        return followers[0]
    return layer


def _default_cam_layer(model: keras.Model) -> str | None:
    convolutions = [found for found in _spatial_layers(model) if "Conv" in type(found).__name__]
    return _rectified(model, convolutions[-1]).name if convolutions else None


def cam_layers(model: keras.Model) -> list[str]:
    """Names of the layers Grad-CAM can use (outputs ``(N, H, W, C)``), the default first.

    The default is the last convolution layer, taken after its activation (the ``Activation``
    layer right after a convolution that has none of its own, as in the chapter's LeNet);
    the other layers with maps follow, from the output backwards.
    """
    _check_model(model)
    default = _default_cam_layer(model)
    names = [found.name for found in reversed(_spatial_layers(model))]
    return ([default] if default else []) + [name for name in names if name != default]


def _cam_layer(model: keras.Model, layer: str | None) -> str:
    spatial = {found.name for found in _spatial_layers(model)}
    if layer is None:
        default = _default_cam_layer(model)
        if default is None:
            raise AttributionError(
                f"model {model.name!r} has no convolution layer; Grad-CAM needs one (layers: "
                f"{[found.name for found in model.layers]}). Use saliency or SmoothGrad instead."
            )
        return default
    if not isinstance(layer, str):
        raise AttributionError(f"layer is {layer!r}; expected a layer name such as 'conv2d_1'.")
    if layer not in spatial:
        names = [found.name for found in model.layers]
        kind = "is not in" if layer not in names else "has no (height, width, channels) maps in"
        raise AttributionError(
            f"layer {layer!r} {kind} model {model.name!r}; Grad-CAM expects one of "
            f"{cam_layers(model)}."
        )
    return layer


def _prepared_image(model: keras.Model, image: Any) -> np.ndarray:
    """One image as a ``(1, H, W, C)`` float32 batch in the model's input range.

    The project's one image rule applies (``core.model.prepare_for_model``): uint8 pixels are
    mapped to the model's range, floats already in it are kept, anything else is refused.
    """
    expected = tuple(int(size) for size in model.inputs[0].shape[1:])
    array = np.asarray(image)
    grey = expected[-1] == 1
    shapes = f"{expected[:2]} or {expected}" if grey else f"{expected}"
    if array.shape not in (expected, expected[:2] if grey else expected):
        batch_like = array.ndim == 4 or (array.ndim == 3 and array.shape[1:] == expected[:2])
        hint = " (a batch? pass images[i], one image)" if batch_like else ""
        raise AttributionError(
            f"image has shape {array.shape}; the model expects one image shaped {shapes}{hint}."
        )
    try:
        batch = prepare_for_model(model, array[np.newaxis], name="image")
    except ValueError as error:  # DataError: what was found and what is expected.
        raise AttributionError(str(error)) from None
    return np.asarray(batch, dtype=np.float32).reshape((1, *expected))


def _check_class(model: keras.Model, class_index: Any, name: str = "class_index") -> int:
    count = _num_classes(model)
    if isinstance(class_index, (bool, np.bool_)) or not isinstance(class_index, (int, np.integer)):
        raise AttributionError(
            f"{name} is {class_index!r}; expected an integer from 0 to {count - 1}."
        )
    if not 0 <= int(class_index) < count:
        raise AttributionError(
            f"{name} is {int(class_index)}; expected 0 to {count - 1} (the model has "
            f"{count} classes)."
        )
    return int(class_index)


def _classes(
    model: keras.Model, classes: Any, label: int | None, predicted: int
) -> tuple[int, ...]:
    if classes is None:
        chosen = [predicted]
        if label is not None and label != predicted:
            chosen.append(label)
        return tuple(chosen)
    if classes == "all":
        return tuple(range(_num_classes(model)))
    if isinstance(classes, (int, np.integer)) and not isinstance(classes, (bool, np.bool_)):
        return (_check_class(model, classes),)
    if isinstance(classes, Iterable) and not isinstance(classes, (str, bytes)):
        chosen = tuple(_check_class(model, value, "classes entry") for value in classes)
        if not chosen:
            raise AttributionError("classes is empty; expected at least one class index.")
        return chosen
    raise AttributionError(
        f"classes is {classes!r}; expected None (predicted and true), 'all', a class index "
        "or a list of them."
    )
