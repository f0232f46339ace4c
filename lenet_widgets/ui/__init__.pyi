"""Generated from ``lenet_widgets.ui._EXPORTS`` by tests/product/test_public_api.py."""

from lenet_widgets.ui.feature_maps import FeatureMapsPanel
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.filter_history import FilterHistoryPanel
from lenet_widgets.ui.filters import FilterExplorer
from lenet_widgets.ui.lab import LeNetLab
from lenet_widgets.ui.save import SavePanel
from lenet_widgets.ui.structure import StructurePanel
from lenet_widgets.ui.training import TrainingPanel

__all__ = [
    "FeatureMapsPanel",
    "FigureView",
    "FilterExplorer",
    "FilterHistoryPanel",
    "LeNetLab",
    "SavePanel",
    "StructurePanel",
    "TrainingPanel",
]
