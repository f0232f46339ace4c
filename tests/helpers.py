"""Helpers shared by test files: status-line text, tiny datasets, a refused-model check.

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

__all__ = ["assert_refuses_model", "mnist_arrays", "text", "tiny_dataset"]


def text(value: str) -> str:
    """What a student reads in an HTML status line: the tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", value))


def tiny_dataset(images=None, labels=None) -> Dataset:
    """40 random 12x12 images with labels 0..2 (or the ones given): 32 to train, 8 to test."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (40, 12, 12), dtype=np.uint8) if images is None else images
    y = rng.integers(0, 3, len(x)).astype(np.uint8) if labels is None else labels
    return Dataset(x[:32], y[:32], x[32:], y[32:], source="test")


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
