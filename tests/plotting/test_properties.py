"""Property-based tests (hypothesis) of the grid, stitching and layout functions.

They extend tests/plotting/test_filter_pictures.py (stitch layout for any sizes, grid_order
with dead filters last): here the labelled mosaic, grid_order with NaN and infinite
activations and ties, the stitched size arithmetic, the feature-map grid, and the structure
layout of random chain and branch graphs built by hand as ``ModelGraph`` dataclasses.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lenet_widgets.core.graph import LayerNode, ModelGraph
from lenet_widgets.plotting.feature_maps import grid_shape
from lenet_widgets.plotting.filters import (
    deprocess_image,
    grid_mosaic_shape,
    grid_order,
    plot_filter_grid,
    stitch_filters,
    stitched_size,
    update_grid,
)
from lenet_widgets.plotting.structure import draw_model_graph

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DRAWING = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ----------------------------------------------------------------------------- feature-map grid


@FAST
@given(count=st.integers(0, 5000))
def test_feature_grid_is_near_square_and_has_no_empty_row(count):
    rows, columns = grid_shape(count)
    assert rows >= 1 and columns >= 1
    assert rows * columns >= count
    assert rows <= columns  # Wider than tall, like the notebook cell.
    if count:
        assert columns == math.ceil(math.sqrt(count))
        assert rows * columns - count < columns  # The last row holds at least one map.
    else:
        assert (rows, columns) == (1, 1)


@FAST
@given(count=st.integers(0, 500), columns=st.integers(1, 40))
def test_feature_grid_with_fixed_columns(count, columns):
    rows, chosen = grid_shape(count, columns)
    assert chosen == columns
    assert rows == max(1, math.ceil(count / columns))


@FAST
@given(count=st.integers(-1000, -1))
def test_feature_grid_refuses_negative_counts(count):
    with pytest.raises(ValueError, match=f"count is {count}; expected 0 or more"):
        grid_shape(count)


# ----------------------------------------------------------------------------- grid order

special_floats = st.one_of(
    st.floats(-1e6, 1e6), st.just(float("nan")), st.just(float("inf")), st.just(-float("inf"))
)


@FAST
@given(data=st.data(), count=st.integers(0, 25))
def test_grid_order_with_nan_inf_and_ties(data, count):
    activations = np.array(data.draw(st.lists(special_floats, min_size=count, max_size=count)))
    filters = np.array(
        data.draw(st.lists(st.integers(0, 10**6), min_size=count, max_size=count, unique=True)),
        dtype=np.int64,
    )
    dead = np.array(data.draw(st.lists(st.booleans(), min_size=count, max_size=count)), bool)
    order = grid_order(activations, filters, dead)
    assert sorted(order.tolist()) == list(range(count))
    key = [
        (bool(dead[i]), -np.nan_to_num(activations[i], nan=-np.inf), int(filters[i])) for i in order
    ]
    assert key == sorted(key)  # Alive first, strongest first (NaN last), ties by index.
    by_index = grid_order(activations, filters, dead, sort="index")
    assert filters[by_index].tolist() == sorted(filters.tolist())


# ----------------------------------------------------------------------------- stitched size


@FAST
@given(
    grid=st.integers(1, 30),
    height=st.integers(1, 200),
    width=st.integers(1, 200),
    margin=st.integers(0, 20),
)
def test_stitched_size_grows_by_one_tile_and_one_margin(grid, height, width, margin):
    small = stitched_size(grid, height, width, margin)
    large = stitched_size(grid + 1, height, width, margin)
    assert (large[0] - small[0], large[1] - small[1]) == (height + margin, width + margin)
    assert stitched_size(1, height, width, margin) == (height, width)  # No margin outside.


@FAST
@given(count=st.integers(1, 20), grid=st.integers(1, 6), data=st.data())
def test_stitch_without_activations_keeps_order_or_sorts_by_index(count, grid, data):
    images = np.random.default_rng(count).normal(size=(count, 5, 4, 1))
    filters = np.array(data.draw(st.permutations(list(range(100, 100 + count)))))
    kept = stitch_filters(images, None, grid, margin=1)
    by_index = stitch_filters(images, None, grid, margin=1, sort="index", filters=filters)
    order = np.argsort(filters)
    for slot in range(min(count, grid * grid)):
        row, column = divmod(slot, grid)
        top, left = row * 6, column * 5
        np.testing.assert_array_equal(
            kept[top : top + 5, left : left + 4], deprocess_image(images[slot])
        )
        np.testing.assert_array_equal(
            by_index[top : top + 5, left : left + 4], deprocess_image(images[order[slot]])
        )


# ----------------------------------------------------------------------------- labelled mosaic


@DRAWING
@given(
    count=st.integers(1, 30),
    grid=st.integers(1, 7),
    height=st.integers(2, 20),
    width=st.integers(2, 20),
    rgb=st.booleans(),
    sort=st.sampled_from(["activation", "index"]),
    seed=st.integers(0, 1000),
)
def test_labelled_mosaic_for_any_sizes_and_counts(count, grid, height, width, rgb, sort, seed):
    rng = np.random.default_rng(seed)
    images = rng.normal(size=(count, height, width, 3 if rgb else 1))
    activations = rng.normal(size=count)
    filters = rng.permutation(count) + 7
    dead = rng.random(count) < 0.2
    figure = Figure()
    artists = plot_filter_grid(figure, images, activations, filters, dead, grid, sort)
    mosaic = artists.image.get_array()
    assert mosaic.shape == (*grid_mosaic_shape(grid, (height, width)), 3)
    labels = [label.get_text() for label in artists.labels]
    shown = min(count, grid * grid)
    assert len(labels) == grid * grid
    assert all(labels[:shown]) and not any(labels[shown:])  # Blanks only after the filters.
    order = grid_order(activations, filters, dead, sort)[:shown]
    assert [int(text.split()[0][1:]) for text in labels[:shown]] == filters[order].tolist()
    assert [text.endswith("dead") for text in labels[:shown]] == dead[order].tolist()
    assert len(figure.axes) == 1
    # Redrawing in place at other values keeps the same artists and layout.
    update_grid(artists, images[::-1], activations[::-1], filters[::-1], dead[::-1], sort)
    assert artists.image.get_array().shape == mosaic.shape and len(figure.axes) == 1


@FAST
@given(grid=st.integers(1, 12), height=st.integers(1, 64), width=st.integers(1, 64))
def test_mosaic_shape_fits_every_tile(grid, height, width):
    total_height, total_width = grid_mosaic_shape(grid, (height, width))
    assert total_height >= grid * height and total_width >= grid * width
    bigger = grid_mosaic_shape(grid + 1, (height, width))
    assert bigger[0] > total_height and bigger[1] > total_width


# ----------------------------------------------------------------------------- structure layout

CLASSES = ("Conv2D", "Dense", "Activation", "MaxPooling2D", "Add", "Concatenate", "Dropout")


@st.composite
def model_graphs(draw):
    """A random DAG: a chain with optional branches and merges, by hand, no Keras."""
    count = draw(st.integers(1, 9))
    nodes, edges = [], []
    for index in range(count):
        name = draw(st.sampled_from(["conv", "dense", "act", "pool", "add", "x" * 30])) + str(index)
        shape = draw(st.sampled_from(["(None, 28, 28, 1)", "(None, 500)", "(None, 7, 7, 50)"]))
        nodes.append(
            LayerNode(
                id=name,
                name=name,
                class_name=draw(st.sampled_from(CLASSES)),
                input_shape=shape,
                output_shape=draw(st.sampled_from(["(None, 10)", "(None, 14, 14, 20)"])),
                dtype="float32",
                activation=draw(st.sampled_from([None, "relu", "softmax"])),
                trainable=draw(st.sampled_from([None, True, False])),
                params=draw(st.integers(0, 10**6)),
                is_input=index == 0,
            )
        )
        if index:
            parents = draw(
                st.lists(st.integers(0, index - 1), min_size=1, max_size=min(3, index), unique=True)
            )
            edges.extend((nodes[parent].id, name) for parent in parents)
    return ModelGraph(
        name="random",
        kind="Functional",
        nodes=tuple(nodes),
        edges=tuple(edges),
        total_params=sum(node.params for node in nodes),
        trainable_params=0,
    )


@DRAWING
@given(
    graph=model_graphs(),
    rankdir=st.sampled_from(["TB", "LR"]),
    options=st.fixed_dictionaries(
        {
            name: st.booleans()
            for name in (
                "show_shapes",
                "show_layer_names",
                "show_dtype",
                "show_layer_activations",
                "show_trainable",
            )
        }
    ),
    max_width_px=st.sampled_from([300, 600, 900, None]),
)
def test_layout_every_node_has_a_box_inside_the_figure_and_none_overlap(
    graph, rankdir, options, max_width_px
):
    figure = Figure(dpi=96)
    FigureCanvasAgg(figure)
    drawing = draw_model_graph(figure, graph, rankdir=rankdir, max_width_px=max_width_px, **options)
    assert set(drawing.boxes) == {node.id for node in graph.nodes}
    (x_low, x_high), (y_high, y_low) = drawing.axes.get_xlim(), drawing.axes.get_ylim()
    frames = {}
    for node_id, box in drawing.boxes.items():
        left, top = box.get_x(), box.get_y()
        right, bottom = left + box.get_width(), top + box.get_height()
        assert x_low <= left < right <= x_high, (node_id, left, right, x_high)
        assert y_low <= top < bottom <= y_high, (node_id, top, bottom, y_high)
        frames[node_id] = (left, top, right, bottom)
    names = list(frames)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            a, b = frames[first], frames[second]
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, (first, a, second, b)
    assert len(drawing.arrows) == len(graph.edges)
    if max_width_px is not None:
        assert drawing.width_px <= max_width_px  # Fits the cell (wrapped or scaled).
    width, height = figure.get_size_inches() * figure.dpi
    assert (round(width), round(height)) == (drawing.width_px, drawing.height_px)
