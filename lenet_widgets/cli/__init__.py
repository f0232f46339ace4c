"""``lenet-widgets``: the chapter's scripts as one command line tool.

Sub-commands call the same core, plotting and display functions as the widgets,
one module per group: ``models`` (train, summary), ``demo``, ``pictures`` (plot,
filters, attribution); ``common`` holds what they share. Heavy imports
(TensorFlow, matplotlib) happen inside the command functions, so
``lenet-widgets --help`` answers at once. Errors print one line to stderr and
exit non-zero; no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lenet_widgets.cli import demo, models, pictures
from lenet_widgets.cli.common import CommandError

__all__ = ["build_parser", "main"]

EXIT_FAILURE = 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``lenet-widgets`` (no heavy imports)."""
    parser = argparse.ArgumentParser(
        prog="lenet-widgets",
        description="Train a LeNet on MNIST, save it, draw it and see its filters.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (models, demo, pictures):
        group.add_commands(commands)
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
