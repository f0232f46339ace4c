"""The structure picture's layout alone: boxes, arrows, bands and sizes, nothing drawn.

Graphs are built by hand from ``core.graph`` dataclasses and text is measured
by a fake ``TextMeasure`` (a fixed width per character), so these tests need
neither Keras nor a renderer.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import itertools
from pathlib import Path

import pytest

from lenet_widgets.core.graph import Group, LayerNode, ModelGraph
from lenet_widgets.plotting.structure.boxes import TextOptions, box_table
from lenet_widgets.plotting.structure.layout import (
    FRAME_INSET,
    FRAME_LABEL_ROOM,
    FRAME_LABEL_SIZE,
    MARGIN,
    GraphLayout,
    layout_graph,
)

ALL_TEXT = TextOptions(**{field.name: True for field in dataclasses.fields(TextOptions)})
NO_TEXT = TextOptions()
INF = float("inf")


def measure(text: str, size: float, bold: bool) -> float:
    """A fake font: every character 0.6 of the size wide, bold ones 10% wider."""
    return len(text) * size * (0.66 if bold else 0.6)


def node(name: str, **fields) -> LayerNode:
    values = {
        "class_name": "Dense",
        "input_shape": "(None, 8)",
        "output_shape": "(None, 8)",
        "dtype": "float32",
        "activation": "relu",
        "trainable": True,
        "params": 72,
    }
    return LayerNode(name, name, **{**values, **fields})


def chain(count: int, name: str = "chain") -> ModelGraph:
    """A LeNet-like line of ``count`` layers."""
    nodes = tuple(node(f"layer_{i}") for i in range(count))
    edges = tuple((a.id, b.id) for a, b in itertools.pairwise(nodes))
    return ModelGraph(name, "Sequential", nodes, edges, total_params=72 * count)


def branchy() -> ModelGraph:
    """Two inputs merged, a branch that skips a rank, two outputs."""
    ids = ["left", "right", "add", "hidden", "concat", "first", "second"]
    nodes = tuple(node(i, is_input=i in ("left", "right")) for i in ids)
    arrows = "left>add right>add add>hidden hidden>concat add>concat concat>first hidden>second"
    edges = tuple(tuple(arrow.split(">")) for arrow in arrows.split())
    return ModelGraph("branchy", "Functional", nodes, edges)


def nested() -> ModelGraph:
    """A nested model expanded: its layers sit in a group."""
    nodes = (
        node("x", is_input=True),
        node("block/d1", group="block"),
        node("block/d2", group="block"),
        node("head"),
    )
    edges = (("x", "block/d1"), ("block/d1", "block/d2"), ("block/d2", "head"))
    return ModelGraph("outer", "Functional", nodes, edges, (Group("block", "block", "Sequential"),))


GRAPHS = {"chain": chain(12), "branchy": branchy(), "nested": nested()}


def overlaps(a, b) -> bool:
    return a.left < b.right and b.left < a.right and a.top < b.bottom and b.top < a.bottom


def on_border(point, box, tolerance=1e-6) -> bool:
    x, y = point
    inside = (
        box.left - tolerance <= x <= box.right + tolerance
        and box.top - tolerance <= y <= box.bottom + tolerance
    )
    edge = min(abs(x - box.left), abs(x - box.right), abs(y - box.top), abs(y - box.bottom))
    return inside and edge <= tolerance


def every_layout():
    for (name, graph), rankdir, options, width in itertools.product(
        GRAPHS.items(), ("TB", "LR"), (ALL_TEXT, NO_TEXT), (INF, 700.0, 300.0)
    ):
        yield pytest.param(graph, rankdir, options, width, id=f"{name}-{rankdir}-{width}")


@pytest.mark.parametrize(("graph", "rankdir", "options", "width"), list(every_layout()))
def test_boxes_never_overlap_and_stay_inside_the_picture(graph, rankdir, options, width):
    layout = layout_graph(graph, options, rankdir, width, measure)
    boxes = list(layout.boxes.values())
    assert [box.id for box in boxes] == list(graph.layer_ids)
    for first, second in itertools.combinations(boxes, 2):
        assert not overlaps(first, second), (first.id, second.id)
    for box in boxes:
        assert box.left >= MARGIN - 1e-6 and box.right <= layout.width - MARGIN + 1e-6
        assert box.top >= MARGIN - 1e-6 and box.bottom <= layout.height - MARGIN + 1e-6


@pytest.mark.parametrize(("graph", "rankdir", "options", "width"), list(every_layout()))
def test_every_edge_is_an_arrow_joining_its_two_boxes(graph, rankdir, options, width):
    layout = layout_graph(graph, options, rankdir, width, measure)
    assert [(a.source, a.target) for a in layout.arrows] == list(graph.edges)
    for arrow in layout.arrows:
        assert on_border(arrow.points[0], layout.boxes[arrow.source])
        assert on_border(arrow.points[-1], layout.boxes[arrow.target])
        for (x0, y0), (x1, y1) in itertools.pairwise(arrow.points):
            assert x0 == x1 or y0 == y1, "arrows are made of horizontal and vertical legs"


@pytest.mark.parametrize(("graph", "rankdir", "options", "width"), list(every_layout()))
def test_cells_tile_each_box_exactly(graph, rankdir, options, width):
    layout = layout_graph(graph, options, rankdir, width, measure)
    for box in layout.boxes.values():
        area = sum(cell.width * cell.height for cell in box.cells)
        assert area == pytest.approx(box.width * box.height)
        for cell in box.cells:
            assert box.left - 1e-6 <= cell.left and cell.left + cell.width <= box.right + 1e-6
            assert box.top - 1e-6 <= cell.top and cell.top + cell.height <= box.bottom + 1e-6


def test_top_to_bottom_puts_each_layer_below_the_one_before():
    layout = layout_graph(chain(5), ALL_TEXT, "TB", 300.0, measure)
    boxes = list(layout.boxes.values())
    assert len(layout.bands) == 1, "top-to-bottom layouts never wrap"
    for above, below in itertools.pairwise(boxes):
        assert above.bottom < below.top
        assert above.x == pytest.approx(below.x)


def test_left_to_right_rows_wrap_to_the_width_and_keep_their_order():
    graph = chain(12)
    unwrapped = layout_graph(graph, ALL_TEXT, "LR", INF, measure)
    wrapped = layout_graph(graph, ALL_TEXT, "LR", 700.0, measure)
    assert len(unwrapped.bands) == 1
    assert len(wrapped.bands) > 1
    assert wrapped.width <= 700.0 < unwrapped.width
    bands = [box.band for box in wrapped.boxes.values()]
    assert bands == sorted(bands) and set(bands) == set(range(len(wrapped.bands)))
    for band, (top, bottom) in enumerate(wrapped.bands):
        inside = [box for box in wrapped.boxes.values() if box.band == band]
        assert all(top <= box.top and box.bottom <= bottom for box in inside)
        assert all(a.right < b.left for a, b in itertools.pairwise(inside))
    for upper, lower in itertools.pairwise(wrapped.bands):
        assert upper[1] < lower[0]


def test_an_arrow_to_the_next_band_runs_in_the_gap_between_bands():
    wrapped = layout_graph(chain(12), ALL_TEXT, "LR", 700.0, measure)
    crossing = [
        arrow
        for arrow in wrapped.arrows
        if wrapped.boxes[arrow.source].band != wrapped.boxes[arrow.target].band
    ]
    assert len(crossing) == len(wrapped.bands) - 1
    for arrow in crossing:
        upper = wrapped.bands[wrapped.boxes[arrow.source].band]
        lower = wrapped.bands[wrapped.boxes[arrow.target].band]
        lane = [y for _, y in arrow.points if upper[1] < y < lower[0]]
        assert lane, "the arrow crosses between the bands"


def test_sizes_grow_with_each_text_option():
    layer = node("conv2d", class_name="Conv2D", output_shape="(None, 28, 28, 20)")
    plain = box_table(layer, NO_TEXT, False, measure)
    for field in dataclasses.fields(TextOptions):
        one = box_table(layer, TextOptions(**{field.name: True}), False, measure)
        assert one.width >= plain.width and one.height >= plain.height, field.name
        assert (one.width, one.height) != (plain.width, plain.height), field.name
    everything = box_table(layer, ALL_TEXT, False, measure)
    stacked = box_table(layer, ALL_TEXT, True, measure)
    assert stacked.height > everything.height and stacked.width < everything.width
    small = layout_graph(chain(4), NO_TEXT, "TB", INF, measure)
    large = layout_graph(chain(4), ALL_TEXT, "TB", INF, measure)
    assert large.width > small.width and large.height > small.height


def test_the_measure_decides_the_widths():
    graph = chain(3)
    narrow = layout_graph(graph, ALL_TEXT, "TB", INF, measure)
    wide = layout_graph(graph, ALL_TEXT, "TB", INF, lambda *args: 2 * measure(*args))
    for box in narrow.boxes.values():
        assert wide.boxes[box.id].width > box.width
        assert wide.boxes[box.id].height == box.height


def test_a_skipping_edge_goes_around_the_rank_it_skips():
    layout = layout_graph(branchy(), ALL_TEXT, "TB", INF, measure)
    skip = next(a for a in layout.arrows if (a.source, a.target) == ("add", "concat"))
    hidden = layout.boxes["hidden"]
    for (x0, y0), (x1, y1) in itertools.pairwise(skip.points):
        crosses_rows = min(y0, y1) < hidden.bottom and max(y0, y1) > hidden.top
        crosses_columns = min(x0, x1) < hidden.right and max(x0, x1) > hidden.left
        assert not (crosses_rows and crosses_columns), "the arrow passes through 'hidden'"


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_a_group_frame_surrounds_its_layers_only(rankdir):
    layout = layout_graph(nested(), ALL_TEXT, rankdir, INF, measure)
    (frame,) = layout.frames
    assert frame.group == "block" and frame.label == "block (Sequential)"
    for box in layout.boxes.values():
        inside = (
            frame.left < box.left
            and box.right < frame.right
            and frame.top < box.top
            and box.bottom < frame.bottom
        )
        assert inside == box.id.startswith("block/"), box.id


def test_the_layout_is_plain_frozen_data():
    layout = layout_graph(branchy(), ALL_TEXT, "LR", 300.0, measure)
    assert isinstance(layout, GraphLayout)
    frozen = [layout, *layout.boxes.values(), *layout.arrows, layout.boxes["add"].cells[0]]
    for item in frozen:
        with pytest.raises(dataclasses.FrozenInstanceError):
            item.width = 0.0  # type: ignore[misc]
    assert layout_graph(branchy(), ALL_TEXT, "LR", 300.0, measure) == layout


def test_an_empty_graph_is_refused_with_its_name():
    with pytest.raises(ValueError, match="'empty' has no layers"):
        layout_graph(ModelGraph("empty", "Sequential", (), ()), ALL_TEXT, "TB", INF, measure)


@pytest.mark.parametrize(
    "name", ["boxes", "layout", "ranks", "bands", "frames", "spacing", "arrows"]
)
def test_the_layout_modules_draw_nothing(name):
    module = importlib.import_module(f"lenet_widgets.plotting.structure.{name}")
    tree = ast.parse(Path(module.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {found for found in imported if found.split(".")[0] == "matplotlib"}


def deep(first: bool, last: bool) -> ModelGraph:
    """A model in a model in a model; the innermost one opens ``mid`` and/or closes it."""
    inner = ["mid/inner/i1", "mid/inner/i2"]
    middle = [*([] if first else ["mid/m0"]), *inner, *([] if last else ["mid/m1"])]
    ids = ["x", *middle, "top"]
    nodes = tuple(node(i, is_input=i == "x", group=i.rpartition("/")[0] or None) for i in ids)
    groups = (Group("mid", "mid", "Sequential"), Group("mid/inner", "inner", "Sequential", "mid"))
    return ModelGraph("deep", "Functional", nodes, tuple(itertools.pairwise(ids)), groups)


def every_deep_layout():
    for first, last, rankdir, width in itertools.product(
        (True, False), (True, False), ("TB", "LR"), (INF, 700.0, 300.0)
    ):
        yield pytest.param(
            deep(first, last), rankdir, width, id=f"{first}-{last}-{rankdir}-{width}"
        )


@pytest.mark.parametrize(("graph", "rankdir", "width"), list(every_deep_layout()))
def test_nested_frames_are_inset_and_their_labels_apart(graph, rankdir, width):
    layout = layout_graph(graph, ALL_TEXT, rankdir, width, measure)
    frames = layout.frames
    assert {(f.group, f.depth) for f in frames} == {("mid", 0), ("mid/inner", 1)}
    band_of = {}
    for frame in frames:
        members = [b for b in layout.boxes.values() if b.id.startswith(frame.group + "/")]
        inside = [b for b in members if overlaps(frame, b)]
        band_of[frame] = {b.band for b in inside}
        assert len(band_of[frame]) == 1, "one frame per band"
        assert frame.left >= 0 and frame.right <= layout.width, "inside the picture"
        assert frame.top >= 0 and frame.bottom <= layout.height, "inside the picture"
        for box in layout.boxes.values():
            if box.band in band_of[frame] and box not in members:
                assert not overlaps(frame, box), (frame.group, box.id)
    for outer, inner in itertools.permutations(frames, 2):
        if outer.depth < inner.depth and band_of[outer] == band_of[inner]:
            assert outer.left + FRAME_INSET <= inner.left + 1e-6
            assert inner.right + FRAME_INSET <= outer.right + 1e-6
            assert outer.top + FRAME_LABEL_ROOM <= inner.top + 1e-6
            assert inner.bottom + FRAME_INSET <= outer.bottom + 1e-6
    for first, second in itertools.combinations(frames, 2):
        a, b = first.label_box, second.label_box
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), "labels overlap"
    for frame in frames:
        left, top, right, bottom = frame.label_box
        assert right - left == pytest.approx(measure(frame.label, FRAME_LABEL_SIZE, False))
        assert frame.left < left and frame.top < top and bottom < frame.top + FRAME_LABEL_ROOM
