"""Finding layers: by path (``"outer/inner"`` inside nested models), and by output rank.

``find_layer`` is the one lookup by path, used by the filter engine, the structure
inspector and the diff, so every entry point finds the same layer for the same path
and says the same thing when there is none. A Sequential model's InputLayer counts
as one of its layers (as in ``model_graph``). ``layers_with_output_rank`` lists the
layers whose output has maps (rank 4) or units (rank 2), for the feature-map and
Grad-CAM menus; ``has_softmax_output`` tells a layer that outputs probabilities.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras

__all__ = [
    "LayerNotFoundError",
    "find_layer",
    "has_softmax_output",
    "layers_with_output_rank",
    "output_rank",
]


class LayerNotFoundError(KeyError):
    """A layer path names no layer of the model (a ``KeyError``: a failed lookup).

    Its message reads plainly (``str(error)`` is not quoted as a ``KeyError``'s would be).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _children(layer: Any) -> list[Any]:
    if isinstance(layer, keras.Sequential):
        return list(layer._layers)  # Includes the InputLayer, as the graph does.
    return list(getattr(layer, "layers", []))


def find_layer(
    model: keras.Model,
    path: str,
    choices: Callable[[], Sequence[str]] | None = None,
) -> tuple[list[keras.Model], Any]:
    """Resolve a layer path to the chain of models leading to it and the layer itself.

    Args:
        model: the outer model.
        path: a layer name, or ``"outer/inner"`` for a layer of a nested model.
        choices: the names the error lists as expected (computed only on failure);
            default the layer names at the level where the lookup failed.

    Returns:
        ``(chain, layer)``: ``chain`` starts with ``model`` and holds every nested model
        on the way (the innermost last); ``layer`` may itself be a nested model.

    Raises:
        LayerNotFoundError: ``"layer 'conv9' is not in model 'lenet'; expected one of
            [...]"``, or a path whose middle part is not a nested model.
    """
    parts = str(path).split("/")
    chain = [model]
    current: Any = model
    for index, part in enumerate(parts):
        children = _children(current)
        found = [child for child in children if child.name == part]
        if not found:
            names = list(choices()) if choices is not None else [c.name for c in children]
            raise LayerNotFoundError(
                f"layer {path!r} is not in model {model.name!r}; expected one of {names}."
            )
        current = found[0]
        if index < len(parts) - 1:
            if not isinstance(current, keras.Model):
                raise LayerNotFoundError(f"layer {part!r} in {path!r} is not a nested model.")
            chain.append(current)
    return chain, current


def output_rank(layer: Any) -> int | None:
    """The rank of a layer's one symbolic output (4 for maps), or None when it has none.

    A shared or nested layer called more than once has no single output: None.
    """
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):
        return None


def has_softmax_output(layer: Any) -> bool:
    """Whether ``layer`` outputs probabilities: a ``Softmax`` layer, or one whose activation
    is softmax (a ``Dense`` or ``Activation``, but also a convolution with a fused softmax).

    The one test behind every "scores or probabilities?" choice; callers that treat some
    kinds differently (the filter search maximizes a fused convolution's channels as they
    are) narrow it by the layer's kind themselves.
    """
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", str(activation))
    return type(layer).__name__ == "Softmax" or name == "softmax"


def layers_with_output_rank(model: keras.Model, ranks: Sequence[int]) -> list[Any]:
    """The model's own layers (InputLayers left out) with an output rank in ``ranks``, in order."""
    return [
        layer
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer) and output_rank(layer) in ranks
    ]
