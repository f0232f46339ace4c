"""Public names of ``lenet_widgets``, each from the layer package that exports it.

The one list: ``lenet_widgets/_lazy.py`` reads these imports to resolve each name
lazily at run time; editors and type checkers read them as plain imports.
"""

from lenet_widgets.config import fast_mode as fast_mode
from lenet_widgets.core import DEFAULT_PRESET as DEFAULT_PRESET
from lenet_widgets.core import INPUT_RANGE as INPUT_RANGE
from lenet_widgets.core import OBJECTIVES as OBJECTIVES
from lenet_widgets.core import PRESETS as PRESETS
from lenet_widgets.core import Attribution as Attribution
from lenet_widgets.core import AttributionError as AttributionError
from lenet_widgets.core import DataError as DataError
from lenet_widgets.core import Dataset as Dataset
from lenet_widgets.core import FilterError as FilterError
from lenet_widgets.core import FilterResult as FilterResult
from lenet_widgets.core import ModelFileError as ModelFileError
from lenet_widgets.core import UnsafeModelError as UnsafeModelError
from lenet_widgets.core import build_lenet as build_lenet
from lenet_widgets.core import describe_model as describe_model
from lenet_widgets.core import diff_models as diff_models
from lenet_widgets.core import evaluate as evaluate
from lenet_widgets.core import explain as explain
from lenet_widgets.core import grad_cam as grad_cam
from lenet_widgets.core import input_range as input_range
from lenet_widgets.core import load_dataset as load_dataset
from lenet_widgets.core import load_mnist as load_mnist
from lenet_widgets.core import load_model as load_model
from lenet_widgets.core import load_weights as load_weights
from lenet_widgets.core import maximize_filters as maximize_filters
from lenet_widgets.core import misclassified_indices as misclassified_indices
from lenet_widgets.core import model_graph as model_graph
from lenet_widgets.core import prepare_for_model as prepare_for_model
from lenet_widgets.core import prepare_images as prepare_images
from lenet_widgets.core import saliency as saliency
from lenet_widgets.core import save_model as save_model
from lenet_widgets.core import set_input_range as set_input_range
from lenet_widgets.core import smoothgrad as smoothgrad
from lenet_widgets.core import top_activating_examples as top_activating_examples
from lenet_widgets.core import train as train
from lenet_widgets.core import visualizable_layers as visualizable_layers
from lenet_widgets.display import RemoteNotebookError as RemoteNotebookError
from lenet_widgets.display import StructurePicture as StructurePicture
from lenet_widgets.display import ToolMissingError as ToolMissingError
from lenet_widgets.display import compare_models as compare_models
from lenet_widgets.display import compare_presets as compare_presets
from lenet_widgets.display import compute_filters as compute_filters
from lenet_widgets.display import layer_report as layer_report
from lenet_widgets.display import plot_model as plot_model
from lenet_widgets.display import save_attribution as save_attribution
from lenet_widgets.display import save_filter_grid as save_filter_grid
from lenet_widgets.display import show_attribution as show_attribution
from lenet_widgets.display import show_filters as show_filters
from lenet_widgets.display import show_in_netron as show_in_netron
from lenet_widgets.display import show_top_examples as show_top_examples
from lenet_widgets.display import summary_html as summary_html
from lenet_widgets.ui import FeatureMapsPanel as FeatureMapsPanel
from lenet_widgets.ui import FilterExplorer as FilterExplorer
from lenet_widgets.ui import FilterHistoryPanel as FilterHistoryPanel
from lenet_widgets.ui import LeNetLab as LeNetLab
from lenet_widgets.ui import SavePanel as SavePanel
from lenet_widgets.ui import StructurePanel as StructurePanel
from lenet_widgets.ui import TrainingPanel as TrainingPanel
from lenet_widgets.ui.lab import lab as lab

__version__: str
