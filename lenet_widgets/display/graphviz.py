"""Keras' Graphviz picture of a model, made readable at notebook width.

``keras.utils.model_to_dot`` builds the pydot graph; this module adds the
InputLayer box the book's figures show (or hides input boxes), shrinks Keras'
fonts and paddings, wraps a wide left-to-right chain into rows, and runs
Graphviz' ``dot`` itself (pydot prints a failed run's output on stdout, which a
notebook cell would show). ``model_picture.plot_model`` is the public entry.
"""

from __future__ import annotations

import html
import itertools
import re
import shutil
import subprocess
from typing import Any

import keras

from lenet_widgets.core.graph import LayerNode, ModelGraph
from lenet_widgets.display.errors import ToolMissingError

__all__ = ["GRAPHVIZ_HINT", "find_dot", "graphviz_render"]

GRAPHVIZ_HINT = (
    "install Graphviz's `dot` program (Debian/Ubuntu: `sudo apt-get install graphviz`, "
    "macOS: `brew install graphviz`, conda: `conda install graphviz`; `pip` cannot install it), "
    "or use engine='matplotlib'"
)


def find_dot() -> str | None:
    """The path of Graphviz' ``dot`` program on the PATH, or None."""
    return shutil.which("dot")


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


def graphviz_render(
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
