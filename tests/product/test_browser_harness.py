"""The browser harness itself, proven on a tiny notebook (an IntSlider driving an Image).

If these fail, the dashboard's browser tests cannot be trusted either; they run
in seconds and need no TensorFlow.
"""

from __future__ import annotations

import time

import pytest

import browser_support as bs

pytestmark = pytest.mark.browser

SLIDER_NOTEBOOK = [
    """\
import io
import ipywidgets as widgets
from PIL import Image as PILImage


def png(value):
    buffer = io.BytesIO()
    PILImage.new("RGB", (60, 40), (value * 25 % 256, 80, 160)).save(buffer, "PNG")
    return buffer.getvalue()


level = widgets.IntSlider(value=2, min=0, max=9, description="level")
picture = widgets.Image(value=png(2), format="png")
level.observe(lambda change: setattr(picture, "value", png(change["new"])), names="value")
widgets.VBox([level, picture])""",
]


def _skip_reason(tool: str) -> str | None:
    return bs.missing_requirements(tool)


@pytest.fixture(scope="module")
def playwright():
    reason = _skip_reason("jupyter-lab")
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def probe_notebook(tmp_path):
    return bs.write_notebook(tmp_path / "probe.ipynb", SLIDER_NOTEBOOK, ["# Probe"])


def _check_slider_moves_picture(page, scope="body"):
    level = bs.slider(page, "level")
    assert bs.slider_value(level) == "2"
    image = page.locator(f"{scope} .widget-image").first
    before = bs.image_digest(image)
    assert before, "the Image widget shows no picture"
    bs.press_slider(level, "ArrowRight", 3)
    page.wait_for_function(
        "(el) => el.innerText.trim() === '5'", arg=level.locator(".widget-readout").element_handle()
    )
    after = bs.wait_for_new_image(image, before, timeout=20)
    assert after != before


def test_lab_harness_runs_notebook_and_slider_changes_picture(playwright, probe_notebook, tmp_path):
    begin = time.monotonic()
    with bs.JupyterServer("lab", [probe_notebook]) as server:
        context = bs.launch_browser(playwright, tmp_path / "profile")
        try:
            page = context.new_page()
            page.goto(server.notebook_url("probe.ipynb"))
            bs.wait_for_kernel_idle(page)
            bs.run_all_cells(page)
            bs.wait_for_cells_done(page, timeout=60)
            assert bs.wait_for_widgets(page, ".jp-Notebook") >= 2
            assert bs.widget_errors(page) == []
            print(f"lab: server {server.started_in:.1f} s, ready {time.monotonic() - begin:.1f} s")
            _check_slider_moves_picture(page, ".jp-Notebook")
        finally:
            context.close()
        assert server.process is not None and server.process.poll() is None
        kernels = server._our_processes()
    # After teardown nothing we started is left: no server, no kernel.
    assert all(pid not in server._our_processes() for pid in kernels)
    assert server._our_processes() == []


def test_voila_harness_serves_widgets_without_code(playwright, probe_notebook, tmp_path):
    reason = _skip_reason("voila")
    if reason:
        pytest.skip(reason)
    begin = time.monotonic()
    with bs.JupyterServer("voila", [probe_notebook], voila_notebook="probe.ipynb") as server:
        context = bs.launch_browser(playwright, tmp_path / "profile")
        try:
            page = context.new_page()
            page.goto(server.notebook_url("probe.ipynb"))
            assert bs.wait_for_widgets(page, "body", timeout=60) >= 2
            assert bs.widget_errors(page) == []
            assert "def png" not in page.inner_text("body"), "Voila shows the code"
            print(f"voila: ready {time.monotonic() - begin:.1f} s")
            _check_slider_moves_picture(page)
        finally:
            context.close()
    assert server._our_processes() == []
