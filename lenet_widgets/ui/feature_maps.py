"""FeatureMapsPanel: a test digit, one layer's maps, the prediction, and why this class.

The top picture shows one layer's output for the digit: a grid of maps for
convolution, activation and pooling layers; labelled bars for Dense layers (the
class scores, or one bar per hidden unit). The buttons beside the digit slider
jump to the previous or next misclassified test digit.

The bottom picture ("why this class?") shows an attribution map of the digit,
saliency, SmoothGrad or Grad-CAM, for the predicted class and, when it differs,
the true one, on one shared colour scale. It is computed in a background thread:
the latest request wins and a stale result never replaces a newer picture.

Cut along its concerns: this module builds the controls and draws the maps;
``feature_maps_explain`` asks for and draws "why this class?";
``feature_maps_mistakes`` finds the misclassified digits.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
import traitlets

from lenet_widgets.core.activations import (
    FeatureMapProbe,
    default_map_layer,
    unit_count,
    unit_kind,
)
from lenet_widgets.core.attribution import METHODS, Attribution
from lenet_widgets.plotting.feature_maps import (
    draw_feature_maps,
    draw_unit_activations,
    update_feature_maps,
    update_unit_activations,
)
from lenet_widgets.text import plural
from lenet_widgets.ui.controls import fit_labels
from lenet_widgets.ui.feature_maps_explain import (
    CLASS_CHOICES,
    METHOD_LABELS,
    ExplanationView,
)
from lenet_widgets.ui.feature_maps_mistakes import MistakeFinder
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.panel import ModelPanel
from lenet_widgets.ui.status import status_html

__all__ = ["CLASS_CHOICES", "METHOD_LABELS", "FeatureMapsPanel"]


class FeatureMapsPanel(MistakeFinder, ExplanationView, ModelPanel):
    """A test digit, one layer's activations, the class probabilities, and why this class.

    Moving the digit slider updates the same figure in place; choosing another
    layer redraws it. "◀ misclassified" / "misclassified ▶" jump to the previous /
    next test digit the model gets wrong (predictions computed once per weights,
    in the background).

    Args:
        model: the Keras model to probe.
        images: test images, uint8 ``(N, H, W)`` or ``(N, H, W, C)``.
        labels: their true classes, shown in the title and used to find mistakes.
        background: compute attributions and predictions in a thread (``False``:
            before returning, e.g. scripts and tests).
        explain: show the "why this class?" picture at start.

    Public traits:
        model: the model probed; setting it redraws.
        active: whether the panel is on screen; off, nothing is drawn or computed
            until it is on again (the dashboard turns it on when its tab is chosen).
        index: the test image shown.
        layer: the layer whose maps are shown.
        method: the attribution method, one of ``core.attribution.METHODS``.
        explaining: whether the "why this class?" picture is shown and computed.
    """

    index = traitlets.Int(0)
    layer = traitlets.Unicode("")
    method = traitlets.Enum(METHODS, default_value="saliency")
    explaining = traitlets.Bool(True)

    def __init__(
        self,
        model,
        images: np.ndarray,
        labels: np.ndarray | None = None,
        *,
        background: bool = True,
        explain: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._images = np.asarray(images)
        self._labels = None if labels is None else np.asarray(labels).reshape(-1)
        if len(self._images) == 0:
            raise ValueError("images is empty; expected at least one test image.")
        if self._labels is not None and len(self._labels) != len(self._images):
            raise ValueError(
                f"labels have {len(self._labels)} entries; expected one per image "
                f"({len(self._images)})."
            )
        self._probe: FeatureMapProbe | None = None
        self._restoring = False
        self._artists = None
        self._artists_kind: str | None = None

        self._index = widgets.IntSlider(
            value=0,
            min=0,
            max=len(self._images) - 1,
            description="test digit",
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self._build_mistake_finder(background)
        self._layer = widgets.Dropdown(description="layer")
        self._view = FigureView(figsize=(9.0, 3.2), css_class="lenet-feature-maps")
        self._build_explanation(explain, background)
        self._jobs = (self._explain_job, self._wrong_job)

        widgets.link((self._index, "value"), (self, "index"))
        self._layer.observe(self._on_layer_chosen, names="value")

        def wrap():  # Narrow pages: the controls continue on a new line.
            return widgets.Layout(flex_flow="row wrap")

        self.children = [
            widgets.HBox(
                [self._index, self._previous_wrong, self._next_wrong, self._layer], layout=wrap()
            ),
            self._wrong_status,
            self._status,
            self._view.image,
            widgets.HBox(
                [self._explain, self._method, self._classes, self._cam_layer], layout=wrap()
            ),
            self._explain_box,
        ]
        fit_labels(self)
        self.model = model

    # ------------------------------------------------------------------ public

    @property
    def renders(self) -> int:
        """How many times the feature-map picture was rendered (tests count redraws)."""
        return self._view.renders

    @property
    def explain_renders(self) -> int:
        """How many times the "why this class?" picture was rendered."""
        return self._explain_view.renders

    @property
    def explanation(self) -> Attribution | None:
        """The attribution shown in the "why this class?" picture, if any."""
        return self._shown_explanation

    def refresh(self) -> None:
        """Recompute with the model's current weights (after training or loading).

        The "why this class?" picture of the old weights is hidden at once: it would
        otherwise sit beside the new weights' maps until its replacement arrives.
        """
        self._explain_cache.clear()
        self._mistakes = None
        self._shown_explanation = None
        self._explain_view.clear()
        self._draw_stale()

    def wait(self, timeout: float | None = 60.0) -> bool:
        """Block until background work (attribution, finding mistakes) is done; True if it is."""
        return super().wait(timeout)

    def check_model(self, model: Any) -> None:
        """Raise ``ValueError`` unless the panel can probe ``model``'s layers."""
        FeatureMapProbe(model)

    # ------------------------------------------------------------------ validation

    @traitlets.validate("index")
    def _valid_index(self, proposal) -> int:
        value = int(proposal["value"])
        if not 0 <= value < len(self._images):
            raise traitlets.TraitError(f"index is {value}; expected 0..{len(self._images) - 1}.")
        return value

    # ------------------------------------------------------------------ events

    def _show_model(self, model) -> None:
        self._probe = None
        self._explain_cache.clear()
        self._mistakes = None
        self._wrong_status.value = ""
        if model is None:
            return
        self._update_cam_layers(model)
        try:
            self._probe = FeatureMapProbe(model)
            self._update_class_choices(model)
        except ValueError as error:
            self._status.value = status_html(str(error), "error")
            return
        layers = self._probe.layers
        current = self.layer if self.layer in layers else default_map_layer(layers)
        self._layer.options = layers
        if self.layer == current:
            self._draw(rebuild=True)
        else:
            self.layer = current  # Draws through _on_layer_changed.
        self._request_explanation()

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
        self._show_wrong_position()
        self._request_explanation()

    @traitlets.observe("method", "explaining")
    def _on_explain_trait(self, change) -> None:
        self._on_explain_setting(change)

    def _on_explain_setting(self, change) -> None:
        self._cam_layer.disabled = self.method != "gradcam"
        self._explain_box.layout.display = None if self.explaining else "none"
        self._request_explanation()

    # ------------------------------------------------------------------ feature maps

    def _draw_stale(self) -> None:
        self._draw(rebuild=True)
        self._request_explanation()

    def _draw(self, rebuild: bool) -> None:
        if self._deferred() or self._probe is None or self.layer not in self._probe.layers:
            return
        image = self._images[self.index]
        try:
            result = self._probe(self.layer, image)
        except Exception as error:  # Shown in the panel; the panel stays usable.
            self._status.value = status_html(f"{type(error).__name__}: {error}", "error")
            return
        truth = "" if self._labels is None else f"label {int(self._labels[self.index])}, "
        label = f"{truth}predicted {result.predicted_class}"
        confidence = f"{result.probabilities.max():.0%}"
        kind = unit_kind(self._probe.model, self.layer)
        if kind is None:
            if rebuild or self._artists_kind != "maps":
                self._artists = draw_feature_maps(
                    self._view.figure, image, result.maps, result.probabilities, label
                )
            else:
                update_feature_maps(self._artists, image, result.maps, result.probabilities, label)
            self._artists_kind = "maps"
            height, width, channels = result.maps.shape
            shown = f"{plural(channels, 'map')} of {height}x{width}"
        else:
            units = unit_count(self._probe.model, self.layer)
            values = result.maps.reshape(-1)[:units]
            if rebuild or self._artists_kind != kind:
                self._artists = draw_unit_activations(
                    self._view.figure,
                    image,
                    values,
                    result.probabilities,
                    label,
                    layer=self.layer,
                    kind=kind,
                )
            else:
                update_unit_activations(self._artists, image, values, result.probabilities, label)
            self._artists_kind = kind
            shown = plural(units, "unit") if kind == "units" else f"{units} {kind}"
        self._status.value = status_html(f"{self.layer}: {shown}; {label} ({confidence})")
        self._view.refresh()
