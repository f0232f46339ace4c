"""The panels' one status-line format: plain text, escaped, coloured by kind."""

from __future__ import annotations

import html

__all__ = ["status_html"]

_COLOURS = {"info": "#444", "ok": "#1a7f37", "error": "#b3261e"}


def status_html(message: str, kind: str = "info") -> str:
    """An HTML status line: grey for info, green for success, red for errors."""
    return f'<span style="color:{_COLOURS[kind]}">{html.escape(str(message))}</span>'
