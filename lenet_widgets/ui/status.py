"""The panels' one status-line format: plain text, escaped, coloured by kind.

Kinds: ``info`` (grey: progress, plain facts), ``ok`` (green: something worked
*and* the result is good), ``warning`` (amber: it worked but the result deserves
a second look, e.g. an accuracy at chance level), ``error`` (red: it failed).
Counts in a message go through ``lenet_widgets.text.plural``.
"""

from __future__ import annotations

import html

__all__ = ["STATUS_KINDS", "status_html"]

STATUS_KINDS = {"info": "#444", "ok": "#1a7f37", "warning": "#9a6700", "error": "#b3261e"}
"""Status kind -> text colour."""


def status_html(message: str, kind: str = "info") -> str:
    """An HTML status line: grey for info, green for success, amber for warnings, red for errors.

    Raises:
        ValueError: ``kind`` is not one of ``STATUS_KINDS``.
    """
    try:
        colour = STATUS_KINDS[kind]
    except KeyError:
        raise ValueError(
            f"status kind is {kind!r}; expected one of {', '.join(STATUS_KINDS)}"
        ) from None
    return f'<span style="color:{colour}">{html.escape(str(message))}</span>'
