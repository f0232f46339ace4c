"""LeNetLab: every panel around one shared model, and ``lab()`` to open it in one call."""

from __future__ import annotations

import time
from pathlib import Path

import ipywidgets as widgets
import traitlets

from lenet_widgets import config
from lenet_widgets.core.data import Dataset, load_dataset
from lenet_widgets.core.model import build_lenet
from lenet_widgets.core.persistence import load_model
from lenet_widgets.ui.controls import fit_labels
from lenet_widgets.ui.feature_maps import FeatureMapsPanel
from lenet_widgets.ui.filter_history import FilterHistoryPanel
from lenet_widgets.ui.filters import FilterExplorer
from lenet_widgets.ui.save import SavePanel
from lenet_widgets.ui.structure import StructurePanel
from lenet_widgets.ui.training import TrainingPanel

__all__ = ["FAST_TRAIN_SIZE", "LeNetLab", "lab"]

FAST_TRAIN_SIZE = 1000
"""Images trained on by default in fast mode (``LENET_WIDGETS_FAST``)."""

INITIAL_WAIT_SECONDS = 120.0
"""How long building the dashboard waits for the first filter picture."""

TAB_TITLES = ("Train", "Save / load", "Structure", "Filters", "Feature maps")

LAZY_TABS = (2, 4)
"""Tabs drawn only once chosen (Structure, Feature maps): nobody waits for a picture they
did not open. The Train tab is complete at once, and so is the Filters picture (the first
thing a lesson looks at; Voila snapshots the widgets when the cell ends)."""

FILTERS_TAB = 3
"""The Filters tab: its first picture is drawn at once, later redraws (after training)
wait until the tab is shown, like the lazy tabs (a hidden recomputation costs memory
at the training peak and CPU while the student looks at the curves)."""


class LeNetLab(widgets.Tab):
    """The dashboard: train, save, structure, filters and feature maps on one model.

    After training, loading or resetting, every panel shows the new model: a
    Load or Reset replaces ``model`` everywhere; a finished training run
    refreshes the pictures that depend on the weights.

    Args:
        model: the Keras model to start with.
        data: the ``Dataset`` to train on and probe.
        train_size: images trained on by default (0: all).
        filter_steps: gradient-ascent steps computed by the filter panel.

    Public traits:
        model: the one model every panel works on; a model any panel refuses
            (its ``check_model``) is refused before any panel changes.
        selected_index: the tab shown (``Tab``'s trait); the Structure and Feature maps
            panels draw when their tab is first chosen, and stay ``active`` while shown.

    Attributes:
        training, filter_history, saving, structure, filters, feature_maps: the panels.
            ``filter_history`` sits under the curves and records a layer's filters at
            every epoch end, so an epoch slider shows them evolving.
    """

    model = traitlets.Any(allow_none=True)

    def __init__(
        self, model, data: Dataset, *, train_size: int = 0, filter_steps: int = 20, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.filter_history = FilterHistoryPanel(model, steps=filter_steps)
        self.training = TrainingPanel(
            model, data, train_size=train_size, callbacks=[self.filter_history.recorder]
        )
        self.saving = SavePanel(model)
        self.structure = StructurePanel(model, active=False)
        self.filters = FilterExplorer(
            model, max_steps=filter_steps, images=data.x_test, labels=data.y_test
        )
        self.feature_maps = FeatureMapsPanel(model, data.x_test, data.y_test, active=False)
        self._panels = (
            self.training,
            self.filter_history,
            self.saving,
            self.structure,
            self.filters,
            self.feature_maps,
        )
        self.children = [
            widgets.VBox([self.training, self.filter_history]),
            self.saving,
            self.structure,
            self.filters,
            self.feature_maps,
        ]
        self.titles = TAB_TITLES
        self.model = model
        self.training.observe(self._on_panel_replaced_model, names="model")
        self.saving.observe(self._on_panel_replaced_model, names="model")
        self.training.observe(self._on_training_finished, names="runs_finished")
        self.training.observe(self._on_training_running, names="running")
        self._lazy_tabs = LAZY_TABS
        self.observe(self._on_tab_selected, names="selected_index")
        self._on_tab_selected({"new": self.selected_index})
        fit_labels(self)  # No control label cut off ("learning r…"), whatever a panel set.
        # The first filter picture is computed in a thread. Wait for it here, so the
        # dashboard is complete when the cell returns: Voila snapshots widget states
        # after the cell ran, and an update sent before its page connects is lost
        # (seen under load: an empty Filters picture).
        self.filters.wait(INITIAL_WAIT_SECONDS)
        self._lazy_tabs = (*LAZY_TABS, FILTERS_TAB)  # From now on the Filters tab waits too.
        self._on_tab_selected({"new": self.selected_index})

    @property
    def panels(self) -> tuple[widgets.Widget, ...]:
        """All panels, in tab order (the Train tab holds training and filter history)."""
        return self._panels

    def wait(self, timeout: float | None = 120.0) -> bool:
        """Block until training and every panel's background work finish (tests, scripts).

        Args:
            timeout: seconds for everything together (one deadline); None waits for good.

        Returns:
            True if everything finished, False if the deadline came first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        for panel in self._panels:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not panel.wait(left):
                return False
        return True

    def _panel_tabs(self) -> tuple[tuple[widgets.Widget, ...], ...]:
        """The panels in each tab, in tab order."""
        return (
            (self.training, self.filter_history),
            (self.saving,),
            (self.structure,),
            (self.filters,),
            (self.feature_maps,),
        )

    def _on_tab_selected(self, change) -> None:
        """A lazy tab's panels are active while shown: they draw what they owe when chosen."""
        for number, panels in enumerate(self._panel_tabs()):
            if number in self._lazy_tabs:
                for panel in panels:
                    panel.active = number == change["new"]

    @traitlets.validate("model")
    def _valid_model(self, proposal):
        """Refuse a model any panel refuses, before any panel changes (no half-switched lab)."""
        model = proposal["value"]
        if model is None:
            return model
        for panel in getattr(self, "_panels", ()):
            if panel.model is not model:
                try:
                    panel.check_model(model)  # The panel's own checks, its own message.
                except (ValueError, TypeError) as error:
                    raise traitlets.TraitError(str(error)) from None
        return model

    @traitlets.observe("model")
    def _on_model_changed(self, change) -> None:
        for panel in self._panels:
            if panel.model is not change["new"]:
                panel.model = change["new"]

    def _on_panel_replaced_model(self, change) -> None:
        self.model = change["new"]

    def _on_training_running(self, change) -> None:
        self.saving.busy = change["new"]

    def _on_training_finished(self, change) -> None:
        """The weights changed in place: redraw what depends on them."""
        self.saving.refresh()
        self.structure.refresh()
        self.filters.refresh()
        self.feature_maps.refresh()


def lab(
    model=None,
    data: str | Path | Dataset | None = None,
    *,
    train_size: int | None = None,
    filter_steps: int | None = None,
) -> LeNetLab:
    """Load the data, build or load a model, and return the dashboard.

    Args:
        model: a Keras model, a saved model file, or None for a fresh LeNet.
        data: an ``mnist.npz`` path or a ``Dataset``; default: ``load_dataset()``.
        train_size: images trained on by default; fast mode (``LENET_WIDGETS_FAST``) uses 1,000.
        filter_steps: gradient-ascent steps of the filter panel; fast mode uses 10.

    Returns:
        A ``LeNetLab``; display it by leaving it last in a notebook cell.
    """
    fast = config.fast_mode()
    dataset = data if isinstance(data, Dataset) else load_dataset(data)
    if isinstance(model, (str, Path)):
        model = load_model(model)
    elif model is None:
        model = build_lenet(dataset.image_shape)  # Grey (N, H, W) or colour (N, H, W, C).
    if train_size is None:
        train_size = FAST_TRAIN_SIZE if fast else 0
    if filter_steps is None:
        filter_steps = 10 if fast else 20
    return LeNetLab(model, dataset, train_size=train_size, filter_steps=filter_steps)
