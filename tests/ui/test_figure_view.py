"""The shared picture, status and label mechanisms of the panels (no browser).

- FigureView shows every picture at its true size: CSS width = figsize x dpi, PNG at 2x
  for high-density screens, max-width 100% (shrinks, never stretches); a dpi change
  changes the shown size.
- status_html has a warning kind (a chance-level accuracy is not green).
- fit_labels leaves no control label truncated.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import pytest
from PIL import Image as PILImage

from lenet_widgets.ui.controls import fit_labels
from lenet_widgets.ui.figure_view import DENSITY, FigureView, png_size, show_picture
from lenet_widgets.ui.status import STATUS_KINDS, status_html


def _png(width, height):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def test_figure_is_shown_at_its_logical_size_rendered_at_twice_the_pixels():
    view = FigureView(figsize=(3.6, 3.9), dpi=80)
    view.figure.add_subplot().plot([0, 1], [1, 0])
    png = view.refresh()
    assert view.logical_size == (288, 312)
    assert png_size(png) == (288 * DENSITY, 312 * DENSITY)
    layout = view.image.layout
    # The picture is never stretched to the page width: its CSS width is its own.
    assert (layout.width, layout.max_width, layout.height) == ("288px", "100%", "auto")
    assert view.shown_size == (288, 312) and layout.visibility is None


def test_a_dpi_change_changes_the_displayed_size():
    view = FigureView(figsize=(4.0, 2.0), dpi=96)
    view.refresh()
    assert view.image.layout.width == "384px"
    view.figure.set_dpi(48)
    png = view.refresh()
    assert view.image.layout.width == "192px" and png_size(png) == (192 * DENSITY, 96 * DENSITY)


def test_cached_png_keeps_its_own_size():
    view = FigureView(figsize=(2.0, 1.0), dpi=100)
    small = view.refresh()
    view.figure.set_size_inches(5.0, 1.0)
    view.refresh()
    assert view.image.layout.width == "500px"
    view.show_png(small)
    assert view.image.layout.width == "200px" and view.image.value == small


def test_empty_view_is_hidden_not_a_broken_image():
    view = FigureView()
    assert view.image.layout.visibility == "hidden" and view.shown_size == (0, 0)
    view.refresh()
    assert view.image.layout.visibility is None
    view.clear()
    assert view.image.layout.visibility == "hidden" and bytes(view.image.value) == b""


def test_show_picture_for_ready_made_pngs():
    image = widgets.Image(format="png")
    assert show_picture(image, _png(300, 100)) == (150, 50)
    assert image.layout.width == "150px"
    assert show_picture(image, _png(300, 100), density=1) == (300, 100)
    assert image.layout.width == "300px"


def test_png_size_refuses_other_bytes():
    with pytest.raises(ValueError, match="expected PNG bytes; found 4 bytes"):
        png_size(b"GIF8")
    with pytest.raises(ValueError, match="density"):
        FigureView(density=0)


def test_status_kinds():
    assert "#1a7f37" in status_html("87% accuracy", "ok")
    warning = status_html("10.3% test accuracy: chance level", "warning")
    assert STATUS_KINDS["warning"] in warning and STATUS_KINDS["ok"] not in warning
    assert "&lt;b&gt;" in status_html("<b>")
    with pytest.raises(ValueError, match="status kind is 'green'; expected one of info, ok"):
        status_html("x", "green")


def test_fit_labels_widens_every_label_in_nested_boxes():
    rate = widgets.FloatLogSlider(description="learning rate")
    activation = widgets.Dropdown(description="activation", options=["relu"])
    plain = widgets.Button(description="Train")
    box = widgets.Tab(children=[widgets.VBox([widgets.HBox([rate, plain]), activation])])
    assert fit_labels(box) == 2
    assert rate.style.description_width == "initial"
    assert activation.style.description_width == "initial"
    assert rate.tooltip == "learning rate"
    assert fit_labels(box) == 0  # Idempotent.
    sort = widgets.ToggleButtons(options=["activation", "index"])
    sort.style.button_width = "80px"
    assert fit_labels(sort) == 1 and sort.style.button_width == "auto"


def test_dashboard_has_no_fixed_width_label(tiny_lenet):
    import numpy as np

    from lenet_widgets.core.data import Dataset
    from lenet_widgets.ui.lab import LeNetLab

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (80, 12, 12), dtype=np.uint8)
    labels = rng.integers(0, 3, 80).astype(np.uint8)
    board = LeNetLab(tiny_lenet, Dataset(images, labels, images, labels, "t"), filter_steps=2)
    board.wait()
    assert _fixed_width_labels(board) == []


def _fixed_width_labels(root):
    fixed, stack = [], [root]
    while stack:
        widget = stack.pop()
        stack.extend(getattr(widget, "children", ()))
        style = getattr(widget, "style", None)
        labelled = getattr(widget, "description", "") and style is not None
        if labelled and style.has_trait("description_width"):
            fixed += [widget.description] if style.description_width != "initial" else []
    return fixed


def test_each_panel_on_its_own_has_no_fixed_width_label(tiny_lenet):
    import numpy as np

    from lenet_widgets.core.data import Dataset
    from lenet_widgets.ui.feature_maps import FeatureMapsPanel
    from lenet_widgets.ui.filter_history import FilterHistoryPanel
    from lenet_widgets.ui.filters import FilterExplorer
    from lenet_widgets.ui.save import SavePanel
    from lenet_widgets.ui.structure import StructurePanel
    from lenet_widgets.ui.training import TrainingPanel

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 12, 12), dtype=np.uint8)
    labels = rng.integers(0, 3, 40).astype(np.uint8)
    explorer = FilterExplorer(tiny_lenet, max_steps=2)
    explorer.wait()
    panels = [
        TrainingPanel(tiny_lenet, Dataset(images, labels, images, labels, "t")),
        SavePanel(tiny_lenet),
        StructurePanel(tiny_lenet),
        explorer,
        FeatureMapsPanel(tiny_lenet, images, labels),
        FilterHistoryPanel(tiny_lenet, steps=2),
    ]
    assert {type(panel).__name__: _fixed_width_labels(panel) for panel in panels} == {
        type(panel).__name__: [] for panel in panels
    }
