"""HTML and figure reports of a model: its summary, one layer's inspector, a diff of two models.

``summary_html`` is the per-layer table; ``layer_report`` is what Netron shows
on a click (config, weight statistics, histograms, Conv2D kernels);
``compare_models`` draws two models side by side with their differences
coloured. Each report displays itself in a notebook cell.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import keras
from matplotlib.figure import Figure

from lenet_widgets.core.graph import LayerInspection, ModelDiff
from lenet_widgets.core.structure import (
    diff_models,
    inspect_layer,
    model_graph,
    select_input_layers,
)
from lenet_widgets.display.model_picture import StructurePicture, target_format
from lenet_widgets.plotting.figure import figure_bytes, figure_png, new_figure
from lenet_widgets.plotting.structure import (
    draw_conv_kernels,
    draw_model_diff,
    draw_weight_histograms,
)

__all__ = [
    "DiffReport",
    "LayerReport",
    "compare_models",
    "histogram_figure",
    "inspection_html",
    "kernel_figure",
    "layer_report",
    "summary_html",
]


def summary_html(model: keras.Model, *, expand_nested: bool = False) -> str:
    """The per-layer summary (name, class, output shape, params) as an HTML table."""
    graph = select_input_layers(model_graph(model, expand_nested=expand_nested), False)
    rows = "".join(
        "<tr>"
        f"<td style='text-align:left'>{html.escape(node.id)}</td>"
        f"<td style='text-align:left'>{html.escape(node.class_name)}</td>"
        f"<td style='text-align:left'><code>{html.escape(node.output_shape)}</code></td>"
        f"<td style='text-align:right'>{node.params:,}</td>"
        "</tr>"
        for node in graph.nodes
    )
    return (
        f"<table class='lenet-summary'><caption>{html.escape(graph.name)} ({graph.kind})</caption>"
        "<thead><tr><th>Layer</th><th>Class</th><th>Output shape</th><th>Params</th></tr></thead>"
        f"<tbody>{rows}</tbody><tfoot>"
        f"<tr><th colspan='3' style='text-align:left'>Total</th>"
        f"<th style='text-align:right'>{graph.total_params:,}</th></tr>"
        f"<tr><td colspan='3'>trainable / non-trainable</td><td style='text-align:right'>"
        f"{graph.trainable_params:,} / {graph.non_trainable_params:,}</td></tr>"
        "</tfoot></table>"
    )


def _png_tag(figure: Figure) -> str:
    encoded = base64.b64encode(figure_png(figure, tight=False)).decode("ascii")
    return f"<img src='data:image/png;base64,{encoded}' style='max-width:100%'/>"


def inspection_html(inspection: LayerInspection) -> str:
    """A layer's class, shapes, parameters, weight statistics and config as HTML."""
    stats_rows = "".join(
        f"<tr><td>{html.escape(s.name)}</td><td>{s.shape}</td><td>{s.minimum:.4g}</td>"
        f"<td>{s.maximum:.4g}</td><td>{s.mean:.4g}</td><td>{s.std:.4g}</td>"
        f"<td>{'yes' if s.trainable else 'no'}</td></tr>"
        for s in inspection.weights
    )
    config_rows = "".join(
        f"<tr><td>{html.escape(str(key))}</td><td><code>{html.escape(repr(value))}</code></td></tr>"
        for key, value in inspection.config.items()
    )
    weights = (
        "<table><tr><th>weight</th><th>shape</th><th>min</th><th>max</th><th>mean</th>"
        f"<th>std</th><th>trainable</th></tr>{stats_rows}</table>"
        if stats_rows
        else "<p>No weights.</p>"
    )
    return (
        f"<h4>{html.escape(inspection.id)} ({html.escape(inspection.class_name)})</h4>"
        f"<p>input {html.escape(inspection.input_shape)} &rarr; output "
        f"{html.escape(inspection.output_shape)}; {inspection.params:,} params</p>"
        f"{weights}<details><summary>config</summary><table>{config_rows}</table></details>"
    )


@dataclass
class LayerReport:
    """What the inspector shows for one layer: data, HTML and figures.

    Attributes:
        inspection: the numbers (config, weight statistics, kernels).
        html: config and statistics as HTML.
        histograms: a figure with one histogram per weight tensor.
        kernels: for Conv2D, a figure of its kernels (one input channel); else None.
    """

    inspection: LayerInspection
    html: str
    histograms: Figure
    kernels: Figure | None = None

    def _repr_html_(self) -> str:
        pictures = _png_tag(self.histograms)
        if self.kernels is not None:
            pictures += _png_tag(self.kernels)
        return self.html + pictures


def kernel_figure(
    inspection: LayerInspection, *, dpi: int = 96, columns: int = 10
) -> Figure | None:
    """A new figure of a Conv2D layer's kernels, or None for other layers."""
    if inspection.kernels is None:
        return None
    count = inspection.kernels.shape[0]
    rows = -(-count // columns)
    figure = new_figure((min(columns, count) * 0.62, rows * 0.68 + 0.2), dpi=dpi)
    draw_conv_kernels(figure, inspection.kernels, columns=columns)
    figure.suptitle(f"{inspection.id} kernels (input channel 0)", fontsize=8)
    return figure


def histogram_figure(inspection: LayerInspection, *, dpi: int = 96) -> Figure:
    """A new figure with one histogram per weight tensor of the layer."""
    figure = new_figure((max(3.0, 3.2 * len(inspection.weights)), 2.6), dpi=dpi)
    draw_weight_histograms(figure, inspection)
    return figure


def layer_report(model: keras.Model, layer: str, *, bins: int = 30, dpi: int = 96) -> LayerReport:
    """Inspect one layer (``"conv2d"``; ``"block/dense"`` if nested): what Netron shows on click."""
    inspection = inspect_layer(model, layer, bins=bins)
    return LayerReport(
        inspection,
        inspection_html(inspection),
        histogram_figure(inspection, dpi=dpi),
        kernel_figure(inspection, dpi=dpi),
    )


@dataclass
class DiffReport:
    """A model diff and its picture; shows both in a notebook.

    Attributes:
        diff: what was added, removed and changed.
        picture: both models side by side, differences coloured.
    """

    diff: ModelDiff
    picture: StructurePicture

    def _repr_html_(self) -> str:
        encoded = base64.b64encode(self.picture.data).decode("ascii")
        kind = "svg+xml" if self.picture.format == "svg" else "png"
        return (
            f"<pre>{html.escape(self.diff.describe())}</pre>"
            f"<img src='data:image/{kind};base64,{encoded}' style='max-width:100%'/>"
        )


def compare_models(
    model_a: keras.Model,
    model_b: keras.Model,
    to_file: str | Path | None = None,
    *,
    show_shapes: bool = True,
    rankdir: str = "TB",
    dpi: int = 96,
    max_width_px: int | None = 900,
) -> DiffReport:
    """``diff_models`` plus a side-by-side picture: red removed, green added, strong orange
    for layers whose settings changed, pale orange for layers only reshaped by a layer above."""
    path, file_format = target_format(to_file)
    diff = diff_models(model_a, model_b)
    graph_a = select_input_layers(model_graph(model_a), False)
    graph_b = select_input_layers(model_graph(model_b), False)
    figure = new_figure(dpi=dpi)
    draw_model_diff(
        figure,
        graph_a,
        graph_b,
        **diff.highlights(),
        show_shapes=show_shapes,
        rankdir=rankdir,
        max_width_px=max_width_px,
    )
    shown = "svg" if file_format == "svg" else "png"
    data = figure_bytes(figure, shown, tight=False)
    if path is not None:
        path.write_bytes(
            data if file_format == shown else figure_bytes(figure, file_format, tight=False)
        )
    return DiffReport(diff, StructurePicture(shown, data, "matplotlib", dpi, path, None))
