"""Draw a Keras model, with or without Graphviz: the chapter's ``plot_model``.

``plot_model`` is the chapter's function with Keras 3's arguments. Engines:

* ``"graphviz"``: ``keras.utils.model_to_dot`` rendered by Graphviz ``dot``,
  the same picture as ``keras.utils.plot_model`` (see ``display.graphviz``);
* ``"matplotlib"``: the same information drawn by matplotlib, no Graphviz needed;
* ``"auto"`` (default): Graphviz when ``dot`` is on the PATH, else matplotlib.

It never prints and returns None: a missing engine raises ``ToolMissingError``
with the install command. The returned ``StructurePicture`` shows itself inline
in a notebook (PNG or SVG) and writes PNG, SVG or PDF by the file's suffix.
This module uses ``matplotlib.figure.Figure`` only (no pyplot), so no figure
piles up in pyplot's registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras

from lenet_widgets.core.graph import ModelGraph
from lenet_widgets.core.structure import model_graph, select_input_layers
from lenet_widgets.display.errors import ToolMissingError
from lenet_widgets.display.graphviz import GRAPHVIZ_HINT, find_dot, graphviz_render
from lenet_widgets.plotting.figure import figure_bytes, new_figure, png_size
from lenet_widgets.plotting.structure import RANKDIRS, draw_model_graph

__all__ = ["ENGINES", "FILE_FORMATS", "StructurePicture", "plot_model", "target_format"]

ENGINES = ("auto", "graphviz", "matplotlib")
FILE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def _png_width(png: bytes) -> int:
    """The PNG's width in pixels, or 0 when ``png`` is not a PNG (nothing to size)."""
    try:
        return png_size(png)[0]
    except ValueError:
        return 0


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


def _check_choice(name: str, value: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} is {value!r}; expected one of {tuple(choices)}.")
    return value


def target_format(to_file: str | Path | None) -> tuple[Path | None, str | None]:
    """The file to write and its format (``"png"``, ``"svg"``, ``"pdf"``), or ``(None, None)``.

    Raises:
        ValueError: an unknown suffix (none means PNG, as in Keras).
        IsADirectoryError: ``to_file`` is a folder.
        FileNotFoundError: its folder does not exist.
    """
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
    rankdir = _check_choice("rankdir", str(rankdir).upper(), RANKDIRS)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 10 <= dpi <= 1000:
        raise ValueError(f"dpi is {dpi!r}; expected a whole number from 10 to 1000.")
    path, file_format = target_format(to_file)
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
        pictures, note, too_wide = graphviz_render(
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
        pictures = {name: figure_bytes(figure, name, tight=False) for name in formats}
        if drawing.bands > 1 and not note:
            note = f"left-to-right, wrapped into {drawing.bands} rows to fit {max_width_px} px"
    if path is not None:
        path.write_bytes(pictures[file_format])
    return StructurePicture(shown, pictures[shown], chosen, dpi, path, graph, note)
