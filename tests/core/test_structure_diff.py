"""The model diff tells real edits from layers only reshaped by an edit above (issue #10.14)."""

from __future__ import annotations

import keras
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from lenet_widgets.core.model import build_lenet
from lenet_widgets.core.structure import diff_models, model_graph, select_input_layers
from lenet_widgets.display.reports import compare_models
from lenet_widgets.plotting.structure import DIFF_COLORS, DIFF_LABELS, draw_model_diff

L = keras.layers
RESHAPED = (
    "activation",
    "max_pooling2d",
    "activation_1",
    "max_pooling2d_1",
    "flatten",
    "activation_2",
    "dense_1",
)


def lenet_small():
    """Notebook 03's variant: narrower convolutions, a Dropout inserted, a smaller Dense."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            L.Conv2D(6, 5, padding="same", name="conv2d"),
            L.Activation("relu", name="activation"),
            L.MaxPooling2D(2, name="max_pooling2d"),
            L.Conv2D(16, 5, padding="same", name="conv2d_1"),
            L.Activation("relu", name="activation_1"),
            L.MaxPooling2D(2, name="max_pooling2d_1"),
            L.Flatten(name="flatten"),
            L.Dropout(0.5, name="dropout"),
            L.Dense(120, name="dense"),
            L.Activation("relu", name="activation_2"),
            L.Dense(10, name="dense_1"),
            L.Activation("softmax", name="activation_3"),
        ],
        name="lenet_small",
    )


@pytest.fixture(scope="module")
def models():
    return build_lenet(compile=False), lenet_small()


def test_real_edits_are_told_apart_from_reshaped_layers(models):
    diff = diff_models(*models)
    assert diff.added == ("dropout",)
    assert [change.name for change in diff.edited] == ["conv2d", "conv2d_1", "dense"]
    assert tuple(change.name for change in diff.reshaped) == RESHAPED
    assert all(not change.config_changes for change in diff.reshaped)
    text = diff.describe()
    assert sum(line.startswith("changed: ") for line in text.splitlines()) == 3
    assert "new shapes only, because a layer above changed: activation, max_pooling2d" in text
    assert "dense_1 (-3,800 params)" in text
    marks = diff.highlights()  # What the side-by-side picture colours.
    assert marks["added"] == ["dropout"] and marks["removed"] == []
    assert marks["changed_a"] == ["conv2d", "conv2d_1", "dense"]
    assert tuple(marks["reshaped_b"]) == RESHAPED


def _frames(drawing):
    return {
        layer: (to_hex(frame.get_edgecolor()), frame.get_linewidth())
        for layer, frame in drawing.boxes.items()
    }


def test_the_picture_draws_three_strong_edits_and_pale_reshaped_layers(models):
    model_a, model_b = models
    diff = diff_models(model_a, model_b)
    figure = Figure(dpi=96)
    FigureCanvasAgg(figure)
    left, right = draw_model_diff(
        figure,
        select_input_layers(model_graph(model_a), False),
        select_input_layers(model_graph(model_b), False),
        **diff.highlights(),
    )
    for drawing in (left, right):
        frames = _frames(drawing)
        strong = sorted(layer for layer, (_, width) in frames.items() if width > 2)
        expected = ["conv2d", "conv2d_1", "dense"] + (["dropout"] if drawing is right else [])
        assert strong == expected
        assert frames["conv2d"][0] == DIFF_COLORS["changed"]
        assert all(frames[layer][1] < 2 for layer in RESHAPED)
    assert frames["dropout"][0] == DIFF_COLORS["added"]
    legend = figure.legends[0]
    assert [text.get_text() for text in legend.get_texts()] == list(DIFF_LABELS.values())


def test_compare_models_shows_the_split_in_its_text(models, tmp_path):
    report = compare_models(*models, tmp_path / "diff.png")
    html = report._repr_html_()
    assert "changed: conv2d: filters 20 -&gt; 6" in html
    assert "new shapes only" in html
