"""The Train tab's training thread: Train starts it, Stop ends it after a batch, a report after.

``TrainingJob`` is the part of ``TrainingPanel`` that runs ``core.training.train`` in a
thread of its own (a long run with a Stop button, unlike the panels' short latest-wins
``LatestJob``s), keeps ``running`` honest whatever happens, and writes the status line
after a run: epochs trained (fractions honest), test accuracy and its age.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from lenet_widgets.core.model import set_metadata
from lenet_widgets.core.training import (
    TrainingStoppedError,
    epochs_done,
    model_io,
    tidy_epochs,
    train,
)
from lenet_widgets.text import epochs_text
from lenet_widgets.ui.status import STATUS_KINDS, status_html
from lenet_widgets.ui.training_runs import Run

__all__ = ["TrainingJob"]


class TrainingJob:
    """``TrainingPanel``'s Train button and training thread (a mixin; see the module docstring).

    Expects the panel's ``model``, ``running``, ``runs_finished``, ``test_accuracy``
    traits, its controls, its runs (``RunCurvesView``) and its optimizer controls.
    """

    def _on_train_clicked(self, button) -> None:
        with self._lock:
            if self.running:
                self._status.value = status_html("already training; press Stop first.", "error")
                return
            if self.model is None:
                self._status.value = status_html("no model to train.", "error")
                return
            self.running = True
        try:
            self._start_training()
        except BaseException as error:  # Nothing may leave the panel stuck in running=True.
            self._thread = None
            self.running = False
            self._set_buttons(training=False)
            if isinstance(error, KeyboardInterrupt):
                self._status.value = status_html("training not started: interrupted.", "error")
            elif isinstance(error, MemoryError):
                self._status.value = status_html(str(error), "error")
            elif isinstance(error, Exception):
                self._status.value = status_html(
                    f"training not started: {type(error).__name__}: {error}", "error"
                )
            else:
                raise

    def _start_training(self) -> None:
        size = self._subset.value or len(self._x_train)
        problem = self._memory_problem(size)
        if problem is not None:
            raise MemoryError(problem)
        changed = self._apply_optimizer_settings()
        key, label = self._settings(size)
        run = self._runs[-1]
        if run.settings is not None and (run.settings != key or run.model_id != id(self.model)):
            previous = run.number
            run = self._start_new_run(self.model, continues=previous)
        if run.settings is None:
            run.settings = key
            continued = f" (continues run {run.continues}'s model)" if run.continues else ""
            run.label = f"run {run.number}: {label}{continued}"
            self._sync_runs_control()
        self._monitor = run.monitor
        self._monitor.clear_stop()  # A Stop from here on belongs to this run.
        settings = {"epochs": self._epochs.value, "batch_size": self._batch_size.value}
        self._set_buttons(training=True)
        note = f"{changed}; " if changed else ""
        self._status.value = status_html(f"{note}training on {size:,} images…")
        self._eta.value = "starting…"
        self._render_request.clear()
        self._renderer = threading.Thread(
            target=self._render_loop, name="lenet-curves", daemon=True
        )
        self._renderer.start()
        self._thread = threading.Thread(
            target=self._run, args=(run, size, settings), name="lenet-training", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ training thread

    def _run(self, run: Run, size: int, settings: dict) -> None:
        model = self.model
        monitor = run.monitor
        try:
            if monitor.stop_requested:  # Stop pressed before training even began.
                self._status.value = status_html("stopped before the first batch; nothing trained.")
                return
            train(
                model,
                self._x_train[:size],
                self._y_train[:size],
                callbacks=[monitor, *self._callbacks],
                verbose=0,
                **settings,
            )
            self._report(run, model)
        except TrainingStoppedError:  # Stop came before the first batch began.
            self._status.value = status_html("stopped before the first batch; nothing trained.")
        except KeyboardInterrupt:  # Interrupt in the kernel: same as Stop, said so.
            steps = int(model.optimizer.iterations.numpy()) if model.optimizer else 0
            # train() did not get to count this call: count the batches done, honestly,
            # so the next run's curves continue where these end.
            done = tidy_epochs(max(monitor.epochs_done, epochs_done(model)))
            set_metadata(model, epochs_trained=done)
            self._status.value = status_html(
                f"training interrupted; the model keeps what it learned ({steps:,} steps, "
                f"{epochs_text(done)} trained).",
                "error",
            )
        except Exception as error:  # Shown in the panel; the kernel and the panel live on.
            self._status.value = status_html(
                f"training failed: {type(error).__name__}: {error}", "error"
            )
        finally:
            self._finish()

    def _finish(self) -> None:
        """Back to idle, whatever happened: nothing here may leave ``running`` True."""
        self._monitor.clear_stop()
        self.running = False
        try:
            self._set_buttons(training=False)
            self._render_request.set()  # Wakes the renderer, which sees `running` off and ends.
            if self._renderer is not None:
                self._renderer.join()
            self._redraw()
        except Exception as error:  # Shown; the panel stays usable.
            self._status.value = status_html(
                f"curves not redrawn: {type(error).__name__}: {error}", "error"
            )
        finally:
            self.runs_finished += 1

    def _report(self, run: Run, model) -> None:
        """The status line after a run: epochs (fractions honest), test accuracy and its age."""
        monitor = run.monitor
        done = epochs_done(model)
        last = monitor.last_validation
        if last is not None:
            run.last_test = (last[0], last[2])
        parts = []
        if monitor.stopped and monitor.stopped_batch is not None:
            parts.append(
                f"stopped after {monitor.stopped_batch:,} of {monitor.batches_per_epoch:,} batches"
            )
        elif monitor.stopped and monitor.validation_cut:
            parts.append("stopped during the test-set check (its partial result is not used)")
        elif monitor.stopped:
            parts.append("stopped before the test-set check")
        parts.append(f"{epochs_text(done)} trained")
        kind = "info" if monitor.stopped else "ok"
        test = run.last_test
        if test is None:
            self.test_accuracy = None
            parts.append(
                "no test accuracy yet: the test set is checked at the end of each whole epoch"
            )
        else:
            at, accuracy = test
            self.test_accuracy = accuracy
            if math.isclose(at, done, abs_tol=1e-6):
                parts.append(f"test accuracy {accuracy:.2%}")
            else:
                parts.append(
                    f"test accuracy {accuracy:.2%} after {epochs_text(at)} (not measured since)"
                )
            classes = self._classes(model)
            if classes and np.isfinite(accuracy) and accuracy < 1.5 / classes:
                kind = "warning" if "warning" in STATUS_KINDS else "error"
                parts.append(
                    f"about chance level (1 in {classes} right by guessing): the model has not "
                    "learned yet; try a smaller learning rate or more images"
                )
        self._status.value = status_html("; ".join(parts) + ".", kind)

    @staticmethod
    def _classes(model) -> int | None:
        try:
            return model_io(model)[1]
        except ValueError:
            return None
