"""Every notebook in notebooks/ runs top to bottom with no stderr output; stored without outputs.

Notebooks run on a temporary copy (their working directory), so the files they
save (models, pictures) never land in the repository. With real MNIST
(``LENET_WIDGETS_MNIST``, set by CI) they run as a student runs them, about two
minutes each at most (``benchmarks/bench_notebooks.py`` prints the times);
without it ``LENET_WIDGETS_FAST=1`` shrinks epochs, steps and data. Either way
a single line on stderr (or a warning on stdout) in any cell fails the test.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from lenet_widgets import config

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = [
    "01_tour.ipynb",
    "02_train_and_save.ipynb",
    "03_plot_the_model.ipynb",
    "04_filter_visualization.ipynb",
    "05_classroom_lab.ipynb",
    "dashboard.ipynb",  # The Voila page: lw.lab() with words for a page without code.
]
CELL_TIMEOUT = 600

nbformat = pytest.importorskip("nbformat", reason="nbformat not installed (pip install nbformat)")


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def test_all_notebooks_are_there():
    assert [path.name for path in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(path):
    notebook = _read(path)
    nbformat.validate(notebook)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: code cells {dirty} carry outputs or execution counts; "
        "strip them (jupyter nbconvert --clear-output --inplace notebooks/*.ipynb)"
    )
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_uses_the_public_api(path):
    """Students copy from these notebooks: no private modules, no underscore names."""
    source = "\n".join(cell.source for cell in _read(path).cells if cell.cell_type == "code")
    assert "import lenet_widgets as lw" in source
    private = re.findall(r"lenet_widgets\.(?:core|plotting|_\w+)|\blw\._\w+", source)
    assert not private, f"{path.name} uses private names: {sorted(set(private))}"


def _real_mnist() -> Path | None:
    """The real MNIST named by LENET_WIDGETS_MNIST (CI sets it), or None: fast mode then."""
    path = config.mnist_path_from_environment()
    return path if path is not None and path.is_file() else None


# Text a student must not meet in any output: Python/absl/TensorFlow warnings,
# even when printed on stdout (tf.function's retracing warning is).
WARNING_TEXT = re.compile(
    r"^(?:WARNING|W\d{4}|E\d{4}|I\d{4})\b|Warning: |triggered tf\.function retracing",
    re.MULTILINE,
)


# Without real MNIST (fast mode on a machine without the file), the data loader says on
# stderr, on purpose, that it fell back to the packaged 8x8 digits: the one line allowed then.
NO_MNIST_NOTICE = re.compile(r"\Alenet_widgets: MNIST not found[^\n]*\n?\Z")


def _stderr_outputs(notebook, *, allow_no_mnist_notice: bool = False) -> list[str]:
    """'cell N: text' for every stderr output and every warning line in any output."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.get("output_type") != "stream":
                continue
            text = output.get("text", "")
            if allow_no_mnist_notice and NO_MNIST_NOTICE.match(text):
                continue
            if output.get("name") == "stderr" or WARNING_TEXT.search(text):
                first_line = cell.source.splitlines()[0] if cell.source else ""
                found.append(f"cell {index} ({first_line[:60]!r}): {output.get('name')}: {text}")
    return found


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_without_stderr(path, tmp_path, monkeypatch):
    """As a student runs it: real MNIST when LENET_WIDGETS_MNIST is set (fast mode otherwise),
    no TensorFlow log level set by us, and not one line on stderr in any cell."""
    nbclient = pytest.importorskip("nbclient", reason="nbclient not installed")
    pytest.importorskip("ipykernel", reason="ipykernel not installed")
    real = _real_mnist()
    if real is None:
        monkeypatch.setenv("LENET_WIDGETS_FAST", "1")
    else:
        monkeypatch.delenv("LENET_WIDGETS_FAST", raising=False)
    # A student's kernel: no TF_CPP_MIN_LOG_LEVEL (conftest sets one for this process).
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    # Let the kernel use the inline backend (conftest sets Agg for the test process).
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "matplotlib"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    work = tmp_path / "notebooks"
    work.mkdir()
    copy = work / path.name
    shutil.copy2(path, copy)
    notebook = _read(copy)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(work)}},
    )
    mode = "real MNIST" if real else "fast mode"
    begin = time.monotonic()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name} failed ({mode}):\n{error}")
    print(f"{path.name} ({mode}): {time.monotonic() - begin:.1f} s")
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("output_type") == "error"
    ]
    assert not errors
    shown = "\n".join(
        str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "Traceback" not in shown
    stderr = _stderr_outputs(notebook, allow_no_mnist_notice=real is None)
    assert not stderr, f"{path.name} ({mode}) wrote to stderr or warned:\n" + "\n".join(stderr)


def test_the_stderr_check_catches_what_students_saw():
    """The checker itself: the outputs issue #10 found in notebooks 02-05 are caught."""
    cell = nbformat.v4.new_code_cell("x = 1")
    seen = [
        ("stderr", "WARNING:absl:You are saving your model as an HDF5 file via `model.save()`."),
        ("stderr", "UserWarning: Skipping variable loading for optimizer 'adam_1'"),
        (
            "stdout",
            "WARNING:tensorflow:5 out of the last 5 calls to <function> triggered "
            "tf.function retracing.",
        ),
        ("stderr", "E0000 00:00:1 cuda_executor.cc: failed call to cuInit: UNKNOWN ERROR (303)"),
    ]
    for name, text in seen:
        cell.outputs = [nbformat.v4.new_output("stream", name=name, text=text)]
        notebook = nbformat.v4.new_notebook(cells=[cell])
        assert _stderr_outputs(notebook), text
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="accuracy 0.98\n")]
    assert not _stderr_outputs(nbformat.v4.new_notebook(cells=[cell]))
    notice = (
        "lenet_widgets: MNIST not found and the download failed; using the packaged 8x8 digits\n"
    )
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=notice)]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    assert _stderr_outputs(notebook)  # With real MNIST expected, even this line fails.
    assert not _stderr_outputs(notebook, allow_no_mnist_notice=True)
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=notice + "WARNING x\n")]
    assert _stderr_outputs(nbformat.v4.new_notebook(cells=[cell]), allow_no_mnist_notice=True)
