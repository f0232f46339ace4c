"""A model's structure as plain data: layers, connections, nested groups, diffs, weights.

``model_graph`` turns a Keras model into a ``ModelGraph`` made of frozen
dataclasses (no Keras objects inside), so the renderers, the diff and the
tests work on simple values. It follows Keras' public model API the way
``keras.utils.plot_model`` does: Sequential layers in order, Functional
operations and their inbound nodes, nested models as groups (expanded) or
single boxes (collapsed). A subclassed model is one box: Keras cannot see how
its ``call()`` connects its layers; ``ModelGraph.note`` says so.

``diff_models`` compares two models layer by layer; ``inspect_layer`` gives a
layer's config and weight statistics (what Netron shows when a layer is clicked).

The code lives in one module per concern, re-exported here: ``core.structure_graph``
(extraction), ``core.structure_diff`` (the diff), ``core.structure_inspection`` (one
layer up close). The plain dataclasses they fill (``ModelGraph``, ``LayerNode``,
``ModelDiff``...) live in ``core.graph``, which imports no Keras: import them from there.
"""

from __future__ import annotations

from lenet_widgets.core.structure_diff import diff_graphs, diff_models
from lenet_widgets.core.structure_graph import format_shape, model_graph, select_input_layers
from lenet_widgets.core.structure_inspection import (
    conv_kernels,
    inspect_layer,
    layer_config,
    weight_stats,
)

__all__ = [
    "conv_kernels",
    "diff_graphs",
    "diff_models",
    "format_shape",
    "inspect_layer",
    "layer_config",
    "model_graph",
    "select_input_layers",
    "weight_stats",
]
