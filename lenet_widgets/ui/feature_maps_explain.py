"""The Feature maps tab's "why this class?" picture: an attribution map, latest request wins.

``ExplanationView`` is the part of ``FeatureMapsPanel`` that asks for saliency,
SmoothGrad or Grad-CAM of the digit shown, cached per setting, computed in a
``LatestJob`` with a short settle (a slider storm computes its last digit), and
draws it with one colour scale for every class (a mixin: it builds its controls,
``FeatureMapsPanel`` places them).
"""

from __future__ import annotations

import time

import ipywidgets as widgets

from lenet_widgets.core.attribution import METHODS, Attribution, cam_layers, explain
from lenet_widgets.display.attribution import draw_explanation
from lenet_widgets.ui.cache import RecentCache
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.jobs import LatestJob
from lenet_widgets.ui.status import status_html

__all__ = [
    "ALL_CLASSES",
    "CACHE_SIZE",
    "CLASS_CHOICES",
    "METHOD_LABELS",
    "PREDICTED_AND_TRUE",
    "SETTLE_SECONDS",
    "ExplanationView",
]

METHOD_LABELS = {"saliency": "saliency", "smoothgrad": "SmoothGrad", "gradcam": "Grad-CAM"}
"""What the method menu shows for each ``core.attribution.METHODS`` name."""

PREDICTED_AND_TRUE = -1
ALL_CLASSES = -2
CLASS_CHOICES = {PREDICTED_AND_TRUE: "predicted (and true)", ALL_CLASSES: "all classes"}
"""The class menu's first entries; the classes themselves follow."""

SETTLE_SECONDS = 0.03
"""An attribution request waits this long before computing: a slider storm computes its last."""

CACHE_SIZE = 64
"""Attribution pictures kept per panel (per model, digit and setting)."""


class ExplanationView:
    """``FeatureMapsPanel``'s "why this class?" picture (see the module docstring).

    Expects ``model``, ``index``, ``method``, ``explaining``, ``_images``, ``_labels``
    and ``_probe`` on the panel, which calls ``_build_explanation`` once and observes
    ``method`` and ``explaining`` (``_on_explain_setting``).
    """

    def _build_explanation(self, explain: bool, background: bool) -> None:
        """Make the controls, the picture, the cache and the job of "why this class?".

        Controls: ``_explain``, ``_method``, ``_classes``, ``_cam_layer``; the picture:
        ``_explain_status`` and ``_explain_view`` in ``_explain_box``.
        """
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
        self._explain_job = LatestJob(
            self._on_explain_error,
            background=background,
            settle=SETTLE_SECONDS,
            name="lenet-attribution",
        )
        self.explain_calls = 0
        self._shown_explanation: Attribution | None = None
        self._explain_box = widgets.VBox([self._explain_status, self._explain_view.image])
        widgets.link((self._method, "value"), (self, "method"))
        widgets.link((self._explain, "value"), (self, "explaining"))
        self._classes.observe(self._on_explain_setting, names="value")
        self._cam_layer.observe(self._on_explain_setting, names="value")

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

    def _explain_settings(self) -> tuple:
        choice = self._classes.value
        classes = {PREDICTED_AND_TRUE: None, ALL_CLASSES: "all"}.get(choice, choice)
        layer = self._cam_layer.value if self.method == "gradcam" else None
        return self.method, classes, layer

    def _request_explanation(self) -> None:
        """Ask for the picture of the current settings: cached, else computed (latest wins)."""
        job = self._explain_job
        request = job.new_request()  # Supersedes every older request.
        model = self.model
        if self._deferred() or not self.explaining or model is None or self._probe is None:
            return
        method, classes, layer = self._explain_settings()
        index = self.index
        label = None if self._labels is None else int(self._labels[index])
        key = (id(model), index, method, classes, layer)
        cached = self._explain_cache.get(key)
        if cached is not None:
            job.deliver(
                request,
                lambda result: self._accept_explanation(request, model, index, result, 0.0),
                cached,
            )
            return
        self._explain_status.value = status_html(
            f"computing {METHOD_LABELS[method]} for test digit {index}…"
        )

        def compute(is_current) -> tuple[Attribution, float]:
            started = time.perf_counter()
            self.explain_calls += 1
            result = explain(model, self._images[index], method, classes, label=label, layer=layer)
            self._explain_cache.put(key, result)
            return result, time.perf_counter() - started

        job.submit(
            compute,
            lambda computed: self._accept_explanation(request, model, index, *computed),
        )

    def _on_explain_error(self, error: BaseException) -> None:
        """The latest attribution failed: shown in the panel, which stays usable."""
        if isinstance(error, KeyboardInterrupt):
            error = "computing was interrupted; change a setting to retry."
        self._explain_status.value = status_html(str(error), "error")

    def _accept_explanation(
        self, request: int, model, index: int, result: Attribution, seconds: float
    ) -> None:
        """Show an attribution (the job calls this only for the latest request, one at a time)."""
        if model is self.model:  # Not a model replaced meanwhile.
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


def _role(class_index: int, result: Attribution) -> str:
    roles = []
    if class_index == result.predicted_class:
        roles.append("predicted")
    if result.label is not None and class_index == result.label:
        roles.append("true")
    return f"{class_index} ({' = '.join(roles)})" if roles else str(class_index)
