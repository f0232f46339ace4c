"""TensorFlow starts quietly and with thread pools sized from the quota (core/runtime.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lenet_widgets.core import runtime

# What tensorflow-cpu 2.21 printed on descriptor 2 during `import tensorflow` (captured here).
BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
ONEDNN = (
    "I0000 00:00:1795879389.277560   11915 port.cc:153] oneDNN custom operations are on. You "
    "may see slightly different numerical results due to floating-point round-off errors from "
    "different computation orders. To turn them off, set the environment variable "
    "`TF_ENABLE_ONEDNN_OPTS=0`.\n"
)
FEATURE_GUARD = (
    "I0000 00:00:1795879389.405955   11915 cpu_feature_guard.cc:227] This TensorFlow binary is "
    "optimized to use available CPU instructions in performance-critical operations.\n"
    "To enable the following instructions: AVX2 AVX512F AVX512_VNNI AVX512_BF16 FMA, in other "
    "operations, rebuild TensorFlow with the appropriate compiler flags.\n"
)
CUINIT = (
    "E0000 00:00:1761315011.123456    4242 cuda_executor.cc:1228] failed call to cuInit: "
    "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)\n"
)
WARNING_LINE = "W1128 15:20:01.123456   4242 some_op.cc:42] a real warning\n"
ERROR_LINE = "E1128 15:20:01.123456   4242 some_op.cc:42] a real error\n"
STARTUP = BANNER + ONEDNN + FEATURE_GUARD + BANNER + ONEDNN


def test_start_up_lines_are_dropped_at_the_default_level():
    assert runtime.filter_startup_lines(STARTUP, 2) == ""
    assert runtime.filter_startup_lines(STARTUP + CUINIT, 2) == ""


def test_anything_else_is_kept_in_order():
    other = "Traceback (most recent call last):\n  something broke\n"
    text = ONEDNN + other + FEATURE_GUARD + ERROR_LINE + "no newline at the end"
    assert runtime.filter_startup_lines(text, 2) == other + ERROR_LINE + "no newline at the end"


def test_a_line_after_a_dropped_one_is_kept_unless_it_continues_it():
    text = ONEDNN + "To enable the following instructions: not after a feature guard?\n"
    # Only the known continuation wording is dropped; after the oneDNN line it still is, which
    # is harmless: TensorFlow prints it only after cpu_feature_guard.
    assert runtime.filter_startup_lines(text, 2) == ""
    assert runtime.filter_startup_lines(ONEDNN + "hello\n", 2) == "hello\n"


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (0, BANNER + ONEDNN + WARNING_LINE + ERROR_LINE + CUINIT),
        (1, WARNING_LINE + ERROR_LINE + CUINIT),
        (2, ERROR_LINE),
        (3, ""),
    ],
)
def test_the_users_level_decides(level, expected):
    text = BANNER + ONEDNN + WARNING_LINE + ERROR_LINE + CUINIT
    assert runtime.filter_startup_lines(text, level) == expected


def test_descriptor_2_is_filtered_and_the_rest_re_emitted(capfd):
    with runtime.quiet_descriptor_2(2):
        os.write(2, STARTUP.encode())
        os.write(2, b"from C++, not start-up noise\n")
    os.write(2, b"after the block\n")
    captured = capfd.readouterr()
    assert captured.err == "from C++, not start-up noise\nafter the block\n"


def test_descriptor_2_is_restored_when_the_import_fails(capfd):
    with pytest.raises(ImportError), runtime.quiet_descriptor_2(2):
        os.write(2, (ONEDNN + "why it failed\n").encode())
        raise ImportError("no tensorflow")
    os.write(2, b"still here\n")
    assert capfd.readouterr().err == "why it failed\nstill here\n"


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.pop("LENET_WIDGETS_THREADS", None)
    env.update(extra)
    return env


def _run(code: str, **extra: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with ``extra`` environment; it must succeed."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_environment(**extra),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result


def test_building_lenet_prints_nothing_on_stderr_and_sizes_the_pools():
    code = (
        "import lenet_widgets as lw; lw.build_lenet()\n"
        "import tensorflow as tf\n"
        "t = tf.config.threading\n"
        "print(t.get_intra_op_parallelism_threads(), t.get_inter_op_parallelism_threads())\n"
    )
    result = _run(code, LENET_WIDGETS_THREADS="1")
    assert result.stderr == ""
    assert result.stdout.split() == ["1", "1"]


def test_a_user_asking_for_all_log_lines_gets_them():
    result = _run("import lenet_widgets as lw; lw.build_lenet()", TF_CPP_MIN_LOG_LEVEL="0")
    assert "oneDNN custom operations" in result.stderr


def test_tensorflow_imported_first_still_gets_its_pools_sized():
    code = (
        "import tensorflow as tf\n"
        "import lenet_widgets\n"
        "print(tf.config.threading.get_intra_op_parallelism_threads())\n"
    )
    result = _run(code, LENET_WIDGETS_THREADS="3")
    assert result.stdout.split() == ["3"]


def test_a_bad_threads_variable_warns_and_falls_back():
    result = _run("import lenet_widgets, tensorflow", LENET_WIDGETS_THREADS="many")
    assert "LENET_WIDGETS_THREADS='many' is not a positive integer" in result.stderr


@pytest.mark.notebook
def test_a_jupyter_kernel_shows_no_stderr():
    jupyter_client = pytest.importorskip("jupyter_client")
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.start_kernel(env=_environment())
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        streams: list[tuple[str, str]] = []
        # keras before the model: whoever imports TensorFlow first, the start-up is quiet.
        code = "import lenet_widgets as lw\nimport keras\nmodel = lw.build_lenet()\nprint('ok')"
        reply = client.execute_interactive(
            code,
            timeout=300,
            output_hook=lambda msg: (
                streams.append((msg["content"].get("name", ""), msg["content"].get("text", "")))
                if msg["msg_type"] == "stream"
                else None
            ),
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        assert [text for name, text in streams if name == "stderr"] == []
        assert "ok" in "".join(text for name, text in streams if name == "stdout")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_malloc_arenas_are_capped_at_import_and_freed_memory_released():
    code = (
        "import lenet_widgets\n"
        "from lenet_widgets.core import runtime\n"
        "print(runtime._state['arenas'], runtime.release_free_memory() in (True, False))\n"
    )
    result = _run(code, LENET_WIDGETS_THREADS="3")
    assert result.stdout.split() == ["3", "True"]
    result = _run(code, LENET_WIDGETS_THREADS="3", MALLOC_ARENA_MAX="1")
    assert result.stdout.split() == ["0", "True"]  # The user's glibc setting is left alone.
