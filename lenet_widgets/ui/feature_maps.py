"""FeatureMapsPanel: pick a test digit and a layer, see that layer's maps and the prediction."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import traitlets

from lenet_widgets.core.activations import FeatureMapProbe
from lenet_widgets.plotting.feature_maps import draw_feature_maps, update_feature_maps
from lenet_widgets.text import plural
from lenet_widgets.ui.controls import fit_labels
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.status import status_html

__all__ = ["FeatureMapsPanel"]


class FeatureMapsPanel(widgets.VBox):
    """A test digit, one layer's activations as a grid, and the class probabilities.

    Moving the digit slider updates the same figure in place; choosing another
    layer redraws its grid.

    Args:
        model: the Keras model to probe.
        images: test images, uint8 ``(N, H, W)``.
        labels: their true classes, shown in the title.

    Public traits:
        model: the model probed; setting it redraws.
        index: the test image shown.
        layer: the layer whose maps are shown.
    """

    model = traitlets.Any(allow_none=True)
    index = traitlets.Int(0)
    layer = traitlets.Unicode("")

    def __init__(
        self, model, images: np.ndarray, labels: np.ndarray | None = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self._images = np.asarray(images)
        self._labels = None if labels is None else np.asarray(labels)
        if len(self._images) == 0:
            raise ValueError("images is empty; expected at least one test image.")
        self._probe: FeatureMapProbe | None = None
        self._restoring = False
        self._artists = None
        self._index = widgets.IntSlider(
            value=0,
            min=0,
            max=len(self._images) - 1,
            description="test digit",
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self._layer = widgets.Dropdown(description="layer")
        self._status = widgets.HTML()
        self._view = FigureView(figsize=(9.0, 3.2), css_class="lenet-feature-maps")
        widgets.link((self._index, "value"), (self, "index"))
        self._layer.observe(self._on_layer_chosen, names="value")
        self.children = [widgets.HBox([self._index, self._layer]), self._status, self._view.image]
        fit_labels(self)
        self.model = model

    @property
    def renders(self) -> int:
        """How many times the picture was rendered (tests count redraws)."""
        return self._view.renders

    def refresh(self) -> None:
        """Recompute with the model's current weights (after training or loading)."""
        self._draw(rebuild=True)

    @traitlets.validate("index")
    def _valid_index(self, proposal) -> int:
        value = int(proposal["value"])
        if not 0 <= value < len(self._images):
            raise traitlets.TraitError(f"index is {value}; expected 0..{len(self._images) - 1}.")
        return value

    @traitlets.validate("model")
    def _valid_model(self, proposal):
        model = proposal["value"]
        if model is not None:
            try:
                FeatureMapProbe(model)
            except ValueError as error:  # The current model stays; the message says why.
                raise traitlets.TraitError(str(error)) from None
        return model

    @traitlets.observe("model")
    def _on_model_changed(self, change) -> None:
        model = change["new"]
        self._probe = None
        if model is None:
            return
        try:
            self._probe = FeatureMapProbe(model)
        except ValueError as error:
            self._status.value = status_html(str(error), "error")
            return
        layers = self._probe.layers
        current = self.layer if self.layer in layers else _default_layer(layers)
        self._layer.options = layers
        if self.layer == current:
            self._draw(rebuild=True)
        else:
            self.layer = current  # Draws through _on_layer_changed.

    def _on_layer_chosen(self, change) -> None:
        if change["new"] is not None:
            self.layer = change["new"]

    @traitlets.observe("layer")
    def _on_layer_changed(self, change) -> None:
        if self._restoring:
            return
        if self._probe is None or change["new"] not in self._probe.layers:
            self._status.value = status_html(
                f"layer {change['new']!r} has no maps; choose one of the list.", "error"
            )
            if self._probe is not None and change["old"] in self._probe.layers:
                self._restoring = True  # Keep showing the previous layer, without a redraw.
                try:
                    self.layer = change["old"]
                finally:
                    self._restoring = False
            return
        if self._layer.value != change["new"]:
            self._layer.value = change["new"]
        self._draw(rebuild=True)

    @traitlets.observe("index")
    def _on_index_changed(self, change) -> None:
        self._draw(rebuild=False)

    def _draw(self, rebuild: bool) -> None:
        if self._probe is None or self.layer not in self._probe.layers:
            return
        image = self._images[self.index]
        try:
            result = self._probe(self.layer, image)
        except Exception as error:  # Shown in the panel; the panel stays usable.
            self._status.value = status_html(f"{type(error).__name__}: {error}", "error")
            return
        truth = "" if self._labels is None else f"label {int(self._labels[self.index])}, "
        label = f"{truth}predicted {result.predicted_class}"
        if rebuild or self._artists is None:
            self._artists = draw_feature_maps(
                self._view.figure, image, result.maps, result.probabilities, label
            )
        else:
            update_feature_maps(self._artists, image, result.maps, result.probabilities, label)
        height, width, channels = result.maps.shape
        confidence = f"{result.probabilities.max():.0%}"
        self._status.value = status_html(
            f"{self.layer}: {plural(channels, 'map')} of {height}x{width}; {label} ({confidence})"
        )
        self._view.refresh()


def _default_layer(layers: list[str]) -> str:
    """The first convolution's activation if present, else the first layer."""
    for preferred in ("activation", "conv2d"):
        if preferred in layers:
            return preferred
    return layers[0] if layers else ""
