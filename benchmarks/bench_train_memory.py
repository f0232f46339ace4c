"""Peak memory and time of one full-MNIST epoch: ``train()`` alone, or the dashboard's Train.

Usage::

    LENET_WIDGETS_MNIST=/path/to/mnist.npz python benchmarks/bench_train_memory.py [train|lab]

``train`` (default): ``load_mnist``, ``build_lenet(seed=0)``, one epoch of ``train`` on
all 60,000 images with the 10,000 test images as validation. ``lab``: ``lw.lab()`` then
the Train tab's Train with "all" images (what a student does), waiting for the end
and for the panels' redraws after it.

Prints the resident set (VmRSS) and its peak (VmHWM, from /proc/self/status) after each
step, and the epoch's wall time. Run each variant in a fresh process: the peak is per
process. Linux only.
"""

from __future__ import annotations

import sys
import time


def memory() -> str:
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(value.split()[0]) / 1024
    return f"RSS {values['VmRSS']:7.0f} MB, peak {values['VmHWM']:7.0f} MB"


def main(mode: str) -> None:
    started = time.perf_counter()
    import lenet_widgets as lw

    print(f"import           {memory()}  ({time.perf_counter() - started:.1f} s)", flush=True)
    if mode == "lab":
        dashboard = lw.lab(train_size=0)
        print(f"after lab()      {memory()}", flush=True)
        started = time.perf_counter()
        dashboard.training.start()
        dashboard.training.wait()
        seconds = time.perf_counter() - started
        print(f"after one epoch  {memory()}  (Train to end: {seconds:.1f} s)", flush=True)
        dashboard.wait(300)  # The panels redraw what depends on the new weights.
        print(f"after redraws    {memory()}")
        return
    (x_train, y_train), (x_test, y_test) = lw.load_mnist()
    try:
        model = lw.build_lenet(seed=0)
    except TypeError:  # Versions before build_lenet(seed=...), for before/after figures.
        import keras

        keras.utils.set_random_seed(0)
        model = lw.build_lenet()
    print(f"data and model   {memory()}", flush=True)
    started = time.perf_counter()
    history = lw.train(model, x_train, y_train, validation_data=(x_test, y_test), seed=0, verbose=0)
    seconds = time.perf_counter() - started
    accuracy = history.history["val_accuracy"][-1]
    print(f"after one epoch  {memory()}  (epoch {seconds:.1f} s, test accuracy {accuracy:.4f})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "train")
