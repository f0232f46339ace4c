"""save_model / load_model: atomic writes, resuming, formats, bad files, safe mode."""

from __future__ import annotations

import zipfile

import keras
import numpy as np
import pytest

from lenet_widgets.core import persistence
from lenet_widgets.core.model import build_lenet, epochs_trained
from lenet_widgets.core.persistence import (
    ModelFileError,
    UnsafeModelError,
    describe_model,
    load_model,
    load_weights,
    save_model,
)
from lenet_widgets.core.training import train

FULL_FORMATS = (".keras", ".h5")


@pytest.fixture
def trained(tiny_lenet, tiny_data):
    images, labels = tiny_data
    train(tiny_lenet, images, labels, epochs=1, batch_size=16, seed=0, verbose=0)
    return tiny_lenet


def train_steps(model, data, seed=7):
    images, labels = data
    train(model, images, labels, epochs=1, batch_size=16, seed=seed, verbose=0)
    return model.get_weights()


@pytest.mark.parametrize("suffix", FULL_FORMATS)
def test_training_resumes_after_load_exactly(trained, tiny_data, tmp_path, suffix):
    path = save_model(trained, tmp_path / f"model{suffix}")
    reloaded = load_model(path)
    assert type(reloaded.optimizer) is type(trained.optimizer)
    assert len(reloaded.optimizer.variables) == len(trained.optimizer.variables)
    assert int(reloaded.optimizer.iterations.numpy()) == 4
    assert epochs_trained(reloaded) == 1
    expected = train_steps(trained, tiny_data)
    resumed = train_steps(reloaded, tiny_data)
    for a, b in zip(expected, resumed, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_h5_save_does_not_spoil_a_later_keras_save(trained, tmp_path):
    save_model(trained, tmp_path / "first.h5")
    reloaded = load_model(save_model(trained, tmp_path / "then.keras"))
    assert isinstance(reloaded.optimizer, keras.optimizers.Adam)
    assert int(reloaded.optimizer.iterations.numpy()) == 4


def test_weights_only_file_rebuilds_lenet(trained, tmp_path):
    path = save_model(trained, tmp_path / "model.weights.h5")
    reloaded = load_model(path)
    assert reloaded.inputs[0].shape[1:] == (12, 12, 1) and reloaded.output_shape == (None, 3)
    for a, b in zip(trained.get_weights(), reloaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    fresh = build_lenet((12, 12, 1), 3)
    load_weights(fresh, path)
    np.testing.assert_array_equal(fresh.get_weights()[0], trained.get_weights()[0])


def test_weights_of_an_unknown_architecture_need_a_model(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="other")
    path = save_model(model, tmp_path / "other.weights.h5")
    with pytest.raises(ModelFileError, match="load_weights"):
        load_model(path)


def test_weights_that_do_not_fit_are_refused(trained, tmp_path):
    path = save_model(trained, tmp_path / "model.weights.h5")
    with pytest.raises(ModelFileError, match="do not fit"):
        load_weights(build_lenet((28, 28, 1), 10), path)


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
@pytest.mark.parametrize("interruption", [OSError("disk full"), KeyboardInterrupt()])
def test_failed_save_keeps_previous_file_and_leaves_no_partial(
    trained, tmp_path, monkeypatch, suffix, interruption
):
    path = save_model(trained, tmp_path / f"model{suffix}")
    before = path.read_bytes()

    def half_written(self, target, *args, **kwargs):
        with open(target, "wb") as stream:
            stream.write(before[: len(before) // 2])
        raise interruption

    monkeypatch.setattr(type(trained), "save", half_written)
    monkeypatch.setattr(type(trained), "save_weights", half_written)
    expected = KeyboardInterrupt if isinstance(interruption, KeyboardInterrupt) else ModelFileError
    with pytest.raises(expected):
        save_model(trained, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_save_refuses_bad_targets(trained, tmp_path):
    with pytest.raises(ModelFileError, match="unknown model file suffix"):
        save_model(trained, tmp_path / "model.txt")
    with pytest.raises(ModelFileError, match="does not exist"):
        save_model(trained, tmp_path / "missing" / "model.keras")
    (tmp_path / "folder.keras").mkdir()
    with pytest.raises(ModelFileError, match="is a directory"):
        save_model(trained, tmp_path / "folder.keras")


def bad_files(tmp_path, good_keras, good_h5):
    """(path, expected message) pairs covering every way a model file can be wrong."""
    cases = []

    def add(name, content, expected):
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        cases.append((path, expected))

    add("missing.keras", None, "does not exist")
    add("empty.keras", b"", "is empty")
    add(
        "truncated.keras",
        good_keras[: len(good_keras) // 2],
        "could not be loaded|not a .keras zip",
    )
    add("truncated.h5", good_h5[: len(good_h5) // 2], "is damaged|could not be loaded")
    add("text.h5", b"hello, not a model", "not an HDF5 file")
    add("text.keras", b"hello, not a model", "not a .keras zip")
    add("model.txt", good_keras, "unknown model file suffix")
    add("hdf5named.keras", good_h5, "HDF5 file but named .keras")
    add("zipnamed.h5", good_keras, "zip archive but named .h5")
    zip_path = tmp_path / "notmodel.keras"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("hello.txt", "not a model")
    cases.append((zip_path, "could not be loaded"))
    npz = tmp_path / "arrays.h5"
    import h5py

    with h5py.File(npz, "w") as hdf5:
        hdf5["x"] = np.zeros(3)
    cases.append((npz, "could not be loaded"))
    cases.append((tmp_path, "unknown model file suffix|is a directory"))
    return cases


def test_bad_files_raise_one_clear_error_naming_the_file(trained, tmp_path):
    good_keras = save_model(trained, tmp_path / "good.keras").read_bytes()
    good_h5 = save_model(trained, tmp_path / "good.h5").read_bytes()
    folder = tmp_path / "bad"
    folder.mkdir()
    for path, expected in bad_files(folder, good_keras, good_h5):
        with pytest.raises(ModelFileError, match=expected) as error:
            load_model(path)
        assert str(path) in str(error.value), path


@pytest.mark.parametrize("suffix", FULL_FORMATS)
def test_lambda_layer_is_refused_in_safe_mode_with_how_to_opt_in(tmp_path, suffix):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    path = save_model(model, tmp_path / f"lambda{suffix}")
    with pytest.raises(UnsafeModelError, match=r"Lambda.*safe_mode=False"):
        load_model(path)
    loaded = load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(np.ones((1, 4)), verbose=0), 2.0)


def test_describe_model(trained):
    info = describe_model(trained)
    assert info["optimizer"] == "Adam" and info["epochs_trained"] == 1
    assert info["optimizer_steps"] == 4 and info["parameters"] == trained.count_params()


def test_legacy_optimizer_repair_lives_in_one_place():
    # The Keras 3.15 workarounds are private helpers of this module only.
    assert hasattr(persistence, "_restore_legacy_optimizer")
    assert hasattr(persistence, "_save_legacy_h5")


@pytest.mark.parametrize("suffix", FULL_FORMATS)
def test_untrained_model_round_trips_and_then_trains(tiny_lenet, tiny_data, tmp_path, suffix):
    reloaded = load_model(save_model(tiny_lenet, tmp_path / f"untrained{suffix}"))
    assert int(reloaded.optimizer.iterations.numpy()) == 0
    images, labels = tiny_data
    train(reloaded, images, labels, epochs=1, batch_size=16, verbose=0)
    assert int(reloaded.optimizer.iterations.numpy()) == 4
