"""Draw filter visualizations: a labelled grid, the chapter's stitched picture, dataset examples.

Everything here takes plain NumPy arrays (images ``(F, H, W, C)``, activations
``(F,)``, filter indices ``(F,)``, dead flags ``(F,)``), never a Keras model or a
widget. One module per picture:

- ``tiles``: the chapter's deprocessing, the display order, the stitched figure 6-10;
- ``grid``: the labelled grid the widgets and ``show_filters`` draw, updated in place;
- ``examples``: optimized images beside the dataset digits that excite each filter most.
"""

from __future__ import annotations

from lenet_widgets.plotting.filters.examples import plot_top_examples
from lenet_widgets.plotting.filters.grid import (
    CAPTION_COLOR,
    CAPTION_FONT,
    DEAD_COLOR,
    OUT_OF_RANGE_COLOR,
    TITLE_FONT,
    FilterGridArtists,
    grid_caption,
    grid_mosaic_shape,
    plot_filter_grid,
    update_grid,
)
from lenet_widgets.plotting.filters.tiles import (
    SORT_ORDERS,
    TILE_MARGIN,
    deprocess_image,
    grid_order,
    save_stitched,
    stitch_filters,
    stitched_size,
)

__all__ = [
    "CAPTION_COLOR",
    "CAPTION_FONT",
    "DEAD_COLOR",
    "OUT_OF_RANGE_COLOR",
    "SORT_ORDERS",
    "TILE_MARGIN",
    "TITLE_FONT",
    "FilterGridArtists",
    "deprocess_image",
    "grid_caption",
    "grid_mosaic_shape",
    "grid_order",
    "plot_filter_grid",
    "plot_top_examples",
    "save_stitched",
    "stitch_filters",
    "stitched_size",
    "update_grid",
]
