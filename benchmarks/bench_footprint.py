"""One student's memory and start-up time: RSS and PSS of a fresh kernel-like process, by stage.

Each scenario runs in a fresh Python process (what a new notebook kernel is):

* ``lab``: ``import lenet_widgets`` (and TensorFlow), ``lw.lab()`` (it returns once the
  first filter picture is drawn), then one epoch on all training images from the Train
  tab (``lab.training.start()``), then the pictures refreshed after training;
* ``notebook04``: the code cells of ``notebooks/04_filter_visualization.ipynb``
  (real data, not fast mode: 200 ascent steps, 10,000 test images searched).

For every stage: wall time, RSS and PSS after it (steady) and the peak during it
(``/proc/self/smaps_rollup`` sampled every 20 ms). Target (issue 13): the ``lab``
scenario's peak at most 900 MB.

Usage: LENET_WIDGETS_MNIST=/path/to/mnist.npz python benchmarks/bench_footprint.py [scenario...]
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("lab", "notebook04")
TARGET_PEAK_MB = 900
SAMPLE_SECONDS = 0.02


def memory() -> tuple[int, int]:
    """(RSS, PSS) of this process in bytes, from ``/proc/self/smaps_rollup``."""
    found = {"Rss": 0, "Pss": 0}
    with open("/proc/self/smaps_rollup") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in found:
                found[name] = int(rest.split()[0]) * 1024
    return found["Rss"], found["Pss"]


class Sampler:
    """Records the peak RSS and PSS while a stage runs."""

    def __init__(self) -> None:
        self.peak = (0, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            rss, pss = memory()
            self.peak = (max(self.peak[0], rss), max(self.peak[1], pss))
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> Sampler:
        self.peak = memory()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        rss, pss = memory()
        self.peak = (max(self.peak[0], rss), max(self.peak[1], pss))


def stage(rows: list[dict], name: str, work: Callable[[], None]) -> None:
    """Run ``work``; append its wall time, peak during it, and steady memory after it."""
    start = time.perf_counter()
    with Sampler() as sampler:
        work()
    seconds = time.perf_counter() - start
    gc.collect()
    rss, pss = memory()
    rows.append(
        {
            "stage": name,
            "seconds": seconds,
            "rss": rss,
            "pss": pss,
            "peak_rss": sampler.peak[0],
            "peak_pss": sampler.peak[1],
        }
    )
    print(json.dumps(rows[-1]), flush=True)


def scenario_lab() -> None:
    rows: list[dict] = []
    rss, pss = memory()
    rows.append({"stage": "python started", "seconds": 0.0, "rss": rss, "pss": pss})
    print(json.dumps(rows[-1]), flush=True)
    state: dict = {}

    def import_package() -> None:
        import lenet_widgets as lw

        # TensorFlow too, as the first use of the package loads it: after lenet_widgets,
        # which quiets it and sizes its thread pools (a kernel importing keras first shows
        # TensorFlow's start-up lines).
        importlib.import_module("keras")
        state["lw"] = lw

    def open_lab() -> None:
        state["lab"] = state["lw"].lab()

    def train_one_epoch() -> None:
        lab = state["lab"]
        training = lab.training
        training._epochs.value = 1
        sizes = [value for _, value in training._subset.options]
        training._subset.value = 0 if 0 in sizes else max(sizes)
        training.start()
        if not training.wait(3600):
            raise RuntimeError("training did not finish within an hour")

    def refreshed_pictures() -> None:
        state["lab"].wait(600)

    stage(rows, "import lenet_widgets + TensorFlow", import_package)
    stage(rows, "lw.lab() (returns with its first filter picture)", open_lab)
    stage(rows, "one epoch on all training images (Train tab)", train_one_epoch)
    stage(rows, "pictures refreshed after training", refreshed_pictures)
    lab = state["lab"]
    print(json.dumps({"note": f"trained on {lab.training.monitor.progress()}"}), flush=True)


def scenario_notebook04() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.show = lambda *args, **kwargs: plt.close("all")
    notebook = json.loads((ROOT / "notebooks" / "04_filter_visualization.ipynb").read_text())
    cells = [
        "".join(line for line in cell["source"] if not line.lstrip().startswith("%"))
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
    ]
    rows: list[dict] = []
    from IPython.display import display  # A notebook's builtin; the cells call it.

    namespace: dict = {"__name__": "__main__", "display": display}
    for number, code in enumerate(cells, 1):
        first = code.strip().splitlines()[0] if code.strip() else ""
        stage(rows, f"nb04 cell {number}: {first[:60]}", lambda code=code: exec(code, namespace))
        plt.close("all")


def run_scenario(name: str) -> list[dict]:
    """Run one scenario in a fresh process; return its rows."""
    with tempfile.TemporaryDirectory(prefix="footprint-") as workdir:
        completed = subprocess.run(
            [sys.executable, __file__, "--child", name],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=7200,
        )
    rows = []
    for line in completed.stdout.splitlines():
        if line.startswith("{"):
            rows.append(json.loads(line))
    if completed.returncode != 0:
        raise RuntimeError(f"scenario {name} failed:\n{completed.stderr[-3000:]}")
    if completed.stderr.strip():
        rows.append({"note": f"stderr: {completed.stderr.strip()[:500]}"})
    return rows


def table(name: str, rows: list[dict]) -> tuple[str, int]:
    lines = [
        f"scenario {name}",
        "",
        "| stage | seconds | RSS after | PSS after | peak RSS during | peak PSS during |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    peak = 0
    for row in rows:
        if "note" in row:
            lines.append(f"  ({row['note']})")
            continue
        peak = max(peak, row.get("peak_rss", row["rss"]), row.get("peak_pss", row["pss"]))

        def mb(key: str, row: dict = row) -> str:
            return f"{row[key] / 1e6:,.0f} MB" if key in row else ""

        lines.append(
            f"| {row['stage']} | {row['seconds']:.1f} | {mb('rss')} | {mb('pss')} "
            f"| {mb('peak_rss')} | {mb('peak_pss')} |"
        )
    cold = sum(row.get("seconds", 0.0) for row in rows[:3] if "stage" in row)
    lines.append("")
    lines.append(f"peak: {peak / 1e6:,.0f} MB")
    if name == "lab":
        lines.append(f"cold start (import + lab() to its first filter picture): {cold:.1f} s")
        verdict = "ok" if peak / 1e6 <= TARGET_PEAK_MB else "OVER"
        lines.append(f"target peak <= {TARGET_PEAK_MB} MB: {verdict}")
    return "\n".join(lines), peak


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        {"lab": scenario_lab, "notebook04": scenario_notebook04}[argv[1]]()
        return 0
    chosen = argv or list(SCENARIOS)
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        print(f"unknown scenario {unknown}; expected some of {SCENARIOS}", file=sys.stderr)
        return 2
    print(f"{os.cpu_count()} CPUs; MNIST: {os.environ.get('LENET_WIDGETS_MNIST', 'default')}")
    for name in chosen:
        text, _ = table(name, run_scenario(name))
        print(text, "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
