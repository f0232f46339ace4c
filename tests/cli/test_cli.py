"""The lenet-widgets command line: cheap help, train/summary, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from lenet_widgets.cli import main

CHECK_IMPORTS = (
    "import sys; from lenet_widgets.cli import build_parser; import lenet_widgets; "
    "build_parser().format_help(); "
    "heavy = ('tensorflow', 'keras', 'matplotlib', 'ipywidgets'); "
    "print(sorted(m for m in heavy if m in sys.modules))"
)


def test_help_and_package_import_do_not_load_tensorflow():
    result = subprocess.run(
        [sys.executable, "-c", CHECK_IMPORTS], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    help_text = subprocess.run(
        [sys.executable, "-m", "lenet_widgets.cli", "--help"], capture_output=True, text=True
    ).stdout
    for command in ("train", "summary", "demo"):
        assert command in help_text


def _choices(command: str, option: str) -> list[str]:
    from lenet_widgets.cli import build_parser

    commands = next(
        action for action in build_parser()._actions if action.dest == "command"
    ).choices
    action = next(a for a in commands[command]._actions if option in a.option_strings)
    return list(action.choices)


def test_choices_are_the_library_tables():
    from lenet_widgets.core.filters import INITS, OBJECTIVES, PRESETS
    from lenet_widgets.core.model import OPTIMIZERS
    from lenet_widgets.display.model_picture import ENGINES
    from lenet_widgets.plotting.structure import RANKDIRS

    assert _choices("train", "--optimizer") == list(OPTIMIZERS)
    assert _choices("plot", "--engine") == list(ENGINES)
    assert _choices("plot", "--rankdir") == list(RANKDIRS)
    assert _choices("filters", "--preset") == list(PRESETS)
    assert _choices("filters", "--objective") == list(OBJECTIVES)
    assert _choices("filters", "--init") == list(INITS)


@pytest.fixture
def small_mnist(tmp_path):
    """A 256-image MNIST-shaped file: enough to run the CLI end to end in seconds."""
    rng = np.random.default_rng(0)
    path = tmp_path / "small.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 256, (256, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, 256).astype(np.uint8),
        x_test=rng.integers(0, 256, (64, 28, 28), dtype=np.uint8),
        y_test=rng.integers(0, 10, 64).astype(np.uint8),
    )
    return path


def test_train_writes_all_three_formats_and_summary_reads_them(small_mnist, tmp_path, capsys):
    output = tmp_path / "lenet.keras"
    status = main(["train", "--data", str(small_mnist), "-o", str(output), "--save-trained"])
    assert status == 0
    for name in ("lenet.keras", "lenet.h5", "lenet.weights.h5"):
        assert (tmp_path / name).is_file()
    assert "saved" in capsys.readouterr().out
    for name in ("lenet.keras", "lenet.h5", "lenet.weights.h5"):
        assert main(["summary", str(tmp_path / name)]) == 0
        assert "1 epoch trained" in capsys.readouterr().out
    assert (
        main(["train", "--data", str(small_mnist), "--resume", str(output), "-o", str(output)]) == 0
    )
    assert main(["summary", str(output)]) == 0
    assert "2 epochs trained" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["summary", "{tmp}/missing.keras"], "does not exist"),
        (["summary", "{tmp}/model.txt"], "unknown model file suffix"),
        (["train", "--data", "{tmp}/missing.npz"], "does not exist"),
        (["train", "-o", "{tmp}/model.pt"], "unknown model file suffix"),
        (["train", "--epochs", "0", "--data", "{data}", "-o", "{tmp}/m.keras"], "epochs is 0"),
    ],
)
def test_errors_print_one_line_and_exit_non_zero(tmp_path, small_mnist, capsys, arguments, message):
    filled = [a.format(tmp=tmp_path, data=small_mnist) for a in arguments]
    assert main(filled) == 1
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert error.startswith("lenet-widgets: error:")


def test_error_from_real_process_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "lenet_widgets.cli", "summary", str(tmp_path / "nope.keras")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
