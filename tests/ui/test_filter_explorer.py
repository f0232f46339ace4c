"""FilterExplorer: live redraws without recomputation, caching, superseded requests."""

from __future__ import annotations

import threading

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import traitlets

from lenet_widgets.core import filters as core_filters
from lenet_widgets.core.data import prepare_images
from lenet_widgets.core.model import build_lenet
from lenet_widgets.ui.filters import FilterExplorer

from tiny_models import good_lenet


@pytest.fixture
def model():
    return good_lenet(compile=False)


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
    slow_thread = explorer._filters_job.thread
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


@pytest.fixture
def example_calls(monkeypatch):
    """Count the dataset-example searches the widget makes (the real search still runs)."""
    calls = []
    real = core_filters.top_activating_examples

    def counting(model, layer, images, **kwargs):
        calls.append(layer)
        return real(model, layer, images, **kwargs)

    monkeypatch.setattr(core_filters, "top_activating_examples", counting)
    return calls


@pytest.fixture
def test_images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 12, 12), dtype=np.uint8), rng.integers(0, 3, 40)


def test_dataset_examples_are_off_by_default_and_need_images(model, example_calls, test_images):
    plain = _explorer(model)
    assert plain._show_examples.disabled
    images, labels = test_images
    explorer = _explorer(model, images=images, labels=labels)
    assert not explorer._show_examples.disabled
    assert not explorer._show_examples.value
    assert explorer._examples_view.image.layout.display == "none"
    explorer._steps.value = 2
    assert explorer.wait()
    assert example_calls == []
    assert explorer.examples is None
    with pytest.raises(ValueError, match="labels have 3 entries"):
        FilterExplorer(model, images=images, labels=[0, 1, 2], background=False)


def test_toggle_shows_the_top_test_images_of_the_first_grid_row(model, example_calls, test_images):
    images, labels = test_images
    explorer = _explorer(model, images=images, labels=labels)
    explorer._show_examples.value = True
    assert explorer.wait()
    assert example_calls == ["conv2d_1"]
    assert explorer._examples_view.image.layout.display is None
    assert bytes(explorer._examples_view.image.value).startswith(b"\x89PNG")
    examples = explorer.examples
    assert examples.layer == "conv2d_1"
    assert examples.indices.shape == (len(explorer.result.filters), 6)
    expected = core_filters.top_activating_examples(
        model, "conv2d_1", prepare_images(images), filters=explorer.result.filters, count=6
    )
    np.testing.assert_array_equal(examples.indices, expected.indices)
    # One row per filter of the grid's first row (grid 3), each: optimized + 6 examples.
    assert len(explorer._examples_view.figure.axes) == 3 * 7


def test_moving_steps_grid_or_sort_redraws_examples_without_recomputing(
    model, engine_calls, example_calls, test_images
):
    images, labels = test_images
    explorer = _explorer(model, images=images, labels=labels)
    explorer._show_examples.value = True
    assert explorer.wait()
    renders = explorer._examples_view.renders
    for control, value in ((explorer._steps, 1), (explorer._grid, 2), (explorer._sort, "index")):
        control.value = value
        assert explorer.wait()
    assert example_calls == ["conv2d_1"]
    assert len(engine_calls) == 1
    assert explorer._examples_view.renders == renders + 3
    assert len(explorer._examples_view.figure.axes) == 2 * 7  # Grid 2: two rows.
    explorer._show_examples.value = False
    explorer._show_examples.value = True  # Back on: from the cache.
    assert explorer.wait()
    assert example_calls == ["conv2d_1"]


def test_examples_follow_the_layer_and_weights_and_are_cached(model, example_calls, test_images):
    images, labels = test_images
    explorer = _explorer(model, images=images, labels=labels)
    explorer._show_examples.value = True
    assert explorer.wait()
    explorer._layer.value = "conv2d"
    assert explorer.wait()
    assert example_calls == ["conv2d_1", "conv2d"]
    assert explorer.examples.layer == "conv2d"
    explorer._layer.value = "conv2d_1"
    assert explorer.wait()
    assert example_calls == ["conv2d_1", "conv2d"]  # Revisited: from the cache.
    assert explorer.examples.layer == "conv2d_1"
    conv = model.get_layer("conv2d_1")
    conv.set_weights([weight + 0.05 for weight in conv.get_weights()])
    explorer.refresh()
    assert explorer.wait()
    assert example_calls == ["conv2d_1", "conv2d", "conv2d_1"]


def test_a_superseded_examples_search_never_wins(model, monkeypatch, test_images):
    images, labels = test_images
    explorer = _explorer(model, images=images, labels=labels)
    real = core_filters.top_activating_examples
    release = threading.Event()
    started = threading.Event()

    def slow_for_conv2d_1(model, layer, images, **kwargs):
        if layer == "conv2d_1":
            started.set()
            release.wait(10)
        return real(model, layer, images, **kwargs)

    monkeypatch.setattr(core_filters, "top_activating_examples", slow_for_conv2d_1)
    explorer._show_examples.value = True
    assert started.wait(10)
    slow_thread = explorer._examples_job.thread
    explorer._layer.value = "conv2d"
    assert explorer.wait()
    newest = bytes(explorer._examples_view.image.value)
    release.set()
    slow_thread.join(10)
    assert explorer.examples.layer == "conv2d"
    assert bytes(explorer._examples_view.image.value) == newest


def test_ascent_steps_control_recomputes_and_the_step_slider_reaches_all(model, engine_calls):
    explorer = _explorer(model)
    assert 200 in explorer._computed.options and 500 in explorer._computed.options
    explorer._computed.value = 200
    assert explorer.wait()
    assert len(engine_calls) == 2
    assert explorer.result.steps == 200
    assert explorer._steps.max == explorer._play.max == 200
    assert explorer._steps.value == 200
    assert explorer._play.step > 1  # Play takes ~50 frames, not 200.
    explorer._steps.value = 150  # Scrubbing: no recomputation.
    assert explorer.wait()
    assert len(engine_calls) == 2


def test_default_preset_objective_and_words(model):
    explorer = _explorer(model)
    assert explorer._preset.value == core_filters.DEFAULT_PRESET
    assert explorer.result.in_range
    assert explorer.result.settings["preset"] == core_filters.DEFAULT_PRESET
    texts = [text.get_text() for text in explorer._artists.captions]
    assert texts[0].startswith("tile caption: #filter")
    assert "inactive (red): zero at the start image" in texts[1]
    assert texts[2].startswith("pixels inside the input range")
    assert "1 steps" not in explorer._status.value
    assert explorer._step_size.description == "step size ×"
    assert explorer._steps.description == "show step"
    assert "repeat" in explorer._play.tooltip
    explorer._objective.value = "neuron"
    assert explorer.wait()
    assert explorer.result.objective == "neuron"
    assert "centre neuron" in explorer._artists.captions[0].get_text()
    explorer._preset.value = "chapter"
    assert explorer.wait()
    assert not explorer.result.in_range
    assert "OUTSIDE the input range" in explorer._artists.captions[2].get_text()
    assert "left the input range" in explorer._status.value


def _dense_model():
    """4x4 -> Dense(3, relu): unit 0 fires only on a bright first pixel (zero at the grey
    start and no gradient: inactive at the start), unit 1 never (dead), unit 2 always."""
    model = keras.Sequential(
        [
            keras.Input((4, 4, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="relu", name="d"),
        ]
    )
    kernel = np.zeros((16, 3), np.float32)
    kernel[0, 0] = 1.0
    kernel[:, 2] = 0.1
    model.get_layer("d").set_weights([kernel, np.array([-0.9, -1.0, 0.0], np.float32)])
    return model


def _dead_explorer(model, **kwargs):
    return FilterExplorer(model, layer="d", max_steps=5, grid=2, background=False, **kwargs)


def _captions(explorer):
    return [text.get_text() for text in explorer._artists.captions]


def test_dead_tiles_are_tested_on_the_given_test_images(monkeypatch, model):
    images = np.zeros((3, 4, 4), np.uint8)
    images[1, 0, 0] = 255  # The second test digit fires unit 0.
    explorer = _dead_explorer(_dense_model(), images=images)
    assert explorer.result.dead_test == "data"
    assert explorer.result.dead.tolist() == [False, True, False]
    labels = [label.get_text() for label in explorer._artists.labels]
    assert "#1 dead" in labels and not any("inactive" in label for label in labels)
    assert "dead (red): never active on 3 test images (1)" in _captions(explorer)
    assert "1 dead on 3 test images" in explorer._status.value

    # A bounded sample: only the first DEAD_TEST_IMAGES digits are tried.
    monkeypatch.setattr("lenet_widgets.ui.filters_compute.DEAD_TEST_IMAGES", 1)
    first_only = _dead_explorer(_dense_model(), images=images)
    assert first_only.result.dead.tolist() == [True, True, False]
    assert "dead (red): never active on 1 test image (2)" in _captions(first_only)

    # Without images a red tile only means inactive at the start, and says so.
    plain = _dead_explorer(_dense_model())
    assert plain.result.dead_test == "start"
    assert plain.result.dead.tolist() == [True, True, False]
    assert any(text.startswith("inactive (red): zero at the start") for text in _captions(plain))
    assert "2 inactive at the start" in plain._status.value

    # Images the model cannot take (4x4 digits, a 12x12 model): the start test, no error.
    other = FilterExplorer(model, max_steps=2, grid=2, images=images, background=False)
    assert other.result is not None and other.result.dead_test == "start"
    assert "error" not in other._status.value
