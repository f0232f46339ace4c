"""Serve notebooks with JupyterLab or Voila on 127.0.0.1 and drive them in headless Chromium.

Used by ``tests/product/test_browser*.py``. Everything a server writes (config, data,
runtime files, IPython and matplotlib caches, autosaves, checkpoints) goes into
a private temporary directory holding a *copy* of the notebooks, so a test run
never touches the repository or the user's Jupyter setup.

Facts this module is built on (measured on the CI machine kind):

- JupyterLab's toolbar shows "idle" before the notebook has a kernel, and "Run
  All" at that moment silently does nothing: wait for the status bar to read
  "Python 3 (ipykernel) | Idle" first.
- Kernels run in their own process session, so killing the server's process
  group does not stop them; ``JupyterServer.stop`` asks the server to shut them
  down and then kills every process whose command line names our private
  runtime directory.
- Voila's page template loads a stylesheet from a CDN; when that request stalls
  no widget appears. Every request not addressed to 127.0.0.1 is aborted.
- A dragged slider sends intermediate values; keyboard steps on a focused
  slider handle are exact, and tests wait for the final value anyway.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
KERNEL_STATUS_IDLE = "Python 3 (ipykernel) | Idle"
VIEWPORT = (1280, 900)
"""The window a student's laptop shows: every test and screenshot uses it."""
STDERR_MIME = "application/vnd.jupyter.stderr"
WIDGET_ERROR = "Error displaying widget"


def chromium_path() -> Path | None:
    """Debian's Chromium (never a Playwright download), or None when missing."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


def missing_requirements(tool: str = "jupyter-lab") -> str | None:
    """Why browser tests cannot run here (None when they can)."""
    if chromium_path() is None:
        return "Chromium not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python playwright not installed (pip install playwright)"
    if not (Path(sys.executable).parent / tool).exists() and shutil.which(tool) is None:
        return f"{tool} not installed"
    return None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _executable(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


class JupyterServer:
    """A JupyterLab or Voila server on 127.0.0.1 over a private copy of some notebooks.

    Args:
        kind: ``"lab"`` or ``"voila"``.
        notebooks: notebook files (or a folder) to copy into the served directory.
        voila_notebook: for Voila, the notebook (name inside the copy) to serve.
        env: extra environment variables for the server and its kernels.
    """

    def __init__(
        self,
        kind: str,
        notebooks: list[Path] | Path,
        *,
        voila_notebook: str | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        if kind not in ("lab", "voila"):
            raise ValueError(f"kind is {kind!r}; expected 'lab' or 'voila'.")
        self.kind = kind
        self.home = Path(tempfile.mkdtemp(prefix=f"lenet-{kind}-"))
        self.root = self.home / "notebooks"
        self.root.mkdir()
        sources = sorted(notebooks.glob("*.ipynb")) if isinstance(notebooks, Path) else notebooks
        for source in sources:
            shutil.copy2(source, self.root / Path(source).name)
        self.voila_notebook = voila_notebook
        self.token = secrets.token_hex(16) if kind == "lab" else ""
        self.port = free_port()
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.log_path = self.home / "server.log"
        self.started_in: float | None = None

    # ------------------------------------------------------------------ paths

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        """Full URL of a server path, with the token when there is one."""
        separator = "&" if "?" in path else "?"
        suffix = f"{separator}token={self.token}" if self.token else ""
        return f"{self.base_url}/{path.lstrip('/')}{suffix}"

    def notebook_url(self, name: str) -> str:
        if self.kind == "lab":
            return self.url(f"lab/tree/{name}")
        return self.url("")

    def log(self) -> str:
        """The server's output so far (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    # ------------------------------------------------------------------ lifecycle

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
            env.pop(variable, None)
        dirs = {
            "JUPYTER_CONFIG_DIR": self.home / "config",
            "JUPYTER_DATA_DIR": self.home / "data",
            "JUPYTER_RUNTIME_DIR": self.home / "runtime",
            "IPYTHONDIR": self.home / "ipython",
            "MPLCONFIGDIR": self.home / "matplotlib",
        }
        for variable, path in dirs.items():
            path.mkdir(parents=True, exist_ok=True)
            env[variable] = str(path)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        env["LENET_WIDGETS_FAST"] = "1"
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env["PYTHONUNBUFFERED"] = "1"
        # Kernels must find the same Python (and the package) as the tests.
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env.update(self.extra_env)
        return env

    def _write_lab_config(self) -> None:
        labconfig = self.home / "config" / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        page_config = {
            "disabledExtensions": {
                # The "receive Jupyter news?" toast would cover widgets in screenshots.
                "@jupyterlab/apputils-extension:announcements": True,
            }
        }
        (labconfig / "page_config.json").write_text(json.dumps(page_config))

    def command(self) -> list[str]:
        if self.kind == "lab":
            return [
                _executable("jupyter-lab"),
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--ServerApp.root_dir={self.root}",
                f"--IdentityProvider.token={self.token}",
                "--ServerApp.open_browser=False",
                "--LabApp.expose_app_in_browser=True",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabServerApp.workspaces_dir=" + str(self.home / "workspaces"),
            ]
        if not self.voila_notebook:
            raise ValueError("voila_notebook is required for a Voila server.")
        return [
            _executable("voila"),
            str(self.root / self.voila_notebook),
            "--no-browser",
            f"--port={self.port}",
            "--Voila.ip=127.0.0.1",
            "--Voila.port_retries=0",
            f"--Voila.root_dir={self.root}",
        ]

    def start(self) -> JupyterServer:
        self._write_lab_config()
        begin = time.monotonic()
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.root,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Its own process group: stop() kills all of it.
        )
        log.close()
        probe = self.url("api/status") if self.kind == "lab" else self.url("")
        deadline = begin + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                with urllib.request.urlopen(probe, timeout=2) as response:
                    if response.status == 200:
                        self.started_in = time.monotonic() - begin
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise TimeoutError(f"{self.kind} did not answer in {self.startup_timeout} s:\n{self.log()}")

    def _shutdown_kernels(self) -> None:
        if self.kind != "lab":
            return
        try:
            with urllib.request.urlopen(self.url("api/kernels"), timeout=3) as response:
                kernels = json.load(response)
            for kernel in kernels:
                request = urllib.request.Request(
                    self.url(f"api/kernels/{kernel['id']}"), method="DELETE"
                )
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(request, timeout=10).close()
        except (OSError, ValueError):
            pass

    def _our_processes(self) -> list[int]:
        """Processes whose command line names our private directory (kernels, the server)."""
        marker = str(self.home).encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker in cmdline:
                found.append(int(entry.name))
        return found

    def stop(self) -> None:
        """Stop kernels, then the server's whole process group; remove the private directory."""
        process = self.process
        if process is not None and process.poll() is None:
            self._shutdown_kernels()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # Stragglers left in its group.
        # Kernels live in their own sessions; their command line names our runtime dir.
        for pid in self._our_processes():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self.process = None
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> JupyterServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


# ---------------------------------------------------------------------- browser


def launch_browser(playwright: Any, user_data_dir: Path) -> Any:
    """A persistent Chromium context with a fresh profile; only 127.0.0.1 is reachable."""
    context = playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=str(chromium_path()),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]},
        ignore_default_args=["--enable-automation"],
    )
    context.route("**/*", _only_localhost)
    return context


def _only_localhost(route: Any) -> None:
    url = route.request.url
    if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def wait_for_kernel_idle(page: Any, timeout: float = 60.0) -> None:
    """Wait until JupyterLab's status bar reads "Python 3 (ipykernel) | Idle"."""
    page.get_by_text(KERNEL_STATUS_IDLE, exact=False).first.wait_for(timeout=timeout * 1000)


def run_all_cells(page: Any) -> None:
    """JupyterLab's Run > Run All Cells, through the menu a student uses."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def wait_for_cells_done(page: Any, timeout: float = 120.0) -> None:
    """Wait until every code cell has an execution count and none shows ``[*]``."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll(
                '.jp-CodeCell .jp-InputArea-prompt')];
            if (!prompts.length) return false;
            return prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=timeout * 1000,
    )


def wait_for_widgets(page: Any, scope: str = "body", timeout: float = 60.0) -> int:
    """Wait until no widget placeholder is left; return how many widget views rendered."""
    page.wait_for_function(
        """(scope) => {
            const root = document.querySelector(scope) || document.body;
            const text = root.innerText || '';
            if (text.includes('Loading widget...')) return false;
            return root.querySelectorAll('.jupyter-widgets').length > 0
                || text.includes('Error displaying widget');
        }""",
        arg=scope,
        timeout=timeout * 1000,
    )
    return page.locator(f"{scope} .jupyter-widgets").count()


def widget_errors(page: Any) -> list[str]:
    """Texts of outputs saying a widget could not be displayed (and Python tracebacks)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
                '.jp-OutputArea-output, .jp-RenderedText, .jupyter-widgets, body')]
            .map(e => e.innerText || '')
            .filter(t => t.includes('Error displaying widget') || t.includes('Traceback'))
            .map(t => t.slice(0, 500))"""
    )


def slider(page: Any, description: str, scope: Any = None) -> Any:
    """The ipywidgets slider whose label reads ``description`` (visible ones first)."""
    root = scope if scope is not None else page
    label = page.locator(".widget-label").filter(
        has_text=re.compile(rf"^\s*{re.escape(description)}\s*$")
    )
    return root.locator(".widget-slider:visible").filter(has=label).first


def slider_value(slider_locator: Any) -> str:
    return slider_locator.locator(".widget-readout").inner_text().strip()


def press_slider(slider_locator: Any, key: str, times: int = 1) -> None:
    """Focus the slider's handle and press an arrow key: exact steps, like a keyboard user."""
    handle = slider_locator.locator(".noUi-handle").first
    handle.focus()
    for _ in range(times):
        handle.press(key)


def image_source(image_locator: Any) -> str:
    """The ``src`` of an ``<img>`` (an Image widget's blob URL changes with its bytes)."""
    return image_locator.get_attribute("src") or ""


def image_digest(image_locator: Any) -> str:
    """A digest of the bytes an ``<img>`` shows (fetches its blob URL in the page)."""
    return image_locator.evaluate(
        """async (img) => {
            if (!img.src) return '';
            const buffer = await (await fetch(img.src)).arrayBuffer();
            const digest = await crypto.subtle.digest('SHA-256', buffer);
            return [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0'))
                .join('') + ':' + buffer.byteLength;
        }"""
    )


def wait_for_new_image(
    image_locator: Any, previous_digest: str, timeout: float = 60.0, settle: float = 0.5
) -> str:
    """Wait until the image shows other bytes than ``previous_digest`` and stays; return them."""
    deadline = time.monotonic() + timeout
    last = previous_digest
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            last = image_digest(image_locator)
        if last and last != previous_digest:
            time.sleep(settle)  # Let intermediate updates finish, then read the final one.
            with contextlib.suppress(Exception):
                last = image_digest(image_locator)
            return last
        time.sleep(0.2)
    raise AssertionError(f"picture did not change in {timeout} s (still {previous_digest[:16]})")


def tab(page: Any, title: str) -> None:
    """Click the visible ipywidgets Tab header reading ``title``."""
    page.locator(".widget-tab .lm-TabBar-tab:visible", has_text=title).first.click()


def screenshot(page: Any, name: str, folder: Path, *, publish: bool = True) -> Path:
    """Save a PNG of the page as a student sees it; also into docs/screenshots when asked.

    Screenshots go to ``folder`` (a test's temporary directory). With
    ``UPDATE_SCREENSHOTS=1`` and ``publish`` (the tests pass False in fast mode:
    the README shows a model trained on real MNIST) they are also copied to
    ``docs/screenshots/``, so ordinary test runs never modify the repository.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    if publish and os.environ.get("UPDATE_SCREENSHOTS", "").strip() in ("1", "true", "yes"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, SCREENSHOTS / path.name)
    return path


def write_notebook(path: Path, cells: list[str], markdown: list[str] | None = None) -> Path:
    """A small notebook of code cells (and leading markdown cells), outputs empty."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.cells = [nbformat.v4.new_markdown_cell(text) for text in markdown or []]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, path)
    return path


# ---------------------------------------------------------------------- what a student sees


def stderr_outputs(page: Any) -> list[str]:
    """Texts of stderr outputs shown in cells (TensorFlow's log lines, warnings)."""
    return page.evaluate(
        f"""() => [...document.querySelectorAll('[data-mime-type="{STDERR_MIME}"]')]
            .map(e => (e.innerText || '').slice(0, 300))"""
    )


def picture_sizes(page: Any, selector: str = ".jupyter-widgets img") -> list[dict]:
    """Each visible picture's natural and displayed size, its CSS width and the page's dpr."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(img => img.naturalWidth > 0 && img.offsetParent !== null
                    && img.clientWidth > 0)
            .map(img => ({
                name: [...img.classList].filter(c => c.startsWith('lenet-')).join(' ')
                    || img.className,
                natural: [img.naturalWidth, img.naturalHeight],
                shown: [img.clientWidth, img.clientHeight],
                cssWidth: img.style.width,
                top: img.getBoundingClientRect().top,
                bottom: img.getBoundingClientRect().bottom,
                dpr: window.devicePixelRatio,
            }))""",
        selector,
    )


def truncated_labels(page: Any) -> list[str]:
    """Visible control labels and button texts cut off by their box (shown with an ellipsis)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
                '.widget-label, .widget-label-basic, .widget-button, .widget-toggle-button')]
            .filter(e => e.offsetParent !== null && (e.innerText || '').trim()
                    && e.scrollWidth > e.clientWidth + 1)
            .map(e => `${e.innerText.trim()} (${e.clientWidth} of ${e.scrollWidth} px)`)"""
    )


def wait_for_source_change(page: Any, image_locator: Any, previous: str, timeout: float = 30.0):
    """Wait (polling every animation frame) until an ``<img>``'s src is not ``previous``.

    An Image widget gets a new blob URL for every new value, so this times a
    picture update as the student sees it. Returns the new src.
    """
    page.wait_for_function(
        "([img, previous]) => img.src && img.src !== previous && img.complete",
        arg=[image_locator.element_handle(), previous],
        polling="raf",
        timeout=timeout * 1000,
    )
    return image_source(image_locator)
