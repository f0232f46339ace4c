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
from lenet_widgets.plotting.figure import NotebookFigure, new_figure

__all__ = ["draw_explanation", "save_attribution", "show_attribution"]


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
    figure = new_figure(figure_size(len(result.classes)), dpi=dpi)
    draw_explanation(figure, image, result)
    return figure


def save_attribution(
    model: Any, image: Any, path: str | Path, *, dpi: int = 96, **settings: Any
) -> Path:
    """Draw ``show_attribution(model, image, **settings)`` into a PNG, SVG or PDF file."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise AttributionError(f"output {path} should end in .png, .svg or .pdf, e.g. why.png.")
    figure = show_attribution(model, image, dpi=dpi, **settings)
    figure.savefig(path, dpi=dpi)
    return path
