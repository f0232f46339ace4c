"""Write binder/requirements.txt: exact versions of the environment CI tests.

Run with the project's venv after ``make install`` (or after ``.ci/run``):

    .venv/bin/python binder/make_lock.py > binder/requirements.txt

It starts from pyproject's ``[project] dependencies``, the ``cpu`` extra
(tensorflow-cpu), ``netron`` and the classroom tools (``voila``, ``ipykernel``),
and follows every installed package's requirements (markers evaluated for this
machine: Linux, the venv's Python) to pin the whole closure at the versions
installed here. This is ``pip freeze`` limited to what a class image needs
(no pytest, ruff, playwright...), so the image runs the versions ``make test``
ran. ``tests/product/test_binder.py`` checks the pins satisfy pyproject's ranges and,
in CI, that the venv holds exactly these versions.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = ("cpu", "netron")
CLASSROOM_TOOLS = ("voila", "ipykernel")


def roots() -> list[Requirement]:
    """The requirements a class image starts from."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in EXTRAS:
        specs += project["optional-dependencies"][extra]
    dev = {
        canonicalize_name(Requirement(s).name): s for s in project["optional-dependencies"]["dev"]
    }
    specs += [dev[name] for name in CLASSROOM_TOOLS]
    return [Requirement(s) for s in specs]


def closure(start: list[Requirement]) -> dict[str, str]:
    """Map each package needed by ``start`` (recursively) to its installed version."""
    pinned: dict[str, str] = {}
    todo = [(requirement, ()) for requirement in start]
    while todo:
        requirement, extras = todo.pop()
        environment = {"extra": ""}
        if requirement.marker is not None and not any(
            requirement.marker.evaluate({**environment, "extra": extra})
            for extra in (extras or ("",))
        ):
            continue
        name = canonicalize_name(requirement.name)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            sys.exit(f"{name} is needed but not installed in {sys.prefix}; run make install first")
        if name in pinned and not requirement.extras:
            continue
        pinned[name] = distribution.version
        for raw in distribution.requires or []:
            child = Requirement(raw)
            todo.append((child, tuple(requirement.extras)))
    return pinned


def main() -> None:
    pins = closure(roots())
    pins.pop("lenet-widgets", None)
    print("# Exact versions for a Binder / JupyterHub image of lenet_widgets (repo2docker reads")
    print("# this folder). Generated from the environment CI tests, do not edit by hand:")
    print("#   .venv/bin/python binder/make_lock.py > binder/requirements.txt")
    print(f"# (Python {sys.version_info.major}.{sys.version_info.minor}, Linux x86_64).")
    print("# postBuild then installs the package itself (pip install --no-deps -e .).")
    for name in sorted(pins):
        print(f"{name}=={pins[name]}")


if __name__ == "__main__":
    main()
