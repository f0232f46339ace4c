"""Model structure: extraction, plot_model with both engines, diff, inspector, Netron, CLI."""

from __future__ import annotations

import shutil

import keras
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lenet_widgets import config
from lenet_widgets.cli import main
from lenet_widgets.core.model import build_lenet
from lenet_widgets.core.structure import (
    conv_kernels,
    diff_models,
    inspect_layer,
    model_graph,
    select_input_layers,
)
from lenet_widgets.display.errors import RemoteNotebookError, ToolMissingError
from lenet_widgets.display.model_picture import plot_model
from lenet_widgets.display.netron import show_in_netron
from lenet_widgets.display.reports import compare_models, layer_report, summary_html
from lenet_widgets.plotting.structure import draw_model_graph

PNG = b"\x89PNG\r\n\x1a\n"
HAS_DOT = shutil.which("dot") is not None
L = keras.layers


@pytest.fixture
def sequential():
    return keras.Sequential(
        [
            keras.Input((6, 6, 1), name="pixels"),
            L.Conv2D(2, 3, name="conv", activation="relu"),
            L.Flatten(name="flat"),
            L.Dense(3, name="out"),
        ],
        name="tiny",
    )


@pytest.fixture
def branchy():
    """Two inputs, a branch merged by Add and Concatenate, two outputs."""
    left = keras.Input((4,), name="left")
    right = keras.Input((4,), name="right")
    added = L.Add(name="add")([left, right])
    hidden = L.Dense(4, name="hidden")(added)
    joined = L.Concatenate(name="concat")([hidden, added])
    first = L.Dense(2, name="first")(joined)
    second = L.Dense(1, name="second")(hidden)
    return keras.Model([left, right], [first, second], name="branchy")


@pytest.fixture
def nested():
    block = keras.Sequential(
        [keras.Input((4,), name="block_in"), L.Dense(3, name="d1"), L.Dense(3, name="d2")],
        name="block",
    )
    inputs = keras.Input((4,), name="x")
    outputs = L.Dense(2, name="head")(block(inputs))
    return keras.Model(inputs, outputs, name="outer")


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__(name="custom")
        self.first = L.Dense(3, name="first")
        self.second = L.Dense(2, name="second")

    def call(self, inputs):
        return self.second(self.first(inputs))


# ----------------------------------------------------------------------------- extraction


def test_sequential_graph_has_layers_shapes_params_and_a_chain(sequential):
    graph = model_graph(sequential)
    assert graph.kind == "Sequential"
    assert graph.layer_ids == ("pixels", "conv", "flat", "out")
    conv = graph.node("conv")
    assert conv.class_name == "Conv2D"
    assert conv.input_shape == "(None, 6, 6, 1)"
    assert conv.output_shape == "(None, 4, 4, 2)"
    assert conv.activation == "relu"
    assert conv.dtype == "float32"
    assert conv.trainable is True
    assert conv.params == 3 * 3 * 1 * 2 + 2
    assert graph.node("flat").trainable is None
    assert graph.edges == (("pixels", "conv"), ("conv", "flat"), ("flat", "out"))
    assert graph.total_params == sequential.count_params()


def test_keras_hides_sequential_input_layer_unless_asked(sequential):
    graph = model_graph(sequential)
    assert "pixels" not in select_input_layers(graph, None).layer_ids
    assert select_input_layers(graph, None).edges == (("conv", "flat"), ("flat", "out"))
    assert "pixels" in select_input_layers(graph, True).layer_ids


def test_functional_branches_merges_and_several_inputs_outputs(branchy):
    graph = model_graph(branchy)
    assert graph.kind == "Functional"
    assert set(graph.edges) == {
        ("left", "add"),
        ("right", "add"),
        ("add", "hidden"),
        ("hidden", "concat"),
        ("add", "concat"),
        ("concat", "first"),
        ("hidden", "second"),
    }
    assert graph.node("concat").input_shape == "[(None, 4), (None, 4)]"
    assert graph.node("concat").output_shape == "(None, 8)"
    # Keras keeps Functional input boxes; False drops them and their arrows.
    assert {"left", "right"} <= set(select_input_layers(graph, None).layer_ids)
    without = select_input_layers(graph, False)
    assert "left" not in without.layer_ids
    assert ("left", "add") not in without.edges


def test_nested_model_collapsed_is_one_box(nested):
    graph = model_graph(nested)
    assert graph.layer_ids == ("x", "block", "head")
    assert graph.node("block").class_name == "Sequential"
    assert graph.node("block").params == 4 * 3 + 3 + 3 * 3 + 3
    assert graph.edges == (("x", "block"), ("block", "head"))
    assert graph.groups == ()


def test_nested_model_expanded_is_a_group_wired_through(nested):
    graph = select_input_layers(model_graph(nested, expand_nested=True), None)
    assert [g.id for g in graph.groups] == ["block"]
    assert graph.node("block/d1").group == "block"
    assert "block/block_in" not in graph.layer_ids  # Sequential: Keras hides its input box.
    assert set(graph.edges) == {("x", "block/d1"), ("block/d1", "block/d2"), ("block/d2", "head")}


def test_subclassed_model_is_one_box_with_a_clear_note():
    model = Subclassed()
    model(np.zeros((1, 4), "float32"))
    graph = model_graph(model)
    assert graph.kind == "Subclassed"
    assert graph.layer_ids == ("custom",)
    assert graph.node("custom").params == 4 * 3 + 3 + 3 * 2 + 2
    assert "call()" in graph.note
    assert "first (Dense)" in graph.note
    assert "second (Dense)" in graph.note


def test_unbuilt_model_is_refused():
    model = keras.Sequential([L.Dense(2)], name="unbuilt")
    with pytest.raises(ValueError, match="not built"):
        model_graph(model)


# ----------------------------------------------------------------------------- plot_model


def test_auto_engine_without_dot_draws_with_matplotlib(no_dot, sequential, tmp_path):
    picture = plot_model(sequential, tmp_path / "m.png", show_shapes=True)
    assert picture.engine == "matplotlib"
    assert picture.data.startswith(PNG)
    assert (tmp_path / "m.png").read_bytes() == picture.data
    data, metadata = picture._repr_png_()
    assert data == picture.data
    assert metadata["width"] > 50


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", PNG), (".svg", b"<?xml"), (".pdf", b"%PDF")]
)
def test_matplotlib_writes_by_suffix(no_dot, sequential, tmp_path, suffix, magic):
    path = tmp_path / f"model{suffix}"
    picture = plot_model(sequential, path, engine="matplotlib")
    assert path.read_bytes().startswith(magic)
    if suffix == ".svg":
        assert picture._repr_svg_().startswith("<?xml")
        assert picture._repr_png_() is None
    else:
        assert picture._repr_png_()[0].startswith(PNG)


def test_graphviz_engine_without_dot_raises_with_install_hint(no_dot, sequential):
    with pytest.raises(ToolMissingError, match="apt-get install graphviz"):
        plot_model(sequential, engine="graphviz")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"engine": "dot"}, "engine is 'dot'"),
        ({"rankdir": "BT"}, "rankdir is 'BT'"),
        ({"dpi": 0}, "dpi is 0"),
        ({"to_file": "m.jpg"}, "'.jpg'"),
        ({"to_file": "/no/such/folder/m.png"}, "does not exist"),
    ],
)
def test_bad_arguments_name_the_value(sequential, arguments, message):
    with pytest.raises((ValueError, OSError), match=message):
        plot_model(sequential, **arguments)


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")
def test_graphviz_engine_matches_keras_plot_model(sequential, tmp_path):
    options = {"show_shapes": True, "show_layer_names": True, "dpi": 96, "rankdir": "LR"}
    keras.utils.plot_model(sequential, to_file=str(tmp_path / "keras.png"), **options)
    picture = plot_model(
        sequential, tmp_path / "ours.png", engine="graphviz", max_width_px=None, **options
    )
    assert picture.engine == "graphviz"
    assert picture.data == (tmp_path / "keras.png").read_bytes()


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")
@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_graphviz_writes_svg_and_pdf(sequential, tmp_path, suffix, magic):
    picture = plot_model(sequential, tmp_path / f"m{suffix}", engine="graphviz")
    assert (tmp_path / f"m{suffix}").read_bytes().startswith(magic)
    assert picture._repr_svg_() if suffix == ".svg" else picture._repr_png_()


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")
def test_graphviz_input_layer_option_adds_and_removes_boxes(sequential, branchy):
    plain = plot_model(sequential, engine="graphviz", show_shapes=True)
    with_input = plot_model(sequential, engine="graphviz", show_shapes=True, show_input_layer=True)
    assert _png_size(with_input.data)[1] > _png_size(plain.data)[1]
    keras_like = plot_model(branchy, engine="graphviz")
    without_inputs = plot_model(branchy, engine="graphviz", show_input_layer=False)
    assert _png_size(without_inputs.data)[1] < _png_size(keras_like.data)[1]


@pytest.mark.parametrize("kind", ["sequential", "branchy", "nested", "nested_expanded"])
@pytest.mark.parametrize("engine", ["matplotlib", "graphviz"])
def test_every_model_kind_draws(request, kind, engine):
    if engine == "graphviz" and not HAS_DOT:
        pytest.skip("Graphviz dot is not installed")
    model = request.getfixturevalue(kind.replace("_expanded", ""))
    picture = plot_model(
        model, engine=engine, show_shapes=True, expand_nested=kind.endswith("expanded")
    )
    assert picture.data.startswith(PNG)


def test_subclassed_model_draws_its_note(no_dot):
    model = Subclassed()
    model(np.zeros((1, 4), "float32"))
    figure = Figure()
    FigureCanvasAgg(figure)
    drawing = draw_model_graph(figure, model_graph(model), show_shapes=True)
    assert any("subclassed" in text.get_text() for text in drawing.texts)
    assert plot_model(model, engine="matplotlib").data.startswith(PNG)


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_matplotlib_lenet_with_shapes_fits_a_notebook_cell(rankdir):
    picture = plot_model(
        build_lenet(compile=False),
        engine="matplotlib",
        show_shapes=True,
        show_layer_names=True,
        rankdir=rankdir,
    )
    width, height = _png_size(picture.data)
    assert width <= 900
    if rankdir == "LR":  # Wrapped into bands, not a 7,000 px strip.
        assert height > 300


def test_matplotlib_text_stays_inside_boxes_and_boxes_do_not_overlap(branchy):
    figure = Figure(dpi=96)
    canvas = FigureCanvasAgg(figure)
    drawing = draw_model_graph(
        figure,
        model_graph(branchy),
        show_shapes=True,
        show_layer_names=True,
        show_dtype=True,
        show_trainable=True,
        show_layer_activations=True,
    )
    renderer = canvas.get_renderer()
    frames = {name: box.get_window_extent(renderer) for name, box in drawing.boxes.items()}
    for text in drawing.texts:
        extent = text.get_window_extent(renderer)
        inside = [
            frame
            for frame in frames.values()
            if frame.x0 - 1 <= extent.x0 and extent.x1 <= frame.x1 + 1
            if frame.y0 - 1 <= extent.y0 and extent.y1 <= frame.y1 + 1
        ]
        caption = "params (" in text.get_text()
        assert inside or caption, f"text {text.get_text()!r} sticks out of its box"
    names = list(frames)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            assert not frames[first].overlaps(frames[second]), (first, second)


# ----------------------------------------------------------------------------- diff


def _lenet_variant(*, conv_filters=20, dropout=False, dense=True):
    layers = [
        keras.Input((28, 28, 1), name="input_layer"),
        L.Conv2D(conv_filters, 5, padding="same", name="conv2d"),
        L.Activation("relu", name="activation"),
        L.MaxPooling2D(pool_size=2, strides=2, name="max_pooling2d"),
        L.Conv2D(50, 5, padding="same", name="conv2d_1"),
        L.Activation("relu", name="activation_1"),
        L.MaxPooling2D(pool_size=2, strides=2, name="max_pooling2d_1"),
        L.Flatten(name="flatten"),
    ]
    if dropout:
        layers.append(L.Dropout(0.5, name="dropout"))
    if dense:
        layers.append(L.Dense(500, name="dense"))
    layers += [
        L.Activation("relu", name="activation_2"),
        L.Dense(10, name="dense_1"),
        L.Activation("softmax", name="activation_3"),
    ]
    return keras.Sequential(layers, name="variant")


@pytest.fixture(scope="module")
def lenet():
    return build_lenet(compile=False)


def test_diff_of_identical_models_is_empty(lenet):
    diff = diff_models(lenet, _lenet_variant())
    assert diff.is_empty
    assert "same structure" in diff.describe()


def test_diff_finds_a_widened_conv_layer(lenet):
    diff = diff_models(lenet, _lenet_variant(conv_filters=32))
    assert diff.added == () and diff.removed == ()
    assert diff.changed_names == ("conv2d", "activation", "max_pooling2d", "conv2d_1")
    conv = diff.changed[0]
    assert dict(conv.config_changes) == {"filters": (20, 32)}
    assert conv.output_shape_change == ("(None, 28, 28, 20)", "(None, 28, 28, 32)")
    assert conv.params_delta == 12 * (5 * 5 + 1)
    assert diff.changed[3].config_changes == {}
    assert diff.changed[3].params_delta == 12 * 5 * 5 * 50
    assert diff.connections_added == () and diff.connections_removed == ()


def test_diff_finds_an_inserted_dropout(lenet):
    diff = diff_models(lenet, _lenet_variant(dropout=True))
    assert diff.added == ("dropout",)
    assert diff.removed == ()
    assert diff.changed == ()
    assert set(diff.connections_added) == {("flatten", "dropout"), ("dropout", "dense")}
    assert diff.connections_removed == (("flatten", "dense"),)
    assert diff.params_after == diff.params_before


def test_diff_finds_a_removed_dense(lenet):
    diff = diff_models(lenet, _lenet_variant(dense=False))
    assert diff.removed == ("dense",)
    assert diff.added == ()
    assert diff.changed_names == ("activation_2", "dense_1")
    assert diff.changed[1].input_shape_change == ("(None, 500)", "(None, 2450)")
    assert diff.params_after - diff.params_before == -(2450 * 500 + 500) + 1950 * 10


def test_diff_pairs_auto_named_layers_by_class():
    first = keras.Sequential([keras.Input((3,)), L.Dense(2, name="a"), L.Dense(1, name="b")])
    second = keras.Sequential([keras.Input((3,)), L.Dense(2, name="x"), L.Dense(1, name="y")])
    diff = diff_models(first, second)
    assert diff.added == () and diff.removed == ()
    assert [(c.name, c.new_name) for c in diff.changed] == [("a", "x"), ("b", "y")]


def test_compare_models_highlights_differences(lenet, tmp_path):
    report = compare_models(lenet, _lenet_variant(dense=False), tmp_path / "diff.png")
    assert (tmp_path / "diff.png").read_bytes().startswith(PNG)
    assert report.diff.removed == ("dense",)
    assert "removed: dense" in report._repr_html_()


# ----------------------------------------------------------------------------- inspector


def test_inspector_statistics_are_exact():
    model = keras.Sequential([keras.Input((2,)), L.Dense(3, name="dense")], name="m")
    kernel = np.arange(6, dtype="float32").reshape(2, 3)
    bias = np.array([-1.0, 0.0, 1.0], "float32")
    model.get_layer("dense").set_weights([kernel, bias])
    inspection = inspect_layer(model, "dense", bins=6)
    assert inspection.params == 9
    assert inspection.config["units"] == 3
    stats = inspection.weights[0]
    assert stats.shape == (2, 3)
    assert (stats.minimum, stats.maximum) == (0.0, 5.0)
    assert stats.mean == pytest.approx(2.5)
    assert stats.std == pytest.approx(np.std(np.arange(6)))
    assert stats.counts.tolist() == [1, 1, 1, 1, 1, 1]
    assert inspection.weights[1].mean == pytest.approx(0.0)
    assert inspection.kernels is None


def test_inspector_conv_kernels_are_per_filter_images(sequential):
    inspection = inspect_layer(sequential, "conv")
    kernel = keras.ops.convert_to_numpy(sequential.get_layer("conv").kernel)
    assert inspection.kernels.shape == (2, 3, 3)
    np.testing.assert_array_equal(inspection.kernels[1], kernel[:, :, 0, 1])
    with pytest.raises(ValueError, match="input_channel is 3"):
        conv_kernels(kernel, 3)
    report = layer_report(sequential, "conv")
    assert report.kernels is not None
    assert "conv (Conv2D)" in report._repr_html_()


def test_inspector_names_unknown_layers(sequential):
    with pytest.raises(KeyError, match="'conv'"):
        inspect_layer(sequential, "nope")


def test_nested_layers_can_be_inspected(nested):
    assert inspect_layer(nested, "block/d1").params == 4 * 3 + 3


def test_summary_html_lists_layers_and_total(lenet):
    table = summary_html(lenet)
    assert "<td style='text-align:left'>conv2d_1</td>" in table
    assert "1,225,500" in table
    assert "1,256,080" in table


# ----------------------------------------------------------------------------- Netron


def test_remote_notebook_detection(monkeypatch):
    for variable in ("BINDER_SERVICE_HOST", "JUPYTERHUB_SERVICE_PREFIX", config.REMOTE_VARIABLE):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(config, "_REMOTE_HINTS", (("BINDER_SERVICE_HOST", "Binder"),))
    assert config.remote_notebook() is None
    monkeypatch.setenv("BINDER_SERVICE_HOST", "10.0.0.1")
    assert config.remote_notebook() == "Binder"
    monkeypatch.setenv(config.REMOTE_VARIABLE, "0")
    assert config.remote_notebook() is None


def test_netron_missing_says_how_to_install(monkeypatch, sequential):
    import sys

    monkeypatch.setitem(sys.modules, "netron", None)
    with pytest.raises(ToolMissingError, match="pip install netron"):
        show_in_netron(sequential)


def test_netron_refuses_remote_notebooks(monkeypatch, sequential):
    pytest.importorskip("netron")
    monkeypatch.setenv(config.REMOTE_VARIABLE, "1")
    with pytest.raises(RemoteNotebookError, match=r"netron\.app"):
        show_in_netron(sequential)


def test_netron_serves_on_localhost(monkeypatch, sequential):
    netron = pytest.importorskip("netron")
    monkeypatch.setenv(config.REMOTE_VARIABLE, "0")
    started = {}

    def fake_start(file, address, browse):
        started.update(file=file, address=address, browse=browse)
        return address

    monkeypatch.setattr(netron, "start", fake_start)
    monkeypatch.setattr(netron, "stop", lambda address: started.update(stopped=address))
    view = show_in_netron(sequential, port=8765)
    assert started["address"] == ("127.0.0.1", 8765)
    assert started["browse"] is False
    assert started["file"].endswith("tiny.keras")
    assert "http://127.0.0.1:8765" in view._repr_html_()
    view.stop()
    assert started["stopped"] == ("127.0.0.1", 8765)


# ----------------------------------------------------------------------------- CLI


def test_cli_plot_writes_a_png(no_dot, tmp_path, capsys):
    output = tmp_path / "model.png"
    assert main(["plot", "lenet", "-o", str(output), "--rankdir", "LR", "--dpi", "72"]) == 0
    assert output.read_bytes().startswith(PNG)
    assert "matplotlib" in capsys.readouterr().out


def test_cli_plot_graphviz_missing_is_one_line(no_dot, tmp_path, capsys):
    code = main(["plot", "lenet", "-o", str(tmp_path / "m.png"), "--engine", "graphviz"])
    assert code == 1
    error = capsys.readouterr().err
    assert "apt-get install graphviz" in error
    assert error.count("\n") == 1


def test_cli_plot_bad_suffix(tmp_path, capsys):
    assert main(["plot", "lenet", "-o", str(tmp_path / "m.gif")]) == 1
    assert ".png, .svg or .pdf" in capsys.readouterr().err
