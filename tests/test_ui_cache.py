"""RecentCache: panels keep recent pictures, never an unbounded pile."""

from __future__ import annotations

import pytest

from lenet_widgets.ui.cache import RecentCache


def test_keeps_the_most_recently_used_entries():
    cache = RecentCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent...
    cache.put("c", 3)  # ...so "b" goes.
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2 and cache.get("missing", "default") == "default"
    cache.clear()
    assert len(cache) == 0


def test_size_must_be_positive():
    with pytest.raises(ValueError, match="size is 0; expected at least 1"):
        RecentCache(0)


def test_structure_panel_cache_is_bounded(tiny_lenet, no_dot, monkeypatch):
    from lenet_widgets.ui import structure

    monkeypatch.setattr(structure, "PICTURE_CACHE_SIZE", 4)
    panel = structure.StructurePanel(tiny_lenet, engine="matplotlib")
    for dpi in range(48, 241, 8):  # Every position of the dpi slider: 25 pictures.
        panel._dpi.value = dpi
    assert len(panel._cache) == 4
    renders = panel.render_count
    panel._dpi.value = 232  # Among the 4 most recent: no new drawing.
    assert panel.render_count == renders
