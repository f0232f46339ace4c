"""A small least-recently-used cache for rendered pictures and computed results.

Panels cache per option set so that going back to a setting is instant, but a
student scanning a slider for an hour must not fill the kernel's memory: the
cache is bounded both by a number of entries and by the bytes its values hold
(a filter search keeps every step's images: 500 steps of 50 filters is 78 MB).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["DEFAULT_MAX_BYTES", "RecentCache", "value_bytes"]

DEFAULT_MAX_BYTES = 64 * 2**20
"""Bytes a cache may hold by default (its most recent entry is kept whatever its size)."""


def value_bytes(value: Any) -> int:
    """Bytes held by ``value``'s arrays and byte strings (NumPy arrays, ``bytes``).

    Looks inside dataclasses, tuples, lists and dicts (one level of each per call,
    recursively); other objects count as 0: this measures the big buffers, not
    Python's object overhead.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):  # NumPy arrays (and TensorFlow's eager tensors' .numpy()).
        return nbytes
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(value_bytes(getattr(value, item.name)) for item in dataclasses.fields(value))
    if isinstance(value, (tuple, list)):
        return sum(value_bytes(item) for item in value)
    if isinstance(value, dict):
        return sum(value_bytes(item) for item in value.values())
    return 0


class RecentCache:
    """Keeps the most recently used entries, at most ``size`` of them and ``max_bytes`` in all.

    The newest entry is always kept, even when it alone is over ``max_bytes``
    (the panel is showing it); older ones go first.

    Args:
        size: how many entries to keep (at least 1).
        max_bytes: how many bytes the values may hold together (at least 1), as
            measured by ``weigh``.
        weigh: ``weigh(value) -> int`` bytes; default ``value_bytes``.
    """

    def __init__(
        self,
        size: int,
        max_bytes: int = DEFAULT_MAX_BYTES,
        weigh: Callable[[Any], int] = value_bytes,
    ) -> None:
        if int(size) < 1:
            raise ValueError(f"size is {size!r}; expected at least 1.")
        if int(max_bytes) < 1:
            raise ValueError(f"max_bytes is {max_bytes!r}; expected at least 1.")
        self.size = int(size)
        self.max_bytes = int(max_bytes)
        self._weigh = weigh
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    @property
    def bytes(self) -> int:
        """Bytes the kept values hold (as measured by ``weigh``)."""
        return self._bytes

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored under ``key`` (now the most recent), or ``default``."""
        if key not in self._entries:
            return default
        self._entries.move_to_end(key)
        return self._entries[key][0]

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value``; forget the least recently used entries beyond the bounds."""
        if key in self._entries:
            self._bytes -= self._entries.pop(key)[1]
        weight = int(self._weigh(value))
        self._entries[key] = (value, weight)
        self._bytes += weight
        while len(self._entries) > 1 and (
            len(self._entries) > self.size or self._bytes > self.max_bytes
        ):
            _, (_, dropped) = self._entries.popitem(last=False)
            self._bytes -= dropped

    def clear(self) -> None:
        """Forget everything (the model changed)."""
        self._entries.clear()
        self._bytes = 0
