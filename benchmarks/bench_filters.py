"""Benchmark filter visualization: batched engine vs the chapter's loop, compute floor, widget.

Run: ``.venv/bin/python benchmarks/bench_filters.py``. Uses an untrained LeNet
(28x28x1; timings do not depend on the weight values). All ratios come from one run.

(a) engine vs the chapter's algorithm ported to TF2 (one compiled function per
    filter, 128 + [0, 20) start, 20 steps, 50 filters of conv2d_1);
(b) engine vs the compute floor: the same number of batched forward+backward
    passes of the truncated model (50 images, input -> conv2d_1, summed), nothing
    else: no regularizer, no normalization, no image update, no history. Each pass
    returns its loss and its input gradient, as the chapter's ``iterate`` does; the
    loss must be read, otherwise Grappler prunes the layer's own forward convolution
    (the gradient of a sum does not need the layer's output), leaving the input
    gradient alone, which is not a forward+backward pass. That gradient-only figure
    is printed too, for reference. The engine is timed as used (for a plain Conv2D
    layer it computes only each image's own channel, less work than the floor) and
    on its general path (the full layer output, then a gather, as for other layers);
(c) FilterExplorer: steps or grid change -> new picture; layer change -> new result.

Every timed section of either side starts after ``gc.collect()`` (as ``timeit`` does):
the chapter port leaves ~50 traced ``tf.function`` objects behind, and the engine run
right after it otherwise pays for collecting them (0.2 s instead of 0.1 s). The load
average is printed at the start and at the end: figures from a busy machine are slower.
"""

from __future__ import annotations

import gc
import os
import statistics
import time

from lenet_widgets import config

config.quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from lenet_widgets.core.filters import compiled as filters_compiled  # noqa: E402
from lenet_widgets.core.filters import maximize_filters  # noqa: E402
from lenet_widgets.core.model import build_lenet  # noqa: E402

__all__ = ["chapter_port", "compute_floor", "main"]

LAYER = "conv2d_1"
FILTERS = 50
STEPS = 20
REPEATS = 5
"""Runs of each side in (a) and (b); the figures are their medians."""


def chapter_port(model: keras.Model, layer: str = LAYER, steps: int = STEPS) -> list[int]:
    """The chapter's per-filter loop on TF2: a new compiled gradient function per filter."""
    output = model.get_layer(layer).output
    truncated = keras.Model(model.inputs[0], output)
    kept = []
    for index in range(int(output.shape[-1])):

        @tf.function
        def iterate(image, index=index):
            with tf.GradientTape() as tape:
                tape.watch(image)
                loss = tf.reduce_mean(truncated(image)[..., index])
            grads = tape.gradient(loss, image)
            grads /= tf.sqrt(tf.reduce_mean(tf.square(grads))) + 1e-5
            return loss, grads

        image = tf.constant(np.random.random((1, 28, 28, 1)).astype(np.float32) * 20 + 128.0)
        loss = 0.0
        for _ in range(steps):
            loss, grads = iterate(image)
            image = image + grads * 1.0
        if float(loss) > 0:
            kept.append(index)
    return kept


def compute_floor(
    model: keras.Model, layer: str = LAYER, steps: int = STEPS, with_loss: bool = True
) -> float:
    """Seconds for ``steps`` batched forward+backward passes of the truncated model, warm.

    One compiled function, called once per step, returning the summed output (the
    forward) and the input gradient (the backward), both copied to NumPy.
    ``with_loss=False`` returns the gradient only: Grappler then drops the layer's
    own forward convolution, so that is less than a forward+backward pass.
    """
    truncated = keras.Model(model.inputs[0], model.get_layer(layer).output)

    @tf.function
    def forward_backward(images):
        with tf.GradientTape() as tape:
            tape.watch(images)
            total = tf.reduce_sum(truncated(images))
        gradient = tape.gradient(total, images)
        return (total, gradient) if with_loss else (gradient,)

    images = tf.constant(np.random.random((FILTERS, 28, 28, 1)).astype(np.float32))
    forward_backward(images)  # Trace once.
    gc.collect()
    start = time.perf_counter()
    for _ in range(steps):
        for tensor in forward_backward(images):
            tensor.numpy()
    return time.perf_counter() - start


def _timed(function, repeat: int) -> float:
    """Median seconds of ``repeat`` calls, each after ``gc.collect()``."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _load() -> str:
    """The machine's load average (1, 5, 15 minutes), as ``uptime`` prints it."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    """Print the figures."""
    print(f"load average at start: {_load()}")
    print(f"LeNet (untrained, 28x28x1), layer {LAYER}: {FILTERS} filters x {STEPS} steps")
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, CPU\n")

    # (a) chapter port vs engine: the port runs REPEATS times, each followed by REPEATS
    # warm engine runs (same machine state); ratios of the medians. Tracing included in
    # the port.
    keras.utils.set_random_seed(0)
    fresh = build_lenet(compile=False)
    # The chapter's recipe (start, step, no clipping): the same work as the port.
    request = {"steps": STEPS, "preset": "chapter"}
    gc.collect()
    start = time.perf_counter()
    maximize_filters(fresh, LAYER, **request)
    engine_cold = time.perf_counter() - start
    chapter_runs, engine_runs = [], []
    for _ in range(REPEATS):
        keras.utils.set_random_seed(0)  # The same model and start noise each time.
        port_model = build_lenet(compile=False)
        gc.collect()
        start = time.perf_counter()
        kept = chapter_port(port_model)
        chapter_runs.append(time.perf_counter() - start)
        engine_runs.append(_timed(lambda: maximize_filters(fresh, LAYER, **request), REPEATS))
    chapter_seconds = statistics.median(chapter_runs)
    engine_warm = statistics.median(engine_runs)
    print("(a) chapter's per-filter loop vs batched engine")
    print(
        f"    chapter port:   {chapter_seconds:7.3f} s  (median of {REPEATS}; kept {len(kept)} of "
        f"{FILTERS} filters)"
    )
    print(f"    engine, first:  {engine_cold:7.3f} s  (tracing included)  ->", end=" ")
    print(f"{chapter_seconds / engine_cold:5.1f}x faster")
    print(f"    engine, warm:   {engine_warm:7.3f} s                      ->", end=" ")
    print(f"{chapter_seconds / engine_warm:5.1f}x faster   (target >= 30x)\n")

    # (b) compute floor, medians of REPEATS, interleaved with the engine (same machine state).
    # The engine's default path computes only each image's own channel of a plain Conv2D
    # layer; the general path (the full layer output, then a gather) is timed too.
    filters_compiled._OWN_CHANNEL = False
    general = build_lenet(compile=False)
    maximize_filters(general, LAYER, **request)  # Trace once.
    filters_compiled._OWN_CHANNEL = True
    floors, gradient_only, engine_runs, general_runs = [], [], [], []
    for _ in range(REPEATS):
        floors.append(compute_floor(fresh))
        gradient_only.append(compute_floor(fresh, with_loss=False))
        engine_runs.append(_timed(lambda: maximize_filters(fresh, LAYER, **request), 1))
        general_runs.append(_timed(lambda: maximize_filters(general, LAYER, **request), 1))
    floor = statistics.median(floors)
    engine_b, general_b = statistics.median(engine_runs), statistics.median(general_runs)
    print("(b) engine vs compute floor (same batched forward+backward passes, loss read)")
    print(f"    floor:                         {floor:.3f} s")
    print(f"    engine (own channel only):     {engine_b:.3f} s ->", end=" ")
    print(f"{engine_b / floor:.2f}x   (target <= 1.3x)")
    print(f"    engine (full layer + gather):  {general_b:.3f} s ->", end=" ")
    print(f"{general_b / floor:.2f}x   (target <= 1.3x)")
    print("    for reference, input gradient only (layer's forward pruned): ", end="")
    print(f"{statistics.median(gradient_only):.3f} s\n")

    # (c) the widget.
    from lenet_widgets.ui.filters import FilterExplorer

    explorer = FilterExplorer(fresh, layer=LAYER, max_steps=STEPS, grid=6, preset="chapter")
    explorer.wait()

    def move_steps():
        explorer._steps.value = (explorer._steps.value + 7) % (STEPS + 1)

    def move_grid():
        explorer._grid.value = 4 + (explorer._grid.value - 3) % 4

    renders = explorer._view.renders
    steps_median = _timed(move_steps, 20)
    grid_median = _timed(move_grid, 20)
    assert explorer._view.renders == renders + 40, "every move should render one picture"
    seeds = iter(range(100, 200))

    def change_layer():
        explorer._seed.value = next(seeds)  # A new seed: never served from the cache.
        explorer._layer.value = "conv2d" if explorer._layer.value == LAYER else LAYER
        explorer.wait()

    explorer._layer.value = "conv2d"
    explorer.wait()  # Trace the second layer once.
    layer_median = _timed(change_layer, 6)
    print("(c) FilterExplorer (6x6 grid, PNG rendered each time)")
    print(f"    steps change -> new picture: median {1000 * steps_median:6.1f} ms (target < 100)")
    print(f"    grid change  -> new picture: median {1000 * grid_median:6.1f} ms (target < 100)")
    print(f"    layer change, {FILTERS} filters x {STEPS} steps: median", end=" ")
    print(f"{layer_median:.3f} s (target < 1 s)")
    print(f"\nload average at end: {_load()}")


if __name__ == "__main__":
    main()
