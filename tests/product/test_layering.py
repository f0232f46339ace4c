"""The architecture stays visible: each layer imports only the layers below it.

core (NumPy/Keras) < plotting (matplotlib on plain data) < display (core + plotting:
pictures and reports, no widgets) < ui (the only ipywidgets user); the CLI uses
core, plotting and display. ``config``, ``text`` and ``_lazy`` are shared leaves.

Keras itself imports matplotlib when it is installed (for its image-gallery
helper), so "not in sys.modules" cannot be asked of the core. Instead each test
imports a layer in a fresh interpreter where the forbidden packages are blocked:
any import of them by our code fails loudly. An AST scan backs it up.
"""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

import lenet_widgets
import lenet_widgets.core
import lenet_widgets.display
import lenet_widgets.plotting

SHARED = {"config", "text", "_lazy"}
"""Top-level modules every layer may use; they import nothing of the package."""

ALLOWED = {
    "shared": set(),
    "core": {"core"},
    "plotting": {"plotting", "core"},  # core's plain dataclasses; never Keras (test below)
    "display": {"display", "core", "plotting"},
    "ui": {"ui", "display", "core", "plotting"},
    "cli": {"cli", "display", "core", "plotting"},
}
"""Layer -> the layers (besides SHARED) its modules may import."""

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


def test_display_works_with_ipywidgets_blocked():
    modules = modules_of(lenet_widgets.display)
    assert "lenet_widgets.display.model_picture" in modules
    result = import_with_blocked(modules, ("ipywidgets",))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ipywidgets" not in imports_in_source(modules)


def all_modules() -> list[str]:
    """Every module of the package, nested packages included (not the root ``__init__``)."""
    return [
        info.name
        for info in pkgutil.walk_packages(lenet_widgets.__path__, "lenet_widgets.")
        if not info.name.endswith("__main__")
    ]


def layer_of(module: str) -> str:
    """``lenet_widgets.ui.lab`` -> ``ui``; ``lenet_widgets.config`` -> ``shared``."""
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    return "shared" if parts[1] in SHARED else parts[1]


def package_imports(module: str) -> set[str]:
    """The modules of this package that ``module``'s source imports (as written).

    ``from lenet_widgets import config`` counts as ``lenet_widgets.config``; a name
    taken from any other module counts as that module.
    """
    find_spec = importlib.util.find_spec
    spec = find_spec(module)
    tree = ast.parse(Path(spec.origin).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{module}: relative import of {node.module!r}"
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if node.module == "lenet_widgets" else node.module)
    return {name for name in found if name.split(".")[0] == "lenet_widgets"}


def test_each_layer_imports_only_the_layers_below_it():
    modules = all_modules()
    assert {layer_of(name) for name in modules} <= set(ALLOWED), sorted(modules)
    wrong = []
    for module in modules:
        layer = layer_of(module)
        for imported in package_imports(module):
            target = layer_of(imported)
            if target != "shared" and target not in ALLOWED[layer]:
                wrong.append(f"{module} ({layer}) imports {imported} ({target})")
    assert not wrong, "\n".join(wrong)


def test_the_layer_check_sees_a_forbidden_import(tmp_path, monkeypatch):
    (tmp_path / "fake_core_module.py").write_text(
        "from lenet_widgets import config\nfrom lenet_widgets.ui import lab\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    imported = package_imports("fake_core_module")
    assert imported == {"lenet_widgets.config", "lenet_widgets.ui"}
    assert [layer_of(name) for name in sorted(imported)] == ["shared", "ui"]
    assert "ui" not in ALLOWED["core"]
