"""The display layer's two errors: a missing tool, and a notebook whose browser is elsewhere.

Both say in their message what to do. They live apart from the modules raising
them (``model_picture``, ``graphviz``, ``netron``) so a caller can catch them
without importing Keras.
"""

from __future__ import annotations

__all__ = ["RemoteNotebookError", "ToolMissingError"]


class ToolMissingError(ImportError):
    """A program or package the chosen engine needs is missing; the message says how to get it."""


class RemoteNotebookError(RuntimeError):
    """The notebook's browser runs on another machine, so a 127.0.0.1 server cannot be shown."""
