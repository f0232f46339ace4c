"""What changed between two models: layers added, removed and changed, connections, parameters.

Layers are matched by id, then the unmatched ones by class in model order (so
auto-named variants still pair up); ``diff_graphs`` works on two ``ModelGraph``s,
``diff_models`` on two Keras models.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import keras

from lenet_widgets.core.graph import LayerChange, ModelDiff, ModelGraph
from lenet_widgets.core.structure_graph import model_graph, select_input_layers
from lenet_widgets.core.structure_inspection import _layer_at, layer_config

__all__ = ["diff_graphs", "diff_models"]


def _layer_configs(model: keras.Model, graph: ModelGraph) -> dict[str, dict[str, Any]]:
    configs: dict[str, dict[str, Any]] = {}
    for node in graph.nodes:
        config = layer_config(_layer_at(model, node.id))
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
