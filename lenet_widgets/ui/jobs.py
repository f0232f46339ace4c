"""``LatestJob``: background computations for one picture, where the latest request wins.

The contract, the one every panel that computes in the background relies on:

- ``submit(compute, accept)`` makes a new request and supersedes every older one.
  ``compute(is_current)`` runs in a worker thread and may poll ``is_current()`` to
  give up early. Its result goes to ``accept(result)`` only while its request is
  still the latest: a superseded result is dropped, never shown over a newer
  picture. ``background=False`` computes on the calling thread, before ``submit``
  returns.
- Two policies for a request made while an older one computes, chosen per job:
  ``overlap=False`` (default): one worker computes requests one at a time, always
  the newest waiting one, so a request superseded before the worker took it is
  never computed (a slider storm costs one computation, not two hundred): for
  short computations that cannot poll (an attribution, a chunk of predictions).
  ``overlap=True``: every request starts at once in a thread of its own, beside a
  superseded one still running until it polls: for long computations that poll
  (gradient ascent), where a newer request must never queue behind an old one.
  ``settle`` seconds of waiting before computing skip requests superseded meanwhile.
- ``deliver(request, accept, result)`` hands a result known at once (a cache hit)
  to ``accept`` under the same rule. ``accept`` calls are serialised by the job's
  lock, so cached and computed pictures never interleave.
- ``cancel()`` supersedes the current request without making a new one.
- ``wait(timeout)`` blocks until the latest request's worker is idle (``True``) or
  ``timeout`` seconds have passed (``False``): one deadline for everything it waits
  on, requests made meanwhile included. ``wait_all`` does the same for several jobs.
- An exception in ``compute`` or ``accept`` goes to ``on_error(error)`` (the
  panel's status line) when its request is still the latest; ``KeyboardInterrupt``
  too (Ctrl-C in the kernel): nothing is lost in a thread.

A computation already running when it is superseded goes on until it next polls
``is_current()`` (or to its end, for code that cannot poll); its thread is a daemon.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from lenet_widgets.ui import shutdown

__all__ = ["LatestJob", "wait_all"]


class LatestJob:
    """Latest-wins background computations for one picture (see the module docstring).

    Args:
        on_error: called with the exception of the latest request (in the worker thread).
        background: compute in a thread; ``False`` computes before ``submit`` returns.
        settle: seconds a worker waits before computing; a request superseded meanwhile
            is never computed (a slider storm costs one computation, not hundreds).
        overlap: start every request in its own thread at once instead of queueing it
            behind the running computation (see the module docstring).
        name: the worker threads' name (seen in debuggers and thread dumps).
    """

    def __init__(
        self,
        on_error: Callable[[BaseException], None],
        *,
        background: bool = True,
        settle: float = 0.0,
        overlap: bool = False,
        name: str = "lenet-job",
    ) -> None:
        if settle < 0:
            raise ValueError(f"settle is {settle!r}; expected seconds >= 0.")
        self._on_error = on_error
        self.background = bool(background)
        self._settle = float(settle)
        self._overlap = bool(overlap)
        self._name = name
        self._request = 0
        self._lock = threading.Lock()  # Guards the request number, the pending slot, the worker.
        self._accept_lock = threading.Lock()  # One accept at a time.
        self._pending: tuple | None = None
        self._worker: threading.Thread | None = None
        shutdown.register(self)  # Cancelled at interpreter exit (see ui/shutdown.py).

    # ------------------------------------------------------------------ requests

    @property
    def request(self) -> int:
        """The latest request's number (0 before any)."""
        return self._request

    @property
    def thread(self) -> threading.Thread | None:
        """The worker thread; with ``overlap``, the latest request's (None before any)."""
        return self._worker

    @property
    def busy(self) -> bool:
        """True while the worker (with ``overlap``: the latest request's) has work."""
        worker = self._worker
        return worker is not None and worker.is_alive()

    def is_current(self, request: int) -> bool:
        """True while ``request`` is the latest one (nothing superseded or cancelled it)."""
        return request == self._request

    def new_request(self) -> int:
        """Supersede every older request; return the new request's number."""
        with self._lock:
            self._request += 1
            return self._request

    def stop_background(self) -> None:
        """Cancel, at interpreter exit (``ui/shutdown.py``)."""
        self.cancel()

    def cancel(self) -> None:
        """Supersede the current request: its result, if any comes, is dropped."""
        self.new_request()

    def submit(
        self, compute: Callable[[Callable[[], bool]], Any], accept: Callable[[Any], None]
    ) -> int:
        """Compute in the background and ``accept`` the result if still the latest request.

        Args:
            compute: called as ``compute(is_current)``; returns the result.
            accept: called with the result, in the worker thread, under the job's lock.

        Returns:
            The request's number.
        """
        request = self.new_request()
        if not self.background:
            self._run((request, compute, accept))
            return request
        with self._lock:
            if self._overlap:
                self._worker = threading.Thread(
                    target=self._run, args=((request, compute, accept), True), name=self._name
                )
                self._worker.daemon = True
                self._worker.start()  # Under the lock: ``busy`` never misses it.
                return request
            self._pending = (request, compute, accept)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._worker.start()  # Under the lock: ``busy`` never misses it.
        return request

    def deliver(self, request: int, accept: Callable[[Any], None], result: Any) -> bool:
        """Hand ``result`` to ``accept`` if ``request`` is still the latest; True if it was."""
        with self._accept_lock:
            if not self.is_current(request):
                return False
            try:
                accept(result)
            except BaseException as error:  # Reported, never lost in a thread.
                self._report(request, error)
            return True

    # ------------------------------------------------------------------ waiting

    def wait(self, timeout: float | None = 60.0) -> bool:
        """Block until the worker is idle; True if it is, False at the deadline."""
        return wait_all((self,), timeout)

    # ------------------------------------------------------------------ worker

    def _loop(self) -> None:
        """The worker: computes the newest pending request until none is left."""
        while True:
            if self._settle:
                time.sleep(self._settle)  # Let a slider storm settle: its last value counts.
            with self._lock:
                job, self._pending = self._pending, None
                if job is None:
                    self._worker = None
                    return
            self._run(job)

    def _run(self, job: tuple, settle: bool = False) -> None:
        request, compute, accept = job
        if settle and self._settle:
            time.sleep(self._settle)
        if not self.is_current(request):
            return  # Superseded while waiting: never computed.
        try:
            result = compute(lambda: self.is_current(request))
        except BaseException as error:  # KeyboardInterrupt included: reported, never lost.
            self._report(request, error)
            return
        self.deliver(request, accept, result)

    def _report(self, request: int, error: BaseException) -> None:
        if not self.is_current(request):
            return  # A superseded request's failure concerns nobody.
        try:
            self._on_error(error)
        except Exception:  # The error handler itself failed: print it, keep the worker alive.
            traceback.print_exc()


def wait_all(jobs: Iterable[LatestJob], timeout: float | None = 60.0) -> bool:
    """Block until every job's latest request is done, with one deadline for all of them.

    Requests made while waiting (a result that starts another computation) are waited
    for too, within the same deadline.

    Returns:
        True when every job is idle, False when the deadline came first.
    """
    jobs = tuple(jobs)
    deadline = None if timeout is None else time.monotonic() + max(0.0, float(timeout))
    while True:
        threads = [job.thread for job in jobs if job.busy]
        threads = [thread for thread in threads if thread is not None]
        if not threads:
            return True
        for thread in threads:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return not any(job.busy for job in jobs)
            thread.join(remaining)
