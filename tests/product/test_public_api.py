"""The public API is visible statically and every exported name resolves.

Each package ``__init__`` feeds a lazy loader from a table (name -> module), so
importing the package stays cheap; its ``__init__.pyi`` lists the same names as
plain imports for editors and type checkers. These tests keep the stub, the
table and ``__all__`` equal. After changing a table, rewrite the stubs with
``python tests/product/test_public_api.py`` (it runs ruff on them).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGES = (
    "lenet_widgets",
    "lenet_widgets.core",
    "lenet_widgets.plotting",
    "lenet_widgets.display",
    "lenet_widgets.ui",
)
"""The packages whose ``__init__`` uses the lazy loader."""

EXTRA = {"lenet_widgets": {"__version__": "str"}}
"""Names defined in the ``__init__`` itself (not lazily), with their stub annotation."""


def stub_path(package: str) -> Path:
    return Path(importlib.import_module(package).__file__).with_suffix(".pyi")


def stub_imports(package: str) -> dict[str, str]:
    """The stub's ``from MODULE import NAME`` lines as ``{NAME: MODULE}``."""
    tree = ast.parse(stub_path(package).read_text())
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                assert alias.asname in (None, alias.name), f"{package}: {alias.name} renamed"
                assert alias.name not in found, f"{package}: {alias.name} imported twice"
                found[alias.name] = node.module
    return found


def stub_all(package: str) -> list[str]:
    """The stub's ``__all__`` list."""
    tree = ast.parse(stub_path(package).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ["__all__"]:
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{package}: the stub has no __all__")


def write_stub(package: str) -> Path:
    """Write ``package``'s ``__init__.pyi`` from its lazy table (unformatted: ruff sorts it)."""
    module = importlib.import_module(package)
    by_module: dict[str, list[str]] = {}
    for name, source in module._EXPORTS.items():
        by_module.setdefault(source, []).append(name)
    lines = [
        f'"""Generated from ``{package}._EXPORTS`` by tests/product/test_public_api.py."""',
        "",
    ]
    for source in sorted(by_module):
        lines.append(f"from {source} import {', '.join(sorted(by_module[source]))}")
    lines.append("")
    for name, annotation in EXTRA.get(package, {}).items():
        lines.append(f"{name}: {annotation}")
    lines.append(f"__all__ = {list(module.__all__)!r}")
    path = stub_path(package)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("package", PACKAGES)
def test_stub_all_and_lazy_table_list_the_same_names_from_the_same_modules(package):
    module = importlib.import_module(package)
    table = dict(module._EXPORTS)
    extra = set(EXTRA.get(package, ()))
    assert stub_path(package).is_file(), f"{package}: no __init__.pyi; run {__file__}"
    imported = stub_imports(package)
    assert imported == table, f"{package}: the stub differs from _EXPORTS; run {__file__}"
    assert sorted(module.__all__) == sorted(set(table) | extra)
    assert sorted(stub_all(package)) == sorted(module.__all__)
    assert sorted(dir(module)) >= sorted(module.__all__)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves_to_its_modules_object(package):
    module = importlib.import_module(package)
    for name, source in module._EXPORTS.items():
        value = getattr(module, name)
        assert value is getattr(importlib.import_module(source), name), name
    for name in EXTRA.get(package, ()):
        assert getattr(module, name) is not None


@pytest.mark.parametrize("package", PACKAGES)
def test_no_exported_name_is_also_a_submodule(package):
    """Importing a submodule sets the package attribute of its name, hiding an export."""
    module = importlib.import_module(package)
    submodules = {info.name for info in pkgutil.iter_modules(module.__path__)}
    assert not submodules & set(module._EXPORTS)


def test_an_unknown_name_raises_attribute_error_naming_it():
    import lenet_widgets

    with pytest.raises(AttributeError, match="no attribute 'plot_modle'"):
        lenet_widgets.plot_modle  # noqa: B018


def test_stubs_ship_with_the_package():
    root = Path(importlib.import_module("lenet_widgets").__file__).parent
    assert (root / "py.typed").is_file()


if __name__ == "__main__":
    written = [str(write_stub(package)) for package in PACKAGES]
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    subprocess.run([ruff, "format", "--quiet", *written], check=True)
    subprocess.run([ruff, "check", "--fix", "--quiet", *written], check=True)
    subprocess.run([ruff, "format", "--quiet", *written], check=True)
    print("\n".join(written))
