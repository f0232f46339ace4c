"""Shared fixtures: tiny named models for unit tests, real MNIST for integration tests.

The odd models themselves (subclassed, no Conv2D, NaN weights...) are plain factories in
``tiny_models.py`` so parametrize tables can name them; shared plain helpers are in
``helpers.py``. Both import from any test folder: pytest puts this folder on ``sys.path``.
"""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from lenet_widgets import config


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In strict mode (CI), a skip means something CI should have installed is missing."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and config.strict_tests() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = (
            f"skipped in strict mode ({config.STRICT_TESTS_VARIABLE}): {report.longrepr}"
        )


@pytest.fixture(scope="session")
def mnist_path():
    """The real MNIST file named by LENET_WIDGETS_MNIST (.ci/run sets it); skip if absent."""
    path = config.mnist_path_from_environment()
    if path is None or not path.is_file():
        pytest.skip(f"real MNIST not available: set {config.MNIST_VARIABLE}=/path/to/mnist.npz")
    return path


@pytest.fixture(scope="session")
def mnist(mnist_path):
    """Real MNIST as ((x_train, y_train), (x_test, y_test)) uint8 arrays."""
    from lenet_widgets.core.data import load_mnist

    return load_mnist(mnist_path)


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """Graphviz' dot is not on the PATH for this test (the matplotlib engine must cope)."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("dot") is None


@pytest.fixture
def tiny_lenet():
    """A compiled LeNet on 12x12 grey images with 3 classes: seconds to train (seeded, so
    the same weights as ``good_model``, but a new one for every test)."""
    from tiny_models import good_lenet

    return good_lenet()


@pytest.fixture
def tiny_data():
    """64 random 12x12 uint8 images with labels 0..2."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(64, 12, 12), dtype=np.uint8)
    labels = rng.integers(0, 3, size=64).astype(np.uint8)
    return images, labels


@pytest.fixture
def small_dataset():
    """320 train and 40 test 12x12 images, 3 classes: each epoch is 10 batches of 32."""
    from helpers import centre_brightness_dataset

    return centre_brightness_dataset(40)


@pytest.fixture(scope="module")
def good_model():
    """A seeded LeNet on 12x12 grey images with 3 classes, shared by one module's tests."""
    from tiny_models import good_lenet

    return good_lenet()


@pytest.fixture(scope="session")
def model_files(tmp_path_factory):
    """Every bad file of ``tiny_models.FILE_CASES`` plus good and loadable-but-odd models."""
    from tiny_models import good_lenet, write_model_files

    return write_model_files(tmp_path_factory.mktemp("model_files"), good_lenet())


@pytest.fixture
def make_training_panel():
    """Build TrainingPanels (batches of 32) that are stopped and waited for after the test."""
    from lenet_widgets.ui.training import TrainingPanel

    panels = []

    def make(model, dataset):
        panel = TrainingPanel(model, dataset)
        panel._batch_size.value = 32
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.stop()
        panel.wait(60)
