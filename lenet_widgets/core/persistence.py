"""Save and load models atomically, in the three formats the chapter meets.

Format by suffix:

* ``.keras``: the whole model with its optimizer state (the default);
* ``.h5``: the chapter's legacy HDF5 file, made to resume training on Keras 3;
* ``.weights.h5``: weights only; loading rebuilds the LeNet it was saved from.

Every write goes to a temporary file beside the target and is renamed over it
only when complete, so a failed or interrupted save leaves the previous file as
it was. Saving through a symbolic link replaces the file the link points to
(the link stays); a new file gets the permissions the umask gives (0644
typically, as Keras' own save), an existing one keeps its permissions. Every
failure raises ``ModelFileError`` naming the file. lenet_widgets' own metadata
(epochs trained, input range, the optimizer and its settings, how to rebuild
the architecture) travels inside the file: a ``lenet_widgets.json`` member of
the ``.keras`` zip, an attribute of the HDF5 root.

A ``.weights.h5`` file brings back the weights, not the optimizer state: the
model it rebuilds is compiled with the optimizer recorded in the metadata (same
kind, same settings, learning rate included) starting fresh, and
``describe_model`` says so (``optimizer_state: "fresh"``).

Keras' messages about formats the project writes on purpose (the HDF5 "legacy"
notice, unbuilt compiled metrics after an ``.h5`` load, skipped optimizer
variables of a weights-only file) are not shown: the docs and notebooks say it.

Two Keras 3.15 defects of the legacy ``.h5`` path are worked around in
``core.persistence_legacy_h5``, and only there. The file checks and errors live in
``core.persistence_files`` (re-exported here), the atomic replacement in
``core.persistence_atomic``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import keras

from lenet_widgets.core.model import build_lenet, check_finite_weights, metadata, set_metadata
from lenet_widgets.core.persistence_atomic import _atomic_target
from lenet_widgets.core.persistence_files import (
    FORMATS,
    ModelFileError,
    UnsafeModelError,
    _check_readable,
    _refuse_folder,
    _refuse_unsafe,
    file_format,
)
from lenet_widgets.core.persistence_legacy_h5 import _restore_legacy_optimizer, _save_legacy_h5
from lenet_widgets.core.training_epochs import epochs_done, tidy_epochs

__all__ = [
    "FORMATS",
    "FRESH",
    "FRESH_OPTIMIZER_NOTE",
    "ModelFileError",
    "UnsafeModelError",
    "describe_model",
    "file_format",
    "load_model",
    "load_weights",
    "save_model",
]

FRESH = "fresh"
"""``describe_model(...)["optimizer_state"]`` of a model whose optimizer starts over."""

FRESH_OPTIMIZER_NOTE = (
    "weights-only file: the optimizer (same kind and rate) starts fresh, its saved state is "
    "not restored"
)
"""What status lines add for a model whose ``optimizer_state`` is ``FRESH``."""

_METADATA_MEMBER = "lenet_widgets.json"
_METADATA_ATTRIBUTE = "lenet_widgets"


# ----------------------------------------------------------------------------- saving


_KERAS_NOTICES = (
    "You are saving your model as an HDF5 file",
    "Compiled the loaded model, but the compiled metrics have yet to be built",
)


class _DropKerasNotices(logging.Filter):
    """Drops Keras' absl notices about formats lenet_widgets uses on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_KERAS_NOTICES)


@contextlib.contextmanager
def _quiet_keras() -> Iterator[None]:
    """Hide Keras' notices about what the project does on purpose, during one save/load.

    The HDF5 "legacy" notice, "compiled metrics have yet to be built" after an
    ``.h5`` load, and "Skipping variable loading for optimizer".
    """
    notices = _DropKerasNotices()
    logger = logging.getLogger("absl")
    logger.addFilter(notices)
    try:
        with warnings.catch_warnings():
            # A file saved before any training step holds 2 optimizer values; the
            # optimizer starts at zero either way, which is what a fresh one holds.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            yield
    finally:
        logger.removeFilter(notices)


def _optimizer_record(model: keras.Model) -> dict[str, Any]:
    """The optimizer's kind and settings, and the compile config to rebuild it (JSON-ready)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return {}
    record: dict[str, Any] = {"optimizer": {"class_name": type(optimizer).__name__}}
    with contextlib.suppress(TypeError, ValueError, AttributeError):
        record["optimizer"]["learning_rate"] = float(optimizer.learning_rate)
    try:
        compile_config = model.get_compile_config()
        json.dumps(compile_config)
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return record  # Custom objects: the kind and rate are still recorded.
    if compile_config:
        record["compile_config"] = compile_config
    return record


def _model_metadata(model: keras.Model) -> dict[str, Any]:
    data = _file_metadata_for_model(dict(metadata(model)))
    data.setdefault("epochs_trained", 0)
    data.update(_optimizer_record(model))
    if model.name == "lenet" and len(model.inputs) == 1:
        data["architecture"] = {
            "builder": "build_lenet",
            "input_shape": [int(size) for size in model.inputs[0].shape[1:]],
            "num_classes": int(model.outputs[0].shape[-1]),
        }
    return data


def save_model(model: keras.Model, path: str | Path = "lenet.keras") -> Path:
    """Save a model atomically; the format follows the suffix.

    Args:
        model: the Keras model to save.
        path: target file ending in ``.keras`` (full model, default), ``.h5``
            (legacy full model) or ``.weights.h5`` (weights only). A symbolic
            link is followed: the file it points to is replaced, the link stays.

    Returns:
        The path written.

    Raises:
        ModelFileError: bad suffix, missing folder, weights holding NaN, or the
            save failed for any reason (full disk, no permission, a model Keras
            cannot serialize...); the previous file at ``path`` is then untouched.
    """
    path = Path(path).expanduser()
    _refuse_folder(path)
    file_format(path)
    try:
        check_finite_weights(model)
    except ValueError as error:  # Never replace a good file with a diverged model.
        raise ModelFileError(path, f"not saved, the previous file is kept: {error}") from None
    try:
        data = json.dumps(_model_metadata(model))
        with _atomic_target(path) as temporary, _quiet_keras():
            suffix = file_format(path)
            if suffix == ".keras":
                model.save(temporary)
                with zipfile.ZipFile(temporary, "a") as archive:
                    archive.writestr(_METADATA_MEMBER, data)
            else:
                if suffix == ".weights.h5":
                    model.save_weights(temporary)
                else:
                    _save_legacy_h5(model, temporary)
                with h5py.File(temporary, "a") as hdf5:
                    hdf5.attrs[_METADATA_ATTRIBUTE] = data
    except ModelFileError:
        raise
    except Exception as error:  # h5py raises RuntimeError on a full disk.
        reason = f"{type(error).__name__}: {error}"
        raise ModelFileError(
            path, f"could not be saved ({reason}); the previous file, if any, is kept."
        ) from error
    return path


# ----------------------------------------------------------------------------- loading


def _read_file_metadata(path: Path, suffix: str) -> dict[str, Any]:
    try:
        if suffix == ".keras":
            with zipfile.ZipFile(path) as archive:
                if _METADATA_MEMBER not in archive.namelist():
                    return {}
                return json.loads(archive.read(_METADATA_MEMBER))
        with h5py.File(path, "r") as hdf5:
            raw = hdf5.attrs.get(_METADATA_ATTRIBUTE)
        return json.loads(raw) if raw is not None else {}
    except Exception as error:  # h5py and zipfile raise many kinds.
        raise ModelFileError(path, f"is damaged: {type(error).__name__}: {error}") from error


def _build_from_metadata(path: Path, data: dict[str, Any], compile: bool) -> keras.Model:
    architecture = data.get("architecture") or {}
    if architecture.get("builder") != "build_lenet":
        raise ModelFileError(
            path,
            "holds weights only and does not say which model they belong to; build that model "
            "and call load_weights(model, path).",
        )
    try:
        model = build_lenet(
            tuple(architecture["input_shape"]), int(architecture["num_classes"]), compile=compile
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(path, f"holds a damaged architecture record: {error}") from error
    compile_config = data.get("compile_config")
    if compile and compile_config:
        # The optimizer the model was trained with (kind, rate, momentum...), starting fresh.
        try:
            model.compile_from_config(compile_config)
        except Exception as error:  # any config Keras cannot rebuild.
            raise ModelFileError(
                path, f"records optimizer settings Keras cannot rebuild: {error}"
            ) from error
    return model


def _file_metadata_for_model(data: dict[str, Any]) -> dict[str, Any]:
    """The file's metadata minus what describes the file, not the live model."""
    return {
        key: value
        for key, value in data.items()
        if key not in ("architecture", "compile_config", "optimizer", "optimizer_state")
    }


def load_weights(model: keras.Model, path: str | Path) -> keras.Model:
    """Load a ``.weights.h5`` (or the weights of a ``.h5``/``.keras``) into ``model``.

    Only the layer weights are loaded: the model's optimizer is left as it is
    (Keras' "Skipping variable loading for optimizer" warning is not shown).

    Raises:
        ModelFileError: the file is unusable or its weights do not fit the model.
    """
    path = Path(path).expanduser()
    suffix = _check_readable(path)
    data = _read_file_metadata(path, suffix) if suffix != ".keras" else {}
    optimizer = getattr(model, "optimizer", None)
    try:
        with _quiet_keras():
            if suffix == ".weights.h5" and optimizer is not None:
                model.load_weights(path, objects_to_skip=[optimizer])
            else:
                model.load_weights(path)
    except Exception as error:  # Keras and h5py raise many kinds.
        raise ModelFileError(
            path, f"weights do not fit model {model.name!r}: {type(error).__name__}: {error}"
        ) from error
    set_metadata(model, **_file_metadata_for_model(data))
    return model


def load_model(path: str | Path, *, safe_mode: bool = True, compile: bool = True) -> keras.Model:
    """Load a model saved by ``save_model`` (or by Keras), ready to train on.

    A ``.weights.h5`` file rebuilds the LeNet it was saved from, compiled with
    the optimizer recorded in the file (kind and settings) but with a fresh
    state: ``describe_model(model)["optimizer_state"]`` is then ``"fresh"``.

    Args:
        path: a ``.keras``, ``.h5`` or ``.weights.h5`` file.
        safe_mode: Keras safe mode; leave it on for files you did not make.
        compile: restore the optimizer and loss (needed to resume training).

    Returns:
        The model, with its optimizer state and lenet_widgets metadata.

    Raises:
        ModelFileError: missing, empty, truncated, non-model or misnamed file,
            or any other failure to read it.
        UnsafeModelError: the file carries code and ``safe_mode`` is on.
    """
    path = Path(path).expanduser()
    suffix = _check_readable(path)
    data = _read_file_metadata(path, suffix)
    if suffix == ".weights.h5":
        model = load_weights(_build_from_metadata(path, data, compile), path)
        if compile:
            set_metadata(model, optimizer_state=FRESH)
        return model
    try:
        with _quiet_keras():
            model = keras.models.load_model(path, safe_mode=safe_mode, compile=compile)
            if not isinstance(model, keras.Model):
                raise ModelFileError(path, f"holds a {type(model).__name__}, not a Keras model.")
            if suffix == ".h5" and compile:
                _restore_legacy_optimizer(model, path)
    except ModelFileError:
        raise
    except Exception as error:  # Keras and h5py raise many kinds.
        _refuse_unsafe(path, error)
        reason = f"{type(error).__name__}: {error}"
        raise ModelFileError(path, f"could not be loaded as a {suffix} model: {reason}") from error
    set_metadata(model, **_file_metadata_for_model(data))
    return model


def describe_model(model: keras.Model) -> dict[str, Any]:
    """What a model holds, for status lines: layers, parameters, optimizer, epochs.

    ``optimizer_state`` is ``"fresh"`` for a model loaded from a weights-only
    file whose optimizer has taken no step since (its epochs were trained with
    an optimizer state that was not saved), else None.
    """
    optimizer = getattr(model, "optimizer", None)
    steps = int(optimizer.iterations.numpy()) if optimizer is not None else 0
    fresh = optimizer is not None and steps == 0 and metadata(model).get("optimizer_state") == FRESH
    rate = None
    if optimizer is not None:
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            rate = float(optimizer.learning_rate)
    return {
        "name": model.name,
        "layers": len(model.layers),
        "parameters": int(model.count_params()),
        "optimizer": type(optimizer).__name__ if optimizer is not None else None,
        "learning_rate": rate,
        "optimizer_steps": steps,
        "optimizer_state": FRESH if fresh else None,
        # Fractions honest: 1.2 after a run stopped part-way through the second epoch.
        "epochs_trained": tidy_epochs(epochs_done(model)),
    }
