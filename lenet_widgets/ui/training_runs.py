"""The Train tab's runs and curves: each run's curves kept, labelled, hidden or cleared.

``Run`` is one run (a model trained with one set of settings, possibly over several
Train presses); ``RunCurvesView`` is the part of ``TrainingPanel`` that keeps the runs,
the "runs shown" control, and draws the curves and the progress line (a mixin: the
panel builds the widgets; the renderer thread redraws while TensorFlow computes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lenet_widgets.core.training import TrainingMonitor
from lenet_widgets.plotting.training import RunCurves, update_training_curves
from lenet_widgets.text import epochs_text
from lenet_widgets.ui.status import status_html
from lenet_widgets.ui.training_optimizer import describe_optimizer

__all__ = ["MAX_RUNS", "Run", "RunCurvesView"]

MAX_RUNS = 8
"""Runs kept for comparison; the oldest goes when a ninth starts."""


def _format_seconds(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


@dataclass
class Run:
    """One run: a model trained with one set of settings, possibly over several Train presses."""

    number: int
    monitor: TrainingMonitor
    model_id: int
    settings: tuple | None = None
    label: str = ""
    continues: int | None = None
    last_test: tuple[float, float] | None = field(default=None)

    def curves(self, current: bool) -> RunCurves:
        return RunCurves(
            self.label or f"run {self.number}",
            **self.monitor.curves(),
            number=self.number,
            current=current,
        )


class RunCurvesView:
    """``TrainingPanel``'s runs, their "runs shown" control, curves and progress line.

    Expects ``model``, ``running``, ``_runs``, ``_hidden``, ``_monitor``, ``_syncing``,
    ``_runs_shown``, ``_clear_runs``, ``_log_scale``, ``_progress``, ``_eta``, ``_curves``,
    ``_view``, ``_draw_lock``, ``_render_request``, ``_batch_size``, ``_updates_per_second``,
    ``_x_test`` and ``_y_test`` on the panel.
    """

    def _new_monitor(self) -> TrainingMonitor:
        monitor = TrainingMonitor(
            self._on_progress,
            self._updates_per_second,
            validation_data=(self._x_test, self._y_test),
        )
        return monitor

    def _start_new_run(self, model, continues: int | None = None) -> Run:
        current = self._runs[-1] if self._runs else None
        if current is not None and current.monitor.curves()["positions"] == ():
            self._runs.pop()  # An empty run is replaced, never kept.
        number = max((run.number for run in self._runs), default=0) + 1
        run = Run(number, self._new_monitor(), id(model), continues=continues)
        if current is not None and current.model_id == id(model):
            run.last_test = current.last_test  # Same model: its last test result still holds.
        self._runs.append(run)
        while len(self._runs) > MAX_RUNS:
            self._hidden.discard(self._runs.pop(0).number)
        self._monitor = run.monitor
        self._sync_runs_control()
        return run

    def _sync_runs_control(self) -> None:
        options = [
            (run.label or f"run {run.number} (not trained yet)", run.number) for run in self._runs
        ]
        shown = tuple(run.number for run in self._runs if run.number not in self._hidden)
        self._syncing, was = True, self._syncing
        try:
            self._runs_shown.options = options
            self._runs_shown.value = shown
        finally:
            self._syncing = was
        self._clear_runs.disabled = len(self._runs) < 2

    def _on_runs_shown_changed(self, change) -> None:
        if self._syncing:
            return
        shown = set(change["new"])
        self._hidden = {run.number for run in self._runs if run.number not in shown}
        self._redraw()

    def _on_clear_runs(self, button) -> None:
        if not self._runs:
            return
        self._runs = self._runs[-1:]
        self._hidden.clear()
        self._sync_runs_control()
        self._redraw()

    def _settings(self, size: int) -> tuple[tuple, str]:
        optimizer = describe_optimizer(self.model.optimizer)
        key = (optimizer, self._batch_size.value, size)
        label = f"{optimizer}, batch {self._batch_size.value}, {size:,} images"
        return key, label

    def _on_log_scale_changed(self, change) -> None:
        self._redraw()

    def _on_progress(self, monitor: TrainingMonitor) -> None:
        # Called in the training thread: only ask for a redraw; the renderer thread
        # draws while TensorFlow computes the next batches (it releases the GIL).
        self._render_request.set()

    def _render_loop(self) -> None:
        while True:
            self._render_request.wait()
            self._render_request.clear()
            if not self.running:
                return
            try:
                self._redraw()
            except Exception as error:  # Training goes on; the status line says why.
                self._status.value = status_html(
                    f"curves not redrawn: {type(error).__name__}: {error}", "error"
                )

    def _redraw(self) -> None:
        with self._draw_lock:  # The renderer thread and control reactions both draw.
            self._draw()

    def _progress_text(self, monitor: TrainingMonitor) -> str:
        if monitor.stop_requested:
            return "stopping…"
        number, count = monitor.call_epoch
        epoch = f"epoch {number} of {count}"
        if monitor.validating:
            return (
                f"{epoch}: checking the test set, {monitor.validated_images:,} of "
                f"{monitor.validation_images:,} images…"
            )
        done, total = monitor.progress()
        if total and done >= total:
            return f"{epoch}: all batches done, finishing…"
        left = monitor.seconds_left()
        timing = "estimating time left…" if left is None else f"about {_format_seconds(left)} left"
        return (
            f"{epoch}, batch {monitor.batch:,} of {monitor.batches_per_epoch:,} "
            f"({epochs_text(monitor.epochs_done)} trained), {timing}"
        )

    def _draw(self) -> None:
        monitor = self._monitor
        done, total = monitor.progress()
        self._progress.max = max(total, 1)
        self._progress.value = done
        if self.running:
            self._eta.value = self._progress_text(monitor)
        elif self._eta.value:
            self._eta.value = ""
        current = self._runs[-1] if self._runs else None
        runs = [
            run.curves(current=run is current)
            for run in self._runs
            if run.number not in self._hidden
        ]
        update_training_curves(self._curves, runs, log_scale=self._log_scale.value)
        self._view.refresh()
