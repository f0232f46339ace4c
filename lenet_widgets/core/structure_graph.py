"""A model's boxes and arrows as plain data: ``model_graph`` and ``select_input_layers``.

``model_graph`` turns a Keras model into a ``ModelGraph`` made of frozen
dataclasses (``core.graph``; no Keras objects inside), so the renderers, the diff
and the tests work on simple values. It follows Keras' public model API the way
``keras.utils.plot_model`` does: Sequential layers in order, Functional
operations and their inbound nodes, nested models as groups (expanded) or
single boxes (collapsed). A subclassed model is one box: Keras cannot see how
its ``call()`` connects its layers; ``ModelGraph.note`` says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import keras
import numpy as np

from lenet_widgets.core.graph import (
    FUNCTIONAL,
    SEQUENTIAL,
    SUBCLASSED,
    Group,
    LayerNode,
    ModelGraph,
)

__all__ = ["format_shape", "model_graph", "select_input_layers"]


def format_shape(shape: Any) -> str:
    """Keras' text for a shape structure: ``(None, 28, 28, 1)``; ``"?"`` for None."""
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        text = ", ".join(f"{key}: {value}" for key, value in shape.items())
    else:
        text = f"{shape}"
    return text.replace("}", "").replace("{", "")


def _tensor_structure(layer: Any, attribute: str, what: str) -> Any:
    try:
        tensors = getattr(layer, attribute)
        return keras.tree.map_structure(lambda tensor: getattr(tensor, what), tensors)
    except (ValueError, AttributeError, TypeError, IndexError):
        return None


def _activation_name(layer: Any) -> str | None:
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    if hasattr(activation, "name"):
        return str(activation.name)
    if hasattr(activation, "__name__"):
        return str(activation.__name__)
    return str(activation)


def _count(variables: Iterable[Any]) -> int:
    return int(sum(int(np.prod(variable.shape)) for variable in variables))


def _is_model(layer: Any) -> bool:
    return isinstance(layer, keras.Model)


def _kind(model: Any) -> str:
    if isinstance(model, keras.Sequential):
        return SEQUENTIAL
    if _is_model(model) and hasattr(model, "_operations") and hasattr(model, "_nodes"):
        return FUNCTIONAL
    return SUBCLASSED


def _make_node(layer: Any, node_id: str, group: str | None) -> LayerNode:
    class_name = type(layer).__name__
    dtype = _tensor_structure(layer, "output", "dtype")
    weights = list(getattr(layer, "weights", []))
    return LayerNode(
        id=node_id,
        name=str(layer.name),
        class_name=class_name,
        input_shape=format_shape(_tensor_structure(layer, "input", "shape")),
        output_shape=format_shape(_tensor_structure(layer, "output", "shape")),
        dtype=None if dtype is None else format_shape(dtype),
        activation=_activation_name(layer),
        trainable=bool(layer.trainable) if weights else None,
        params=_count(weights),
        trainable_params=_count(getattr(layer, "trainable_weights", [])),
        group=group,
        is_input=class_name == "InputLayer",
    )


@dataclass
class _Builder:
    expand_nested: bool
    nodes: list[LayerNode] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    def connect(self, source: str, target: str) -> None:
        if (source, target) not in self.edges:
            self.edges.append((source, target))

    def add(self, layer: Any, prefix: str, group: str | None) -> tuple[list[str], list[str]]:
        """Add a layer; return the ids that receive each input and give each output."""
        node_id = prefix + layer.name
        if self.expand_nested and _kind(layer) in (SEQUENTIAL, FUNCTIONAL):
            self.groups.append(Group(node_id, layer.name, _kind(layer), group))
            return self.add_model(layer, node_id + "/", node_id)
        self.nodes.append(_make_node(layer, node_id, group))
        return [node_id], [node_id]

    def add_model(self, model: Any, prefix: str, group: str | None) -> tuple[list[str], list[str]]:
        if _kind(model) == SEQUENTIAL:
            return self._add_sequential(model, prefix, group)
        return self._add_functional(model, prefix, group)

    def _add_sequential(self, model: Any, prefix: str, group: str | None):
        entries: list[str] = []
        previous: list[str] = []
        for layer in model._layers:
            layer_entries, layer_exits = self.add(layer, prefix, group)
            if previous:
                self.connect(previous[0], layer_entries[0])
            else:
                entries = layer_entries[:1]
            previous = layer_exits
        return entries, previous[:1]

    def _add_functional(self, model: Any, prefix: str, group: str | None):
        from keras.src.ops.function import make_node_key  # How plot_model filters nodes.

        ports: dict[int, tuple[list[str], list[str]]] = {}
        for operation in model._operations:
            ports[id(operation)] = self.add(operation, prefix, group)
        for operation in model._operations:
            targets = ports[id(operation)][0]
            for node_index, inbound in enumerate(operation._inbound_nodes):
                if make_node_key(operation, node_index) not in model._nodes:
                    continue
                for input_index, tensor in enumerate(inbound.input_tensors):
                    source, _, tensor_index = tensor._keras_history
                    if source is None or id(source) not in ports:
                        continue
                    exits = ports[id(source)][1]
                    source_id = exits[min(tensor_index, len(exits) - 1)]
                    target_id = targets[min(input_index, len(targets) - 1)]
                    self.connect(source_id, target_id)
        entries = []
        for tensor in model.inputs:
            operation = tensor._keras_history.operation
            entries.append(ports[id(operation)][0][0])
        exits = []
        for tensor in model.outputs:
            operation, _, tensor_index = tensor._keras_history
            operation_exits = ports[id(operation)][1]
            exits.append(operation_exits[min(tensor_index, len(operation_exits) - 1)])
        return entries, exits


def model_graph(model: keras.Model, *, expand_nested: bool = False) -> ModelGraph:
    """Extract a model's boxes and arrows (InputLayers included; see ``select_input_layers``).

    Args:
        model: a built Keras model (Sequential, Functional or subclassed).
        expand_nested: draw the layers of nested models inside a frame instead of
            one box per nested model.

    Returns:
        A ``ModelGraph``; for a subclassed model one box and an explaining ``note``.

    Raises:
        ValueError: the model is not built yet.
    """
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"model is a {type(model).__name__}; expected a Keras model.")
    if not model.built:
        raise ValueError(
            f"model {model.name!r} is not built yet; expected a built model: call "
            "model.build(input_shape) or call it on a batch first."
        )
    kind = _kind(model)
    builder = _Builder(expand_nested)
    note = ""
    if kind == SUBCLASSED:
        builder.nodes.append(_make_node(model, model.name, None))
        inner = ", ".join(f"{layer.name} ({type(layer).__name__})" for layer in model.layers)
        note = (
            f"{model.name} is a subclassed model: Keras cannot see how its call() connects "
            f"its layers, so it is shown as one box. Its layers: {inner or 'none tracked'}."
        )
    else:
        builder.add_model(model, "", None)
    return ModelGraph(
        name=str(model.name),
        kind=kind,
        nodes=tuple(builder.nodes),
        edges=tuple(builder.edges),
        groups=tuple(builder.groups),
        total_params=_count(model.weights),
        trainable_params=_count(model.trainable_weights),
        note=note,
    )


def select_input_layers(graph: ModelGraph, show: bool | None = None) -> ModelGraph:
    """Keep or drop the InputLayer boxes.

    Args:
        graph: a graph from ``model_graph`` (it holds every InputLayer).
        show: ``True`` draws every input box (the book's figures), ``False`` none,
            ``None`` does what Keras 3 does: input boxes of Functional models only.

    Returns:
        The graph with the chosen input boxes; arrows are rerouted around removed ones.
    """
    if show is True:
        return graph
    group_kinds = {group.id: group.class_name for group in graph.groups}

    def drop(node: LayerNode) -> bool:
        if not node.is_input:
            return False
        if show is False:
            return True
        owner = graph.kind if node.group is None else group_kinds.get(node.group)
        return owner == SEQUENTIAL

    removed = {node.id for node in graph.nodes if drop(node)}
    if not removed:
        return graph
    edges = list(graph.edges)
    for node_id in removed:
        sources = [s for s, t in edges if t == node_id]
        targets = [t for s, t in edges if s == node_id]
        edges = [(s, t) for s, t in edges if node_id not in (s, t)]
        for source in sources:
            for target in targets:
                if (source, target) not in edges:
                    edges.append((source, target))
    nodes = tuple(node for node in graph.nodes if node.id not in removed)
    return replace(graph, nodes=nodes, edges=tuple(edges))
