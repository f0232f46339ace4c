"""Tiny named test models and the bad model files made from them.

Every factory returns a new, small model on ``SHAPE`` (12x12 grey) images with 3 classes, each
odd in one named way (subclassed, no Conv2D, a vector input, NaN weights, a Lambda layer),
so a table row can say ``nan_model`` and a reader knows what the case is about. The
``good_model`` and ``model_files`` fixtures in ``conftest.py`` are built from these.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np

from lenet_widgets.core.model import build_lenet
from lenet_widgets.core.persistence import save_model

__all__ = [
    "FILE_CASES",
    "SHAPE",
    "UNSAFE",
    "Subclassed",
    "good_lenet",
    "lambda_model",
    "nan_model",
    "no_conv_model",
    "subclassed_model",
    "vector_model",
    "write_model_files",
]

SHAPE = (12, 12, 1)


def good_lenet(compile: bool = True):
    """A LeNet on ``SHAPE`` images with 3 classes, seeded: the same weights every call."""
    keras.utils.set_random_seed(0)
    return build_lenet(SHAPE, 3, compile=compile)


class Subclassed(keras.Model):
    """A subclassed model: no symbolic inputs or layer outputs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.conv = keras.layers.Conv2D(4, 3, name="conv2d")
        self.flatten = keras.layers.Flatten()
        self.dense = keras.layers.Dense(3)

    def call(self, images):
        return self.dense(self.flatten(self.conv(images)))


def subclassed_model():
    """A built and compiled ``Subclassed`` model named ``subclassed``."""
    model = Subclassed(name="subclassed")
    model(np.zeros((1, *SHAPE), np.float32))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def no_conv_model():
    """Images in, classes out, but no Conv2D at all."""
    return keras.Sequential(
        [
            keras.Input(SHAPE, name="input_layer"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(3, name="dense"),
        ],
        name="no_conv",
    )


def vector_model():
    """Not an image model: a (4,) vector input."""
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(3)(inputs), name="vector")


def nan_model():
    """A LeNet whose every weight is NaN (Keras loads and runs it; we must refuse it)."""
    model = build_lenet(SHAPE, 3)
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    return model


def lambda_model():
    """A model with a Lambda layer: its file carries code that safe mode refuses to run."""
    inputs = keras.Input(SHAPE)
    return keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs), name="with_code")


#: name -> (how the file is made, what the error must say)
FILE_CASES = {
    "missing.keras": ("missing", "does not exist"),
    "empty.keras": ("empty", "is empty"),
    "empty.h5": ("empty", "is empty"),
    "truncated.keras": ("half of good.keras", r"not a \.keras zip|could not be loaded"),
    "truncated.h5": ("half of good.h5", "is damaged|could not be loaded"),
    "truncated.weights.h5": ("half of good.weights.h5", "is damaged|could not be loaded"),
    "corrupt.keras": ("good.keras with bytes 200..400 zeroed", "could not be loaded|damaged"),
    "corrupt.h5": ("good.h5 with bytes 3000..6000 set to 0xff", "could not be loaded|damaged"),
    "text.keras": ("a text file", r"not a \.keras zip"),
    "text.h5": ("a text file", "not an HDF5 file"),
    "notmodel.keras": ("a zip without a model", "could not be loaded"),
    "notmodel.h5": ("an HDF5 file without a model", "could not be loaded"),
    "notmodel.weights.h5": ("an HDF5 file without weights", "does not say which model"),
    "model.txt": ("good.keras renamed", "unknown model file suffix"),
    "model.pt": ("good.keras renamed", "unknown model file suffix"),
    "model": ("good.keras without suffix", "unknown model file suffix"),
    "hdf5named.keras": ("good.h5 renamed", r"HDF5 file but named \.keras"),
    "zipnamed.h5": ("good.keras renamed", r"zip archive but named \.h5"),
    "folder.keras": ("a directory", "is a directory"),
    "lambda.keras": ("a Lambda layer carrying code", r"Lambda.*safe mode.*safe_mode=False"),
    "lambda.h5": ("a Lambda layer carrying code", r"Lambda.*safe mode.*safe_mode=False"),
    "subclassed.keras": ("a subclassed model", "could not be loaded"),
}
UNSAFE = {"lambda.keras", "lambda.h5"}


def write_model_files(folder: Path, good_model) -> dict[str, Path]:
    """Write every file of FILE_CASES into ``folder``, plus good ones (``good.keras``,
    ``good.h5``, ``good.weights.h5`` of ``good_model``) and loadable-but-unusable models
    (``nan.keras``, ``no_conv.keras``, ``vector.keras``); return name -> path."""
    paths = {
        name: save_model(good_model, folder / name)
        for name in ("good.keras", "good.h5", "good.weights.h5")
    }
    good = {name: path.read_bytes() for name, path in paths.items()}

    def write(name, content):
        paths[name] = folder / name
        paths[name].write_bytes(content)

    paths["missing.keras"] = folder / "missing.keras"
    write("empty.keras", b"")
    write("empty.h5", b"")
    for name in ("keras", "h5", "weights.h5"):
        write(f"truncated.{name}", good[f"good.{name}"][: len(good[f"good.{name}"]) // 2])
    corrupt = bytearray(good["good.keras"])
    corrupt[200:400] = bytes(200)
    write("corrupt.keras", bytes(corrupt))
    corrupt = bytearray(good["good.h5"])
    corrupt[3000:6000] = b"\xff" * 3000
    write("corrupt.h5", bytes(corrupt))
    write("text.keras", b"hello, not a model")
    write("text.h5", b"hello, not a model")
    paths["notmodel.keras"] = folder / "notmodel.keras"
    with zipfile.ZipFile(paths["notmodel.keras"], "w") as archive:
        archive.writestr("hello.txt", "not a model")
    for name in ("notmodel.h5", "notmodel.weights.h5"):
        paths[name] = folder / name
        with h5py.File(paths[name], "w") as hdf5:
            hdf5["x"] = np.zeros(3)
    write("model.txt", good["good.keras"])
    write("model.pt", good["good.keras"])
    write("model", good["good.keras"])
    write("hdf5named.keras", good["good.h5"])
    write("zipnamed.h5", good["good.keras"])
    paths["folder.keras"] = folder / "folder.keras"
    paths["folder.keras"].mkdir()
    for suffix in (".keras", ".h5"):
        paths[f"lambda{suffix}"] = save_model(lambda_model(), folder / f"lambda{suffix}")
    paths["subclassed.keras"] = save_model(subclassed_model(), folder / "subclassed.keras")
    # Loadable, but not usable everywhere (written by Keras: save_model refuses NaN weights).
    paths["nan.keras"] = folder / "nan.keras"
    nan_model().save(paths["nan.keras"])
    paths["no_conv.keras"] = save_model(no_conv_model(), folder / "no_conv.keras")
    paths["vector.keras"] = save_model(vector_model(), folder / "vector.keras")
    assert set(FILE_CASES) <= set(paths)
    return paths
