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

This module is the front (``explain`` and the one-method shortcuts); the checks of what a
request names live in ``core.attribution_checks`` (``AttributionError`` and ``cam_layers``
re-exported here), the compiled functions in ``core.attribution_graph``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lenet_widgets.core.attribution_checks import (
    AttributionError,
    _cam_layer,
    _check_class,
    _check_model,
    _classes,
    _prepared_image,
    cam_layers,
)
from lenet_widgets.core.attribution_graph import _compiled
from lenet_widgets.core.checks import check_integer
from lenet_widgets.core.data import convert_images, images_are_pixels, with_channel_axis
from lenet_widgets.core.model import input_range

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
    """SmoothGrad's ``samples`` (1..``MAX_SAMPLES``) and ``noise`` (a number >= 0), checked."""
    samples = check_integer("samples", samples, 1, MAX_SAMPLES, error=AttributionError)
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
