"""A class of 2 on a real JupyterHub: dashboard, training, slider and Voila, with no failures.

The full load test (8 students and more) is ``benchmarks/classroom_load.py``; this
runs the same code with 2 students so ``make test`` proves the hub path works.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_test_module():
    if "classroom_load" in sys.modules:
        return sys.modules["classroom_load"]
    spec = importlib.util.spec_from_file_location(
        "classroom_load", ROOT / "benchmarks" / "classroom_load.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["classroom_load"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_two_students_on_a_real_hub(tmp_path):
    load = _load_test_module()
    problem = load.missing_requirements()
    if problem:
        pytest.skip(f"the JupyterHub test needs it: {problem}")
    class_ = load.run(2, voila=True, timeout=400, keep=tmp_path / "hub")
    table = load.report(class_, 0.0)
    print(table)
    assert [s.failures for s in class_] == [[], []], table
    # Nothing on stderr but the one-line notice that MNIST is missing (when it is).
    noise = [t for s in class_ for t in s.stderr if "MNIST not found" not in t]
    assert noise == [], table
    for student in class_:
        for value in (student.first_picture_s, student.train_s, student.grid_s, student.voila_s):
            assert not math.isnan(value) and value > 0, table
        assert student.kernel_pss > 0, table
    leftovers = load.Hub(1, tmp_path, 1)._leftover_pids()  # nothing of any run survives
    assert leftovers == [], leftovers


def test_the_report_says_its_capacity_is_extrapolated():
    load = _load_test_module()
    megabyte = 1_000_000
    # Only what the capacity rows use; the timings stay unmeasured (NaN).
    student = load.Student(
        "s1",
        kernel_peak_pss=600 * megabyte,
        kernel_peak_rss=900 * megabyte,
        server_pss=100 * megabyte,
        cpu_first_s=6.0,
    )
    table = load.report([student], 30.0)
    assert "EXTRAPOLATED" in table
    # (8 GB - 1 GB) / 0.7 GB (PSS) = 10, / 1 GB (RSS) = 7; 2 cores x 60 s / 6 CPU-s = 20.
    assert "| 2 cores / 8 GB | 10 | 7 | 20 |" in table
    assert "failures: 0" in table


def test_missing_tools_are_named(monkeypatch):
    load = _load_test_module()
    monkeypatch.setattr(load.shutil, "which", lambda name: None)
    problem = load.missing_requirements()
    assert problem is not None
    assert "configurable-http-proxy" in problem or "jupyterhub" in problem
