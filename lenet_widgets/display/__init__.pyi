"""Public names of ``lenet_widgets.display`` and the module that defines each.

The one list: ``lenet_widgets/_lazy.py`` reads these imports to resolve each name
lazily at run time; editors and type checkers read them as plain imports.
"""

from lenet_widgets.display.attribution import draw_explanation as draw_explanation
from lenet_widgets.display.attribution import save_attribution as save_attribution
from lenet_widgets.display.attribution import show_attribution as show_attribution
from lenet_widgets.display.errors import RemoteNotebookError as RemoteNotebookError
from lenet_widgets.display.errors import ToolMissingError as ToolMissingError
from lenet_widgets.display.filters import compare_presets as compare_presets
from lenet_widgets.display.filters import compute_filters as compute_filters
from lenet_widgets.display.filters import save_filter_grid as save_filter_grid
from lenet_widgets.display.filters import show_filters as show_filters
from lenet_widgets.display.filters import show_top_examples as show_top_examples
from lenet_widgets.display.graphviz import find_dot as find_dot
from lenet_widgets.display.model_picture import ENGINES as ENGINES
from lenet_widgets.display.model_picture import StructurePicture as StructurePicture
from lenet_widgets.display.model_picture import plot_model as plot_model
from lenet_widgets.display.netron import NetronView as NetronView
from lenet_widgets.display.netron import show_in_netron as show_in_netron
from lenet_widgets.display.reports import DiffReport as DiffReport
from lenet_widgets.display.reports import LayerReport as LayerReport
from lenet_widgets.display.reports import compare_models as compare_models
from lenet_widgets.display.reports import layer_report as layer_report
from lenet_widgets.display.reports import summary_html as summary_html
