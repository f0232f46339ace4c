"""``ui.jobs.LatestJob``: supersede, cancel, one deadline, errors reported, stale results dropped.

Events, never sleeps, decide the order; no timed asserts (the deadline test checks the
return value, not how long it took).
"""

from __future__ import annotations

import threading

import pytest

from lenet_widgets.ui.jobs import LatestJob, wait_all


def _job(**kwargs):
    errors: list[BaseException] = []
    return LatestJob(errors.append, **kwargs), errors


def test_a_result_is_accepted_and_wait_says_idle():
    job, errors = _job()
    shown = []
    job.submit(lambda is_current: 42, shown.append)
    assert job.wait(30)
    assert shown == [42] and errors == [] and not job.busy


def test_a_newer_request_supersedes_and_the_stale_result_is_dropped():
    job, errors = _job()
    shown, release, started = [], threading.Event(), threading.Event()
    polled = []

    def slow(is_current):
        started.set()
        release.wait(30)
        polled.append(is_current())
        return "old"

    job.submit(slow, shown.append)
    assert started.wait(30)
    job.submit(lambda is_current: "skipped", shown.append)
    job.submit(lambda is_current: "new", shown.append)  # Supersedes "skipped" before it ran.
    release.set()
    assert job.wait(30)
    assert shown == ["new"]  # The old result was dropped, "skipped" never computed.
    assert polled == [False]  # The old computation could see it was superseded.
    assert errors == []


def test_with_overlap_a_newer_request_never_queues_behind_a_stuck_one():
    job, errors = _job(overlap=True)
    shown, release, started = [], threading.Event(), threading.Event()

    def stuck(is_current):
        started.set()
        release.wait(30)  # Cannot poll: only its result can be dropped.
        return "old"

    job.submit(stuck, shown.append)
    assert started.wait(30)
    old_thread = job.thread
    job.submit(lambda is_current: "new", shown.append)
    assert job.wait(30)  # Done while the old one is still stuck.
    assert shown == ["new"]
    release.set()
    old_thread.join(30)
    assert shown == ["new"] and errors == []  # The old result came last and was dropped.


def test_deliver_obeys_the_same_rule():
    job, _ = _job()
    shown = []
    first = job.new_request()
    second = job.new_request()
    assert not job.deliver(first, shown.append, "cached old")
    assert job.deliver(second, shown.append, "cached new")
    assert shown == ["cached new"]


def test_cancel_drops_the_running_result():
    job, errors = _job()
    shown, release = [], threading.Event()
    job.submit(lambda is_current: release.wait(30) and "late", shown.append)
    job.cancel()
    release.set()
    assert job.wait(30)
    assert shown == [] and errors == []


def test_wait_has_one_deadline_and_says_false_when_it_passes():
    job, _ = _job()
    other, _ = _job()
    release = threading.Event()
    job.submit(lambda is_current: release.wait(30), lambda result: None)
    other.submit(lambda is_current: release.wait(30), lambda result: None)
    assert wait_all((job, other), 0.05) is False
    assert job.wait(0) is False
    release.set()
    assert wait_all((job, other), 30)


def test_wait_includes_requests_made_while_waiting():
    """A result that starts another job's computation is waited for too."""
    first, _ = _job()
    second, _ = _job()
    release, shown = threading.Event(), []

    def chain(result):
        second.submit(lambda is_current: release.wait(30) and "second", shown.append)

    first.submit(lambda is_current: "first", chain)
    first.wait(30)
    assert not wait_all((first, second), 0.01)
    release.set()
    assert wait_all((first, second), 30)
    assert shown == ["second"]


@pytest.mark.parametrize("error", [ValueError("bad <b> input"), KeyboardInterrupt()])
def test_errors_of_the_latest_request_are_reported(error):
    job, errors = _job()

    def failing(is_current):
        raise error

    job.submit(failing, lambda result: None)
    assert job.wait(30)
    assert errors == [error]


def test_an_error_in_accept_is_reported_too():
    job, errors = _job()

    def broken(result):
        raise RuntimeError("drawing failed")

    job.submit(lambda is_current: 1, broken)
    assert job.wait(30)
    assert [str(error) for error in errors] == ["drawing failed"]


def test_a_superseded_request_error_is_not_reported():
    job, errors = _job()
    release, started = threading.Event(), threading.Event()

    def failing_late(is_current):
        started.set()
        release.wait(30)
        raise ValueError("stale failure")

    shown = []
    job.submit(failing_late, shown.append)
    assert started.wait(30)
    job.submit(lambda is_current: "new", shown.append)
    release.set()
    assert job.wait(30)
    assert errors == [] and shown == ["new"]


def test_settle_skips_requests_superseded_before_they_start():
    job, _ = _job(settle=0.5)
    computed, shown = [], []
    for value in range(20):
        job.submit(lambda is_current, value=value: computed.append(value) or value, shown.append)
    assert job.wait(30)
    assert shown == [19]
    assert 19 in computed and len(computed) < 20


def test_without_background_submit_computes_before_returning():
    job, _ = _job(background=False)
    shown = []
    job.submit(lambda is_current: "now", shown.append)
    assert shown == ["now"] and job.thread is None and job.wait(0)


def test_settle_must_not_be_negative():
    with pytest.raises(ValueError, match="settle is -1"):
        LatestJob(print, settle=-1)
