"""A class on one JupyterHub: N students open the tour's dashboard, train and move a slider at once.

Starts a real JupyterHub on 127.0.0.1 (``SimpleLocalProcessSpawner``, the dummy
authenticator with a password, ``configurable-http-proxy`` from npm), single-user
servers from this Python environment (it needs jupyterhub, jupyterlab and voila).
Every simulated student, concurrently:

1. is created and gets a server through the Hub REST API (a service token);
2. starts a kernel through the single-user server's REST API and, over its
   websocket, runs the tour's cell (``lab = lw.lab()``, fast mode: the call returns
   once the first filter picture is drawn), trains on 1,000 images (the Train
   button), moves the filter grid slider, and reports the kernel's PSS/RSS;
3. opens the same notebook through Voila under the hub
   (``/user/<name>/voila/render/dashboard.ipynb``, the dashboard page written for Voila).

Prints per-student figures, p50/p95 and a capacity table extrapolated (and said
to be) from the measured per-student memory and CPU time. Failures must be 0: the
exit status is 1 otherwise. ``tests/product/test_hub.py`` runs it with 2 students.

Usage: LENET_WIDGETS_MNIST=/path/to/mnist.npz python benchmarks/classroom_load.py [--students 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK = "01_tour.ipynb"
# Voila serves the dashboard page written for it (the tour's words are for JupyterLab).
VOILA_NOTEBOOK = "dashboard.ipynb" if (NOTEBOOKS / "dashboard.ipynb").exists() else NOTEBOOK
MARKER_VARIABLE = "LENET_WIDGETS_LOAD_TEST"
PASSWORD = "classroom-load-test"

# Run in each student's kernel. lab() returns after its first filter picture (it waits).
CELL_DASHBOARD = """\
import resource as _resource, threading as _threading, time as _time
_peak_pss = [0]
def _sample_pss():  # the kernel's peak PSS, sampled every 50 ms
    while True:
        with open("/proc/self/smaps_rollup") as _handle:
            for _line in _handle:
                if _line.startswith("Pss:"):
                    _peak_pss[0] = max(_peak_pss[0], int(_line.split()[1]) * 1024)
        _time.sleep(0.05)
_threading.Thread(target=_sample_pss, daemon=True).start()
_start = _time.perf_counter()
import lenet_widgets as lw
lab = lw.lab()
_usage = _resource.getrusage(_resource.RUSAGE_SELF)
print("FIRST_PICTURE", _time.perf_counter() - _start, _usage.ru_utime + _usage.ru_stime)
lab
"""
CELL_TRAIN = """\
_start = _time.perf_counter()
lab.training.start()
_done = lab.training.wait(900)
print("TRAIN", _time.perf_counter() - _start, _done, lab.training.monitor.progress())
"""
CELL_SLIDER = """\
_start = _time.perf_counter()
lab.filters._grid.value = 4  # what moving the grid slider does
lab.filters.wait(300)
print("GRID", _time.perf_counter() - _start)
"""
CELL_MEMORY = """\
import json as _json, os as _os
def _kb(path, keys):
    found = {}
    with open(path) as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in keys:
                found[name] = int(rest.split()[0]) * 1024
    return found
_usage = _resource.getrusage(_resource.RUSAGE_SELF)
print("MEMORY", _json.dumps({
    "kernel": _kb("/proc/self/smaps_rollup", ("Rss", "Pss")),
    "kernel_peak_rss": _kb("/proc/self/status", ("VmHWM",)).get("VmHWM", 0),
    "kernel_peak_pss": _peak_pss[0],
    "server": _kb(f"/proc/{_os.getppid()}/smaps_rollup", ("Rss", "Pss")),
    "cpu_seconds": _usage.ru_utime + _usage.ru_stime,
}))
"""


class LoadTestError(RuntimeError):
    """The hub could not be started or answered something unexpected."""


@dataclass
class Student:
    """What one simulated student measured."""

    name: str
    server_start_s: float = math.nan
    kernel_start_s: float = math.nan
    first_picture_s: float = math.nan  # kernel ready -> lab() returned with its picture
    train_s: float = math.nan
    grid_s: float = math.nan
    voila_s: float = math.nan
    kernel_pss: int = 0
    kernel_rss: int = 0
    kernel_peak_rss: int = 0
    kernel_peak_pss: int = 0
    server_pss: int = 0
    cpu_first_s: float = math.nan  # kernel CPU time up to the first picture
    cpu_seconds: float = math.nan  # kernel CPU time for the whole session
    stderr: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def missing_requirements() -> str | None:
    """Say what this machine lacks to run the load test, or None."""
    bin_dir = Path(sys.executable).parent
    for module in ("jupyterhub", "jupyterlab", "voila", "ipykernel", "tornado"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed in {sys.prefix} (pip install {module})"
    if not (bin_dir / "jupyterhub-singleuser").exists():
        return f"jupyterhub-singleuser is not in {bin_dir}"
    if shutil.which("configurable-http-proxy") is None:
        return "configurable-http-proxy is not on PATH (npm install -g configurable-http-proxy)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hub:
    """A JupyterHub in a temporary folder, stopped (with everything it spawned) on exit."""

    def __init__(self, students: int, workdir: Path, timeout: float) -> None:
        self.workdir = workdir
        self.timeout = timeout
        self.port, self.hub_port, self.proxy_port = _free_port(), _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)
        self.run_id = uuid.uuid4().hex
        self.students = students
        self.process: subprocess.Popen | None = None
        self.log = workdir / "jupyterhub.log"

    def _config(self) -> str:
        environment = {
            MARKER_VARIABLE: self.run_id,
            "LENET_WIDGETS_FAST": "1",
            "LENET_WIDGETS_OFFLINE": "1",
        }
        for name in ("LENET_WIDGETS_MNIST", "LENET_WIDGETS_THREADS", "KERAS_HOME", "HOME"):
            if os.environ.get(name):
                environment[name] = os.environ[name]
        singleuser = str(Path(sys.executable).parent / "jupyterhub-singleuser")
        return f"""
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {self.port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {self.hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{self.proxy_port}"
c.ConfigurableHTTPProxy.command = [{shutil.which("configurable-http-proxy")!r}]
c.JupyterHub.db_url = "sqlite:///{self.workdir / "hub.sqlite"}"
c.JupyterHub.cookie_secret_file = "{self.workdir / "cookie_secret"}"
c.JupyterHub.pid_file = "{self.workdir / "hub.pid"}"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.concurrent_spawn_limit = {max(100, self.students)}
c.JupyterHub.active_server_limit = 0
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{self.workdir / "home" / "{{username}}"}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {["--allow-root"] if os.geteuid() == 0 else []!r}
c.Spawner.ip = "127.0.0.1"
c.Spawner.notebook_dir = {str(NOTEBOOKS)!r}
c.Spawner.default_url = "/lab"
c.Spawner.environment = {environment!r}
c.Spawner.start_timeout = {int(self.timeout)}
c.Spawner.http_timeout = {int(self.timeout)}
c.JupyterHub.services = [{{"name": "classroom-load", "api_token": {self.token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "classroom-load",
    "services": ["classroom-load"],
    "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"],
}}]
"""

    def start(self) -> None:
        config_file = self.workdir / "jupyterhub_config.py"
        config_file.write_text(self._config())
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(config_file)],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        """Stop the hub (it stops the servers), then any process of this run still alive."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        for pid in self._leftover_pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def _leftover_pids(self) -> list[int]:
        """Processes this run started (servers, kernels): they carry the run's marker."""
        marker = f"{MARKER_VARIABLE}={self.run_id}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


class Client:
    """The Hub's and the single-user servers' REST APIs, with the service token."""

    def __init__(self, hub: Hub) -> None:
        from tornado.httpclient import AsyncHTTPClient

        AsyncHTTPClient.configure(None, max_clients=4 * max(4, hub.students))
        self.http = AsyncHTTPClient()
        self.hub = hub

    async def request(
        self, method: str, path: str, body: dict | None = None, timeout: float = 600
    ) -> tuple[int, bytes]:
        from tornado.httpclient import HTTPClientError, HTTPRequest

        request = HTTPRequest(
            self.hub.url + path,
            method=method,
            headers={"Authorization": f"token {self.hub.token}"},
            body=None if body is None and method in ("GET", "DELETE") else json.dumps(body or {}),
            request_timeout=timeout,
            connect_timeout=60,
            follow_redirects=False,
        )
        try:
            response = await self.http.fetch(request)
        except HTTPClientError as error:
            if error.response is None:
                raise
            return error.code, error.response.body or b""
        return response.code, response.body or b""

    async def wait_for_hub(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.hub.process is not None and self.hub.process.poll() is not None:
                raise LoadTestError(f"JupyterHub exited:\n{self.hub.tail()}")
            with contextlib.suppress(OSError, ConnectionError):
                code, _ = await self.request("GET", "/hub/api/", timeout=10)
                if code == 200:
                    return
            await asyncio.sleep(0.5)
        raise LoadTestError(f"JupyterHub did not answer within {timeout:.0f} s:\n{self.hub.tail()}")


class Kernel:
    """One kernel's websocket: run a cell, collect its output."""

    def __init__(self, connection, session: str) -> None:
        self.connection = connection
        self.session = session

    @classmethod
    async def connect(cls, client: Client, name: str, kernel_id: str) -> Kernel:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        session = uuid.uuid4().hex
        url = client.hub.url.replace("http", "ws", 1)
        request = HTTPRequest(
            f"{url}/user/{name}/api/kernels/{kernel_id}/channels?session_id={session}",
            headers={"Authorization": f"token {client.hub.token}"},
            connect_timeout=120,
            request_timeout=120,
        )
        connection = await websocket_connect(request, max_message_size=256 * 1024 * 1024)
        return cls(connection, session)

    def _send(self, channel: str, msg_type: str, content: dict) -> str:
        msg_id = uuid.uuid4().hex
        message = {
            "header": {
                "msg_id": msg_id,
                "msg_type": msg_type,
                "session": self.session,
                "username": "student",
                "version": "5.3",
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
        self.connection.write_message(json.dumps(message))
        return msg_id

    async def _until(self, msg_id: str, timeout: float, on_message) -> None:
        deadline = time.monotonic() + timeout
        replied = idle = False
        while not (replied and idle):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no reply within {timeout:.0f} s")
            raw = await asyncio.wait_for(self.connection.read_message(), remaining)
            if raw is None:
                raise ConnectionError("the kernel's websocket closed")
            if isinstance(raw, bytes):
                continue  # binary frames: widget buffers
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["header"]["msg_type"]
            if kind.endswith("_reply"):
                replied = True
            elif kind == "status" and message["content"].get("execution_state") == "idle":
                idle = True
            on_message(message)

    async def ready(self, timeout: float) -> None:
        msg_id = self._send("shell", "kernel_info_request", {})
        await self._until(msg_id, timeout, lambda message: None)

    async def run(self, code: str, timeout: float) -> tuple[str, list[str], str | None]:
        """Run ``code``; return (stdout, stderr texts, error or None)."""
        stdout: list[str] = []
        stderr: list[str] = []
        error: list[str] = []

        def collect(message: dict) -> None:
            kind, content = message["header"]["msg_type"], message["content"]
            if kind == "stream":
                (stdout if content.get("name") == "stdout" else stderr).append(content["text"])
            elif kind == "error":
                error.append(f"{content.get('ename')}: {content.get('evalue')}")
            elif kind == "execute_reply" and content.get("status") != "ok" and not error:
                error.append(f"execute_reply status {content.get('status')}")

        msg_id = self._send(
            "shell",
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
        )
        await self._until(msg_id, timeout, collect)
        return "".join(stdout), stderr, (error[0] if error else None)


def _value(stdout: str, key: str) -> str:
    for line in stdout.splitlines():
        if line.startswith(key + " "):
            return line[len(key) + 1 :]
    raise LoadTestError(f"the kernel printed no {key} line; its output was {stdout[-500:]!r}")


async def _server(client: Client, student: Student, timeout: float) -> None:
    name = student.name
    code, body = await client.request("POST", f"/hub/api/users/{name}")
    if code not in (201, 409):
        raise LoadTestError(f"creating user {name}: HTTP {code} {body[:200]!r}")
    start = time.perf_counter()
    code, body = await client.request("POST", f"/hub/api/users/{name}/server")
    if code not in (201, 202, 400):
        raise LoadTestError(f"starting {name}'s server: HTTP {code} {body[:200]!r}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code, body = await client.request("GET", f"/hub/api/users/{name}")
        server = json.loads(body).get("servers", {}).get("") if code == 200 else None
        if server is None:  # the hub gave up on it (crashed, or timed out)
            raise LoadTestError(f"{name}'s server stopped before it was ready (see the hub log)")
        if server.get("ready"):
            student.server_start_s = time.perf_counter() - start
            return
        await asyncio.sleep(0.5)
    raise LoadTestError(f"{name}'s server was not ready after {timeout:.0f} s")


async def _lab_session(client: Client, student: Student, timeout: float) -> None:
    name = student.name
    start = time.perf_counter()
    code, body = await client.request("POST", f"/user/{name}/api/kernels", {"name": "python3"})
    if code != 201:
        raise LoadTestError(f"starting {name}'s kernel: HTTP {code} {body[:200]!r}")
    kernel_id = json.loads(body)["id"]
    kernel = await Kernel.connect(client, name, kernel_id)
    try:
        await kernel.ready(timeout)
        student.kernel_start_s = time.perf_counter() - start
        for label, cell in (
            ("dashboard", CELL_DASHBOARD),
            ("train", CELL_TRAIN),
            ("grid slider", CELL_SLIDER),
            ("memory", CELL_MEMORY),
        ):
            stdout, stderr, error = await kernel.run(cell, timeout)
            student.stderr += stderr
            if error:
                raise LoadTestError(f"{label} cell failed in {name}'s kernel: {error}")
            if label == "dashboard":
                seconds, cpu = _value(stdout, "FIRST_PICTURE").split()
                student.first_picture_s, student.cpu_first_s = float(seconds), float(cpu)
            elif label == "train":
                seconds, done, *_ = _value(stdout, "TRAIN").split(" ", 2)
                if done != "True":
                    raise LoadTestError(f"{name}'s training did not finish: {stdout[-300:]!r}")
                student.train_s = float(seconds)
            elif label == "grid slider":
                student.grid_s = float(_value(stdout, "GRID"))
            else:
                memory = json.loads(_value(stdout, "MEMORY"))
                student.kernel_pss = memory["kernel"].get("Pss", 0)
                student.kernel_rss = memory["kernel"].get("Rss", 0)
                student.kernel_peak_rss = memory["kernel_peak_rss"]
                student.kernel_peak_pss = memory["kernel_peak_pss"]
                student.server_pss = memory["server"].get("Pss", 0)
                student.cpu_seconds = memory["cpu_seconds"]
    finally:
        kernel.connection.close()
        await client.request("DELETE", f"/user/{name}/api/kernels/{kernel_id}")


async def _voila(client: Client, student: Student, timeout: float) -> None:
    start = time.perf_counter()
    code, body = await client.request(
        "GET", f"/user/{student.name}/voila/render/{VOILA_NOTEBOOK}", timeout=timeout
    )
    student.voila_s = time.perf_counter() - start
    text = body.decode("utf-8", "replace")
    if code != 200:
        raise LoadTestError(f"Voila answered HTTP {code} for {student.name}: {text[:300]!r}")
    if "application/vnd.jupyter.widget-view+json" not in text:
        raise LoadTestError(f"Voila's page for {student.name} holds no dashboard widget")
    if "application/vnd.jupyter.stderr" in text:
        at = text.index("application/vnd.jupyter.stderr")
        student.stderr.append(f"Voila page shows stderr output: {text[at : at + 400]!r}")


async def _student(client: Client, student: Student, voila: bool, timeout: float) -> None:
    steps = [_server, _lab_session] + ([_voila] if voila else [])
    for step in steps:
        try:
            await step(client, student, timeout)
        except Exception as error:  # one student's failure is recorded, the class goes on
            student.failures.append(f"{step.__name__.strip('_')}: {type(error).__name__}: {error}")
            if step is _server:
                return
    with contextlib.suppress(Exception):
        await client.request("DELETE", f"/hub/api/users/{student.name}/server")


async def _drive(hub: Hub, voila: bool, timeout: float) -> list[Student]:
    client = Client(hub)
    await client.wait_for_hub(120)
    class_ = [Student(f"student{i + 1}") for i in range(hub.students)]
    await asyncio.gather(*(_student(client, s, voila, timeout) for s in class_))
    return class_


def _run(students: int, voila: bool, timeout: float, workdir: Path) -> list[Student]:
    hub = Hub(students, workdir, timeout)
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        # A killed load test still stops its hub, servers and kernels (finally below).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        hub.start()
        return asyncio.run(_drive(hub, voila, timeout))
    finally:
        hub.stop()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def run(
    students: int = 8, *, voila: bool = True, timeout: float = 900, keep: Path | None = None
) -> list[Student]:
    """Run the load test; return each student's figures (failures listed per student).

    Raises:
        LoadTestError: when this machine lacks a requirement or the hub does not start.
    """
    problem = missing_requirements()
    if problem:
        raise LoadTestError(problem)
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        return _run(students, voila, timeout, keep)
    with tempfile.TemporaryDirectory(prefix="classroom-load-") as workdir:
        return _run(students, voila, timeout, Path(workdir))


def _mb(values: list[float]) -> str:
    return f"{statistics.median(values) / 1e6:,.0f} / {max(values) / 1e6:,.0f}"


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(v for v in values if not math.isnan(v))
    if not ordered:
        return math.nan, math.nan
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


def report(class_: list[Student], wall_s: float) -> str:
    """The per-student table, p50/p95 and the extrapolated capacity table."""
    lines = [
        f"{len(class_)} students at once on {os.cpu_count()} CPUs; wall {wall_s:.0f} s",
        "",
        "| student | server | kernel | first picture | train 1,000 | grid | Voila "
        "| kernel PSS | peak PSS | peak RSS | server PSS | CPU s | stderr | failures |",
        "|" + " --- |" * 14,
    ]
    for s in class_:
        lines.append(
            f"| {s.name} | {s.server_start_s:.1f} s | {s.kernel_start_s:.1f} s "
            f"| {s.first_picture_s:.1f} s | {s.train_s:.1f} s | {s.grid_s:.2f} s "
            f"| {s.voila_s:.1f} s | {s.kernel_pss / 1e6:,.0f} MB "
            f"| {s.kernel_peak_pss / 1e6:,.0f} MB "
            f"| {s.kernel_peak_rss / 1e6:,.0f} MB | {s.server_pss / 1e6:,.0f} MB "
            f"| {s.cpu_seconds:.0f} | {len(s.stderr)} | {len(s.failures)} |"
        )
    lines += ["", "| measure | p50 | p95 |", "| --- | --- | --- |"]
    for label, attribute in (
        ("server start", "server_start_s"),
        ("kernel start", "kernel_start_s"),
        ("tour cell to first filter picture", "first_picture_s"),
        ("train on 1,000 images", "train_s"),
        ("grid slider to new picture", "grid_s"),
        ("Voila page rendered", "voila_s"),
    ):
        p50, p95 = _percentiles([getattr(s, attribute) for s in class_])
        lines.append(f"| {label} | {p50:.2f} s | {p95:.2f} s |")
    ok = [s for s in class_ if not s.failures and s.kernel_peak_rss]
    failures = sum(len(s.failures) for s in class_)
    lines.append(
        f"\nfailures: {failures}; cells with stderr output: {sum(len(s.stderr) for s in class_)}"
    )
    for s in class_:
        for failure in s.failures:
            lines.append(f"  {s.name}: {failure}")
        for text in s.stderr:
            lines.append(f"  {s.name} stderr: {text.strip()[:400]}")
    if ok:
        # Per student: the kernel's peak (a training run) plus its server, Voila not counted.
        # PSS shares library pages (TensorFlow's ~300 MB) among the processes mapping them;
        # RSS counts them in full for every student (no sharing: the pessimistic bound).
        per_pss = max(s.kernel_peak_pss + s.server_pss for s in ok)
        per_rss = max(s.kernel_peak_rss + s.server_pss for s in ok)
        cpu_first = statistics.median(s.cpu_first_s for s in ok)
        cpu_session = statistics.median(s.cpu_seconds for s in ok)
        lines += [
            "",
            "Capacity, EXTRAPOLATED from these per-student figures (kernel peak + server: "
            f"{per_pss / 1e6:,.0f} MB PSS, {per_rss / 1e6:,.0f} MB RSS; {cpu_first:.1f} "
            f"CPU-seconds per student to the first picture, {cpu_session:.1f} for the whole "
            "session: dashboard, training on 1,000 images, slider), keeping 1 GB for the system "
            "and the hub, and asking every first picture within 60 s when the whole class "
            "presses Run All at once:",
            "",
            "| node | students by memory (PSS) | by memory (RSS, nothing shared) "
            "| by CPU (all start at once, <= 60 s) |",
            "| --- | --- | --- | --- |",
        ]
        for cores, gigabytes in ((2, 8), (16, 64)):
            by_pss = int((gigabytes * 1e9 - 1e9) // per_pss)
            by_rss = int((gigabytes * 1e9 - 1e9) // per_rss)
            by_cpu = int(cores * 60 // max(cpu_first, 1e-9))
            lines.append(f"| {cores} cores / {gigabytes} GB | {by_pss} | {by_rss} | {by_cpu} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8, help="students at once (default 8)")
    parser.add_argument("--no-voila", action="store_true", help="skip the Voila page")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per step")
    parser.add_argument("--keep", type=Path, help="keep the hub's folder (log, config) here")
    args = parser.parse_args(argv)
    if args.students < 1:
        parser.error(f"--students is {args.students}; expected at least 1")
    start = time.perf_counter()
    try:
        class_ = run(args.students, voila=not args.no_voila, timeout=args.timeout, keep=args.keep)
    except LoadTestError as error:
        print(f"classroom_load: {error}", file=sys.stderr)
        return 2
    print(report(class_, time.perf_counter() - start))
    return 1 if any(s.failures for s in class_) else 0


if __name__ == "__main__":
    sys.exit(main())
