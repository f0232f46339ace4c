"""ui: the only package that imports ipywidgets.

Each panel subclasses ``VBox``/``HBox``, keeps its controls private, exposes a
few public traits, and calls core and plotting functions for the real work.
"""

__all__: list[str] = []
