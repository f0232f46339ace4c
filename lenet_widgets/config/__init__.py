"""The one place that reads lenet_widgets' environment knobs.

Every other module asks this module; nothing else calls ``os.environ`` for a
``LENET_WIDGETS_*`` variable. Values are read at call time so tests and
notebooks can change them with ``monkeypatch.setenv`` or ``%env``.

What the system itself limits (cgroup quotas, CPU affinity) is read by
``config.limits``, whose functions are re-exported here; this module adds the
knobs on top (``MEM_LIMIT``, ``LENET_WIDGETS_THREADS``, ``MALLOC_ARENA_MAX``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from lenet_widgets.config.limits import (
    UNLIMITED_BYTES,
    cgroup_memory_limit,
    cpu_quota,
    memory_used_bytes,
    parse_size,
    usable_cpus,
)

__all__ = [
    "BINDER_MEMORY_VARIABLE",
    "FAST_VARIABLE",
    "MALLOC_ARENA_VARIABLE",
    "MNIST_VARIABLE",
    "OFFLINE_VARIABLE",
    "REMOTE_VARIABLE",
    "STRICT_TESTS_VARIABLE",
    "TF_LOG_LEVEL_VARIABLE",
    "THREADS_VARIABLE",
    "cpu_quota",
    "fast_mode",
    "keras_cache_dir",
    "malloc_arenas",
    "memory_limit_bytes",
    "memory_used_bytes",
    "mnist_path_from_environment",
    "offline_mode",
    "parse_size",
    "quiet_tensorflow",
    "remote_notebook",
    "strict_tests",
    "tensorflow_log_level",
    "thread_count",
    "threads_override",
    "usable_cpus",
]

MNIST_VARIABLE = "LENET_WIDGETS_MNIST"
"""Path of an ``mnist.npz`` to use instead of Keras' cache or download."""

FAST_VARIABLE = "LENET_WIDGETS_FAST"
"""When true, notebooks and demos shrink epochs, steps and data (for CI)."""

OFFLINE_VARIABLE = "LENET_WIDGETS_OFFLINE"
"""When true, never try to download MNIST (use the cache or the fallback)."""

REMOTE_VARIABLE = "LENET_WIDGETS_REMOTE"
"""True/false overrides the guess whether the notebook's browser runs on another machine."""

STRICT_TESTS_VARIABLE = "LENET_WIDGETS_STRICT_TESTS"
"""When true (CI), a test that would be skipped (no MNIST, no dot, no Chromium) fails instead."""

THREADS_VARIABLE = "LENET_WIDGETS_THREADS"
"""A positive integer: TensorFlow's thread pools size, instead of the CPUs the process may use."""

TF_LOG_LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
"""TensorFlow's own log level; set to 2 on import unless the user chose one."""

MALLOC_ARENA_VARIABLE = "MALLOC_ARENA_MAX"
"""glibc's own knob: when set, glibc already applied it and lenet_widgets leaves malloc alone."""

BINDER_MEMORY_VARIABLE = "MEM_LIMIT"
"""Memory limit in bytes that JupyterHub's spawners (and so mybinder.org) put in the environment."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_REMOTE_HINTS = (
    ("BINDER_SERVICE_HOST", "Binder"),
    ("BINDER_LAUNCH_HOST", "Binder"),
    ("JUPYTERHUB_SERVICE_PREFIX", "JupyterHub"),
    ("JUPYTERHUB_API_URL", "JupyterHub"),
    ("COLAB_RELEASE_TAG", "Google Colab"),
    ("KAGGLE_KERNEL_RUN_TYPE", "Kaggle"),
    ("SAGEMAKER_INTERNAL_IMAGE_URI", "SageMaker"),
    ("CODESPACES", "GitHub Codespaces"),
)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def mnist_path_from_environment() -> Path | None:
    """Return the MNIST file named by ``LENET_WIDGETS_MNIST``, or None if unset."""
    value = os.environ.get(MNIST_VARIABLE, "").strip()
    return Path(value).expanduser() if value else None


def fast_mode() -> bool:
    """True when ``LENET_WIDGETS_FAST`` asks for small, quick runs."""
    return _flag(FAST_VARIABLE)


def offline_mode() -> bool:
    """True when ``LENET_WIDGETS_OFFLINE`` forbids downloads."""
    return _flag(OFFLINE_VARIABLE)


def keras_cache_dir() -> Path:
    """Keras' data cache (``$KERAS_HOME/datasets``, default ``~/.keras/datasets``)."""
    home = os.environ.get("KERAS_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".keras"
    return base / "datasets"


def quiet_tensorflow() -> None:
    """Hide TensorFlow's C++ log lines below errors (unless the user chose a level).

    ``lenet_widgets.core.runtime.prepare_tensorflow`` calls this when the package is
    imported, and also filters the lines TensorFlow prints before it reads the level.
    """
    os.environ.setdefault(TF_LOG_LEVEL_VARIABLE, "2")


def tensorflow_log_level() -> int:
    """``TF_CPP_MIN_LOG_LEVEL`` as TensorFlow reads it: 0 (all) to 3 (fatal only); 0 if unset."""
    value = os.environ.get(TF_LOG_LEVEL_VARIABLE, "").strip()
    return int(value) if value.isdigit() else 0


def remote_notebook() -> str | None:
    """Name the remote service the notebook runs on (``"Binder"``...), or None when local.

    A server started on 127.0.0.1 (Netron) is only reachable from a browser on
    the same machine. ``LENET_WIDGETS_REMOTE`` overrides the guess: a true
    value means remote (``"remote server"``), a false value means local.
    """
    override = os.environ.get(REMOTE_VARIABLE, "").strip().lower()
    if override in _TRUE:
        return "remote server"
    if override in _FALSE:
        return None
    for variable, service in _REMOTE_HINTS:
        if os.environ.get(variable, "").strip():
            return service
    return None


def strict_tests() -> bool:
    """True when ``LENET_WIDGETS_STRICT_TESTS`` turns skipped tests into failures (CI)."""
    return _flag(STRICT_TESTS_VARIABLE)


def memory_limit_bytes(
    root: str | os.PathLike[str] | None = None,
    *,
    proc_cgroup: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> int | None:
    """Return the memory this process may use, in bytes, or None when nothing limits it.

    The smallest of: cgroup v2 ``memory.max`` and cgroup v1 ``memory.limit_in_bytes`` of the
    process's cgroup and its ancestors (v1's huge "unlimited" value is ignored), and the
    ``MEM_LIMIT`` variable JupyterHub spawners and mybinder.org set. Physical memory is not a
    limit here: None means "not capped by a container or a hub".

    Args:
        root: the cgroup mount point (default ``/sys/fs/cgroup``); tests pass a fixture folder.
        proc_cgroup: the process's ``/proc/self/cgroup`` (default: that file when ``root`` is
            None, none otherwise, so a fixture folder is read as the process's own cgroup).
        environ: the environment to read ``MEM_LIMIT`` from (default ``os.environ``).
    """
    limit = cgroup_memory_limit(root, proc_cgroup=proc_cgroup)
    limits = [] if limit is None else [limit]
    env = os.environ if environ is None else environ
    value = env.get(BINDER_MEMORY_VARIABLE, "").strip()
    if value:
        try:
            size = parse_size(value)
        except ValueError:
            size = 0
        if 0 < size < UNLIMITED_BYTES:
            limits.append(size)
    return min(limits) if limits else None


def threads_override(environ: Mapping[str, str] | None = None) -> int | None:
    """Return ``LENET_WIDGETS_THREADS`` as a positive integer, or None when unset.

    Raises:
        ValueError: naming the value when it is not a positive integer.
    """
    env = os.environ if environ is None else environ
    value = env.get(THREADS_VARIABLE, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"{THREADS_VARIABLE}={value!r} is not a positive integer; expected e.g. 1, 2 or 4"
        )
    return int(value)


def thread_count(
    root: str | os.PathLike[str] | None = None,
    *,
    proc_cgroup: str | os.PathLike[str] | None = None,
    affinity: set[int] | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Return the size for TensorFlow's thread pools: ``LENET_WIDGETS_THREADS`` or usable CPUs.

    Raises:
        ValueError: when ``LENET_WIDGETS_THREADS`` is set to something else than a
            positive integer.
    """
    override = threads_override(environ)
    if override is not None:
        return override
    return usable_cpus(root, proc_cgroup=proc_cgroup, affinity=affinity)


def malloc_arenas(
    environ: Mapping[str, str] | None = None, threads: int | None = None
) -> int | None:
    """How many malloc arenas glibc may create in this process, or None to leave glibc alone.

    glibc gives each thread that meets a locked arena a new one, up to 8 per core; a
    TensorFlow kernel's pool threads then each keep freed memory in their own arena
    (measured on this project's dashboard: about 30 MB more at the training peak than with
    2 arenas, same speed). The limit is the thread pools' size, at least 2. None when the
    user set glibc's own ``MALLOC_ARENA_MAX`` (glibc applied it at start-up).

    Args:
        environ: the environment to read (default ``os.environ``).
        threads: the thread pools' size (default :func:`thread_count`).
    """
    env = os.environ if environ is None else environ
    if env.get(MALLOC_ARENA_VARIABLE, "").strip():
        return None
    if threads is None:
        try:
            threads = thread_count(environ=env)
        except ValueError:  # A bad LENET_WIDGETS_THREADS is reported where the pools are sized.
            threads = usable_cpus()
    return max(2, int(threads))
