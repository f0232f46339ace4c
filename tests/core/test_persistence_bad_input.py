"""Bad model files and save targets (table-driven): the error names the file and what was
expected, and a refused save leaves the previous file and no partial file behind.
"""

from __future__ import annotations

import pytest

from lenet_widgets.core.persistence import ModelFileError, UnsafeModelError, load_model, save_model

from tiny_models import FILE_CASES, UNSAFE, nan_model


@pytest.mark.parametrize(("name", "case"), FILE_CASES.items(), ids=list(FILE_CASES))
def test_library_load_names_the_file_and_what_was_expected(model_files, name, case):
    _, message = case
    expected = UnsafeModelError if name in UNSAFE else ModelFileError
    with pytest.raises(expected, match=message) as error:
        load_model(model_files[name])
    assert str(model_files[name]) in str(error.value)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("folder.keras", "is a directory"),
        ("model.txt", "unknown model file suffix"),
        ("nowhere/model.keras", "does not exist"),
        ("good.weights", "unknown model file suffix"),
    ],
)
def test_library_save_to_a_bad_target_keeps_everything(model_files, good_model, target, message):
    before = model_files["good.keras"].read_bytes()
    with pytest.raises(ModelFileError, match=message):
        save_model(good_model, model_files["good.keras"].parent / target)
    assert model_files["good.keras"].read_bytes() == before
    assert not list(model_files["good.keras"].parent.glob(".*partial*"))


def test_library_save_of_nan_weights_keeps_the_previous_file(model_files, tmp_path, good_model):
    path = save_model(good_model, tmp_path / "model.keras")
    before = path.read_bytes()
    with pytest.raises(ModelFileError, match=r"not saved.*NaN.*expected finite"):
        save_model(nan_model(), path)
    assert path.read_bytes() == before
    assert load_model(path).count_params() == good_model.count_params()
