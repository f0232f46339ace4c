"""``FilterExplorer``: see what each filter of a layer responds to, with live sliders.

Moving the steps or grid slider (or pressing Play) redraws from the stored
result: no recomputation, the same figure updated in place and rendered once.
Changing the layer, seed, preset or step size recomputes in a background thread
with a progress bar; a newer request supersedes an older one (request counter,
checked by the engine's progress callback), so a stale result never replaces a
newer picture. Results are cached per (weights, layer, settings).
"""

from __future__ import annotations

import html
import threading
from collections import OrderedDict
from typing import Any

import ipywidgets as widgets
import numpy as np
import traitlets

from lenet_widgets.core import filters as core_filters
from lenet_widgets.core.filters import (
    PRESETS,
    FilterResult,
    FilterSearchCancelledError,
    filter_count,
    preset_arguments,
    visualizable_layers,
)
from lenet_widgets.core.model import weights_fingerprint
from lenet_widgets.plotting.filters import SORT_ORDERS, plot_filter_grid, update_grid
from lenet_widgets.ui.figure_view import FigureView

__all__ = ["FilterExplorer"]

CACHE_SIZE = 8
"""How many computed results ``FilterExplorer`` keeps (per weights, layer and settings)."""


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
        preset: str = "mnist",
        max_filters: int = 64,
        background: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if preset not in PRESETS:
            raise ValueError(f"preset {preset!r} is unknown; expected one of {sorted(PRESETS)}.")
        self._initial_layer = layer
        self._max_filters = int(max_filters)
        self._background = bool(background)
        self._cache: OrderedDict = OrderedDict()
        self._result: FilterResult | None = None
        self._artists = None
        self._request_id = 0
        self._thread: threading.Thread | None = None
        self._draw_lock = threading.Lock()
        self._quiet = False
        self.engine_calls = 0

        style = {"description_width": "70px"}
        self._layer = widgets.Dropdown(description="layer", options=[], style=style)
        self._steps = widgets.IntSlider(
            value=max_steps, min=0, max=max_steps, description="step", style=style
        )
        self._play = widgets.Play(value=0, min=0, max=max_steps, interval=150, description="play")
        widgets.jslink((self._play, "value"), (self._steps, "value"))
        self._grid = widgets.IntSlider(value=grid, min=1, max=10, description="grid", style=style)
        self._step_size = widgets.FloatLogSlider(
            value=1.0, base=10, min=-1, max=1, step=0.1, description="step ×", style=style
        )
        self._seed = widgets.BoundedIntText(value=0, min=0, max=2**31 - 1, description="seed")
        self._seed.layout.width = "160px"
        self._preset = widgets.Dropdown(
            options=sorted(PRESETS), value=preset, description="preset", style=style
        )
        self._sort = widgets.ToggleButtons(options=list(SORT_ORDERS), value="activation")
        self._sort.style.button_width = "80px"
        self._progress = widgets.IntProgress(value=0, min=0, max=max_steps, description="")
        self._status = widgets.HTML(value="")
        self._view = FigureView(figsize=(6.0, 6.4), dpi=80)

        for control in (self._layer, self._preset, self._step_size, self._seed):
            control.observe(self._on_settings_change, names="value")
        self._steps.observe(self._on_view_change, names="value")
        self._grid.observe(self._on_view_change, names="value")
        self._sort.observe(self._on_view_change, names="value")

        self.children = (
            widgets.HBox([self._layer, self._preset, self._seed]),
            widgets.HBox([self._step_size, self._grid]),
            widgets.HBox([self._play, self._steps, self._sort]),
            widgets.HBox([self._progress, self._status]),
            self._view.image,
        )
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

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until background work is finished; True if it finished in time."""
        thread = self._thread
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
        if not hasattr(model, "layers") or not hasattr(model, "inputs"):
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
        self._draw()

    # ------------------------------------------------------------------ computing

    def _settings(self) -> tuple:
        return (
            self._layer.value,
            self._preset.value,
            round(float(self._step_size.value), 6),
            int(self._seed.value),
            int(self._steps.max),
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
        if key in self._cache:
            self._cache.move_to_end(key)
            self._accept(request_id, self._cache[key])
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
        _, layer, preset, factor, seed, steps = key

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
            self.engine_calls += 1
            # Looked up on the module at call time, so tests can count or slow the calls.
            result = core_filters.maximize_filters(
                model,
                layer,
                filters=range(count),
                steps=steps,
                seed=seed,
                progress=progress,
                **arguments,
            )
        except FilterSearchCancelledError:
            return
        except Exception as error:
            if request_id == self._request_id:
                self._show_error(error)
            return
        self._cache[key] = result
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        self._accept(request_id, result)

    def _accept(self, request_id: int, result: FilterResult) -> None:
        with self._draw_lock:
            if request_id != self._request_id:
                return  # A newer request was made meanwhile: never show a stale picture.
            self._result = result
            self._artists = None
        self._progress.value = self._progress.max
        self._progress.bar_style = "success"
        count = len(result.filters)
        dead = int(np.count_nonzero(result.dead))
        self._status.value = (
            f"{html.escape(result.layer)} ({result.kind}): {count} filters, "
            f"{result.steps} steps, {dead} dead"
        )
        self._draw()

    def _show_error(self, error: Exception) -> None:
        self._progress.bar_style = "danger"
        self._status.value = f"<span style='color:#d62728'>{html.escape(str(error))}</span>"

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
            title = f"{result.layer}: step {step} of {result.steps}"
            if self._artists is None or self._artists.grid != grid:
                self._artists = plot_filter_grid(
                    figure, images, activations, result.filters, result.dead, grid, sort, title
                )
            else:
                update_grid(self._artists, images, activations, result.filters, result.dead, sort)
                figure.suptitle(title, fontsize=9)
            self._view.refresh()
