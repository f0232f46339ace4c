"""Plotting: functions that draw plain data onto matplotlib Axes/Figures.

They take NumPy arrays, dicts and dataclasses (never Keras objects or widgets)
and return the artists they drew, so widgets can update them in place.
"""

from lenet_widgets._lazy import lazy_exports_from_stub

# The public names and their modules are listed once, in __init__.pyi.
__getattr__, __dir__, __all__ = lazy_exports_from_stub(__name__, __file__, globals())
