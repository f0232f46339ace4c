"""Slider storms: 200 rapid changes end on the picture of the final values, no stale result
wins, no matplotlib figure leaks, and 1,000 re-renders do not grow memory.

Each storm is a seeded random sequence of control changes, made as fast as Python can make
them (in a browser the same changes arrive as fast as the kernel takes them). At the end the
panel's picture is compared with a fresh render at the final values, or with the state the
panel reports. No timed asserts: the figures printed are for docs/reliability.md.
"""

from __future__ import annotations

import gc
import os
import threading

import matplotlib.pyplot as plt
import numpy as np
import pytest

from tiny_models import good_lenet

STORM = 200
RENDERS = 1000
LEAK_LIMIT = 20 * 2**20


def rss_bytes() -> int:
    """Resident memory of this process (Linux: /proc/self/statm, second field, in pages)."""
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def settle_threads(timeout: float = 60.0) -> None:
    """Join every background thread (superseded filter computations finish or cancel)."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.daemon:
            thread.join(timeout)


@pytest.fixture(scope="module")
def model():
    return good_lenet(compile=False)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, (40, 12, 12), dtype=np.uint8)


# ----------------------------------------------------------------------------- FilterExplorer


def _filter_state(explorer):
    """What the explorer shows, read from its result and artists (not from the controls)."""
    artists = explorer._artists
    return {
        "layer": explorer.result.layer,
        "seed": explorer.result.settings["seed"],
        "step_size": round(explorer.result.settings["step_size"], 6),
        "grid": artists.grid,
        "sort": artists.sort,
        "title": explorer._view.figure.texts[-1].get_text(),
    }


def test_filter_explorer_storm_ends_on_the_final_values(model):
    from lenet_widgets.core.filters import preset_arguments
    from lenet_widgets.ui.filters import FilterExplorer

    before = len(plt.get_fignums())
    explorer = FilterExplorer(model, max_steps=4, grid=3, max_filters=8)
    assert explorer.wait()
    layers = ["conv2d", "conv2d_1", "activation_1", "dense_1"]
    rng = np.random.default_rng(7)
    for _ in range(STORM):
        control = rng.choice(
            ["steps", "grid", "sort", "layer", "seed"], p=[0.3, 0.2, 0.2, 0.1, 0.2]
        )
        if control == "steps":
            explorer._steps.value = int(rng.integers(0, 5))
        elif control == "grid":
            explorer._grid.value = int(rng.integers(1, 8))
        elif control == "sort":
            explorer._sort.value = str(rng.choice(["activation", "index"]))
        elif control == "layer":
            explorer._layer.value = str(rng.choice(layers))
        else:
            explorer._seed.value = int(rng.integers(0, 6))
    final = {
        "layer": explorer._layer.value,
        "seed": explorer._seed.value,
        "grid": explorer._grid.value,
        "sort": explorer._sort.value,
        "step": explorer._steps.value,
    }
    assert explorer.wait()
    settle_threads()  # Every superseded computation has ended: none may have won.
    state = _filter_state(explorer)
    factor = preset_arguments("mnist", model)["step_size"]
    assert state == {
        "layer": final["layer"],
        "seed": final["seed"],
        "step_size": round(factor * 1.0, 6),
        "grid": final["grid"],
        "sort": final["sort"],
        "title": f"{final['layer']}, preset mnist: step {final['step']} of 4",
    }
    shown = bytes(explorer._view.image.value)
    fresh = FilterExplorer(
        model,
        layer=final["layer"],
        max_steps=4,
        grid=final["grid"],
        max_filters=8,
        background=False,
    )
    fresh._seed.value = final["seed"]
    fresh._sort.value = final["sort"]
    fresh._steps.value = final["step"]
    np.testing.assert_allclose(fresh.result.images, explorer.result.images, atol=1e-5)
    assert bytes(fresh._view.image.value) == shown
    assert len(plt.get_fignums()) == before
    assert len(explorer._view.figure.axes) == 1


# ----------------------------------------------------------------------------- StructurePanel

TOGGLES = ("show_shapes", "show_dtype", "show_trainable", "show_input_layer")


def test_structure_panel_toggle_storm_ends_on_the_final_picture(model):
    from lenet_widgets.display.model_picture import plot_model
    from lenet_widgets.ui.structure import StructurePanel

    before = len(plt.get_fignums())
    panel = StructurePanel(model, engine="matplotlib")
    rng = np.random.default_rng(3)
    for _ in range(STORM):
        if rng.random() < 0.2:
            panel._rankdir.value = str(rng.choice(["TB", "LR"]))
        else:
            toggle = panel._toggles[str(rng.choice(TOGGLES))]
            toggle.value = not toggle.value
    assert panel.render_count <= 2 ** (len(TOGGLES) + 1)  # Revisited option sets were cached.
    shown = bytes(panel._picture.value)
    # The panel draws at twice the dpi (crisp on 2x screens) and shows it at the dpi's size.
    assert shown == plot_model(model, **{**panel.options, "dpi": 2 * panel.options["dpi"]}).data
    assert len(plt.get_fignums()) == before


# ----------------------------------------------------------------------------- FeatureMapsPanel


def test_feature_maps_storm_ends_on_the_final_digit_and_layer(model, images):
    from lenet_widgets.ui.feature_maps import FeatureMapsPanel

    before = len(plt.get_fignums())
    panel = FeatureMapsPanel(model, images, np.arange(len(images)) % 3)
    layers = ["activation", "max_pooling2d", "dense", "dense_1"]
    rng = np.random.default_rng(5)
    for _ in range(STORM):
        if rng.random() < 0.08:
            panel.layer = str(rng.choice(layers))
        else:
            panel.index = int(rng.integers(0, len(images)))
    shown = bytes(panel._view.image.value)
    fresh = FeatureMapsPanel(model, images, np.arange(len(images)) % 3)
    fresh.layer = panel.layer
    fresh.index = panel.index
    assert bytes(fresh._view.image.value) == shown
    assert panel._layer.value == panel.layer
    assert len(plt.get_fignums()) == before


# ----------------------------------------------------------------------------- leaks


def test_1000_rerenders_do_not_leak_memory_or_figures(model, images):
    """500 filter-grid and 500 feature-map re-renders, alternating, after a warm-up."""
    from lenet_widgets.ui.feature_maps import FeatureMapsPanel
    from lenet_widgets.ui.filters import FilterExplorer

    explorer = FilterExplorer(model, max_steps=4, grid=3, max_filters=8, background=False)
    panel = FeatureMapsPanel(model, images)
    panel.layer = "dense_1"

    def render(number):
        if number % 2:
            panel.index = number // 2 % len(images)
        elif number % 20 == 10:
            explorer._grid.value = 2 + number // 20 % 3
        else:
            explorer._steps.value = number // 2 % 5

    for number in range(60):  # Warm-up: caches, fonts, allocator pools.
        render(number)
    gc.collect()
    figures, start = len(plt.get_fignums()), rss_bytes()
    renders = explorer._view.renders + panel.renders
    for number in range(60, 60 + RENDERS):
        render(number)
    gc.collect()
    growth = rss_bytes() - start
    print(
        f"\n{RENDERS} re-renders: RSS growth {growth / 2**20:.2f} MB, "
        f"open figures {len(plt.get_fignums())} (before {figures})"
    )
    assert explorer._view.renders + panel.renders - renders == RENDERS
    assert len(plt.get_fignums()) == figures
    assert len(explorer._view.figure.axes) == 1
    assert growth < LEAK_LIMIT, f"RSS grew {growth / 2**20:.1f} MB over {RENDERS} re-renders"
