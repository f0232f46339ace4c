"""Core: data, model, training, persistence, structure graph, filter visualization.

Pure functions and small classes over NumPy and Keras. Nothing here imports
ipywidgets or matplotlib; ``tests/product/test_layering.py`` checks it. Names are
resolved lazily, so importing one submodule does not load the others.
"""

from lenet_widgets._lazy import lazy_exports_from_stub
from lenet_widgets.core.runtime import prepare_tensorflow

# Before anything imports TensorFlow: quiet start-up, thread pools from the CPU quota.
prepare_tensorflow()

# The public names and their modules are listed once, in __init__.pyi.
__getattr__, __dir__, __all__ = lazy_exports_from_stub(__name__, __file__, globals())
