"""Generated from ``lenet_widgets.plotting._EXPORTS`` by tests/product/test_public_api.py."""

from lenet_widgets.plotting.attribution import draw_attribution
from lenet_widgets.plotting.feature_maps import (
    draw_feature_maps,
    draw_unit_activations,
    update_feature_maps,
    update_unit_activations,
)
from lenet_widgets.plotting.figure import NotebookFigure, new_figure
from lenet_widgets.plotting.filters import (
    deprocess_image,
    grid_order,
    plot_filter_grid,
    plot_top_examples,
    save_stitched,
    stitch_filters,
    update_grid,
)
from lenet_widgets.plotting.structure import (
    GraphDrawing,
    draw_conv_kernels,
    draw_model_diff,
    draw_model_graph,
    draw_weight_histograms,
)
from lenet_widgets.plotting.training import draw_training_curves, update_training_curves

__all__ = [
    "GraphDrawing",
    "NotebookFigure",
    "deprocess_image",
    "draw_attribution",
    "draw_conv_kernels",
    "draw_feature_maps",
    "draw_model_diff",
    "draw_model_graph",
    "draw_training_curves",
    "draw_unit_activations",
    "draw_weight_histograms",
    "grid_order",
    "new_figure",
    "plot_filter_grid",
    "plot_top_examples",
    "save_stitched",
    "stitch_filters",
    "update_feature_maps",
    "update_grid",
    "update_training_curves",
    "update_unit_activations",
]
