"""Figures returned to a notebook cell show as pictures without pyplot's inline backend."""

from __future__ import annotations

import subprocess
import sys

from lenet_widgets.plotting.figure import NotebookFigure, figure_png, new_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_new_figure_renders_itself_as_png():
    figure = new_figure((2, 1))
    figure.add_subplot().plot([0, 1], [1, 0])
    assert isinstance(figure, NotebookFigure)
    assert figure._repr_png_().startswith(PNG_SIGNATURE)
    assert figure_png(figure) == figure._repr_png_()


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
