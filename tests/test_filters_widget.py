"""FilterExplorer: live redraws without recomputation, caching, superseded requests."""

from __future__ import annotations

import threading

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import traitlets

from lenet_widgets.core import filters as core_filters
from lenet_widgets.core.model import build_lenet
from lenet_widgets.ui.filters import FilterExplorer


@pytest.fixture
def model():
    keras.utils.set_random_seed(0)
    return build_lenet((12, 12, 1), 3, compile=False)


@pytest.fixture
def engine_calls(monkeypatch):
    """Count the calls of the engine the widget makes (the real engine still runs)."""
    calls = []
    real = core_filters.maximize_filters

    def counting(*args, **kwargs):
        calls.append(kwargs.get("seed"))
        return real(*args, **kwargs)

    monkeypatch.setattr(core_filters, "maximize_filters", counting)
    return calls


def _png(explorer):
    """The PNG bytes the widget shows now."""
    return bytes(explorer._view.image.value)


def _explorer(model, **kwargs):
    explorer = FilterExplorer(model, max_steps=4, grid=3, **kwargs)
    assert explorer.wait()
    return explorer


def test_layers_offered_are_the_visualizable_ones(model, engine_calls):
    explorer = _explorer(model)
    assert explorer._layer.options == tuple(core_filters.visualizable_layers(model))
    assert "flatten" not in explorer._layer.options
    assert explorer._layer.value == "conv2d_1"
    assert explorer.result.layer == "conv2d_1"
    assert _png(explorer).startswith(b"\x89PNG")
    assert len(engine_calls) == 1
    assert explorer._play.max == explorer._steps.max == 4


def test_steps_grid_and_sort_redraw_without_recomputing(model, engine_calls):
    explorer = _explorer(model)
    pictures = [_png(explorer)]
    for control, value in ((explorer._steps, 1), (explorer._grid, 5), (explorer._sort, "index")):
        control.value = value
        assert explorer.wait()
        pictures.append(_png(explorer))
    assert len(engine_calls) == 1
    assert len(set(pictures)) == len(pictures)  # Every move changed the picture.
    assert explorer._artists.grid == 5


def test_settings_recompute_and_revisits_come_from_the_cache(model, engine_calls):
    explorer = _explorer(model)
    first = _png(explorer)
    explorer._seed.value = 3
    assert explorer.wait()
    assert engine_calls == [0, 3]
    assert _png(explorer) != first
    explorer._seed.value = 0
    assert explorer.wait()
    assert engine_calls == [0, 3]
    assert _png(explorer) == first
    explorer._layer.value = "conv2d"
    explorer._preset.value = "chapter"
    explorer._step_size.value = 2.0
    assert explorer.wait()
    assert len(engine_calls) == 5
    assert explorer.result.layer == "conv2d"


def test_refresh_recomputes_only_when_weights_changed(model, engine_calls):
    explorer = _explorer(model)
    explorer.refresh()
    assert explorer.wait()
    assert len(engine_calls) == 1
    conv = model.get_layer("conv2d_1")
    conv.set_weights([weight + 0.05 for weight in conv.get_weights()])
    before = explorer.result
    explorer.refresh()
    assert explorer.wait()
    assert len(engine_calls) == 2
    assert not np.allclose(explorer.result.activations, before.activations)


@pytest.mark.parametrize("honours_cancel", [True, False])
def test_a_superseded_request_never_wins(model, monkeypatch, honours_cancel):
    real = core_filters.maximize_filters
    release = threading.Event()
    started = threading.Event()
    finished = []

    def slow_first(*args, **kwargs):
        if kwargs["seed"] == 1:
            started.set()
            release.wait(10)
            if not honours_cancel:
                kwargs["progress"] = None  # An engine that ignores cancellation.
        try:
            return real(*args, **kwargs)
        finally:
            finished.append(kwargs["seed"])

    explorer = _explorer(model)
    monkeypatch.setattr(core_filters, "maximize_filters", slow_first)
    explorer._seed.value = 1
    assert started.wait(10)
    slow_thread = explorer._thread
    explorer._seed.value = 2
    assert explorer.wait()
    newest = _png(explorer)
    release.set()
    slow_thread.join(10)
    assert finished[-1] == 1  # The old request did finish (or was cancelled) last.
    assert explorer.result.settings["seed"] == 2
    assert _png(explorer) == newest


def test_errors_show_in_the_status_line(model, monkeypatch):
    explorer = _explorer(model)

    def broken(*args, **kwargs):
        raise ValueError("layer <b> exploded")

    monkeypatch.setattr(core_filters, "maximize_filters", broken)
    explorer._seed.value = 5
    assert explorer.wait()
    assert "layer &lt;b&gt; exploded" in explorer._status.value
    assert explorer._progress.bar_style == "danger"
    with pytest.raises(traitlets.TraitError, match="expected a Keras model"):
        explorer.model = "lenet.keras"


def test_no_matplotlib_figures_leak(model):
    before = len(plt.get_fignums())
    explorer = _explorer(model)
    for value in range(5):
        explorer._steps.value = value % 5
        explorer._grid.value = 1 + value
    explorer.model = build_lenet((12, 12, 1), 3, compile=False)
    assert explorer.wait()
    assert len(plt.get_fignums()) == before
    assert len(explorer._view.figure.axes) == 1
