"""Grid, stitch and examples drawing; glue functions; the ``filters`` CLI command."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from PIL import Image

from lenet_widgets.plotting.filters import (
    DEAD_COLOR,
    deprocess_image,
    grid_mosaic_shape,
    grid_order,
    plot_filter_grid,
    plot_top_examples,
    save_stitched,
    stitch_filters,
    stitched_size,
    update_grid,
)


def _images(count, height=28, width=28, channels=1, seed=0):
    return np.random.default_rng(seed).normal(size=(count, height, width, channels))


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(1, 30),
    grid=st.integers(1, 7),
    height=st.integers(2, 12),
    width=st.integers(2, 12),
    margin=st.integers(0, 6),
    rgb=st.booleans(),
)
def test_stitch_layout_for_any_sizes_and_counts(count, grid, height, width, margin, rgb):
    channels = 3 if rgb else 1
    images = _images(count, height, width, channels)
    activations = np.arange(count, dtype=float)
    stitched = stitch_filters(images, activations, grid, margin)
    total = stitched_size(grid, height, width, margin)
    assert stitched.shape == ((*total, 3) if rgb else total)
    assert stitched.dtype == np.uint8
    assert total == (grid * height + (grid - 1) * margin, grid * width + (grid - 1) * margin)
    order = grid_order(activations)
    for slot in range(grid * grid):
        row, column = divmod(slot, grid)
        top, left = row * (height + margin), column * (width + margin)
        tile = stitched[top : top + height, left : left + width]
        if slot < count:
            np.testing.assert_array_equal(tile, deprocess_image(images[order[slot]]))
        else:
            assert not tile.any()  # Blank: more tiles than filters.


def test_stitch_is_the_chapters_6x6_layout_and_sorted_by_activation():
    images = _images(50)
    activations = np.linspace(-1, 1, 50)
    stitched = stitch_filters(images, activations, grid=6)
    assert stitched.shape == (6 * 28 + 5 * 5, 6 * 28 + 5 * 5)
    np.testing.assert_array_equal(stitched[:28, :28], deprocess_image(images[49]))
    assert not stitched[28:33].any()  # Black 5 px margin.


@settings(max_examples=40, deadline=None)
@given(
    activations=st.lists(st.floats(-5, 5), min_size=1, max_size=20),
    data=st.data(),
)
def test_grid_order_is_a_permutation_with_dead_last(activations, data):
    activations = np.array(activations)
    dead = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(activations), max_size=len(activations)))
    )
    order = grid_order(activations, dead=dead)
    assert sorted(order.tolist()) == list(range(len(activations)))
    flags = dead[order]
    assert not np.any(flags[:-1] & ~flags[1:])  # No alive filter after a dead one.
    alive = activations[order][~flags]
    assert np.all(np.diff(alive) <= 0)
    filters = np.random.default_rng(0).permutation(len(activations)) + 10
    by_index = grid_order(activations, filters, dead, sort="index")
    assert np.all(np.diff(filters[by_index]) > 0)


def test_grid_with_fewer_filters_than_tiles_leaves_blanks_and_marks_dead():
    figure = Figure()
    images = _images(5)
    dead = np.array([False, False, True, False, False])
    activations = np.array([0.5, 0.9, 0.0, 0.1, 0.7])
    artists = plot_filter_grid(figure, images, activations, np.arange(5) + 20, dead, grid=3)
    texts = [label.get_text() for label in artists.labels]
    assert texts[:5] == ["#21 0.9", "#24 0.7", "#20 0.5", "#23 0.1", "#22 dead"]
    assert texts[5:] == ["", "", "", ""]
    assert artists.labels[4].get_color() == DEAD_COLOR
    mosaic = artists.image.get_array()
    assert mosaic.shape[:2] == grid_mosaic_shape(3, (28, 28))
    red = np.all(mosaic == (214, 39, 40), axis=-1)
    assert red.sum() == 2 * 28 + 2 * 30  # Exactly one frame, around the dead tile.
    assert len(figure.axes) == 1


def test_grid_of_one_and_sort_by_index():
    figure = Figure()
    activations = np.array([0.1, 0.9, 0.5])
    artists = plot_filter_grid(figure, _images(3), activations, grid=1)
    assert [label.get_text() for label in artists.labels] == ["#1 0.9"]
    update_grid(artists, _images(3), activations, sort="index")
    assert [label.get_text() for label in artists.labels] == ["#0 0.1"]
    with pytest.raises(ValueError, match="grid is 0; expected an integer >= 1"):
        plot_filter_grid(figure, _images(3), activations, grid=0)
    with pytest.raises(ValueError, match="sort is 'size'"):
        grid_order(activations, sort="size")


def test_update_grid_changes_pixels_in_place():
    figure = Figure()
    artists = plot_filter_grid(figure, _images(4, seed=1), np.ones(4), grid=2)
    image, before = artists.image, artists.image.get_array().copy()
    update_grid(artists, _images(4, seed=2), np.ones(4))
    assert artists.image is image
    assert not np.array_equal(before, image.get_array())
    assert len(figure.axes) == 1


def test_save_stitched_enlarges(tmp_path):
    stitched = stitch_filters(_images(36), np.arange(36.0), grid=6)
    path = save_stitched(tmp_path / "lenet_filters_6x6.png", stitched, scale=3)
    with Image.open(path) as picture:
        assert picture.size == (193 * 3, 193 * 3)
    with pytest.raises(ValueError, match=r"should end in \.png"):
        save_stitched(tmp_path / "x.jpg", stitched)


def test_top_examples_figure_has_one_row_per_filter():
    figure = Figure()
    examples = np.random.default_rng(0).integers(0, 255, (20, 28, 28), dtype=np.uint8)
    indices = np.array([[3, 1, 2], [5, 6, 7]])
    axes = plot_top_examples(
        figure, _images(2), examples, [4, 9], indices, np.ones((2, 3)), labels=np.arange(20)
    )
    assert len(axes) == 8
    assert axes[0].get_ylabel() == "#4"
    assert axes[1].get_title().startswith("3:")


@pytest.fixture
def small_lenet():
    import keras

    from lenet_widgets.core.model import build_lenet

    keras.utils.set_random_seed(0)
    return build_lenet((14, 14, 1), 3, compile=False)


def test_glue_returns_figures_without_pyplot_leaks(small_lenet, tmp_path):
    import matplotlib.pyplot as plt

    from lenet_widgets.core.filters import maximize_filters
    from lenet_widgets.display.filters import (
        compare_presets,
        save_filter_grid,
        show_filters,
        show_top_examples,
    )

    before = len(plt.get_fignums())
    figure = show_filters(small_lenet, "conv2d", steps=2, grid=3)
    assert isinstance(figure, Figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert compare_presets(small_lenet, "conv2d", steps=(2, 3), grid=2).subfigs
    result = maximize_filters(small_lenet, "dense_1", steps=2, step_size=0.1)
    examples = np.random.default_rng(0).integers(0, 255, (30, 14, 14), dtype=np.uint8)
    assert show_top_examples(small_lenet, examples, result, rows=2, count=3).axes
    path = save_filter_grid(result, tmp_path / "lenet_filters_6x6.png", grid=2, scale=2)
    with Image.open(path) as picture:
        assert picture.size == ((2 * 14 + 5) * 2, (2 * 14 + 5) * 2)
    assert len(plt.get_fignums()) == before
    assert matplotlib.get_backend()


def test_cli_filters_writes_the_picture_and_reports_errors(small_lenet, tmp_path, capsys):
    from lenet_widgets.cli import main
    from lenet_widgets.core import save_model

    model_path = save_model(small_lenet, tmp_path / "m.keras")
    output = tmp_path / "out" / "lenet_filters_6x6.png"
    argv = ["filters", str(model_path), "--layer", "conv2d_1", "--steps", "2", "-o", str(output)]
    assert main([*argv, "--grid", "3", "--preset", "mnist"]) == 0
    with Image.open(output) as picture:
        assert picture.size == ((3 * 14 + 2 * 5) * 4,) * 2
    assert "conv2d_1: 50 filters, 2 steps (preset mnist, objective channel)" in (
        capsys.readouterr().out
    )
    assert main(["filters", str(model_path), "--layer", "nope", "-o", str(output)]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("lenet-widgets: error: layer 'nope'") and "conv2d_1" in error
    assert len(error.splitlines()) == 1
    assert main(["filters", str(model_path), "-o", str(tmp_path / "x.jpg")]) == 1
    assert "should end in .png" in capsys.readouterr().err


def test_grid_caption_explains_tiles_dead_test_and_range():
    from lenet_widgets.plotting.filters import OUT_OF_RANGE_COLOR, grid_caption

    inside = grid_caption("channel", "channel", 2, "data", (0.0, 1.0), (0.0, 1.0), 1000)
    assert [text for text, _ in inside] == [
        "tile caption: #filter, its mean activation for the image shown",
        "dead (red): never active on 1,000 test images (2)",
        "pixels inside the input range [0, 1]",
    ]
    outside = grid_caption("channel", "neuron", 0, "start", (0.0, 1.0), (-3.4, 4.0))
    assert "centre neuron" in outside[0][0]
    assert outside[1][0].startswith("inactive (red): zero at the start image")
    assert outside[2] == ("pixels in [-3.4, 4]: OUTSIDE the input range [0, 1]", OUT_OF_RANGE_COLOR)
    figure = Figure(figsize=(4.2, 5.6), dpi=96)
    artists = plot_filter_grid(figure, _images(4), np.ones(4), grid=2, title="t", caption=outside)
    assert [text.get_text() for text in artists.captions] == [text for text, _ in outside]
    assert artists.captions[2].get_color() == OUT_OF_RANGE_COLOR
    update_grid(artists, _images(4), np.ones(4), caption=inside[:1])
    assert len(artists.captions) == 1 and artists.title == "t"
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    for text in [*artists.captions, *artists.labels]:  # Nothing cut off at the edges.
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= figure.bbox.width


def test_cli_filters_default_objective_and_core_choices(small_lenet, tmp_path, capsys):
    from lenet_widgets.cli import main
    from lenet_widgets.core import save_model
    from lenet_widgets.core.filters import DEFAULT_PRESET

    model_path = save_model(small_lenet, tmp_path / "m.keras")
    output = tmp_path / "f.png"
    argv = ["filters", str(model_path), "--steps", "2", "-o", str(output)]
    assert main([*argv, "--objective", "neuron"]) == 0
    out = capsys.readouterr().out
    assert f"(preset {DEFAULT_PRESET}, objective neuron)" in out and "note:" not in out
    assert main([*argv, "--preset", "chapter"]) == 0
    assert "outside the model's input range [0, 1]" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*argv, "--objective", "pixel"])
    error = capsys.readouterr().err
    assert "invalid choice: 'pixel'" in error and "'neuron'" in error


def test_show_filters_picture_says_when_pixels_left_the_range(small_lenet):
    from lenet_widgets.display.filters import show_filters

    texts = [text.get_text() for text in show_filters(small_lenet, "conv2d", steps=2).texts]
    assert "pixels inside the input range [0, 1]" in texts
    chapter = show_filters(small_lenet, "conv2d", steps=2, preset="chapter")
    assert any("OUTSIDE the input range [0, 1]" in text.get_text() for text in chapter.texts)
