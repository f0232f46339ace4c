"""Argument checks shared by every layer, with the project's one error wording.

Pure Python and NumPy only (no Keras, no TensorFlow, no matplotlib), so that
``plotting/`` may import it as well as ``core/`` (``tests/product/test_layering.py``
imports plotting with Keras and TensorFlow blocked). Messages name the argument,
the value given and what was expected: ``"steps is -1; expected an integer >= 0."``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_integer"]


def check_integer(
    name: str,
    value: Any,
    low: int = 0,
    high: int | None = None,
    *,
    error: type[Exception] = ValueError,
    hint: str = "",
) -> int:
    """Return ``value`` as an ``int`` when it is an integer in ``low..high``, else raise.

    Booleans, floats (even ``2.0``) and strings are refused: a slider or a typo that
    passes ``True`` or ``2.5`` should fail loudly, not be rounded.

    Args:
        name: the argument's name, as the caller's user wrote it (``"steps"``, ``"--grid"``).
        value: the value given.
        low: the smallest value accepted.
        high: the largest value accepted; ``None`` for no upper bound.
        error: the exception class raised (the caller's family, e.g. ``FilterError``).
        hint: text added in the message after the expected range, e.g. ``" (tiles per side)"``.

    Returns:
        ``int(value)``.

    Raises:
        error: ``"{name} is {value!r}; expected an integer >= {low}{hint}."`` (or
        ``"from {low} to {high}"`` when ``high`` is given); a NumPy integer is shown as
        a plain one.
    """
    integer = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not integer or value < low or (high is not None and value > high):
        expected = f">= {low}" if high is None else f"from {low} to {high}"
        shown = int(value) if integer else repr(value)  # 3, not np.int64(3).
        raise error(f"{name} is {shown}; expected an integer {expected}{hint}.")
    return int(value)
