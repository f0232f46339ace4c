"""Lazy package exports: a name's module is imported on first use, not at import time.

Keeps ``import lenet_widgets`` (and ``lenet_widgets.core``) from loading
TensorFlow, and lets plotting import core's plain dataclasses without Keras.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` resolving ``exports`` (name -> module) lazily."""

    def get_attribute(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def list_names() -> list[str]:
        return sorted(set(namespace.get("__all__", ())) | set(exports))

    return get_attribute, list_names
