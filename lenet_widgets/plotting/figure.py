"""Figures that show themselves in a notebook, without pyplot.

The package draws on ``matplotlib.figure.Figure`` objects (never pyplot's, so
nothing piles up in pyplot's registry). A plain Figure left last in a cell
prints as ``<Figure size ...>`` until pyplot's inline backend has been started;
``NotebookFigure`` renders itself as PNG instead.
"""

from __future__ import annotations

import io
import struct

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "FIGURE_FORMATS",
    "PNG_COMPRESS_LEVEL",
    "TEXT_SIZE",
    "TITLE_SIZE",
    "NotebookFigure",
    "figure_bytes",
    "figure_png",
    "new_figure",
    "png_size",
    "size_inches",
]

FIGURE_FORMATS = ("png", "svg", "pdf")
"""What ``figure_bytes`` writes."""

PNG_COMPRESS_LEVEL = 3
"""zlib level of every PNG the package renders for display (Pillow's default is 6).

A widget re-encodes its picture on every slider move: for the filter grid (806 x 1075
pixels) level 3 encodes in about 15 ms less than level 6 for a PNG of the same size
(165 KB; level 1 is no faster and 4% larger). The pixels are the same at any level."""

TEXT_SIZE = 9.0
"""Smallest font size, in points, of a text in the dashboard's pictures: captions, tick
labels, colour-bar labels. Shown at 96 dpi it is 12 CSS pixels, the size of the widgets'
own labels beside the picture (matplotlib's ``"x-small"``, 6.9 pt, has capitals about 7 pixels
tall there: too small to read)."""
TITLE_SIZE = 10.0
"""Font size, in points, of a picture's title."""


def figure_bytes(
    figure: Figure, file_format: str = "png", *, dpi: float | None = None, tight: bool = True
) -> bytes:
    """Render a figure to PNG, SVG or PDF bytes: the package's one figure-to-bytes path.

    Args:
        figure: the figure to render.
        file_format: ``"png"`` (encoded at ``PNG_COMPRESS_LEVEL``), ``"svg"`` or ``"pdf"``.
        dpi: pixels per inch of a PNG (default ``figure.dpi``).
        tight: crop to the drawn artists (``bbox_inches="tight"``); ``False`` keeps the
            figure's own size, so the picture's size follows ``figsize`` times ``dpi``.

    Raises:
        ValueError: another ``file_format``.
    """
    if file_format not in FIGURE_FORMATS:
        raise ValueError(f"file_format is {file_format!r}; expected one of {FIGURE_FORMATS}.")
    extra = {"pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL}} if file_format == "png" else {}
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format=file_format,
        dpi=dpi or figure.dpi,
        bbox_inches="tight" if tight else None,
        **extra,
    )
    return buffer.getvalue()


def figure_png(figure: Figure, dpi: float | None = None, tight: bool = True) -> bytes:
    """Render a figure to PNG bytes at ``dpi`` (default the figure's), fast to encode.

    ``figure_bytes(figure, "png", ...)``; see there for ``tight``.
    """
    return figure_bytes(figure, "png", dpi=dpi, tight=tight)


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


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    """The (width, height) in pixels written in a PNG's header.

    One reader for the notebook widgets (``ui.figure_view``) and the structure
    picture (``display.model_picture``), which both show PNGs at a logical size.

    Raises:
        ValueError: the bytes are not a PNG.
    """
    data = bytes(png[:24])
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError(f"expected PNG bytes; found {len(png)} bytes starting {data[:8]!r}")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def size_inches(figure) -> tuple[float, float]:
    """Width and height in inches of a ``Figure`` or a ``SubFigure`` (which has no own size)."""
    dpi = figure.figure.dpi
    return figure.bbox.width / dpi, figure.bbox.height / dpi
