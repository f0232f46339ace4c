"""The texts a matplotlib figure really draws, for tests on their size and place."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text


def drawn_texts(figure: Figure) -> list[Text]:
    """Every non-empty text drawn: figure texts, titles, notes, axis labels, visible ticks.

    Axes turned off draw their title and texts, not their axes; a tick label counts
    only when its tick lies inside the axis' view.
    """
    figure.canvas.draw()
    texts = list(figure.texts)
    for axes in figure.axes:
        texts += [axes.title, *axes.texts]
        if not axes.axison:
            continue
        for axis in (axes.xaxis, axes.yaxis):
            texts.append(axis.label)
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    texts += [label for label in (tick.label1, tick.label2) if label.get_visible()]
    return [text for text in texts if text.get_visible() and text.get_text()]


def assert_readable(figure: Figure, smallest: float) -> list[Text]:
    """Check every drawn text is at least ``smallest`` points and lies inside the figure."""
    renderer = figure.canvas.get_renderer()
    bounds = figure.bbox
    texts = drawn_texts(figure)
    for text in texts:
        assert text.get_fontsize() >= smallest, (text.get_text(), text.get_fontsize())
        box = text.get_window_extent(renderer)
        inside = (
            box.x0 >= bounds.x0 - 0.5
            and box.x1 <= bounds.x1 + 0.5
            and box.y0 >= bounds.y0 - 0.5
            and box.y1 <= bounds.y1 + 0.5
        )
        assert inside, (text.get_text(), box.bounds, bounds.bounds)
    return texts
