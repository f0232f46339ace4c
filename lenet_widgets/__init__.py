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

# Public name -> the layer package that exports it (its own table says which module defines
# it), resolved on first use. ``lab`` comes from its module: ``lenet_widgets.ui.lab`` is the
# module, not the function.
_EXPORTS = {
    "INPUT_RANGE": "lenet_widgets.core",
    "DataError": "lenet_widgets.core",
    "load_dataset": "lenet_widgets.core",
    "load_mnist": "lenet_widgets.core",
    "prepare_images": "lenet_widgets.core",
    "build_lenet": "lenet_widgets.core",
    "input_range": "lenet_widgets.core",
    "set_input_range": "lenet_widgets.core",
    "prepare_for_model": "lenet_widgets.core",
    "train": "lenet_widgets.core",
    "evaluate": "lenet_widgets.core",
    "Dataset": "lenet_widgets.core",
    "ModelFileError": "lenet_widgets.core",
    "UnsafeModelError": "lenet_widgets.core",
    "describe_model": "lenet_widgets.core",
    "load_model": "lenet_widgets.core",
    "load_weights": "lenet_widgets.core",
    "save_model": "lenet_widgets.core",
    "fast_mode": "lenet_widgets.config",
    "plot_model": "lenet_widgets.display",
    "StructurePicture": "lenet_widgets.display",
    "ToolMissingError": "lenet_widgets.display",
    "RemoteNotebookError": "lenet_widgets.display",
    "compare_models": "lenet_widgets.display",
    "layer_report": "lenet_widgets.display",
    "summary_html": "lenet_widgets.display",
    "show_in_netron": "lenet_widgets.display",
    "diff_models": "lenet_widgets.core",
    "maximize_filters": "lenet_widgets.core",
    "FilterResult": "lenet_widgets.core",
    "FilterError": "lenet_widgets.core",
    "visualizable_layers": "lenet_widgets.core",
    "top_activating_examples": "lenet_widgets.core",
    "PRESETS": "lenet_widgets.core",
    "DEFAULT_PRESET": "lenet_widgets.core",
    "OBJECTIVES": "lenet_widgets.core",
    "Attribution": "lenet_widgets.core",
    "AttributionError": "lenet_widgets.core",
    "explain": "lenet_widgets.core",
    "grad_cam": "lenet_widgets.core",
    "saliency": "lenet_widgets.core",
    "smoothgrad": "lenet_widgets.core",
    "misclassified_indices": "lenet_widgets.core",
    "show_attribution": "lenet_widgets.display",
    "save_attribution": "lenet_widgets.display",
    "show_filters": "lenet_widgets.display",
    "compute_filters": "lenet_widgets.display",
    "save_filter_grid": "lenet_widgets.display",
    "compare_presets": "lenet_widgets.display",
    "show_top_examples": "lenet_widgets.display",
    "model_graph": "lenet_widgets.core",
    "FeatureMapsPanel": "lenet_widgets.ui",
    "FilterExplorer": "lenet_widgets.ui",
    "FilterHistoryPanel": "lenet_widgets.ui",
    "LeNetLab": "lenet_widgets.ui",
    "lab": "lenet_widgets.ui.lab",
    "SavePanel": "lenet_widgets.ui",
    "StructurePanel": "lenet_widgets.ui",
    "TrainingPanel": "lenet_widgets.ui",
}

__all__ = ["__version__", *sorted(_EXPORTS)]
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
