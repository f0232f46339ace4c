"""SavePanel: save and load the shared model, with what the file holds in one line."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import traitlets

from lenet_widgets.core.persistence import (
    FORMATS,
    FRESH,
    FRESH_OPTIMIZER_NOTE,
    ModelFileError,
    describe_model,
    file_format,
    load_model,
    save_model,
)
from lenet_widgets.text import model_line
from lenet_widgets.ui.controls import action_button, fit_labels
from lenet_widgets.ui.panel import ModelPanel
from lenet_widgets.ui.status import status_html

__all__ = ["SavePanel", "describe_line"]

FORMAT_LABELS = {
    ".keras": ".keras (model + optimizer)",
    ".h5": ".h5 (chapter's legacy file)",
    ".weights.h5": ".weights.h5 (weights only)",
}


def describe_line(model) -> str:
    """One line saying what a model holds: layers, parameters, optimizer, epochs trained.

    A model loaded from a ``.weights.h5`` file says that its optimizer starts fresh.
    """
    info = describe_model(model)
    line = model_line(info)
    if info.get("optimizer_state") == FRESH:
        line += f"; {FRESH_OPTIMIZER_NOTE}"
    return line


class SavePanel(ModelPanel):
    """Save the model to a path in a chosen format, or load one in its place.

    Errors (bad path, damaged file, unsafe file) appear in the panel's status
    line; a failed save never harms the previous file (saves are atomic) and a
    failed load keeps the current model.

    Public traits:
        model: the model saved; Load replaces it.
        path: the file path in the text box.
        busy: set True by the dashboard while training, to refuse saving half-way.
    """

    path = traitlets.Unicode("lenet.keras")
    busy = traitlets.Bool(False)

    def __init__(self, model=None, path: str | Path = "lenet.keras", **kwargs) -> None:
        super().__init__(**kwargs)
        self._path = widgets.Text(description="path", layout=widgets.Layout(width="420px"))
        self._format = widgets.Dropdown(
            options=[(FORMAT_LABELS[suffix], suffix) for suffix in FORMATS],
            value=".keras",
            description="format",
        )
        self._save_button = action_button(
            "Save", "write the model to this path (never half a file)", icon="save", kind="primary"
        )
        self._load_button = action_button(
            "Load", "replace the dashboard's model with the file at this path", icon="folder-open"
        )
        widgets.link((self._path, "value"), (self, "path"))
        self._save_button.on_click(self._on_save_clicked)
        self._load_button.on_click(self._on_load_clicked)
        self._format.observe(self._on_format_changed, names="value")
        self.children = [
            widgets.HBox([self._path, self._format]),
            widgets.HBox([self._save_button, self._load_button]),
            self._status,
        ]
        fit_labels(self)
        self.path = str(path)
        self.model = model

    @property
    def status(self) -> str:
        """The status line's text as HTML (what the student reads)."""
        return self._status.value

    def save(self) -> None:
        """Save the model to ``path`` (what the Save button does)."""
        self._on_save_clicked(self._save_button)

    def load(self) -> None:
        """Load ``path`` and make it the model (what the Load button does)."""
        self._on_load_clicked(self._load_button)

    def refresh(self) -> None:
        """Show what the model holds now (after it trained in place)."""
        if self.model is not None:
            self._status.value = status_html(describe_line(self.model))

    @traitlets.observe("path")
    def _on_path_changed(self, change) -> None:
        try:
            suffix = file_format(change["new"])
        except ModelFileError:
            return  # Shown when Save or Load is pressed; typing may be half-way.
        if self._format.value != suffix:
            self._format.value = suffix

    def _on_format_changed(self, change) -> None:
        path = self.path
        for suffix in (".weights.h5", ".keras", ".h5"):
            if path.endswith(suffix):
                path = path[: -len(suffix)]
                break
        self.path = path + change["new"]

    def _show_model(self, model) -> None:
        self.refresh()

    def _on_save_clicked(self, button) -> None:
        if self.model is None:
            self._status.value = status_html("no model to save.", "error")
            return
        if self.busy:
            self._status.value = status_html("training is running; stop it before saving.", "error")
            return
        try:
            path = save_model(self.model, self.path)
        except KeyboardInterrupt:  # The save is atomic: nothing half-written stays behind.
            self._status.value = status_html(
                f"save interrupted: {self.path} not written; the previous file is kept.", "error"
            )
            return
        except Exception as error:  # Shown in the panel, never a traceback in the cell.
            self._status.value = status_html(f"not saved: {error}", "error")
            return
        size = path.stat().st_size / 1e6
        self._status.value = status_html(
            f"saved {path} ({size:.1f} MB): {describe_line(self.model)}", "ok"
        )

    def _on_load_clicked(self, button) -> None:
        if self.busy:
            self._status.value = status_html(
                "training is running; stop it before loading.", "error"
            )
            return
        try:
            model = load_model(self.path)
        except Exception as error:  # Shown in the panel, never a traceback in the cell.
            self._status.value = status_html(
                f"not loaded, the current model is kept: {error}", "error"
            )
            return
        previous = self.model
        try:
            self.model = model
        except traitlets.TraitError as error:  # A dashboard panel cannot show this model.
            self.model = previous
            self._status.value = status_html(
                f"not loaded, the current model is kept: {self.path}: {error}", "error"
            )
            return
        self._status.value = status_html(f"loaded {self.path}: {describe_line(model)}", "ok")
