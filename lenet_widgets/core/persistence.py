"""Save and load models atomically, in the three formats the chapter meets.

Format by suffix:

* ``.keras``: the whole model with its optimizer state (the default);
* ``.h5``: the chapter's legacy HDF5 file, made to resume training on Keras 3;
* ``.weights.h5``: weights only; loading rebuilds the LeNet it was saved from.

Every write goes to a temporary file beside the target and is renamed over it
only when complete, so a failed or interrupted save leaves the previous file as
it was. lenet_widgets' own metadata (epochs trained, input range, how to rebuild
the architecture) travels inside the file: a ``lenet_widgets.json`` member of
the ``.keras`` zip, an attribute of the HDF5 root.

Two Keras 3.15 defects of the legacy ``.h5`` path are worked around here, and
only here (``_save_legacy_h5`` and ``_restore_legacy_optimizer``).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import keras
import numpy as np

from lenet_widgets.core.model import build_lenet, check_finite_weights, metadata, set_metadata

__all__ = [
    "FORMATS",
    "ModelFileError",
    "UnsafeModelError",
    "describe_model",
    "file_format",
    "load_model",
    "load_weights",
    "save_model",
]

FORMATS = (".keras", ".h5", ".weights.h5")
_EXPECTED = "a .keras, .h5 or .weights.h5 model file"
_METADATA_MEMBER = "lenet_widgets.json"
_METADATA_ATTRIBUTE = "lenet_widgets"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURE = b"PK\x03\x04"


class ModelFileError(ValueError):
    """A model file is missing, damaged, of the wrong kind or wrongly named.

    Attributes:
        path: the file concerned.
    """

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")


class UnsafeModelError(ModelFileError):
    """The file holds Python code (a Lambda layer) and safe mode refused it."""


def file_format(path: str | Path) -> str:
    """Return the format of a model path by its suffix: one of ``FORMATS``.

    Raises:
        ModelFileError: the suffix is none of ``.keras``, ``.h5``, ``.weights.h5``.
    """
    name = Path(path).name.lower()
    for suffix in (".weights.h5", ".keras", ".h5"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return suffix
    raise ModelFileError(path, f"unknown model file suffix; expected {_EXPECTED}.")


# ----------------------------------------------------------------------------- saving


@contextlib.contextmanager
def _atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place on success only."""
    suffix = file_format(path)
    if path.is_dir():
        raise ModelFileError(path, f"is a directory; expected a file path ending in {suffix}.")
    parent = path.parent
    if not parent.is_dir():
        raise ModelFileError(path, f"folder {parent} does not exist.")
    handle, temporary_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=f".partial{suffix}", dir=parent
    )
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        yield temporary
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    finally:
        # Runs on errors and on KeyboardInterrupt alike: no partial file stays behind.
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _save_legacy_h5(model: keras.Model, path: Path) -> None:
    """Save the chapter's ``.h5`` without spoiling the model.

    Keras 3.15's legacy writer pops ``optimizer`` out of the model's own compile
    config, so a ``.keras`` saved afterwards reloads with RMSprop and no
    optimizer state. We hand it a shallow copy and put the original back.
    """
    original = getattr(model, "_compile_config", None)
    if original is not None:
        replacement = copy.copy(original)
        replacement.config = dict(original.config)  # The dict Keras pops from.
        model._compile_config = replacement
    try:
        model.save(path)
    finally:
        if original is not None:
            model._compile_config = original


def _model_metadata(model: keras.Model) -> dict[str, Any]:
    data = dict(metadata(model))
    data.setdefault("epochs_trained", 0)
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
            (legacy full model) or ``.weights.h5`` (weights only).

    Returns:
        The path written.

    Raises:
        ModelFileError: bad suffix, missing folder, weights holding NaN, or the
            save failed (the previous file at ``path`` is then untouched).
    """
    path = Path(path).expanduser()
    suffix = file_format(path)
    try:
        check_finite_weights(model)
    except ValueError as error:  # Never replace a good file with a diverged model.
        raise ModelFileError(path, f"not saved, the previous file is kept: {error}") from None
    data = json.dumps(_model_metadata(model))
    try:
        with _atomic_target(path) as temporary:
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
    except (OSError, ValueError, TypeError, NotImplementedError) as error:
        raise ModelFileError(path, f"could not be saved as {suffix}: {error}") from error
    return path


# ----------------------------------------------------------------------------- loading


def _check_readable(path: Path) -> str:
    suffix = file_format(path)
    if not path.exists():
        raise ModelFileError(path, f"does not exist; expected {_EXPECTED}.")
    if path.is_dir():
        raise ModelFileError(path, f"is a directory; expected {_EXPECTED}.")
    with open(path, "rb") as stream:
        head = stream.read(8)
    if not head:
        raise ModelFileError(path, f"is empty; expected {_EXPECTED}.")
    if suffix == ".keras":
        if head.startswith(_HDF5_SIGNATURE):
            raise ModelFileError(path, "is an HDF5 file but named .keras; rename it to .h5.")
        if not head.startswith(_ZIP_SIGNATURE) or not zipfile.is_zipfile(path):
            raise ModelFileError(path, "is not a .keras zip archive (truncated or not a model).")
    elif not head.startswith(_HDF5_SIGNATURE):
        if head.startswith(_ZIP_SIGNATURE):
            raise ModelFileError(path, f"is a .keras zip archive but named {suffix}; rename it.")
        raise ModelFileError(
            path, f"is not an HDF5 file (truncated or not a model); expected {suffix}."
        )
    return suffix


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
    except (OSError, ValueError, zipfile.BadZipFile, KeyError) as error:
        raise ModelFileError(path, f"is damaged: {error}") from error


def _restore_legacy_optimizer(model: keras.Model, path: Path) -> None:
    """Rebuild the optimizer state Keras 3.15 drops when loading a legacy ``.h5``.

    Keras builds the reloaded optimizer over no variables, keeps 2 of Adam's 18
    slots, and the next ``fit`` raises "Unknown variable". We build a fresh
    optimizer of the same class and config over the model's trainable variables
    and copy the saved slots in, matched by name.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return
    with h5py.File(path, "r") as hdf5:
        if "optimizer_weights" not in hdf5:
            return
        group = hdf5["optimizer_weights"]
        names = [
            name.decode("utf8") if isinstance(name, bytes) else str(name)
            for name in group.attrs.get("weight_names", [])
        ]
        saved = {name: np.asarray(group[name]) for name in names}
    fresh = optimizer.__class__.from_config(optimizer.get_config())
    fresh.build(model.trainable_variables)
    if len(names) == len(fresh.variables):
        pairs = list(zip(fresh.variables, names, strict=True))
    else:
        # An optimizer saved before any training step holds only its counters
        # (iteration, learning rate); its slots start at zero, as a fresh one's do.
        by_path = {variable.path: variable for variable in fresh.variables}
        missing = [name for name in names if name not in by_path]
        if missing:
            raise ModelFileError(
                path,
                f"holds {len(names)} optimizer values but the model needs {len(fresh.variables)} "
                f"(unmatched: {missing[:3]}); the optimizer state cannot be restored.",
            )
        pairs = [(by_path[name], name) for name in names]
    for variable, name in pairs:
        value = saved[name]
        expected = tuple(variable.shape)
        if expected != value.shape:
            raise ModelFileError(
                path, f"optimizer value {name} has shape {value.shape}; expected {expected}."
            )
        variable.assign(value)
    # Keras compiles the train function lazily, on the first fit: swapping the
    # optimizer now is enough, and keeps the loss and metrics Keras restored.
    model.optimizer = fresh


def _refuse_unsafe(path: Path, error: Exception) -> None:
    text = str(error)
    if "Lambda" in text or "unsafe" in text.lower() or "safe_mode" in text:
        raise UnsafeModelError(
            path,
            "holds Python code (a Lambda layer), which could run anything on this machine, "
            "so safe mode refused it. If you trust where the file comes from, load it with "
            "load_model(path, safe_mode=False).",
        ) from error


def _build_from_metadata(path: Path, data: dict[str, Any]) -> keras.Model:
    architecture = data.get("architecture") or {}
    if architecture.get("builder") != "build_lenet":
        raise ModelFileError(
            path,
            "holds weights only and does not say which model they belong to; build that model "
            "and call load_weights(model, path).",
        )
    return build_lenet(tuple(architecture["input_shape"]), int(architecture["num_classes"]))


def load_weights(model: keras.Model, path: str | Path) -> keras.Model:
    """Load a ``.weights.h5`` (or the weights of a ``.h5``/``.keras``) into ``model``.

    Raises:
        ModelFileError: the file is unusable or its weights do not fit the model.
    """
    path = Path(path).expanduser()
    suffix = _check_readable(path)
    try:
        model.load_weights(path)
    except (OSError, ValueError, KeyError) as error:
        raise ModelFileError(path, f"weights do not fit model {model.name!r}: {error}") from error
    if suffix != ".keras":
        set_metadata(
            model,
            **{k: v for k, v in _read_file_metadata(path, suffix).items() if k != "architecture"},
        )
    return model


def load_model(path: str | Path, *, safe_mode: bool = True, compile: bool = True) -> keras.Model:
    """Load a model saved by ``save_model`` (or by Keras), ready to train on.

    Args:
        path: a ``.keras``, ``.h5`` or ``.weights.h5`` file.
        safe_mode: Keras safe mode; leave it on for files you did not make.
        compile: restore the optimizer and loss (needed to resume training).

    Returns:
        The model, with its optimizer state and lenet_widgets metadata.

    Raises:
        ModelFileError: missing, empty, truncated, non-model or misnamed file.
        UnsafeModelError: the file carries code and ``safe_mode`` is on.
    """
    path = Path(path).expanduser()
    suffix = _check_readable(path)
    data = _read_file_metadata(path, suffix)
    if suffix == ".weights.h5":
        model = _build_from_metadata(path, data)
        return load_weights(model, path)
    try:
        model = keras.models.load_model(path, safe_mode=safe_mode, compile=compile)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, zipfile.BadZipFile) as error:
        _refuse_unsafe(path, error)
        raise ModelFileError(path, f"could not be loaded as a {suffix} model: {error}") from error
    if not isinstance(model, keras.Model):
        raise ModelFileError(path, f"holds a {type(model).__name__}, not a Keras model.")
    if suffix == ".h5" and compile:
        _restore_legacy_optimizer(model, path)
    data.pop("architecture", None)
    set_metadata(model, **data)
    return model


def describe_model(model: keras.Model) -> dict[str, Any]:
    """What a model holds, for status lines: layers, parameters, optimizer, epochs."""
    optimizer = getattr(model, "optimizer", None)
    return {
        "name": model.name,
        "layers": len(model.layers),
        "parameters": int(model.count_params()),
        "optimizer": type(optimizer).__name__ if optimizer is not None else None,
        "optimizer_steps": int(optimizer.iterations.numpy()) if optimizer is not None else 0,
        "epochs_trained": int(metadata(model).get("epochs_trained", 0)),
    }
