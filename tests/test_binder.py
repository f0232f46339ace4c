"""The Binder spec (binder/) agrees with pyproject.toml and sets up what a session needs."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements(text: str) -> dict[str, Requirement]:
    found: dict[str, Requirement] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith(("-", ".")):
            continue
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name not in found, f"{name} listed twice in binder/requirements.txt"
        found[name] = requirement
    return found


def _by_name(specs: list[str]) -> dict[str, Requirement]:
    return {canonicalize_name(Requirement(s).name): Requirement(s) for s in specs}


def test_every_dependency_is_in_binder_with_the_same_range():
    project = _pyproject()["project"]
    wanted = _by_name(project["dependencies"])
    binder = _requirements((BINDER / "requirements.txt").read_text())
    missing = sorted(set(wanted) - set(binder))
    assert not missing, f"binder/requirements.txt lacks pyproject dependencies: {missing}"
    for name, requirement in wanted.items():
        assert binder[name].specifier == requirement.specifier, (
            f"{name}: pyproject says {requirement.specifier or 'any'}, "
            f"binder says {binder[name].specifier or 'any'}"
        )


def test_binder_lists_nothing_pyproject_does_not_know():
    project = _pyproject()["project"]
    known = _by_name(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        known.update(_by_name(extra))
    binder = _requirements((BINDER / "requirements.txt").read_text())
    unknown = sorted(set(binder) - set(known))
    assert not unknown, f"binder/requirements.txt lists packages pyproject lacks: {unknown}"
    for name, requirement in binder.items():
        assert requirement.specifier == known[name].specifier, (
            f"{name}: binder says {requirement.specifier}, pyproject {known[name].specifier}"
        )


def test_binder_python_satisfies_requires_python():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert match, f"binder/runtime.txt is {runtime!r}; expected python-X.Y"
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert Version(match.group(1)) in requires


def test_apt_installs_graphviz():
    packages = (BINDER / "apt.txt").read_text().split()
    assert "graphviz" in packages


def test_post_build_installs_the_package_and_fetches_mnist():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    text = post_build.read_text()
    assert text.startswith("#!"), "binder/postBuild needs a shebang"
    assert "set -e" in text or "set -euo" in text
    assert re.search(r"pip install[^\n]*(-e \.|\s\.$)", text, re.MULTILINE)
    assert "keras.datasets.mnist.load_data()" in text
