"""This process's resource limits as the system states them: cgroups (v1 and v2), CPU affinity.

Pure reading of ``/sys/fs/cgroup`` and ``/proc/self/cgroup`` (or a fixture folder in
tests); no environment variable is read here: ``lenet_widgets.config`` adds the hub's
``MEM_LIMIT`` and ``LENET_WIDGETS_THREADS`` on top and re-exports these functions.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "UNLIMITED_BYTES",
    "cgroup_memory_limit",
    "cpu_quota",
    "memory_used_bytes",
    "parse_size",
    "usable_cpus",
]

_CGROUP_ROOT = Path("/sys/fs/cgroup")
_PROC_SELF_CGROUP = Path("/proc/self/cgroup")
UNLIMITED_BYTES = 1 << 60
"""cgroup v1 writes "no limit" as the largest page-aligned signed 64-bit value; anything this
big (1 EiB and more) is no limit on any real machine."""
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _own_cgroups(proc_cgroup: Path | None) -> dict[str, str]:
    """Map controller name (``""`` for cgroup v2) to this process's path in that hierarchy."""
    if proc_cgroup is None:
        return {}
    text = _read(proc_cgroup) or ""
    found: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        for controller in controllers.split(",") if controllers else [""]:
            found.setdefault(controller, path)
    return found


def _cgroup_dirs(mount: Path, relative: str | None) -> Iterator[Path]:
    """Yield the process's cgroup folder under ``mount`` and each parent up to ``mount``.

    Limits of every ancestor apply. When the process's path does not exist under the
    mount (a container that sees only its own cgroup at the mount point), the mount
    itself is the process's cgroup.
    """
    yielded_mount = False
    if relative:
        leaf = mount / relative.strip("/")
        if leaf.is_dir():
            current = leaf
            while True:
                yield current
                if current == mount or mount not in current.parents:
                    yielded_mount = current == mount
                    break
                current = current.parent
    if not yielded_mount and mount.is_dir():
        yield mount


def _roots(root: str | os.PathLike[str] | None, proc_cgroup: str | os.PathLike[str] | None):
    """Resolve the cgroup mount and the ``/proc/self/cgroup`` file to read."""
    if root is None:
        return _CGROUP_ROOT, Path(proc_cgroup) if proc_cgroup is not None else _PROC_SELF_CGROUP
    return Path(root), Path(proc_cgroup) if proc_cgroup is not None else None


def _v1_mount(root: Path, controller: str) -> Path | None:
    for name in (controller, f"{controller},cpuacct", f"cpuacct,{controller}"):
        candidate = root / name
        if candidate.is_dir():
            return candidate
    return None


def _limit_files(
    root: Path,
    proc_cgroup: Path | None,
    v2_file: str,
    v1_controller: str,
    v1_files: tuple[str, ...],
) -> Iterator[tuple[str, Path]]:
    """Yield ``("v2", folder)`` / ``("v1", folder)`` for every cgroup level that has the files."""
    own = _own_cgroups(proc_cgroup)
    for mount in (root, root / "unified"):
        for folder in _cgroup_dirs(mount, own.get("")):
            if (folder / v2_file).is_file():
                yield "v2", folder
    mount = _v1_mount(root, v1_controller)
    if mount is None and all((root / name).is_file() for name in v1_files):
        mount = root  # a fixture or a container mounting only this controller at the root
    if mount is not None:
        for folder in _cgroup_dirs(mount, own.get(v1_controller)):
            if all((folder / name).is_file() for name in v1_files):
                yield "v1", folder


def parse_size(text: str) -> int:
    """Parse a byte count such as ``"2147483648"``, ``"2G"``, ``"512M"`` or ``"1.5GiB"``.

    Raises:
        ValueError: naming the text when it is not a size.
    """
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a size in bytes; expected e.g. 2147483648, 2G or 512M")
    number, unit, _ = match.groups()
    return int(float(number) * _SIZE_UNITS[unit.lower()])


def cgroup_memory_limit(
    root: str | os.PathLike[str] | None = None,
    *,
    proc_cgroup: str | os.PathLike[str] | None = None,
) -> int | None:
    """The smallest memory limit of the process's cgroup and its ancestors, or None.

    cgroup v2 ``memory.max`` and cgroup v1 ``memory.limit_in_bytes`` (v1's huge "unlimited"
    value is ignored). Arguments as in ``lenet_widgets.config.memory_limit_bytes``.
    """
    mount, own = _roots(root, proc_cgroup)
    limits: list[int] = []
    for kind, folder in _limit_files(
        mount, own, "memory.max", "memory", ("memory.limit_in_bytes",)
    ):
        name = "memory.max" if kind == "v2" else "memory.limit_in_bytes"
        value = _read(folder / name)
        if value and value.isdigit() and int(value) < UNLIMITED_BYTES:
            limits.append(int(value))
    return min(limits) if limits else None


def memory_used_bytes(
    root: str | os.PathLike[str] | None = None,
    *,
    proc_cgroup: str | os.PathLike[str] | None = None,
) -> int | None:
    """Return the memory the process's cgroup uses now (all its processes), or None if unknown.

    cgroup v2 ``memory.current`` or v1 ``memory.usage_in_bytes`` of the process's own cgroup:
    compare it with ``lenet_widgets.config.memory_limit_bytes`` to know the headroom left in
    a container.
    """
    mount, own = _roots(root, proc_cgroup)
    for kind, folder in _limit_files(
        mount, own, "memory.current", "memory", ("memory.usage_in_bytes",)
    ):
        value = _read(folder / ("memory.current" if kind == "v2" else "memory.usage_in_bytes"))
        if value and value.isdigit():
            return int(value)
    return None


def cpu_quota(
    root: str | os.PathLike[str] | None = None,
    *,
    proc_cgroup: str | os.PathLike[str] | None = None,
) -> float | None:
    """Return the CPU time quota in CPUs (e.g. 1.5), or None when the cgroup sets none.

    The smallest of cgroup v2 ``cpu.max`` (``"150000 100000"``; ``"max ..."`` is no quota) and
    cgroup v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (a quota of -1 is none), over the
    process's cgroup and its ancestors. Arguments as in ``lenet_widgets.config.memory_limit_bytes``.
    """
    mount, own = _roots(root, proc_cgroup)
    quotas: list[float] = []
    for kind, folder in _limit_files(
        mount, own, "cpu.max", "cpu", ("cpu.cfs_quota_us", "cpu.cfs_period_us")
    ):
        if kind == "v2":
            fields = (_read(folder / "cpu.max") or "").split()
            quota = fields[0] if fields else "max"
            period = fields[1] if len(fields) > 1 else "100000"
        else:
            quota = _read(folder / "cpu.cfs_quota_us") or "-1"
            period = _read(folder / "cpu.cfs_period_us") or "100000"
        try:
            quota_us, period_us = int(quota), int(period)
        except ValueError:
            continue  # "max" (v2) or an unreadable file: no quota at this level
        if quota_us > 0 and period_us > 0:
            quotas.append(quota_us / period_us)
    return min(quotas) if quotas else None


def usable_cpus(
    root: str | os.PathLike[str] | None = None,
    *,
    proc_cgroup: str | os.PathLike[str] | None = None,
    affinity: set[int] | None = None,
) -> int:
    """Return how many CPUs this process may really keep busy (at least 1).

    The smallest of the CPUs the process may run on (``os.sched_getaffinity``, or
    ``os.cpu_count()`` where that does not exist) and the cgroup quota rounded up
    (:func:`cpu_quota`). ``affinity`` replaces the process's CPU set (tests).
    """
    if affinity is None:
        try:
            affinity = os.sched_getaffinity(0)
        except (AttributeError, OSError):
            affinity = set(range(os.cpu_count() or 1))
    count = max(1, len(affinity))
    quota = cpu_quota(root, proc_cgroup=proc_cgroup)
    if quota is not None:
        count = min(count, max(1, math.ceil(quota - 1e-9)))
    return count
