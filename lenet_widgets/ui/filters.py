"""``FilterExplorer``: see what each filter of a layer responds to, with live sliders.

Moving the steps or grid slider (or pressing Play) redraws from the stored
result: no recomputation, the same figure updated in place and rendered once.
Changing the layer, seed, preset or step size recomputes in a background thread
with a progress bar; a newer request supersedes an older one (request counter,
checked by the engine's progress callback), so a stale result never replaces a
newer picture. Results are cached per (weights, layer, settings).

Given test ``images`` (and ``labels``), the "dataset examples" toggle shows a
second picture: for each filter of the grid's first row, its optimized image
beside the test images that activate it most. Those are computed once per
(weights, layer), in the background like the rest, and redrawn from the cache
when the step, grid or sort order moves. Off by default: nothing is computed
until it is switched on.

Given test ``images``, they also decide which tiles are *dead*: the first
``DEAD_TEST_IMAGES`` of them go to the engine (``maximize_filters(..., data=...)``), so
a tile is marked dead only when none of those digits (nor its optimized image) makes
the filter positive anywhere; the caption says how many digits were used. Without
images (or with images the model cannot take) a red tile only means *inactive at the
start*: zero at the start image, which a real digit may still fire.
"""

from __future__ import annotations

import html
import threading
from typing import Any

import ipywidgets as widgets
import numpy as np
import traitlets

from lenet_widgets.core import filters as core_filters
from lenet_widgets.core.data import DataError, with_channel_axis
from lenet_widgets.core.filters import (
    DEFAULT_PRESET,
    MAX_STEPS,
    OBJECTIVES,
    PRESETS,
    FilterResult,
    FilterSearchCancelledError,
    TopExamples,
    filter_count,
    preset_arguments,
    visualizable_layers,
)
from lenet_widgets.core.model import prepare_for_model, weights_fingerprint
from lenet_widgets.plotting.filters import (
    SORT_ORDERS,
    grid_caption,
    grid_order,
    plot_filter_grid,
    plot_top_examples,
    update_grid,
)
from lenet_widgets.text import plural
from lenet_widgets.ui.cache import RecentCache
from lenet_widgets.ui.controls import fit_labels
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.status import status_html

__all__ = ["FilterExplorer"]

CACHE_SIZE = 8
"""How many computed results ``FilterExplorer`` keeps (per weights, layer and settings)."""

STEP_CHOICES = (20, 50, 100, 200, 500)
"""Ascent steps the "ascent steps" control offers (plus the ``max_steps`` given)."""

GRID_FIGSIZE = (4.2, 5.6)
"""Grid picture size in inches, shown at 96 CSS px per inch: 403 x 538 px, so the grid and
its controls fit a 1280x900 window, and the dataset examples sit beside it (806 px)."""

MAX_GRID = 10
"""Largest grid the grid slider offers (tiles per side)."""

EXAMPLE_COUNT = 6
"""Test images shown per filter beside its optimized image."""

EXAMPLE_ROWS = 6
"""At most this many filters (the grid's first row) in the dataset examples picture."""

DEAD_TEST_IMAGES = 1000
"""At most this many of the given test images (the first ones) decide whether a filter is
dead: enough digits to fire any filter a digit can fire, few enough to cost ~0.1 s."""


class FilterExplorer(widgets.VBox):
    """Activation maximization of a layer's filters, explored with sliders.

    Args:
        model: a Keras model (can be set later through the ``model`` trait).
        layer: layer to show first (default ``conv2d_1`` when present, else the first one).
        max_steps: steps computed per request; the steps slider shows any of them.
        grid: tiles per side.
        preset: a name of ``core.filters.PRESETS``.
        max_filters: at most this many filters are optimized (the first ones of the layer).
        background: compute in a thread (``False``: compute before returning, e.g. scripts).
        images: optional test images ``(N, H, W)`` uint8 or ``(N, H, W, C)``; enables the
            "dataset examples" toggle (the test images that activate each filter most), and
            the first ``DEAD_TEST_IMAGES`` of them decide which filters are dead (none of
            them makes the filter positive anywhere) instead of "inactive at the start".
        labels: optional ``(N,)`` labels of ``images``, shown above the examples.

    Public traits: ``model`` (setting it recomputes). ``refresh()`` recomputes if the
    weights changed; ``wait()`` blocks until background work is done.
    """

    model = traitlets.Any(allow_none=True, help="the Keras model whose filters are shown")

    def __init__(
        self,
        model: Any = None,
        layer: str | None = None,
        max_steps: int = 20,
        grid: int = 6,
        preset: str = DEFAULT_PRESET,
        max_filters: int = 64,
        background: bool = True,
        images: Any = None,
        labels: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if preset not in PRESETS:
            raise ValueError(f"preset {preset!r} is unknown; expected one of {sorted(PRESETS)}.")
        _check_integer("max_steps", max_steps, 0, MAX_STEPS)
        _check_integer("grid", grid, 1, MAX_GRID)
        _check_integer("max_filters", max_filters, 1, None)
        self._images = None if images is None else np.asarray(images)
        # Kept as given (uint8: no float copy); converted to the model's input range when used.
        self._prepared = None if images is None else with_channel_axis(self._images, "images")
        self._labels = None if labels is None else np.asarray(labels).reshape(-1)
        if self._labels is not None and (
            self._images is None or len(self._labels) != len(self._images)
        ):
            raise ValueError(
                f"labels have {len(self._labels)} entries; expected one per image "
                f"({0 if self._images is None else len(self._images)})."
            )
        self._examples_cache = RecentCache(CACHE_SIZE)
        self._examples: TopExamples | None = None
        self._examples_key: tuple | None = None
        self._result_key: tuple | None = None
        self._examples_request_id = 0
        self._examples_thread: threading.Thread | None = None
        self.example_calls = 0
        self._initial_layer = layer
        self._max_filters = int(max_filters)
        self._background = bool(background)
        self._cache = RecentCache(CACHE_SIZE)
        self._result: FilterResult | None = None
        self._artists = None
        self._request_id = 0
        self._thread: threading.Thread | None = None
        self._draw_lock = threading.Lock()
        self._quiet = False
        self._quiet_view = False
        self.engine_calls = 0

        style = {"description_width": "70px"}
        self._layer = widgets.Dropdown(description="layer", options=[], style=style)
        self._steps = widgets.IntSlider(
            value=max_steps, min=0, max=max_steps, description="show step", style=style
        )
        self._steps.tooltip = "which step of the ascent is shown (0: the start images)"
        self._computed = widgets.Dropdown(
            options=sorted({*STEP_CHOICES, int(max_steps)}),
            value=int(max_steps),
            description="ascent steps",
            tooltip="how many ascent steps are computed (in the background); "
            "'show step' then scrubs through all of them",
            style=style,
        )
        self._objective = widgets.Dropdown(
            options=list(OBJECTIVES),
            value="channel",
            description="objective",
            tooltip="channel: maximize the mean of the filter's map; "
            "neuron: only its centre position (a localized pattern)",
            style=style,
        )
        # Starts at the last step: jslink copies the Play's value into the slider when
        # the browser draws it, so a Play starting at 0 would show the random start images.
        self._play = widgets.Play(
            value=max_steps,
            min=0,
            max=max_steps,
            interval=150,
            description="play",
            tooltip="▶ replay the ascent step by step (pause) · ■ back to step 0 · ⟲ repeat",
        )
        widgets.jslink((self._play, "value"), (self._steps, "value"))
        self._grid = widgets.IntSlider(
            value=grid, min=1, max=MAX_GRID, description="grid", style=style
        )
        self._step_size = widgets.FloatLogSlider(
            value=1.0,
            base=10,
            min=-1,
            max=1,
            step=0.1,
            description="step size ×",
            tooltip="multiplies the preset's ascent step size",
            style=style,
        )
        self._seed = widgets.BoundedIntText(value=0, min=0, max=2**31 - 1, description="seed")
        self._seed.layout.width = "160px"
        self._preset = widgets.Dropdown(
            options=[
                (name if PRESETS[name].in_range else f"{name} (leaves input range)", name)
                for name in sorted(PRESETS)
            ],
            value=preset,
            description="preset",
            tooltip="; ".join(f"{name}: {PRESETS[name].description}" for name in sorted(PRESETS)),
            style=style,
        )
        self._sort = widgets.ToggleButtons(options=list(SORT_ORDERS), value="activation")
        self._sort.style.button_width = "80px"
        self._progress = widgets.IntProgress(value=0, min=0, max=max_steps, description="")
        self._status = widgets.HTML(value="")
        self._view = FigureView(figsize=GRID_FIGSIZE, dpi=96, css_class="lenet-filter-grid")
        self._show_examples = widgets.ToggleButton(
            value=False,
            description="dataset examples",
            disabled=self._prepared is None,
            tooltip="the test images that activate each filter of the grid's first row most"
            if self._prepared is not None
            else "pass images= (test images) to enable",
        )
        self._examples_view = FigureView(
            figsize=(GRID_FIGSIZE[0], 5.0), dpi=96, css_class="lenet-filter-examples"
        )
        self._examples_view.image.layout.display = "none"

        for control in (
            self._layer,
            self._preset,
            self._objective,
            self._computed,
            self._step_size,
            self._seed,
        ):
            control.observe(self._on_settings_change, names="value")
        self._steps.observe(self._on_view_change, names="value")
        self._grid.observe(self._on_view_change, names="value")
        self._sort.observe(self._on_view_change, names="value")
        self._show_examples.observe(self._on_examples_toggle, names="value")

        self.children = (
            widgets.HBox([self._layer, self._preset, self._objective, self._seed]),
            widgets.HBox([self._computed, self._step_size, self._grid]),
            widgets.HBox([self._play, self._steps, self._sort]),
            widgets.HBox([self._progress, self._status, self._show_examples]),
            widgets.HBox(
                [self._view.image, self._examples_view.image],
                layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
            ),
        )
        fit_labels(self)
        if model is not None:
            self.model = model

    # ------------------------------------------------------------------ public

    @property
    def result(self) -> FilterResult | None:
        """The result shown now (None before the first one arrives)."""
        return self._result

    def refresh(self) -> None:
        """Recompute if the weights changed since the picture was made (cache otherwise)."""
        self._request()

    @property
    def examples(self) -> TopExamples | None:
        """The dataset examples of the layer shown (None until the toggle computed them)."""
        return self._examples

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until background work is finished; True if it finished in time."""
        for thread in (self._thread, self._examples_thread):
            if thread is not None:
                thread.join(timeout)
                if thread.is_alive():
                    return False
        # A result accepted meanwhile may have started the examples of its layer.
        thread = self._examples_thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    # ------------------------------------------------------------------ traits

    @traitlets.validate("model")
    def _validate_model(self, proposal: dict) -> Any:
        model = proposal["value"]
        if model is None:
            return model
        if not hasattr(model, "layers"):
            raise traitlets.TraitError(f"model is {type(model).__name__}; expected a Keras model.")
        try:
            names = visualizable_layers(model)
        except ValueError as error:
            raise traitlets.TraitError(str(error)) from error
        if not names:
            raise traitlets.TraitError(f"model {model.name!r} has no layer to visualize.")
        return model

    @traitlets.observe("model")
    def _on_model_change(self, change: dict) -> None:
        model = change["new"]
        self._quiet = True
        try:
            if model is None:
                self._layer.options = []
                return
            names = visualizable_layers(model)
            wanted = self._initial_layer or self._layer.value
            if wanted not in names:
                wanted = "conv2d_1" if "conv2d_1" in names else names[0]
            self._layer.options = names
            self._layer.value = wanted
        finally:
            self._quiet = False
        self._request()

    # ------------------------------------------------------------------ reactions

    def _on_settings_change(self, change: dict) -> None:
        if not self._quiet:
            self._request()

    def _on_view_change(self, change: dict) -> None:
        if not self._quiet_view:
            self._draw()

    def _on_examples_toggle(self, change: dict) -> None:
        self._examples_view.image.layout.display = None if change["new"] else "none"
        if change["new"]:
            self._request_examples()

    # ------------------------------------------------------------------ computing

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
        self._request_id += 1
        request_id = self._request_id
        try:
            key = (weights_fingerprint(model), *self._settings())
        except Exception as error:  # Show it in the widget; a notebook must not break.
            self._show_error(error)
            return
        cached = self._cache.get(key)
        if cached is not None:
            self._accept(request_id, cached, key)
            return
        self._progress.value = 0
        self._progress.bar_style = "info"
        self._status.value = f"computing {html.escape(str(self._layer.value))}…"
        if self._background:
            thread = threading.Thread(
                target=self._compute, args=(request_id, model, key), daemon=True
            )
            self._thread = thread
            thread.start()
        else:
            self._compute(request_id, model, key)

    def _compute(self, request_id: int, model: Any, key: tuple) -> None:
        _, layer, preset, factor, seed, steps, objective = key

        def progress(step: int, total: int) -> bool:
            if request_id != self._request_id:
                return False  # Superseded: stop early.
            self._progress.max = max(total, 1)
            self._progress.value = step
            return True

        try:
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
        except FilterSearchCancelledError:
            return
        except KeyboardInterrupt:  # Ctrl-C in the kernel: the previous picture stays.
            if request_id == self._request_id:
                self._show_error(f"computing {layer} was interrupted; change a setting to retry.")
            return
        except Exception as error:
            if request_id == self._request_id:
                self._show_error(error)
            return
        self._cache.put(key, result)
        self._accept(request_id, result, key)

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

    def _accept(self, request_id: int, result: FilterResult, key: tuple) -> None:
        with self._draw_lock:
            if request_id != self._request_id:
                return  # A newer request was made meanwhile: never show a stale picture.
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

    # ------------------------------------------------------------------ drawing

    def _draw(self) -> None:
        with self._draw_lock:
            result = self._result
            if result is None:
                return
            step = min(int(self._steps.value), result.steps)
            images, activations = result.at(step)
            grid, sort = int(self._grid.value), self._sort.value
            figure = self._view.figure
            preset = result.settings.get("preset") or "custom"
            title = f"{result.layer}, preset {preset}: step {step} of {result.steps}"
            caption = grid_caption(
                result.kind,
                result.objective,
                int(np.count_nonzero(result.dead)),
                result.dead_test,
                result.input_range,
                (float(images.min()), float(images.max())),
                self._dead_test_count(result),
            )
            dead_label = "dead" if result.dead_test == "data" else "inactive"
            if self._artists is None or self._artists.grid != grid:
                self._artists = plot_filter_grid(
                    figure,
                    images,
                    activations,
                    result.filters,
                    result.dead,
                    grid,
                    sort,
                    title,
                    caption=caption,
                    dead_label=dead_label,
                )
            else:
                update_grid(
                    self._artists,
                    images,
                    activations,
                    result.filters,
                    result.dead,
                    sort,
                    title,
                    caption=caption,
                    dead_label=dead_label,
                )
            self._view.refresh()
            self._draw_examples_locked()

    # ------------------------------------------------------------------ dataset examples

    def _request_examples(self) -> None:
        """Show the dataset examples of the shown result's layer: cached, else computed."""
        model, key, result = self.model, self._result_key, self._result
        if self._prepared is None or model is None or key is None or result is None:
            return
        self._examples_request_id += 1
        request_id = self._examples_request_id
        examples_key = (key[0], key[1], tuple(int(index) for index in result.filters))
        cached = self._examples_cache.get(examples_key)
        if cached is not None:
            self._accept_examples(request_id, examples_key, cached)
            return
        if self._background:
            thread = threading.Thread(
                target=self._compute_examples,
                args=(request_id, model, examples_key),
                daemon=True,
            )
            self._examples_thread = thread
            thread.start()
        else:
            self._compute_examples(request_id, model, examples_key)

    def _compute_examples(self, request_id: int, model: Any, examples_key: tuple) -> None:
        _, layer, filters = examples_key
        try:
            self.example_calls += 1
            # Looked up on the module at call time, so tests can count the calls.
            examples = core_filters.top_activating_examples(
                model,
                layer,
                prepare_for_model(model, self._prepared),
                filters=filters,
                count=EXAMPLE_COUNT,
            )
        except Exception as error:
            if request_id == self._examples_request_id:
                self._show_error(error)
            return
        self._examples_cache.put(examples_key, examples)
        self._accept_examples(request_id, examples_key, examples)

    def _accept_examples(self, request_id: int, examples_key: tuple, examples: TopExamples) -> None:
        with self._draw_lock:
            if request_id != self._examples_request_id:
                return  # Superseded: a newer layer or weights asked meanwhile.
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


def _check_integer(name: str, value: Any, low: int, high: int | None) -> None:
    """Raise ``ValueError`` naming ``value`` unless it is an integer in ``low..high``."""
    integer = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not integer or value < low or (high is not None and value > high):
        expected = f"from {low} to {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} is {value!r}; expected an integer {expected}.")
