"""Figures returned to a notebook cell show as pictures without pyplot's inline backend."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from lenet_widgets.plotting.figure import NotebookFigure, figure_bytes, figure_png, new_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_new_figure_renders_itself_as_png():
    figure = new_figure((2, 1))
    figure.add_subplot().plot([0, 1], [1, 0])
    assert isinstance(figure, NotebookFigure)
    assert figure._repr_png_().startswith(PNG_SIGNATURE)
    assert figure_png(figure) == figure._repr_png_()


def test_figure_bytes_writes_png_svg_and_pdf_and_refuses_others():
    import io

    figure = new_figure((2, 1), dpi=50)
    figure.add_subplot().plot([0, 1], [1, 0])
    png = figure_bytes(figure, "png", tight=False)
    assert png.startswith(PNG_SIGNATURE)
    assert Image.open(io.BytesIO(png)).size == (100, 50)  # figsize x dpi: not cropped
    doubled = Image.open(io.BytesIO(figure_bytes(figure, "png", dpi=100, tight=False)))
    assert doubled.size == (200, 100)
    assert figure_png(figure, tight=False) == png
    assert b"<svg" in figure_bytes(figure, "svg")
    assert figure_bytes(figure, "pdf").startswith(b"%PDF")
    with pytest.raises(ValueError, match="file_format is 'jpg'"):
        figure_bytes(figure, "jpg")


def test_png_pixels_do_not_depend_on_the_compress_level():
    import io

    figure = new_figure((2, 1), dpi=50)
    figure.add_subplot().imshow(np.arange(64).reshape(8, 8))
    ours = np.asarray(Image.open(io.BytesIO(figure_bytes(figure, tight=False))))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=50)
    assert np.array_equal(ours, np.asarray(Image.open(buffer)))


def test_glue_functions_return_figures_that_display_as_png():
    code = (
        "import lenet_widgets as lw\n"
        "from IPython.core.formatters import PNGFormatter\n"
        "model = lw.build_lenet((12, 12, 1), 3)\n"
        "figures = [lw.show_filters(model, 'conv2d', steps=2, grid=2),\n"
        "           lw.layer_report(model, 'conv2d').kernels]\n"
        "png = [PNGFormatter()(figure) for figure in figures]\n"
        "print(all(p is not None and p.startswith(b'\\x89PNG') for p in png))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "True"
