"""Plotting: functions that draw plain data onto matplotlib Axes/Figures.

They take NumPy arrays, dicts and dataclasses (never Keras objects or widgets)
and return the artists they drew, so widgets can update them in place.
"""

from lenet_widgets._lazy import lazy_exports

_EXPORTS = {
    "NotebookFigure": "lenet_widgets.plotting.figure",
    "new_figure": "lenet_widgets.plotting.figure",
    "draw_feature_maps": "lenet_widgets.plotting.feature_maps",
    "update_feature_maps": "lenet_widgets.plotting.feature_maps",
    "draw_unit_activations": "lenet_widgets.plotting.feature_maps",
    "update_unit_activations": "lenet_widgets.plotting.feature_maps",
    "draw_attribution": "lenet_widgets.plotting.attribution",
    "draw_model_graph": "lenet_widgets.plotting.structure",
    "draw_model_diff": "lenet_widgets.plotting.structure",
    "draw_weight_histograms": "lenet_widgets.plotting.structure",
    "draw_conv_kernels": "lenet_widgets.plotting.structure",
    "GraphDrawing": "lenet_widgets.plotting.structure",
    "plot_filter_grid": "lenet_widgets.plotting.filters",
    "update_grid": "lenet_widgets.plotting.filters",
    "stitch_filters": "lenet_widgets.plotting.filters",
    "save_stitched": "lenet_widgets.plotting.filters",
    "plot_top_examples": "lenet_widgets.plotting.filters",
    "grid_order": "lenet_widgets.plotting.filters",
    "deprocess_image": "lenet_widgets.plotting.filters",
    "draw_training_curves": "lenet_widgets.plotting.training",
    "update_training_curves": "lenet_widgets.plotting.training",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
