"""Why this class? Attribution maps for one image: saliency, SmoothGrad and Grad-CAM.

Each map says which pixels (or which regions) the class score depends on:

- **saliency** (Simonyan et al., 2013): the absolute gradient of the class score with respect to
  each input pixel (the largest over colour channels).
- **SmoothGrad** (Smilkov et al., 2017): the saliency averaged over ``samples`` copies of the
  image with Gaussian noise added (standard deviation ``noise`` times the model's input range),
  which removes most of the speckle of the plain gradient.
- **Grad-CAM** (Selvaraju et al., 2017): the activations of a convolution layer (default: the
  last one), weighted per channel by the mean gradient of the class score, summed over channels,
  negative values set to 0, and enlarged bilinearly (corner-aligned) to the image size.

The class score is the **pre-softmax logit**: a final ``Dense`` with a softmax activation is
differentiated before its softmax, and a separate ``Softmax``/``Activation("softmax")`` layer is
skipped, as the filter engine does (the gradient of a probability near 1 is near 0 and says
little). A model whose output is not a softmax is differentiated at its output.

Maps are returned unnormalised, in the units of the method, so that maps of several classes of
the same image can be drawn on one shared scale and compared. Several classes are computed in one
batched gradient call; compiled functions are cached per model and layer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lenet_widgets.core.data import convert_images, images_are_pixels, with_channel_axis
from lenet_widgets.core.model import check_finite_weights, input_range, prepare_for_model

__all__ = [
    "DEFAULT_NOISE",
    "DEFAULT_SAMPLES",
    "METHODS",
    "Attribution",
    "AttributionError",
    "cam_layers",
    "explain",
    "grad_cam",
    "misclassified_indices",
    "predict_classes",
    "saliency",
    "smoothgrad",
]

METHODS = ("saliency", "smoothgrad", "gradcam")
"""Attribution methods, as ``explain(method=...)`` names them."""

DEFAULT_SAMPLES = 50
"""SmoothGrad's noisy copies per class (the paper's suggestion)."""

DEFAULT_NOISE = 0.2
"""SmoothGrad's noise standard deviation as a fraction of the input range (paper: 10-20%)."""

MAX_SAMPLES = 1000
"""Most noisy copies SmoothGrad accepts (each class times samples images go in one batch)."""

_SOFTMAX = "softmax"


class AttributionError(ValueError):
    """An attribution request names a bad model, image, class, layer or setting."""


@dataclass(frozen=True)
class Attribution:
    """Attribution maps of one image for one or more classes.

    Attributes:
        method: ``"saliency"``, ``"smoothgrad"`` or ``"gradcam"``.
        maps: ``(len(classes), height, width)`` float32 maps, >= 0, unnormalised: the same
            units for every class, so they can share one colour scale.
        classes: the class of each map.
        probabilities: the model's output for the image, ``(num_classes,)``.
        scores: the class scores differentiated (logits, or the outputs when the model
            has no softmax), ``(num_classes,)``.
        score_kind: ``"logit"`` (pre-softmax) or ``"output"``.
        layer: the convolution layer of Grad-CAM, else None.
        label: the image's true class when given, else None.
    """

    method: str
    maps: np.ndarray
    classes: tuple[int, ...]
    probabilities: np.ndarray
    scores: np.ndarray
    score_kind: str
    layer: str | None = None
    label: int | None = None

    @property
    def predicted_class(self) -> int:
        """The class with the highest probability."""
        return int(np.argmax(self.probabilities))

    def map_of(self, class_index: int) -> np.ndarray:
        """The ``(height, width)`` map of one of ``classes``."""
        if class_index not in self.classes:
            raise AttributionError(
                f"class {class_index!r} was not computed; this attribution holds {self.classes}."
            )
        return self.maps[self.classes.index(class_index)]


# --------------------------------------------------------------------------- model checks


def _check_model(model: Any) -> None:
    if not isinstance(model, keras.Model):
        raise AttributionError(f"model is a {type(model).__name__}; expected a Keras model.")
    try:
        inputs, outputs = model.inputs, model.outputs
    except (AttributeError, ValueError):  # Subclassed models have no symbolic tensors.
        raise AttributionError(
            f"model {model.name!r} ({type(model).__name__}) is a subclassed model without known "
            "layer outputs; expected a Sequential or functional model."
        ) from None
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


def _is_softmax(activation: Any) -> bool:
    return getattr(activation, "__name__", str(activation)) == _SOFTMAX


def _spatial_layers(model: keras.Model) -> list[keras.layers.Layer]:
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        try:
            rank = len(layer.output.shape)
        except (AttributeError, ValueError):
            continue
        if rank == 4:
            found.append(layer)
    return found


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


# --------------------------------------------------------------------------- compiled parts

_CACHE_ATTRIBUTE = "_lenet_widgets_attribution"
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Compiled:
    scores: Callable
    input_gradients: Callable
    cam_parts: Callable | None
    score_kind: str


def _score_head(model: keras.Model) -> tuple[keras.layers.Layer | None, Callable, str]:
    """The output layer to stop before (or None), the function finishing the scores, their kind."""
    last = model.layers[-1] if isinstance(model, keras.Sequential) else _output_layer(model)
    if isinstance(last, keras.layers.Dense) and _is_softmax(last.activation):
        dense = last

        def finish(tensor):
            logits = tf.matmul(tensor, tf.cast(dense.kernel, tensor.dtype))
            return logits + tf.cast(dense.bias, tensor.dtype) if dense.use_bias else logits

        return last, finish, "logit"

    def identity(tensor):
        return tensor

    if last is not None and (
        type(last).__name__ == "Softmax"
        or (isinstance(last, keras.layers.Activation) and _is_softmax(last.activation))
    ):
        return last, identity, "logit"
    return None, identity, "output"


def _forward(model: keras.Model, layer: str | None) -> tuple[Callable, str]:
    """A callable ``images -> (class scores, maps of layer or None)`` and the scores' kind.

    A Sequential model is run layer by layer: after loading, its layers may hold two symbolic
    calls, and a sub-model over ``layer.output`` and ``last.input`` could compute two separate
    copies of the graph, whose gradients then do not connect. A functional model is cut with one
    sub-model, so both tensors come from the same call.
    """
    head, finish, kind = _score_head(model)
    if isinstance(model, keras.Sequential):
        layers = [found for found in model.layers if found is not head]

        def forward(images):
            tensor, maps = images, None
            for found in layers:
                tensor = found(tensor, training=False)
                if found.name == layer:
                    maps = tensor
            return finish(tensor), maps

        return forward, kind
    source = head.input if head is not None else model.outputs[0]
    extra = [] if layer is None else [model.get_layer(layer).output]
    sub_model = keras.Model(model.inputs[0], [source, *extra])

    def forward_functional(images):
        outputs = sub_model(images, training=False)
        if layer is None:
            source = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
            return finish(source), None
        return finish(outputs[0]), outputs[1]

    return forward_functional, kind


def _compiled(model: keras.Model, layer: str | None) -> _Compiled:
    """The compiled functions of ``model`` (and Grad-CAM's for ``layer``), cached on the model.

    The class scores and input gradients are compiled once per model whatever the layer;
    Grad-CAM adds one function per layer. (Each new model traces them again: TensorFlow
    warns when one function body is traced 5 times within 10 calls, so none is traced twice.)
    """
    with _CACHE_LOCK:
        # Kept on the model itself: the compiled functions refer to the model, so a global
        # weak-keyed table would keep every model alive; this cycle is freed with the model.
        per_model = model.__dict__.get(_CACHE_ATTRIBUTE)
        if per_model is None:
            per_model = {}
            object.__setattr__(model, _CACHE_ATTRIBUTE, per_model)  # Not tracked by Keras.
        shape = tuple(int(size) for size in model.inputs[0].shape[1:])
        signature = [
            tf.TensorSpec((None, *shape), tf.float32),
            tf.TensorSpec((None,), tf.int32),
        ]
        if "base" not in per_model:
            forward, kind = _forward(model, None)

            @tf.function(input_signature=signature[:1])
            def scores(images):
                return forward(images)[0]

            @tf.function(input_signature=signature)
            def input_gradients(images, classes):
                with tf.GradientTape() as tape:
                    tape.watch(images)
                    scores, _ = forward(images)
                    chosen = tf.gather(scores, classes, axis=1, batch_dims=1)
                return tape.gradient(chosen, images), scores

            per_model["base"] = (scores, input_gradients, kind)
        scores, input_gradients, kind = per_model["base"]
        if layer is None:
            return _Compiled(scores, input_gradients, None, kind)
        if ("cam", layer) not in per_model:
            forward, _ = _forward(model, layer)
            name = model.name

            @tf.function(input_signature=signature)
            def cam_parts(images, classes):
                with tf.GradientTape() as tape:
                    tape.watch(images)
                    scores, maps = forward(images)
                    chosen = tf.gather(scores, classes, axis=1, batch_dims=1)
                gradients = tape.gradient(chosen, maps)
                if gradients is None:
                    raise AttributionError(
                        f"the class scores of model {name!r} do not depend on layer "
                        f"{layer!r}; expected a layer on the path from the input to the output."
                    )
                return maps, gradients, scores

            per_model["cam", layer] = cam_parts
        return _Compiled(scores, input_gradients, per_model["cam", layer], kind)


# --------------------------------------------------------------------------- inputs


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


# --------------------------------------------------------------------------- methods


def _resize_bilinear(maps: np.ndarray, height: int, width: int) -> np.ndarray:
    """Enlarge ``(K, h, w)`` maps to ``(K, height, width)``, corners aligned.

    The same numbers as ``scipy.ndimage.zoom(order=1)``, which tf-keras-vis uses.
    """

    def axis(source: int, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if source == 1 or target == 1:
            positions = np.zeros(target)
        else:
            positions = np.arange(target) * ((source - 1) / (target - 1))
        low = np.clip(np.floor(positions).astype(int), 0, source - 1)
        high = np.minimum(low + 1, source - 1)
        return low, high, (positions - low).astype(np.float32)

    row_low, row_high, row_weight = axis(maps.shape[1], height)
    col_low, col_high, col_weight = axis(maps.shape[2], width)
    rows = (
        maps[:, row_low, :] * (1 - row_weight)[None, :, None]
        + maps[:, row_high, :] * row_weight[None, :, None]
    )
    return (
        rows[:, :, col_low] * (1 - col_weight)[None, None, :]
        + rows[:, :, col_high] * col_weight[None, None, :]
    ).astype(np.float32)


def explain(
    model: keras.Model,
    image: Any,
    method: str = "saliency",
    classes: Any = None,
    *,
    label: int | None = None,
    layer: str | None = None,
    samples: int = DEFAULT_SAMPLES,
    noise: float = DEFAULT_NOISE,
    seed: int = 0,
) -> Attribution:
    """Attribution maps of one image for one or more classes, in one batched call.

    Args:
        model: a Sequential or functional Keras model, one image input, one class output.
        image: one image, uint8 pixels or floats already scaled (``(H, W)`` or ``(H, W, C)``).
        method: ``"saliency"``, ``"smoothgrad"`` or ``"gradcam"``.
        classes: None for the predicted class (and ``label`` beside it when it differs),
            ``"all"``, one class index or a list of them.
        label: the image's true class, if known.
        layer: Grad-CAM's layer (default: the last convolution); ignored by the others.
        samples: SmoothGrad's noisy copies.
        noise: SmoothGrad's noise standard deviation, a fraction of the model's input range.
        seed: SmoothGrad's noise seed (same seed, same map).

    Returns:
        An ``Attribution`` whose ``maps`` share one unit across classes.

    Raises:
        AttributionError: bad model, image, class, layer, method or setting.
    """
    if method not in METHODS:
        raise AttributionError(f"method is {method!r}; expected one of {METHODS}.")
    _check_model(model)
    batch = _prepared_image(model, image)
    if label is not None:
        label = _check_class(model, label, "label")
    cam_layer = _cam_layer(model, layer) if method == "gradcam" else None
    if method == "smoothgrad":
        samples, noise = _check_smoothing(samples, noise)
    compiled = _compiled(model, cam_layer)
    height, width = batch.shape[1:3]

    scores = keras.ops.convert_to_numpy(compiled.scores(tf.constant(batch)))[0]
    chosen = _classes(model, classes, label, int(np.argmax(scores)))
    if method == "gradcam":
        maps, gradients, _ = compiled.cam_parts(
            tf.constant(np.repeat(batch, len(chosen), axis=0)),
            tf.constant(chosen, dtype=tf.int32),
        )
        maps = keras.ops.convert_to_numpy(maps).astype(np.float32)
        gradients = keras.ops.convert_to_numpy(gradients).astype(np.float32)
        weights = gradients.mean(axis=(1, 2), keepdims=True)
        cams = np.maximum((maps * weights).sum(axis=-1), 0.0)
        result_maps = _resize_bilinear(cams, height, width)
    else:
        if method == "saliency":
            images = np.repeat(batch, len(chosen), axis=0)
            targets = np.asarray(chosen, dtype=np.int32)
        else:
            low, high = input_range(model)
            rng = np.random.default_rng(seed)
            noisy = batch + rng.normal(0.0, noise * (high - low), (samples, *batch.shape[1:]))
            images = np.tile(noisy.astype(np.float32), (len(chosen), 1, 1, 1))
            targets = np.repeat(np.asarray(chosen, dtype=np.int32), samples)
        gradients, _ = compiled.input_gradients(tf.constant(images), tf.constant(targets))
        gradients = np.abs(keras.ops.convert_to_numpy(gradients)).max(axis=-1)
        if method == "smoothgrad":
            gradients = gradients.reshape(len(chosen), samples, height, width).mean(axis=1)
        result_maps = gradients.astype(np.float32)

    probabilities = _probabilities(scores, compiled.score_kind)
    return Attribution(
        method=method,
        maps=result_maps,
        classes=chosen,
        probabilities=probabilities,
        scores=scores.astype(np.float32),
        score_kind=compiled.score_kind,
        layer=cam_layer,
        label=label,
    )


def _probabilities(scores: np.ndarray, kind: str) -> np.ndarray:
    if kind == "output":
        return scores.astype(np.float32)
    shifted = np.exp(scores - scores.max())
    return (shifted / shifted.sum()).astype(np.float32)


def _check_smoothing(samples: Any, noise: Any) -> tuple[int, float]:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)):
        raise AttributionError(f"samples is {samples!r}; expected an integer from 1 to 1000.")
    if not 1 <= int(samples) <= MAX_SAMPLES:
        raise AttributionError(f"samples is {samples}; expected an integer from 1 to 1000.")
    try:
        noise = float(noise)
    except (TypeError, ValueError):
        raise AttributionError(f"noise is {noise!r}; expected a number >= 0.") from None
    if not (np.isfinite(noise) and noise >= 0):
        raise AttributionError(f"noise is {noise!r}; expected a number >= 0 (e.g. 0.2).")
    return int(samples), noise


def _single(model: Any, class_index: Any) -> int | None:
    """``class_index`` checked (None stays None: the predicted class)."""
    if class_index is None:
        return None
    _check_model(model)
    return _check_class(model, class_index)


def saliency(model: keras.Model, image: Any, class_index: int | None = None) -> np.ndarray:
    """The absolute gradient of a class's pre-softmax score for each pixel, ``(H, W)``.

    Args:
        model: a Sequential or functional Keras model.
        image: one image, uint8 pixels or floats already scaled.
        class_index: the class explained; default the predicted one.

    Returns:
        A float32 ``(height, width)`` map, >= 0 (max over colour channels), unnormalised.
    """
    return explain(model, image, "saliency", _single(model, class_index)).maps[0]


def smoothgrad(
    model: keras.Model,
    image: Any,
    class_index: int | None = None,
    *,
    samples: int = DEFAULT_SAMPLES,
    noise: float = DEFAULT_NOISE,
    seed: int = 0,
) -> np.ndarray:
    """Saliency averaged over ``samples`` noisy copies of the image, ``(H, W)``.

    Args:
        model: a Sequential or functional Keras model.
        image: one image, uint8 pixels or floats already scaled.
        class_index: the class explained; default the predicted one.
        samples: noisy copies (one batch).
        noise: noise standard deviation as a fraction of the model's input range.
        seed: the noise's seed.

    Returns:
        A float32 ``(height, width)`` map, >= 0, unnormalised.
    """
    return explain(
        model,
        image,
        "smoothgrad",
        _single(model, class_index),
        samples=samples,
        noise=noise,
        seed=seed,
    ).maps[0]


def grad_cam(
    model: keras.Model, image: Any, class_index: int | None = None, layer: str | None = None
) -> np.ndarray:
    """Grad-CAM of a class on a convolution layer, enlarged to the image, ``(H, W)``.

    Args:
        model: a Sequential or functional Keras model with a convolution layer.
        image: one image, uint8 pixels or floats already scaled.
        class_index: the class explained; default the predicted one.
        layer: a layer with ``(H', W', C)`` maps; default the last convolution.

    Returns:
        A float32 ``(height, width)`` map, >= 0, unnormalised.
    """
    return explain(model, image, "gradcam", _single(model, class_index), layer=layer).maps[0]


# --------------------------------------------------------------------------- finding digits


def predict_classes(model: keras.Model, images: Any, batch_size: int = 1000) -> np.ndarray:
    """The predicted class of every image (uint8 or prepared), in batches, without progress bars."""
    _check_model(model)
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise AttributionError(
            f"images have shape {images.shape}; expected a non-empty (N, height, width) "
            "or (N, height, width, channels)."
        )
    value_range = input_range(model)
    try:  # One decision for the whole array (pixels 0..255 or values in range), then batches.
        pixels = images_are_pixels(images, value_range)
    except ValueError as error:
        raise AttributionError(str(error)) from None
    predicted = np.empty(len(images), dtype=np.int64)
    for start in range(0, len(images), batch_size):
        batch = convert_images(
            with_channel_axis(images[start : start + batch_size]), value_range, pixels=pixels
        )
        outputs = model(batch, training=False)
        predicted[start : start + len(batch)] = np.argmax(
            keras.ops.convert_to_numpy(outputs), axis=-1
        )
    return predicted


def misclassified_indices(
    model: keras.Model, images: Any, labels: Any, batch_size: int = 1000
) -> np.ndarray:
    """Indices of the images whose predicted class differs from their label, ascending."""
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(images):
        raise AttributionError(
            f"labels have {len(labels)} entries; expected one per image ({len(images)})."
        )
    return np.flatnonzero(predict_classes(model, images, batch_size) != labels)
