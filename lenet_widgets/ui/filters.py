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

Cut along its concerns: this module builds the controls, reacts to them and draws
the grid; ``filters_compute`` runs the grid's requests and accepts their results;
``filters_examples`` computes and draws the dataset examples.
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as widgets
import numpy as np

from lenet_widgets.core.checks import check_integer
from lenet_widgets.core.data import with_channel_axis
from lenet_widgets.core.filters import (
    DEFAULT_PRESET,
    MAX_STEPS,
    OBJECTIVES,
    PRESETS,
    FilterResult,
    TopExamples,
    visualizable_layers,
)
from lenet_widgets.core.model import check_keras_model, weights_fingerprint
from lenet_widgets.display.filters import draw_result_grid
from lenet_widgets.plotting.filters import SORT_ORDERS
from lenet_widgets.ui.cache import RecentCache
from lenet_widgets.ui.controls import fit_labels, log_slider
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.filters_compute import DEAD_TEST_IMAGES, FilterComputation
from lenet_widgets.ui.filters_examples import GRID_FIGSIZE, DatasetExamples
from lenet_widgets.ui.jobs import LatestJob
from lenet_widgets.ui.panel import ModelPanel

__all__ = ["DEAD_TEST_IMAGES", "FilterExplorer"]

CACHE_SIZE = 8
"""How many computed results ``FilterExplorer`` keeps (per weights, layer and settings)."""

STEP_CHOICES = (20, 50, 100, 200, 500)
"""Ascent steps the "ascent steps" control offers (plus the ``max_steps`` given)."""

STALE_WORDS = "the weights changed: the filters are computed again when this tab is shown…"
"""The status while a refresh waits for the tab (the old picture stays until then)."""

MAX_GRID = 10
"""Largest grid the grid slider offers (tiles per side)."""


class FilterExplorer(FilterComputation, DatasetExamples, ModelPanel):
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
    weights changed; ``wait()`` blocks until background work is done. Both computations
    (the grid, the dataset examples) are ``LatestJob``s: the latest request wins.
    """

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
        check_integer("max_steps", max_steps, 0, MAX_STEPS)
        check_integer("grid", grid, 1, MAX_GRID)
        check_integer("max_filters", max_filters, 1)
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
        self.example_calls = 0
        self._initial_layer = layer
        self._max_filters = int(max_filters)
        self._cache = RecentCache(CACHE_SIZE)
        self._result: FilterResult | None = None
        self._artists = None
        # Gradient ascent polls for cancellation: a newer request starts at once (overlap).
        self._filters_job = LatestJob(
            self._on_job_error, background=background, overlap=True, name="lenet-filters"
        )
        self._examples_job = LatestJob(
            self._on_job_error, background=background, overlap=True, name="lenet-filter-examples"
        )
        self._jobs = (self._filters_job, self._examples_job)
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
        self._step_size = log_slider(
            "step size ×",
            1.0,
            (-1, 1),
            0.1,
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
        """Recompute if the weights changed since the picture was made (cache otherwise).

        While the panel is not on screen (``active`` off) this waits until it is, and
        when the weights did change the status line says so at once: the words of the
        old picture would otherwise describe weights the model no longer has until the
        tab is shown again.
        """
        if not self._deferred():
            self._request()
        elif self._weights_changed_since_result():
            self.set_status(STALE_WORDS)

    def _weights_changed_since_result(self) -> bool:
        """True when the picture shown was computed from other weights than the model's now."""
        if self._result_key is None or self.model is None:
            return False
        return weights_fingerprint(self.model) != self._result_key[0]

    def _draw_stale(self) -> None:
        """Shown again after a refresh was deferred: recompute (or take the cache)."""
        self._request()

    @property
    def examples(self) -> TopExamples | None:
        """The dataset examples of the layer shown (None until the toggle computed them)."""
        return self._examples

    def wait(self, timeout: float | None = 60.0) -> bool:
        """Block until the grid and the dataset examples are computed (one deadline for both).

        Returns:
            True if everything finished in time, also examples that a result arriving
            meanwhile started.
        """
        return super().wait(timeout)

    def check_model(self, model: Any) -> None:
        """Raise ``TypeError``/``ValueError`` unless ``model`` has a layer to visualize."""
        check_keras_model(model, TypeError)
        if not visualizable_layers(model):  # Raises ValueError for unusable models.
            raise ValueError(f"model {model.name!r} has no layer to visualize.")

    # ------------------------------------------------------------------ traits

    def _show_model(self, model: Any) -> None:
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

    # ------------------------------------------------------------------ drawing

    def _draw(self) -> None:
        with self._draw_lock:
            result = self._result
            if result is None:
                return
            step = min(int(self._steps.value), result.steps)
            preset = result.settings.get("preset") or "custom"
            self._artists = draw_result_grid(
                self._view.figure,
                result,
                step,
                int(self._grid.value),
                self._sort.value,
                f"{result.layer}, preset {preset}: step {step} of {result.steps}",
                data_count=self._dead_test_count(result),
                artists=self._artists,
            )
            self._view.refresh()
            self._draw_examples_locked()
