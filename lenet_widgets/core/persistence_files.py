"""What a model file must be: its format (by suffix), the errors, and the checks before loading.

``file_format`` names the format from the suffix; ``_check_readable`` refuses a
missing, empty, truncated or misnamed file (a zip named ``.h5``, HDF5 named
``.keras``) before Keras sees it; ``_refuse_unsafe`` turns Keras' safe-mode refusal
into an ``UnsafeModelError`` that says what to do. Every failure is a
``ModelFileError`` naming the file.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

__all__ = ["FORMATS", "ModelFileError", "UnsafeModelError", "file_format"]

FORMATS = (".keras", ".h5", ".weights.h5")
_EXPECTED = "a .keras, .h5 or .weights.h5 model file"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURE = b"PK\x03\x04"


class ModelFileError(ValueError):
    """A model file is missing, damaged, of the wrong kind or wrongly named.

    Attributes:
        path: the file concerned.
    """

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")


class UnsafeModelError(ModelFileError):
    """The file holds Python code (a Lambda layer) and safe mode refused it."""


def file_format(path: str | Path) -> str:
    """Return the format of a model path by its suffix: one of ``FORMATS``.

    Raises:
        ModelFileError: the suffix is none of ``.keras``, ``.h5``, ``.weights.h5``.
    """
    name = Path(path).name.lower()
    for suffix in (".weights.h5", ".keras", ".h5"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return suffix
    raise ModelFileError(path, f"unknown model file suffix; expected {_EXPECTED}.")


def _refuse_folder(path: Path) -> None:
    """A folder named as a model file: say so (not "unknown suffix"); "" stays a bad name."""
    if path.name and path.is_dir():
        raise ModelFileError(path, f"is a directory, not a model file; expected {_EXPECTED}.")


def _check_readable(path: Path) -> str:
    _refuse_folder(path)
    suffix = file_format(path)
    if not path.exists():
        raise ModelFileError(path, f"does not exist; expected {_EXPECTED}.")
    try:
        with open(path, "rb") as stream:
            head = stream.read(8)
    except OSError as error:
        raise ModelFileError(path, f"cannot be read ({error.strerror or error}).") from error
    if not head:
        raise ModelFileError(path, f"is empty; expected {_EXPECTED}.")
    if suffix == ".keras":
        if head.startswith(_HDF5_SIGNATURE):
            raise ModelFileError(path, "is an HDF5 file but named .keras; rename it to .h5.")
        if not head.startswith(_ZIP_SIGNATURE) or not zipfile.is_zipfile(path):
            raise ModelFileError(path, "is not a .keras zip archive (truncated or not a model).")
    elif not head.startswith(_HDF5_SIGNATURE):
        if head.startswith(_ZIP_SIGNATURE):
            raise ModelFileError(path, f"is a .keras zip archive but named {suffix}; rename it.")
        raise ModelFileError(
            path, f"is not an HDF5 file (truncated or not a model); expected {suffix}."
        )
    return suffix


def _refuse_unsafe(path: Path, error: Exception) -> None:
    text = str(error)
    if "Lambda" in text or "unsafe" in text.lower() or "safe_mode" in text:
        raise UnsafeModelError(
            path,
            "holds Python code (a Lambda layer), which could run anything on this machine, "
            "so safe mode refused it. If you trust where the file comes from, load it with "
            "load_model(path, safe_mode=False).",
        ) from error
