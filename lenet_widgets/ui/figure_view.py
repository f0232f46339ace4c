"""One matplotlib figure shown in one ``ipywidgets.Image``, redrawn in place, at its true size.

Panels draw on ``view.figure`` (a plain ``matplotlib.figure.Figure``, never a
pyplot figure, so nothing accumulates in pyplot's registry) and call
``view.refresh()``: the figure is rendered to PNG once and the same Image
widget's ``value`` is replaced. No ``clear_output``, no new output per event,
no flicker, and the same code works in JupyterLab, VS Code and Voila.

Picture sizing, the one rule for every picture of the dashboard:

- A figure's *logical* size is ``figsize`` (inches) times its ``dpi``, in CSS
  pixels: ``figsize=(6, 4), dpi=96`` is shown 576 x 384 CSS px. So a dpi
  control changes the displayed size, and a panel picks ``figsize`` and ``dpi``
  for how large the picture should look (96 dpi: matplotlib's points are CSS
  points, a 9 pt label is 12 CSS px tall).
- The PNG holds ``DENSITY`` (2) device pixels per CSS pixel, so it stays crisp
  on high-density screens (and is downscaled, never upscaled, on ordinary ones).
- The ``<img>`` gets that CSS width and ``max-width: 100%``: a picture wider
  than the page shrinks to fit, a narrower one is never stretched.

``show_picture`` applies the same rule to any ready-made PNG (e.g. Graphviz
output rendered at ``DENSITY`` times the wanted dpi).
"""

from __future__ import annotations

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lenet_widgets.plotting.figure import figure_png, png_size

__all__ = ["DENSITY", "FigureView", "png_size", "show_picture"]

DENSITY = 2
"""Device pixels per CSS pixel in every rendered PNG (crisp on 2x screens)."""


def show_picture(image: widgets.Image, png: bytes, density: float = DENSITY) -> tuple[int, int]:
    """Show ``png`` in ``image`` at its logical size: its pixels divided by ``density``.

    Sets the Image's CSS width to that size with ``max-width: 100%`` and
    ``height: auto``: shrunk to fit a narrow page, never stretched beyond it.
    An empty ``png`` hides the picture (no broken-image icon) until the next one.

    Args:
        image: the Image widget.
        png: PNG bytes, ``density`` device pixels per CSS pixel; ``b""`` hides the image.
        density: device pixels per CSS pixel in ``png`` (1 for a picture rendered at 1x).

    Returns:
        The logical (CSS pixel) width and height shown; ``(0, 0)`` when hidden.
    """
    layout = image.layout
    if not png:
        if layout.visibility != "hidden":
            layout.visibility = "hidden"
        if layout.width != "0px":
            layout.width = "0px"
        image.value = b""
        return 0, 0
    width, height = png_size(png)
    logical = (round(width / density), round(height / density))
    css_width = f"{logical[0]}px"
    if layout.width != css_width:
        layout.width = css_width
    if layout.max_width != "100%":
        layout.max_width = "100%"
    if layout.height != "auto":
        layout.height = "auto"
    if layout.visibility == "hidden":
        layout.visibility = None
    image.value = png
    return logical


class FigureView:
    """A figure and the Image widget that shows it at its true size (see the module docstring).

    Args:
        figsize: figure size in inches.
        dpi: CSS pixels per inch of the shown picture (the PNG holds ``DENSITY`` times more).
        layout: an ``ipywidgets.Layout`` for the Image; its width, max-width and height
            are set by every render.
        css_class: a class on the ``<img>``, naming the picture for styling and browser tests.
        density: device pixels per CSS pixel of the PNG (default ``DENSITY``).
    """

    def __init__(
        self,
        figsize: tuple[float, float] = (6.0, 4.0),
        dpi: int = 96,
        layout=None,
        css_class: str | None = None,
        density: float = DENSITY,
    ) -> None:
        if not density > 0:
            raise ValueError(f"density is {density!r}; expected a number > 0")
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        self.density = density
        self.image = widgets.Image(
            format="png", layout=layout or widgets.Layout(max_width="100%", height="auto")
        )
        if css_class:
            self.image.add_class(css_class)
        self.renders = 0
        self.shown_size = (0, 0)
        show_picture(self.image, b"")  # Hidden until the first picture: no broken-image icon.

    @property
    def logical_size(self) -> tuple[int, int]:
        """The figure's size in CSS pixels (``figsize`` times ``dpi``), as it will be shown."""
        width, height = self.figure.get_size_inches() * self.figure.dpi
        return round(width), round(height)

    def render(self) -> bytes:
        """The figure as PNG bytes at ``density`` times its dpi, without showing it."""
        return figure_png(self.figure, dpi=self.figure.dpi * self.density, tight=False)

    def refresh(self) -> bytes:
        """Render the figure to PNG and show it at its logical size; return the PNG bytes."""
        png = self.render()
        self.show_png(png)
        self.renders += 1
        return png

    def show_png(self, png: bytes) -> None:
        """Show ready-made PNG bytes made by ``render``/``refresh`` (e.g. a cached render)."""
        self.shown_size = show_picture(self.image, png, self.density)

    def clear(self) -> None:
        """Hide the picture (e.g. after Reset, before anything is drawn again)."""
        self.shown_size = show_picture(self.image, b"")
