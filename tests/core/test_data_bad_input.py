"""load_mnist refuses MNIST files with bad data (table-driven), naming the file and what was
expected.
"""

from __future__ import annotations

import numpy as np
import pytest

from lenet_widgets.core.data import DataError, load_mnist

from helpers import named_cases

#: MNIST files with bad data: (case, arrays, message)
DATA_CASES = [
    ("labels above 9", {"y_train": np.full(4, 12, np.uint8)}, r"labels 12\.\.12; expected digits"),
    ("labels below 0", {"y_test": np.full(2, -1, np.int64)}, r"labels -1\.\.-1; expected digits"),
    ("labels do not match images", {"y_train": np.zeros(3, np.uint8)}, r"expected \(4,\)"),
    ("float images", {"x_train": np.zeros((4, 28, 28), np.float32)}, "expected uint8 images"),
    ("RGB images", {"x_train": np.zeros((4, 28, 28, 3), np.uint8)}, "expected uint8 images"),
    ("an object array", {"x_test": np.array([None, 1], dtype=object)}, "cannot be read"),
    ("a missing array", {"y_test": None}, r"lacks arrays \['y_test'\]"),
]


@pytest.mark.parametrize(("arrays", "message"), named_cases(DATA_CASES))
def test_library_bad_data_files(tmp_path, arrays, message):
    data = {
        "x_train": np.zeros((4, 28, 28), np.uint8),
        "y_train": np.zeros(4, np.uint8),
        "x_test": np.zeros((2, 28, 28), np.uint8),
        "y_test": np.zeros(2, np.uint8),
    }
    data.update(arrays)
    path = tmp_path / "mnist.npz"
    np.savez(path, **{key: value for key, value in data.items() if value is not None})
    with pytest.raises(DataError, match=message) as error:
        load_mnist(path)
    assert str(path) in str(error.value)
