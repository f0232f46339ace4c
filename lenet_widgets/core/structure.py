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
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import keras
import numpy as np

from lenet_widgets.core.graph import (
    FUNCTIONAL,
    SEQUENTIAL,
    SUBCLASSED,
    Group,
    LayerChange,
    LayerInspection,
    LayerNode,
    ModelDiff,
    ModelGraph,
    WeightStats,
)

__all__ = [
    "Group",
    "LayerChange",
    "LayerInspection",
    "LayerNode",
    "ModelDiff",
    "ModelGraph",
    "WeightStats",
    "conv_kernels",
    "diff_graphs",
    "diff_models",
    "format_shape",
    "inspect_layer",
    "model_graph",
    "select_input_layers",
    "weight_stats",
]

# ----------------------------------------------------------------------------- extraction


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


# ----------------------------------------------------------------------------- diff


def _layer_configs(model: keras.Model, graph: ModelGraph) -> dict[str, dict[str, Any]]:
    configs: dict[str, dict[str, Any]] = {}
    for node in graph.nodes:
        layer = _find_layer(model, node.id)
        try:
            config = dict(layer.get_config())
        except (NotImplementedError, TypeError, AttributeError):
            config = {}
        config.pop("name", None)
        configs[node.id] = config
    return configs


def _changed_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple]:
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if isinstance(old, list):
            old = tuple(old)
        if isinstance(new, list):
            new = tuple(new)
        if old != new:
            changes[key] = (old, new)
    return changes


def diff_graphs(
    graph_a: ModelGraph,
    graph_b: ModelGraph,
    configs_a: Mapping[str, Mapping[str, Any]] | None = None,
    configs_b: Mapping[str, Mapping[str, Any]] | None = None,
) -> ModelDiff:
    """Compare two graphs; layers are matched by id, then unmatched ones by class in order.

    Args:
        graph_a: the "before" graph.
        graph_b: the "after" graph.
        configs_a: layer id -> config (without ``name``) of ``a``; optional.
        configs_b: the same for ``b``.

    Returns:
        A ``ModelDiff``.
    """
    configs_a = configs_a or {}
    configs_b = configs_b or {}
    ids_a, ids_b = graph_a.layer_ids, graph_b.layer_ids
    pairs = {node_id: node_id for node_id in ids_a if node_id in set(ids_b)}
    # Unmatched layers (auto-named variants): pair them by class, in model order.
    rest_a = [i for i in ids_a if i not in pairs]
    rest_b = [i for i in ids_b if i not in set(pairs.values())]
    classes_a = [graph_a.node(i).class_name for i in rest_a]
    classes_b = [graph_b.node(i).class_name for i in rest_b]
    matcher = difflib.SequenceMatcher(a=classes_a, b=classes_b, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            pairs[rest_a[block.a + offset]] = rest_b[block.b + offset]
    changes = []
    for node_id in ids_a:
        if node_id not in pairs:
            continue
        before, after = graph_a.node(node_id), graph_b.node(pairs[node_id])
        change = LayerChange(
            name=before.id,
            new_name=after.id,
            class_change=(
                (before.class_name, after.class_name)
                if before.class_name != after.class_name
                else None
            ),
            config_changes=_changed_keys(configs_a.get(before.id, {}), configs_b.get(after.id, {})),
            input_shape_change=(
                (before.input_shape, after.input_shape)
                if before.input_shape != after.input_shape
                else None
            ),
            output_shape_change=(
                (before.output_shape, after.output_shape)
                if before.output_shape != after.output_shape
                else None
            ),
            params_delta=after.params - before.params,
        )
        if (
            change.new_name != change.name
            or change.class_change
            or change.config_changes
            or change.input_shape_change
            or change.output_shape_change
            or change.params_delta
        ):
            changes.append(change)
    renamed = {new: old for old, new in pairs.items()}
    edges_a = set(graph_a.edges)
    edges_b = {(renamed.get(s, s), renamed.get(t, t)) for s, t in graph_b.edges}
    return ModelDiff(
        added=tuple(i for i in ids_b if i not in renamed),
        removed=tuple(i for i in ids_a if i not in pairs),
        changed=tuple(changes),
        connections_added=tuple(e for e in _ordered(graph_b.edges, renamed) if e not in edges_a),
        connections_removed=tuple(e for e in graph_a.edges if e not in edges_b),
        params_before=graph_a.total_params,
        params_after=graph_b.total_params,
    )


def _ordered(edges: Iterable[tuple[str, str]], renamed: Mapping[str, str]):
    return [(renamed.get(s, s), renamed.get(t, t)) for s, t in edges]


def diff_models(
    model_a: keras.Model, model_b: keras.Model, *, expand_nested: bool = False
) -> ModelDiff:
    """Layers added, removed and changed (class, config, shapes, parameters) from a to b.

    Layers are matched by name; layers whose names appear in only one model are
    then paired by class in model order (so auto-named variants still match).
    """
    graph_a = select_input_layers(model_graph(model_a, expand_nested=expand_nested), False)
    graph_b = select_input_layers(model_graph(model_b, expand_nested=expand_nested), False)
    return diff_graphs(
        graph_a,
        graph_b,
        _layer_configs(model_a, graph_a),
        _layer_configs(model_b, graph_b),
    )


# ----------------------------------------------------------------------------- inspection


def weight_stats(
    name: str, values: np.ndarray, *, bins: int = 30, trainable: bool = True
) -> WeightStats:
    """Min, max, mean, std and a histogram of one array of weights."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        empty = np.zeros(0)
        return WeightStats(name, tuple(array.shape), 0.0, 0.0, 0.0, 0.0, empty, empty, trainable)
    counts, edges = np.histogram(array, bins=int(bins))
    return WeightStats(
        name=name,
        shape=tuple(int(size) for size in array.shape),
        minimum=float(array.min()),
        maximum=float(array.max()),
        mean=float(array.mean()),
        std=float(array.std()),
        counts=counts,
        edges=edges,
        trainable=trainable,
    )


def conv_kernels(kernel: np.ndarray, input_channel: int = 0) -> np.ndarray:
    """A Conv2D kernel ``(height, width, in, out)`` as ``out`` small images of one input channel.

    Raises:
        ValueError: the kernel is not 4-D or the channel does not exist.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(f"kernel has shape {kernel.shape}; expected (height, width, in, out).")
    channels = kernel.shape[2]
    if not 0 <= int(input_channel) < channels:
        raise ValueError(f"input_channel is {input_channel!r}; expected 0..{channels - 1}.")
    return np.transpose(kernel[:, :, int(input_channel), :], (2, 0, 1))


def _find_layer(model: keras.Model, layer_id: str) -> Any:
    layer = model
    parts = layer_id.split("/")
    if _kind(model) == SUBCLASSED and parts == [model.name]:
        return model
    for part in parts:
        if isinstance(layer, keras.Sequential):
            candidates = layer._layers  # Includes the InputLayer, as the graph does.
        else:
            candidates = getattr(layer, "layers", [])
        found = [child for child in candidates if child.name == part]
        if not found:
            names = [child.name for child in candidates]
            raise KeyError(
                f"no layer {layer_id!r} in model {model.name!r}; expected one of {names}"
            )
        layer = found[0]
    return layer


def inspect_layer(
    model: keras.Model, layer_id: str, *, bins: int = 30, input_channel: int = 0
) -> LayerInspection:
    """Config, parameter count and weight statistics of one layer (``"block/dense"`` for nested).

    Raises:
        KeyError: no such layer; the message lists the layer names.
    """
    layer = _find_layer(model, layer_id)
    try:
        config = dict(layer.get_config())
    except (NotImplementedError, TypeError, AttributeError):
        config = {}
    trainable_ids = {id(variable) for variable in layer.trainable_weights}
    stats = tuple(
        weight_stats(
            variable.path,
            keras.ops.convert_to_numpy(variable),
            bins=bins,
            trainable=id(variable) in trainable_ids,
        )
        for variable in layer.weights
    )
    kernels = None
    kernel = getattr(layer, "kernel", None)
    if isinstance(layer, keras.layers.Conv2D) and kernel is not None:
        kernels = conv_kernels(keras.ops.convert_to_numpy(kernel), input_channel)
    node = _make_node(layer, layer_id, None)
    return LayerInspection(
        id=layer_id,
        class_name=type(layer).__name__,
        config=config,
        params=node.params,
        weights=stats,
        kernels=kernels,
        input_shape=node.input_shape,
        output_shape=node.output_shape,
    )
