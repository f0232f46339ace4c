"""Draw a Keras model, with or without Graphviz; inspect its layers; compare two models.

``plot_model`` is the chapter's function with Keras 3's arguments. Engines:

* ``"graphviz"``: ``keras.utils.model_to_dot`` rendered by Graphviz ``dot``,
  the same picture as ``keras.utils.plot_model``;
* ``"matplotlib"``: the same information drawn by matplotlib, no Graphviz needed;
* ``"auto"`` (default): Graphviz when ``dot`` is on the PATH, else matplotlib.

It never prints and returns None: a missing engine raises ``ToolMissingError``
with the install command. The returned ``StructurePicture`` shows itself inline
in a notebook (PNG or SVG) and writes PNG, SVG or PDF by the file's suffix.
This module uses ``matplotlib.figure.Figure`` only (no pyplot), so no figure
piles up in pyplot's registry.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import re
import shutil
import socket
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
from matplotlib.figure import Figure

from lenet_widgets import config
from lenet_widgets.core.structure import (
    LayerInspection,
    LayerNode,
    ModelDiff,
    ModelGraph,
    diff_models,
    inspect_layer,
    model_graph,
    select_input_layers,
)
from lenet_widgets.plotting.figure import new_figure
from lenet_widgets.plotting.structure import (
    draw_conv_kernels,
    draw_model_diff,
    draw_model_graph,
    draw_weight_histograms,
)

__all__ = [
    "ENGINES",
    "FILE_FORMATS",
    "DiffReport",
    "LayerReport",
    "NetronView",
    "RemoteNotebookError",
    "StructurePicture",
    "ToolMissingError",
    "compare_models",
    "find_dot",
    "histogram_figure",
    "inspection_html",
    "kernel_figure",
    "layer_report",
    "plot_model",
    "show_in_netron",
    "summary_html",
]

ENGINES = ("auto", "graphviz", "matplotlib")
FILE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
GRAPHVIZ_HINT = (
    "install Graphviz's `dot` program (Debian/Ubuntu: `sudo apt-get install graphviz`, "
    "macOS: `brew install graphviz`, conda: `conda install graphviz`; `pip` cannot install it), "
    "or use engine='matplotlib'"
)
NETRON_HINT = "install it with `pip install netron` (or `pip install lenet_widgets[netron]`)"


class ToolMissingError(ImportError):
    """A program or package the chosen engine needs is missing; the message says how to get it."""


class RemoteNotebookError(RuntimeError):
    """The notebook's browser runs on another machine, so a 127.0.0.1 server cannot be shown."""


def find_dot() -> str | None:
    """The path of Graphviz' ``dot`` program on the PATH, or None."""
    return shutil.which("dot")


def _png_width(png: bytes) -> int:
    return struct.unpack(">I", png[16:20])[0] if png[:8] == b"\x89PNG\r\n\x1a\n" else 0


@dataclass(frozen=True)
class StructurePicture:
    """A drawn model: shows itself in a notebook, knows where it was written.

    Attributes:
        format: ``"png"`` or ``"svg"``: what ``data`` holds (a PDF file shows as PNG).
        data: the picture to display.
        engine: ``"graphviz"`` or ``"matplotlib"``.
        dpi: resolution it was drawn at.
        path: the file written, or None.
        graph: the model graph it shows (None for a diff).
        note: what was done to make it readable (rows wrapped, engine switched), or ``""``.
    """

    format: str
    data: bytes
    engine: str
    dpi: int
    path: Path | None = None
    graph: ModelGraph | None = None
    note: str = ""

    @property
    def png(self) -> bytes:
        """The PNG bytes (``ValueError`` for an SVG picture)."""
        if self.format != "png":
            raise ValueError(f"this picture is {self.format}; expected png (draw without .svg).")
        return self.data

    def _repr_png_(self):
        if self.format != "png":
            return None
        # Shown at the size it has at 96 dpi, so a dpi=200 picture is sharp, not huge.
        width = round(_png_width(self.data) * 96 / self.dpi)
        return self.data, ({"width": width} if width else {})

    def _repr_svg_(self):
        return self.data.decode("utf-8") if self.format == "svg" else None


# ----------------------------------------------------------------------------- plot_model


def _check_choice(name: str, value: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} is {value!r}; expected one of {tuple(choices)}.")
    return value


def _target_format(to_file: str | Path | None) -> tuple[Path | None, str | None]:
    if to_file is None:
        return None, None
    path = Path(to_file)
    suffix = path.suffix.lower() or ".png"  # Like Keras: no suffix means PNG.
    if suffix not in FILE_FORMATS:
        raise ValueError(
            f"to_file {str(path)!r} has suffix {suffix!r}; expected one of {tuple(FILE_FORMATS)}."
        )
    if path.is_dir():
        raise IsADirectoryError(f"to_file {str(path)!r} is a folder; expected a file name.")
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"to_file {str(path)!r}: folder {str(path.parent)!r} does not exist."
        )
    return path, FILE_FORMATS[suffix]


def _keras_label(node: LayerNode, options: dict[str, bool]) -> str:
    """Keras 3's HTML label (``make_layer_label``), for the InputLayer box Keras leaves out."""
    columns = sum(int(options[key]) for key in ("show_dtype", "show_trainable"))
    colspan = max(1, columns + (2 if options["show_shapes"] else 0))
    title = (
        f"<b>{node.name}</b> ({node.class_name})"
        if options["show_layer_names"]
        else f"<b>{node.class_name}</b>"
    )
    label = '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
    label += (
        f'<tr><td colspan="{colspan}" bgcolor="black">'
        f'<font point-size="16" color="white">{title}</font></td></tr>'
    )
    cells = []
    if options["show_shapes"]:
        cells.append(
            '<td bgcolor="white"><font point-size="14">'
            f"Output shape: <b>{html.escape(node.output_shape)}</b></font></td>"
        )
    if options["show_dtype"]:
        cells.append(
            '<td bgcolor="white"><font point-size="14">'
            f"Output dtype: <b>{node.dtype or '?'}</b></font></td>"
        )
    if cells:
        label += f"<tr>{''.join(cells)}</tr>"
    return label + "</table>>"


_GRAPHVIZ_FONT = {"16": "12", "14": "10"}
"""Keras' label font sizes (points) and ours: names ~16 px tall at 96 dpi instead of 21."""
_LABEL_FONT = re.compile(r'point-size="(\d+)"')
_ROW = re.compile(r"<tr>(.*?)</tr>")
_CELL = re.compile(r"<td[^>]*>.*?</td>")


def _stack_cells(label: str) -> str:
    """One cell per table row (a narrow box for left-to-right pictures), as matplotlib draws."""

    def split(match: re.Match) -> str:
        cells = _CELL.findall(match.group(1))
        return "".join(f"<tr>{cell}</tr>" for cell in cells) if len(cells) > 1 else match.group(0)

    return re.sub(r'colspan="\d+"', 'colspan="1"', _ROW.sub(split, label))


def _compact_label(label: str, stacked: bool) -> str:
    label = _LABEL_FONT.sub(
        lambda m: f'point-size="{_GRAPHVIZ_FONT.get(m.group(1), m.group(1))}"', label
    )
    label = label.replace('cellpadding="10"', 'cellpadding="2"')
    return _stack_cells(label) if stacked else label


def _chain(dot: Any) -> list[str] | None:
    """The node names in order when the graph is one chain (a Sequential), else None."""
    if dot.get_subgraphs():
        return None
    names = [node.get_name() for node in dot.get_nodes() if node.get_name() not in ("node", "edge")]
    following: dict[str, str] = {}
    has_parent: set[str] = set()
    for edge in dot.get_edges():
        source, target = str(edge.get_source()), str(edge.get_destination())
        if source in following or target in has_parent:
            return None
        following[source] = target
        has_parent.add(target)
    starts = [name for name in names if name not in has_parent]
    if len(starts) != 1:
        return None
    order = [starts[0]]
    while order[-1] in following and len(order) <= len(names):
        order.append(following[order[-1]])
    return order if len(order) == len(names) else None


def _plain_sizes(dot: Any, dot_program: str) -> tuple[float, float, dict[str, float]]:
    """Graph width and height and each node's width, in inches, from ``dot -Tplain``."""
    plain = _create(dot, dot_program, "plain").decode("utf-8", "replace")
    width = height = 0.0
    nodes: dict[str, float] = {}
    for line in plain.splitlines():
        fields = line.split(" ", 6)
        if fields[0] == "graph" and len(fields) >= 4:
            width, height = float(fields[2]), float(fields[3])
        elif fields[0] == "node" and len(fields) >= 6:
            nodes[fields[1].strip('"')] = float(fields[4])
    return width, height, nodes


def _wrap_rows(dot: Any, order: list[str], widths: dict[str, float], limit: float) -> int:
    """Lay a left-to-right chain out as rows of at most ``limit`` inches; return the row count."""
    gap = 0.45  # Inches between boxes of a row (Graphviz' nodesep, plus the arrow).
    rows: list[list[str]] = [[]]
    used = 0.0
    for name in order:
        width = widths.get(name, 1.0)
        if rows[-1] and used + gap + width > limit:
            rows.append([])
            used = 0.0
        used += (gap if rows[-1] else 0.0) + width
        rows[-1].append(name)
    if len(rows) == 1:
        return 1
    import pydot

    dot.set("rankdir", "TB")
    dot.set("concentrate", "false")  # Merging edges drops a row's flat arrows; a chain has none.
    dot.set("nodesep", "0.3")
    dot.set("ranksep", "0.35")
    for index, row in enumerate(rows):
        subgraph = pydot.Subgraph(f"row{index}", rank="same")
        for name in row:
            subgraph.add_node(pydot.Node(name))
        dot.add_subgraph(subgraph)
    for above, below in itertools.pairwise(rows):
        # The arrow from a row's end to the next row's start must not pull the rows
        # sideways (a staircase); an invisible stiff edge aligns the rows on the left.
        for edge in dot.get_edge(above[-1], below[0]):
            edge.set("weight", "0")
        dot.add_edge(pydot.Edge(above[0], below[0], style="invis", weight="100"))
    return len(rows)


def _fit_graphviz(dot: Any, rankdir: str, max_width_px: int | None, dot_program: str) -> str:
    """Make Keras' dot graph readable at notebook width; return a note on what was done.

    With ``max_width_px=None`` the graph stays exactly Keras'. Otherwise fonts
    and paddings shrink (Keras' 16/14 pt labels made a LeNet 1,700 px tall), and
    a left-to-right chain wider than ``max_width_px`` (at 96 px per inch) wraps
    into rows, as the matplotlib engine does. Returns ``""`` when nothing was
    wrapped, else what was done or why the picture stays too wide.
    """
    if max_width_px is None:  # Keras' own picture, byte for byte.
        return ""
    stacked = rankdir == "LR"
    for node in dot.get_nodes():
        label = node.get_label()
        if label and str(label).startswith("<<"):
            node.set_label(_compact_label(str(label), stacked))
            # A box exactly the table (a record shape loses the arrows of a wrapped row).
            node.set("shape", "none")
    dot.set("ranksep", "0.2")
    dot.set("nodesep", "0.25")
    if not stacked:
        return ""
    limit = max_width_px / 96.0
    width, _, widths = _plain_sizes(dot, dot_program)
    if width <= limit:
        return ""
    order = _chain(dot)
    if order is None:
        return (
            f"Graphviz' left-to-right picture is {round(width * 96):,} px wide (at 96 dpi) and "
            "only a plain chain of layers can be wrapped into rows"
        )
    rows = _wrap_rows(dot, order, widths, limit - 0.3)
    return f"left-to-right, wrapped into {rows} rows to fit {max_width_px} px"


def _run_dot(source: str, dot_program: str, file_format: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [dot_program, f"-T{file_format}"],
        input=source.encode("utf-8"),
        capture_output=True,
        check=False,
    )


def _create(dot: Any, dot_program: str, file_format: str) -> bytes:
    """Run Graphviz on the graph; return the picture.

    If Graphviz 2.43's orthogonal arrow router crashes (``maze.c: chkSgraph``,
    seen on wrapped rows of small boxes), the same graph is drawn with polyline
    arrows. ``dot`` runs here rather than through pydot, which prints a failed
    run's output on stdout (a notebook cell would show it).

    Raises:
        FileNotFoundError: ``dot`` is not installed.
        OSError: Graphviz failed; the message holds what it said.
    """
    result = _run_dot(dot.to_string(), dot_program, file_format)
    if result.returncode != 0 and dot.get("splines") == "ortho":
        dot.set("splines", "polyline")
        result = _run_dot(dot.to_string(), dot_program, file_format)
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace").strip()[-500:]
        raise OSError(f"Graphviz `dot` failed (exit code {result.returncode}): {said}")
    return result.stdout


def _graphviz_render(
    model: keras.Model,
    graph: ModelGraph,
    options: dict[str, bool],
    *,
    rankdir: str,
    expand_nested: bool,
    dpi: int,
    show_input_layer: bool | None,
    formats: list[str],
    dot_program: str,
    max_width_px: int | None,
    give_up_if_too_wide: bool = False,
) -> tuple[dict[str, bytes], str, bool]:
    """Render with Graphviz; return the pictures, a note, and whether it is still too wide."""
    import pydot

    dot = keras.utils.model_to_dot(
        model,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
        **options,
    )
    if show_input_layer is True and graph.kind == "Sequential" and model.layers:
        first_input = model._layers[0]
        first = model.layers[0]
        if type(first_input).__name__ == "InputLayer" and dot.get_node(str(id(first))):
            node = pydot.Node(
                str(id(first_input)), label=_keras_label(graph.node(first_input.name), options)
            )
            node.set("fontname", "Helvetica")
            node.set("border", "0")
            node.set("margin", "0")
            dot.add_node(node)
            edge = pydot.Edge(str(id(first_input)), str(id(first)))
            edge.set("penwidth", "2")
            dot.add_edge(edge)
    elif show_input_layer is False and graph.kind == "Functional":
        for operation in model._operations:
            if type(operation).__name__ != "InputLayer":
                continue
            name = str(id(operation))
            for edge in list(dot.get_edges()):
                if edge.get_source() == name:
                    dot.del_edge(edge.get_source(), edge.get_destination())
            dot.del_node(name)
    pictures = {}
    try:
        note = _fit_graphviz(dot, rankdir, max_width_px, dot_program)
        too_wide = note.startswith("Graphviz'")
        if too_wide and give_up_if_too_wide:
            return pictures, note, too_wide
        for file_format in formats:
            pictures[file_format] = _create(dot, dot_program, file_format)
    except FileNotFoundError as error:
        raise ToolMissingError(
            f"Graphviz `dot` could not run ({error}); {GRAPHVIZ_HINT}."
        ) from None
    return pictures, note, too_wide


def _figure_bytes(figure: Figure, file_format: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=file_format, dpi=figure.get_dpi())
    return buffer.getvalue()


def plot_model(
    model: keras.Model,
    to_file: str | Path | None = None,
    *,
    show_shapes: bool = False,
    show_layer_names: bool = False,
    show_dtype: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 96,
    engine: str = "auto",
    show_input_layer: bool | None = None,
    max_width_px: int | None = 900,
) -> StructurePicture:
    """Draw a model's layers and connections, like ``keras.utils.plot_model``.

    Args:
        model: a built Keras model.
        to_file: ``.png``, ``.svg`` or ``.pdf`` file to write; None writes nothing.
        show_shapes: show input and output shapes.
        show_layer_names: show layer names beside their classes (Keras 3's default: False).
        show_dtype: show output dtypes.
        show_layer_activations: show the activation of layers that have one.
        show_trainable: mark layers with weights trainable or not.
        rankdir: ``"TB"`` top to bottom or ``"LR"`` left to right.
        expand_nested: draw the layers of nested models inside a frame.
        dpi: resolution.
        engine: ``"auto"``, ``"graphviz"`` or ``"matplotlib"``.
        show_input_layer: ``True`` adds the InputLayer box the book's figures show,
            ``False`` hides input boxes, ``None`` does what Keras 3 does.
        max_width_px: width in pixels at 96 dpi to fit (a notebook cell): both engines wrap
            a left-to-right picture into rows (Graphviz: a plain chain of layers; with
            ``engine="auto"`` another graph too wide for Graphviz is drawn by matplotlib,
            which wraps any graph), and the matplotlib engine shrinks what is still too wide.
            The picture's ``note`` says what was done. ``None``: no limit, and the
            Graphviz engine draws exactly what ``keras.utils.plot_model`` draws.

    Returns:
        A ``StructurePicture``: displays inline in a notebook (SVG for a ``.svg`` file).

    Raises:
        ToolMissingError: ``engine="graphviz"`` and Graphviz' ``dot`` is not installed.
        ValueError: a bad option value, an unbuilt model or an unknown file suffix.
    """
    _check_choice("engine", engine, ENGINES)
    rankdir = _check_choice("rankdir", str(rankdir).upper(), ("TB", "LR"))
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 10 <= dpi <= 1000:
        raise ValueError(f"dpi is {dpi!r}; expected a whole number from 10 to 1000.")
    path, file_format = _target_format(to_file)
    dot_program = find_dot() if engine != "matplotlib" else None
    if engine == "graphviz" and dot_program is None:
        raise ToolMissingError(f"engine='graphviz' needs Graphviz' `dot` program: {GRAPHVIZ_HINT}.")
    chosen = "graphviz" if dot_program else "matplotlib"
    graph = select_input_layers(model_graph(model, expand_nested=expand_nested), show_input_layer)
    options = {
        "show_shapes": bool(show_shapes),
        "show_layer_names": bool(show_layer_names),
        "show_dtype": bool(show_dtype),
        "show_layer_activations": bool(show_layer_activations),
        "show_trainable": bool(show_trainable),
    }
    shown = "svg" if file_format == "svg" else "png"
    formats = [shown] + ([file_format] if file_format not in (None, shown) else [])
    note = ""
    if chosen == "graphviz":
        pictures, note, too_wide = _graphviz_render(
            model,
            graph,
            options,
            rankdir=rankdir,
            expand_nested=expand_nested,
            dpi=dpi,
            show_input_layer=show_input_layer,
            formats=formats,
            dot_program=dot_program,
            max_width_px=max_width_px,
            give_up_if_too_wide=engine == "auto",
        )
        if too_wide and engine == "auto":
            chosen = "matplotlib"
            note += "; drawn with matplotlib instead, which wraps any graph into rows"
    if chosen == "matplotlib":
        figure = new_figure(dpi=dpi)
        drawing = draw_model_graph(
            figure, graph, rankdir=rankdir, max_width_px=max_width_px, **options
        )
        pictures = {name: _figure_bytes(figure, name) for name in formats}
        if drawing.bands > 1 and not note:
            note = f"left-to-right, wrapped into {drawing.bands} rows to fit {max_width_px} px"
    if path is not None:
        path.write_bytes(pictures[file_format])
    return StructurePicture(shown, pictures[shown], chosen, dpi, path, graph, note)


# ------------------------------------------------------------------------- summary and inspector


def summary_html(model: keras.Model, *, expand_nested: bool = False) -> str:
    """The per-layer summary (name, class, output shape, params) as an HTML table."""
    graph = select_input_layers(model_graph(model, expand_nested=expand_nested), False)
    rows = "".join(
        "<tr>"
        f"<td style='text-align:left'>{html.escape(node.id)}</td>"
        f"<td style='text-align:left'>{html.escape(node.class_name)}</td>"
        f"<td style='text-align:left'><code>{html.escape(node.output_shape)}</code></td>"
        f"<td style='text-align:right'>{node.params:,}</td>"
        "</tr>"
        for node in graph.nodes
    )
    return (
        f"<table class='lenet-summary'><caption>{html.escape(graph.name)} ({graph.kind})</caption>"
        "<thead><tr><th>Layer</th><th>Class</th><th>Output shape</th><th>Params</th></tr></thead>"
        f"<tbody>{rows}</tbody><tfoot>"
        f"<tr><th colspan='3' style='text-align:left'>Total</th>"
        f"<th style='text-align:right'>{graph.total_params:,}</th></tr>"
        f"<tr><td colspan='3'>trainable / non-trainable</td><td style='text-align:right'>"
        f"{graph.trainable_params:,} / {graph.non_trainable_params:,}</td></tr>"
        "</tfoot></table>"
    )


def _png_tag(figure: Figure) -> str:
    encoded = base64.b64encode(_figure_bytes(figure, "png")).decode("ascii")
    return f"<img src='data:image/png;base64,{encoded}' style='max-width:100%'/>"


def inspection_html(inspection: LayerInspection) -> str:
    """A layer's class, shapes, parameters, weight statistics and config as HTML."""
    stats_rows = "".join(
        f"<tr><td>{html.escape(s.name)}</td><td>{s.shape}</td><td>{s.minimum:.4g}</td>"
        f"<td>{s.maximum:.4g}</td><td>{s.mean:.4g}</td><td>{s.std:.4g}</td>"
        f"<td>{'yes' if s.trainable else 'no'}</td></tr>"
        for s in inspection.weights
    )
    config_rows = "".join(
        f"<tr><td>{html.escape(str(key))}</td><td><code>{html.escape(repr(value))}</code></td></tr>"
        for key, value in inspection.config.items()
    )
    weights = (
        "<table><tr><th>weight</th><th>shape</th><th>min</th><th>max</th><th>mean</th>"
        f"<th>std</th><th>trainable</th></tr>{stats_rows}</table>"
        if stats_rows
        else "<p>No weights.</p>"
    )
    return (
        f"<h4>{html.escape(inspection.id)} ({html.escape(inspection.class_name)})</h4>"
        f"<p>input {html.escape(inspection.input_shape)} &rarr; output "
        f"{html.escape(inspection.output_shape)}; {inspection.params:,} params</p>"
        f"{weights}<details><summary>config</summary><table>{config_rows}</table></details>"
    )


@dataclass
class LayerReport:
    """What the inspector shows for one layer: data, HTML and figures.

    Attributes:
        inspection: the numbers (config, weight statistics, kernels).
        html: config and statistics as HTML.
        histograms: a figure with one histogram per weight tensor.
        kernels: for Conv2D, a figure of its kernels (one input channel); else None.
    """

    inspection: LayerInspection
    html: str
    histograms: Figure
    kernels: Figure | None = None

    def _repr_html_(self) -> str:
        pictures = _png_tag(self.histograms)
        if self.kernels is not None:
            pictures += _png_tag(self.kernels)
        return self.html + pictures


def kernel_figure(
    inspection: LayerInspection, *, dpi: int = 96, columns: int = 10
) -> Figure | None:
    """A new figure of a Conv2D layer's kernels, or None for other layers."""
    if inspection.kernels is None:
        return None
    count = inspection.kernels.shape[0]
    rows = -(-count // columns)
    figure = new_figure((min(columns, count) * 0.62, rows * 0.68 + 0.2), dpi=dpi)
    draw_conv_kernels(figure, inspection.kernels, columns=columns)
    figure.suptitle(f"{inspection.id} kernels (input channel 0)", fontsize=8)
    return figure


def histogram_figure(inspection: LayerInspection, *, dpi: int = 96) -> Figure:
    """A new figure with one histogram per weight tensor of the layer."""
    figure = new_figure((max(3.0, 3.2 * len(inspection.weights)), 2.6), dpi=dpi)
    draw_weight_histograms(figure, inspection)
    return figure


def layer_report(model: keras.Model, layer: str, *, bins: int = 30, dpi: int = 96) -> LayerReport:
    """Inspect one layer (``"conv2d"``; ``"block/dense"`` if nested): what Netron shows on click."""
    inspection = inspect_layer(model, layer, bins=bins)
    return LayerReport(
        inspection,
        inspection_html(inspection),
        histogram_figure(inspection, dpi=dpi),
        kernel_figure(inspection, dpi=dpi),
    )


# ----------------------------------------------------------------------------- diff


@dataclass
class DiffReport:
    """A model diff and its picture; shows both in a notebook.

    Attributes:
        diff: what was added, removed and changed.
        picture: both models side by side, differences coloured.
    """

    diff: ModelDiff
    picture: StructurePicture

    def _repr_html_(self) -> str:
        encoded = base64.b64encode(self.picture.data).decode("ascii")
        kind = "svg+xml" if self.picture.format == "svg" else "png"
        return (
            f"<pre>{html.escape(self.diff.describe())}</pre>"
            f"<img src='data:image/{kind};base64,{encoded}' style='max-width:100%'/>"
        )


def compare_models(
    model_a: keras.Model,
    model_b: keras.Model,
    to_file: str | Path | None = None,
    *,
    show_shapes: bool = True,
    rankdir: str = "TB",
    dpi: int = 96,
    max_width_px: int | None = 900,
) -> DiffReport:
    """``diff_models`` plus a side-by-side picture: red removed, green added, strong orange
    for layers whose settings changed, pale orange for layers only reshaped by a layer above."""
    path, file_format = _target_format(to_file)
    diff = diff_models(model_a, model_b)
    graph_a = select_input_layers(model_graph(model_a), False)
    graph_b = select_input_layers(model_graph(model_b), False)
    figure = new_figure(dpi=dpi)
    draw_model_diff(
        figure,
        graph_a,
        graph_b,
        removed=diff.removed,
        added=diff.added,
        changed_a=[change.name for change in diff.edited],
        changed_b=[change.new_name for change in diff.edited],
        reshaped_a=[change.name for change in diff.reshaped],
        reshaped_b=[change.new_name for change in diff.reshaped],
        show_shapes=show_shapes,
        rankdir=rankdir,
        max_width_px=max_width_px,
    )
    shown = "svg" if file_format == "svg" else "png"
    data = _figure_bytes(figure, shown)
    if path is not None:
        path.write_bytes(data if file_format == shown else _figure_bytes(figure, file_format))
    return DiffReport(diff, StructurePicture(shown, data, "matplotlib", dpi, path, None))


# ----------------------------------------------------------------------------- Netron


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
