"""Memory and CPU limits read from cgroup fixture files (never the real /sys/fs/cgroup)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lenet_widgets import config

CGROUP = Path(__file__).resolve().parents[1] / "data" / "cgroup"
GIB = 1 << 30


def _nested(name: str) -> dict:
    return {"proc_cgroup": CGROUP / name / "proc_self_cgroup"}


@pytest.mark.parametrize(
    ("form", "kwargs", "memory", "used", "quota"),
    [
        ("v2_limited", {}, 1 * GIB, 734003200, 1.5),
        ("v2_unlimited", {}, None, 123456789, None),
        ("v1_limited", {}, 2 * GIB, 524288000, 0.5),
        ("v1_unlimited", {}, None, None, None),
        # the parent's limit applies to the kernel below it, even if the leaf says more
        ("v1_nested", _nested("v1_nested"), 3 * GIB, 1000000, 2.0),
        ("v2_nested", _nested("v2_nested"), 2 * GIB, 400000000, 1.0),
    ],
)
def test_limits_from_each_cgroup_form(form, kwargs, memory, used, quota):
    root = CGROUP / form
    assert config.memory_limit_bytes(root, environ={}, **kwargs) == memory
    assert config.memory_used_bytes(root, **kwargs) == used
    assert config.cpu_quota(root, **kwargs) == quota


@pytest.mark.parametrize(
    ("form", "kwargs", "affinity", "expected"),
    [
        ("v2_limited", {}, set(range(64)), 2),  # 1.5 CPUs of quota keep 2 threads busy
        ("v2_unlimited", {}, set(range(64)), 64),
        ("v2_unlimited", {}, {3}, 1),  # taskset to one CPU
        ("v1_limited", {}, set(range(8)), 1),  # half a CPU: still one thread
        ("v1_unlimited", {}, set(range(4)), 4),
        ("v1_nested", _nested("v1_nested"), set(range(64)), 2),
        ("v2_nested", _nested("v2_nested"), set(range(64)), 1),
    ],
)
def test_usable_cpus_is_the_smaller_of_quota_and_affinity(form, kwargs, affinity, expected):
    root = CGROUP / form
    assert config.usable_cpus(root, affinity=affinity, **kwargs) == expected
    assert config.thread_count(root, affinity=affinity, environ={}, **kwargs) == expected


def test_no_cgroup_at_all_means_no_limits(tmp_path):
    assert config.memory_limit_bytes(tmp_path, environ={}) is None
    assert config.memory_used_bytes(tmp_path) is None
    assert config.cpu_quota(tmp_path) is None
    assert config.usable_cpus(tmp_path, affinity={0, 1, 2}) == 3


def test_a_nested_path_missing_under_the_mount_reads_the_mount(tmp_path):
    # Docker without a cgroup namespace: /proc/self/cgroup names /docker/<id>, but the
    # container sees its own cgroup at the mount point.
    (tmp_path / "memory.max").write_text("536870912\n")
    proc = tmp_path / "proc_self_cgroup"
    proc.write_text("0::/docker/0123abcd\n")
    assert config.memory_limit_bytes(tmp_path, proc_cgroup=proc, environ={}) == 512 << 20


def test_garbage_in_cgroup_files_is_no_limit(tmp_path):
    (tmp_path / "memory.max").write_text("lots\n")
    (tmp_path / "cpu.max").write_text("\n")
    assert config.memory_limit_bytes(tmp_path, environ={}) is None
    assert config.cpu_quota(tmp_path) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2147483648", 2 * GIB),
        ("2G", 2 * GIB),
        ("512M", 512 << 20),
        ("1.5GiB", 3 * GIB // 2),
        ("", None),
        ("not a size", None),
        ("0", None),
    ],
)
def test_mem_limit_variable(value, expected, tmp_path):
    assert config.memory_limit_bytes(tmp_path, environ={"MEM_LIMIT": value}) == expected


def test_the_smaller_of_cgroup_and_mem_limit_wins():
    root = CGROUP / "v1_limited"  # 2 GiB
    assert config.memory_limit_bytes(root, environ={"MEM_LIMIT": "1G"}) == GIB
    assert config.memory_limit_bytes(root, environ={"MEM_LIMIT": "8G"}) == 2 * GIB


def test_mem_limit_is_read_from_the_process_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MEM_LIMIT", "1073741824")
    assert config.memory_limit_bytes(tmp_path) == GIB


def test_threads_variable_overrides_the_quota():
    root = CGROUP / "v1_limited"  # half a CPU
    environ = {"LENET_WIDGETS_THREADS": "4"}
    assert config.thread_count(root, affinity={0}, environ=environ) == 4


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_bad_threads_variable_says_what_was_found(value):
    with pytest.raises(ValueError, match=r"LENET_WIDGETS_THREADS=.*positive integer"):
        config.thread_count(CGROUP / "v2_limited", environ={"LENET_WIDGETS_THREADS": value})


def test_parse_size_rejects_what_is_not_a_size():
    with pytest.raises(ValueError, match="'12 apples' is not a size"):
        config.parse_size("12 apples")


@pytest.mark.parametrize(
    ("environ", "threads", "expected"),
    [
        ({}, 1, 2),  # At least 2 arenas, even for one thread.
        ({}, 6, 6),
        ({"LENET_WIDGETS_THREADS": "4"}, None, 4),
        ({"MALLOC_ARENA_MAX": "3"}, 8, None),  # glibc applied the user's own choice.
    ],
)
def test_malloc_arenas_follow_the_pools(environ, threads, expected):
    assert config.malloc_arenas(environ, threads=threads) == expected
