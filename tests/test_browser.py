"""End to end: the tour notebook's LeNetLab in a real browser, through JupyterLab and Voila.

For each front end (module-scoped, so the server starts once per front end):
open ``notebooks/01_tour.ipynb`` (Lab: wait for the kernel, Run All; Voila: the
page runs it), check every widget rendered, then drive the dashboard the way a
student does: keyboard on the FilterExplorer's grid and step sliders, a click on
the StructurePanel's LR toggle, a click on Train, and assert that the pictures
(the Image widgets' bytes) changed. Screenshots land in the test's temporary
folder; ``UPDATE_SCREENSHOTS=1`` also copies them to ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import browser_support as bs
import pytest

from lenet_widgets import config

pytestmark = pytest.mark.browser

TOUR = bs.NOTEBOOKS / "01_tour.ipynb"
FRONT_ENDS = ("lab", "voila")


@dataclass
class Dashboard:
    kind: str
    page: Any
    shots: Path
    timings: dict[str, float] = field(default_factory=dict)

    def shot(self, name: str) -> Path:
        # Bring the dashboard to the top of the view, as a student scrolls to it.
        self.page.locator(".widget-tab").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        self.page.wait_for_timeout(300)
        return bs.screenshot(self.page, f"{self.kind}_{name}", self.shots)


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


def _server_env() -> dict[str, str]:
    env = {"LENET_WIDGETS_FAST": "1", "LENET_WIDGETS_OFFLINE": "1"}
    mnist = config.mnist_path_from_environment()
    if mnist is not None:
        env[config.MNIST_VARIABLE] = str(mnist)
    return env


@pytest.fixture(scope="module", params=FRONT_ENDS)
def dashboard(request, tmp_path_factory):
    kind = request.param
    reason = bs.missing_requirements("jupyter-lab" if kind == "lab" else "voila")
    if reason:
        pytest.skip(reason)
    if not TOUR.is_file():
        pytest.fail(f"{TOUR} is missing")
    driver = request.getfixturevalue("playwright")
    home = tmp_path_factory.mktemp(f"browser-{kind}")
    begin = time.monotonic()
    server = bs.JupyterServer(
        kind, [TOUR], voila_notebook=TOUR.name if kind == "voila" else None, env=_server_env()
    )
    server.start()
    context = board = None
    try:
        context = bs.launch_browser(driver, home / "profile")
        page = context.new_page()
        page.set_default_timeout(60_000)
        board = Dashboard(kind, page, home / "screenshots")
        board.timings["server"] = server.started_in or 0.0
        page.goto(server.notebook_url(TOUR.name), timeout=120_000)
        if kind == "lab":
            bs.wait_for_kernel_idle(page, timeout=90)
            # Fold the file browser away: the notebook gets the whole width.
            page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").first.click()
            bs.run_all_cells(page)
            bs.wait_for_cells_done(page, timeout=180)
        page.locator(".widget-tab").first.wait_for(timeout=180_000)
        bs.wait_for_widgets(page, timeout=60)
        board.timings["dashboard shown"] = time.monotonic() - begin
        yield board
    except Exception as error:
        raise AssertionError(f"{error}\n--- {kind} server log ---\n{server.log()}") from error
    finally:
        if context is not None:
            context.close()
        server.stop()
        if board is not None:
            times = ", ".join(f"{name} {sec:.1f} s" for name, sec in board.timings.items())
            print(f"\n{kind} timings: {times}")


def _timed(board: Dashboard, name: str, begin: float) -> None:
    board.timings[name] = time.monotonic() - begin


def _button(page: Any, label: str) -> Any:
    pattern = re.compile(rf"^\s*{re.escape(label)}\s*$")
    return page.locator("button.widget-button:visible, button:visible").filter(has_text=pattern)


def _first_picture(page: Any, css_class: str, timeout: float = 90.0) -> tuple[Any, str]:
    """The visible picture carrying ``css_class`` (set by its panel), once it shows something."""
    image = page.locator(f"img.{css_class}:visible").first
    image.wait_for(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    digest = ""
    while time.monotonic() < deadline:
        digest = bs.image_digest(image)
        if digest and not digest.endswith(":0"):
            return image, digest
        time.sleep(0.3)
    raise AssertionError("the picture stayed empty")


# ---------------------------------------------------------------------- tests


def test_every_widget_renders(dashboard):
    page = dashboard.page
    assert bs.widget_errors(page) == [], "a widget failed to display"
    titles = [t.strip() for t in page.locator(".widget-tab .lm-TabBar-tab").all_inner_texts()]
    assert titles == ["Train", "Save / load", "Structure", "Filters", "Feature maps"]
    # Each tab's panel rendered its controls (no placeholder, no error).
    for title in titles:
        bs.tab(page, title)
        visible = page.locator(".jupyter-widgets:visible").count()
        assert visible >= 3, f"tab {title!r} shows {visible} widgets"
        assert "Loading widget" not in page.inner_text("body")
        if title == "Structure":
            _first_picture(page, "lenet-structure-picture")
            dashboard.shot("structure")
        if title == "Feature maps":
            _first_picture(page, "lenet-feature-maps")
            dashboard.shot("feature_maps")
    assert bs.widget_errors(page) == []
    if dashboard.kind == "voila":
        assert "lw.lab()" not in page.inner_text("body"), "Voila must not show code"


def test_filter_step_slider_starts_at_the_last_step(dashboard):
    """A student first sees the finished search, not step 0 (the random starting images)."""
    page = dashboard.page
    bs.tab(page, "Filters")
    page.get_by_text(re.compile(r"filters, \d+ steps")).first.wait_for(timeout=120_000)
    steps = bs.slider(page, "step")
    last = str(int(float(steps.locator(".noUi-handle").first.get_attribute("aria-valuemax"))))
    shown = bs.slider_value(steps)
    assert shown == last, (
        f"the step slider starts at {shown}, not at the last step {last}: "
        "FilterExplorer's jslink(Play -> step) copies Play's value 0 into the slider "
        "when the browser renders it"
    )


def test_filter_sliders_change_the_picture(dashboard):
    page, begin = dashboard.page, time.monotonic()
    bs.tab(page, "Filters")
    page.get_by_text(re.compile(r"filters, \d+ steps")).first.wait_for(timeout=120_000)
    image, before = _first_picture(page, "lenet-filter-grid")

    grid = bs.slider(page, "grid")
    assert bs.slider_value(grid) == "6"
    bs.press_slider(grid, "ArrowLeft", 2)
    page.wait_for_function(
        "(el) => el.innerText.trim() === '4'", arg=grid.locator(".widget-readout").element_handle()
    )
    after_grid = bs.wait_for_new_image(image, before)
    assert after_grid != before

    steps = bs.slider(page, "step")
    last = int(float(steps.locator(".noUi-handle").first.get_attribute("aria-valuemax")))
    assert last > 2
    if bs.slider_value(steps) != str(last):  # See test_filter_step_slider_starts_at_...
        bs.press_slider(steps, "End")
        after_grid = bs.wait_for_new_image(image, after_grid)
    bs.press_slider(steps, "Home")
    page.wait_for_function(
        "(el) => el.innerText.trim() === '0'", arg=steps.locator(".widget-readout").element_handle()
    )
    at_zero = bs.wait_for_new_image(image, after_grid)
    bs.press_slider(steps, "ArrowRight", 2)
    page.wait_for_function(
        "(el) => el.innerText.trim() === '2'", arg=steps.locator(".widget-readout").element_handle()
    )
    at_two = bs.wait_for_new_image(image, at_zero)
    assert len({before, after_grid, at_zero, at_two}) == 4
    bs.press_slider(steps, "End")
    page.wait_for_function(
        f"(el) => el.innerText.trim() === '{last}'",
        arg=steps.locator(".widget-readout").element_handle(),
    )
    bs.wait_for_new_image(image, at_two)
    dashboard.shot("filters")
    _timed(dashboard, "filters", begin)


def test_structure_direction_toggle_changes_the_picture(dashboard):
    page, begin = dashboard.page, time.monotonic()
    bs.tab(page, "Structure")
    image, top_bottom = _first_picture(page, "lenet-structure-picture")
    box = image.bounding_box()
    _button(page, "LR").first.click()
    left_right = bs.wait_for_new_image(image, top_bottom)
    assert left_right != top_bottom
    wide = image.bounding_box()
    # LR lays the layers side by side: a wider-than-tall picture, unlike TB.
    assert wide["width"] / wide["height"] > box["width"] / box["height"]
    dashboard.shot("structure_lr")
    _button(page, "TB").first.click()
    assert bs.wait_for_new_image(image, left_right) == top_bottom  # From the panel's cache.
    _timed(dashboard, "structure", begin)


def test_train_button_draws_the_curves(dashboard):
    page, begin = dashboard.page, time.monotonic()
    bs.tab(page, "Train")
    image, empty = _first_picture(page, "lenet-training-curves")
    _button(page, "Train").first.click()
    bs.wait_for_new_image(image, empty, timeout=120)  # The first live update.
    status = page.get_by_text(re.compile(r"epochs? trained, test accuracy"))
    status.first.wait_for(timeout=300_000)
    final = bs.wait_for_new_image(image, empty, timeout=30)
    assert final != empty
    text = status.first.inner_text()
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", text).group(1))
    assert accuracy > 20.0, text  # 1,000 images, one epoch: well above chance (10%).
    assert bs.widget_errors(page) == []
    dashboard.shot("trained")
    _timed(dashboard, "train", begin)


def test_screenshots_are_committed():
    """docs/screenshots holds the current pictures the README shows."""
    names = {path.name for path in bs.SCREENSHOTS.glob("*.png")} if bs.SCREENSHOTS.is_dir() else ()
    expected = {f"{kind}_{shot}.png" for kind in FRONT_ENDS for shot in ("filters", "trained")}
    missing = sorted(expected - set(names))
    assert not missing, f"run UPDATE_SCREENSHOTS=1 pytest -m browser; missing {missing}"
    assert os.path.getsize(bs.SCREENSHOTS / "lab_trained.png") > 10_000
