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

from lenet_widgets.core.data import INPUT_RANGE

__all__ = [
    "DEFAULT_LEARNING_RATES",
    "OPTIMIZERS",
    "build_lenet",
    "check_finite_weights",
    "compile_lenet",
    "epochs_trained",
    "input_range",
    "make_optimizer",
    "metadata",
    "set_metadata",
    "weights_fingerprint",
]

OPTIMIZERS = ("adam", "sgd")
DEFAULT_LEARNING_RATES = {"adam": 1e-3, "sgd": 0.01}
"""Adam 1e-3 is the default (about 98.5% after one epoch); SGD 0.01 is the chapter's."""

_METADATA_ATTRIBUTE = "_lenet_widgets_metadata"


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
) -> keras.Sequential:
    """The chapter's LeNet: two conv/ReLU/pool blocks, Dense(500), softmax.

    Args:
        input_shape: ``(height, width, channels)``; non-square and RGB work.
        num_classes: size of the softmax output.
        optimizer: ``"adam"`` (default, 1e-3) or ``"sgd"`` (the chapter's 0.01).
        learning_rate: overrides the optimizer's default rate.
        compile: compile with sparse categorical cross-entropy and accuracy.

    Returns:
        A Sequential model named ``lenet`` whose layers always carry the names
        ``conv2d``, ``activation``, ``max_pooling2d``, ``conv2d_1``, ...
    """
    shape = tuple(int(size) for size in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"input_shape is {input_shape!r}; expected (height, width, channels).")
    if int(num_classes) < 2:
        raise ValueError(f"num_classes is {num_classes!r}; expected at least 2.")
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=shape, name="input_layer"),
            layers.Conv2D(20, 5, padding="same", name="conv2d"),
            layers.Activation("relu", name="activation"),
            layers.MaxPooling2D(pool_size=2, strides=2, name="max_pooling2d"),
            layers.Conv2D(50, 5, padding="same", name="conv2d_1"),
            layers.Activation("relu", name="activation_1"),
            layers.MaxPooling2D(pool_size=2, strides=2, name="max_pooling2d_1"),
            layers.Flatten(name="flatten"),
            layers.Dense(500, name="dense"),
            layers.Activation("relu", name="activation_2"),
            layers.Dense(int(num_classes), name="dense_1"),
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
    """The pixel range the model expects: its metadata, else ``INPUT_RANGE``.

    Filter visualization starts its images inside this range.
    """
    low, high = metadata(model).get("input_range", INPUT_RANGE)
    return float(low), float(high)


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
