"""Untrusted files: safe mode everywhere a model is loaded, no pickle, Netron on 127.0.0.1 only.

A model file from the internet can carry Python code in a Lambda layer. Every way this
package loads a model (library, SavePanel, CLI, ``lab(path)``) must refuse it by default and
say why and how to opt in; the code must not run.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
import types
from pathlib import Path

import keras
import numpy as np
import pytest

import lenet_widgets
from lenet_widgets import config
from lenet_widgets.cli import main
from lenet_widgets.core import persistence
from lenet_widgets.core.data import Dataset
from lenet_widgets.core.persistence import UnsafeModelError, load_model, save_model

from helpers import text

PACKAGE = Path(lenet_widgets.__file__).parent
REFUSAL = r"Lambda.*safe mode refused it.*safe_mode=False"


@pytest.fixture(scope="module")
def code_files(tmp_path_factory):
    """A .keras and an .h5 whose Lambda layer touches a marker file when it runs."""
    folder = tmp_path_factory.mktemp("untrusted")
    marker = folder / "code_ran"
    function = eval(f"lambda t: (__import__('pathlib').Path({str(marker)!r}).touch(), t)[1]")
    inputs = keras.Input((12, 12, 1))
    model = keras.Model(inputs, keras.layers.Lambda(function, name="payload")(inputs))
    paths = {suffix: save_model(model, folder / f"payload{suffix}") for suffix in (".keras", ".h5")}
    marker.unlink(missing_ok=True)  # Building the model above ran the code once.
    return paths, marker


@pytest.fixture(params=[".keras", ".h5"])
def payload(request, code_files):
    paths, marker = code_files
    marker.unlink(missing_ok=True)
    yield paths[request.param]
    assert not marker.exists(), "the file's code ran"


def test_safe_mode_is_the_default():
    assert inspect.signature(load_model).parameters["safe_mode"].default is True


def test_library_refuses_and_says_how_to_opt_in(payload):
    with pytest.raises(UnsafeModelError, match=REFUSAL) as error:
        load_model(payload)
    assert str(payload) in str(error.value)


def test_opting_in_really_runs_the_code(code_files):
    """The refusal above is not vacuous: these files do carry code that runs when loaded."""
    paths, marker = code_files
    for path in paths.values():
        marker.unlink(missing_ok=True)
        load_model(path, safe_mode=False)
        assert marker.exists()
    marker.unlink()


def test_save_panel_shows_the_refusal_and_keeps_the_model(payload):
    from lenet_widgets.core.model import build_lenet
    from lenet_widgets.ui.save import SavePanel

    model = build_lenet((12, 12, 1), 3)
    panel = SavePanel(model, payload)
    panel.load()
    status = text(panel.status)
    assert re.search(REFUSAL, status), status
    assert "current model is kept" in status and panel.model is model


@pytest.mark.parametrize(
    "command",
    [
        ["summary", "{path}"],
        ["plot", "{path}", "-o", "{tmp}/model.png"],
        ["filters", "{path}", "-o", "{tmp}/filters.png"],
        ["train", "--resume", "{path}", "--data", "{tmp}/mnist.npz", "-o", "{tmp}/m.keras"],
    ],
    ids=lambda command: command[0],
)
def test_cli_refuses_in_one_line(payload, tmp_path, capsys, command):
    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "mnist.npz",
        x_train=rng.integers(0, 256, (8, 12, 12), dtype=np.uint8),
        y_train=np.zeros(8, np.uint8),
        x_test=rng.integers(0, 256, (4, 12, 12), dtype=np.uint8),
        y_test=np.zeros(4, np.uint8),
    )
    arguments = [part.format(path=payload, tmp=tmp_path) for part in command]
    assert main(arguments) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("lenet-widgets: error:")
    assert re.search(REFUSAL, error) and "Traceback" not in error
    assert not (tmp_path / "m.keras").exists()


def test_lab_refuses(payload):
    from lenet_widgets.ui.lab import lab

    images = np.zeros((8, 12, 12), np.uint8)
    data = Dataset(images, np.zeros(8, np.uint8), images, np.zeros(8, np.uint8), "test")
    with pytest.raises(UnsafeModelError, match=REFUSAL):
        lab(payload, data)


# ----------------------------------------------------------------------------- no pickle


def _sources():
    return sorted(PACKAGE.rglob("*.py"))


def _calls(tree, dotted):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in dotted:
            yield node


def test_no_pickle_anywhere_in_the_package():
    assert _sources(), PACKAGE
    for path in _sources():
        source = path.read_text()
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names] + [getattr(node, "module", "") or ""]
                unsafe = {"pickle", "cPickle", "dill", "joblib", "shelve", "marshal", "cloudpickle"}
                assert not unsafe & {name.split(".")[0] for name in names}, (path, names)
        assert "allow_pickle=True" not in source, path
        for call in _calls(tree, {"np.load", "numpy.load"}):
            keywords = {k.arg: ast.unparse(k.value) for k in call.keywords}
            assert keywords.get("allow_pickle") == "False", (path, call.lineno)
        for call in _calls(tree, {"torch.load", "pd.read_pickle", "pandas.read_pickle"}):
            raise AssertionError(f"{path}:{call.lineno} unpickles")


def test_every_model_load_goes_through_safe_mode():
    """Only persistence calls Keras' loader, and passes safe_mode through; nothing opts out."""
    for path in _sources():
        source = path.read_text()
        tree = ast.parse(source)
        for call in _calls(tree, {"keras.models.load_model", "keras.saving.load_model"}):
            assert path == Path(persistence.__file__), (path, call.lineno)
            keywords = {k.arg: ast.unparse(k.value) for k in call.keywords}
            assert keywords.get("safe_mode") == "safe_mode", (path, call.lineno)
        for call in ast.walk(tree):
            if isinstance(call, ast.Call):
                for keyword in call.keywords:
                    if keyword.arg == "safe_mode":
                        assert ast.unparse(keyword.value) != "False", (path, call.lineno)


# ----------------------------------------------------------------------------- Netron


@pytest.fixture
def fake_netron(monkeypatch):
    """A stand-in ``netron`` module recording the address it is asked to serve on."""
    calls = {}

    def start(file, address=None, browse=True):
        calls.update(file=file, address=address, browse=browse)
        return address

    module = types.SimpleNamespace(start=start, stop=lambda address: calls.update(stopped=address))
    monkeypatch.setitem(sys.modules, "netron", module)
    monkeypatch.setenv(config.REMOTE_VARIABLE, "0")
    return calls


@pytest.mark.parametrize("port", [None, 8123])
def test_netron_binds_to_localhost_only(fake_netron, tmp_path, port):
    from lenet_widgets.core.model import build_lenet
    from lenet_widgets.display.netron import show_in_netron

    model = build_lenet((12, 12, 1), 3)
    for subject in (model, save_model(model, tmp_path / "model.keras")):
        view = show_in_netron(subject, port=port)
        host, chosen = fake_netron["address"]
        assert host == "127.0.0.1" and isinstance(chosen, int) and chosen > 0
        assert port is None or chosen == port
        assert fake_netron["browse"] is False
        assert view.url == f"http://127.0.0.1:{chosen}"
        assert "127.0.0.1" in view._repr_html_() and "0.0.0.0" not in view._repr_html_()
        view.stop()
        assert fake_netron["stopped"] == ("127.0.0.1", chosen)


def test_netron_free_port_is_probed_on_localhost(monkeypatch):
    import socket

    from lenet_widgets.display import netron

    bound = []
    real_bind = socket.socket.bind

    def recording_bind(self, address):
        bound.append(address)
        return real_bind(self, address)

    monkeypatch.setattr(socket.socket, "bind", recording_bind)
    port = netron._free_port()
    assert bound == [("127.0.0.1", 0)] and port > 0
