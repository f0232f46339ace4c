"""End to end: the dashboard in a real browser (Chromium, 1280x900), through JupyterLab and Voila.

JupyterLab opens ``notebooks/01_tour.ipynb`` (wait for the kernel, Run All);
Voila serves ``notebooks/dashboard.ipynb`` (its page runs it). The server starts
once per front end (module-scoped fixture) and the tests then do, in order, what
a student does: look at every tab, press Stop right after Train and in the middle
of a run, Reset, train one epoch, then look at the trained model's filters,
structure and feature maps. They assert what the student *sees*, not only that a
picture changed:

- no stderr output (TensorFlow's log lines) above the dashboard;
- no picture upscaled (natural vs displayed size, with ``devicePixelRatio``), the
  filter grid inside the 900 px window, the LR structure picture not shrunk;
- no control label cut off; no notebook-only words on the Voila page;
- Stop leaves the panel idle within seconds; the steps control reaches 200.

With ``LENET_WIDGETS_MNIST`` naming real MNIST, the dashboard runs as a student
gets it (not fast mode: 60,000 training images) and ``UPDATE_SCREENSHOTS=1``
copies the screenshots into ``docs/screenshots/`` for the README. Without it,
fast mode on the offline fallback digits, and nothing is published. Timings
measured in the browser are printed at the end of each front end (``-s``).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lenet_widgets import config

import browser_support as bs

pytestmark = pytest.mark.browser

TOUR = bs.NOTEBOOKS / "01_tour.ipynb"
VOILA_PAGE = bs.NOTEBOOKS / "dashboard.ipynb"
FRONT_ENDS = ("lab", "voila")
NOTEBOOK_ONLY_WORDS = ("Run All", "Run →", "new cell", "lab.model", "lw.lab()", "import ")
STOP_IDLE_SECONDS = 10.0
"""Stop must leave the panel idle (Train enabled again) within this many seconds."""
SCREENSHOTS = (
    "trained",
    "filters",
    "structure",
    "structure_lr",
    "feature_maps",
)


def _real_mnist() -> Path | None:
    path = config.mnist_path_from_environment()
    return path if path is not None and path.is_file() else None


@dataclass
class Dashboard:
    kind: str
    page: Any
    shots: Path
    real: bool
    timings: dict[str, float] = field(default_factory=dict)
    server_log: Any = None  # () -> the server's (and kernel's) output so far, for failures.

    def top(self) -> None:
        """Bring the dashboard to the top of the window, as a student scrolls to it."""
        self.page.locator(".widget-tab").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        self.page.wait_for_timeout(300)

    def shot(self, name: str) -> Path:
        self.top()
        return bs.screenshot(self.page, f"{self.kind}_{name}", self.shots, publish=self.real)


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


def _server_env() -> dict[str, str]:
    env = {"LENET_WIDGETS_OFFLINE": "1"}
    mnist = _real_mnist()
    if mnist is not None:
        env[config.MNIST_VARIABLE] = str(mnist)
        env[config.FAST_VARIABLE] = "0"  # What a student gets: all 60,000 images.
    else:
        env[config.FAST_VARIABLE] = "1"
    return env


@pytest.fixture(scope="module", params=FRONT_ENDS)
def dashboard(request, tmp_path_factory):
    kind = request.param
    reason = bs.missing_requirements("jupyter-lab" if kind == "lab" else "voila")
    if reason:
        pytest.skip(reason)
    notebook = TOUR if kind == "lab" else VOILA_PAGE
    if not notebook.is_file():
        pytest.fail(f"{notebook} is missing")
    driver = request.getfixturevalue("playwright")
    home = tmp_path_factory.mktemp(f"browser-{kind}")
    server = bs.JupyterServer(
        kind,
        [notebook],
        voila_notebook=notebook.name if kind == "voila" else None,
        env=_server_env(),
    )
    server.start()
    context = board = None
    try:
        context = bs.launch_browser(driver, home / "profile")
        page = context.new_page()
        page.set_default_timeout(60_000)
        board = Dashboard(kind, page, home / "screenshots", real=_real_mnist() is not None)
        board.timings["server start"] = server.started_in or 0.0
        board.server_log = server.log
        begin = time.monotonic()
        page.goto(server.notebook_url(notebook.name), timeout=300_000)
        if kind == "lab":
            bs.wait_for_kernel_idle(page, timeout=90)
            # Fold the file browser away: the notebook gets the whole width.
            page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").first.click()
            begin = time.monotonic()
            bs.run_all_cells(page)
        page.locator(".widget-tab").first.wait_for(timeout=300_000)
        bs.wait_for_widgets(page, timeout=120)
        # The Filters picture is computed before lab() returns: the first one shown.
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.lenet-filter-grid')]"
            ".some(img => img.naturalWidth > 0)",
            timeout=300_000,
        )
        name = "Run All to first filter picture" if kind == "lab" else "page to first render"
        board.timings[name] = time.monotonic() - begin
        if kind == "lab":
            bs.wait_for_cells_done(page, timeout=120)
        yield board
    except Exception as error:
        raise AssertionError(f"{error}\n--- {kind} server log ---\n{server.log()}") from error
    finally:
        if context is not None:
            context.close()
        server.stop()
        if board is not None:
            times = ", ".join(f"{name} {sec:.2f} s" for name, sec in board.timings.items())
            print(f"\n{kind} ({'real MNIST' if board.real else 'fast mode'}) timings: {times}")


def _button(page: Any, label: str) -> Any:
    pattern = re.compile(rf"^\s*{re.escape(label)}\s*$")
    buttons = page.locator("button.widget-button:visible, button.widget-toggle-button:visible")
    return buttons.filter(has_text=pattern).first


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
    raise AssertionError(f"the picture {css_class} stayed empty")


def _upscaled(page: Any) -> list[str]:
    """Visible pictures shown larger than their pixels allow, or not rendered for 2x screens."""
    problems = []
    for picture in bs.picture_sizes(page):
        (natural_w, natural_h), (shown_w, shown_h) = picture["natural"], picture["shown"]
        dpr = picture["dpr"]
        if shown_w * dpr > natural_w + 1 or shown_h * dpr > natural_h + 1:
            problems.append(f"{picture['name']}: {natural_w}x{natural_h} shown {shown_w}x{shown_h}")
        elif picture["name"].startswith("lenet-") and natural_w < 2 * shown_w - 2:
            problems.append(
                f"{picture['name']}: {natural_w} px wide shown at {shown_w} CSS px: "
                "not crisp on a 2x screen (render at twice the pixels)"
            )
    return problems


def _wait_idle(page: Any, timeout: float) -> float:
    """Wait until the Train button is enabled again; return the seconds it took."""
    begin = time.monotonic()
    train = _button(page, "Train")
    page.wait_for_function("(b) => !b.disabled", arg=train.element_handle(), timeout=timeout * 1000)
    return time.monotonic() - begin


def _stderr(page: Any) -> list[str]:
    """stderr outputs in the cell, but the data loader's one-line notice of the offline fallback
    (said on purpose when real MNIST is missing, as in notebooks' tests)."""
    return [text for text in bs.stderr_outputs(page) if "MNIST not found" not in text]


def _status_text(page: Any) -> str:
    return page.locator(".widget-tab .widget-html:visible").first.inner_text()


# ---------------------------------------------------------------------- tests: before training


def test_every_tab_renders_without_errors_or_stderr(dashboard):
    page = dashboard.page
    assert bs.widget_errors(page) == [], "a widget failed to display"
    assert _stderr(page) == [], "stderr output (red lines) shown in the cell"
    dashboard.shot("untrained")  # Before any training: no broken picture, no stale axes.
    titles = [t.strip() for t in page.locator(".widget-tab .lm-TabBar-tab").all_inner_texts()]
    assert titles == ["Train", "Save / load", "Structure", "Filters", "Feature maps"]
    for title in titles:
        bs.tab(page, title)
        visible = page.locator(".jupyter-widgets:visible").count()
        assert visible >= 3, f"tab {title!r} shows {visible} widgets"
        assert "Loading widget" not in page.inner_text("body")
    assert bs.widget_errors(page) == []
    if dashboard.kind == "voila":
        text = page.inner_text("body")
        shown = [word for word in NOTEBOOK_ONLY_WORDS if word in text]
        assert not shown, f"the Voila page shows notebook-only text: {shown}"


def test_no_control_label_is_cut_off(dashboard):
    page = dashboard.page
    cut = {}
    for title in ("Train", "Save / load", "Structure", "Filters", "Feature maps"):
        bs.tab(page, title)
        page.wait_for_timeout(200)
        cut.update({f"{title}: {label}": True for label in bs.truncated_labels(page)})
    assert not cut, f"labels cut off: {sorted(cut)}"


def test_stop_right_after_train_leaves_the_panel_idle_within_seconds(dashboard):
    page = dashboard.page
    bs.tab(page, "Train")
    _button(page, "Train").click()
    page.wait_for_timeout(100)
    _stop_and_check_idle(dashboard, "Stop right after Train to idle")


def test_stop_mid_run_leaves_the_panel_idle_within_seconds(dashboard):
    if not dashboard.real:
        pytest.skip("fast mode trains 1,000 images in about a second: no middle to stop in")
    page = dashboard.page
    bs.tab(page, "Train")
    image, before = _first_picture(page, "lenet-training-curves")
    _button(page, "Train").click()
    bs.wait_for_new_image(image, before, timeout=120, settle=0)  # Batches are running.
    page.wait_for_timeout(1500)
    _stop_and_check_idle(dashboard, "Stop mid-run to idle")


def _stop_and_check_idle(dashboard: Dashboard, timing: str) -> None:
    """Press Stop (it waits for the kernel to enable it, as a student would) and check the
    panel is idle again within ``STOP_IDLE_SECONDS``, saying it stopped."""
    page = dashboard.page
    _button(page, "Stop").click()
    latency = _wait_idle(page, timeout=120)
    dashboard.timings[timing] = latency
    status = _status_text(page)
    assert latency < STOP_IDLE_SECONDS, f"Stop took {latency:.1f} s; status: {status}"
    assert "stop" in status.lower(), status


def test_train_one_epoch_after_reset_draws_the_curves(dashboard):
    page, begin = dashboard.page, time.monotonic()
    bs.tab(page, "Train")
    _button(page, "Reset").click()
    page.get_by_text(re.compile("fresh weights")).first.wait_for(timeout=30_000)
    image = page.locator("img.lenet-training-curves:visible").first
    empty = bs.image_digest(image)
    _button(page, "Train").click()
    bs.wait_for_new_image(image, empty, timeout=120)  # The first live update.
    _wait_idle(page, timeout=900)
    status = _status_text(page)
    match = re.search(r"test accuracy ([\d.]+)%", status)
    assert match, status
    accuracy = float(match.group(1))
    # One epoch: 60,000 images give about 97%; fast mode's 1,000 well above chance (10%).
    assert accuracy > (90.0 if dashboard.real else 20.0), status
    assert bs.widget_errors(page) == [] and _stderr(page) == []
    dashboard.timings["Reset + train 1 epoch"] = time.monotonic() - begin
    clear_runs = _button(page, "Clear old runs")
    if clear_runs.count():  # The stopped runs above: the screenshot shows one run.
        with contextlib.suppress(Exception):
            clear_runs.click(timeout=10_000)  # Waits until the panel enables it.
    page.wait_for_timeout(1500)  # The curves, the filter history and the other tabs redraw.
    dashboard.shot("trained")


# ---------------------------------------------------------------------- tests: the trained model


def test_pictures_are_never_upscaled(dashboard):
    page = dashboard.page
    problems = []
    for title, picture in (
        ("Train", "lenet-training-curves"),
        ("Structure", "lenet-structure-picture"),
        ("Filters", "lenet-filter-grid"),
        ("Feature maps", "lenet-feature-maps"),
    ):
        bs.tab(page, title)
        _first_picture(page, picture)
        problems += [f"{title}: {problem}" for problem in _upscaled(page)]
    assert not problems, "pictures stretched or blurry:\n" + "\n".join(problems)


def test_filter_sliders_change_the_picture_and_the_grid_fits_the_window(dashboard):
    page = dashboard.page
    bs.tab(page, "Filters")
    page.get_by_text(re.compile(r"filters?, \d+ steps?")).first.wait_for(timeout=120_000)
    image, before = _first_picture(page, "lenet-filter-grid")
    dashboard.top()
    (grid_picture,) = [p for p in bs.picture_sizes(page) if "lenet-filter-grid" in p["name"]]
    assert grid_picture["bottom"] <= bs.VIEWPORT[1], (
        f"the filter grid ends at {grid_picture['bottom']:.0f} px, below the "
        f"{bs.VIEWPORT[1]} px window: the student has to scroll"
    )

    grid = bs.slider(page, "grid")
    steps = bs.slider(page, "show step")
    last = int(float(steps.locator(".noUi-handle").first.get_attribute("aria-valuemax")))
    assert bs.slider_value(steps) == str(last), "the step slider must start at the last step"
    source = bs.image_source(image)
    begin = time.monotonic()
    source = _move_slider_and_wait(dashboard, grid, "ArrowLeft", image, source)
    dashboard.timings["grid change to new picture"] = time.monotonic() - begin
    begin = time.monotonic()
    source = _move_slider_and_wait(dashboard, steps, "ArrowLeft", image, source)
    dashboard.timings["step change to new picture"] = time.monotonic() - begin
    after = bs.wait_for_new_image(image, before)
    assert after != before
    bs.press_slider(steps, "End")
    bs.press_slider(grid, "ArrowRight", 1)
    page.wait_for_function(
        f"(el) => el.innerText.trim() === '{last}'",
        arg=steps.locator(".widget-readout").element_handle(),
    )
    bs.wait_for_new_image(image, after)
    assert _upscaled(page) == []
    dashboard.shot("filters")


def _move_slider_and_wait(
    dashboard: Dashboard, slider: Any, key: str, image: Any, source: str, timeout: float = 30.0
) -> str:
    """Press ``key`` on ``slider`` and wait for ``image``'s new picture; return its src.

    A failure says which side lost the change: the browser (the readout never moved)
    or the kernel (the readout moved, no picture came), with the panel's status and
    the server's log.
    """
    page = dashboard.page
    readout = slider.locator(".widget-readout")
    before = bs.slider_value(slider)
    bs.press_slider(slider, key)
    try:
        page.wait_for_function(
            "([el, old]) => el.innerText.trim() !== old",
            arg=[readout.element_handle(), before],
            timeout=10_000,
        )
    except Exception as error:
        raise AssertionError(f"{key} left the slider at {before}: the browser lost it") from error
    try:
        return bs.wait_for_source_change(page, image, source, timeout=timeout)
    except Exception as error:
        log = dashboard.server_log() if dashboard.server_log else ""
        texts = page.locator(".widget-tab .widget-html:visible").all_inner_texts()
        raise AssertionError(
            f"the slider moved {before} -> {bs.slider_value(slider)} but no new picture came "
            f"in {timeout:.0f} s; panel says: {texts}; stderr: {_stderr(page)}\n"
            f"--- server log ---\n{log}"
        ) from error


def _steps_control(page: Any) -> Any:
    """The Filters tab's control choosing how many ascent steps are computed."""
    label = page.locator(".widget-label:visible").filter(has_text=re.compile(r"steps", re.I))
    return page.locator(".widget-inline-hbox:visible").filter(has=label).first


def test_filters_steps_control_reaches_200(dashboard):
    page = dashboard.page
    bs.tab(page, "Filters")
    image, before = _first_picture(page, "lenet-filter-grid")
    control = _steps_control(page)
    control.wait_for(timeout=10_000)
    choice = control.locator("select")
    toggles = control.locator("button.widget-toggle-button")
    if choice.count():
        labels = [text.strip() for text in choice.locator("option").all_inner_texts()]
        wanted = [text for text in labels if re.match(r"^200\b", text)]
        assert wanted, f"the steps control offers {labels}, not 200"
        choice.select_option(label=wanted[0])
    elif toggles.count():
        toggles.filter(has_text=re.compile(r"^\s*200\b")).first.click()
    else:
        field_ = control.locator("input").first
        field_.fill("200")
        field_.press("Enter")
    page.get_by_text(re.compile(r"filters, 200 steps")).first.wait_for(timeout=300_000)
    steps = bs.slider(page, "show step")
    page.wait_for_function(
        "(h) => Number(h.getAttribute('aria-valuemax')) === 200",
        arg=steps.locator(".noUi-handle").first.element_handle(),
        timeout=60_000,
    )
    # The status and the slider arrive before the new picture: never shoot the old one.
    bs.wait_for_new_image(image, before, timeout=120)
    dashboard.shot("filters")  # The README shows the trained filters after 200 steps.


def test_structure_lr_picture_is_readable(dashboard):
    page, begin = dashboard.page, time.monotonic()
    bs.tab(page, "Structure")
    image, top_bottom = _first_picture(page, "lenet-structure-picture")
    dashboard.shot("structure")
    _button(page, "LR").click()
    left_right = bs.wait_for_new_image(image, top_bottom)
    assert left_right != top_bottom
    (picture,) = [p for p in bs.picture_sizes(page) if "lenet-structure-picture" in p["name"]]
    css_width = float(picture["cssWidth"].removesuffix("px") or 0)
    shown_w, shown_h = picture["shown"]
    assert css_width > 0, "the structure picture has no CSS width: not shown at its true size"
    # Shrunk by max-width to fit the page, its layer names would be unreadable (issue 10.4).
    assert shown_w >= 0.9 * css_width, f"LR picture shrunk from {css_width} to {shown_w} px"
    assert shown_h >= 80, f"LR picture only {shown_h} px tall: a strip, not a drawing"
    dashboard.shot("structure_lr")
    _button(page, "TB").click()
    assert bs.wait_for_new_image(image, left_right) == top_bottom  # From the panel's cache.
    dashboard.timings["structure toggles"] = time.monotonic() - begin


def test_feature_maps_of_the_trained_model(dashboard):
    page = dashboard.page
    bs.tab(page, "Feature maps")
    _first_picture(page, "lenet-feature-maps")
    # "why this class?" is on: its picture for the new weights comes after the maps (the
    # old one is hidden at once); shoot the tab as a student sees it once it is there.
    _first_picture(page, "lenet-attribution", timeout=120)
    assert _upscaled(page) == []
    dashboard.shot("feature_maps")
    bs.tab(page, "Train")


def test_screenshots_are_committed():
    """docs/screenshots holds the pictures the README shows."""
    names = {path.name for path in bs.SCREENSHOTS.glob("*.png")} if bs.SCREENSHOTS.is_dir() else ()
    expected = {f"{kind}_{shot}.png" for kind in FRONT_ENDS for shot in SCREENSHOTS}
    missing = sorted(expected - set(names))
    assert not missing, f"run UPDATE_SCREENSHOTS=1 pytest -m browser; missing {missing}"
    assert os.path.getsize(bs.SCREENSHOTS / "lab_trained.png") > 10_000
