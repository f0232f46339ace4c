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


# ----------------------------------------------------------------------------- symlinks, modes


def test_save_through_a_symlink_replaces_the_file_it_points_to(trained, tmp_path):
    real_folder = tmp_path / "models"
    real_folder.mkdir()
    target = save_model(trained, real_folder / "lenet.keras")
    link = tmp_path / "current.keras"
    link.symlink_to(target)
    before = target.read_bytes()
    images = np.zeros((2, 12, 12, 1), "float32")
    train(trained, images, np.zeros(2, "uint8"), epochs=1, batch_size=2, verbose=0)
    assert save_model(trained, link) == link
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_bytes() != before
    assert epochs_trained(load_model(target)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current.keras", "models"]
    assert sorted(p.name for p in real_folder.iterdir()) == ["lenet.keras"]


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
def test_new_files_follow_the_umask_and_old_files_keep_their_mode(trained, tmp_path, suffix):
    import os
    import stat

    previous = os.umask(0o022)
    try:
        path = save_model(trained, tmp_path / f"model{suffix}")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # Like Keras' own save.
        os.chmod(path, 0o640)
        save_model(trained, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        os.umask(0o077)
        fresh = save_model(trained, tmp_path / f"private{suffix}")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    finally:
        os.umask(previous)


# ----------------------------------------------------------------------------- every failure


_FULL_DISK_SCRIPT = """
import resource, signal, sys
from pathlib import Path
import keras
from lenet_widgets.core.model import build_lenet
from lenet_widgets.core.persistence import ModelFileError, save_model

keras.utils.set_random_seed(0)
model = build_lenet((12, 12, 1), 3)
path = Path(sys.argv[1])
save_model(model, path)
before = path.read_bytes()
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # Writes past the limit fail with EFBIG.
resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))
try:
    save_model(model, path)
except ModelFileError as error:
    assert path.read_bytes() == before, "previous file changed"
    assert str(path) in str(error), error
    print("ModelFileError:", error)
except BaseException as error:
    print("ESCAPED", type(error).__name__, error)
else:
    print("SAVED")
"""


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
def test_a_full_disk_raises_model_file_error_and_keeps_the_file(tmp_path, suffix):
    """A real write failure (file size limit, as a full disk): h5py raised RuntimeError."""
    import subprocess
    import sys

    path = tmp_path / f"model{suffix}"
    result = subprocess.run(
        [sys.executable, "-c", _FULL_DISK_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ModelFileError:"), result.stdout + result.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.parametrize(
    "failure", [RuntimeError("Can't write data"), MemoryError(), AttributeError("x")]
)
@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
def test_any_save_failure_is_a_model_file_error_naming_the_file(
    trained, tmp_path, monkeypatch, suffix, failure
):
    path = save_model(trained, tmp_path / f"model{suffix}")
    before = path.read_bytes()

    def fail(self, *args, **kwargs):
        raise failure

    monkeypatch.setattr(type(trained), "save", fail)
    monkeypatch.setattr(type(trained), "save_weights", fail)
    with pytest.raises(ModelFileError, match=type(failure).__name__) as error:
        save_model(trained, path)
    assert str(path) in str(error.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
def test_any_load_failure_is_a_model_file_error_naming_the_file(
    trained, tmp_path, monkeypatch, suffix
):
    path = save_model(trained, tmp_path / f"model{suffix}")

    def fail(*args, **kwargs):
        raise RuntimeError("Unable to read data (HDF5 error)")

    monkeypatch.setattr(keras.models, "load_model", fail)
    monkeypatch.setattr(type(trained), "load_weights", fail)
    with pytest.raises(ModelFileError, match="RuntimeError") as error:
        load_model(path)
    assert str(path) in str(error.value)


def test_a_folder_is_named_as_a_folder(tmp_path):
    folder = tmp_path / "my_models"
    folder.mkdir()
    with pytest.raises(ModelFileError, match="is a directory, not a model file"):
        load_model(folder)


# ----------------------------------------------------------------------------- optimizer record


@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: keras.optimizers.SGD(0.02, momentum=0.9, nesterov=True),
        lambda: keras.optimizers.RMSprop(0.002),
        lambda: keras.optimizers.Adam(3e-4),
    ],
    ids=["sgd-nesterov", "rmsprop", "adam-3e-4"],
)
def test_weights_only_file_keeps_the_optimizer_kind_and_rate_and_says_it_starts_fresh(
    tiny_lenet, tiny_data, tmp_path, optimizer
):
    import warnings

    tiny_lenet.compile(
        optimizer=optimizer(), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    images, labels = tiny_data
    train(tiny_lenet, images, labels, epochs=1, batch_size=16, verbose=0)
    path = save_model(tiny_lenet, tmp_path / "model.weights.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # No "Skipping variable loading for optimizer".
        reloaded = load_model(path)
    before, after = tiny_lenet.optimizer.get_config(), reloaded.optimizer.get_config()
    assert type(reloaded.optimizer) is type(tiny_lenet.optimizer)
    for key in ("learning_rate", "momentum", "nesterov", "rho", "beta_1", "beta_2"):
        assert after.get(key) == pytest.approx(before.get(key)), key
    info = describe_model(reloaded)
    assert info["optimizer_state"] == "fresh" and info["optimizer_steps"] == 0
    assert info["epochs_trained"] == 1
    assert info["learning_rate"] == pytest.approx(float(tiny_lenet.optimizer.learning_rate))
    assert describe_model(tiny_lenet)["optimizer_state"] is None
    train(reloaded, images, labels, epochs=1, batch_size=16, verbose=0)
    assert describe_model(reloaded)["optimizer_state"] is None  # It has taken steps now.


def test_metadata_records_the_optimizer(tiny_lenet, tmp_path):
    import json

    import h5py

    tiny_lenet.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    path = save_model(tiny_lenet, tmp_path / "model.h5")
    with h5py.File(path) as hdf5:
        record = json.loads(hdf5.attrs["lenet_widgets"])
    assert record["optimizer"] == {"class_name": "SGD", "learning_rate": pytest.approx(0.05)}
    with zipfile.ZipFile(save_model(tiny_lenet, tmp_path / "model.keras")) as archive:
        record = json.loads(archive.read("lenet_widgets.json"))
    assert record["optimizer"]["class_name"] == "SGD"


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
def test_saving_and_loading_show_no_keras_notices(trained, tmp_path, caplog, suffix):
    import logging
    import warnings

    caplog.set_level(logging.INFO)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        load_model(save_model(trained, tmp_path / f"model{suffix}"))
        untrained = build_lenet((12, 12, 1), 3)
        load_model(save_model(untrained, tmp_path / f"untrained{suffix}"))
    notices = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not notices, notices


def test_save_panel_and_cli_say_the_optimizer_starts_fresh(trained, tmp_path, capsys):
    from lenet_widgets.cli import main
    from lenet_widgets.ui.save import SavePanel

    path = save_model(trained, tmp_path / "model.weights.h5")
    panel = SavePanel(trained, path=str(path))
    assert "starts fresh" not in panel.status
    panel.load()
    assert "loaded" in panel.status
    assert "optimizer (same kind and rate) starts fresh" in panel.status
    assert main(["summary", str(path)]) == 0
    assert "starts fresh" in capsys.readouterr().out
    full = save_model(trained, tmp_path / "model.keras")
    assert main(["summary", str(full)]) == 0
    assert "starts fresh" not in capsys.readouterr().out


def test_a_fresh_process_saves_and_loads_every_format_without_a_line_on_stderr(tmp_path):
    """What `make demo` showed a newcomer (#10.12): Keras' HDF5 'legacy' notice and friends."""
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import lenet_widgets as lw\n"
        "model = lw.build_lenet((12, 12, 1), 3)\n"
        "for name in ('m.keras', 'm.h5', 'm.weights.h5'):\n"
        "    lw.load_model(lw.save_model(model, name))\n"
        "print('ok')\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
    assert result.stderr == ""
