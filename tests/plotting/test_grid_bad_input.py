"""The grid and layout functions refuse a grid of 0, a negative one or one of the wrong type
(table-driven); a grid larger than the filters shows blanks.
"""

from __future__ import annotations

import numpy as np
import pytest

from lenet_widgets.plotting.feature_maps import grid_shape
from lenet_widgets.plotting.filters import plot_filter_grid, stitch_filters, stitched_size

from helpers import named_cases

#: (case, call, message) for the grid and layout functions: grid 0, negative, wrong type.
GRID_CASES = [
    ("stitch grid 0", lambda: stitch_filters(np.zeros((3, 4, 4, 1)), grid=0), "grid is 0"),
    ("stitch grid -2", lambda: stitch_filters(np.zeros((3, 4, 4, 1)), grid=-2), "grid is -2"),
    ("stitch grid 2.5", lambda: stitch_filters(np.zeros((3, 4, 4, 1)), grid=2.5), "grid is 2.5"),
    ("stitched size grid 0", lambda: stitched_size(0, 28, 28), "grid is 0"),
    (
        "plot grid 0",
        lambda: plot_filter_grid(_figure(), np.zeros((3, 4, 4, 1)), np.zeros(3), grid=0),
        "grid is 0",
    ),
    ("feature-map grid of -1 maps", lambda: grid_shape(-1), "count is -1"),
    (
        "stitch 2-D images",
        lambda: stitch_filters(np.zeros((4, 4)), grid=2),
        r"images have shape \(4, 4\); expected \(F, height, width, channels\)",
    ),
]


def _figure():
    from matplotlib.figure import Figure

    return Figure()


@pytest.mark.parametrize(("call", "message"), named_cases(GRID_CASES))
def test_grid_functions_refuse_bad_grids(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_grid_larger_than_the_filters_shows_blanks():
    stitched = stitch_filters(np.random.default_rng(0).normal(size=(3, 4, 4, 1)), grid=5)
    assert stitched.shape == stitched_size(5, 4, 4)
    assert not stitched[-4:, -4:].any()  # The last tile is blank, not an IndexError.
