"""Why-this-class pictures from a Keras model in one call, for notebook cells and the CLI.

Glue between ``core.attribution`` (saliency, SmoothGrad, Grad-CAM) and
``plotting.attribution`` (the overlay on one shared scale). Figures are
``NotebookFigure`` objects (never pyplot figures): Jupyter shows them as pictures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lenet_widgets.core.attribution import (
    DEFAULT_NOISE,
    DEFAULT_SAMPLES,
    Attribution,
    AttributionError,
    explain,
)
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
    label: int | None = None,
    layer: str | None = None,
    samples: int = DEFAULT_SAMPLES,
    noise: float = DEFAULT_NOISE,
    seed: int = 0,
    dpi: int = 96,
) -> NotebookFigure:
    """Compute and draw "why this class?" maps of one image; return the figure.

    Args:
        model: a Sequential or functional Keras model.
        image: one image, uint8 pixels or floats already scaled, ``(H, W)`` or ``(H, W, C)``.
        method: ``"saliency"``, ``"smoothgrad"`` or ``"gradcam"``.
        classes: None (the predicted class, and ``label`` beside it when it differs),
            ``"all"``, one class index or a list of them.
        label: the image's true class, if known.
        layer: Grad-CAM's layer (default: the last convolution, after its activation).
        samples: SmoothGrad's noisy copies.
        noise: SmoothGrad's noise, a fraction of the model's input range.
        seed: SmoothGrad's noise seed.
        dpi: the figure's resolution.

    Returns:
        A figure with the digit and one map per class, on one colour scale.

    Raises:
        AttributionError: bad model, image, class, layer, method or setting.
    """
    result = explain(
        model,
        image,
        method,
        classes,
        label=label,
        layer=layer,
        samples=samples,
        noise=noise,
        seed=seed,
    )
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
