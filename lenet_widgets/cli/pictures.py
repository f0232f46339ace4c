"""``lenet-widgets plot``, ``filters`` and ``attribution``: pictures of a model file.

Each command checks its arguments before loading anything, then calls the
display layer (the same functions a notebook uses) and prints one line on what
it wrote.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lenet_widgets.cli.common import (
    DATA_HELP,
    CommandError,
    TableChoices,
    add_table_option,
    check_dpi,
    check_picture_output,
    quiet_tensorflow,
)

__all__ = ["add_commands", "command_attribution", "command_filters", "command_plot"]


def command_plot(arguments: argparse.Namespace) -> int:
    """Draw a model file (or the chapter's LeNet, ``lenet``) to PNG, SVG or PDF."""
    quiet_tensorflow()
    from lenet_widgets.display.model_picture import plot_model

    output = Path(arguments.output)
    check_picture_output(output, "model.png")
    check_dpi(arguments.dpi)
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
    quiet_tensorflow()
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
    quiet_tensorflow()
    from lenet_widgets.core import load_dataset, load_model
    from lenet_widgets.core.attribution import DEFAULT_NOISE, DEFAULT_SAMPLES, explain
    from lenet_widgets.display.attribution import save_explanation

    output = Path(arguments.output)
    check_picture_output(output, "why.png")
    check_dpi(arguments.dpi)
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
    save_explanation(image, result, output, dpi=arguments.dpi)
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


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``filters``, ``plot`` and ``attribution`` to the sub-commands."""
    filters_parser = commands.add_parser(
        "filters", help="visualize a layer's filters (activation maximization) as a PNG grid"
    )
    filters_parser.add_argument("model", help="model file (.keras, .h5 or .weights.h5)")
    filters_parser.add_argument("--layer", default="conv2d_1", help="layer name (default conv2d_1)")
    filters_parser.add_argument("--steps", type=int, default=20, help="gradient ascent steps")
    filters_parser.add_argument("--grid", type=int, default=6, help="tiles per side (default 6)")
    add_table_option(
        filters_parser,
        "--preset",
        TableChoices("lenet_widgets.core.filters", "PRESETS"),
        metavar="PRESET",
        default=None,
        help="%(choices)s (default: the in-range default; chapter: the book's recipe)",
    )
    add_table_option(
        filters_parser,
        "--objective",
        TableChoices("lenet_widgets.core.filters", "OBJECTIVES"),
        metavar="OBJECTIVE",
        default="channel",
        help="%(choices)s: a filter's mean activation, or its centre position only",
    )
    add_table_option(
        filters_parser,
        "--init",
        TableChoices("lenet_widgets.core.filters", "INITS"),
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
    add_table_option(
        plot_parser,
        "--rankdir",
        TableChoices("lenet_widgets.plotting.structure", "RANKDIRS"),
        default="TB",
    )
    plot_parser.add_argument("--no-shapes", action="store_true", help="hide input/output shapes")
    plot_parser.add_argument("--no-layer-names", action="store_true", help="show classes only")
    plot_parser.add_argument("--no-input-layer", action="store_true", help="as Keras 3 draws it")
    plot_parser.add_argument("--show-dtype", action="store_true")
    plot_parser.add_argument("--show-activations", action="store_true")
    plot_parser.add_argument("--show-trainable", action="store_true")
    plot_parser.add_argument("--expand-nested", action="store_true")
    add_table_option(
        plot_parser,
        "--engine",
        TableChoices("lenet_widgets.display.model_picture", "ENGINES"),
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
    attribution_parser.add_argument("--data", default=None, help=DATA_HELP)
    attribution_parser.add_argument("--dpi", type=int, default=96)
    attribution_parser.add_argument("-o", "--output", default="why.png", help=".png, .svg or .pdf")
    attribution_parser.set_defaults(handler=command_attribution)
