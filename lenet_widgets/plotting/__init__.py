"""Plotting: functions that draw plain data onto matplotlib Axes/Figures.

They take NumPy arrays, dicts and dataclasses (never Keras objects or widgets)
and return the artists they drew, so widgets can update them in place.
"""

__all__: list[str] = []
