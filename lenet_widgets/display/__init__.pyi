"""Generated from ``lenet_widgets.display._EXPORTS`` by tests/product/test_public_api.py."""

from lenet_widgets.display.attribution import draw_explanation, save_attribution, show_attribution
from lenet_widgets.display.errors import RemoteNotebookError, ToolMissingError
from lenet_widgets.display.filters import (
    compare_presets,
    compute_filters,
    save_filter_grid,
    show_filters,
    show_top_examples,
)
from lenet_widgets.display.graphviz import find_dot
from lenet_widgets.display.model_picture import ENGINES, StructurePicture, plot_model
from lenet_widgets.display.netron import NetronView, show_in_netron
from lenet_widgets.display.reports import (
    DiffReport,
    LayerReport,
    compare_models,
    layer_report,
    summary_html,
)

__all__ = [
    "ENGINES",
    "DiffReport",
    "LayerReport",
    "NetronView",
    "RemoteNotebookError",
    "StructurePicture",
    "ToolMissingError",
    "compare_models",
    "compare_presets",
    "compute_filters",
    "draw_explanation",
    "find_dot",
    "layer_report",
    "plot_model",
    "save_attribution",
    "save_filter_grid",
    "show_attribution",
    "show_filters",
    "show_in_netron",
    "show_top_examples",
    "summary_html",
]
