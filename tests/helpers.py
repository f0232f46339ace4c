"""Helpers shared by test files: status-line text, tiny datasets, a refused-model check,
named bad-input cases, and hooks into a TrainingPanel's progress (run an action, press Stop,
after a given batch).

Importable from any test folder (``tests/`` is on ``sys.path`` through ``conftest.py``).
Fixtures live in ``conftest.py``; these are plain functions because tables and fixtures
call them with arguments.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
import traitlets

from lenet_widgets.core.data import Dataset

__all__ = [
    "assert_refuses_model",
    "centre_brightness_dataset",
    "mnist_arrays",
    "named_cases",
    "on_every_batch",
    "stop_after",
    "text",
    "tiny_dataset",
]


def text(value: str) -> str:
    """What a student reads in an HTML status line: the tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", value))


def tiny_dataset(images=None, labels=None) -> Dataset:
    """40 random 12x12 images with labels 0..2 (or the ones given): 32 to train, 8 to test."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (40, 12, 12), dtype=np.uint8) if images is None else images
    y = rng.integers(0, 3, len(x)).astype(np.uint8) if labels is None else labels
    return Dataset(x[:32], y[:32], x[32:], y[32:], source="test")


def centre_brightness_dataset(test: int) -> Dataset:
    """320 train and ``test`` test 12x12 images, 3 classes by the brightness of their centre
    (learnable): each epoch is 10 batches of 32."""
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (320 + test, 12, 12), dtype=np.uint8)
    labels = (images[:, 4:8, 4:8].mean(axis=(1, 2)) // 86).astype(np.uint8)
    return Dataset(images[:320], labels[:320], images[320:], labels[320:], source="test")


def mnist_arrays(train: int, test: int) -> dict[str, np.ndarray]:
    """Random MNIST-shaped arrays (28x28 uint8 images, digit labels), seeded: an ``mnist.npz``'s
    four arrays with ``train`` and ``test`` images."""
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, train).astype(np.uint8),
        "x_test": rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, test).astype(np.uint8),
    }


def assert_refuses_model(panel, good_model, bad, message: str) -> None:
    """The panel refuses ``bad`` as its model (a TraitError matching ``message``) and keeps
    ``good_model``."""
    panel.model = good_model
    with pytest.raises(traitlets.TraitError, match=message):
        panel.model = bad
    assert panel.model is good_model


def on_every_batch(panel, action) -> None:
    """Run ``action(monitor)`` at every update of a TrainingPanel's monitor (one per batch)."""
    monitor = panel.monitor
    original = monitor.on_update
    monitor.interval = 0.0  # An update after every batch.

    def on_update(current):
        original(current)
        action(current)

    monitor.on_update = on_update


def stop_after(panel, batches: int) -> None:
    """Make a TrainingPanel press Stop from its progress hook once ``batches`` are done."""
    on_every_batch(
        panel, lambda monitor: panel.stop() if monitor.progress()[0] >= batches else None
    )


def named_cases(cases) -> list:
    """``pytest.param``s from a bad-input table whose rows are ``(name, *values)``.

    The tables read as a list of what is refused and why; the name becomes the test id.
    """
    return [pytest.param(*values, id=name) for name, *values in cases]
