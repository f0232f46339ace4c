"""FeatureMapsPanel: a test digit, one layer's maps, the prediction, and why this class.

The top picture shows one layer's output for the digit: a grid of maps for
convolution, activation and pooling layers; labelled bars for Dense layers (the
class scores, or one bar per hidden unit). The buttons beside the digit slider
jump to the previous or next misclassified test digit.

The bottom picture ("why this class?") shows an attribution map of the digit,
saliency, SmoothGrad or Grad-CAM, for the predicted class and, when it differs,
the true one, on one shared colour scale. It is computed in a background thread:
the latest request wins and a stale result never replaces a newer picture.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import ipywidgets as widgets
import keras
import numpy as np
import traitlets

from lenet_widgets.attribution import draw_explanation
from lenet_widgets.core.activations import FeatureMapProbe
from lenet_widgets.core.attribution import (
    METHODS,
    Attribution,
    cam_layers,
    explain,
    predict_classes,
)
from lenet_widgets.core.model import weights_fingerprint
from lenet_widgets.plotting.feature_maps import (
    draw_feature_maps,
    draw_unit_activations,
    update_feature_maps,
    update_unit_activations,
)
from lenet_widgets.text import plural
from lenet_widgets.ui.cache import RecentCache
from lenet_widgets.ui.controls import fit_labels
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.status import status_html

__all__ = ["CLASS_CHOICES", "METHOD_LABELS", "FeatureMapsPanel"]

METHOD_LABELS = {"saliency": "saliency", "smoothgrad": "SmoothGrad", "gradcam": "Grad-CAM"}
"""What the method menu shows for each ``core.attribution.METHODS`` name."""

PREDICTED_AND_TRUE = -1
ALL_CLASSES = -2
CLASS_CHOICES = {PREDICTED_AND_TRUE: "predicted (and true)", ALL_CLASSES: "all classes"}
"""The class menu's first entries; the classes themselves follow."""

CACHE_SIZE = 64
CHUNK = 500
"""Test digits predicted at once while looking for the next misclassified one."""
SETTLE_SECONDS = 0.03
"""The attribution worker waits this long before taking the newest request."""


class FeatureMapsPanel(widgets.VBox):
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
        index: the test image shown.
        layer: the layer whose maps are shown.
        method: the attribution method, one of ``core.attribution.METHODS``.
        explaining: whether the "why this class?" picture is shown and computed.
    """

    model = traitlets.Any(allow_none=True)
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
        self._background = bool(background)
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
        self._previous_wrong = widgets.Button(
            description="◀ misclassified",
            tooltip="the previous test digit the model gets wrong",
            layout=widgets.Layout(width="auto"),
        )
        self._next_wrong = widgets.Button(
            description="misclassified ▶",
            tooltip="the next test digit the model gets wrong",
            layout=widgets.Layout(width="auto"),
        )
        self._wrong_status = widgets.HTML()
        self._layer = widgets.Dropdown(description="layer")
        self._status = widgets.HTML()
        self._view = FigureView(figsize=(9.0, 3.2), css_class="lenet-feature-maps")

        self._explain = widgets.Checkbox(
            value=bool(explain),
            description="why this class?",
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        self._method = widgets.Dropdown(
            options=[(METHOD_LABELS[name], name) for name in METHODS],
            value="saliency",
            description="method",
            tooltip="saliency: |gradient| of the class score per pixel; SmoothGrad: the same "
            "averaged over noisy copies; Grad-CAM: which regions of a convolution layer count",
            layout=widgets.Layout(width="auto"),
        )
        self._classes = widgets.Dropdown(
            options=[(text, value) for value, text in CLASS_CHOICES.items()],
            value=PREDICTED_AND_TRUE,
            description="classes",
            layout=widgets.Layout(width="auto"),
        )
        self._cam_layer = widgets.Dropdown(
            description="Grad-CAM layer", disabled=True, layout=widgets.Layout(width="auto")
        )
        self._explain_status = widgets.HTML()
        self._explain_view = FigureView(figsize=(5.35, 2.6), css_class="lenet-attribution")

        self._explain_cache = RecentCache(CACHE_SIZE)
        self._explain_request = 0
        self._explain_lock = threading.Lock()
        self._explain_pending: tuple | None = None
        self._explain_worker: threading.Thread | None = None
        self._explain_draw_lock = threading.Lock()
        self.explain_calls = 0
        self._shown_explanation: Attribution | None = None
        self._mistakes: _Mistakes | None = None
        self._wrong_thread: threading.Thread | None = None
        self._wrong_request = 0

        self._explain_box = widgets.VBox([self._explain_status, self._explain_view.image])
        widgets.link((self._index, "value"), (self, "index"))
        widgets.link((self._method, "value"), (self, "method"))
        widgets.link((self._explain, "value"), (self, "explaining"))
        self._layer.observe(self._on_layer_chosen, names="value")
        self._classes.observe(self._on_explain_setting, names="value")
        self._cam_layer.observe(self._on_explain_setting, names="value")
        self._previous_wrong.on_click(lambda _: self.step_misclassified(-1))
        self._next_wrong.on_click(lambda _: self.step_misclassified(+1))
        if self._labels is None:
            for button in (self._previous_wrong, self._next_wrong):
                button.disabled = True
                button.tooltip = "no labels were given: mistakes cannot be found"

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
        """Recompute with the model's current weights (after training or loading)."""
        self._explain_cache.clear()
        self._mistakes = None
        self._draw(rebuild=True)
        self._request_explanation()

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until background work (attribution, finding mistakes) is done; True if it is."""
        deadline = time.monotonic() + timeout
        while True:
            with self._explain_lock:
                worker = self._explain_worker
            threads = [thread for thread in (worker, self._wrong_thread) if thread is not None]
            if not any(thread.is_alive() for thread in threads):
                return True
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                return not any(thread.is_alive() for thread in threads)

    def step_misclassified(self, direction: int) -> None:
        """Show the next (``+1``) or previous (``-1``) test digit the model gets wrong."""
        if self._labels is None:
            self._wrong_status.value = status_html(
                "no labels were given: misclassified digits cannot be found.", "error"
            )
            return
        model = self.model
        if model is None:
            return
        try:
            fingerprint = weights_fingerprint(model)
        except Exception as error:
            self._wrong_status.value = status_html(f"{type(error).__name__}: {error}", "error")
            return
        if self._mistakes is None or self._mistakes.fingerprint != fingerprint:
            self._mistakes = _Mistakes(fingerprint, self._labels)
        mistakes = self._mistakes
        self._wrong_request += 1
        request = self._wrong_request
        found = mistakes.search(self.index, direction)
        if found is not None:  # Known without computing anything.
            self._jump(found)
            return
        self._wrong_status.value = status_html("looking for the next misclassified digit…")
        if self._background:
            thread = threading.Thread(
                target=self._find_wrong, args=(request, model, mistakes, direction), daemon=True
            )
            self._wrong_thread = thread
            thread.start()
        else:
            self._find_wrong(request, model, mistakes, direction)

    # ------------------------------------------------------------------ validation

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

    # ------------------------------------------------------------------ events

    @traitlets.observe("model")
    def _on_model_changed(self, change) -> None:
        model = change["new"]
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
        current = self.layer if self.layer in layers else _default_layer(layers)
        self._layer.options = layers
        if self.layer == current:
            self._draw(rebuild=True)
        else:
            self.layer = current  # Draws through _on_layer_changed.
        self._request_explanation()

    def _update_class_choices(self, model) -> None:
        count = int(model.outputs[0].shape[-1])
        options = [(text, value) for value, text in CLASS_CHOICES.items()]
        options += [(f"class {number}", number) for number in range(count)]
        if list(self._classes.options) != options:
            current = self._classes.value
            self._classes.options = options
            valid = [value for _, value in options]
            self._classes.value = current if current in valid else PREDICTED_AND_TRUE

    def _update_cam_layers(self, model) -> None:
        try:
            names = cam_layers(model)
        except Exception:  # NaN weights, odd models: Grad-CAM then says why when chosen.
            names = []
        current = self._cam_layer.value
        self._cam_layer.options = names
        if current in names:
            self._cam_layer.value = current
        elif names:
            self._cam_layer.value = names[0]

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
        confidence = f"{result.probabilities.max():.0%}"
        kind = _unit_kind(self._probe.model, self.layer)
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
            units = _unit_count(self._probe.model, self.layer)
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

    # ------------------------------------------------------------------ misclassified

    def _find_wrong(self, request: int, model, mistakes: _Mistakes, direction: int) -> None:
        """Predict chunk after chunk, from the shown digit on, until a mistake is found."""
        start = self.index
        try:
            while True:
                found = mistakes.search(start, direction)
                if found is not None:
                    break
                if request != self._wrong_request or model is not self.model:
                    return  # Superseded: another click, or another model.
                chunk = mistakes.next_unknown_chunk(start, direction)
                mistakes.predicted[chunk] = predict_classes(model, self._images[chunk])
        except Exception as error:
            if request == self._wrong_request:
                self._wrong_status.value = status_html(f"{type(error).__name__}: {error}", "error")
            return
        if request == self._wrong_request and model is self.model:
            self._jump(found)

    def _jump(self, target: int) -> None:
        if target < 0:
            self._wrong_status.value = status_html(
                f"no misclassified digit: all {plural(len(self._images), 'test digit')} "
                "are classified right.",
                "ok",
            )
            return
        if target == self.index:
            self._show_wrong_position()
        else:
            self.index = target  # Shows the position through _on_index_changed.

    def _show_wrong_position(self) -> None:
        mistakes = self._mistakes
        if mistakes is None or self.model is None or self._labels is None:
            return
        known = mistakes.predicted >= 0
        wrong = np.flatnonzero(known & (mistakes.predicted != self._labels))
        checked = int(np.count_nonzero(known))
        total = plural(len(self._images), "test digit")
        here = int(mistakes.predicted[self.index])
        if checked == len(self._images):
            where = np.flatnonzero(wrong == self.index)
            if len(where):
                text = f"misclassified digit {int(where[0]) + 1} of {len(wrong):,} (among {total})"
            else:
                text = f"{len(wrong):,} of {total} are misclassified; this one is right"
        else:
            state = {True: "misclassified", False: "classified right"}.get(
                here >= 0 and here != int(self._labels[self.index]), "misclassified"
            )
            if here < 0:
                state = "not checked yet"
            text = (
                f"this digit: {state}; {plural(len(wrong), 'mistake')} among the "
                f"{checked:,} of {total} checked so far"
            )
        self._wrong_status.value = status_html(text)

    # ------------------------------------------------------------------ why this class?

    def _explain_settings(self) -> tuple:
        choice = self._classes.value
        classes = {PREDICTED_AND_TRUE: None, ALL_CLASSES: "all"}.get(choice, choice)
        layer = self._cam_layer.value if self.method == "gradcam" else None
        return self.method, classes, layer

    def _request_explanation(self) -> None:
        """Ask for the picture of the current settings: cached, else computed (latest wins)."""
        self._explain_request += 1
        request = self._explain_request
        model = self.model
        if not self.explaining or model is None or self._probe is None:
            return
        method, classes, layer = self._explain_settings()
        index = self.index
        label = None if self._labels is None else int(self._labels[index])
        key = (id(model), index, method, classes, layer)
        cached = self._explain_cache.get(key)
        if cached is not None:
            self._accept_explanation(request, model, index, cached, 0.0)
            return
        self._explain_status.value = status_html(
            f"computing {METHOD_LABELS[method]} for test digit {index}…"
        )
        job = (request, model, index, label, method, classes, layer, key)
        if not self._background:
            self._compute_explanation(job)
            return
        with self._explain_lock:
            self._explain_pending = job
            if self._explain_worker is None:
                worker = threading.Thread(target=self._explain_loop, daemon=True)
                self._explain_worker = worker
                worker.start()

    def _explain_loop(self) -> None:
        """The background worker: computes the newest pending request until none is left."""
        while True:
            time.sleep(SETTLE_SECONDS)  # Let a slider storm settle: only its last value counts.
            with self._explain_lock:
                job = self._explain_pending
                self._explain_pending = None
                if job is None:
                    self._explain_worker = None
                    return
            if job[0] == self._explain_request:  # Skip requests superseded while waiting.
                self._compute_explanation(job)

    def _compute_explanation(self, job: tuple) -> None:
        request, model, index, label, method, classes, layer, key = job
        started = time.perf_counter()
        try:
            self.explain_calls += 1
            result = explain(model, self._images[index], method, classes, label=label, layer=layer)
        except KeyboardInterrupt:
            if request == self._explain_request:
                self._explain_status.value = status_html(
                    "computing was interrupted; change a setting to retry.", "error"
                )
            return
        except Exception as error:  # Shown in the panel; the panel stays usable.
            if request == self._explain_request:
                self._explain_status.value = status_html(str(error), "error")
            return
        seconds = time.perf_counter() - started
        self._explain_cache.put(key, result)
        self._accept_explanation(request, model, index, result, seconds)

    def _accept_explanation(
        self, request: int, model, index: int, result: Attribution, seconds: float
    ) -> None:
        with self._explain_draw_lock:
            if request != self._explain_request or model is not self.model:
                return  # A newer request was made meanwhile: never show a stale picture.
            figure = self._explain_view.figure
            draw_explanation(figure, self._images[index], result)
            self._explain_view.refresh()
            self._shown_explanation = result
            names = [_role(class_index, result) for class_index in result.classes[:3]] + (
                ["…"] if len(result.classes) > 3 else []
            )
            took = f" in {seconds * 1000:.0f} ms" if seconds else ""
            where = f" on {result.layer}" if result.layer else ""
            self._explain_status.value = status_html(
                f"{METHOD_LABELS[result.method]}{where} of test digit {index} for "
                f"{', '.join(names)}{took}; one colour scale for every class"
            )


class _Mistakes:
    """Predicted classes of the test digits for one set of weights, filled chunk by chunk.

    Finding the next mistake predicts only the chunks between the shown digit and
    it (about 0.1 s for 500 digits), not all 10,000 test digits first.
    """

    def __init__(self, fingerprint: str, labels: np.ndarray) -> None:
        self.fingerprint = fingerprint
        self.labels = np.asarray(labels).astype(np.int64)
        self.predicted = np.full(len(labels), -1, dtype=np.int64)

    def search(self, index: int, direction: int) -> int | None:
        """The next mistake after ``index`` in ``direction`` (wrapping); -1 if there is none.

        None when an unchecked digit comes first (predict ``next_unknown_chunk``).
        """
        labels = self.labels
        count = len(self.predicted)
        order = (index + direction * np.arange(1, count + 1)) % count
        predicted = self.predicted[order]
        unknown = np.flatnonzero(predicted < 0)
        wrong = np.flatnonzero((predicted >= 0) & (predicted != labels[order]))
        first_unknown = int(unknown[0]) if len(unknown) else count
        if len(wrong) and int(wrong[0]) < first_unknown:
            return int(order[int(wrong[0])])
        return -1 if first_unknown == count else None

    def next_unknown_chunk(self, index: int, direction: int) -> slice:
        """The chunk of ``CHUNK`` digits holding the first unchecked one after ``index``."""
        count = len(self.predicted)
        order = (index + direction * np.arange(1, count + 1)) % count
        position = int(order[np.flatnonzero(self.predicted[order] < 0)[0]])
        start = position // CHUNK * CHUNK
        return slice(start, min(start + CHUNK, count))


def _role(class_index: int, result: Attribution) -> str:
    roles = []
    if class_index == result.predicted_class:
        roles.append("predicted")
    if result.label is not None and class_index == result.label:
        roles.append("true")
    return f"{class_index} ({' = '.join(roles)})" if roles else str(class_index)


def _unit_kind(model: Any, layer: str) -> str | None:
    """None for image-like layers; else how a Dense layer's values are labelled."""
    found = model.get_layer(layer)
    if len(found.output.shape) != 2:
        return None
    classes = int(model.outputs[0].shape[-1])
    units = int(found.output.shape[-1])
    if found is model.layers[-1]:
        return "probabilities" if _is_softmax_layer(found) else "class scores"
    if units == classes and _feeds_output_softmax(model, found):
        return "class scores"
    return "units"


def _unit_count(model: Any, layer: str) -> int:
    return int(model.get_layer(layer).output.shape[-1])


def _is_softmax_layer(layer: Any) -> bool:
    activation = getattr(getattr(layer, "activation", None), "__name__", "")
    return type(layer).__name__ == "Softmax" or activation == "softmax"


def _feeds_output_softmax(model: Any, layer: Any) -> bool:
    """True when ``layer`` is right before the model's last layer, a softmax."""
    layers = model.layers
    last = layers[-1]
    if not _is_softmax_layer(last) or isinstance(last, keras.layers.Dense):
        return False
    return len(layers) >= 2 and layers[-2] is layer


def _default_layer(layers: list[str]) -> str:
    """The first convolution's activation if present, else the first layer."""
    for preferred in ("activation", "conv2d"):
        if preferred in layers:
            return preferred
    return layers[0] if layers else ""
