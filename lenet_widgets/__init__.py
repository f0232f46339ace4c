"""lenet_widgets: train a LeNet on MNIST, save it, draw it, see its filters.

Importing the package is cheap: TensorFlow, matplotlib and ipywidgets load only
when a name that needs them is first used (``lenet_widgets.build_lenet``...).
``__init__.pyi`` lists the same names as plain imports, for editors and type
checkers; ``tests/product/test_public_api.py`` keeps it, ``__all__`` and ``_EXPORTS`` equal.

Layers (see ``tests/product/test_layering.py``): ``core`` (NumPy/Keras), ``plotting``
(matplotlib on plain data), ``display`` (core + plotting: pictures and reports
for a notebook or a file), ``ui`` (the ipywidgets panels), ``cli``.
"""

from __future__ import annotations

from lenet_widgets._lazy import lazy_exports

# Cheap (no TensorFlow import): lenet_widgets.core prepares TensorFlow before any module of
# this package (or the user) imports it, see lenet_widgets/core/runtime.py.
import lenet_widgets.core  # noqa: F401  isort: skip

__version__ = "0.1.0"

# Public name -> module that defines it, imported on first use.
_EXPORTS = {
    "INPUT_RANGE": "lenet_widgets.core.data",
    "DataError": "lenet_widgets.core.data",
    "load_dataset": "lenet_widgets.core.data",
    "load_mnist": "lenet_widgets.core.data",
    "prepare_images": "lenet_widgets.core.data",
    "build_lenet": "lenet_widgets.core.model",
    "input_range": "lenet_widgets.core.model",
    "set_input_range": "lenet_widgets.core.model",
    "prepare_for_model": "lenet_widgets.core.model",
    "train": "lenet_widgets.core.training",
    "evaluate": "lenet_widgets.core.training",
    "Dataset": "lenet_widgets.core.data",
    "ModelFileError": "lenet_widgets.core.persistence",
    "UnsafeModelError": "lenet_widgets.core.persistence",
    "describe_model": "lenet_widgets.core.persistence",
    "load_model": "lenet_widgets.core.persistence",
    "load_weights": "lenet_widgets.core.persistence",
    "save_model": "lenet_widgets.core.persistence",
    "fast_mode": "lenet_widgets.config",
    "plot_model": "lenet_widgets.display.model_picture",
    "StructurePicture": "lenet_widgets.display.model_picture",
    "ToolMissingError": "lenet_widgets.display.errors",
    "RemoteNotebookError": "lenet_widgets.display.errors",
    "compare_models": "lenet_widgets.display.reports",
    "layer_report": "lenet_widgets.display.reports",
    "summary_html": "lenet_widgets.display.reports",
    "show_in_netron": "lenet_widgets.display.netron",
    "diff_models": "lenet_widgets.core.structure",
    "maximize_filters": "lenet_widgets.core.filters",
    "FilterResult": "lenet_widgets.core.filters",
    "FilterError": "lenet_widgets.core.filters",
    "visualizable_layers": "lenet_widgets.core.filters",
    "top_activating_examples": "lenet_widgets.core.filters",
    "PRESETS": "lenet_widgets.core.filters",
    "DEFAULT_PRESET": "lenet_widgets.core.filters",
    "OBJECTIVES": "lenet_widgets.core.filters",
    "Attribution": "lenet_widgets.core.attribution",
    "AttributionError": "lenet_widgets.core.attribution",
    "explain": "lenet_widgets.core.attribution",
    "grad_cam": "lenet_widgets.core.attribution",
    "saliency": "lenet_widgets.core.attribution",
    "smoothgrad": "lenet_widgets.core.attribution",
    "misclassified_indices": "lenet_widgets.core.attribution",
    "show_attribution": "lenet_widgets.display.attribution",
    "save_attribution": "lenet_widgets.display.attribution",
    "show_filters": "lenet_widgets.display.filters",
    "compute_filters": "lenet_widgets.display.filters",
    "save_filter_grid": "lenet_widgets.display.filters",
    "compare_presets": "lenet_widgets.display.filters",
    "show_top_examples": "lenet_widgets.display.filters",
    "model_graph": "lenet_widgets.core.structure",
    "FeatureMapsPanel": "lenet_widgets.ui.feature_maps",
    "FilterExplorer": "lenet_widgets.ui.filters",
    "FilterHistoryPanel": "lenet_widgets.ui.filter_history",
    "LeNetLab": "lenet_widgets.ui.lab",
    "lab": "lenet_widgets.ui.lab",
    "SavePanel": "lenet_widgets.ui.save",
    "StructurePanel": "lenet_widgets.ui.structure",
    "TrainingPanel": "lenet_widgets.ui.training",
}

__all__ = ["__version__", *sorted(_EXPORTS)]
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
