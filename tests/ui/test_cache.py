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


def test_bytes_are_bounded_and_the_newest_entry_always_stays():
    import numpy as np

    cache = RecentCache(10, max_bytes=1000)
    cache.put("a", np.zeros(100, np.float32))  # 400 bytes
    cache.put("b", (np.zeros(50, np.float32), b"x" * 200))  # 400 bytes
    assert cache.bytes == 800 and len(cache) == 2
    cache.put("c", {"png": b"y" * 300})  # 1,100 in all: "a" (least recent) goes.
    assert "a" not in cache and cache.bytes == 700
    cache.put("c", b"z" * 5000)  # Replacing an entry re-weighs it; alone over the bound, kept.
    assert list(cache._entries) == ["c"] and cache.bytes == 5000
    cache.clear()
    assert cache.bytes == 0 and len(cache) == 0


def test_value_bytes_looks_inside_results():
    import numpy as np

    from lenet_widgets.core.filters import FilterResult
    from lenet_widgets.ui.cache import value_bytes

    images = np.zeros((501, 50, 28, 28, 1), np.float32)  # 500 steps of 50 filters: 78 MB.
    result = FilterResult(
        layer="conv2d_1",
        kind="channel",
        filters=np.arange(50),
        images=images,
        activations=np.zeros((501, 50), np.float32),
        gradient_rms=np.zeros((500, 50), np.float32),
        dead=np.zeros(50, bool),
        input_range=(0.0, 1.0),
    )
    expected = images.nbytes + 501 * 50 * 4 + 500 * 50 * 4 + 50 + 50 * 8
    assert value_bytes(result) == expected
    assert value_bytes(object()) == 0 and value_bytes([b"ab", {"k": b"cde"}]) == 5


def test_max_bytes_must_be_positive():
    with pytest.raises(ValueError, match="max_bytes is 0; expected at least 1"):
        RecentCache(1, max_bytes=0)


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
