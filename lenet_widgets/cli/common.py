"""What every ``lenet-widgets`` command shares: its error, quiet TensorFlow, checks, choices.

Nothing here imports TensorFlow at import time: ``lenet-widgets --help`` must
answer at once.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "DATA_HELP",
    "PICTURE_SUFFIXES",
    "CommandError",
    "TableChoices",
    "add_table_option",
    "check_dpi",
    "check_picture_output",
    "quiet_tensorflow",
]

DATA_HELP = "mnist.npz to use (default: $LENET_WIDGETS_MNIST, Keras' cache or download)"

PICTURE_SUFFIXES = (".png", ".svg", ".pdf")
"""What ``plot`` and ``attribution`` write."""


class CommandError(Exception):
    """A command failed for a reason the user can fix; printed without traceback."""


def quiet_tensorflow() -> None:
    """Hide TensorFlow's start-up lines before a command imports it."""
    from lenet_widgets import config

    config.quiet_tensorflow()


def check_picture_output(output: Path, example: str) -> None:
    """Fail early (before loading anything) on an output that is not PNG, SVG or PDF."""
    if output.suffix.lower() not in PICTURE_SUFFIXES:
        raise CommandError(f"output {output} should end in .png, .svg or .pdf, e.g. {example}")


def check_dpi(dpi: int) -> None:
    """Fail early on a resolution the pictures cannot use."""
    if not 10 <= dpi <= 1000:
        raise CommandError(f"--dpi is {dpi}; expected an integer from 10 to 1000")


class TableChoices:
    """The names of a table of the library (``PRESETS``, ``ENGINES``...), read when asked.

    ``choices=`` of an option, so the command line offers exactly what the library
    accepts. Reading a table may import TensorFlow, so it happens only when its
    sub-command parses that option or shows its own help, never for
    ``lenet-widgets --help``.

    Args:
        module: the module holding the table, e.g. ``"lenet_widgets.core.filters"``.
        table: the table's name in it.
    """

    def __init__(self, module: str, table: str) -> None:
        self.module = module
        self.table = table

    def _names(self) -> list[str]:
        quiet_tensorflow()
        return list(getattr(importlib.import_module(self.module), self.table))

    def __contains__(self, value: object) -> bool:
        return value in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


def add_table_option(
    parser: argparse.ArgumentParser, flag: str, choices: TableChoices, **options: object
) -> argparse.Action:
    """``parser.add_argument(flag, choices=choices, **options)``, without reading the table now.

    ``add_argument`` formats the option's usage at once, which reads ``{a,b}`` choices
    (importing TensorFlow for every ``lenet-widgets`` call); set afterwards, they are read
    only when this sub-command shows its usage or parses the option.
    """
    action = parser.add_argument(flag, **options)
    action.choices = choices
    return action
