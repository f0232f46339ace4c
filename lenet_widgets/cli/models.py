"""``lenet-widgets train`` and ``summary``: make a model file, describe one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from lenet_widgets.cli.common import (
    DATA_HELP,
    CommandError,
    TableChoices,
    add_table_option,
    quiet_tensorflow,
)

__all__ = ["add_commands", "command_summary", "command_train"]


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
    quiet_tensorflow()
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
    quiet_tensorflow()
    from lenet_widgets.core import describe_model, load_model
    from lenet_widgets.core.persistence import FRESH, FRESH_OPTIMIZER_NOTE
    from lenet_widgets.text import model_line

    model = load_model(arguments.model)
    model.summary(print_fn=print)
    info = describe_model(model)
    note = f"; {FRESH_OPTIMIZER_NOTE}" if info.get("optimizer_state") == FRESH else ""
    print(f"{arguments.model}: {model_line(info)}{note}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``train`` and ``summary`` to the sub-commands."""
    train_parser = commands.add_parser("train", help="train LeNet and save it")
    train_parser.add_argument("--epochs", type=int, default=1)
    train_parser.add_argument("--batch-size", type=int, default=128)
    add_table_option(
        train_parser,
        "--optimizer",
        TableChoices("lenet_widgets.core.model", "OPTIMIZERS"),
        default="adam",
    )
    train_parser.add_argument("--learning-rate", type=float, default=None)
    train_parser.add_argument("--train-size", type=int, default=None, help="use the first N images")
    train_parser.add_argument("--seed", type=int, default=0)
    train_parser.add_argument("--data", default=None, help=DATA_HELP)
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
