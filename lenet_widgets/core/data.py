"""MNIST loading with an offline fallback, and pixel preparation for the model.

``load_mnist`` returns uint8 arrays shaped like ``keras.datasets.mnist.load_data()``.
It looks, in order, at an explicit path, the ``LENET_WIDGETS_MNIST`` variable,
Keras' cache file and Keras' download. When none of those works it falls back
to 1,797 real 8x8 handwritten digits shipped with the package (UCI's "Optical
Recognition of Handwritten Digits", the set scikit-learn calls ``load_digits``),
enlarged to MNIST's 28x28 layout, and says so in one line.

Images enter the models through one rule (``prepare_images``), the same for
training, evaluation, feature maps and dataset examples:

* integer images (uint8, uint16, int...) are pixels 0..255 and are converted to
  the model's input range (``(0, 1)`` for ``build_lenet``; ``(0, 255)`` for a
  model that rescales its own input, see ``core.model.input_range``); values
  outside 0..255 are refused;
* float images (float16/32/64) already inside the model's input range are used
  as they are; floats that are clearly 0..255 pixels (all in 0..255 and far above
  the range, e.g. 0..255 floats for a 0..1 model) are converted like uint8;
  anything else (NaN, infinity, negative values, floats between the two, 0..1
  floats for a model expecting 0..255) is refused with what was found;
* bool images and other dtypes are refused.
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
    "prepare_images",
    "with_channel_axis",
]

INPUT_RANGE = (0.0, 1.0)
"""Pixel range the models of this package are trained on (see ``prepare_images``)."""

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


class DataError(ValueError):
    """An MNIST file is missing, unreadable or holds the wrong arrays, or images are unusable."""


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


def check_label_values(labels: np.ndarray, num_classes: int, name: str = "labels") -> None:
    """Raise ``DataError`` unless ``labels`` are whole numbers in ``0..num_classes-1``.

    The message names the offending values (up to three) and how many there are.
    """
    labels = np.asarray(labels)
    expected = f"expected integers 0..{num_classes - 1}"
    if num_classes == 10:
        expected = "expected digits 0..9"
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.number):
        raise DataError(f"{name} have dtype {labels.dtype}; {expected} (integer class ids).")
    if np.issubdtype(labels.dtype, np.complexfloating):
        raise DataError(f"{name} are complex numbers; {expected}.")
    if labels.size == 0:
        return
    if not np.issubdtype(labels.dtype, np.integer):
        whole = np.isfinite(labels) & (labels == np.round(labels))
        if not np.all(whole):
            raise DataError(
                f"{name} hold {_some_values(labels[~whole])}, which are not class ids; {expected}."
            )
    low, high = labels.min(), labels.max()
    if low < 0 or high >= num_classes:
        outside = labels[(labels < 0) | (labels >= num_classes)]
        raise DataError(
            f"{name} holds labels {_number(low)}..{_number(high)}; {expected} "
            f"(outside: {_some_values(outside)})."
        )


def _number(value) -> str:
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _some_values(values: np.ndarray, shown: int = 3) -> str:
    """``"0.5, 1.5 and 2.5 (60,000 values)"``: the first distinct values and the count."""
    distinct = []
    for value in values.ravel():
        text = _number(value)
        if text not in distinct:
            distinct.append(text)
        if len(distinct) > shown:
            break
    listed = ", ".join(distinct[:shown])
    more = ", ..." if len(distinct) > shown else ""
    return f"{listed}{more} ({values.size:,} value{'s' if values.size != 1 else ''})"


def with_channel_axis(images: np.ndarray, name: str = "images") -> np.ndarray:
    """``(N, H, W)`` images as ``(N, H, W, 1)`` (a view, no copy); ``(N, H, W, C)`` as they are.

    Raises:
        DataError: the array has another number of dimensions.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        return images[..., np.newaxis]
    if images.ndim != 4:
        raise DataError(
            f"{name} have shape {images.shape}; expected (N, height, width) or "
            "(N, height, width, channels)."
        )
    return images


def _range_text(input_range: tuple[float, float]) -> str:
    low, high = input_range
    return f"{_number(float(low))}..{_number(float(high))}"


def images_are_pixels(
    images: np.ndarray, input_range: tuple[float, float] = INPUT_RANGE, *, name: str = "images"
) -> bool:
    """Apply the module's one rule: True for pixels 0..255, False for values already in range.

    Args:
        images: any array of images (one pass over it for its minimum and maximum).
        input_range: ``(low, high)`` the model expects (``core.model.input_range(model)``).
        name: what to call the images in a message.

    Returns:
        True when the images are pixels 0..255 to convert (integers, or floats that
        are clearly 0..255), False when they are floats already in ``input_range``.

    Raises:
        DataError: bool or non-numeric images, integers outside 0..255, NaN or
            infinite floats, or floats that are neither in the range nor clearly
            0..255 pixels. The message says what was found and what is expected.
    """
    images = np.asarray(images)
    low, high = float(input_range[0]), float(input_range[1])
    span = high - low
    expected = (
        f"expected uint8 pixels 0..255, or floats already in the model's input range "
        f"{_range_text((low, high))}"
    )
    if images.dtype == bool:
        raise DataError(
            f"{name} are bool; {expected} (for a black-and-white mask, pass "
            "mask.astype(np.uint8) * 255)."
        )
    if not np.issubdtype(images.dtype, np.integer) and not np.issubdtype(images.dtype, np.floating):
        raise DataError(f"{name} have dtype {images.dtype}; {expected}.")
    if images.dtype == np.uint8 or images.size == 0:
        return bool(np.issubdtype(images.dtype, np.integer))
    smallest, largest = images.min(), images.max()
    if np.issubdtype(images.dtype, np.integer):
        if smallest < 0 or largest > 255:
            raise DataError(
                f"{name} are {images.dtype} integers ranging over {int(smallest)}..{int(largest)}; "
                f"{expected} (integer images are read as pixels 0..255: rescale them to 0..255 "
                "first)."
            )
        return True
    smallest, largest = float(smallest), float(largest)
    found = f"{name} are {images.dtype} floats ranging over {smallest:.4g}..{largest:.4g}"
    if not (np.isfinite(smallest) and np.isfinite(largest)):
        raise DataError(f"{name} hold NaN or infinite values; {expected}.")
    tolerance = 1e-3 * span
    if low - tolerance <= smallest and largest <= high + tolerance:
        if span > 2.0 and smallest >= 0.0 and 0.0 < largest <= 1.0:
            raise DataError(
                f"{found}, which looks like pixels already divided by 255, but the model "
                f"expects {_range_text((low, high))} (it scales its own input); pass the "
                "uint8 pixels (or the floats times 255)."
            )
        return False
    if smallest >= 0.0 and largest <= 255.0 and largest > high + span:
        return True  # Clearly 0..255 pixels stored as floats.
    raise DataError(
        f"{found}; {expected}, or floats that are clearly pixels 0..255 "
        "(convert them to the range yourself)."
    )


def convert_images(
    images: np.ndarray, input_range: tuple[float, float] = INPUT_RANGE, *, pixels: bool
) -> np.ndarray:
    """float32 images in ``input_range``: pixels 0..255 are mapped to it, other images cast.

    No checks: use ``images_are_pixels`` (once, on the whole array) to decide ``pixels``.
    """
    if not pixels:
        return np.asarray(images, dtype=np.float32)
    low, high = float(input_range[0]), float(input_range[1])
    converted = np.asarray(images, dtype=np.float32)
    if (low, high) == (0.0, 255.0):
        return converted
    converted = converted / np.float32(255.0)
    if (low, high) != (0.0, 1.0):
        converted = converted * np.float32(high - low) + np.float32(low)
    return converted


def prepare_images(
    images: np.ndarray, input_range: tuple[float, float] = INPUT_RANGE, *, name: str = "images"
) -> np.ndarray:
    """Images as the model takes them: float32 ``(N, H, W, C)`` in ``input_range``.

    Applies the module's one rule (see ``images_are_pixels``): uint8 and other
    integer pixels 0..255 (and floats clearly 0..255) are mapped to
    ``input_range``; floats already in it are kept; anything else is refused.
    For a given model, call ``core.model.prepare_for_model(model, images)``,
    which passes the model's own input range.

    Args:
        images: ``(N, H, W)`` or ``(N, H, W, C)``.
        input_range: ``(low, high)`` the model expects; default ``INPUT_RANGE``.
        name: what to call the images in a message.

    Raises:
        DataError: a wrong shape, dtype or value range (see ``images_are_pixels``).
    """
    images = with_channel_axis(images, name)
    pixels = images_are_pixels(images, input_range, name=name)
    return convert_images(images, input_range, pixels=pixels)
