"""The structure picture is readable at notebook width, with both engines, in both directions.

Issue #10.4: with Graphviz, ``engine="auto"`` drew LeNet left to right as a
7,661 x 123 px strip, shown at 808 x 13 px; top to bottom it was 1,926 px tall.
Here layer names must be at least ``MIN_NAME_PX`` CSS px tall when the picture
is shown at most ``NOTEBOOK_PX`` wide (a JupyterLab cell), and the TB picture
must fit ``MAX_TB_HEIGHT_PX``.
"""

from __future__ import annotations

import re
import shutil

import keras
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lenet_widgets.core.model import build_lenet
from lenet_widgets.core.structure import model_graph, select_input_layers
from lenet_widgets.display.model_picture import plot_model
from lenet_widgets.plotting.structure import draw_model_graph

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")
NOTEBOOK_PX = 800
MIN_NAME_PX = 9.0
MAX_TB_HEIGHT_PX = 900
OPTION_SETS = {
    "shapes+names": {"show_shapes": True, "show_layer_names": True},
    "everything": {
        "show_shapes": True,
        "show_layer_names": True,
        "show_dtype": True,
        "show_layer_activations": True,
        "show_trainable": True,
        "show_input_layer": True,
    },
}


@pytest.fixture(scope="module")
def lenet():
    return build_lenet()


def _graphviz_name_px(svg: str, name: str) -> tuple[float, float, float]:
    """(name height in CSS px at notebook width, picture width px, height px) of a dot SVG."""
    width_pt, height_pt = (
        float(v) for v in re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"', svg).groups()
    )
    sizes = [float(size) for size in re.findall(rf'font-size="([\d.]+)"[^>]*>{name}</text>', svg)]
    assert sizes, f"no text {name!r} in the SVG"
    width_px, height_px = width_pt * 96 / 72, height_pt * 96 / 72
    shown = min(1.0, NOTEBOOK_PX / width_px)
    return min(sizes) * 96 / 72 * shown, width_px, height_px


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("options", list(OPTION_SETS), ids=str)
def test_graphviz_names_are_readable_at_notebook_width(lenet, tmp_path, rankdir, options):
    picture = plot_model(
        lenet, tmp_path / "m.svg", engine="graphviz", rankdir=rankdir, **OPTION_SETS[options]
    )
    assert picture.engine == "graphviz"
    name_px, width_px, height_px = _graphviz_name_px(picture.data.decode(), "conv2d_1")
    assert name_px >= MIN_NAME_PX, (name_px, width_px, height_px)
    if rankdir == "LR":
        assert width_px <= 900, width_px
        assert "wrapped into" in picture.note
    elif options == "shapes+names":
        assert height_px <= MAX_TB_HEIGHT_PX, height_px


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_auto_engine_with_dot_png_fits_the_cell(lenet, rankdir):
    picture = plot_model(lenet, show_shapes=True, show_layer_names=True, rankdir=rankdir)
    assert picture.engine == "graphviz"
    width = int.from_bytes(picture.data[16:20], "big")
    height = int.from_bytes(picture.data[20:24], "big")
    assert width <= 900, (width, height)
    if rankdir == "TB":
        assert height <= MAX_TB_HEIGHT_PX
    else:
        assert height >= 300, "the rows are wrapped, not one strip"


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("options", list(OPTION_SETS), ids=str)
def test_matplotlib_names_are_readable_at_notebook_width(lenet, rankdir, options):
    chosen = dict(OPTION_SETS[options])
    show_input = chosen.pop("show_input_layer", None)
    graph = select_input_layers(model_graph(lenet), show_input)
    figure = Figure(dpi=96)
    FigureCanvasAgg(figure)
    drawing = draw_model_graph(figure, graph, rankdir=rankdir, **chosen)
    shown = min(1.0, NOTEBOOK_PX / drawing.width_px)
    name_px = (9.0 + 1) * drawing.scale * 96 / 72 * shown  # Box titles are 10 pt before scaling.
    assert name_px >= MIN_NAME_PX, (name_px, drawing.width_px, drawing.height_px)
    if rankdir == "TB" and options == "shapes+names":
        assert drawing.height_px <= MAX_TB_HEIGHT_PX


@needs_dot
def test_a_wide_graph_graphviz_cannot_wrap_falls_back_to_matplotlib_and_says_so():
    L = keras.layers
    inputs = keras.Input((28, 28, 1))
    first = L.Conv2D(8, 3, padding="same")(inputs)
    second = L.Conv2D(8, 3, padding="same")(first)
    x = L.Flatten()(L.Add()([first, second]))
    for _ in range(3):
        x = L.Dense(10)(x)
    model = keras.Model(inputs, x, name="residual")
    picture = plot_model(model, show_shapes=True, show_layer_names=True, rankdir="LR")
    assert picture.engine == "matplotlib"
    assert "drawn with matplotlib instead" in picture.note
    assert int.from_bytes(picture.data[16:20], "big") <= 900
    forced = plot_model(
        model, show_shapes=True, show_layer_names=True, rankdir="LR", engine="graphviz"
    )
    assert forced.engine == "graphviz" and "only a plain chain" in forced.note


def test_keras_look_is_kept_without_a_width_limit(lenet):
    if not HAS_DOT:
        pytest.skip("Graphviz dot is not installed")
    wide = plot_model(lenet, show_shapes=True, rankdir="LR", engine="graphviz", max_width_px=None)
    assert int.from_bytes(wide.data[16:20], "big") > 3000 and wide.note == ""


@needs_dot
def test_cli_plot_lr_with_graphviz_is_wrapped_and_says_so(tmp_path, capsys):
    from lenet_widgets.cli import main

    output = tmp_path / "model.png"
    assert main(["plot", "lenet", "-o", str(output), "--rankdir", "LR"]) == 0
    out = capsys.readouterr().out
    assert "drawn with graphviz (left-to-right, wrapped into" in out
    assert int.from_bytes(output.read_bytes()[16:20], "big") <= 900


@needs_dot
@pytest.mark.parametrize("shapes", [True, False])
@pytest.mark.parametrize("names", [True, False])
@pytest.mark.parametrize("activations", [True, False])
def test_every_wrapped_graphviz_picture_renders_with_its_arrows(
    lenet, tmp_path, shapes, names, activations
):
    """Graphviz 2.43 crashed (maze.c chkSgraph) on wrapped rows of small boxes, and dropped
    every arrow inside a row while Keras' boxes were record shapes."""
    picture = plot_model(
        lenet,
        tmp_path / "m.svg",
        engine="graphviz",
        rankdir="LR",
        show_shapes=shapes,
        show_layer_names=names,
        show_layer_activations=activations,
    )
    svg = picture.data.decode()
    assert "wrapped into" in picture.note
    assert svg.count('class="edge"') == len(lenet.layers) - 1  # Every arrow drawn.
