"""Control labels that are never cut off ("learning r…", "activat…").

ipywidgets gives every description a fixed width (about 80 px, ``--jp-widgets-
inline-label-width``) and truncates longer ones with an ellipsis. ``fit_labels``
gives each labelled control ``description_width: "initial"`` (the label takes
the width its text needs) and adds the full description as a tooltip; toggle
buttons given a fixed width get ``button_width: "auto"`` for the same reason. Panels
call it on themselves once their controls exist; ``LeNetLab`` calls it on the
whole dashboard.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__ = ["fit_labels"]


def _children(widget: widgets.Widget) -> tuple:
    children = getattr(widget, "children", ())
    return tuple(child for child in children if isinstance(child, widgets.Widget))


def fit_labels(root: widgets.Widget) -> int:
    """Give every labelled control under ``root`` (included) a label as wide as its text.

    Args:
        root: a widget; boxes, tabs and panels are walked through their ``children``.

    Returns:
        How many controls were changed (for tests).
    """
    changed = 0
    seen: set[int] = set()
    stack = [root]
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        stack.extend(_children(widget))
        description = getattr(widget, "description", "")
        style = getattr(widget, "style", None)
        # ToggleButtons with a fixed button width cut "activation" to "activat…".
        fixed_buttons = style is not None and style.has_trait("button_width")
        if fixed_buttons and style.button_width not in ("", "auto", "initial"):
            style.button_width = "auto"
            changed += 1
        if not description or style is None or not style.has_trait("description_width"):
            continue
        if style.description_width != "initial":
            style.description_width = "initial"
            changed += 1
        if widget.has_trait("tooltip") and not widget.tooltip:
            widget.tooltip = description
    return changed
