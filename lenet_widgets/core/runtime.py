"""The one place that prepares TensorFlow before it is imported.

:func:`prepare_tensorflow` runs when ``lenet_widgets`` is first imported (the
package's ``__init__`` calls it; it costs microseconds and imports nothing
heavy). It does two things, once per process, whoever imports TensorFlow later
(Keras, a panel, the CLI, the user's own ``import tensorflow``):

* **Quiet start-up.** TensorFlow 2.21 prints its first lines before absl's
  logging reads ``TF_CPP_MIN_LOG_LEVEL`` (``WARNING: All log messages before
  absl::InitializeLog()...``, ``oneDNN custom operations are on``,
  ``cpu_feature_guard``...), straight to file descriptor 2, which a Jupyter
  kernel forwards into the notebook as red text. While ``tensorflow`` executes
  its ``__init__``, descriptor 2 is redirected to a temporary file; afterwards
  the known start-up lines below the log level are dropped and anything else is
  written back to descriptor 2, unchanged and in order. ``TF_ENABLE_ONEDNN_OPTS=0``
  would also silence the oneDNN line, but measured on this project's LeNet it
  makes an epoch about 2x slower, so oneDNN stays on.
* **Thread pools from the quota.** TensorFlow sizes its intra- and inter-op
  pools from the host's cores, not from the container's CPU quota; thirty
  kernels limited to one CPU each on a 64-core node would each start 64-thread
  pools. Both pools are set to :func:`lenet_widgets.config.thread_count`
  (``LENET_WIDGETS_THREADS``, else the CPUs the process may really use).
* **Fewer malloc arenas.** On glibc, at most :func:`lenet_widgets.config.malloc_arenas`
  arenas (the pools' size, at least 2) instead of 8 per core, so memory freed by
  one pool thread is reused by the next instead of staying in a private arena;
  :func:`release_free_memory` hands freed heap pages back to the system after
  long work (a training run).

A user's own ``TF_CPP_MIN_LOG_LEVEL`` is respected: ``0`` shows every line,
``1`` hides informational lines, ``2`` (the default set here) also warnings.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from lenet_widgets import config

__all__ = [
    "applied_threads",
    "filter_startup_lines",
    "prepare_tensorflow",
    "quiet_descriptor_2",
    "release_free_memory",
]

_ABSL_BANNER = "WARNING: All log messages before absl::InitializeLog() is called"
# absl/glog prefix: severity letter, MMDD, time (seconds since 1970 before absl starts), thread
# id, file:line]
_LOG_LINE = re.compile(r"^([IWEF])\d{4}\s+[\d:.]+\s+\d+\s+[\w./+-]+:\d+\] ")
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}
# Error-level lines the GPU wheel prints on a machine without a GPU: not errors for this project.
_GPU_PROBE = re.compile(r"cuInit|cudart_stub|cuda_executor|Unable to register cu(DNN|FFT|BLAS)")
# Lines that continue the line before them (cpu_feature_guard prints two).
_CONTINUATION = re.compile(r"^To enable the following instructions:")

_lock = threading.Lock()
_state: dict[str, Any] = {"hook": None, "threads": None, "arenas": None}
_M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter number for the arena limit (malloc.h)."""


def filter_startup_lines(text: str, level: int) -> str:
    """Drop TensorFlow's start-up log lines below ``level`` from ``text``; keep the rest.

    Args:
        text: what was written to descriptor 2 while TensorFlow was imported.
        level: ``TF_CPP_MIN_LOG_LEVEL`` (0 keeps everything).

    Returns:
        The lines to show, in their order, each with its line ending.
    """
    if level <= 0:
        return text
    kept: list[str] = []
    dropped_previous = False
    for line in text.splitlines(keepends=True):
        match = _LOG_LINE.match(line)
        if line.startswith(_ABSL_BANNER):
            drop = True
        elif match is not None:
            severity = _SEVERITY[match.group(1)]
            drop = severity < level or (level == 2 == severity and bool(_GPU_PROBE.search(line)))
        else:
            drop = dropped_previous and bool(_CONTINUATION.match(line))
        dropped_previous = drop
        if not drop:
            kept.append(line)
    return "".join(kept)


@contextlib.contextmanager
def quiet_descriptor_2(level: int) -> Iterator[None]:
    """Collect what is written to descriptor 2 inside the block; re-emit all but start-up noise.

    C++ code writes to the descriptor, not to ``sys.stderr``, so the descriptor is
    redirected (to an unnamed temporary file: no pipe to fill, no thread). Without a
    usable descriptor 2 the block simply runs.
    """
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = filter_startup_lines(capture.read().decode("utf-8", "replace"), level)
            if kept:
                with contextlib.suppress(OSError):
                    os.write(2, kept.encode("utf-8"))


def _glibc() -> Any:
    """glibc's handle (``mallopt``, ``malloc_trim``), or None elsewhere (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018  Both exist on glibc only.
    except (OSError, AttributeError):
        return None
    return libc


def _limit_malloc_arenas() -> None:
    """Cap glibc's malloc arenas once, before TensorFlow starts its threads."""
    if _state["arenas"] is not None:
        return
    _state["arenas"] = 0
    arenas = config.malloc_arenas()
    libc = _glibc() if arenas is not None else None
    if libc is not None and libc.mallopt(_M_ARENA_MAX, int(arenas)) == 1:
        _state["arenas"] = int(arenas)


def release_free_memory() -> bool:
    """Give heap pages malloc holds but no longer uses back to the system (glibc only).

    Called after a training run: its temporary buffers are freed, but glibc keeps the
    pages for later unless asked, and the kernel's resident memory stays at its peak.

    Returns:
        True when glibc released something.
    """
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0))


def _configure_threads(tf: ModuleType) -> None:
    """Size TensorFlow's pools once; leave them if its runtime already started."""
    try:
        count = config.thread_count()
    except ValueError as error:
        warnings.warn(f"{error}; using the CPUs this process may use", RuntimeWarning, stacklevel=2)
        count = config.usable_cpus()
    try:
        threading_config = tf.config.threading
        threading_config.set_intra_op_parallelism_threads(count)
        threading_config.set_inter_op_parallelism_threads(count)
    except (AttributeError, RuntimeError, ValueError):
        return  # TensorFlow already ran an op: its pools exist and cannot change now.
    _state["threads"] = count


class _QuietLoader(importlib.abc.Loader):
    """Runs TensorFlow's ``__init__`` with descriptor 2 filtered, then sizes its pools."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # Put the real loader back so nothing downstream sees this wrapper.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        with quiet_descriptor_2(config.tensorflow_log_level()):
            self._loader.exec_module(module)
        _configure_threads(module)


class _TensorFlowImportHook(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the loader of the first ``import tensorflow``."""

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "tensorflow":
            return None
        _remove_hook()
        spec = None
        for finder in list(sys.meta_path):  # the finders after this one, blockers included
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is not None:
                spec = find_spec(fullname, path, target)
                if spec is not None:
                    break
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _QuietLoader(spec.loader)
        return spec


def _remove_hook() -> None:
    hook = _state["hook"]
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(hook)


def prepare_tensorflow() -> None:
    """Quiet TensorFlow's start-up and size its thread pools; safe to call many times.

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless the user chose a level. If TensorFlow is
    not imported yet, the next ``import tensorflow`` (from anywhere) is filtered and
    sized; if it already is, only the pools are sized, when still possible.
    """
    config.quiet_tensorflow()
    with _lock:
        _limit_malloc_arenas()
        if "tensorflow" in sys.modules:
            if _state["threads"] is None:
                _configure_threads(sys.modules["tensorflow"])
            return
        if _state["hook"] is None:
            _state["hook"] = _TensorFlowImportHook()
        if _state["hook"] not in sys.meta_path:
            sys.meta_path.insert(0, _state["hook"])


def applied_threads() -> int | None:
    """The size given to TensorFlow's pools at its import, or None if not (yet) set here."""
    return _state["threads"]
