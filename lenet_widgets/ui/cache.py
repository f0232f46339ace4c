"""A small least-recently-used cache for rendered pictures and computed results.

Panels cache per option set so that going back to a setting is instant, but a
student scanning a slider for an hour must not fill the kernel's memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

__all__ = ["RecentCache"]


class RecentCache:
    """Keeps the ``size`` most recently used entries.

    Args:
        size: how many entries to keep (at least 1).
    """

    def __init__(self, size: int) -> None:
        if int(size) < 1:
            raise ValueError(f"size is {size!r}; expected at least 1.")
        self.size = int(size)
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored under ``key`` (now the most recent), or ``default``."""
        if key not in self._entries:
            return default
        self._entries.move_to_end(key)
        return self._entries[key]

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value``; forget the least recently used entries beyond ``size``."""
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (the model changed)."""
        self._entries.clear()
