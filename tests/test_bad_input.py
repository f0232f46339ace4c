"""Bad input, table-driven: the library raises a clear error, the CLI exits 1 with one line,
each panel shows a message (or refuses the value) and keeps working.

Every case is one row of a table below. Library rows check the exception names the bad
value and what was expected; CLI rows check exit status 1 and a single ``lenet-widgets:
error:`` line without a traceback; panel rows check the message, that the panel's state did
not change, and then do one good action and check it worked.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import zipfile

import h5py
import keras
import numpy as np
import pytest
import traitlets

from lenet_widgets.cli import main
from lenet_widgets.core.data import DataError, Dataset, load_mnist
from lenet_widgets.core.filters import FilterError, maximize_filters, visualizable_layers
from lenet_widgets.core.model import build_lenet
from lenet_widgets.core.persistence import ModelFileError, UnsafeModelError, load_model, save_model
from lenet_widgets.core.training import train
from lenet_widgets.plotting.feature_maps import grid_shape
from lenet_widgets.plotting.filters import plot_filter_grid, stitch_filters, stitched_size

SHAPE = (12, 12, 1)


def text(value: str) -> str:
    """What a student reads in an HTML status line."""
    return html.unescape(re.sub(r"<[^>]+>", "", value))


class Subclassed(keras.Model):
    """A subclassed model: no symbolic inputs or layer outputs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.conv = keras.layers.Conv2D(4, 3, name="conv2d")
        self.flatten = keras.layers.Flatten()
        self.dense = keras.layers.Dense(3)

    def call(self, images):
        return self.dense(self.flatten(self.conv(images)))


def subclassed_model():
    model = Subclassed(name="subclassed")
    model(np.zeros((1, *SHAPE), np.float32))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def no_conv_model():
    """Images in, classes out, but no Conv2D at all."""
    return keras.Sequential(
        [
            keras.Input(SHAPE, name="input_layer"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(3, name="dense"),
        ],
        name="no_conv",
    )


def vector_model():
    """Not an image model: a (4,) vector input."""
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(3)(inputs), name="vector")


def nan_model():
    model = build_lenet(SHAPE, 3)
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    return model


def lambda_model():
    inputs = keras.Input(SHAPE)
    return keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs), name="with_code")


@pytest.fixture(scope="module")
def good_model():
    keras.utils.set_random_seed(0)
    return build_lenet(SHAPE, 3)


# ----------------------------------------------------------------------------- the files

#: name -> (how the file is made, what the error must say)
FILE_CASES = {
    "missing.keras": ("missing", "does not exist"),
    "empty.keras": ("empty", "is empty"),
    "empty.h5": ("empty", "is empty"),
    "truncated.keras": ("half of good.keras", r"not a \.keras zip|could not be loaded"),
    "truncated.h5": ("half of good.h5", "is damaged|could not be loaded"),
    "truncated.weights.h5": ("half of good.weights.h5", "is damaged|could not be loaded"),
    "corrupt.keras": ("good.keras with bytes 200..400 zeroed", "could not be loaded|damaged"),
    "corrupt.h5": ("good.h5 with bytes 3000..6000 set to 0xff", "could not be loaded|damaged"),
    "text.keras": ("a text file", r"not a \.keras zip"),
    "text.h5": ("a text file", "not an HDF5 file"),
    "notmodel.keras": ("a zip without a model", "could not be loaded"),
    "notmodel.h5": ("an HDF5 file without a model", "could not be loaded"),
    "notmodel.weights.h5": ("an HDF5 file without weights", "does not say which model"),
    "model.txt": ("good.keras renamed", "unknown model file suffix"),
    "model.pt": ("good.keras renamed", "unknown model file suffix"),
    "model": ("good.keras without suffix", "unknown model file suffix"),
    "hdf5named.keras": ("good.h5 renamed", r"HDF5 file but named \.keras"),
    "zipnamed.h5": ("good.keras renamed", r"zip archive but named \.h5"),
    "folder.keras": ("a directory", "is a directory"),
    "lambda.keras": ("a Lambda layer carrying code", r"Lambda.*safe mode.*safe_mode=False"),
    "lambda.h5": ("a Lambda layer carrying code", r"Lambda.*safe mode.*safe_mode=False"),
    "subclassed.keras": ("a subclassed model", "could not be loaded"),
}
UNSAFE = {"lambda.keras", "lambda.h5"}


@pytest.fixture(scope="module")
def files(tmp_path_factory, good_model):
    """Every file of FILE_CASES plus good ones and loadable-but-unusable models."""
    folder = tmp_path_factory.mktemp("files")
    paths = {
        name: save_model(good_model, folder / name)
        for name in ("good.keras", "good.h5", "good.weights.h5")
    }
    good = {name: path.read_bytes() for name, path in paths.items()}

    def write(name, content):
        paths[name] = folder / name
        paths[name].write_bytes(content)

    paths["missing.keras"] = folder / "missing.keras"
    write("empty.keras", b"")
    write("empty.h5", b"")
    for name in ("keras", "h5", "weights.h5"):
        write(f"truncated.{name}", good[f"good.{name}"][: len(good[f"good.{name}"]) // 2])
    corrupt = bytearray(good["good.keras"])
    corrupt[200:400] = bytes(200)
    write("corrupt.keras", bytes(corrupt))
    corrupt = bytearray(good["good.h5"])
    corrupt[3000:6000] = b"\xff" * 3000
    write("corrupt.h5", bytes(corrupt))
    write("text.keras", b"hello, not a model")
    write("text.h5", b"hello, not a model")
    paths["notmodel.keras"] = folder / "notmodel.keras"
    with zipfile.ZipFile(paths["notmodel.keras"], "w") as archive:
        archive.writestr("hello.txt", "not a model")
    for name in ("notmodel.h5", "notmodel.weights.h5"):
        paths[name] = folder / name
        with h5py.File(paths[name], "w") as hdf5:
            hdf5["x"] = np.zeros(3)
    write("model.txt", good["good.keras"])
    write("model.pt", good["good.keras"])
    write("model", good["good.keras"])
    write("hdf5named.keras", good["good.h5"])
    write("zipnamed.h5", good["good.keras"])
    paths["folder.keras"] = folder / "folder.keras"
    paths["folder.keras"].mkdir()
    for suffix in (".keras", ".h5"):
        paths[f"lambda{suffix}"] = save_model(lambda_model(), folder / f"lambda{suffix}")
    paths["subclassed.keras"] = save_model(subclassed_model(), folder / "subclassed.keras")
    # Loadable, but not usable everywhere (written by Keras: save_model refuses NaN weights).
    paths["nan.keras"] = folder / "nan.keras"
    nan_model().save(paths["nan.keras"])
    paths["no_conv.keras"] = save_model(no_conv_model(), folder / "no_conv.keras")
    paths["vector.keras"] = save_model(vector_model(), folder / "vector.keras")
    assert set(FILE_CASES) <= set(paths)
    return paths


# ----------------------------------------------------------------------------- library: files


@pytest.mark.parametrize(("name", "case"), FILE_CASES.items(), ids=list(FILE_CASES))
def test_library_load_names_the_file_and_what_was_expected(files, name, case):
    _, message = case
    expected = UnsafeModelError if name in UNSAFE else ModelFileError
    with pytest.raises(expected, match=message) as error:
        load_model(files[name])
    assert str(files[name]) in str(error.value)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("folder.keras", "is a directory"),
        ("model.txt", "unknown model file suffix"),
        ("nowhere/model.keras", "does not exist"),
        ("good.weights", "unknown model file suffix"),
    ],
)
def test_library_save_to_a_bad_target_keeps_everything(files, good_model, target, message):
    before = files["good.keras"].read_bytes()
    with pytest.raises(ModelFileError, match=message):
        save_model(good_model, files["good.keras"].parent / target)
    assert files["good.keras"].read_bytes() == before
    assert not list(files["good.keras"].parent.glob(".*partial*"))


def test_library_save_of_nan_weights_keeps_the_previous_file(files, tmp_path, good_model):
    path = save_model(good_model, tmp_path / "model.keras")
    before = path.read_bytes()
    with pytest.raises(ModelFileError, match=r"not saved.*NaN.*expected finite"):
        save_model(nan_model(), path)
    assert path.read_bytes() == before
    assert load_model(path).count_params() == good_model.count_params()


# ----------------------------------------------------------------------------- library: models

#: (case, call, exception, message naming the bad value and the expected one)
MODEL_CASES = [
    (
        "no Conv2D, asked for conv2d_1",
        lambda: maximize_filters(no_conv_model(), "conv2d_1", steps=1),
        FilterError,
        r"layer 'conv2d_1' is not in model 'no_conv'; expected one of \['dense'\]",
    ),
    (
        "unknown layer",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "conv9", steps=1),
        FilterError,
        r"layer 'conv9' is not in model 'lenet'; expected one of \['conv2d'",
    ),
    (
        "layer with no channel axis",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "flatten", steps=1),
        FilterError,
        r"layer 'flatten' \(Flatten.*no channel or unit axis.*expected one of",
    ),
    (
        "steps negative",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "conv2d", steps=-1),
        FilterError,
        r"steps is -1; expected an integer >= 0",
    ),
    (
        "steps very large",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "conv2d", steps=10**9),
        FilterError,
        r"steps is 1000000000; expected an integer from 0 to",
    ),
    (
        "steps not an integer",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "conv2d", steps=2.5),
        FilterError,
        r"steps is 2\.5; expected an integer",
    ),
    (
        "filters out of range",
        lambda: maximize_filters(build_lenet(SHAPE, 3), "conv2d", filters=[0, 20], steps=1),
        FilterError,
        r"filters \[0, 20\] are not all valid.*expected integers in 0\.\.19",
    ),
    (
        "NaN weights, filters",
        lambda: maximize_filters(nan_model(), "conv2d", steps=1),
        ValueError,
        r"NaN or infinite.*expected finite numbers",
    ),
    (
        "NaN weights, training",
        lambda: train(nan_model(), np.zeros((4, 12, 12), np.uint8), np.zeros(4), verbose=0),
        ValueError,
        r"NaN or infinite.*expected finite numbers",
    ),
    (
        "subclassed model, filters",
        lambda: visualizable_layers(subclassed_model()),
        FilterError,
        r"subclassed.*expected a Sequential or functional model",
    ),
    (
        "subclassed model, training",
        lambda: train(subclassed_model(), np.zeros((4, 12, 12), np.uint8), np.zeros(4)),
        ValueError,
        r"subclassed.*expected a Sequential or functional model",
    ),
    (
        "not a model",
        lambda: maximize_filters("lenet.keras", "conv2d"),
        FilterError,
        r"model is str; expected a Keras model",
    ),
    (
        "not an image model",
        lambda: maximize_filters(vector_model(), "dense"),
        FilterError,
        r"model input has shape \(None, 4\); expected \(None, H, W, C\)",
    ),
    (
        "RGB images for a grey model",
        lambda: train(
            build_lenet(SHAPE, 3), np.zeros((4, 12, 12, 3), np.uint8), np.zeros(4), verbose=0
        ),
        ValueError,
        r"x_train are \(12, 12, 3\) each.*expects \(12, 12, 1\)",
    ),
    (
        "non-square images for a square model",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((4, 12, 9), np.uint8), np.zeros(4)),
        ValueError,
        r"x_train are \(12, 9, 1\) each.*expects \(12, 12, 1\)",
    ),
    (
        "labels out of range",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((4, 12, 12), np.uint8), np.full(4, 7)),
        ValueError,
        r"y_train range over 7\.\.7; expected 0\.\.2",
    ),
    (
        "negative labels",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((4, 12, 12), np.uint8), np.full(4, -1)),
        ValueError,
        r"y_train range over -1\.\.-1; expected 0\.\.2",
    ),
    (
        "NaN labels",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((4, 12, 12), np.uint8), np.full(4, np.nan)),
        ValueError,
        r"y_train hold .*nan.*not a class id; expected integers 0\.\.2",
    ),
    (
        "fractional labels",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((4, 12, 12), np.uint8), np.full(4, 0.5)),
        ValueError,
        r"y_train hold .*0\.5.*expected integers 0\.\.2",
    ),
    (
        "no images",
        lambda: train(build_lenet(SHAPE, 3), np.zeros((0, 12, 12), np.uint8), np.zeros(0)),
        ValueError,
        r"x_train is empty; expected at least one image",
    ),
    (
        "epochs 0",
        lambda: train(
            build_lenet(SHAPE, 3), np.zeros((4, 12, 12), np.uint8), np.zeros(4), epochs=0
        ),
        ValueError,
        r"epochs is 0; expected at least 1",
    ),
    (
        "build a model for a 0-sized input",
        lambda: build_lenet((0, 12, 1), 3),
        ValueError,
        r"input_shape is \(0, 12, 1\); expected \(height, width, channels\)",
    ),
]


@pytest.mark.parametrize(
    ("call", "expected", "message"),
    [case[1:] for case in MODEL_CASES],
    ids=[case[0] for case in MODEL_CASES],
)
def test_library_models_and_data_raise_naming_value_and_expectation(call, expected, message):
    with pytest.raises(expected, match=message):
        call()


@pytest.mark.parametrize("shape", [(10, 14, 1), (12, 12, 3), (9, 16, 3)], ids=str)
def test_non_square_and_rgb_models_are_good_input(shape):
    model = build_lenet(shape, 3)
    result = maximize_filters(model, "conv2d_1", filters=range(4), steps=2)
    assert result.images.shape == (3, 4, *shape)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (8, *shape), dtype=np.uint8)
    history = train(model, images, rng.integers(0, 3, 8), batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


#: (case, call, message) for the grid and layout functions: grid 0, negative, wrong type.
GRID_CASES = [
    ("stitch grid 0", lambda: stitch_filters(np.zeros((3, 4, 4, 1)), grid=0), "grid is 0"),
    ("stitch grid -2", lambda: stitch_filters(np.zeros((3, 4, 4, 1)), grid=-2), "grid is -2"),
    ("stitch grid 2.5", lambda: stitch_filters(np.zeros((3, 4, 4, 1)), grid=2.5), "grid is 2.5"),
    ("stitched size grid 0", lambda: stitched_size(0, 28, 28), "grid is 0"),
    (
        "plot grid 0",
        lambda: plot_filter_grid(_figure(), np.zeros((3, 4, 4, 1)), np.zeros(3), grid=0),
        "grid is 0",
    ),
    ("feature-map grid of -1 maps", lambda: grid_shape(-1), "count is -1"),
    (
        "stitch 2-D images",
        lambda: stitch_filters(np.zeros((4, 4)), grid=2),
        r"images have shape \(4, 4\); expected \(F, height, width, channels\)",
    ),
]


def _figure():
    from matplotlib.figure import Figure

    return Figure()


@pytest.mark.parametrize(
    ("call", "message"), [case[1:] for case in GRID_CASES], ids=[case[0] for case in GRID_CASES]
)
def test_grid_functions_refuse_bad_grids(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_grid_larger_than_the_filters_shows_blanks():
    stitched = stitch_filters(np.random.default_rng(0).normal(size=(3, 4, 4, 1)), grid=5)
    assert stitched.shape == stitched_size(5, 4, 4)
    assert not stitched[-4:, -4:].any()  # The last tile is blank, not an IndexError.


#: MNIST files with bad data: (case, arrays, message)
DATA_CASES = [
    ("labels above 9", {"y_train": np.full(4, 12, np.uint8)}, r"labels 12\.\.12; expected digits"),
    ("labels below 0", {"y_test": np.full(2, -1, np.int64)}, r"labels -1\.\.-1; expected digits"),
    ("labels do not match images", {"y_train": np.zeros(3, np.uint8)}, r"expected \(4,\)"),
    ("float images", {"x_train": np.zeros((4, 28, 28), np.float32)}, "expected uint8 images"),
    ("RGB images", {"x_train": np.zeros((4, 28, 28, 3), np.uint8)}, "expected uint8 images"),
    ("an object array", {"x_test": np.array([None, 1], dtype=object)}, "cannot be read"),
    ("a missing array", {"y_test": None}, r"lacks arrays \['y_test'\]"),
]


@pytest.mark.parametrize(
    ("arrays", "message"), [case[1:] for case in DATA_CASES], ids=[case[0] for case in DATA_CASES]
)
def test_library_bad_data_files(tmp_path, arrays, message):
    data = {
        "x_train": np.zeros((4, 28, 28), np.uint8),
        "y_train": np.zeros(4, np.uint8),
        "x_test": np.zeros((2, 28, 28), np.uint8),
        "y_test": np.zeros(2, np.uint8),
    }
    data.update(arrays)
    path = tmp_path / "mnist.npz"
    np.savez(path, **{key: value for key, value in data.items() if value is not None})
    with pytest.raises(DataError, match=message) as error:
        load_mnist(path)
    assert str(path) in str(error.value)


# ----------------------------------------------------------------------------- CLI


def run_cli(capsys, arguments):
    status = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return status, captured.err


def assert_one_line_error(status, error, message):
    assert status == 1
    assert "Traceback" not in error
    lines = error.strip().splitlines()
    assert len(lines) == 1, error
    assert lines[0].startswith("lenet-widgets: error:"), error
    assert re.search(message, lines[0]), (message, lines[0])


@pytest.mark.parametrize(("name", "case"), FILE_CASES.items(), ids=list(FILE_CASES))
def test_cli_summary_of_bad_files(files, capsys, name, case):
    status, error = run_cli(capsys, ["summary", files[name]])
    assert_one_line_error(status, error, case[1])


@pytest.mark.parametrize("name", ["missing.keras", "truncated.h5", "lambda.h5", "folder.keras"])
@pytest.mark.parametrize("command", ["plot", "filters"])
def test_cli_plot_and_filters_of_bad_files(files, tmp_path, capsys, command, name):
    output = tmp_path / "out.png"
    status, error = run_cli(capsys, [command, files[name], "-o", output])
    assert_one_line_error(status, error, FILE_CASES[name][1])
    assert not output.exists()


#: (case, arguments with {good}, {tmp}, {files}, message)
CLI_CASES = [
    ("grid 0", ["filters", "{good}", "--grid", "0"], r"--grid is 0; expected an integer >= 1"),
    ("grid negative", ["filters", "{good}", "--grid", "-3"], r"--grid is -3; expected"),
    ("steps negative", ["filters", "{good}", "--steps", "-1"], r"steps is -1; expected"),
    (
        "steps very large",
        ["filters", "{good}", "--steps", "1000000000"],
        r"steps is 1000000000; expected an integer from 0 to",
    ),
    (
        "unknown layer",
        ["filters", "{good}", "--layer", "conv9"],
        r"layer 'conv9' is not in model 'lenet'; expected one of",
    ),
    (
        "layer with no channel axis",
        ["filters", "{good}", "--layer", "flatten"],
        r"layer 'flatten'.*no channel or unit axis",
    ),
    (
        "model with no Conv2D",
        ["filters", "{files}/no_conv.keras"],
        r"layer 'conv2d_1' is not in model 'no_conv'; expected one of \['dense'\]",
    ),
    ("NaN weights", ["filters", "{files}/nan.keras", "--layer", "conv2d"], r"NaN or infinite"),
    (
        "not an image model",
        ["filters", "{files}/vector.keras", "--layer", "dense"],
        r"expected \(None, H, W, C\)",
    ),
    ("filters to .jpg", ["filters", "{good}", "-o", "{tmp}/f.jpg"], r"should end in \.png"),
    ("scale 0", ["filters", "{good}", "--scale", "0", "--steps", "1"], r"scale is 0; expected"),
    ("plot to .gif", ["plot", "{good}", "-o", "{tmp}/m.gif"], r"should end in \.png, \.svg"),
    ("plot dpi 5", ["plot", "{good}", "--dpi", "5"], r"--dpi is 5; expected"),
    ("train epochs 0", ["train", "--epochs", "0", "--data", "{data}"], r"epochs is 0; expected"),
    ("train batch 0", ["train", "--batch-size", "0", "--data", "{data}"], r"batch_size is 0"),
    ("train size -5", ["train", "--train-size", "-5", "--data", "{data}"], r"--train-size is -5"),
    ("train rate -1", ["train", "--learning-rate", "-1", "--data", "{data}"], r"learning_rate"),
    ("train bad labels", ["train", "--data", "{bad_data}"], r"labels 12\.\.12; expected digits"),
    ("train data is a dir", ["train", "--data", "{tmp}"], r"is a directory"),
    ("train output .pt", ["train", "-o", "{tmp}/m.pt", "--data", "{data}"], "unknown model file"),
    (
        "resume from a truncated file",
        ["train", "--resume", "{files}/truncated.keras", "--data", "{data}", "-o", "{tmp}/m.keras"],
        r"truncated\.keras",
    ),
]


@pytest.fixture(scope="module")
def npz_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    good = {
        "x_train": rng.integers(0, 256, (64, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 64).astype(np.uint8),
        "x_test": rng.integers(0, 256, (16, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 16).astype(np.uint8),
    }
    np.savez(folder / "good.npz", **good)
    np.savez(folder / "bad.npz", **{**good, "y_train": np.full(64, 12, np.uint8)})
    return folder / "good.npz", folder / "bad.npz"


@pytest.mark.parametrize(
    ("arguments", "message"), [case[1:] for case in CLI_CASES], ids=[case[0] for case in CLI_CASES]
)
def test_cli_bad_arguments(files, npz_files, tmp_path, capsys, arguments, message):
    fill = {
        "good": files["good.keras"],
        "files": files["good.keras"].parent,
        "tmp": tmp_path,
        "data": npz_files[0],
        "bad_data": npz_files[1],
    }
    arguments = [argument.format(**fill) for argument in arguments]
    if "-o" not in arguments:
        suffix = ".png" if arguments[0] in ("plot", "filters") else ".keras"
        arguments += ["-o", str(tmp_path / f"out{suffix}")]
    status, error = run_cli(capsys, arguments)
    assert_one_line_error(status, error, message)
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out.keras").exists()


def test_cli_grid_larger_than_the_filters_is_fine(files, tmp_path, capsys):
    output = tmp_path / "grid.png"
    arguments = ["filters", files["good.keras"], "--layer", "dense_1", "--grid", "4"]
    status = main([str(a) for a in [*arguments, "--steps", "2", "-o", output]])
    assert status == 0, capsys.readouterr().err
    assert "3 filters" in capsys.readouterr().out and output.is_file()


def test_cli_error_in_a_real_process_is_one_line(files):
    result = subprocess.run(
        [sys.executable, "-m", "lenet_widgets.cli", "summary", str(files["corrupt.keras"])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("lenet-widgets:")]
    assert len(lines) == 1 and "corrupt.keras" in lines[0], result.stderr


# ----------------------------------------------------------------------------- SavePanel


@pytest.fixture
def save_panel(good_model, files, tmp_path):
    from lenet_widgets.ui.save import SavePanel

    return SavePanel(good_model, tmp_path / "current.keras")


@pytest.mark.parametrize(("name", "case"), FILE_CASES.items(), ids=list(FILE_CASES))
def test_save_panel_load_bad_file_keeps_model_then_loads_good(save_panel, files, name, case):
    model = save_panel.model
    save_panel.path = str(files[name])
    save_panel.load()
    status = text(save_panel.status)
    assert status.startswith("not loaded, the current model is kept")
    assert re.search(case[1], status), status
    if name in UNSAFE:
        assert "safe mode" in status and "safe_mode=False" in status
    assert save_panel.model is model
    save_panel.path = str(files["good.keras"])  # The good action: the panel still works.
    save_panel.load()
    assert text(save_panel.status).startswith("loaded") and save_panel.model is not model


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{files}/folder.keras", "is a directory"),
        ("{tmp}/model.txt", "unknown model file suffix"),
        ("{tmp}/nowhere/model.keras", "does not exist"),
        ("", "unknown model file suffix"),
        ("{tmp}/.keras", "unknown model file suffix"),
    ],
)
def test_save_panel_save_to_bad_target_then_good(save_panel, files, tmp_path, target, message):
    save_panel.save()
    before = (tmp_path / "current.keras").read_bytes()
    save_panel.path = target.format(files=files["good.keras"].parent, tmp=tmp_path)
    save_panel.save()
    assert re.search(f"not saved: .*{message}", text(save_panel.status))
    save_panel.path = str(tmp_path / "current.keras")
    assert (tmp_path / "current.keras").read_bytes() == before
    save_panel.save()
    assert text(save_panel.status).startswith("saved")


def test_save_panel_refuses_nan_weights_and_keeps_the_file(save_panel, tmp_path, good_model):
    save_panel.save()
    before = (tmp_path / "current.keras").read_bytes()
    save_panel.model = nan_model()
    save_panel.save()
    assert re.search(r"not saved.*NaN", text(save_panel.status))
    assert (tmp_path / "current.keras").read_bytes() == before
    save_panel.model = good_model
    save_panel.save()
    assert text(save_panel.status).startswith("saved")


# ----------------------------------------------------------------------------- FeatureMapsPanel


@pytest.fixture(scope="module")
def feature_panel(good_model):
    from lenet_widgets.ui.feature_maps import FeatureMapsPanel

    images = np.random.default_rng(0).integers(0, 256, (6, 12, 12), dtype=np.uint8)
    return FeatureMapsPanel(good_model, images, np.arange(6) % 3)


def _good_feature_action(panel, good_model):
    """Show another digit of the good model; the picture must be redrawn."""
    panel.model = good_model
    renders = panel.renders
    panel.index = (panel.index + 1) % 6
    assert panel.renders == renders + 1
    assert "maps of" in text(panel._status.value)


@pytest.mark.parametrize("index", [-1, 6, 10**9, 2**63])
def test_feature_panel_bad_index(feature_panel, good_model, index):
    before = feature_panel.index
    with pytest.raises(traitlets.TraitError, match=rf"index is {index}; expected 0\.\.5"):
        feature_panel.index = index
    assert feature_panel.index == before
    _good_feature_action(feature_panel, good_model)


@pytest.mark.parametrize("layer", ["conv9", "", "input_layer", "conv2d/kernel"])
def test_feature_panel_bad_layer(feature_panel, good_model, layer):
    before, renders = feature_panel.layer, feature_panel.renders
    feature_panel.layer = layer
    assert f"layer {layer!r} has no maps" in text(feature_panel._status.value)
    assert feature_panel.layer == before and feature_panel.renders == renders
    _good_feature_action(feature_panel, good_model)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: "lenet.keras", "model is a str; expected a Keras model"),
        (subclassed_model, "subclassed model.*expected a Sequential or functional model"),
        (vector_model, "feature maps need|expects|images"),
    ],
    ids=["a path string", "subclassed", "not an image model"],
)
def test_feature_panel_refuses_bad_models(feature_panel, good_model, make, message):
    feature_panel.model = good_model
    with pytest.raises(traitlets.TraitError, match=message):
        feature_panel.model = make()
    assert feature_panel.model is good_model
    _good_feature_action(feature_panel, good_model)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (nan_model, r"NaN or infinite.*expected finite"),
        (lambda: build_lenet((12, 12, 3), 3), r"image has shape \(12, 12\); the model expects"),
        (lambda: build_lenet((12, 9, 1), 3), r"image has shape \(12, 12\); the model expects"),
    ],
    ids=["NaN weights", "RGB model, grey images", "non-square model"],
)
def test_feature_panel_shows_unusable_models(feature_panel, good_model, make, message):
    feature_panel.model = make()
    assert re.search(message, text(feature_panel._status.value))
    _good_feature_action(feature_panel, good_model)


# ----------------------------------------------------------------------------- StructurePanel


@pytest.fixture(scope="module")
def structure_panel(good_model):
    from lenet_widgets.ui.structure import StructurePanel

    return StructurePanel(good_model, engine="matplotlib")


def _good_structure_action(panel, good_model):
    panel.model = good_model
    toggle = panel._toggles["show_dtype"]
    toggle.value = not toggle.value
    assert "lenet: " in text(panel._status.value)
    assert bytes(panel._picture.value).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: "lenet.keras", "model is a str; expected a Keras model"),
        (lambda: keras.Sequential([keras.layers.Dense(3)]), "is not built; expected a built"),
    ],
    ids=["a path string", "unbuilt"],
)
def test_structure_panel_refuses_bad_models(structure_panel, good_model, make, message):
    structure_panel.model = good_model
    with pytest.raises(traitlets.TraitError, match=message):
        structure_panel.model = make()
    assert structure_panel.model is good_model
    _good_structure_action(structure_panel, good_model)


@pytest.mark.parametrize(
    ("make", "shown"),
    [(subclassed_model, "subclassed"), (no_conv_model, "no_conv"), (nan_model, "lenet")],
    ids=["subclassed", "no Conv2D", "NaN weights"],
)
def test_structure_panel_draws_odd_models(structure_panel, good_model, make, shown):
    structure_panel.model = make()
    assert f"{shown}: drawn with matplotlib" in text(structure_panel._status.value)
    _good_structure_action(structure_panel, good_model)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{tmp}", "Could not save"),
        ("{tmp}/model.txt", "Could not save"),
        ("{tmp}/nowhere/deeper/model.png", "Could not save"),
    ],
    ids=["a directory", "wrong suffix", "missing folder"],
)
def test_structure_panel_bad_save_path(structure_panel, good_model, tmp_path, target, message):
    structure_panel._save_path.value = target.format(tmp=tmp_path)
    structure_panel._save.click()
    assert message in text(structure_panel._status.value)
    structure_panel._save_path.value = str(tmp_path / "model.png")
    structure_panel._save.click()
    assert text(structure_panel._status.value).startswith("Saved")
    assert (tmp_path / "model.png").read_bytes().startswith(b"\x89PNG")
    _good_structure_action(structure_panel, good_model)


# ----------------------------------------------------------------------------- FilterExplorer


@pytest.fixture(scope="module")
def explorer(good_model):
    from lenet_widgets.ui.filters import FilterExplorer

    return FilterExplorer(good_model, max_steps=3, grid=3, max_filters=8, background=False)


def _good_filter_action(explorer, good_model):
    """Choose the good model and another step: the picture and status follow."""
    explorer.model = good_model
    explorer._layer.value = "conv2d_1"
    before = bytes(explorer._view.image.value)
    explorer._steps.value = 1 if explorer._steps.value != 1 else 2
    assert bytes(explorer._view.image.value) != before
    assert explorer.result.layer == "conv2d_1"
    assert "filters" in text(explorer._status.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: "lenet.keras", "model is str; expected a Keras model"),
        (subclassed_model, "subclassed.*expected a Sequential or functional model"),
        (vector_model, r"expected \(None, H, W, C\)"),
    ],
    ids=["a path string", "subclassed", "not an image model"],
)
def test_filter_explorer_refuses_bad_models(explorer, good_model, make, message):
    explorer.model = good_model
    with pytest.raises(traitlets.TraitError, match=message):
        explorer.model = make()
    assert explorer.model is good_model
    _good_filter_action(explorer, good_model)


def test_filter_explorer_model_without_conv_offers_dense_units(explorer, good_model):
    explorer.model = no_conv_model()
    assert list(explorer._layer.options) == ["dense"]
    assert "dense (unit)" in text(explorer._status.value)
    _good_filter_action(explorer, good_model)


def test_filter_explorer_nan_weights_show_a_message(explorer, good_model):
    explorer.model = nan_model()
    assert re.search(r"NaN or infinite.*expected finite", text(explorer._status.value))
    assert explorer._progress.bar_style == "danger"
    _good_filter_action(explorer, good_model)


@pytest.mark.parametrize(
    ("control", "value", "shown"),
    [
        ("_grid", 0, 1),
        ("_grid", -4, 1),
        ("_grid", 11, 10),
        ("_steps", -1, 0),
        ("_steps", 0, 0),
        ("_steps", 10**9, 3),
    ],
    ids=["grid 0", "grid negative", "grid too large", "steps negative", "steps 0", "steps huge"],
)
def test_filter_explorer_sliders_clamp_and_the_picture_follows(
    explorer, good_model, control, value, shown
):
    from lenet_widgets.plotting.filters import grid_mosaic_shape

    explorer.model = good_model
    explorer._layer.value = "conv2d_1"
    getattr(explorer, control).value = value
    assert getattr(explorer, control).value == shown
    mosaic = explorer._artists.image.get_array()
    assert mosaic.shape[:2] == grid_mosaic_shape(explorer._grid.value, (12, 12))
    title = explorer._view.figure.get_suptitle()  # Caption lines come after it in .texts.
    assert f"step {explorer._steps.value} of 3" in title
    _good_filter_action(explorer, good_model)


def test_filter_explorer_grid_larger_than_the_filters_shows_blanks(explorer, good_model):
    explorer.model = good_model
    explorer._layer.value = "dense_1"  # 3 classes.
    explorer._grid.value = 4
    labels = [label.get_text() for label in explorer._artists.labels]
    assert len(labels) == 16 and sum(bool(label) for label in labels) == 3
    _good_filter_action(explorer, good_model)


@pytest.mark.parametrize("layer", ["conv9", "flatten", ""])
def test_filter_explorer_unknown_layer_is_refused(explorer, good_model, layer):
    explorer.model = good_model
    before = explorer._layer.value
    with pytest.raises(traitlets.TraitError):
        explorer._layer.value = layer
    assert explorer._layer.value == before
    _good_filter_action(explorer, good_model)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"max_steps": -1}, r"max_steps is -1; expected an integer from 0 to"),
        ({"max_steps": 10**9}, r"max_steps is 1000000000; expected an integer from 0 to"),
        ({"grid": 0}, r"grid is 0; expected an integer from 1 to 10"),
        ({"grid": 11}, r"grid is 11; expected an integer from 1 to 10"),
        ({"max_filters": 0}, r"max_filters is 0; expected an integer >= 1"),
        ({"preset": "vgg"}, r"preset 'vgg' is unknown; expected one of"),
    ],
    ids=["max_steps -1", "max_steps huge", "grid 0", "grid 11", "max_filters 0", "preset"],
)
def test_filter_explorer_bad_constructor_arguments(good_model, arguments, message):
    from lenet_widgets.ui.filters import FilterExplorer

    with pytest.raises(ValueError, match=message):
        FilterExplorer(good_model, background=False, **arguments)


# ----------------------------------------------------------------------------- TrainingPanel


def _dataset(images=None, labels=None):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (40, 12, 12), dtype=np.uint8) if images is None else images
    y = rng.integers(0, 3, len(x)).astype(np.uint8) if labels is None else labels
    return Dataset(x[:32], y[:32], x[32:], y[32:], source="test")


TRAINING_CASES = [
    (
        "labels out of range",
        lambda: (build_lenet(SHAPE, 3), _dataset(labels=np.full(40, 9, np.uint8))),
        r"training failed: .*y_train range over 9\.\.9; expected 0\.\.2",
    ),
    (
        "RGB data, grey model",
        lambda: (
            build_lenet(SHAPE, 3),
            _dataset(images=np.zeros((40, 12, 12, 3), np.uint8)),
        ),
        r"training failed: .*x_train are \(12, 12, 3\) each.*expects \(12, 12, 1\)",
    ),
    (
        "non-square data, square model",
        lambda: (build_lenet(SHAPE, 3), _dataset(images=np.zeros((40, 12, 8), np.uint8))),
        r"training failed: .*x_train are \(12, 8, 1\) each.*expects \(12, 12, 1\)",
    ),
    (
        "NaN weights",
        lambda: (nan_model(), _dataset()),
        r"training failed: .*NaN or infinite.*expected finite",
    ),
    (
        "subclassed model",
        lambda: (subclassed_model(), _dataset()),
        r"training failed: .*subclassed.*expected a Sequential or functional",
    ),
]


@pytest.mark.parametrize(
    ("make", "message"),
    [case[1:] for case in TRAINING_CASES],
    ids=[case[0] for case in TRAINING_CASES],
)
def test_training_panel_shows_bad_input_then_trains_after_reset(make, message):
    from lenet_widgets.ui.training import TrainingPanel

    model, data = make()
    panel = TrainingPanel(model, data)
    panel._batch_size.value = 32
    weights = [w.copy() for w in model.get_weights()]
    panel.start()
    assert panel.wait(120)
    assert re.search(message, text(panel._status.value)), text(panel._status.value)
    assert not panel.running and not panel._train_button.disabled
    for before, after in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)  # Nothing was trained.
    panel._reset_button.click()  # The good action: Reset gives a fresh LeNet...
    assert "fresh weights" in text(panel._status.value)
    if data.x_train.shape[1:] == (12, 12) and data.y_train.max() < 3:
        panel.start()  # ... which trains on good data.
        assert panel.wait(120)
        assert "1 epoch trained" in text(panel._status.value)


@pytest.mark.parametrize(
    ("control", "value", "shown"),
    [("_epochs", 0, 1), ("_epochs", -5, 1), ("_epochs", 10**6, 20)],
    ids=["epochs 0", "epochs negative", "epochs huge"],
)
def test_training_panel_sliders_clamp(control, value, shown):
    from lenet_widgets.ui.training import TrainingPanel

    panel = TrainingPanel(build_lenet(SHAPE, 3), _dataset())
    getattr(panel, control).value = value
    assert getattr(panel, control).value == shown


# ----------------------------------------------------------------------------- LeNetLab


@pytest.fixture(scope="module")
def dashboard(good_model):
    from lenet_widgets.ui.lab import LeNetLab

    board = LeNetLab(good_model, _dataset(), filter_steps=2)
    board.wait()
    return board


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("lambda.keras", r"safe mode.*safe_mode=False"),
        ("vector.keras", r"expected \(None, H, W, C\)|feature maps|expected"),
        ("truncated.h5", "is damaged|could not be loaded"),
        ("folder.keras", "is a directory"),
    ],
)
def test_lab_load_of_a_bad_model_keeps_every_panel_on_the_old_one(dashboard, files, name, message):
    model = dashboard.model
    dashboard.saving.path = str(files[name])
    dashboard.saving.load()
    status = text(dashboard.saving.status)
    assert status.startswith("not loaded, the current model is kept"), status
    assert re.search(message, status), status
    assert dashboard.model is model
    assert all(panel.model is model for panel in dashboard.panels)
    dashboard.saving.path = str(files["good.keras"])  # The good action.
    dashboard.saving.load()
    dashboard.wait()
    assert text(dashboard.saving.status).startswith("loaded")
    assert all(panel.model is dashboard.model for panel in dashboard.panels)
    assert dashboard.model is not model


@pytest.mark.parametrize(
    ("model", "expected", "message"),
    [
        ("{files}/lambda.keras", UnsafeModelError, r"safe mode.*safe_mode=False"),
        ("{files}/missing.keras", ModelFileError, "does not exist"),
        ("{files}/model.txt", ModelFileError, "unknown model file suffix"),
    ],
    ids=["Lambda file", "missing file", "wrong suffix"],
)
def test_lab_function_refuses_bad_files(files, model, expected, message):
    from lenet_widgets.ui.lab import lab

    with pytest.raises(expected, match=message):
        lab(model.format(files=files["good.keras"].parent), _dataset())


def test_lab_function_refuses_a_subclassed_model():
    from lenet_widgets.ui.lab import lab

    with pytest.raises(traitlets.TraitError, match="subclassed"):
        lab(subclassed_model(), _dataset())
