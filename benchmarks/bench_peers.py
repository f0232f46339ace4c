"""lenet_widgets vs tf-keras-vis (the best-known peer) on a trained LeNet: time and quality.

Run: ``LENET_WIDGETS_MNIST=/path/mnist.npz .venv/bin/python benchmarks/bench_peers.py``
(``--quick``: one warm repeat instead of three). Needs ``tf-keras-vis`` (the ``dev`` extra).
All figures come from one run; the two libraries run interleaved (same machine state).

The model: LeNet trained 1 epoch on real MNIST (cached under the temp directory; set
``LENET_WIDGETS_MNIST`` to train it the first time), inputs in [0, 1].

(a) Time, activation maximization of ``conv2d`` (20 filters), ``conv2d_1`` (50) and
    ``dense_1`` (10 logits), all filters of a layer in one call, 20 and 200 steps.
    Cold: the first call on a fresh copy of the model (tracing included for lenet_widgets,
    a new truncated model for tf-keras-vis). Warm: median of 3 later calls.
    lenet_widgets runs its default preset; tf-keras-vis runs without input modifiers and
    regularizers (its fastest setting, also its best in (b) on two layers), so the ratio is
    conservative.
(b) Quality inside the input range, 200 steps, same start images: median over filters of
    each filter's mean activation on its own image, measured by a separate Keras model on
    the returned image clipped to [0, 1] (what the model can see). tf-keras-vis: its
    defaults (Jitter 4, Rotate 1, TotalVariation 1, Norm 0.3, RMSprop 1.0) and no
    regularizers at RMSprop 1.0, 0.1 and 0.03; its best per layer is the bar to beat.
(c) Attribution: one map of the predicted class per test digit, saliency, SmoothGrad (50
    noisy copies) and Grad-CAM (on ``activation_1``), cold and warm, against tf-keras-vis'
    ``Saliency``/``Gradcam`` with ``ReplaceToLinear``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from lenet_widgets import config

config.quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from lenet_widgets.core.filters import (  # noqa: E402
    DEFAULT_PRESET,
    PRESETS,
    initial_images,
    maximize_filters,
)
from lenet_widgets.core.model import build_lenet, input_range  # noqa: E402

__all__ = ["LAYERS", "attribution_timings", "main", "trained_lenet"]

LAYERS = {"conv2d": 20, "conv2d_1": 50, "dense_1": 10}
SPEED_TARGET = 4.0
CACHE = Path(tempfile.gettempdir()) / "lenet_widgets_bench" / "lenet_1epoch.weights.h5"


def trained_lenet() -> keras.Model:
    """LeNet trained 1 epoch on real MNIST (seed 0), cached under the temp directory."""
    keras.utils.set_random_seed(0)
    if CACHE.exists():  # Weights only: no optimizer state to restore (and no warning).
        model = build_lenet(compile=False)
        model.load_weights(CACHE, skip_mismatch=False)
        return model
    model = build_lenet()
    from lenet_widgets.core.data import load_dataset, prepare_images

    if not os.environ.get("LENET_WIDGETS_MNIST"):
        raise SystemExit(
            "bench_peers: no cached LeNet and LENET_WIDGETS_MNIST is not set; expected the "
            "path of mnist.npz to train one (1 epoch, about a minute)."
        )
    data = load_dataset()
    start = time.perf_counter()
    model.fit(prepare_images(data.x_train), data.y_train, batch_size=128, epochs=1, verbose=0)
    _, accuracy = model.evaluate(prepare_images(data.x_test), data.y_test, verbose=0)
    print(f"trained LeNet 1 epoch in {time.perf_counter() - start:.0f} s, test acc {accuracy:.3f}")
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    model.save_weights(CACHE)
    return model


def _fresh_copy(model: keras.Model) -> keras.Model:
    """Same weights, new object: nothing compiled for it yet (a cold start)."""
    keras.utils.set_random_seed(0)
    copy = build_lenet(compile=False)
    copy.set_weights(model.get_weights())
    return copy


def _own_activation(model: keras.Model, layer: str, images: np.ndarray) -> np.ndarray:
    """Filter i's mean activation on image i clipped to the model's range (independent check)."""
    low, high = input_range(model)
    outputs = keras.Model(model.inputs[0], model.get_layer(layer).output)(
        np.clip(images, low, high)
    )
    outputs = np.asarray(outputs)
    if outputs.ndim == 4:
        outputs = outputs.mean(axis=(1, 2))
    return outputs[np.arange(len(images)), np.arange(len(images))]


class Peer:
    """tf-keras-vis' ActivationMaximization on one layer, all its filters in one batch."""

    def __init__(self, model: keras.Model, layer: str) -> None:
        from tf_keras_vis.activation_maximization import ActivationMaximization

        truncated = keras.Model(model.inputs[0], model.get_layer(layer).output)
        self.maximizer = ActivationMaximization(truncated, clone=False)
        count = LAYERS[layer]
        self.chosen = tf.constant(np.arange(count), tf.int32)
        self.seed = initial_images(count, (28, 28, 1), input_range(model), "noise", 0)

    def score(self, outputs):
        picked = tf.gather(outputs, self.chosen, axis=len(outputs.shape) - 1, batch_dims=1)
        return tf.reduce_mean(picked, axis=[1, 2]) if len(outputs.shape) == 4 else picked

    def __call__(self, steps: int, setting: str = "none", rate: float = 1.0) -> np.ndarray:
        options = {}
        if setting == "none":
            options = {"input_modifiers": [], "regularizers": []}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            images = self.maximizer(
                self.score,
                seed_input=self.seed,
                input_range=(0.0, 1.0),
                steps=steps,
                optimizer=keras.optimizers.RMSprop(rate, rho=0.999),
                **options,
            )
        return np.asarray(images)


def _ours(model: keras.Model, layer: str, steps: int, preset: str = DEFAULT_PRESET):
    return maximize_filters(model, layer, steps=steps, preset=preset, seed=0)


def _seconds(function, *arguments) -> float:
    start = time.perf_counter()
    function(*arguments)
    return time.perf_counter() - start


def time_both(model: keras.Model, repeats: int) -> dict:
    """(a): cold and warm seconds for both libraries, per layer and step count."""
    table = {}
    for layer in LAYERS:
        for steps in (20, 200):
            fresh = _fresh_copy(model)
            ours_cold = _seconds(_ours, fresh, layer, steps)
            peer = Peer(fresh, layer)  # A new truncated model: the peer's first call.
            peer_cold = _seconds(peer, steps)
            ours_warm, peer_warm = [], []
            for _ in range(repeats):
                ours_warm.append(_seconds(_ours, fresh, layer, steps))
                peer_warm.append(_seconds(peer, steps))
            table[layer, steps] = {
                "ours_cold": ours_cold,
                "peer_cold": peer_cold,
                "ours_warm": statistics.median(ours_warm),
                "peer_warm": statistics.median(peer_warm),
            }
            row = table[layer, steps]
            cold = (
                f"cold {row['ours_cold']:6.2f} s vs {row['peer_cold']:6.2f} s "
                f"({row['peer_cold'] / row['ours_cold']:5.1f}x)"
            )
            print(
                f"    {layer:9s} {steps:3d} steps: {cold}; warm {row['ours_warm']:6.3f} s vs "
                f"{row['peer_warm']:6.2f} s ({row['peer_warm'] / row['ours_warm']:5.1f}x)",
                flush=True,
            )
    return table


def quality(model: keras.Model) -> dict:
    """(b): median own-image activation, in range, 200 steps, same start images."""
    table = {}
    peer_settings = [
        ("tf-keras-vis defaults", "defaults", 1.0),
        ("tf-keras-vis no regularizer, RMSprop 1.0", "none", 1.0),
        ("tf-keras-vis no regularizer, RMSprop 0.1", "none", 0.1),
        ("tf-keras-vis no regularizer, RMSprop 0.03", "none", 0.03),
    ]
    for layer in LAYERS:
        peer = Peer(model, layer)
        for name in PRESETS:
            result = _ours(model, layer, 200, preset=name)
            label = f"lenet_widgets {name}" + ("" if result.in_range else " (left the range)")
            table[layer, label] = float(np.median(_own_activation(model, layer, result.images[-1])))
        for label, setting, rate in peer_settings:
            images = peer(200, setting, rate)
            table[layer, label] = float(np.median(_own_activation(model, layer, images)))
        for (row_layer, label), value in table.items():
            if row_layer == layer:
                print(f"    {layer:9s} {label:44s} {value:9.4f}", flush=True)
    return table


def attribution_timings(model: keras.Model, digits: int = 10) -> list[str]:
    """(c) Saliency, SmoothGrad (50 samples) and Grad-CAM: lenet_widgets vs tf-keras-vis.

    One map of the predicted class per MNIST test digit, the two libraries interleaved
    digit by digit. Cold: lenet_widgets' first call on a fresh copy (tracing included).
    Warm: medians over ``digits`` digits; tf-keras-vis with ``ReplaceToLinear``, its model
    modifier built once (as a user would keep the ``Saliency``/``Gradcam`` object).
    """
    from tf_keras_vis.gradcam import Gradcam
    from tf_keras_vis.saliency import Saliency
    from tf_keras_vis.utils.model_modifiers import ReplaceToLinear
    from tf_keras_vis.utils.scores import CategoricalScore

    from lenet_widgets.core.attribution import explain
    from lenet_widgets.core.data import load_dataset, prepare_images

    images = load_dataset().x_test[:digits]
    prepared = prepare_images(images)
    peer_model = keras.Model(model.inputs, model.outputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saliency = Saliency(peer_model, model_modifier=ReplaceToLinear(), clone=True)
        gradcam = Gradcam(peer_model, model_modifier=ReplaceToLinear(), clone=True)
    predicted = model.predict(prepared, verbose=0).argmax(axis=1)
    peers = {
        "saliency": lambda i: saliency(CategoricalScore([int(predicted[i])]), prepared[i : i + 1]),
        "smoothgrad": lambda i: saliency(
            CategoricalScore([int(predicted[i])]), prepared[i : i + 1], smooth_samples=50
        ),
        "gradcam": lambda i: gradcam(
            CategoricalScore([int(predicted[i])]),
            prepared[i : i + 1],
            penultimate_layer="activation_1",
            seek_penultimate_conv_layer=False,
        ),
    }
    lines = []
    for method, peer in peers.items():
        fresh = _fresh_copy(model)
        cold = _seconds(explain, fresh, images[0], method)
        peer(0)  # The peer's own warm-up (tracing of its gradient function).
        ours, theirs = [], []
        for index in range(digits):
            ours.append(_seconds(explain, fresh, images[index], method))
            theirs.append(_seconds(peer, index))
        warm, peer_warm = statistics.median(ours), statistics.median(theirs)
        lines.append(
            f"    {method:10s} lenet_widgets cold {cold:6.3f} s, warm {warm * 1000:6.1f} ms; "
            f"tf-keras-vis warm {peer_warm * 1000:6.1f} ms ({peer_warm / warm:4.1f}x)"
        )
        print(lines[-1], flush=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the figures and whether each target is met; exit status 0 either way."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one warm repeat instead of 3")
    arguments = parser.parse_args(argv)
    import tf_keras_vis

    model = trained_lenet()
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, tf-keras-vis "
        f"{tf_keras_vis.__version__}, CPU, load average {os.getloadavg()[0]:.1f} at start"
    )
    print(f"lenet_widgets preset: {DEFAULT_PRESET!r} (the default)\n")
    print("(a) time, all filters of a layer in one call (lenet_widgets vs tf-keras-vis)")
    times = time_both(model, 1 if arguments.quick else 3)
    print("\n(b) quality in range, 200 steps: median over filters of own-image mean activation")
    scores = quality(model)
    print("\n(c) attribution")
    attribution_timings(model)  # Prints each line as it is measured.

    print(f"\nTargets (load average {os.getloadavg()[0]:.1f} at the end)")
    for layer in LAYERS:
        row = times[layer, 200]
        ratio = row["peer_warm"] / row["ours_warm"]
        verdict = "met" if ratio >= SPEED_TARGET else "NOT met"
        target = f"target >= {SPEED_TARGET:.0f}x"
        print(f"    speed {layer:9s} warm 200 steps {ratio:5.1f}x ({target}): {verdict}")
    for layer in LAYERS:
        ours = scores[layer, f"lenet_widgets {DEFAULT_PRESET}"]
        peers = {label: value for (row, label), value in scores.items() if row == layer}
        best_label = max(
            (label for label in peers if label.startswith("tf-keras-vis")), key=peers.get
        )
        best = peers[best_label]
        if abs(ours - best) <= 1e-5 * max(abs(best), 1e-3):
            verdict = "met (tie: both reach the same value)"
        else:
            verdict = "met" if ours > best else "NOT met"
        print(
            f"    quality {layer:9s} {DEFAULT_PRESET} {ours:.4f} vs best peer {best:.4f} "
            f"({best_label}): {verdict}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
