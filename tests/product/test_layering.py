"""The architecture stays visible: core and plotting never pull in the layers above them.

Keras itself imports matplotlib when it is installed (for its image-gallery
helper), so "not in sys.modules" cannot be asked of the core. Instead each test
imports a layer in a fresh interpreter where the forbidden packages are blocked:
any import of them by our code fails loudly. An AST scan backs it up.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import lenet_widgets
import lenet_widgets.core
import lenet_widgets.plotting

BLOCKER = """
import importlib, importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ImportError(f'blocked for this test: {name}')
sys.meta_path.insert(0, Block())
for name in MODULES:
    importlib.import_module(name)
print('ok')
"""


def modules_of(package):
    """The package and every module below it, subpackages (``core/filters/``) included."""
    return [package.__name__] + [
        info.name for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    ]


def import_with_blocked(modules, blocked):
    code = f"BLOCKED = {set(blocked)!r}\nMODULES = {modules!r}\n{BLOCKER}"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def imports_in_source(modules):
    found = {}
    for name in modules:
        spec = __import__("importlib").util.find_spec(name)
        tree = ast.parse(Path(spec.origin).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            for imported in names:
                found.setdefault(imported.split(".")[0], set()).add(name)
    return found


def test_core_works_with_ipywidgets_and_matplotlib_blocked():
    modules = modules_of(lenet_widgets.core)
    assert "lenet_widgets.core.persistence" in modules
    assert "lenet_widgets.core.filters.engine" in modules
    result = import_with_blocked(modules, ("ipywidgets", "matplotlib"))
    assert result.returncode == 0, result.stderr[-2000:]
    found = imports_in_source(modules)
    assert "matplotlib" not in found and "ipywidgets" not in found


def test_plotting_works_with_keras_and_ipywidgets_blocked():
    modules = modules_of(lenet_widgets.plotting)
    result = import_with_blocked(modules, ("ipywidgets", "keras", "tensorflow"))
    assert result.returncode == 0, result.stderr[-2000:]


def test_only_ui_imports_ipywidgets():
    top_level = [
        f"lenet_widgets.{info.name}"
        for info in pkgutil.iter_modules(lenet_widgets.__path__)
        if info.name != "ui"
    ]
    result = import_with_blocked(top_level, ("ipywidgets",))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ipywidgets" in imports_in_source(modules_of(__import__("lenet_widgets.ui").ui))


def test_blocker_really_blocks():
    result = import_with_blocked(["lenet_widgets.ui.figure_view"], ("ipywidgets",))
    assert result.returncode != 0 and "blocked for this test" in result.stderr
