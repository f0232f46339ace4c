"""The chapter's LeNet with stable layer names, its optimizers, and model metadata.

Keras numbers default layer names per process (``conv2d_7`` in the third model a
notebook builds), which breaks the chapter's ``layer_dict['conv2d_1']``. Here
every layer is named explicitly, so ``conv2d`` and ``conv2d_1`` always name the
two convolutions.
"""

from __future__ import annotations

import hashlib
from typing import Any

import keras
import numpy as np

from lenet_widgets.core.data import INPUT_RANGE, prepare_images

__all__ = [
    "DEFAULT_LEARNING_RATES",
    "MIN_IMAGE_SIZE",
    "OPTIMIZERS",
    "PIXEL_RANGE",
    "build_lenet",
    "check_finite_weights",
    "check_keras_model",
    "check_seed",
    "compile_lenet",
    "epochs_trained",
    "input_range",
    "make_optimizer",
    "metadata",
    "prepare_for_model",
    "set_input_range",
    "set_metadata",
    "weights_fingerprint",
]

OPTIMIZERS = ("adam", "sgd")
DEFAULT_LEARNING_RATES = {"adam": 1e-3, "sgd": 0.01}
"""Adam 1e-3 is the default (about 98.5% after one epoch); SGD 0.01 is the chapter's."""

PIXEL_RANGE = (0.0, 255.0)
"""Input range of a model that takes raw pixels (one starting with ``Rescaling(1/255)``)."""

MIN_IMAGE_SIZE = 4
"""LeNet halves height and width twice: images need at least 4x4 pixels."""

_METADATA_ATTRIBUTE = "_lenet_widgets_metadata"


def check_keras_model(
    model: Any,
    error: type[Exception] = ValueError,
    *,
    name: str = "model",
    symbolic: bool = False,
) -> None:
    """Raise ``error`` unless ``model`` is a Keras model, in the one wording of every entry point.

    Args:
        model: what the caller was given.
        error: the caller's exception class (``FilterError``, ``AttributionError``...).
        name: the argument's name in the message (``"compare_to"``).
        symbolic: also require known layer outputs (a Sequential or functional model):
            a subclassed model's ``call()`` hides how its layers connect, so nothing can
            be cut at a layer or probed inside it.

    Raises:
        error: ``"model is a str; expected a Keras model."``, or ``"model 'm' (MyModel)
            is a subclassed model without known layer outputs; expected a Sequential or
            functional model."``.
    """
    if not isinstance(model, keras.Model):
        raise error(f"{name} is a {type(model).__name__}; expected a Keras model.")
    if symbolic:
        try:
            _ = (model.inputs, model.outputs)  # Subclassed models have neither.
        except (AttributeError, ValueError):
            raise error(
                f"{name} {model.name!r} ({type(model).__name__}) is a subclassed model without "
                "known layer outputs; expected a Sequential or functional model."
            ) from None


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """Return ``seed`` as an int (None stays None), refusing bools, floats and other types."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"{name} is {seed!r} ({type(seed).__name__}); expected an integer or None."
        )
    return int(seed)


def make_optimizer(name: str = "adam", learning_rate: float | None = None) -> keras.Optimizer:
    """Build a fresh optimizer by name (``"adam"`` or ``"sgd"``)."""
    key = str(name).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"optimizer {name!r} is not supported; expected one of {OPTIMIZERS}.")
    rate = DEFAULT_LEARNING_RATES[key] if learning_rate is None else float(learning_rate)
    if not rate > 0:
        raise ValueError(f"learning_rate is {learning_rate!r}; expected a positive number.")
    if key == "adam":
        return keras.optimizers.Adam(learning_rate=rate)
    return keras.optimizers.SGD(learning_rate=rate)


def compile_lenet(
    model: keras.Model, optimizer: str = "adam", learning_rate: float | None = None
) -> keras.Model:
    """Compile for integer labels with accuracy, as the chapter does (sparse labels)."""
    model.compile(
        optimizer=make_optimizer(optimizer, learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def build_lenet(
    input_shape: tuple[int, int, int] = (28, 28, 1),
    num_classes: int = 10,
    *,
    optimizer: str = "adam",
    learning_rate: float | None = None,
    compile: bool = True,
    seed: int | None = None,
) -> keras.Sequential:
    """The chapter's LeNet: two conv/ReLU/pool blocks, Dense(500), softmax.

    Args:
        input_shape: ``(height, width, channels)``; non-square and RGB work.
        num_classes: size of the softmax output.
        optimizer: ``"adam"`` (default, 1e-3) or ``"sgd"`` (the chapter's 0.01).
        learning_rate: overrides the optimizer's default rate.
        compile: compile with sparse categorical cross-entropy and accuracy.
        seed: draw the initial weights from this seed (the same weights every
            time, whatever ran before in the process). For a bit-identical run
            from scratch, also pass a seed to ``train``:
            ``train(build_lenet(seed=1), x, y, seed=2)`` gives the same weights
            every time on the same machine and TensorFlow build.

    Returns:
        A Sequential model named ``lenet`` whose layers always carry the names
        ``conv2d``, ``activation``, ``max_pooling2d``, ``conv2d_1``, ...
    """
    seed = check_seed(seed)
    shape = tuple(int(size) for size in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"input_shape is {input_shape!r}; expected (height, width, channels).")
    if min(shape[:2]) < MIN_IMAGE_SIZE:
        raise ValueError(
            f"input_shape is {input_shape!r}; LeNet halves height and width twice, so it "
            f"needs images of at least {MIN_IMAGE_SIZE}x{MIN_IMAGE_SIZE} pixels."
        )
    if int(num_classes) < 2:
        raise ValueError(f"num_classes is {num_classes!r}; expected at least 2.")
    layers = keras.layers

    def kernel(index: int):
        if seed is None:
            return "glorot_uniform"
        return keras.initializers.GlorotUniform(seed=seed * 4 + index)

    model = keras.Sequential(
        [
            keras.Input(shape=shape, name="input_layer"),
            layers.Conv2D(20, 5, padding="same", kernel_initializer=kernel(0), name="conv2d"),
            layers.Activation("relu", name="activation"),
            layers.MaxPooling2D(pool_size=2, strides=2, name="max_pooling2d"),
            layers.Conv2D(50, 5, padding="same", kernel_initializer=kernel(1), name="conv2d_1"),
            layers.Activation("relu", name="activation_1"),
            layers.MaxPooling2D(pool_size=2, strides=2, name="max_pooling2d_1"),
            layers.Flatten(name="flatten"),
            layers.Dense(500, kernel_initializer=kernel(2), name="dense"),
            layers.Activation("relu", name="activation_2"),
            layers.Dense(int(num_classes), kernel_initializer=kernel(3), name="dense_1"),
            layers.Activation("softmax", name="activation_3"),
        ],
        name="lenet",
    )
    set_metadata(model, input_range=list(INPUT_RANGE), epochs_trained=0)
    if compile:
        compile_lenet(model, optimizer, learning_rate)
    return model


def metadata(model: keras.Model) -> dict[str, Any]:
    """Return the lenet_widgets metadata of a model (a mutable dict; may be empty)."""
    data = model.__dict__.get(_METADATA_ATTRIBUTE)
    if data is None:
        data = {}
        # object.__setattr__ keeps Keras' attribute tracking away from this dict.
        object.__setattr__(model, _METADATA_ATTRIBUTE, data)
    return data


def set_metadata(model: keras.Model, **values: Any) -> dict[str, Any]:
    """Update a model's metadata (epochs trained, input range...) and return it."""
    data = metadata(model)
    data.update(values)
    return data


def epochs_trained(model: keras.Model) -> int:
    """Epochs this model has been trained through ``train`` (persisted by ``save_model``)."""
    return int(metadata(model).get("epochs_trained", 0))


def input_range(model: keras.Model) -> tuple[float, float]:
    """The ``(low, high)`` range of the values the model's input expects.

    In order: the range declared in the model's metadata (``set_input_range``;
    ``build_lenet`` declares ``INPUT_RANGE``, 0..1; saved files keep it), else
    the range detected from the model's first layers, else ``INPUT_RANGE``.
    Detection looks through layers that keep pixel values (input, resizing,
    cropping, padding, random flips/rotations/zooms, nested Sequential models)
    to the first other layer:

    * ``Rescaling(scale, offset)`` with ``255 * |scale| <= 10`` (such as
      ``Rescaling(1/255)`` or ``Rescaling(1/127.5, offset=-1)``): the model takes
      raw pixels, ``PIXEL_RANGE`` (0..255); a larger scale (``Rescaling(2, -1)``)
      means the model takes 0..1;
    * a ``Normalization`` layer whose mean or standard deviation exceeds 2 (adapted
      on 0..255 pixels): ``PIXEL_RANGE``; one adapted on 0..1 images: 0..1.

    Training, evaluation, feature maps, dataset examples and the filter engine all
    feed the model values in this range (``prepare_for_model``).
    """
    declared = metadata(model).get("input_range")
    if declared is not None:
        low, high = declared
        return float(low), float(high)
    detected = _detected_input_range(model)
    low, high = INPUT_RANGE if detected is None else detected
    return float(low), float(high)


def set_input_range(model: keras.Model, low: float, high: float) -> None:
    """Declare the range the model's input expects (kept in its metadata and saved files).

    Use it when detection (see ``input_range``) cannot know, e.g. a model trained
    elsewhere on pixels 0..255 without a ``Rescaling`` layer:
    ``set_input_range(model, 0, 255)``.

    Raises:
        ValueError: ``low``/``high`` are not finite numbers with ``low < high``.
    """
    low, high = float(low), float(high)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(
            f"input range is {low!r}..{high!r}; expected finite numbers with low < high "
            "(0..1 for build_lenet, 0..255 for a model that scales its own pixels)."
        )
    set_metadata(model, input_range=[low, high])


def prepare_for_model(
    model: keras.Model, images: np.ndarray, *, name: str = "images"
) -> np.ndarray:
    """Images converted to what ``model`` expects: float32 ``(N, H, W, C)`` in its input range.

    uint8 pixels become 0..1 for ``build_lenet`` and stay 0..255 for a model
    starting with ``Rescaling(1/255)``; see ``core.data`` for the one rule every
    dtype follows (and what is refused).
    """
    return prepare_images(images, input_range(model), name=name)


_VALUE_KEEPING_LAYERS = (
    "InputLayer",
    "Resizing",
    "CenterCrop",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "ZeroPadding2D",
    "Cropping2D",
)


def _leading_layers(model: keras.Model):
    """The model's layers from its input on, nested Sequential models flattened."""
    for layer in getattr(model, "layers", ()):
        if isinstance(layer, keras.Sequential):
            yield from _leading_layers(layer)
        else:
            yield layer


def _detected_input_range(model: keras.Model) -> tuple[float, float] | None:
    for layer in _leading_layers(model):
        if isinstance(layer, keras.layers.Rescaling):
            scale = np.max(np.abs(np.asarray(keras.ops.convert_to_numpy(layer.scale), float)))
            return PIXEL_RANGE if 255.0 * scale <= 10.0 else INPUT_RANGE
        if isinstance(layer, keras.layers.Normalization):
            return _normalization_range(layer)
        if type(layer).__name__ not in _VALUE_KEEPING_LAYERS:
            return None
    return None


def _normalization_range(layer) -> tuple[float, float] | None:
    try:
        mean = np.asarray(keras.ops.convert_to_numpy(layer.mean), float)
        variance = np.asarray(keras.ops.convert_to_numpy(layer.variance), float)
    except (AttributeError, TypeError, ValueError):
        return None  # Not adapted yet: nothing to go by.
    if mean.size == 0 or not np.all(np.isfinite(mean)) or not np.all(np.isfinite(variance)):
        return None
    spread = max(float(np.max(np.abs(mean))), float(np.sqrt(np.max(np.abs(variance)))))
    return PIXEL_RANGE if spread > 2.0 else INPUT_RANGE


def weights_fingerprint(model: keras.Model) -> str:
    """A short hash of all weight values: changes whenever training or loading changes them.

    Caches (filter images, inspector statistics) key on it, so they never serve
    pictures of weights the model no longer has. About 2 ms for LeNet.
    """
    digest = hashlib.blake2b(digest_size=12)
    for variable in model.weights:
        value = keras.ops.convert_to_numpy(variable)
        digest.update(str(value.shape).encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def check_finite_weights(model: keras.Model) -> None:
    """Raise ``ValueError`` naming the first weight holding NaN or infinite values.

    A diverged run (learning rate far too high) leaves NaN weights: every
    picture would be blank and every prediction meaningless, so training,
    saving, feature maps and filter visualization refuse such a model.
    """
    for variable in model.weights:
        value = keras.ops.convert_to_numpy(variable)
        if not np.all(np.isfinite(value)):
            bad = int(np.count_nonzero(~np.isfinite(value)))
            raise ValueError(
                f"weight {variable.path!r} of model {model.name!r} holds {bad} NaN or infinite "
                f"values of {value.size}; expected finite numbers (training diverged? Reset, "
                "lower the learning rate, or load a saved model)."
            )
