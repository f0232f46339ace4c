"""ui: the only package that imports ipywidgets.

Each model-bound panel subclasses ``ModelPanel`` (``ui/panel.py``: the ``model``
trait, its one validation through ``check_model``, the status line, ``refresh``,
``wait`` and the ``active`` flag of lazy tabs; the dashboard is a ``Tab``), keeps its
controls private, exposes a few public traits, and calls core, plotting and display
functions for the real work. Background computations go through one latest-wins
helper, ``LatestJob`` (``ui/jobs.py``); only training has a thread of its own.

The dashboard function is ``lenet_widgets.lab``; here ``lenet_widgets.ui.lab`` is
its module (a lazily exported function of the same name was hidden by the module
as soon as anything imported it).
"""

from lenet_widgets._lazy import lazy_exports_from_stub

# The public names and their modules are listed once, in __init__.pyi.
__getattr__, __dir__, __all__ = lazy_exports_from_stub(__name__, __file__, globals())
