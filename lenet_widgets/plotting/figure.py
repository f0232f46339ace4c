"""Figures that show themselves in a notebook, without pyplot.

The package draws on ``matplotlib.figure.Figure`` objects (never pyplot's, so
nothing piles up in pyplot's registry). A plain Figure left last in a cell
prints as ``<Figure size ...>`` until pyplot's inline backend has been started;
``NotebookFigure`` renders itself as PNG instead.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["NotebookFigure", "figure_png", "new_figure"]


def figure_png(figure: Figure, dpi: float | None = None) -> bytes:
    """Render a figure to PNG bytes (tight bounding box)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi or figure.dpi, bbox_inches="tight")
    return buffer.getvalue()


class NotebookFigure(Figure):
    """A matplotlib Figure with an Agg canvas that displays as PNG in notebooks."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        FigureCanvasAgg(self)

    def _repr_png_(self) -> bytes:
        return figure_png(self)


def new_figure(figsize: tuple[float, float] | None = None, dpi: float = 96) -> NotebookFigure:
    """A new ``NotebookFigure`` (use instead of ``pyplot.figure`` in this package)."""
    return NotebookFigure(figsize=figsize, dpi=dpi)
