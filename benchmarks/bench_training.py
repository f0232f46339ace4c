"""One epoch on MNIST: the live TrainingPanel against plain ``model.fit``.

Both start from the same weights and train on the same 60,000 images with the
test set as validation data. Runs alternate (fit, panel, fit, panel...) so the
machine's load hits both alike; the ratio is of medians from this one run.
Target: the panel costs at most 1.05x plain fit.

Usage: LENET_WIDGETS_MNIST=/path/to/mnist.npz python benchmarks/bench_training.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
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


def main(repeats: int = 2) -> None:
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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
