"""Plain data describing a model's structure: nodes, groups, graphs, diffs, weight stats.

These frozen dataclasses hold no Keras objects and import no Keras, so the
plotting layer can draw them and tests can build them by hand.
``lenet_widgets.core.structure`` fills them from a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "FUNCTIONAL",
    "SEQUENTIAL",
    "SUBCLASSED",
    "Group",
    "LayerChange",
    "LayerInspection",
    "LayerNode",
    "ModelDiff",
    "ModelGraph",
    "WeightStats",
]

SEQUENTIAL = "Sequential"
FUNCTIONAL = "Functional"
SUBCLASSED = "Subclassed"


@dataclass(frozen=True)
class LayerNode:
    """One box of the picture: a layer (or a collapsed nested model).

    Attributes:
        id: unique path of the layer, e.g. ``"conv2d"`` or ``"block/dense"``.
        name: the layer's own name.
        class_name: the layer's class, e.g. ``"Conv2D"``.
        input_shape: Keras' text of the input shape(s), ``"?"`` when unknown.
        output_shape: Keras' text of the output shape(s), ``"?"`` when unknown.
        dtype: output dtype, ``None`` when unknown.
        activation: activation name for layers that have one, else ``None``.
        trainable: ``True``/``False`` for layers with weights, ``None`` without weights.
        params: number of parameters (weights) of the layer.
        trainable_params: how many of them are trainable.
        group: id of the expanded nested model holding this layer, ``None`` at top level.
        is_input: the layer is an ``InputLayer``.
    """

    id: str
    name: str
    class_name: str
    input_shape: str = "?"
    output_shape: str = "?"
    dtype: str | None = None
    activation: str | None = None
    trainable: bool | None = None
    params: int = 0
    trainable_params: int = 0
    group: str | None = None
    is_input: bool = False


@dataclass(frozen=True)
class Group:
    """An expanded nested model: a dashed frame around its layers.

    Attributes:
        id: path of the nested model (``"block"``, ``"outer/inner"``).
        name: the nested model's name.
        class_name: ``"Sequential"`` or ``"Functional"``.
        parent: id of the enclosing group, ``None`` at top level.
    """

    id: str
    name: str
    class_name: str
    parent: str | None = None


@dataclass(frozen=True)
class ModelGraph:
    """A model as boxes and arrows.

    Attributes:
        name: the model's name.
        kind: ``"Sequential"``, ``"Functional"`` or ``"Subclassed"``.
        nodes: the boxes, in model order.
        edges: ``(source id, target id)`` arrows.
        groups: expanded nested models.
        total_params: parameters of the whole model.
        trainable_params: trainable parameters of the whole model.
        note: what could not be shown (subclassed models), else ``""``.
    """

    name: str
    kind: str
    nodes: tuple[LayerNode, ...]
    edges: tuple[tuple[str, str], ...]
    groups: tuple[Group, ...] = ()
    total_params: int = 0
    trainable_params: int = 0
    note: str = ""

    @property
    def non_trainable_params(self) -> int:
        """Parameters that training does not change."""
        return self.total_params - self.trainable_params

    def node(self, node_id: str) -> LayerNode:
        """Return the node with this id (``KeyError`` naming the known ids otherwise)."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(f"no layer {node_id!r}; expected one of {[n.id for n in self.nodes]}")

    @property
    def layer_ids(self) -> tuple[str, ...]:
        """Ids of all boxes, in model order."""
        return tuple(node.id for node in self.nodes)


@dataclass(frozen=True)
class LayerChange:
    """How one layer differs between two models.

    Attributes:
        name: the layer's name in the first model.
        new_name: its name in the second model (the same unless it was renamed).
        class_change: ``(before, after)`` class names, ``None`` when equal.
        config_changes: config key -> ``(before, after)`` for keys whose values differ.
        input_shape_change: ``(before, after)`` or ``None``.
        output_shape_change: ``(before, after)`` or ``None``.
        params_delta: parameters after minus before.
    """

    name: str
    new_name: str
    class_change: tuple[str, str] | None = None
    config_changes: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    input_shape_change: tuple[str, str] | None = None
    output_shape_change: tuple[str, str] | None = None
    params_delta: int = 0

    @property
    def settings_changed(self) -> bool:
        """True when the layer itself was edited (class, config or name).

        False when only its shapes (and so its parameter count) changed because
        a layer above it changed: a Dense after a narrower convolution.
        """
        return bool(self.class_change or self.config_changes or self.new_name != self.name)

    def describe(self) -> str:
        """One line for people: ``conv2d: filters 20 -> 32; output (..) -> (..); +1,200 params``."""
        parts = []
        if self.new_name != self.name:
            parts.append(f"renamed to {self.new_name}")
        if self.class_change:
            parts.append(f"class {self.class_change[0]} -> {self.class_change[1]}")
        parts += [f"{key} {old!r} -> {new!r}" for key, (old, new) in self.config_changes.items()]
        if self.input_shape_change:
            parts.append(f"input {self.input_shape_change[0]} -> {self.input_shape_change[1]}")
        if self.output_shape_change:
            parts.append(f"output {self.output_shape_change[0]} -> {self.output_shape_change[1]}")
        if self.params_delta:
            parts.append(f"{self.params_delta:+,} params")
        return f"{self.name}: " + "; ".join(parts)


@dataclass(frozen=True)
class ModelDiff:
    """What changed from model ``a`` to model ``b``.

    Attributes:
        added: layer ids only in ``b``.
        removed: layer ids only in ``a``.
        changed: layers in both that differ.
        connections_added: arrows only in ``b`` (by layer id).
        connections_removed: arrows only in ``a``.
        params_before: total parameters of ``a``.
        params_after: total parameters of ``b``.
    """

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[LayerChange, ...]
    connections_added: tuple[tuple[str, str], ...] = ()
    connections_removed: tuple[tuple[str, str], ...] = ()
    params_before: int = 0
    params_after: int = 0

    @property
    def is_empty(self) -> bool:
        """True when both models have the same layers, configs, shapes and arrows."""
        return not (
            self.added
            or self.removed
            or self.changed
            or self.connections_added
            or self.connections_removed
        )

    @property
    def changed_names(self) -> tuple[str, ...]:
        """Names (in ``a``) of the changed layers."""
        return tuple(change.name for change in self.changed)

    @property
    def edited(self) -> tuple[LayerChange, ...]:
        """Changed layers whose own settings changed (class, config, name): the real edits."""
        return tuple(change for change in self.changed if change.settings_changed)

    @property
    def reshaped(self) -> tuple[LayerChange, ...]:
        """Changed layers with the same settings whose shapes changed because of a layer above."""
        return tuple(change for change in self.changed if not change.settings_changed)

    def highlights(self) -> dict[str, list[str]]:
        """The layer names a side-by-side drawing marks, by how they changed.

        Returns:
            ``removed``/``added`` (ids only in ``a``/``b``), ``changed_a``/``changed_b``
            (real edits, named in ``a`` and in ``b``), ``reshaped_a``/``reshaped_b`` (new
            shapes only): the keyword arguments of ``plotting.structure.draw_model_diff``.
        """
        return {
            "removed": list(self.removed),
            "added": list(self.added),
            "changed_a": [change.name for change in self.edited],
            "changed_b": [change.new_name for change in self.edited],
            "reshaped_a": [change.name for change in self.reshaped],
            "reshaped_b": [change.new_name for change in self.reshaped],
        }

    def describe(self) -> str:
        """A few lines for people: the real edits first, then the layers only reshaped."""
        if self.is_empty:
            return "The two models have the same structure."
        lines = [f"added: {name}" for name in self.added]
        lines += [f"removed: {name}" for name in self.removed]
        lines += [f"changed: {change.describe()}" for change in self.edited]
        if self.reshaped:
            names = ", ".join(
                change.name + (f" ({change.params_delta:+,} params)" if change.params_delta else "")
                for change in self.reshaped
            )
            lines.append(f"new shapes only, because a layer above changed: {names}")
        lines.append(
            f"parameters: {self.params_before:,} -> {self.params_after:,} "
            f"({self.params_after - self.params_before:+,})"
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class WeightStats:
    """Statistics of one weight tensor.

    Attributes:
        name: the variable's path, e.g. ``"conv2d/kernel"``.
        shape: its shape.
        minimum, maximum, mean, std: over all its values.
        counts: histogram counts.
        edges: histogram bin edges (``len(counts) + 1`` values).
        trainable: whether training changes it.
    """

    name: str
    shape: tuple[int, ...]
    minimum: float
    maximum: float
    mean: float
    std: float
    counts: np.ndarray
    edges: np.ndarray
    trainable: bool = True


@dataclass(frozen=True)
class LayerInspection:
    """Everything the inspector shows for one layer.

    Attributes:
        id: the layer's path in the model.
        class_name: its class.
        config: its ``get_config()``.
        params: its parameter count.
        weights: statistics per weight tensor.
        kernels: for Conv2D, the kernels of ``input_channel`` as ``(filters, height, width)``.
        input_shape, output_shape: Keras' shape texts.
    """

    id: str
    class_name: str
    config: Mapping[str, Any]
    params: int
    weights: tuple[WeightStats, ...]
    kernels: np.ndarray | None = None
    input_shape: str = "?"
    output_shape: str = "?"
