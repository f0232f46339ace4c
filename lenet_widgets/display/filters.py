"""Filter visualization from a Keras model in one call, for notebook cells and the CLI.

Glue between ``core.filters`` (the computation) and ``plotting.filters`` (the
drawing); ``grid_words`` is the one place a ``FilterResult`` becomes the words
under its grid (shared with ``ui.filters.FilterExplorer``). Figures are plain
``matplotlib.figure.Figure`` objects, never pyplot figures, so nothing
accumulates; Jupyter shows a returned Figure as a picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from lenet_widgets.core.filters import (
    DEFAULT_PRESET,
    FilterResult,
    maximize_filters,
    preset_arguments,
    top_activating_examples,
)
from lenet_widgets.core.model import prepare_for_model
from lenet_widgets.plotting.figure import new_figure
from lenet_widgets.plotting.filters import (
    FilterGridArtists,
    grid_caption,
    grid_order,
    plot_filter_grid,
    plot_top_examples,
    save_stitched,
    stitch_filters,
    update_grid,
)

__all__ = [
    "DEFAULT_PICTURE",
    "compare_presets",
    "compute_filters",
    "draw_result_grid",
    "grid_words",
    "save_filter_grid",
    "show_filters",
    "show_top_examples",
]

DEFAULT_PICTURE = "lenet_filters_6x6.png"
"""The chapter's file name for the stitched 6x6 picture."""


def grid_words(
    result: FilterResult, images: np.ndarray, data_count: int | None = None
) -> tuple[list[tuple[str, str]], str]:
    """The caption lines under a grid of ``result`` and the word on its dead tiles.

    Args:
        result: the filters drawn.
        images: the images shown (one step of ``result``): their pixel span is reported.
        data_count: how many images the ``"data"`` dead test used, if known.

    Returns:
        ``(caption, dead_label)``: ``grid_caption``'s ``(text, colour)`` lines, and
        ``"dead"`` (tested on data) or ``"inactive"`` (zero at the start image).
    """
    caption = grid_caption(
        result.kind,
        result.objective,
        int(np.count_nonzero(result.dead)),
        result.dead_test,
        result.input_range,
        (float(images.min()), float(images.max())),
        data_count,
    )
    return caption, "dead" if result.dead_test == "data" else "inactive"


def compute_filters(
    model: Any,
    layer: str = "conv2d_1",
    steps: int = 20,
    preset: str | None = DEFAULT_PRESET,
    seed: int = 0,
    filters: Sequence[int] | None = None,
    **overrides: Any,
) -> FilterResult:
    """Run ``maximize_filters`` with a preset's settings (``overrides`` win).

    The default preset keeps every image inside the model's input range; ``"chapter"``
    is the book's recipe (its pixels leave the range); ``None`` is plain ascent without
    clipping. ``overrides`` may name any ``maximize_filters`` argument, e.g.
    ``objective="neuron"`` or ``data=x_test`` (prepared images, for the dead test).
    """
    arguments = preset_arguments(preset, model) if preset is not None else {}
    arguments.update(overrides)
    return maximize_filters(
        model, layer, filters=filters, steps=steps, seed=seed, preset=preset, **arguments
    )


def show_filters(
    model_or_result: Any,
    layer: str = "conv2d_1",
    steps: int = 20,
    grid: int = 6,
    preset: str | None = DEFAULT_PRESET,
    seed: int = 0,
    sort: str = "activation",
    step: int | None = None,
    figure: Figure | None = None,
    objective: str = "channel",
) -> Figure:
    """Figure of the top ``grid x grid`` filters of a layer (or of a ready ``FilterResult``).

    Args:
        model_or_result: a Keras model, or a ``FilterResult`` to draw without recomputing.
        step: which step to show (default the last).
        figure: draw on this Figure instead of a new one.
        objective: ``"channel"`` (mean over positions) or ``"neuron"`` (centre position).
    """
    result = (
        model_or_result
        if isinstance(model_or_result, FilterResult)
        else compute_filters(model_or_result, layer, steps, preset, seed, objective=objective)
    )
    figure = figure or new_figure((1.2 * grid + 0.4, 1.25 * grid + 0.6))
    shown = result.steps if step is None else step
    title = f"{result.layer}: top {grid}x{grid} of {len(result.filters)} filters, step {shown}"
    draw_result_grid(figure, result, step, grid, sort, title)
    return figure


def draw_result_grid(
    figure: Any,
    result: FilterResult,
    step: int | None,
    grid: int,
    sort: str,
    title: str,
    *,
    data_count: int | None = None,
    artists: FilterGridArtists | None = None,
) -> FilterGridArtists:
    """Draw one step of ``result`` as a captioned filter grid, or update one drawn before.

    ``show_filters`` and the filter explorer draw the same grid (caption and dead-tile
    word from ``grid_words``); this keeps that call in one place.

    Args:
        figure: the Figure (or SubFigure) to draw on when ``artists`` cannot be reused.
        result: the filters to draw.
        step: which step of ``result`` (``None``: the last).
        grid: tiles per side.
        sort: the tile order (one of ``SORT_ORDERS``).
        title: the grid's title.
        data_count: how many images the ``"data"`` dead test used, if known.
        artists: a grid drawn before; updated in place when it has ``grid`` tiles per side.

    Returns:
        The grid's artists (``artists`` itself when updated in place).
    """
    images, activations = result.at(step)
    caption, dead_label = grid_words(result, images, data_count)
    if artists is not None and artists.grid == grid:
        return update_grid(
            artists,
            images,
            activations,
            result.filters,
            result.dead,
            sort,
            title,
            caption=caption,
            dead_label=dead_label,
        )
    return plot_filter_grid(
        figure,
        images,
        activations,
        result.filters,
        result.dead,
        grid,
        sort,
        title=title,
        caption=caption,
        dead_label=dead_label,
    )


def save_filter_grid(
    model_or_result: Any,
    path: str | Path = DEFAULT_PICTURE,
    layer: str = "conv2d_1",
    steps: int = 20,
    grid: int = 6,
    preset: str | None = DEFAULT_PRESET,
    seed: int = 0,
    scale: int = 4,
    objective: str = "channel",
) -> Path:
    """Write the chapter's stitched picture (28 px tiles, 5 px margin), enlarged ``scale`` times.

    The default preset stays in the input range; ``preset="chapter"`` gives the book's figure.
    """
    result = (
        model_or_result
        if isinstance(model_or_result, FilterResult)
        else compute_filters(model_or_result, layer, steps, preset, seed, objective=objective)
    )
    images, activations = result.at()
    stitched = stitch_filters(images, activations, grid, filters=result.filters, dead=result.dead)
    return save_stitched(path, stitched, scale)


def compare_presets(
    model: Any,
    layer: str = "conv2d_1",
    presets: Sequence[str] = ("chapter", DEFAULT_PRESET),
    steps: int | Sequence[int] = (20, 200),
    grid: int = 4,
    seed: int = 0,
) -> Figure:
    """Side by side: the same layer under several presets (the chapter's vs the default).

    ``steps`` is one number for all presets or one per preset.
    """
    step_list = [steps] * len(presets) if isinstance(steps, int) else list(steps)
    if len(step_list) != len(presets):
        raise ValueError(
            f"steps has {len(step_list)} values; expected one per preset ({len(presets)})."
        )
    figure = new_figure((3.2 * len(presets), 3.6))
    panels = figure.subfigures(1, len(presets), squeeze=False)[0]
    for panel, name, count in zip(panels, presets, step_list, strict=True):
        result = compute_filters(model, layer, count, name, seed)
        images, activations = result.at()
        plot_filter_grid(
            panel,
            images,
            activations,
            result.filters,
            result.dead,
            grid,
            title=f"{name}, {count} steps",
        )
    return figure


def show_top_examples(
    model: Any,
    images: np.ndarray,
    result: FilterResult,
    labels: np.ndarray | None = None,
    rows: int = 6,
    count: int = 6,
    sort: str = "activation",
) -> Figure:
    """For the top ``rows`` filters of ``result``: optimized image beside the test images
    that activate the filter most.

    Args:
        images: test images, uint8 ``(N, H, W)`` or prepared floats.
        labels: optional digit labels shown above the examples.
    """
    optimized, activations = result.at()
    order = grid_order(activations, result.filters, result.dead, sort)[:rows]
    chosen = result.filters[order]
    top = top_activating_examples(
        model, result.layer, prepare_for_model(model, images), chosen, count
    )
    figure = new_figure((1.1 * (count + 1), 1.15 * len(chosen) + 0.3))
    plot_top_examples(
        figure, optimized[order], np.asarray(images), chosen, top.indices, top.activations, labels
    )
    return figure
