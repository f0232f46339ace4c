"""The one place that reads lenet_widgets' environment knobs.

Every other module asks this module; nothing else calls ``os.environ`` for a
``LENET_WIDGETS_*`` variable. Values are read at call time so tests and
notebooks can change them with ``monkeypatch.setenv`` or ``%env``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "FAST_VARIABLE",
    "MNIST_VARIABLE",
    "OFFLINE_VARIABLE",
    "REMOTE_VARIABLE",
    "STRICT_TESTS_VARIABLE",
    "fast_mode",
    "keras_cache_dir",
    "mnist_path_from_environment",
    "offline_mode",
    "quiet_tensorflow",
    "remote_notebook",
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
    """Hide TensorFlow's C++ start-up chatter (unless the user chose a level)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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
