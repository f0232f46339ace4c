"""The Filters tab's grid computation: gradient ascent in a ``LatestJob``, cached per setting.

``FilterComputation`` is the part of ``FilterExplorer`` that turns the settings into
a request (weights, layer, preset, step size, seed, steps, objective), answers it from
the cache or computes it in the background with a progress bar (a newer request
cancels an older one through the engine's progress callback), and accepts the latest
result: status line, step slider range, picture (a mixin: the panel builds the
controls and draws).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from lenet_widgets.core import filters as core_filters
from lenet_widgets.core.data import DataError
from lenet_widgets.core.filters import (
    FilterResult,
    FilterSearchCancelledError,
    filter_count,
    preset_arguments,
)
from lenet_widgets.core.model import prepare_for_model, weights_fingerprint
from lenet_widgets.text import plural
from lenet_widgets.ui.status import status_html

__all__ = ["DEAD_TEST_IMAGES", "FilterComputation"]

DEAD_TEST_IMAGES = 1000
"""At most this many of the given test images (the first ones) decide whether a filter is
dead: enough digits to fire any filter a digit can fire, few enough to cost ~0.1 s."""


class FilterComputation:
    """``FilterExplorer``'s grid requests, computation and accepted result (module docstring).

    Expects ``model``, the setting controls (``_layer``, ``_preset``, ``_step_size``,
    ``_seed``, ``_computed``, ``_objective``), ``_steps``, ``_play``, ``_progress``,
    ``_status``, ``_show_examples``, ``_cache``, ``_filters_job``, ``_max_filters``,
    ``_draw_lock``, ``engine_calls``, ``_draw`` and ``_request_examples`` on the panel.
    """

    def _settings(self) -> tuple:
        return (
            self._layer.value,
            self._preset.value,
            round(float(self._step_size.value), 6),
            int(self._seed.value),
            int(self._computed.value),
            self._objective.value,
        )

    def _request(self) -> None:
        model = self.model
        if model is None or not self._layer.value:
            return
        job = self._filters_job
        request = job.new_request()  # Supersedes older requests, cached or computing.
        try:
            key = (weights_fingerprint(model), *self._settings())
        except Exception as error:  # Show it in the widget; a notebook must not break.
            self._show_error(error)
            return
        cached = self._cache.get(key)
        if cached is not None:
            job.deliver(request, lambda result: self._accept(result, key), cached)
            return
        self._progress.value = 0
        self._progress.bar_style = "info"
        self._status.value = f"computing {html.escape(str(self._layer.value))}…"
        job.submit(
            lambda is_current: self._compute(is_current, model, key),
            lambda result: self._accept(result, key),
        )

    def _compute(self, is_current, model: Any, key: tuple) -> FilterResult:
        """The grid's result (in the job's thread); stops early once superseded."""
        _, layer, preset, factor, seed, steps, objective = key

        def progress(step: int, total: int) -> bool:
            if not is_current():
                return False  # Superseded: stop early.
            self._progress.max = max(total, 1)
            self._progress.value = step
            return True

        arguments = preset_arguments(preset, model)
        arguments["step_size"] *= factor
        count = min(filter_count(model, layer), self._max_filters)
        data = self._dead_test_data(model)
        self.engine_calls += 1
        # Looked up on the module at call time, so tests can count or slow the calls.
        result = core_filters.maximize_filters(
            model,
            layer,
            filters=range(count),
            steps=steps,
            seed=seed,
            progress=progress,
            progress_every=max(core_filters.PROGRESS_EVERY, steps // 40),
            preset=preset,
            objective=objective,
            step_size=arguments["step_size"],
            data=data,
        )
        self._cache.put(key, result)
        return result

    def _dead_test_data(self, model: Any) -> np.ndarray | None:
        """The first ``DEAD_TEST_IMAGES`` test images in the model's input range, for the
        engine's "dead" test; None without images or when the model cannot take them
        (another input shape, unusable pixels): red tiles then mean inactive at the start."""
        if self._prepared is None:
            return None
        sample = self._prepared[:DEAD_TEST_IMAGES]
        if sample.shape[1:] != tuple(model.inputs[0].shape[1:]):
            return None
        try:
            return prepare_for_model(model, sample)
        except DataError:
            return None

    def _dead_test_count(self, result: FilterResult) -> int | None:
        """How many test images decided ``result.dead`` (None: the start-image test)."""
        if result.dead_test != "data" or self._prepared is None:
            return None
        return min(len(self._prepared), DEAD_TEST_IMAGES)

    def _on_job_error(self, error: BaseException) -> None:
        """A computation of the latest request failed: say so; the previous picture stays."""
        if isinstance(error, FilterSearchCancelledError):
            return
        if isinstance(error, KeyboardInterrupt):  # Ctrl-C in the kernel.
            error = f"computing {self._layer.value} was interrupted; change a setting to retry."
        self._show_error(error)

    def _accept(self, result: FilterResult, key: tuple) -> None:
        """Show the latest request's result (the job drops superseded ones)."""
        with self._draw_lock:
            self._result = result
            self._result_key = key
            self._artists = None
        self._progress.value = self._progress.max
        self._progress.bar_style = "success"
        count = len(result.filters)
        dead = int(np.count_nonzero(result.dead))
        tested = self._dead_test_count(result)
        word = (
            "inactive at the start" if tested is None else f"dead on {plural(tested, 'test image')}"
        )
        message = (
            f"{result.layer} ({result.objective if result.kind == 'channel' else result.kind}): "
            f"{plural(count, 'filter')}, "
            f"{plural(result.steps, 'step')}, {dead} {word}"
        )
        if not result.in_range:
            message += "; its pixels left the input range"
        self._status.value = status_html(message, "info" if result.in_range else "warning")
        if self._steps.max != result.steps:  # "ascent steps" changed: scrub through all.
            self._quiet_view = True
            try:
                self._steps.max = self._play.max = result.steps
                self._steps.value = self._play.value = result.steps
                self._play.step = max(1, result.steps // 50)
            finally:
                self._quiet_view = False
        self._draw()
        if self._show_examples.value:
            self._request_examples()

    def _show_error(self, error: Exception | str) -> None:
        self._progress.bar_style = "danger"
        self._status.value = status_html(str(error), "error")
