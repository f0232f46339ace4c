"""Helpers shared by test files: what a student reads in a status line, a tiny dataset.

Importable from any test folder (``tests/`` is on ``sys.path`` through ``conftest.py``).
Fixtures live in ``conftest.py``; these are plain functions because tables and fixtures
call them with arguments.
"""

from __future__ import annotations

import html
import re

import numpy as np

from lenet_widgets.core.data import Dataset

__all__ = ["text", "tiny_dataset"]


def text(value: str) -> str:
    """What a student reads in an HTML status line: the tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", value))


def tiny_dataset(images=None, labels=None) -> Dataset:
    """40 random 12x12 images with labels 0..2 (or the ones given): 32 to train, 8 to test."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (40, 12, 12), dtype=np.uint8) if images is None else images
    y = rng.integers(0, 3, len(x)).astype(np.uint8) if labels is None else labels
    return Dataset(x[:32], y[:32], x[32:], y[32:], source="test")
