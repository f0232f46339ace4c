"""Background work ends before the interpreter does.

Panels compute in daemon threads (training, filter searches, attribution). A
script or a test session that ends while one of them is inside TensorFlow makes
the interpreter tear TensorFlow down under a running thread, and the process
aborts at exit ("terminate called without an active exception", exit status
134) even though everything it printed succeeded. At exit this module asks every
registered owner to stop (training stops after its batch, jobs are cancelled)
and then joins the package's threads (named ``THREAD_PREFIX...``), all within
one deadline.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
import weakref
from typing import Protocol

__all__ = ["EXIT_WAIT_SECONDS", "THREAD_PREFIX", "finish_background_work", "register"]

THREAD_PREFIX = "lenet-"
"""Every background thread of the package has a name starting with this."""

EXIT_WAIT_SECONDS = 30.0
"""At most this long, in all, for background work to stop at interpreter exit."""


class Stoppable(Protocol):
    """What ``register`` keeps: an object whose ``stop_background()`` asks its work to end."""

    def stop_background(self) -> None: ...


_owners: weakref.WeakSet = weakref.WeakSet()
_lock = threading.Lock()


def register(owner: Stoppable) -> None:
    """Stop ``owner``'s background work at exit (kept by weak reference: no leak)."""
    with _lock:
        _owners.add(owner)


def finish_background_work(timeout: float = EXIT_WAIT_SECONDS) -> bool:
    """Ask every registered owner to stop, then join the package's threads.

    Args:
        timeout: seconds for everything together (one deadline).

    Returns:
        True when no package thread is left running.
    """
    with _lock:
        owners = list(_owners)
    for owner in owners:
        with contextlib.suppress(Exception):
            owner.stop_background()
    deadline = time.monotonic() + timeout
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is current or not thread.name.startswith(THREAD_PREFIX):
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(
        thread.is_alive() and thread.name.startswith(THREAD_PREFIX)
        for thread in threading.enumerate()
        if thread is not current
    )


atexit.register(finish_background_work)
