"""load_mnist's search order, the offline fallback, and pixel preparation."""

from __future__ import annotations

import numpy as np
import pytest

from lenet_widgets import config
from lenet_widgets.core import data
from lenet_widgets.core.data import DataError, Dataset, load_dataset, load_mnist, prepare_images

from helpers import mnist_arrays


def write_npz(path, train=5, test=3, label=1):
    np.savez(
        path,
        x_train=np.full((train, 28, 28), 7, np.uint8),
        y_train=np.full(train, label, np.uint8),
        x_test=np.zeros((test, 28, 28), np.uint8),
        y_test=np.zeros(test, np.uint8),
    )
    return path


@pytest.fixture
def no_sources(monkeypatch, tmp_path):
    """No environment file, an empty Keras cache, and a download that must not run."""
    monkeypatch.delenv(config.MNIST_VARIABLE, raising=False)
    monkeypatch.delenv(config.OFFLINE_VARIABLE, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))

    def refuse():
        raise OSError("no network in this test")

    monkeypatch.setattr(data, "_download_with_keras", refuse)
    return tmp_path


def test_explicit_path_wins_over_environment(no_sources, monkeypatch):
    explicit = write_npz(no_sources / "explicit.npz", train=5)
    monkeypatch.setenv(config.MNIST_VARIABLE, str(write_npz(no_sources / "env.npz", train=9)))
    (x_train, y_train), (x_test, y_test) = load_mnist(explicit)
    assert x_train.shape == (5, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (5,) and x_test.shape == (3, 28, 28) and y_test.dtype == np.uint8


def test_environment_variable_is_used(no_sources, monkeypatch):
    monkeypatch.setenv(config.MNIST_VARIABLE, str(write_npz(no_sources / "env.npz", train=9)))
    dataset = load_dataset()
    assert len(dataset.x_train) == 9
    assert config.MNIST_VARIABLE in dataset.source and not dataset.is_fallback


def test_keras_cache_is_used_before_download(no_sources):
    cache = no_sources / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    write_npz(cache / "mnist.npz", train=4)
    dataset = load_dataset()
    assert len(dataset.x_train) == 4 and "cache" in dataset.source


def test_download_is_tried_when_nothing_is_local(no_sources, monkeypatch):
    arrays = ((np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8)),) * 2
    monkeypatch.setattr(data, "_download_with_keras", lambda: arrays)
    dataset = load_dataset()
    assert dataset.source == "Keras download" and len(dataset.x_train) == 2


def test_offline_falls_back_to_real_digits_and_says_so(no_sources, capsys):
    (x_train, y_train), (x_test, _y_test) = load_mnist()
    message = capsys.readouterr().err
    assert message.count("\n") == 1 and config.MNIST_VARIABLE in message
    assert "download failed" in message
    assert x_train.shape == (1500, 28, 28) and x_test.shape == (297, 28, 28)
    assert x_train.dtype == np.uint8 and set(np.unique(y_train)) == set(range(10))
    # Digits sit centred like MNIST: a 4-pixel empty border, ink in the middle.
    assert x_train[:, :4].max() == 0 and x_train[:, 10:18, 10:18].mean() > 40
    # The split is fixed: the same call gives the same arrays.
    (again, _), _ = load_mnist()
    np.testing.assert_array_equal(x_train, again)


def test_offline_variable_skips_the_download(no_sources, monkeypatch, capsys):
    monkeypatch.setenv(config.OFFLINE_VARIABLE, "1")
    monkeypatch.setattr(data, "_download_with_keras", lambda: pytest.fail("downloaded"))
    assert load_dataset().is_fallback
    assert "turned off" in capsys.readouterr().err


# SHA-256 of the fallback's four arrays as scikit-learn's load_digits gave them before the
# digits were packaged (x_train, y_train, x_test, y_test, in that order, C order bytes).
FALLBACK_SHA256 = "7d54618f0dff69c8f36d25a225718173b25664758eeddbf1af79f475aead3f0e"


def test_fallback_digits_are_the_same_without_scikit_learn():
    import subprocess
    import sys

    # A fresh interpreter in which scikit-learn cannot be imported at all.
    code = (
        "import sys, hashlib, numpy as np; sys.modules['sklearn'] = None\n"
        "from lenet_widgets.core.data import load_fallback_digits\n"
        "(a, b), (c, d) = load_fallback_digits(); h = hashlib.sha256()\n"
        "[h.update(np.ascontiguousarray(x).tobytes()) for x in (a, b, c, d)]\n"
        "print(h.hexdigest(), a.shape, c.shape, sorted(set(b.tolist())))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    digest, *rest = result.stdout.split(maxsplit=1)
    assert digest == FALLBACK_SHA256, result.stdout
    assert "(1500, 28, 28) (297, 28, 28) [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]" in rest[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "does not exist"),
        (b"", "cannot be read"),
        (b"not a zip at all", "cannot be read"),
    ],
)
def test_unusable_explicit_file_raises_naming_it(tmp_path, content, expected):
    path = tmp_path / "mnist.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=expected) as error:
        load_mnist(path)
    assert str(path) in str(error.value)


def test_missing_arrays_and_bad_labels_are_named(tmp_path):
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DataError, match="lacks arrays"):
        load_mnist(tmp_path / "partial.npz")
    write_npz(tmp_path / "labels.npz", label=12)
    with pytest.raises(DataError, match=r"labels 12\.\.12.*expected digits 0\.\.9"):
        load_mnist(tmp_path / "labels.npz")


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        load_mnist(tmp_path)


def test_prepare_images_scales_and_adds_channel():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    prepared = prepare_images(images)
    assert prepared.shape == (1, 2, 2, 1) and prepared.dtype == np.float32
    assert prepared.min() == 0.0 and prepared.max() == 1.0
    np.testing.assert_allclose(prepared[0, 1, :, 0], [0.2, 0.4])
    assert prepare_images(np.zeros((2, 5, 6, 3), np.uint8)).shape == (2, 5, 6, 3)
    with pytest.raises(ValueError, match="expected"):
        prepare_images(np.zeros((28, 28)))


def test_real_mnist_matches_keras_arrays(mnist):
    (x_train, y_train), (x_test, _y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train).tolist()[:3] == [5923, 6742, 5958]
    assert abs(x_train.mean() / 255 - 0.1307) < 1e-3


def _write_arrays(path, **changes):
    np.savez(path, **{**mnist_arrays(8, 4), **changes})
    return path


def test_npy_file_raises_data_error_naming_it(tmp_path):
    """Issue 11 item 10: load_mnist("mnist.npy") raised TypeError (context manager protocol)."""
    path = tmp_path / "mnist.npy"
    np.save(path, np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DataError, match=r"mnist\.npy holds one ndarray .*expected an \.npz"):
        load_mnist(path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"y_train": np.arange(8) % 10 + 0.5},
            r"y_train hold 0\.5, 1\.5, 2\.5, \.\.\. \(8 values\), which are not class ids; "
            r"expected digits 0\.\.9",
        ),
        ({"y_train": np.full(8, np.nan)}, r"y_train hold nan \(8 values\)"),
        ({"y_train": np.array(list("abcdefgh"))}, r"y_train have dtype <U1; expected digits"),
        ({"y_train": np.full(8, True)}, r"y_train have dtype bool; expected digits"),
        ({"y_test": np.array([0, 1, 10, -2])}, r"labels -2\.\.10; expected .*outside: 10, -2"),
        ({"y_train": np.ones(8, dtype=object)}, r"cannot be read as \.npz.*allow_pickle"),
        ({"x_train": np.uint8(3)}, r"x_train has shape \(\) dtype uint8; expected uint8 images"),
    ],
    ids=[
        "half labels",
        "NaN labels",
        "string labels",
        "bool labels",
        "out of range",
        "pickle",
        "scalar",
    ],
)
def test_bad_arrays_raise_data_error_naming_the_values(tmp_path, changes, message):
    """Issue 11: labels 0.5..9.5 were refused as 'holds labels 0..9; expected digits 0..9'."""
    path = _write_arrays(tmp_path / "bad.npz", **changes)
    with pytest.raises(DataError, match=message) as error:
        load_mnist(path)
    assert str(path) in str(error.value)


def test_corrupt_compressed_file_and_wrong_path_type(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {
        key: rng.integers(0, 10, (300, 28, 28), dtype=np.uint8) for key in ("x_train", "x_test")
    }
    arrays |= {"y_train": np.zeros(300, np.uint8), "y_test": np.zeros(300, np.uint8)}
    np.savez_compressed(tmp_path / "good.npz", **arrays)
    damaged = bytearray((tmp_path / "good.npz").read_bytes())
    damaged[3000:3200] = bytes(200)
    (tmp_path / "damaged.npz").write_bytes(bytes(damaged))
    with pytest.raises(DataError, match=r"damaged\.npz cannot be read as \.npz"):
        load_mnist(tmp_path / "damaged.npz")
    with pytest.raises(DataError, match=r"path is 123 \(int\); expected the path"):
        load_mnist(123)


def test_dataset_image_shape_for_grey_and_colour():
    grey = np.zeros((3, 9, 7), np.uint8)
    colour = np.zeros((3, 9, 7, 3), np.uint8)
    labels = np.zeros(3, np.uint8)
    assert Dataset(grey, labels, grey, labels, source="t").image_shape == (9, 7, 1)
    assert Dataset(colour, labels, colour, labels, source="t").image_shape == (9, 7, 3)
    with pytest.raises(DataError, match=r"x_train have shape \(3, 9\); expected \(N, height"):
        _ = Dataset(np.zeros((3, 9)), labels, grey, labels, source="t").image_shape


def test_dataset_and_loading_make_no_copies(tmp_path):
    """Issue 13: the data lives once in memory (uint8), whatever wraps it."""
    images = np.zeros((5, 28, 28), np.uint8)
    labels = np.zeros(5, np.uint8)
    dataset = Dataset(images, labels, images, labels, source="t")
    assert dataset.x_train is images and dataset.as_tuples()[0][0] is images
