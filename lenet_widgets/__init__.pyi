"""Static view of ``lenet_widgets``'s lazy exports, for editors and type checkers.

Generated from ``_EXPORTS`` by ``python tests/product/test_public_api.py``;
the test there keeps it equal to ``_EXPORTS`` and ``__all__``.
"""

from lenet_widgets.config import fast_mode
from lenet_widgets.core.attribution import (
    Attribution,
    AttributionError,
    explain,
    grad_cam,
    misclassified_indices,
    saliency,
    smoothgrad,
)
from lenet_widgets.core.data import (
    INPUT_RANGE,
    DataError,
    Dataset,
    load_dataset,
    load_mnist,
    prepare_images,
)
from lenet_widgets.core.filters import (
    DEFAULT_PRESET,
    OBJECTIVES,
    PRESETS,
    FilterError,
    FilterResult,
    maximize_filters,
    top_activating_examples,
    visualizable_layers,
)
from lenet_widgets.core.model import build_lenet, input_range, prepare_for_model, set_input_range
from lenet_widgets.core.persistence import (
    ModelFileError,
    UnsafeModelError,
    describe_model,
    load_model,
    load_weights,
    save_model,
)
from lenet_widgets.core.structure import diff_models, model_graph
from lenet_widgets.core.training import evaluate, train
from lenet_widgets.display.attribution import save_attribution, show_attribution
from lenet_widgets.display.errors import RemoteNotebookError, ToolMissingError
from lenet_widgets.display.filters import (
    compare_presets,
    compute_filters,
    save_filter_grid,
    show_filters,
    show_top_examples,
)
from lenet_widgets.display.model_picture import StructurePicture, plot_model
from lenet_widgets.display.netron import show_in_netron
from lenet_widgets.display.reports import compare_models, layer_report, summary_html
from lenet_widgets.ui.feature_maps import FeatureMapsPanel
from lenet_widgets.ui.filter_history import FilterHistoryPanel
from lenet_widgets.ui.filters import FilterExplorer
from lenet_widgets.ui.lab import LeNetLab, lab
from lenet_widgets.ui.save import SavePanel
from lenet_widgets.ui.structure import StructurePanel
from lenet_widgets.ui.training import TrainingPanel

__version__: str
__all__ = [
    "DEFAULT_PRESET",
    "INPUT_RANGE",
    "OBJECTIVES",
    "PRESETS",
    "Attribution",
    "AttributionError",
    "DataError",
    "Dataset",
    "FeatureMapsPanel",
    "FilterError",
    "FilterExplorer",
    "FilterHistoryPanel",
    "FilterResult",
    "LeNetLab",
    "ModelFileError",
    "RemoteNotebookError",
    "SavePanel",
    "StructurePanel",
    "StructurePicture",
    "ToolMissingError",
    "TrainingPanel",
    "UnsafeModelError",
    "__version__",
    "build_lenet",
    "compare_models",
    "compare_presets",
    "compute_filters",
    "describe_model",
    "diff_models",
    "evaluate",
    "explain",
    "fast_mode",
    "grad_cam",
    "input_range",
    "lab",
    "layer_report",
    "load_dataset",
    "load_mnist",
    "load_model",
    "load_weights",
    "maximize_filters",
    "misclassified_indices",
    "model_graph",
    "plot_model",
    "prepare_for_model",
    "prepare_images",
    "saliency",
    "save_attribution",
    "save_filter_grid",
    "save_model",
    "set_input_range",
    "show_attribution",
    "show_filters",
    "show_in_netron",
    "show_top_examples",
    "smoothgrad",
    "summary_html",
    "top_activating_examples",
    "train",
    "visualizable_layers",
]
