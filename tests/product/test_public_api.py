"""The public API is visible statically and every exported name resolves.

Each package's ``__init__.pyi`` is the one list of its public names: editors and
type checkers read it as plain imports, and ``lenet_widgets/_lazy.py`` reads the
same lines to import each name's module on first use, so importing the package
stays cheap. These tests check that the list and the runtime agree.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from lenet_widgets._lazy import read_stub

PACKAGES = (
    "lenet_widgets",
    "lenet_widgets.core",
    "lenet_widgets.plotting",
    "lenet_widgets.display",
    "lenet_widgets.ui",
)
"""The packages whose ``__init__`` uses the lazy loader."""


def stub_path(package: str) -> Path:
    return Path(importlib.import_module(package).__file__).with_suffix(".pyi")


def stub_annotations(package: str) -> list[str]:
    """Names the stub declares with an annotation (defined by the ``__init__`` itself)."""
    tree = ast.parse(stub_path(package).read_text())
    return [node.target.id for node in tree.body if isinstance(node, ast.AnnAssign)]


@pytest.mark.parametrize("package", PACKAGES)
def test_all_lists_the_stubs_names_and_dir_shows_them(package):
    module = importlib.import_module(package)
    exports = read_stub(module.__file__)
    assert exports, f"{package}: its stub lists no names"
    assert sorted(module.__all__) == sorted(set(exports) | set(stub_annotations(package)))
    assert set(dir(module)) >= set(module.__all__)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves_to_its_modules_object(package):
    module = importlib.import_module(package)
    for name, source in read_stub(module.__file__).items():
        value = getattr(module, name)
        assert value is getattr(importlib.import_module(source), name), name
    for name in stub_annotations(package):
        assert getattr(module, name) is not None, name


@pytest.mark.parametrize("package", PACKAGES)
def test_no_exported_name_is_also_a_submodule(package):
    """Importing a submodule sets the package attribute of its name, hiding an export."""
    module = importlib.import_module(package)
    submodules = {info.name for info in pkgutil.iter_modules(module.__path__)}
    assert not submodules & set(module.__all__)


def test_an_unknown_name_raises_attribute_error_naming_it():
    import lenet_widgets

    with pytest.raises(AttributeError, match="no attribute 'plot_modle'"):
        lenet_widgets.plot_modle  # noqa: B018


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("from pkg.a import thing\n", "import thing as thing"),
        ("from pkg.a import thing as other\n", "import thing as thing"),
        ("from pkg.a import thing as thing\nfrom pkg.b import thing as thing\n", "twice"),
    ],
)
def test_a_stub_line_the_runtime_would_read_differently_is_refused(tmp_path, line, problem):
    """An export not re-exported for type checkers, renamed, or listed twice."""
    (tmp_path / "__init__.pyi").write_text(line)
    with pytest.raises(ValueError, match=problem):
        read_stub(tmp_path / "__init__.py")


def test_importing_the_package_reads_the_stubs_but_loads_no_heavy_library():
    code = (
        "import sys, lenet_widgets, lenet_widgets.core, lenet_widgets.plotting, "
        "lenet_widgets.display, lenet_widgets.ui\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib', 'ipywidgets') "
        "if m in sys.modules))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"


def test_stubs_ship_with_the_package():
    """setuptools (>= 69) puts ``*.pyi`` and ``py.typed`` in the wheel; the loader needs them."""
    root = Path(importlib.import_module("lenet_widgets").__file__).parent
    assert (root / "py.typed").is_file()
    assert all(stub_path(package).is_file() for package in PACKAGES)
