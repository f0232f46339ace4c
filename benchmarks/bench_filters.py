"""Benchmark filter visualization: batched engine vs the chapter's loop, compute floor, widget.

Run: ``.venv/bin/python benchmarks/bench_filters.py``. Uses an untrained LeNet
(28x28x1; timings do not depend on the weight values). All ratios come from one run.

(a) engine vs the chapter's algorithm ported to TF2 (one compiled function per
    filter, 128 + [0, 20) start, 20 steps, 50 filters of conv2d_1);
(b) engine vs the compute floor: the same number of batched forward+backward
    passes of the truncated model, nothing else;
(c) FilterExplorer: steps or grid change -> new picture; layer change -> new result.
"""

from __future__ import annotations

import statistics
import time

from lenet_widgets import config

config.quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from lenet_widgets.core.filters import maximize_filters  # noqa: E402
from lenet_widgets.core.model import build_lenet  # noqa: E402

__all__ = ["chapter_port", "compute_floor", "main"]

LAYER = "conv2d_1"
FILTERS = 50
STEPS = 20


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


def compute_floor(model: keras.Model, layer: str = LAYER, steps: int = STEPS) -> float:
    """Seconds for ``steps`` batched forward+backward passes of the truncated model, warm."""
    truncated = keras.Model(model.inputs[0], model.get_layer(layer).output)

    @tf.function
    def forward_backward(images):
        with tf.GradientTape() as tape:
            tape.watch(images)
            total = tf.reduce_sum(truncated(images))
        return tape.gradient(total, images)

    images = tf.constant(np.random.random((FILTERS, 28, 28, 1)).astype(np.float32))
    forward_backward(images)  # Trace once.
    start = time.perf_counter()
    for _ in range(steps):
        forward_backward(images).numpy()
    return time.perf_counter() - start


def _timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Print the figures."""
    print(f"LeNet (untrained, 28x28x1), layer {LAYER}: {FILTERS} filters x {STEPS} steps")
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, CPU\n")

    # (a) chapter port vs engine, both from a fresh model (tracing included).
    keras.utils.set_random_seed(0)
    start = time.perf_counter()
    kept = chapter_port(build_lenet(compile=False))
    chapter_seconds = time.perf_counter() - start
    fresh = build_lenet(compile=False)
    start = time.perf_counter()
    maximize_filters(fresh, LAYER, steps=STEPS, init="chapter")
    engine_cold = time.perf_counter() - start
    engine_warm = _timed(lambda: maximize_filters(fresh, LAYER, steps=STEPS, init="chapter"), 5)
    print("(a) chapter's per-filter loop vs batched engine")
    print(f"    chapter port:   {chapter_seconds:7.3f} s  (kept {len(kept)} of {FILTERS} filters)")
    print(f"    engine, first:  {engine_cold:7.3f} s  (tracing included)  ->", end=" ")
    print(f"{chapter_seconds / engine_cold:5.1f}x faster")
    print(f"    engine, warm:   {engine_warm:7.3f} s                      ->", end=" ")
    print(f"{chapter_seconds / engine_warm:5.1f}x faster   (target >= 20x)\n")

    # (b) compute floor, median of 5.
    floor = statistics.median(compute_floor(fresh) for _ in range(5))
    print("(b) engine vs compute floor (same batched forward+backward passes)")
    print(f"    floor: {floor:.3f} s, engine warm: {engine_warm:.3f} s ->", end=" ")
    print(f"{engine_warm / floor:.2f}x   (target <= 1.3x)\n")

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


if __name__ == "__main__":
    main()
