"""The Binder spec (binder/): a lock of exact versions within pyproject's ranges, and set-up."""

from __future__ import annotations

import os
import re
import sys
from importlib import metadata
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

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _lock() -> dict[str, Version]:
    """binder/requirements.txt as name -> pinned version; every line must be ``name==X``."""
    found: dict[str, Version] = {}
    for raw in (BINDER / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", (
            f"binder/requirements.txt: {line!r} is not an exact pin; expected name==version"
        )
        name = canonicalize_name(requirement.name)
        assert name not in found, f"{name} listed twice in binder/requirements.txt"
        found[name] = Version(specifiers[0].version)
    return found


def _ranges(extras: tuple[str, ...]) -> dict[str, Requirement]:
    project = _pyproject()["project"]
    specs = list(project["dependencies"])
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    return {canonicalize_name(Requirement(s).name): Requirement(s) for s in specs}


def test_the_lock_pins_every_dependency_within_pyprojects_range():
    lock = _lock()
    wanted = _ranges(("cpu", "netron"))
    assert "tensorflow-cpu" in wanted, "pyproject's cpu extra should name tensorflow-cpu"
    missing = sorted(set(wanted) - set(lock))
    assert not missing, f"binder/requirements.txt lacks pyproject dependencies: {missing}"
    for name, requirement in wanted.items():
        assert requirement.specifier.contains(lock[name], prereleases=True), (
            f"{name}: binder pins {lock[name]}, outside pyproject's {requirement.specifier}"
        )


def test_the_lock_has_the_cpu_build_and_the_classroom_tools():
    lock = _lock()
    assert "tensorflow-cpu" in lock
    assert "tensorflow" not in lock, "the class image uses the CPU build (tensorflow-cpu)"
    for name in ("voila", "ipykernel", "jupyterlab"):
        assert name in lock, f"binder/requirements.txt lacks {name}"


def test_every_pin_of_a_tool_pyproject_names_satisfies_its_range():
    lock = _lock()
    extras = tuple(_pyproject()["project"]["optional-dependencies"])
    for name, requirement in _ranges(extras).items():
        if name in lock:
            assert requirement.specifier.contains(lock[name], prereleases=True), (
                f"{name}: binder pins {lock[name]}, outside pyproject's {requirement.specifier}"
            )


def test_the_tested_environment_is_the_locked_one():
    """CI installs the lock before ``make test``: what the tests ran on is what a class gets."""
    differing = []
    for name, version in _lock().items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            differing.append(f"{name} (locked {version}, not installed)")
            continue
        if installed != version:
            differing.append(f"{name} (locked {version}, installed {installed})")
    if differing:
        pytest.skip(
            "this environment is not binder/requirements.txt (CI installs it with "
            "pip install -r binder/requirements.txt; regenerate it with binder/make_lock.py): "
            + ", ".join(differing[:10])
        )


def test_the_lock_is_closed_under_installed_requirements():
    """Every requirement of a locked package (for this platform) is locked too."""
    lock = _lock()
    missing = set()
    for name, version in lock.items():
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if Version(distribution.version) != version:
            continue
        for raw in distribution.requires or []:
            requirement = Requirement(raw)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(requirement.name) not in lock:
                missing.add(f"{requirement.name} (needed by {name})")
    assert not missing, f"binder/requirements.txt lacks: {sorted(missing)}"


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
    assert "--no-deps" in text, "postBuild must not let pip replace the locked versions"
