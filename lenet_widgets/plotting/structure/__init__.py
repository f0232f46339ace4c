"""Model structure pictures drawn with matplotlib alone (no Graphviz), and the inspector's plots.

The package is cut by concern, so each file can be read on its own:

- ``boxes.py``: what each box says (Keras' wording) and how big that makes it;
- ``layout.py``: where boxes go, testable without drawing; it runs ``ranks.py`` (ranks,
  their order, coordinates in a rank), ``bands.py`` (wrapping into bands) and ``frames.py``
  (frames of nested models), with the gaps they share in ``spacing.py``: pure geometry;
- ``arrows.py``: the arrows' routes between placed boxes: pure geometry too;
- ``draw.py``: a layout turned into matplotlib artists on a figure sized to fit it;
- ``diff.py``: two models side by side, what changed coloured;
- ``inspector.py``: weight histograms and convolution kernels of one layer.

Everything takes plain data (``ModelGraph`` and arrays from
``lenet_widgets.core.structure``), never Keras objects or widgets.
"""

from lenet_widgets.plotting.structure.diff import DIFF_COLORS, DIFF_LABELS, draw_model_diff
from lenet_widgets.plotting.structure.draw import RANKDIRS, GraphDrawing, draw_model_graph
from lenet_widgets.plotting.structure.inspector import draw_conv_kernels, draw_weight_histograms

__all__ = [
    "DIFF_COLORS",
    "DIFF_LABELS",
    "RANKDIRS",
    "GraphDrawing",
    "draw_conv_kernels",
    "draw_model_diff",
    "draw_model_graph",
    "draw_weight_histograms",
]
