"""Display: show or save pictures and reports in a notebook or on disk.

Each function here combines core (the numbers, from a Keras model) with
plotting (the drawing) and returns something a notebook cell displays or a
file: the model picture (``plot_model``, Graphviz or matplotlib), HTML reports
(``summary_html``, ``layer_report``, ``compare_models``), Netron, filter grids
and attribution maps. No widgets: ``ui`` builds its panels on these functions,
and the CLI calls them too. ``tests/product/test_layering.py`` checks the imports.

Modules: ``model_picture`` (``plot_model``, ``StructurePicture``), ``graphviz``
(Keras' pydot graph, made readable), ``reports``, ``netron``, ``filters``,
``attribution``, ``errors``. Names are resolved lazily, as in ``core``.
"""

from lenet_widgets._lazy import lazy_exports

_EXPORTS = {
    "RemoteNotebookError": "lenet_widgets.display.errors",
    "ToolMissingError": "lenet_widgets.display.errors",
    "ENGINES": "lenet_widgets.display.model_picture",
    "StructurePicture": "lenet_widgets.display.model_picture",
    "plot_model": "lenet_widgets.display.model_picture",
    "find_dot": "lenet_widgets.display.graphviz",
    "DiffReport": "lenet_widgets.display.reports",
    "LayerReport": "lenet_widgets.display.reports",
    "compare_models": "lenet_widgets.display.reports",
    "layer_report": "lenet_widgets.display.reports",
    "summary_html": "lenet_widgets.display.reports",
    "NetronView": "lenet_widgets.display.netron",
    "show_in_netron": "lenet_widgets.display.netron",
    "compare_presets": "lenet_widgets.display.filters",
    "compute_filters": "lenet_widgets.display.filters",
    "save_filter_grid": "lenet_widgets.display.filters",
    "show_filters": "lenet_widgets.display.filters",
    "show_top_examples": "lenet_widgets.display.filters",
    "draw_explanation": "lenet_widgets.display.attribution",
    "save_attribution": "lenet_widgets.display.attribution",
    "show_attribution": "lenet_widgets.display.attribution",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
