"""Output files: checked before any work, written atomically.

:func:`check_output` refuses, before any work starts, an output that cannot or should not be written (an existing
file unless the user asked to overwrite it, a folder that cannot be written). :func:`atomic_output` writes to a
temporary file beside the target, then renames it into place: a reader (or a crash) never sees half a file, the
target either keeps its old content or gets the new one whole.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from amphase.errors import ParameterError

__all__ = ["atomic_output", "check_output"]


def check_output(
    out: str | os.PathLike[str], *, overwrite: bool = False, suffix: str = ".nc", option: str = "--out"
) -> Path:
    """Check, before any work, that the result can be written to ``out``; returns it as a path.

    ``option`` names the command-line option the path came from, in the messages.

    Raises
    ------
    ParameterError
        For an empty name, a wrong suffix, a folder, an existing file (unless ``overwrite``), or a folder that
        cannot be written (the nearest existing folder on the way is checked, since the missing ones are created).

    """
    if not str(out).strip():
        raise ParameterError(f"{option} is empty: give a file name ending in {suffix}")
    path = Path(out)
    if path.suffix != suffix:
        raise ParameterError(f"{option} {path}: the output file must end in {suffix}")
    if path.is_dir():
        raise ParameterError(f"{option} {path} is a folder; give a file name ending in {suffix}")
    if path.exists() and not overwrite:
        raise ParameterError(f"{path} exists; choose another {option}, or give --overwrite to replace it")
    folder = path.parent.resolve()
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ParameterError(f"{option} {path}: cannot write in {folder}")
    return path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed.

    The final file gets the usual permissions (``0o666`` less the umask), not the private mode of temporary files.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
