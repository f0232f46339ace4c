"""ui.controls: every button says what it does; log sliders span powers of ten."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from lenet_widgets.ui.controls import action_button, log_slider


def test_action_button_has_its_label_icon_style_and_tooltip():
    button = action_button("Train", "train in the background", icon="play", kind="success")
    assert isinstance(button, widgets.Button)
    assert (button.description, button.icon, button.button_style) == ("Train", "play", "success")
    assert button.tooltip == "train in the background"
    assert not button.disabled and button.layout.width is None
    stop = action_button("Stop", "stop after this batch", disabled=True, width="auto")
    assert stop.disabled and stop.layout.width == "auto"


def test_a_button_without_a_tooltip_is_refused():
    with pytest.raises(ValueError, match="button 'Go': say in its tooltip what a click does"):
        action_button("Go", "")


def test_log_slider_spans_the_given_powers_of_ten():
    slider = log_slider("learning rate", 1e-3, (-5, 0), 0.25, readout_format=".3g")
    assert isinstance(slider, widgets.FloatLogSlider)
    assert (slider.base, slider.min, slider.max, slider.step) == (10, -5, 0, 0.25)
    assert slider.value == pytest.approx(1e-3)
    assert (slider.description, slider.readout_format) == ("learning rate", ".3g")
