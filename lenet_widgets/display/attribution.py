"""Why-this-class pictures from a Keras model in one call, for notebook cells and the CLI.

Glue between ``core.attribution`` (saliency, SmoothGrad, Grad-CAM) and
``plotting.attribution`` (the overlay on one shared scale). Figures are
``NotebookFigure`` objects (never pyplot figures): Jupyter shows them as pictures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lenet_widgets.core.attribution import Attribution, AttributionError, explain
from lenet_widgets.plotting.attribution import draw_attribution, figure_size
from lenet_widgets.plotting.figure import NotebookFigure, figure_bytes, new_figure

__all__ = [
    "draw_explanation",
    "explanation_figure",
    "save_attribution",
    "save_explanation",
    "show_attribution",
]


def draw_explanation(figure: Any, image: Any, result: Attribution) -> None:
    """Draw an ``Attribution`` of ``image`` on ``figure`` (sized for its classes)."""
    figure.set_size_inches(*figure_size(len(result.classes)))
    draw_attribution(
        figure,
        image,
        result.maps,
        result.classes,
        result.probabilities,
        method=result.method,
        label=result.label,
        layer=result.layer,
    )


def explanation_figure(image: Any, result: Attribution, *, dpi: int = 96) -> NotebookFigure:
    """A new figure of an ``Attribution`` of ``image``: the digit and one map per class."""
    figure = new_figure(figure_size(len(result.classes)), dpi=dpi)
    draw_explanation(figure, image, result)
    return figure


def show_attribution(
    model: Any,
    image: Any,
    method: str = "saliency",
    classes: Any = None,
    *,
    dpi: int = 96,
    **settings: Any,
) -> NotebookFigure:
    """Compute and draw "why this class?" maps of one image; return the figure.

    The settings are ``explain``'s, passed on as they are (one signature to keep
    right, one place that checks them), so ``show_attribution`` accepts exactly
    what ``explain`` does.

    Args:
        model: a Sequential or functional Keras model.
        image: one image, uint8 pixels or floats already scaled, ``(H, W)`` or ``(H, W, C)``.
        method: ``"saliency"``, ``"smoothgrad"`` or ``"gradcam"``.
        classes: None (the predicted class, and ``label`` beside it when it differs),
            ``"all"``, one class index or a list of them.
        dpi: the figure's resolution.
        **settings: ``explain``'s keyword arguments: ``label`` (the image's true class),
            ``layer`` (Grad-CAM's layer, default the last convolution), ``samples`` and
            ``noise`` (SmoothGrad's noisy copies, and their noise as a fraction of the
            model's input range), ``seed`` (SmoothGrad's noise seed).

    Returns:
        A figure with the digit and one map per class, on one colour scale.

    Raises:
        AttributionError: bad model, image, class, layer, method or setting.
        TypeError: a setting ``explain`` does not know.
    """
    result = explain(model, image, method, classes, **settings)
    return explanation_figure(image, result, dpi=dpi)


def _output_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise AttributionError(f"output {path} should end in .png, .svg or .pdf, e.g. why.png.")
    return path


def save_explanation(image: Any, result: Attribution, path: str | Path, *, dpi: int = 96) -> Path:
    """Draw an ``Attribution`` of ``image`` into a PNG, SVG or PDF file (by its suffix).

    Raises:
        AttributionError: another suffix.
    """
    path = _output_path(path)
    figure = explanation_figure(image, result, dpi=dpi)
    path.write_bytes(figure_bytes(figure, path.suffix.lower()[1:], tight=False))
    return path


def save_attribution(
    model: Any, image: Any, path: str | Path, *, dpi: int = 96, **settings: Any
) -> Path:
    """Draw ``show_attribution(model, image, **settings)`` into a PNG, SVG or PDF file."""
    path = _output_path(path)  # Before the computation.
    return save_explanation(image, explain(model, image, **settings), path, dpi=dpi)
