"""Every notebook in notebooks/ runs top to bottom in fast mode; the stored copies carry no outputs.

Notebooks run on a temporary copy (their working directory), so the files they
save (models, pictures) never land in the repository. ``LENET_WIDGETS_FAST=1``
shrinks epochs, steps and data so the whole set runs in a few minutes.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
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


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_in_fast_mode(path, tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient", reason="nbclient not installed")
    pytest.importorskip("ipykernel", reason="ipykernel not installed")
    monkeypatch.setenv("LENET_WIDGETS_FAST", "1")
    # Let the kernel use the inline backend (conftest sets Agg for the test process).
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "matplotlib"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
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
    begin = time.monotonic()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name} failed in fast mode:\n{error}")
    print(f"{path.name}: {time.monotonic() - begin:.1f} s")
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
