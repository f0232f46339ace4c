"""The Filters tab's "dataset examples": the test images that excite each filter most.

``DatasetExamples`` is the part of ``FilterExplorer`` that, when the toggle is on,
asks for the examples of the shown result's layer (cached per weights, layer and
filters; computed in a ``LatestJob``, the latest request wins) and draws them beside
each filter's optimized image, redrawn from the cache when the step, grid or sort
order moves (a mixin: the panel builds the toggle and the picture).
"""

from __future__ import annotations

from typing import Any

from lenet_widgets.core import filters as core_filters
from lenet_widgets.core.filters import TopExamples
from lenet_widgets.core.model import prepare_for_model
from lenet_widgets.plotting.filters import grid_order, plot_top_examples

__all__ = ["EXAMPLE_COUNT", "EXAMPLE_ROWS", "GRID_FIGSIZE", "DatasetExamples"]

GRID_FIGSIZE = (4.2, 5.6)
"""Grid picture size in inches, shown at 96 CSS px per inch: 403 x 538 px, so the grid and
its controls fit a 1280x900 window, and the dataset examples sit beside it (806 px)."""

EXAMPLE_COUNT = 6
"""Test images shown per filter beside its optimized image."""

EXAMPLE_ROWS = 6
"""At most this many filters (the grid's first row) in the dataset examples picture."""


class DatasetExamples:
    """``FilterExplorer``'s dataset examples (see the module docstring).

    Expects ``model``, ``_result``, ``_result_key``, ``_prepared``, ``_images``,
    ``_labels``, ``_examples``, ``_examples_key``, ``_examples_cache``, ``_examples_job``,
    ``_examples_view``, ``_show_examples``, ``_steps``, ``_grid``, ``_sort``,
    ``_draw_lock``, ``example_calls`` and ``_request_examples`` on the panel.
    """

    def _on_examples_toggle(self, change: dict) -> None:
        self._examples_view.image.layout.display = None if change["new"] else "none"
        if change["new"]:
            self._request_examples()

    def _request_examples(self) -> None:
        """Show the dataset examples of the shown result's layer: cached, else computed."""
        model, key, result = self.model, self._result_key, self._result
        if self._prepared is None or model is None or key is None or result is None:
            return
        job = self._examples_job
        request = job.new_request()  # A newer layer or weights supersede older examples.
        examples_key = (key[0], key[1], tuple(int(index) for index in result.filters))

        def accept(examples: TopExamples) -> None:
            self._accept_examples(examples_key, examples)

        cached = self._examples_cache.get(examples_key)
        if cached is not None:
            job.deliver(request, accept, cached)
            return
        job.submit(lambda is_current: self._compute_examples(model, examples_key), accept)

    def _compute_examples(self, model: Any, examples_key: tuple) -> TopExamples:
        """The test images exciting each filter most (in the job's thread)."""
        _, layer, filters = examples_key
        self.example_calls += 1
        # Looked up on the module at call time, so tests can count the calls.
        examples = core_filters.top_activating_examples(
            model,
            layer,
            prepare_for_model(model, self._prepared),
            filters=filters,
            count=EXAMPLE_COUNT,
        )
        self._examples_cache.put(examples_key, examples)
        return examples

    def _accept_examples(self, examples_key: tuple, examples: TopExamples) -> None:
        with self._draw_lock:
            self._examples = examples
            self._examples_key = examples_key
            self._draw_examples_locked()

    def _draw_examples_locked(self) -> None:
        """Redraw the examples picture (caller holds the draw lock); no recomputation."""
        result, examples, key = self._result, self._examples, self._result_key
        if not self._show_examples.value or result is None or examples is None or key is None:
            return
        if self._examples_key != (key[0], key[1], tuple(int(index) for index in result.filters)):
            return  # Those of the new layer or weights are on their way: never mix them.
        step = min(int(self._steps.value), result.steps)
        images, activations = result.at(step)
        order = grid_order(activations, result.filters, result.dead, self._sort.value)
        rows = order[: max(1, min(int(self._grid.value), EXAMPLE_ROWS))]
        figure = self._examples_view.figure
        figure.set_size_inches(GRID_FIGSIZE[0], 0.5 + 0.78 * len(rows))
        plot_top_examples(
            figure,
            images[rows],
            self._images,
            result.filters[rows],
            examples.indices[rows],
            examples.activations[rows],
            self._labels,
        )
        figure.suptitle(
            f"{result.layer}: optimized (step {step}), test images exciting it most",
            fontsize=8,
            y=0.995,
            va="top",
        )
        self._examples_view.refresh()
