"""lenet_widgets: train a LeNet on MNIST, save it, draw it, see its filters.

Importing the package is cheap: TensorFlow, matplotlib and ipywidgets load only
when a name that needs them is first used (``lenet_widgets.build_lenet``...).
``__init__.pyi`` lists the same names as plain imports, for editors and type
checkers, and the lazy loader (``_lazy.py``) reads the same stub, so it is the one list
of the public names; ``tests/product/test_public_api.py`` checks that each resolves.

Layers (see ``tests/product/test_layering.py``): ``core`` (NumPy/Keras), ``plotting``
(matplotlib on plain data), ``display`` (core + plotting: pictures and reports
for a notebook or a file), ``ui`` (the ipywidgets panels), ``cli``.
"""

from __future__ import annotations

from lenet_widgets._lazy import lazy_exports_from_stub

# Cheap (no TensorFlow import): lenet_widgets.core prepares TensorFlow before any module of
# this package (or the user) imports it, see lenet_widgets/core/runtime.py.
import lenet_widgets.core  # noqa: F401  isort: skip

__version__ = "0.1.0"

# The public names and their modules are listed once, in __init__.pyi.
__getattr__, __dir__, __all__ = lazy_exports_from_stub(
    __name__, __file__, globals(), also=("__version__",)
)
