"""The two Keras 3.15 defects of the legacy ``.h5`` path, worked around here and only here.

Saving: Keras' legacy writer pops ``optimizer`` out of the model's compile config
(``_save_legacy_h5`` hands it a copy). Loading: Keras rebuilds the optimizer over no
variables and drops most of its slots (``_restore_legacy_optimizer`` restores them).
"""

from __future__ import annotations

import copy
from pathlib import Path

import h5py
import keras
import numpy as np

from lenet_widgets.core.persistence_files import ModelFileError

__all__: list[str] = []  # Used by core.persistence only.


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
