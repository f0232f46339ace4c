"""One epoch on MNIST: the live TrainingPanel against plain ``model.fit``.

Both start from the same weights and train on the same 60,000 images with the
test set as validation data. Runs alternate (fit, panel, fit, panel...) so the
machine's load hits both alike; the ratio is of medians from this one run.
Target: the panel costs at most 1.05x plain fit.

``stop`` mode measures the Stop latency from Python: the seconds from ``panel.stop()`` to
the panel being idle (``running`` False), pressed right after Train (0.1 s later), mid-run
(after 100 batches) and during the test-set check. Target: about one batch (plus, right
after Train, the first batch with TensorFlow's graph tracing).

Usage: LENET_WIDGETS_MNIST=/path/to/mnist.npz python benchmarks/bench_training.py [repeats]
       LENET_WIDGETS_MNIST=/path/to/mnist.npz python benchmarks/bench_training.py stop [repeats]
"""

from __future__ import annotations

import statistics
import sys
import threading
import time

from lenet_widgets import config

config.quiet_tensorflow()

import keras  # noqa: E402

from lenet_widgets.core.data import load_dataset, prepare_images  # noqa: E402
from lenet_widgets.core.model import build_lenet  # noqa: E402
from lenet_widgets.ui.training import TrainingPanel  # noqa: E402

BATCH_SIZE = 128


def plain_fit(initial_weights, dataset) -> float:
    model = build_lenet()
    model.set_weights(initial_weights)
    x, x_test = prepare_images(dataset.x_train), prepare_images(dataset.x_test)
    start = time.perf_counter()
    model.fit(
        x,
        dataset.y_train.astype("int64"),
        epochs=1,
        batch_size=BATCH_SIZE,
        validation_data=(x_test, dataset.y_test.astype("int64")),
        verbose=0,
    )
    return time.perf_counter() - start


def panel_fit(initial_weights, dataset) -> float:
    model = build_lenet()
    model.set_weights(initial_weights)
    panel = TrainingPanel(model, dataset)
    start = time.perf_counter()
    panel.start()
    panel.wait()
    elapsed = time.perf_counter() - start
    if panel.monitor.progress()[0] != len(dataset.x_train) // BATCH_SIZE + 1:
        raise RuntimeError(f"panel did not train a full epoch: {panel.monitor.progress()}")
    return elapsed


def main(repeats: int = 3) -> None:
    dataset = load_dataset()
    print(f"data: {dataset.source}; {len(dataset.x_train):,} images, batch {BATCH_SIZE}")
    keras.utils.set_random_seed(0)
    weights = build_lenet().get_weights()
    plain_fit(weights, dataset)  # Warm-up: TensorFlow's first graph build is not measured.
    plain, panel = [], []
    for repeat in range(repeats):
        plain.append(plain_fit(weights, dataset))
        panel.append(panel_fit(weights, dataset))
        print(f"run {repeat + 1}: model.fit {plain[-1]:.2f} s, TrainingPanel {panel[-1]:.2f} s")
    plain_median, panel_median = statistics.median(plain), statistics.median(panel)
    ratio = panel_median / plain_median
    print(f"median: model.fit {plain_median:.2f} s, panel {panel_median:.2f} s")
    print(f"panel / fit = {ratio:.3f}x (target <= 1.05x)")


def stop_latency(dataset, when: str) -> tuple[float, str]:
    """Seconds from Stop to an idle panel, and the panel's status line afterwards."""
    panel = TrainingPanel(build_lenet(), dataset)
    panel._epochs.value = 2
    pressed = threading.Event()
    if when == "mid-run":
        condition = lambda monitor: monitor.progress()[0] >= 100  # noqa: E731
    elif when == "validating":
        condition = lambda monitor: monitor.validating  # noqa: E731
    else:
        condition = None
    if condition is not None:
        monitor = panel.monitor
        monitor.interval = 0.0
        original = monitor.on_update

        def on_update(current):
            original(current)
            if condition(current):
                pressed.set()

        monitor.on_update = on_update
    panel.start()
    if condition is None:
        time.sleep(0.1)
    else:
        pressed.wait(600)
    start = time.perf_counter()
    panel.stop()
    while panel.running:
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    panel.wait()
    status = panel._status.value.split(">", 1)[1].rsplit("<", 1)[0]
    return elapsed, status


def stop_main(repeats: int = 3) -> None:
    dataset = load_dataset()
    print(f"data: {dataset.source}; {len(dataset.x_train):,} images, batch {BATCH_SIZE}")
    warm = TrainingPanel(build_lenet(), dataset)  # Warm-up: imports and first graph build.
    warm._subset.value = 1000
    warm.start()
    warm.wait()
    for when in ("right after Train", "mid-run", "validating"):
        times = []
        for _ in range(repeats):
            elapsed, status = stop_latency(dataset, when)
            times.append(elapsed)
            print(f"  stop {when}: {elapsed:.3f} s  ({status})")
        print(f"stop {when}: median {statistics.median(times):.3f} s, max {max(times):.3f} s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "stop":
        stop_main(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
