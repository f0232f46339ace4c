"""The Train tab's memory rule: what a run adds to the kernel, and whether it fits the limit.

When the kernel's memory limit is known (``config.memory_limit_bytes``), the default
"train on" size leaves headroom and a run that would not fit is refused. The estimate is
``MEMORY_BYTES_PER_PIXEL`` bytes per training pixel plus ``MEMORY_RUN_BYTES`` for
TensorFlow's working memory, on top of what the kernel already uses, keeping
``MEMORY_HEADROOM`` of the limit free. No widgets here: plain numbers and messages.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from lenet_widgets import config

__all__ = [
    "MEMORY_BYTES_PER_PIXEL",
    "MEMORY_HEADROOM",
    "MEMORY_RUN_BYTES",
    "default_train_size",
    "estimate_training_bytes",
    "memory_problem",
]

MEMORY_BYTES_PER_PIXEL = 1
"""Bytes a run adds per pixel of its training images, rounded up. Training keeps the uint8
images as they are and converts one batch at a time, so the data costs the run almost
nothing beyond an index per image (measured: 1,000 and 30,000 MNIST images alike)."""

MEMORY_RUN_BYTES = 160 * 2**20
"""TensorFlow's working memory for a run: graph tracing, batches, activations, the test-set
check in chunks (measured 120-137 MB above the RSS before the first run of a fresh LeNet on
MNIST, peak VmHWM; rounded up)."""

MEMORY_HEADROOM = 0.15
"""Fraction of the memory limit kept free (Jupyter's server, other cells, the OS)."""

MAX_RUNS = 8
"""Runs kept for comparison; the oldest goes when a ninth starts."""


def estimate_training_bytes(images: int, image_shape: Sequence[int]) -> int:
    """Memory a training run on ``images`` images of ``image_shape`` adds to the kernel, in bytes.

    ``MEMORY_BYTES_PER_PIXEL`` per training pixel (the data's copies while
    training) plus ``MEMORY_RUN_BYTES``; the test set is evaluated in chunks and
    adds little.
    """
    pixels = int(images) * math.prod(int(size) for size in image_shape)
    return pixels * MEMORY_BYTES_PER_PIXEL + MEMORY_RUN_BYTES


def _process_rss_bytes() -> int:
    """This process's resident memory in bytes (0 where ``/proc`` is not available)."""
    try:
        with open("/proc/self/statm") as stream:
            pages = int(stream.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _gigabytes(size: float) -> str:
    return f"{size / 2**30:.1f} GB" if size >= 2**30 else f"{size / 2**20:,.0f} MB"


def memory_problem(images: int, image_shape: Sequence[int]) -> str | None:
    """Why a run on ``images`` images would not fit the memory limit, or None if it fits."""
    limit = config.memory_limit_bytes()
    if limit is None:
        return None
    used = _process_rss_bytes()
    need = estimate_training_bytes(images, image_shape)
    allowed = limit * (1 - MEMORY_HEADROOM)
    if used + need <= allowed:
        return None
    return (
        f"not started: training on {images:,} images needs about {_gigabytes(need)} more "
        f"memory; this kernel uses {_gigabytes(used)} of the {_gigabytes(limit)} it may "
        f"use (keeping {MEMORY_HEADROOM:.0%} free). Choose fewer images in 'train on'."
    )


def default_train_size(
    options: list[tuple[str, int]], count: int, image_shape: Sequence[int]
) -> tuple[int, str]:
    """All ``count`` images (0), or the largest choice that leaves headroom under the limit.

    Returns:
        The size chosen and a note for the status line ("" when all images fit).
    """
    limit = config.memory_limit_bytes()
    if limit is None:
        return 0, ""
    if memory_problem(count, image_shape) is None:
        return 0, ""
    fitting = [size for _, size in options if size and memory_problem(size, image_shape) is None]
    if not fitting:
        return min(size or count for _, size in options), (
            f"this kernel may use {_gigabytes(limit)} and little of it is free: "
            "even the smallest training size may not fit."
        )
    best = max(fitting)
    need = estimate_training_bytes(count, image_shape)
    return best, (
        f"train on {best:,} images by default: this kernel may use {_gigabytes(limit)}, "
        f"{_gigabytes(_process_rss_bytes())} is in use, and all {count:,} images would "
        f"need about {_gigabytes(need)} more."
    )
