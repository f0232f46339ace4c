"""Controls every panel makes the same way: buttons that say what they do, log sliders,
and labels that are never cut off ("learning r…", "activat…").

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

__all__ = ["action_button", "fit_labels", "log_slider"]


def action_button(
    label: str,
    tooltip: str,
    *,
    icon: str = "",
    kind: str = "",
    disabled: bool = False,
    width: str | None = None,
) -> widgets.Button:
    """A button with its label, an optional icon, and a tooltip saying what a click does.

    Args:
        label: the words on the button ("Train", "◀ misclassified").
        tooltip: what happens on a click; required, so no button leaves a student guessing.
        icon: a Font Awesome name ("play", "save"), or none.
        kind: ipywidgets' ``button_style`` ("success", "warning", "primary"...), or plain.
        disabled: start disabled (a Stop button before anything runs).
        width: a CSS width ("auto": as wide as the label); ipywidgets' default when None.
    """
    if not tooltip:
        raise ValueError(f"button {label!r}: say in its tooltip what a click does")
    button = widgets.Button(
        description=label, tooltip=tooltip, icon=icon, button_style=kind, disabled=disabled
    )
    if width is not None:
        button.layout.width = width
    return button


def log_slider(
    label: str, value: float, exponents: tuple[float, float], step: float, **options
) -> widgets.FloatLogSlider:
    """A slider over powers of ten, ``10**exponents[0]`` to ``10**exponents[1]``.

    Args:
        label: the description shown beside it.
        value: the starting value (not its exponent).
        exponents: the lowest and highest power of ten.
        step: the step of the exponent (0.25: four positions per factor of ten).
        **options: other ``FloatLogSlider`` traits (``readout_format``, ``tooltip``,
            ``style``).
    """
    low, high = exponents
    return widgets.FloatLogSlider(
        value=value, base=10, min=low, max=high, step=step, description=label, **options
    )


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
