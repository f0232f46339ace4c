"""MNIST loading with an offline fallback; the checks on images and labels re-exported.

``load_mnist`` returns uint8 arrays shaped like ``keras.datasets.mnist.load_data()``.
It looks, in order, at an explicit path, the ``LENET_WIDGETS_MNIST`` variable,
Keras' cache file and Keras' download. When none of those works it falls back
to 1,797 real 8x8 handwritten digits shipped with the package (UCI's "Optical
Recognition of Handwritten Digits", the set scikit-learn calls ``load_digits``),
enlarged to MNIST's 28x28 layout, and says so in one line.

Images and labels are checked by ``core.data_checks`` (one rule for images entering
a model: ``prepare_images``), whose names are re-exported here.
"""

from __future__ import annotations

import os
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lenet_widgets import config
from lenet_widgets.core.data_checks import (
    INPUT_RANGE,
    DataError,
    check_label_values,
    convert_images,
    images_are_pixels,
    pixel_scaling,
    prepare_images,
    with_channel_axis,
)

__all__ = [
    "INPUT_RANGE",
    "MNIST_KEYS",
    "DataError",
    "Dataset",
    "check_label_values",
    "convert_images",
    "images_are_pixels",
    "load_dataset",
    "load_fallback_digits",
    "load_mnist",
    "pixel_scaling",
    "prepare_images",
    "with_channel_axis",
]

MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")

FALLBACK_TEST_SIZE = 297
"""The fallback digits: 1,500 for training and 297 for testing."""

FALLBACK_FILE = Path(__file__).with_name("digits_8x8.npz")
"""The fallback's 1,797 digits: ``images`` (N, 8, 8) uint8 in 0..16 and ``labels`` (N,) uint8.

UCI Machine Learning Repository, "Optical Recognition of Handwritten Digits"
(E. Alpaydin, C. Kaynak, 1998; CC BY 4.0), test set, the copy scikit-learn ships
as ``load_digits``. Stored here (45 KB) so the package does not need scikit-learn:
when scikit-learn is installed, Keras imports it at start-up (about 60 MB of
memory and 1 s in every kernel)."""

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Dataset:
    """Train and test arrays plus where they came from.

    Attributes:
        x_train, y_train, x_test, y_test: uint8 images (N, 28, 28) and labels (N,).
        source: human-readable origin, e.g. ``"file /data/mnist.npz"``.
        is_fallback: True when the packaged 8x8 digits replaced MNIST.
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

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of one training image (grey ``(N, H, W)`` has 1 channel).

        Raises:
            DataError: ``x_train`` is not shaped ``(N, H, W)`` or ``(N, H, W, C)``.
        """
        return tuple(int(size) for size in with_channel_axis(self.x_train, "x_train").shape[1:])


def _read_npz(path: Path) -> Arrays:
    if not path.exists():
        raise DataError(
            f"MNIST file {path} does not exist; expected an .npz with keys {MNIST_KEYS}."
        )
    if path.is_dir():
        raise DataError(f"MNIST path {path} is a directory; expected an .npz file.")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise DataError(
                f"MNIST file {path} holds one {type(loaded).__name__} (an .npy file?); expected "
                f"an .npz archive with arrays {list(MNIST_KEYS)} (as keras.datasets.mnist saves)."
            )
        with loaded as npz:
            missing = [key for key in MNIST_KEYS if key not in npz.files]
            if missing:
                raise DataError(
                    f"MNIST file {path} lacks arrays {missing}; found {sorted(npz.files)}, "
                    f"expected {list(MNIST_KEYS)}."
                )
            arrays = {key: np.asarray(npz[key]) for key in MNIST_KEYS}
    except DataError:
        raise
    except (OSError, ValueError, TypeError, zipfile.BadZipFile, EOFError, zlib.error) as error:
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
        check_label_values(labels, 10, f"{origin}: y_{split}")


def _keras_cache_file() -> Path:
    return config.keras_cache_dir() / "mnist.npz"


def _download_with_keras() -> Arrays:
    import keras  # Imported here: only the download path needs it.

    return keras.datasets.mnist.load_data()


def load_fallback_digits() -> Arrays:
    """The packaged real 8x8 digits (``FALLBACK_FILE``), enlarged to MNIST's 28x28 layout.

    Each 8x8 digit (values 0..16) is resized to 20x20 and centred in a 28x28
    frame, as MNIST centres its digits, then scaled to uint8 0..255. The split is
    a fixed permutation: 1,500 train and 297 test images.
    """
    from PIL import Image

    with np.load(FALLBACK_FILE, allow_pickle=False) as stored:
        digits, labels = stored["images"], stored["labels"]
    small = (digits / 16.0 * 255.0).clip(0, 255).astype(np.uint8)
    images = np.zeros((len(small), 28, 28), dtype=np.uint8)
    for index, image in enumerate(small):
        resized = Image.fromarray(image).resize((20, 20), Image.Resampling.BILINEAR)
        images[index, 4:24, 4:24] = np.asarray(resized)
    labels = labels.astype(np.uint8)
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
        if not isinstance(path, (str, os.PathLike)):
            raise DataError(
                f"path is {path!r} ({type(path).__name__}); expected the path of an mnist.npz."
            )
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
        f"lenet_widgets: MNIST not found and {reason}; using the packaged 1,797 "
        f"real 8x8 digits enlarged to 28x28 instead. To use MNIST, set {config.MNIST_VARIABLE}="
        "/path/to/mnist.npz or pass load_mnist(path=...).",
        file=sys.stderr,
    )
    return Dataset(
        *_flatten(load_fallback_digits()), source="packaged 8x8 digits", is_fallback=True
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
