"""Lazy package exports, listed once in each package's ``__init__.pyi``.

A name's module is imported on first use, not at import time: this keeps
``import lenet_widgets`` (and ``lenet_widgets.core``) from loading TensorFlow,
and lets plotting import core's plain dataclasses without Keras.

The stub beside a package's ``__init__.py`` is the one list of its public
names: editors and type checkers read it as plain imports, and this module
reads the same lines to know which module defines each name (the pattern of
scientific-python's ``lazy_loader.attach_stub``). Each export is written
``from MODULE import NAME as NAME``, the stub form that says "re-exported".
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["lazy_exports_from_stub", "read_stub"]


def read_stub(init_file: str | Path) -> dict[str, str]:
    """Return ``{name: module}`` for each ``from MODULE import NAME as NAME`` of the stub.

    Args:
        init_file: the package's ``__init__.py``; its ``__init__.pyi`` is read.

    Raises:
        ValueError: an import renames a name or imports it twice (the stub and the
            runtime would then disagree on what the name is).
    """
    stub = Path(init_file).with_suffix(".pyi")
    exports: dict[str, str] = {}
    for node in ast.parse(stub.read_text(encoding="utf-8"), filename=str(stub)).body:
        if not isinstance(node, ast.ImportFrom) or node.module == "__future__":
            continue
        for alias in node.names:
            if alias.asname != alias.name:
                raise ValueError(f"{stub}: write 'import {alias.name} as {alias.name}' (re-export)")
            if alias.name in exports:
                raise ValueError(f"{stub}: {alias.name!r} is imported twice")
            exports[alias.name] = node.module
    return exports


def lazy_exports_from_stub(
    package: str, init_file: str, namespace: dict[str, Any], also: tuple[str, ...] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Return ``(__getattr__, __dir__, __all__)`` for a package whose stub lists its exports.

    Args:
        package: the package's ``__name__`` (for error messages).
        init_file: the package's ``__file__``.
        namespace: the package's ``globals()``; a resolved name is stored there, so
            ``__getattr__`` runs once per name.
        also: public names the ``__init__`` defines itself (``__version__``).

    Returns:
        The module-level ``__getattr__`` and ``__dir__`` (PEP 562), and ``__all__``:
        ``also`` followed by the stub's names, sorted.
    """
    exports = read_stub(init_file)

    def get_attribute(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    public = [*also, *sorted(exports)]

    def list_names() -> list[str]:
        return sorted(public)

    return get_attribute, list_names, public
