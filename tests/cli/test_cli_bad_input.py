"""Bad input on the command line (table-driven): exit status 1 and a single ``lenet-widgets:
error:`` line without a traceback (one case in a real subprocess); no output file written.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from lenet_widgets.cli import main

from helpers import mnist_arrays, named_cases
from tiny_models import FILE_CASES


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
def test_cli_summary_of_bad_files(model_files, capsys, name, case):
    status, error = run_cli(capsys, ["summary", model_files[name]])
    assert_one_line_error(status, error, case[1])


@pytest.mark.parametrize("name", ["missing.keras", "truncated.h5", "lambda.h5", "folder.keras"])
@pytest.mark.parametrize("command", ["plot", "filters"])
def test_cli_plot_and_filters_of_bad_files(model_files, tmp_path, capsys, command, name):
    output = tmp_path / "out.png"
    status, error = run_cli(capsys, [command, model_files[name], "-o", output])
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
    good = mnist_arrays(64, 16)
    np.savez(folder / "good.npz", **good)
    np.savez(folder / "bad.npz", **{**good, "y_train": np.full(64, 12, np.uint8)})
    return folder / "good.npz", folder / "bad.npz"


@pytest.mark.parametrize(("arguments", "message"), named_cases(CLI_CASES))
def test_cli_bad_arguments(model_files, npz_files, tmp_path, capsys, arguments, message):
    fill = {
        "good": model_files["good.keras"],
        "files": model_files["good.keras"].parent,
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


def test_cli_grid_larger_than_the_filters_is_fine(model_files, tmp_path, capsys):
    output = tmp_path / "grid.png"
    arguments = ["filters", model_files["good.keras"], "--layer", "dense_1", "--grid", "4"]
    status = main([str(a) for a in [*arguments, "--steps", "2", "-o", output]])
    assert status == 0, capsys.readouterr().err
    assert "3 filters" in capsys.readouterr().out and output.is_file()


def test_cli_error_in_a_real_process_is_one_line(model_files):
    result = subprocess.run(
        [sys.executable, "-m", "lenet_widgets.cli", "summary", str(model_files["corrupt.keras"])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("lenet-widgets:")]
    assert len(lines) == 1 and "corrupt.keras" in lines[0], result.stderr
