"""One matplotlib figure shown in one ``ipywidgets.Image``, redrawn in place.

Panels draw on ``view.figure`` (a plain ``matplotlib.figure.Figure``, never a
pyplot figure, so nothing accumulates in pyplot's registry) and call
``view.refresh()``: the figure is rendered to PNG once and the same Image
widget's ``value`` is replaced. No ``clear_output``, no new output per event,
no flicker, and the same code works in JupyterLab, VS Code and Voila.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["FigureView"]


class FigureView:
    """A figure and the Image widget that shows it.

    Args:
        figsize: figure size in inches.
        dpi: rendering resolution of the PNG.
        layout: an ``ipywidgets.Layout`` for the Image (default: fit the cell width).
        css_class: a class on the ``<img>``, naming the picture for styling and browser tests.
    """

    def __init__(
        self,
        figsize: tuple[float, float] = (6.0, 4.0),
        dpi: int = 96,
        layout=None,
        css_class: str | None = None,
    ) -> None:
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        self.image = widgets.Image(
            format="png",
            layout=layout or widgets.Layout(max_width="100%", height="auto"),
        )
        if css_class:
            self.image.add_class(css_class)
        self.renders = 0

    def refresh(self) -> bytes:
        """Render the figure to PNG and show it; return the PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.figure.dpi)
        self.image.value = buffer.getvalue()
        self.renders += 1
        return self.image.value

    def show_png(self, png: bytes) -> None:
        """Show ready-made PNG bytes (e.g. a cached render) without drawing."""
        self.image.value = png
