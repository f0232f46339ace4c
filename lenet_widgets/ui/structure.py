"""``StructurePanel``: the model drawing with every ``plot_model`` option, an inspector, a diff.

One ``ipywidgets.Image`` shows the model; every option change replaces its
PNG bytes in place (no new output, no flicker). Pictures are cached per option
set, so toggling back to a seen combination costs no drawing at all
(``render_count`` counts real drawings). A layer chooser drives the inspector
(config, weight statistics, histograms, Conv2D kernels), and a second model in
``compare_to`` adds the diff picture. Errors (Graphviz missing, a bad save path)
appear in the status line; the panel stays usable.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import traitlets
from matplotlib.figure import Figure

from lenet_widgets.core.model import check_keras_model, weights_fingerprint
from lenet_widgets.core.structure import model_graph
from lenet_widgets.display.model_picture import ENGINES, plot_model
from lenet_widgets.display.reports import compare_models, layer_report
from lenet_widgets.plotting.figure import figure_png
from lenet_widgets.ui.cache import RecentCache
from lenet_widgets.ui.controls import action_button, fit_labels
from lenet_widgets.ui.figure_view import DENSITY, show_picture
from lenet_widgets.ui.panel import ModelPanel
from lenet_widgets.ui.status import status_html

__all__ = ["OPTION_LABELS", "StructurePanel"]

OPTION_LABELS = {
    "show_shapes": "shapes",
    "show_layer_names": "names",
    "show_dtype": "dtype",
    "show_layer_activations": "activations",
    "show_trainable": "trainable",
    "expand_nested": "expand nested",
    "show_input_layer": "input layer",
}
"""The on/off options of ``plot_model`` and their toggle labels."""


PICTURE_CACHE_SIZE = 64
"""Pictures kept per panel: every toggle combination a lesson visits, not every dpi ever."""

PICTURE_WIDTH_PX = 900
"""Widest structure picture in CSS px (a notebook cell): left-to-right layouts wrap to fit it."""


def _png(figure: Figure | None) -> bytes:
    if figure is None:
        return b""
    return figure_png(figure, dpi=figure.get_dpi() * DENSITY, tight=False)  # Crisp on 2x.


def _check_keras_model(name: str, model: Any) -> None:
    """Raise ``TypeError``/``ValueError`` unless ``model`` is a built Keras model."""
    check_keras_model(model, TypeError, name=name)
    if not model.built:
        raise ValueError(
            f"{name} {model.name!r} is not built; expected a built model (call build() first)."
        )


class StructurePanel(ModelPanel):
    """A model's structure picture with all ``plot_model`` options, inspector and diff.

    Args:
        model: the Keras model to draw (can be set later through the ``model`` trait).
        compare_to: a second model; its differences from ``model`` are shown.
        engine: ``"auto"``, ``"graphviz"`` or ``"matplotlib"``.
        dpi: resolution of the picture.
        rankdir: ``"TB"`` or ``"LR"``.
        show_shapes, show_layer_names: the first options (the chapter shows both).

    Public traits: ``model`` and ``compare_to`` (setting either redraws), ``active``
    (off: nothing is drawn until it is on again; the dashboard turns it on when its
    tab is chosen). ``refresh()`` forgets cached pictures and redraws (after changing
    a model in place).

    Drawing stays on the calling thread: a picture is tens of milliseconds and cached
    per option set, the Save button and the toggles read it right after a change, and
    the dashboard draws nothing here until the tab is opened.
    """

    compare_to = traitlets.Any(allow_none=True, help="a second model to compare with")

    def __init__(
        self,
        model: Any = None,
        compare_to: Any = None,
        *,
        engine: str = "auto",
        dpi: int = 96,
        rankdir: str = "TB",
        show_shapes: bool = True,
        show_layer_names: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if engine not in ENGINES:
            raise ValueError(f"engine is {engine!r}; expected one of {ENGINES}.")
        self._cache = RecentCache(PICTURE_CACHE_SIZE)  # Option set -> PNG bytes.
        self._inspector_cache = RecentCache(PICTURE_CACHE_SIZE)
        self._render_count = 0
        self._quiet = False

        initial = {"show_shapes": show_shapes, "show_layer_names": show_layer_names}
        self._toggles = {
            name: widgets.ToggleButton(
                value=bool(initial.get(name, False)),
                description=label,
                layout=widgets.Layout(width="auto"),
            )
            for name, label in OPTION_LABELS.items()
        }
        self._rankdir = widgets.ToggleButtons(options=["TB", "LR"], value=rankdir.upper())
        self._rankdir.style.button_width = "48px"
        self._dpi = widgets.IntSlider(
            value=dpi,
            min=48,
            max=240,
            step=8,
            description="dpi",
            continuous_update=False,
            tooltip="picture size: 96 dpi shows it at its true size, 192 twice as large",
        )
        self._engine = widgets.Dropdown(options=list(ENGINES), value=engine, description="engine")
        self._picture = widgets.Image(
            format="png", layout=widgets.Layout(max_width="100%", height="auto")
        )
        self._picture.add_class("lenet-structure-picture")
        self._save_path = widgets.Text(value="model.png", description="save to")
        self._save = action_button("Save", "write the picture to this file", icon="save")
        self._layer = widgets.Dropdown(options=[], description="layer")
        self._inspector_text = widgets.HTML(value="")
        self._histograms = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self._kernels = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self._diff_text = widgets.HTML(value="")
        self._diff_picture = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self._diff_box = widgets.VBox(
            [self._diff_text, self._diff_picture], layout=widgets.Layout(display="none")
        )

        for control in (*self._toggles.values(), self._rankdir, self._dpi, self._engine):
            control.observe(self._on_option_change, names="value")
        self._layer.observe(self._on_layer_change, names="value")
        self._save.on_click(self._on_save_click)

        self.children = (
            widgets.HBox(list(self._toggles.values()), layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self._rankdir, self._engine, self._dpi]),
            self._status,
            self._picture,
            widgets.HBox([self._save_path, self._save]),
            widgets.HTML("<b>Layer inspector</b>"),
            self._layer,
            self._inspector_text,
            self._histograms,
            self._kernels,
            self._diff_box,
        )
        fit_labels(self)
        if model is not None:
            self.model = model
        if compare_to is not None:
            self.compare_to = compare_to

    # ------------------------------------------------------------------ public

    @property
    def render_count(self) -> int:
        """How many pictures were really drawn (cache hits do not count)."""
        return self._render_count

    @property
    def options(self) -> dict[str, Any]:
        """The ``plot_model`` keyword arguments the toggles select now."""
        chosen: dict[str, Any] = {name: toggle.value for name, toggle in self._toggles.items()}
        # Off means "as Keras 3 draws it" (no box for a Sequential's input).
        chosen["show_input_layer"] = True if chosen["show_input_layer"] else None
        chosen.update(rankdir=self._rankdir.value, dpi=int(self._dpi.value))
        chosen["engine"] = self._engine.value
        return chosen

    def refresh(self) -> None:
        """Forget cached pictures and draw again (e.g. after training changed the weights)."""
        self._cache.clear()
        self._inspector_cache.clear()
        self._draw_stale()

    def check_model(self, model: Any) -> None:
        """Raise ``TypeError``/``ValueError`` unless ``model`` is a built Keras model."""
        _check_keras_model("model", model)

    # ------------------------------------------------------------------ traits

    @traitlets.validate("compare_to")
    def _validate_compare_to(self, proposal: dict) -> Any:
        model = proposal["value"]
        if model is not None:
            try:
                _check_keras_model("compare_to", model)
            except (TypeError, ValueError) as error:
                raise traitlets.TraitError(str(error)) from None
        return model

    def _draw_stale(self) -> None:
        self._show_picture()
        self._show_inspector()
        self._show_diff()

    def _show_model(self, model: Any) -> None:
        self._cache.clear()
        self._inspector_cache.clear()
        self._quiet = True
        try:
            previous = self._layer.value
            names = self._layer_names()
            self._layer.options = names
            self._layer.value = previous if previous in names else (names[0] if names else None)
        finally:
            self._quiet = False
        self._draw_stale()

    @traitlets.observe("compare_to")
    def _on_compare_change(self, change: dict) -> None:
        self._show_diff()

    # ------------------------------------------------------------------ reactions

    def _on_option_change(self, change: dict) -> None:
        self._show_picture()

    def _on_layer_change(self, change: dict) -> None:
        if not self._quiet:
            self._show_inspector()

    def _on_save_click(self, button: widgets.Button) -> None:
        if self.model is None:
            self._set_status("Nothing to save: set a model first.", error=True)
            return
        path = Path(self._save_path.value.strip()).expanduser()
        try:
            picture = plot_model(self.model, path, **self.options)
        except (ValueError, OSError, ImportError) as error:
            self._set_status(f"Could not save: {error}", error=True)
            return
        self._set_status(f"Saved {path.resolve()} ({picture.engine}).")

    # ------------------------------------------------------------------ drawing

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.set_status(text, "error" if error else "info")

    def _layer_names(self) -> list[str]:
        model = self.model
        if model is None:
            return []
        graph = model_graph(model, expand_nested=True)
        if graph.kind == "Subclassed":
            return [layer.name for layer in model.layers]
        return [node.id for node in graph.nodes if not node.is_input]

    def _draw(self, options: dict[str, Any]) -> tuple[bytes, str]:
        """The picture's PNG (``DENSITY`` pixels per CSS pixel) and its status line.

        Drawn at twice the dpi, shown at the dpi's size (figure_view's rule): crisp
        on 2x screens, and the dpi slider changes the size shown. Left-to-right
        layouts wrap to fit ``PICTURE_WIDTH_PX`` at that size, so a larger dpi
        gives larger text in more rows instead of a picture shrunk back to the cell.
        """
        dpi = int(options["dpi"])
        picture = plot_model(
            self.model,
            **{**options, "dpi": dpi * DENSITY},
            max_width_px=max(200, round(PICTURE_WIDTH_PX * 96 / dpi)),
        )
        status = f"{self.model.name}: drawn with {picture.engine}"
        if picture.note:  # Its widths are at 96 dpi; here the picture is shown at this dpi.
            status += "; " + re.sub(r"to fit \d+ px", f"to fit {PICTURE_WIDTH_PX} px", picture.note)
        return picture.data, status

    def _show_picture(self) -> None:
        if self._deferred() or self.model is None:
            return
        options = self.options
        key = tuple(sorted(options.items()))
        cached = self._cache.get(key)
        if cached is None:
            try:
                cached = self._draw(options)
            except (ValueError, OSError, ImportError) as error:
                self._set_status(str(error), error=True)
                return
            self._render_count += 1
            self._cache.put(key, cached)
            png, status = cached
            self._set_status(f"{status}.")
        else:
            png, status = cached
            self._set_status(f"{status} (from cache).")
        show_picture(self._picture, png)

    def _show_inspector(self) -> None:
        if self._deferred():
            return
        model, layer = self.model, self._layer.value
        if model is None or not layer:
            self._inspector_text.value = ""
            return
        key = (layer, weights_fingerprint(model))
        shown = self._inspector_cache.get(key)
        if shown is None:
            try:
                report = layer_report(model, layer)
            except (KeyError, ValueError) as error:
                self._inspector_text.value = status_html(str(error), "error")
                return
            shown = (report.html, _png(report.histograms), _png(report.kernels))
            self._inspector_cache.put(key, shown)
        text, histograms, kernels = shown
        self._inspector_text.value = text
        show_picture(self._histograms, histograms)
        show_picture(self._kernels, kernels)
        self._kernels.layout.display = "" if kernels else "none"

    def _show_diff(self) -> None:
        if self._deferred():
            return
        if self.model is None or self.compare_to is None:
            self._diff_box.layout.display = "none"
            return
        try:
            report = compare_models(
                self.model, self.compare_to, rankdir=self._rankdir.value, dpi=96 * DENSITY
            )
        except (ValueError, OSError) as error:
            self._diff_text.value = status_html(str(error), "error")
            self._diff_box.layout.display = ""
            return
        self._diff_text.value = (
            f"<b>{html.escape(self.model.name)} → {html.escape(self.compare_to.name)}</b>"
            f"<pre>{html.escape(report.diff.describe())}</pre>"
        )
        show_picture(self._diff_picture, report.picture.data)
        self._diff_box.layout.display = ""
