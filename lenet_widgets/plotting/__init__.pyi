"""Public names of ``lenet_widgets.plotting`` and the module that defines each.

The one list: ``lenet_widgets/_lazy.py`` reads these imports to resolve each name
lazily at run time; editors and type checkers read them as plain imports.
"""

from lenet_widgets.plotting.attribution import draw_attribution as draw_attribution
from lenet_widgets.plotting.feature_maps import draw_feature_maps as draw_feature_maps
from lenet_widgets.plotting.feature_maps import draw_unit_activations as draw_unit_activations
from lenet_widgets.plotting.feature_maps import update_feature_maps as update_feature_maps
from lenet_widgets.plotting.feature_maps import update_unit_activations as update_unit_activations
from lenet_widgets.plotting.figure import NotebookFigure as NotebookFigure
from lenet_widgets.plotting.figure import new_figure as new_figure
from lenet_widgets.plotting.filters import deprocess_image as deprocess_image
from lenet_widgets.plotting.filters import grid_order as grid_order
from lenet_widgets.plotting.filters import plot_filter_grid as plot_filter_grid
from lenet_widgets.plotting.filters import plot_top_examples as plot_top_examples
from lenet_widgets.plotting.filters import save_stitched as save_stitched
from lenet_widgets.plotting.filters import stitch_filters as stitch_filters
from lenet_widgets.plotting.filters import update_grid as update_grid
from lenet_widgets.plotting.structure import GraphDrawing as GraphDrawing
from lenet_widgets.plotting.structure import draw_conv_kernels as draw_conv_kernels
from lenet_widgets.plotting.structure import draw_model_diff as draw_model_diff
from lenet_widgets.plotting.structure import draw_model_graph as draw_model_graph
from lenet_widgets.plotting.structure import draw_weight_histograms as draw_weight_histograms
from lenet_widgets.plotting.training import draw_training_curves as draw_training_curves
from lenet_widgets.plotting.training import update_training_curves as update_training_curves
