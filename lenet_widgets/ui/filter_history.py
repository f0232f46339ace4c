"""FilterHistoryPanel: an epoch slider over the filter pictures recorded during training."""

from __future__ import annotations

import threading

import ipywidgets as widgets
import traitlets

from lenet_widgets.core.filter_history import FilterHistoryRecorder
from lenet_widgets.core.filters import visualizable_layers
from lenet_widgets.plotting.filters import plot_filter_grid, update_grid
from lenet_widgets.text import epochs_text, plural
from lenet_widgets.ui.controls import fit_labels
from lenet_widgets.ui.figure_view import FigureView
from lenet_widgets.ui.panel import ModelPanel
from lenet_widgets.ui.status import status_html

__all__ = ["FilterHistoryPanel"]


class FilterHistoryPanel(ModelPanel):
    """Watch a layer's filters evolve: one picture per epoch, chosen with a slider.

    Give ``recorder`` to a ``TrainingPanel`` (``callbacks=[panel.recorder]``);
    each epoch end adds a picture and moves the slider to it.

    Args:
        model: the model trained (its visualizable layers fill the chooser).
        layer: the layer recorded (default ``conv2d_1`` when present).
        steps: gradient-ascent steps per picture.
        grid: tiles per side.

    Public traits:
        model: setting it forgets the pictures of the previous model.
        epoch: epochs trained when the picture shown was recorded (``1.2`` after a
            run stopped 16 of 79 batches into the second epoch); one of the recorded ones.
    """

    epoch = traitlets.Float(0.0)

    def __init__(
        self, model=None, layer: str | None = None, *, steps: int = 20, grid: int = 4, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self._grid = int(grid)
        self._draw_lock = threading.Lock()
        self._artists = None
        self.recorder = FilterHistoryRecorder(
            layer or "conv2d_1",
            steps=steps,
            max_filters=self._grid**2,
            on_snapshot=self._on_snapshot,
        )
        self._layer = widgets.Dropdown(description="layer")
        self._epoch = widgets.SelectionSlider(
            options=[("0", 0.0)],
            value=0.0,
            description="epochs trained",
            tooltip="the picture recorded after this many epochs",
        )
        self.set_status("train to record the filters at each epoch end.")
        self._view = FigureView(figsize=(3.6, 3.9), dpi=80, css_class="lenet-filter-history")
        widgets.link((self._epoch, "value"), (self, "epoch"))
        self._layer.observe(self._on_layer_chosen, names="value")
        self.children = [
            widgets.HTML("<b>Filters during training</b>"),
            widgets.HBox([self._layer, self._epoch]),
            self._status,
            self._view.image,
        ]
        fit_labels(self)
        self._wanted_layer = layer
        self.model = model

    def check_model(self, model) -> None:
        """Raise ``ValueError`` unless the filters of ``model`` can be visualized."""
        visualizable_layers(model)

    def refresh(self) -> None:
        """Nothing to redraw: the pictures are the ones recorded at each epoch end."""

    def _show_model(self, model) -> None:
        self.recorder.clear()
        self._reset_slider()
        self._view.clear()  # No stale "after 3 epochs" picture under "train to record...".
        if model is None:
            return
        layers = [name for name in visualizable_layers(model) if "conv" in name] or (
            visualizable_layers(model)
        )
        if not layers:
            self._layer.options = []
            self._status.value = status_html(f"model {model.name!r} has no layer to visualize.")
            return
        wanted = self._wanted_layer or ("conv2d_1" if "conv2d_1" in layers else layers[0])
        self._layer.options = layers
        self._layer.value = wanted if wanted in layers else layers[0]
        self._status.value = status_html("train to record the filters at each epoch end.")

    def _on_layer_chosen(self, change) -> None:
        if change["new"] is None:
            return
        self.recorder.layer = change["new"]
        self.recorder.clear()
        self._artists = None
        self._reset_slider()
        self._view.clear()

    def _reset_slider(self) -> None:
        self._epoch.options = [("0", 0.0)]
        self.epoch = 0.0

    def _on_snapshot(self, recorder: FilterHistoryRecorder) -> None:
        snapshots = recorder.snapshots
        last = snapshots[-1].epoch
        options = [(epochs_text(s.epoch).split()[0], float(s.epoch)) for s in snapshots]
        if list(self._epoch.options) != options:
            self._epoch.options = options  # Keeps the value when it is still recorded.
        if self.epoch == last:
            self._show(last)
        else:
            self.epoch = last  # Shows it through _on_epoch_changed.

    @traitlets.observe("epoch")
    def _on_epoch_changed(self, change) -> None:
        self._show(change["new"])

    def _show(self, epoch: float) -> None:
        snapshots = self.recorder.snapshots
        if not snapshots:
            return  # Nothing recorded yet: the status line says what to do.
        matches = [s for s in snapshots if s.epoch == epoch]
        if not matches:
            self._status.value = status_html(f"no picture recorded after {epochs_text(epoch)}.")
            return
        snapshot = matches[0]
        with self._draw_lock:
            if self._artists is None:
                self._artists = plot_filter_grid(
                    self._view.figure,
                    snapshot.images,
                    snapshot.activations,
                    snapshot.filters,
                    snapshot.dead,
                    grid=self._grid,
                    sort="index",
                )
            else:
                update_grid(
                    self._artists,
                    snapshot.images,
                    snapshot.activations,
                    snapshot.filters,
                    snapshot.dead,
                    sort="index",
                )
            self._view.refresh()
        # The layer and epoch go in the status line: a title in the picture sat on the tile
        # captions of its first row.
        self._status.value = status_html(
            f"{self.recorder.layer} after {epochs_text(epoch)}; "
            f"{plural(len(self.recorder.snapshots), 'picture')} recorded."
        )
