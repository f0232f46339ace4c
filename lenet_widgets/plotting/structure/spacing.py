"""The spacing shared by every step of a structure picture's layout, in points.

Each step keeps its own numbers (``ranks.py``: gaps in a rank, ``frames.py``: the
frames' insets); these are the ones several steps, and the drawing, agree on.
"""

__all__ = ["BAND_GAP", "FRAME_EDGE", "MARGIN", "RANK_GAP", "WRAP_ROOM"]

BAND_GAP = 34.0
"""Space between two bands of a wrapped left-to-right layout (wrapping arrows run in it)."""
MARGIN = 10.0
"""Empty border around the picture."""
WRAP_ROOM = 14.0
"""Extra room on both sides of a wrapped layout for the arrows going round the band ends."""
RANK_GAP = {"TB": 16.0, "LR": 30.0}
"""Between two ranks, by ``rankdir`` (more where frames need the room)."""
FRAME_EDGE = 3.0
"""Least room between a frame and the picture's edge."""
