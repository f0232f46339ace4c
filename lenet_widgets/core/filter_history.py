"""Watch filters evolve: a Keras callback that records a layer's filter images each epoch.

Feature visualization is usually shown once, after training. Recording it at
every epoch end lets a student scrub an epoch slider beside the loss curve and
see noise turn into strokes and stripes as the loss falls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from lenet_widgets.core.filters import (
    FilterError,
    filter_count,
    maximize_filters,
    preset_arguments,
    visualizable_layers,
)
from lenet_widgets.core.training_epochs import epochs_done, tidy_epochs

__all__ = ["FilterHistoryRecorder", "FilterSnapshot"]


@dataclass(frozen=True)
class FilterSnapshot:
    """The optimized images of a layer's filters after ``epoch`` epochs (0: before training).

    Attributes:
        epoch: epochs trained when recorded; a run stopped part-way through an epoch
            records a fraction (``1.2``: 16 of 79 batches into the second epoch).
        images: ``(filters, height, width, channels)`` final ascent images.
        activations: ``(filters,)`` activation each image reaches.
        filters: the filter indices.
        dead: ``(filters,)`` True where no gradient reached the filter.
    """

    epoch: float
    images: np.ndarray
    activations: np.ndarray
    filters: np.ndarray
    dead: np.ndarray


class FilterHistoryRecorder(keras.callbacks.Callback):
    """Records ``FilterSnapshot`` s of one layer at training start and every epoch end.

    Args:
        layer: the layer to visualize (e.g. ``"conv2d_1"``).
        steps: gradient-ascent steps per snapshot (20 takes about 0.2 s for LeNet).
        preset: a name of ``core.filters.PRESETS``.
        max_filters: record at most this many filters (the first ones).
        seed: the same start images every epoch, so only the weights change.
        on_snapshot: called with the recorder after each new snapshot (any thread).
    """

    def __init__(
        self,
        layer: str,
        *,
        steps: int = 20,
        preset: str = "mnist",
        max_filters: int = 36,
        seed: int = 0,
        on_snapshot: Callable[[FilterHistoryRecorder], None] | None = None,
    ) -> None:
        super().__init__()
        if int(steps) < 1:
            raise FilterError(f"steps is {steps!r}; expected at least 1.")
        if int(max_filters) < 1:
            raise FilterError(f"max_filters is {max_filters!r}; expected at least 1.")
        self.layer = layer
        self.steps = int(steps)
        self.preset = preset
        self.max_filters = int(max_filters)
        self.seed = int(seed)
        self.on_snapshot = on_snapshot
        self._snapshots: list[FilterSnapshot] = []
        self._lock = threading.Lock()
        self._start = 0.0
        self._first_epoch: int | None = None
        self._batch = 0

    @property
    def snapshots(self) -> tuple[FilterSnapshot, ...]:
        """The snapshots so far, oldest first."""
        with self._lock:
            return tuple(self._snapshots)

    def clear(self) -> None:
        """Forget all snapshots (a new model, or a new layer)."""
        with self._lock:
            self._snapshots.clear()

    def record(self, model: keras.Model, epoch: float) -> FilterSnapshot:
        """Compute and store a snapshot of ``model`` labelled ``epoch`` (also usable by hand)."""
        if self.layer not in visualizable_layers(model):
            raise FilterError(
                f"layer {self.layer!r} cannot be visualized; expected one of "
                f"{visualizable_layers(model)}."
            )
        count = min(self.max_filters, filter_count(model, self.layer))
        result = maximize_filters(
            model,
            self.layer,
            filters=range(count),
            steps=self.steps,
            seed=self.seed,
            **preset_arguments(self.preset, model),
        )
        snapshot = FilterSnapshot(
            epoch=tidy_epochs(epoch),
            images=result.images[-1],
            activations=result.activations[-1],
            filters=np.asarray(result.filters),
            dead=np.asarray(result.dead),
        )
        with self._lock:
            self._snapshots = [s for s in self._snapshots if s.epoch != snapshot.epoch]
            self._snapshots.append(snapshot)
            self._snapshots.sort(key=lambda s: s.epoch)
        if self.on_snapshot is not None:
            self.on_snapshot(self)
        return snapshot

    def on_train_begin(self, logs=None):
        self._start = epochs_done(self.model)
        self._first_epoch = None
        start = tidy_epochs(self._start)
        if not any(snapshot.epoch == start for snapshot in self.snapshots):
            self.record(self.model, start)  # The picture before this run's first epoch.

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch is None:
            self._first_epoch = epoch
        self._batch = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batch = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        # Epochs trained, fractions included: a stopped epoch is not a whole one.
        steps = int((self.params or {}).get("steps") or 0)
        first = epoch if self._first_epoch is None else self._first_epoch
        fraction = min(self._batch / steps, 1.0) if steps else 1.0
        self.record(self.model, self._start + (epoch - first) + fraction)
