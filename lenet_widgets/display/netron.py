"""Netron, the model viewer, served on 127.0.0.1 and shown inline in a notebook.

Netron is optional (``pip install netron``). On a remote notebook (Binder,
JupyterHub, Colab) the browser cannot reach the server's 127.0.0.1, so
``show_in_netron`` refuses with ``RemoteNotebookError`` and points to
``layer_report``, which shows the same facts without a server.
"""

from __future__ import annotations

import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras

from lenet_widgets import config
from lenet_widgets.display.errors import RemoteNotebookError, ToolMissingError

__all__ = ["NETRON_HINT", "NetronView", "show_in_netron"]

NETRON_HINT = "install it with `pip install netron` (or `pip install lenet_widgets[netron]`)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class NetronView:
    """A Netron server on 127.0.0.1 showing one model file; displays as an inline frame.

    Attributes:
        path: the model file served.
        address: ``(host, port)`` of the server.
        height: frame height in pixels.
    """

    path: Path
    address: tuple[str, int]
    height: int = 640
    _temporary: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The address to open in a browser on this machine."""
        return f"http://{self.address[0]}:{self.address[1]}"

    def _repr_html_(self) -> str:
        return (
            f"<iframe src='{self.url}' width='100%' height='{int(self.height)}' "
            "style='border:1px solid #ccc'></iframe>"
        )

    def stop(self) -> None:
        """Stop the server (and delete the temporary model file, if one was written)."""
        import netron

        netron.stop(self.address)
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None


def show_in_netron(
    model: keras.Model | str | Path, *, port: int | None = None, height: int = 640
) -> NetronView:
    """Open a model (object or file) in Netron on 127.0.0.1 and show it inline.

    Raises:
        ToolMissingError: Netron is not installed (the message says ``pip install netron``).
        RemoteNotebookError: the notebook runs on Binder/JupyterHub/Colab..., whose
            browser cannot reach 127.0.0.1 of the server; use ``layer_report`` instead.
        FileNotFoundError: the model file does not exist.
    """
    try:
        import netron
    except ImportError:
        raise ToolMissingError(f"Netron is not installed: {NETRON_HINT}.") from None
    service = config.remote_notebook()
    if service is not None:
        raise RemoteNotebookError(
            f"this notebook runs on {service}: its browser cannot reach a Netron server on "
            f"127.0.0.1. Download the model file and open it at https://netron.app, or use "
            f"layer_report(model, name) here (set {config.REMOTE_VARIABLE}=0 if this is wrong)."
        )
    temporary = None
    if isinstance(model, (str, Path)):
        path = Path(model)
        if not path.is_file():
            raise FileNotFoundError(f"model file {str(path)!r} does not exist; expected a file.")
    else:
        from lenet_widgets.core.persistence import save_model

        temporary = tempfile.TemporaryDirectory(prefix="lenet_widgets_netron_")
        path = save_model(model, Path(temporary.name) / f"{model.name}.keras")
    address = netron.start(str(path), ("127.0.0.1", port or _free_port()), browse=False)
    return NetronView(path, (str(address[0]), int(address[1])), height, temporary)
