"""Benchmark: LeNet structure pictures after an option change, both engines, and cached toggles.

Run: ``.venv/bin/python benchmarks/bench_structure.py [--repeats N]``. Prints the
median time from an option change to a new PNG for the matplotlib and Graphviz
engines (``plot_model``, no caching), the same through ``StructurePanel``, and the
time of a toggle whose picture is cached. Targets: matplotlib < 150 ms, cached < 20 ms.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

OPTION_SETS = [
    {"show_shapes": shapes, "show_layer_names": names, "rankdir": rankdir}
    for shapes, names, rankdir in itertools.product((True, False), (True, False), ("TB", "LR"))
]


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def bench_engine(model, engine: str, repeats: int) -> float:
    """Median ms of plot_model over changing option sets (nothing cached)."""
    from lenet_widgets.display.model_picture import plot_model

    plot_model(model, engine=engine)  # Warm-up: imports, font cache.
    times = []
    for index in range(repeats):
        options = OPTION_SETS[index % len(OPTION_SETS)]
        start = time.perf_counter()
        plot_model(model, engine=engine, **options)
        times.append(time.perf_counter() - start)
    return _median_ms(times)


def bench_panel(model, engine: str, repeats: int) -> tuple[float, float]:
    """Median ms of an uncached toggle and of a cached toggle in StructurePanel."""
    from lenet_widgets.ui.structure import StructurePanel

    panel = StructurePanel(model, engine=engine)
    toggles = panel._toggles
    fresh = []
    names = ["show_dtype", "show_trainable", "show_layer_activations", "show_input_layer"]
    # Walk the 16 combinations of these four toggles in Gray-code order: each step is new.
    for step in range(1, min(repeats, 15) + 1):
        changed = (step ^ (step >> 1)) ^ ((step - 1) ^ ((step - 1) >> 1))
        name = names[changed.bit_length() - 1]
        before = panel.render_count
        start = time.perf_counter()
        toggles[name].value = not toggles[name].value
        fresh.append(time.perf_counter() - start)
        assert panel.render_count == before + 1, "expected a new picture"
    cached = []
    toggle = toggles["show_shapes"]
    toggle.value = not toggle.value  # Both states now seen.
    toggle.value = not toggle.value
    for _ in range(repeats):
        before = panel.render_count
        start = time.perf_counter()
        toggle.value = not toggle.value
        cached.append(time.perf_counter() - start)
        assert panel.render_count == before, "cached toggle redrew"
    return _median_ms(fresh), _median_ms(cached)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    arguments = parser.parse_args()
    from lenet_widgets.core.model import build_lenet

    model = build_lenet(compile=False)
    engines = ["matplotlib"] + (["graphviz"] if shutil.which("dot") else [])
    print(f"LeNet structure pictures, median of {arguments.repeats} option changes")
    for engine in engines:
        target = " (target < 150 ms)" if engine == "matplotlib" else ""
        print(
            f"  plot_model {engine:<10}: {bench_engine(model, engine, arguments.repeats):7.1f} ms"
            f"{target}"
        )
    for engine in engines:
        fresh, cached = bench_panel(model, engine, arguments.repeats)
        print(
            f"  panel {engine:<10} new picture: {fresh:7.1f} ms;"
            f" cached toggle: {cached:6.2f} ms (target < 20 ms)"
        )
    if "graphviz" not in engines:
        print("  graphviz: skipped (dot not installed)")


if __name__ == "__main__":
    main()
