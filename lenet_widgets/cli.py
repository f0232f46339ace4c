"""``lenet-widgets``: the chapter's scripts as one command line tool.

Sub-commands call the same core and plotting functions as the widgets. Heavy
imports (TensorFlow, matplotlib) happen inside the command functions, so
``lenet-widgets --help`` answers at once. Errors print one line to stderr and
exit non-zero; no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["build_parser", "main"]

EXIT_FAILURE = 1


class CommandError(Exception):
    """A command failed for a reason the user can fix; printed without traceback."""


def _quiet_tensorflow() -> None:
    from lenet_widgets import config

    config.quiet_tensorflow()


def _saved_paths(output: Path, also: Sequence[str]) -> list[Path]:
    paths = [output]
    stem = output.name
    for suffix in (".weights.h5", ".keras", ".h5"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    for suffix in also:
        candidate = output.with_name(stem + suffix)
        if candidate not in paths:
            paths.append(candidate)
    return paths


def command_train(arguments: argparse.Namespace) -> int:
    """Train LeNet and save it (``--save-trained`` also writes .h5 and .weights.h5)."""
    _quiet_tensorflow()
    from lenet_widgets.core import build_lenet, load_dataset, load_model, save_model, train
    from lenet_widgets.core.persistence import file_format

    output = Path(arguments.output)
    file_format(output)  # Fail on a bad suffix before spending minutes training.
    if arguments.train_size is not None and arguments.train_size < 1:
        raise CommandError(
            f"--train-size is {arguments.train_size}; expected an integer >= 1 "
            "(leave it out to train on all images)"
        )
    dataset = load_dataset(arguments.data)
    print(
        f"data: {dataset.source} ({len(dataset.x_train)} train, {len(dataset.x_test)} test images)"
    )
    if arguments.resume:
        model = load_model(arguments.resume)
        print(f"resuming {arguments.resume}")
    else:
        model = build_lenet(
            dataset.image_shape,
            optimizer=arguments.optimizer,
            learning_rate=arguments.learning_rate,
            seed=arguments.seed,  # With train(seed=...): the same run, bit for bit.
        )
    x_train, y_train = dataset.x_train, dataset.y_train
    if arguments.train_size:
        x_train, y_train = x_train[: arguments.train_size], y_train[: arguments.train_size]
    train(
        model,
        x_train,
        y_train,
        epochs=arguments.epochs,
        batch_size=arguments.batch_size,
        validation_data=(dataset.x_test, dataset.y_test),
        seed=arguments.seed,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    also = (".h5", ".weights.h5", ".keras") if arguments.save_trained else ()
    for path in _saved_paths(output, also):
        save_model(model, path)
        print(f"saved {path}")
    return 0


def command_summary(arguments: argparse.Namespace) -> int:
    """Print a model file's layers, parameters, optimizer and epochs trained."""
    _quiet_tensorflow()
    from lenet_widgets.core import describe_model, load_model
    from lenet_widgets.core.persistence import FRESH, FRESH_OPTIMIZER_NOTE
    from lenet_widgets.text import model_line

    model = load_model(arguments.model)
    model.summary(print_fn=print)
    info = describe_model(model)
    note = f"; {FRESH_OPTIMIZER_NOTE}" if info.get("optimizer_state") == FRESH else ""
    print(f"{arguments.model}: {model_line(info)}{note}")
    return 0


def command_demo(arguments: argparse.Namespace) -> int:
    """The README's main job: train, save in three formats, plot, visualize filters."""
    _quiet_tensorflow()
    from lenet_widgets import config
    from lenet_widgets.core import build_lenet, load_dataset, save_model, train

    folder = Path(arguments.output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(arguments.data)
    print(
        f"data: {dataset.source} ({len(dataset.x_train)} train, {len(dataset.x_test)} test images)"
    )
    x_train, y_train = dataset.x_train, dataset.y_train
    if config.fast_mode():
        x_train, y_train = x_train[:2000], y_train[:2000]
        print(f"fast mode ({config.FAST_VARIABLE}): training on {len(x_train)} images")
    model = build_lenet(dataset.image_shape, seed=0)
    train(
        model,
        x_train,
        y_train,
        epochs=arguments.epochs,
        batch_size=128,
        validation_data=(dataset.x_test, dataset.y_test),
        seed=0,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    written = [
        save_model(model, folder / f"lenet{suffix}") for suffix in (".keras", ".h5", ".weights.h5")
    ]
    written.append(_write_filter_picture(model, folder / "lenet_filters_6x6.png"))
    best, result = _write_best_filter_picture(model, folder / "lenet_filters_6x6_best.png")
    written.append(best)
    print(
        "filters of conv2d_1:\n"
        "  lenet_filters_6x6.png: the chapter's figure 6-10 (its recipe, 20 steps; "
        "pixels leave the input range)\n"
        f"  lenet_filters_6x6_best.png: lenet_widgets' best picture (preset "
        f"{result.settings.get('preset')}, {result.steps} steps, pixels "
        f"{'inside' if result.in_range else 'OUTSIDE'} the input range)"
    )
    written.append(_write_model_picture(model, folder / "model.png"))
    print("\nwritten:")
    for path in written:
        print(f"  {path.resolve()}")
    return 0


def _write_filter_picture(model, path: Path, layer: str = "conv2d_1", steps: int = 20) -> Path:
    """The chapter's figure 6-10 for the demo: 6x6 filters of ``conv2d_1``."""
    from lenet_widgets import config
    from lenet_widgets.display.filters import save_filter_grid

    steps = min(steps, 5) if config.fast_mode() else steps
    return save_filter_grid(model, path, layer=layer, steps=steps, grid=6, preset="chapter")


def _write_best_filter_picture(model, path: Path, layer: str = "conv2d_1", steps: int = 200):
    """The product's best picture of the same layer: default preset (in range), 200 steps."""
    from lenet_widgets import config
    from lenet_widgets.core.filters import DEFAULT_PRESET, maximize_filters
    from lenet_widgets.display.filters import save_filter_grid

    steps = min(steps, 20) if config.fast_mode() else steps
    result = maximize_filters(model, layer, steps=steps, preset=DEFAULT_PRESET)
    save_filter_grid(result, path, grid=6)
    return path, result


def _write_model_picture(model, path: Path) -> Path:
    """The chapter's figure 6-3 for the demo: LeNet top to bottom with shapes."""
    from lenet_widgets.display.model_picture import plot_model

    plot_model(model, path, show_shapes=True, show_layer_names=True, show_input_layer=True)
    return path


def command_plot(arguments: argparse.Namespace) -> int:
    """Draw a model file (or the chapter's LeNet, ``lenet``) to PNG, SVG or PDF."""
    _quiet_tensorflow()
    from lenet_widgets.display.model_picture import plot_model

    output = Path(arguments.output)
    if output.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise CommandError(f"output {output} should end in .png, .svg or .pdf, e.g. model.png")
    if not 10 <= arguments.dpi <= 1000:
        raise CommandError(f"--dpi is {arguments.dpi}; expected an integer from 10 to 1000")
    if arguments.model == "lenet" and not Path(arguments.model).exists():
        from lenet_widgets.core import build_lenet

        model = build_lenet(compile=False)
    else:
        from lenet_widgets.core import load_model

        model = load_model(arguments.model)
    try:
        picture = plot_model(
            model,
            output,
            show_shapes=not arguments.no_shapes,
            show_layer_names=not arguments.no_layer_names,
            show_dtype=arguments.show_dtype,
            show_layer_activations=arguments.show_activations,
            show_trainable=arguments.show_trainable,
            rankdir=arguments.rankdir,
            expand_nested=arguments.expand_nested,
            dpi=arguments.dpi,
            engine=arguments.engine,
            show_input_layer=not arguments.no_input_layer,
        )
    except ImportError as error:  # Graphviz missing for --engine graphviz: say how to get it.
        raise CommandError(str(error)) from None
    note = f" ({picture.note})" if picture.note else ""
    print(f"{model.name}: drawn with {picture.engine}{note}, written to {output}")
    return 0


def command_filters(arguments: argparse.Namespace) -> int:
    """Visualize a layer's filters by activation maximization; write the stitched PNG."""
    _quiet_tensorflow()
    from lenet_widgets.core import load_model
    from lenet_widgets.core.filters import DEFAULT_PRESET, maximize_filters, preset_arguments
    from lenet_widgets.display.filters import save_filter_grid

    output = Path(arguments.output)
    if output.suffix.lower() != ".png":
        raise CommandError(f"output {output} should end in .png, e.g. lenet_filters_6x6.png")
    if arguments.grid < 1:
        raise CommandError(f"--grid is {arguments.grid}; expected an integer >= 1")
    model = load_model(arguments.model)
    preset = arguments.preset or DEFAULT_PRESET
    settings = preset_arguments(preset, model)
    if arguments.init is not None:
        settings["init"] = arguments.init
    if arguments.step_size is not None:
        settings["step_size"] = arguments.step_size
    result = maximize_filters(
        model,
        arguments.layer,
        steps=arguments.steps,
        seed=arguments.seed,
        preset=preset,
        objective=arguments.objective,
        **settings,
    )
    save_filter_grid(result, output, grid=arguments.grid, scale=arguments.scale)
    shown = min(arguments.grid**2, len(result.filters))
    dead = int(result.dead.sum())
    print(
        f"{arguments.layer}: {len(result.filters)} filters, {arguments.steps} steps "
        f"(preset {preset}, objective {arguments.objective}), {dead} "
        f"{'dead' if result.dead_test == 'data' else 'inactive at the start'}; "
        f"top {shown} written to {output}"
    )
    if not result.in_range:
        low, high = result.input_range
        print(
            f"note: its pixels span [{result.image_span[0]:.3g}, {result.image_span[1]:.3g}], "
            f"outside the model's input range [{low:g}, {high:g}]"
        )
    return 0


def command_attribution(arguments: argparse.Namespace) -> int:
    """Why this class? Draw saliency, SmoothGrad or Grad-CAM maps of one MNIST test digit."""
    _quiet_tensorflow()
    from lenet_widgets.core import load_dataset, load_model
    from lenet_widgets.core.attribution import DEFAULT_NOISE, DEFAULT_SAMPLES, explain
    from lenet_widgets.display.attribution import draw_explanation
    from lenet_widgets.plotting.figure import new_figure

    output = Path(arguments.output)
    if output.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise CommandError(f"output {output} should end in .png, .svg or .pdf, e.g. why.png")
    if not 10 <= arguments.dpi <= 1000:
        raise CommandError(f"--dpi is {arguments.dpi}; expected an integer from 10 to 1000")
    model = load_model(arguments.model)
    dataset = load_dataset(arguments.data)
    count = len(dataset.x_test)
    if not 0 <= arguments.index < count:
        raise CommandError(
            f"--index is {arguments.index}; expected 0 to {count - 1} ({dataset.source} has "
            f"{count:,} test images)"
        )
    classes = {"predicted": None, "all": "all"}.get(arguments.classes, arguments.classes)
    if isinstance(classes, str) and classes != "all":
        try:
            classes = [int(part) for part in classes.split(",")]
        except ValueError:
            raise CommandError(
                f"--classes is {arguments.classes!r}; expected predicted, all, or class numbers "
                "such as 3 or 3,5"
            ) from None
    image, label = dataset.x_test[arguments.index], int(dataset.y_test[arguments.index])
    result = explain(
        model,
        image,
        arguments.method,
        classes,
        label=label,
        layer=arguments.layer,
        samples=DEFAULT_SAMPLES if arguments.samples is None else arguments.samples,
        noise=DEFAULT_NOISE if arguments.noise is None else arguments.noise,
        seed=arguments.seed,
    )
    figure = new_figure(dpi=arguments.dpi)
    draw_explanation(figure, image, result)
    figure.savefig(output, dpi=arguments.dpi)
    where = f" on {result.layer}" if result.layer else ""
    roles = {result.predicted_class: "predicted", label: "true"}
    if label == result.predicted_class:
        roles[label] = "predicted = true"
    shown = ", ".join(
        f"{number} ({roles[number]})" if number in roles else str(number)
        for number in result.classes
    )
    print(
        f"data: {dataset.source}; test digit {arguments.index}: true {label}, predicted "
        f"{result.predicted_class} ({result.probabilities.max():.1%})\n"
        f"{result.method}{where} for {shown}, on one colour scale; written to {output}"
    )
    return 0


class _CoreChoices:
    """The names of a table of ``core.filters`` (PRESETS, OBJECTIVES, INITS), read when asked.

    Reading them imports TensorFlow, so it happens only when ``filters`` parses or shows
    its own help, never for ``lenet-widgets --help``.
    """

    def __init__(self, table: str) -> None:
        self.table = table

    def _names(self) -> list[str]:
        _quiet_tensorflow()
        from lenet_widgets.core import filters

        return list(getattr(filters, self.table))

    def __contains__(self, value: object) -> bool:
        return value in self._names()

    def __iter__(self):
        return iter(self._names())


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``lenet-widgets`` (no heavy imports)."""
    parser = argparse.ArgumentParser(
        prog="lenet-widgets",
        description="Train a LeNet on MNIST, save it, draw it and see its filters.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data_help = "mnist.npz to use (default: $LENET_WIDGETS_MNIST, Keras' cache or download)"

    train_parser = commands.add_parser("train", help="train LeNet and save it")
    train_parser.add_argument("--epochs", type=int, default=1)
    train_parser.add_argument("--batch-size", type=int, default=128)
    train_parser.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    train_parser.add_argument("--learning-rate", type=float, default=None)
    train_parser.add_argument("--train-size", type=int, default=None, help="use the first N images")
    train_parser.add_argument("--seed", type=int, default=0)
    train_parser.add_argument("--data", default=None, help=data_help)
    train_parser.add_argument("--resume", default=None, help="model file to continue training")
    train_parser.add_argument("-o", "--output", default="lenet.keras", help="model file to write")
    train_parser.add_argument(
        "--save-trained",
        action="store_true",
        help="also write the .h5 and .weights.h5 files beside --output, like the chapter",
    )
    train_parser.set_defaults(handler=command_train)

    summary_parser = commands.add_parser("summary", help="describe a saved model")
    summary_parser.add_argument("model")
    summary_parser.set_defaults(handler=command_summary)

    demo_parser = commands.add_parser("demo", help="train, save, plot and visualize filters")
    demo_parser.add_argument("--output-dir", default="output")
    demo_parser.add_argument("--epochs", type=int, default=1)
    demo_parser.add_argument("--data", default=None, help=data_help)
    demo_parser.set_defaults(handler=command_demo)

    filters_parser = commands.add_parser(
        "filters", help="visualize a layer's filters (activation maximization) as a PNG grid"
    )
    filters_parser.add_argument("model", help="model file (.keras, .h5 or .weights.h5)")
    filters_parser.add_argument("--layer", default="conv2d_1", help="layer name (default conv2d_1)")
    filters_parser.add_argument("--steps", type=int, default=20, help="gradient ascent steps")
    filters_parser.add_argument("--grid", type=int, default=6, help="tiles per side (default 6)")
    filters_parser.add_argument(
        "--preset",
        choices=_CoreChoices("PRESETS"),
        metavar="PRESET",
        default=None,
        help="%(choices)s (default: the in-range default; chapter: the book's recipe)",
    )
    filters_parser.add_argument(
        "--objective",
        choices=_CoreChoices("OBJECTIVES"),
        metavar="OBJECTIVE",
        default="channel",
        help="%(choices)s: a filter's mean activation, or its centre position only",
    )
    filters_parser.add_argument(
        "--init",
        choices=_CoreChoices("INITS"),
        metavar="INIT",
        default=None,
        help="start image: %(choices)s",
    )
    filters_parser.add_argument("--step-size", type=float, default=None)
    filters_parser.add_argument("--seed", type=int, default=0)
    filters_parser.add_argument("--scale", type=int, default=4, help="enlarge the PNG N times")
    filters_parser.add_argument("-o", "--output", default="lenet_filters_6x6.png")
    filters_parser.set_defaults(handler=command_filters)

    plot_parser = commands.add_parser(
        "plot", help="draw a model's layers and connections (like keras.utils.plot_model)"
    )
    plot_parser.add_argument("model", help="model file (.keras, .h5, .weights.h5) or 'lenet'")
    plot_parser.add_argument("-o", "--output", default="model.png", help=".png, .svg or .pdf")
    plot_parser.add_argument("--rankdir", choices=("TB", "LR"), default="TB")
    plot_parser.add_argument("--no-shapes", action="store_true", help="hide input/output shapes")
    plot_parser.add_argument("--no-layer-names", action="store_true", help="show classes only")
    plot_parser.add_argument("--no-input-layer", action="store_true", help="as Keras 3 draws it")
    plot_parser.add_argument("--show-dtype", action="store_true")
    plot_parser.add_argument("--show-activations", action="store_true")
    plot_parser.add_argument("--show-trainable", action="store_true")
    plot_parser.add_argument("--expand-nested", action="store_true")
    plot_parser.add_argument(
        "--engine",
        choices=("auto", "graphviz", "matplotlib"),
        default="auto",
        help="auto: Graphviz when `dot` is installed, else matplotlib",
    )
    plot_parser.add_argument("--dpi", type=int, default=96)
    plot_parser.set_defaults(handler=command_plot)

    attribution_parser = commands.add_parser(
        "attribution",
        help="why this class? saliency, SmoothGrad or Grad-CAM maps of one MNIST test digit",
    )
    attribution_parser.add_argument("model", help="model file (.keras, .h5 or .weights.h5)")
    attribution_parser.add_argument(
        "--index", type=int, default=0, help="which MNIST test image (default 0)"
    )
    attribution_parser.add_argument(
        "--method",
        default="saliency",
        help="saliency (default), smoothgrad or gradcam",
    )
    attribution_parser.add_argument(
        "--classes",
        default="predicted",
        help="predicted (default: the predicted class, and the true one when they differ), "
        "all, or class numbers such as 3 or 3,5",
    )
    attribution_parser.add_argument(
        "--layer", default=None, help="Grad-CAM's layer (default: the last convolution)"
    )
    attribution_parser.add_argument(
        "--samples", type=int, default=None, help="SmoothGrad's noisy copies (default 50)"
    )
    attribution_parser.add_argument(
        "--noise", type=float, default=None, help="SmoothGrad's noise (default 0.2 of the range)"
    )
    attribution_parser.add_argument("--seed", type=int, default=0, help="SmoothGrad's seed")
    attribution_parser.add_argument("--data", default=None, help=data_help)
    attribution_parser.add_argument("--dpi", type=int, default=96)
    attribution_parser.add_argument("-o", "--output", default="why.png", help=".png, .svg or .pdf")
    attribution_parser.set_defaults(handler=command_attribution)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``lenet-widgets``; return the exit status."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        return arguments.handler(arguments)
    except KeyboardInterrupt:
        print("lenet-widgets: interrupted", file=sys.stderr)
        return 130
    except (CommandError, ValueError, OSError) as error:
        # ModelFileError, DataError and bad arguments are all ValueErrors with a clear message.
        print(f"lenet-widgets: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as error:  # Anything else: still one line, never a traceback.
        print(f"lenet-widgets: error: {type(error).__name__}: {_one_line(error)}", file=sys.stderr)
        return EXIT_FAILURE


def _one_line(error: BaseException) -> str:
    """The error's message on one line (TensorFlow's messages span many)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " ".join(lines) if len(lines) <= 3 else " ".join(lines[:3]) + " …"


if __name__ == "__main__":
    raise SystemExit(main())
