"""MNIST loading with an offline fallback, and pixel preparation for the model.

``load_mnist`` returns uint8 arrays shaped like ``keras.datasets.mnist.load_data()``.
It looks, in order, at an explicit path, the ``LENET_WIDGETS_MNIST`` variable,
Keras' cache file and Keras' download. When none of those works it falls back
to scikit-learn's 1,797 real 8x8 handwritten digits, enlarged to MNIST's 28x28
layout, and says so in one line.
"""

from __future__ import annotations

import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lenet_widgets import config

__all__ = [
    "INPUT_RANGE",
    "MNIST_KEYS",
    "DataError",
    "Dataset",
    "load_dataset",
    "load_fallback_digits",
    "load_mnist",
    "prepare_images",
]

INPUT_RANGE = (0.0, 1.0)
"""Pixel range the models of this package are trained on (see ``prepare_images``)."""

MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")

FALLBACK_TEST_SIZE = 297
"""The scikit-learn fallback keeps 1,500 digits for training and 297 for testing."""

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class DataError(ValueError):
    """An MNIST file is missing, unreadable or holds the wrong arrays."""


@dataclass(frozen=True)
class Dataset:
    """Train and test arrays plus where they came from.

    Attributes:
        x_train, y_train, x_test, y_test: uint8 images (N, 28, 28) and labels (N,).
        source: human-readable origin, e.g. ``"file /data/mnist.npz"``.
        is_fallback: True when the scikit-learn digits replaced MNIST.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    is_fallback: bool = False

    def as_tuples(self) -> Arrays:
        """Return ``((x_train, y_train), (x_test, y_test))`` like Keras."""
        return (self.x_train, self.y_train), (self.x_test, self.y_test)


def _read_npz(path: Path) -> Arrays:
    if not path.exists():
        raise DataError(
            f"MNIST file {path} does not exist; expected an .npz with keys {MNIST_KEYS}."
        )
    if path.is_dir():
        raise DataError(f"MNIST path {path} is a directory; expected an .npz file.")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in MNIST_KEYS if key not in npz.files]
            if missing:
                raise DataError(
                    f"MNIST file {path} lacks arrays {missing}; found {sorted(npz.files)}, "
                    f"expected {list(MNIST_KEYS)}."
                )
            arrays = {key: np.asarray(npz[key]) for key in MNIST_KEYS}
    except DataError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"MNIST file {path} cannot be read as .npz: {error}") from error
    _check_arrays(arrays, str(path))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _check_arrays(arrays: dict[str, np.ndarray], origin: str) -> None:
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.ndim != 3 or images.dtype != np.uint8:
            raise DataError(
                f"{origin}: x_{split} has shape {images.shape} dtype {images.dtype}; "
                "expected uint8 images shaped (N, height, width)."
            )
        if labels.shape != (images.shape[0],):
            raise DataError(
                f"{origin}: y_{split} has shape {labels.shape}; expected ({images.shape[0]},)."
            )
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise DataError(
                f"{origin}: y_{split} holds labels {int(labels.min())}..{int(labels.max())}; "
                "expected digits 0..9."
            )


def _keras_cache_file() -> Path:
    return config.keras_cache_dir() / "mnist.npz"


def _download_with_keras() -> Arrays:
    import keras  # Imported here: only the download path needs it.

    return keras.datasets.mnist.load_data()


def load_fallback_digits() -> Arrays:
    """Scikit-learn's real 8x8 digits, enlarged to MNIST's 28x28 layout, fixed split.

    Each 8x8 digit (values 0..16) is resized to 20x20 and centred in a 28x28
    frame, as MNIST centres its digits, then scaled to uint8 0..255. The split is
    a fixed permutation: 1,500 train and 297 test images.
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = (digits.images / 16.0 * 255.0).clip(0, 255).astype(np.uint8)
    images = np.zeros((len(small), 28, 28), dtype=np.uint8)
    for index, image in enumerate(small):
        resized = Image.fromarray(image).resize((20, 20), Image.Resampling.BILINEAR)
        images[index, 4:24, 4:24] = np.asarray(resized)
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(images))
    test, train = order[:FALLBACK_TEST_SIZE], order[FALLBACK_TEST_SIZE:]
    return (images[train], labels[train]), (images[test], labels[test])


def load_dataset(path: str | Path | None = None, *, download: bool | None = None) -> Dataset:
    """Load MNIST (or the offline fallback) and say where it came from.

    Args:
        path: an ``mnist.npz`` to read. When given, it must work: no fallback.
        download: allow Keras' download; default is True unless
            ``LENET_WIDGETS_OFFLINE`` is set.

    Returns:
        A ``Dataset`` with uint8 arrays and a ``source`` string.

    Raises:
        DataError: the explicit path or the ``LENET_WIDGETS_MNIST`` file is unusable.
    """
    if path is not None:
        path = Path(path).expanduser()
        return Dataset(*_flatten(_read_npz(path)), source=f"file {path}")
    environment_path = config.mnist_path_from_environment()
    if environment_path is not None:
        arrays = _read_npz(environment_path)
        return Dataset(*_flatten(arrays), source=f"{config.MNIST_VARIABLE}={environment_path}")
    cache = _keras_cache_file()
    if cache.is_file():
        try:
            return Dataset(*_flatten(_read_npz(cache)), source=f"Keras cache {cache}")
        except DataError:
            pass  # A damaged cache is re-downloaded below.
    if download is None:
        download = not config.offline_mode()
    reason = "downloads are turned off"
    if download:
        try:
            arrays = _download_with_keras()
            return Dataset(*_flatten(arrays), source="Keras download")
        except Exception as error:  # Any network or file failure means: offline.
            reason = f"the download failed ({type(error).__name__})"
    print(
        f"lenet_widgets: MNIST not found and {reason}; using scikit-learn's 1,797 "
        f"8x8 digits enlarged to 28x28 instead. To use MNIST, set {config.MNIST_VARIABLE}="
        "/path/to/mnist.npz or pass load_mnist(path=...).",
        file=sys.stderr,
    )
    return Dataset(
        *_flatten(load_fallback_digits()), source="scikit-learn digits", is_fallback=True
    )


def _flatten(arrays: Arrays) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    (x_train, y_train), (x_test, y_test) = arrays
    return x_train, y_train, x_test, y_test


def load_mnist(path: str | Path | None = None, *, download: bool | None = None) -> Arrays:
    """Return ``((x_train, y_train), (x_test, y_test))`` as uint8, like Keras.

    See ``load_dataset`` for where the data is looked for; this wrapper keeps
    Keras' tuple shape so the chapter's code reads the same.
    """
    return load_dataset(path, download=download).as_tuples()


def prepare_images(images: np.ndarray) -> np.ndarray:
    """Scale uint8 pixels to ``INPUT_RANGE`` as float32 and add a channel axis.

    Accepts ``(N, H, W)`` or ``(N, H, W, C)`` arrays; integer arrays are
    divided by 255, float arrays are assumed already scaled.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4:
        raise ValueError(
            f"images have shape {images.shape}; expected (N, height, width) or "
            "(N, height, width, channels)."
        )
    if np.issubdtype(images.dtype, np.integer):
        low, high = INPUT_RANGE
        return (images.astype(np.float32) / 255.0) * (high - low) + low
    return images.astype(np.float32, copy=False)
