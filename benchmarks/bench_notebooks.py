"""Benchmark: each notebook's run time top to bottom, as a student runs it, and its stderr cells.

Run: ``.venv/bin/python benchmarks/bench_notebooks.py [notebook names...]``. Executes
each notebook of ``notebooks/`` (or the ones named, e.g. ``02 03``) in a fresh
kernel on a temporary copy, on real MNIST when ``LENET_WIDGETS_MNIST`` names an
``mnist.npz`` (fast mode otherwise, and it says so), with no TensorFlow log level
set. Prints the wall time of each notebook, its slowest cell, and how many cells
wrote to stderr. Target: about two minutes or less per notebook on the 2-core
CI machine, with no stderr cell.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
TARGET_S = 120.0


def _environment(real: bool, work: Path) -> None:
    if real:
        os.environ.pop("LENET_WIDGETS_FAST", None)
    else:
        os.environ["LENET_WIDGETS_FAST"] = "1"
    os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)  # As in a student's kernel.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["MPLCONFIGDIR"] = str(work / "matplotlib")
    os.environ["IPYTHONDIR"] = str(work / "ipython")


def run_notebook(path: Path, work: Path) -> tuple[float, list[tuple[float, int]], list[str]]:
    """Execute a copy of ``path`` in ``work``; return (seconds, per-cell times, stderr lines)."""
    import nbclient
    import nbformat

    copy = work / path.name
    shutil.copy2(path, copy)
    notebook = nbformat.read(copy, as_version=4)
    from jupyter_client.manager import KernelManager

    # IPC sockets, not TCP: ipykernel warns on stderr about an unencrypted TCP kernel.
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(work / "kernel"))
    client = nbclient.NotebookClient(
        notebook, km=kernel, timeout=600, resources={"metadata": {"path": str(work)}}
    )
    begin = time.monotonic()
    try:
        client.execute()
        total = time.monotonic() - begin
    finally:
        if kernel.has_kernel:  # Given a manager, nbclient leaves the kernel to its owner.
            kernel.shutdown_kernel(now=True)
    cell_times = []
    stderr = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        timing = cell.metadata.get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            from datetime import datetime

            seconds = datetime.fromisoformat(end[:26]) - datetime.fromisoformat(start[:26])
            cell_times.append((seconds.total_seconds(), index))
        for output in cell.outputs:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                stderr.append(f"cell {index}: {output.get('text', '').strip()[:300]}")
    return total, sorted(cell_times, reverse=True), stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    arguments = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from lenet_widgets import config

    mnist = config.mnist_path_from_environment()
    real = mnist is not None and mnist.is_file()
    paths = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    if arguments.names:
        paths = [p for p in paths if any(p.name.startswith(name) for name in arguments.names)]
    print(f"data: {'real MNIST ' + str(mnist) if real else 'fast mode (no LENET_WIDGETS_MNIST)'}")
    print(f"{'notebook':32} {'seconds':>8}  {'slowest cell':>14}  stderr cells")
    missed = []
    for path in paths:
        with tempfile.TemporaryDirectory(prefix="bench_notebooks_") as folder:
            work = Path(folder)
            _environment(real, work)
            total, cell_times, stderr = run_notebook(path, work)
        slowest = f"{cell_times[0][0]:.1f} s (#{cell_times[0][1]})" if cell_times else "-"
        print(f"{path.name:32} {total:8.1f}  {slowest:>14}  {len(stderr)}", flush=True)
        for line in stderr:
            print(f"    {line}")
        if stderr or (real and total > TARGET_S):
            missed.append(path.name)
    target = f"<= {TARGET_S:.0f} s on real MNIST and no stderr"
    print(f"target ({target}): " + (f"missed by {', '.join(missed)}" if missed else "met"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
