"""``lenet-widgets demo``: the README's main job in one command.

Train LeNet, save it in the three formats, draw it, and write the chapter's
filter picture beside the library's best one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lenet_widgets.cli.common import DATA_HELP, quiet_tensorflow

__all__ = ["add_commands", "command_demo"]


def command_demo(arguments: argparse.Namespace) -> int:
    """The README's main job: train, save in three formats, plot, visualize filters."""
    quiet_tensorflow()
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


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``demo`` to the sub-commands."""
    demo_parser = commands.add_parser("demo", help="train, save, plot and visualize filters")
    demo_parser.add_argument("--output-dir", default="output")
    demo_parser.add_argument("--epochs", type=int, default=1)
    demo_parser.add_argument("--data", default=None, help=DATA_HELP)
    demo_parser.set_defaults(handler=command_demo)
