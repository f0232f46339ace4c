"""Atomic model writes: a temporary file beside the target, renamed over it only when complete.

A failed or interrupted save leaves the previous file as it was. Saving through a
symbolic link replaces the file the link points to (the link stays); a new file
gets the permissions the umask gives, an existing one keeps its permissions.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from lenet_widgets.core.persistence_files import ModelFileError, _refuse_folder, file_format

__all__: list[str] = []  # Used by core.persistence only.


def _umask_mode(probe: int) -> int:
    return stat.S_IMODE(os.fstat(probe).st_mode)


def _create_temporary(parent: Path, name: str, suffix: str) -> tuple[Path, int]:
    """A new empty file beside the target, created 0666 minus the umask (as ``open`` does)."""
    for _ in range(100):
        temporary = parent / f".{name}.{secrets.token_hex(4)}.partial{suffix}"
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        try:
            return temporary, _umask_mode(handle)
        finally:
            os.close(handle)
    raise FileExistsError(f"no free temporary name beside {parent / name}")


def _write_target(path: Path) -> Path:
    """The file a save really replaces: the end of a chain of symbolic links, else ``path``."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


@contextlib.contextmanager
def _atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside the target; move it into place on success only.

    ``path`` may be a symbolic link: the file it points to is replaced and the
    link stays. The new file keeps the permissions of the file it replaces, or
    gets 0666 minus the umask when there was none.
    """
    _refuse_folder(path)
    suffix = file_format(path)
    target = _write_target(path)
    if target.is_dir():
        raise ModelFileError(path, f"points to the folder {target}; expected a model file.")
    parent = target.parent
    if not parent.is_dir():
        raise ModelFileError(path, f"folder {parent} does not exist.")
    temporary, mode = _create_temporary(parent, target.name, suffix)
    try:
        with contextlib.suppress(FileNotFoundError):
            mode = stat.S_IMODE(target.stat().st_mode)
        yield temporary
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    finally:
        # Runs on errors and on KeyboardInterrupt alike: no partial file stays behind.
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
