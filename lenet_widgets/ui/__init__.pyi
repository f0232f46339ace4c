"""Public names of ``lenet_widgets.ui`` and the module that defines each.

The one list: ``lenet_widgets/_lazy.py`` reads these imports to resolve each name
lazily at run time; editors and type checkers read them as plain imports.
"""

from lenet_widgets.ui.feature_maps import FeatureMapsPanel as FeatureMapsPanel
from lenet_widgets.ui.figure_view import FigureView as FigureView
from lenet_widgets.ui.filter_history import FilterHistoryPanel as FilterHistoryPanel
from lenet_widgets.ui.filters import FilterExplorer as FilterExplorer
from lenet_widgets.ui.lab import LeNetLab as LeNetLab
from lenet_widgets.ui.save import SavePanel as SavePanel
from lenet_widgets.ui.structure import StructurePanel as StructurePanel
from lenet_widgets.ui.training import TrainingPanel as TrainingPanel
