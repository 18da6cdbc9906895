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

__all__ = ["MAX_NAME_BYTES", "atomic_output", "check_output"]

#: the longest output file name: file systems allow 255 bytes, and the temporary files, checkpoint store and lock
#: beside an output add up to 32 bytes to its name.
MAX_NAME_BYTES = 223


def check_output(
    out: str | os.PathLike[str], *, overwrite: bool = False, suffix: str = ".nc", option: str = "--out"
) -> Path:
    """Check, before any work, that the result can be written to ``out``; returns it as a path.

    ``option`` names the command-line option the path came from, in the messages.

    Raises
    ------
    ParameterError
        For an empty name, a wrong suffix, a folder, an existing file (unless ``overwrite``), a name longer than
        :data:`MAX_NAME_BYTES` or one the system refuses (a NUL byte), or a folder that cannot be written (the
        nearest existing folder on the way is checked, since the missing ones are created).

    """
    if not str(out).strip():
        raise ParameterError(f"{option} is empty: give a file name ending in {suffix}")
    path = Path(out)
    if path.suffix != suffix:
        raise ParameterError(f"{option} {path}: the output file must end in {suffix}")
    try:
        return _check_path(path, overwrite=overwrite, suffix=suffix, option=option)
    except ParameterError:
        raise
    except (OSError, ValueError) as err:  # a name too long, a NUL byte, a path through a file ...
        why = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ParameterError(f"{option} {str(path)[:200]!r}: cannot write there ({why})") from None


def _check_path(path: Path, *, overwrite: bool, suffix: str, option: str) -> Path:
    if "\0" in str(path):  # pathlib's tests answer False for such a name; open() refuses it
        raise ValueError("a file name has no NUL character")
    if path.is_dir():
        raise ParameterError(f"{option} {path} is a folder; give a file name ending in {suffix}")
    if path.exists() and not overwrite:
        raise ParameterError(f"{path} exists; choose another {option}, or give --overwrite to replace it")
    if len(os.fsencode(path.name)) > MAX_NAME_BYTES:
        raise ParameterError(
            f"{option} {path.name[:40]}...: the file name is too long (at most {MAX_NAME_BYTES} bytes, leaving room "
            "for the temporary files beside it)"
        )
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
