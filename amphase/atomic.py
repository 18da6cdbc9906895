"""Output files: checked before any work, written atomically.

:func:`check_output` refuses, before any work starts, an output that cannot or should not be written (an existing
file unless the user asked to overwrite it, a folder that cannot be written). :func:`atomic_output` writes to a
temporary file beside the target, then renames it into place: a reader (or a crash) never sees half a file, the
target either keeps its old content or gets the new one whole. A full device (``ENOSPC``, or a spent quota) is an
ordinary error, :class:`~amphase.errors.DiskFullError`, raised after the temporary file (and any folder the write
created) is removed. :func:`check_distinct` refuses an output that is one of the command's inputs (the configuration
being read, the dataset being compared), with or without ``--overwrite``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from amphase.errors import DiskFullError, ParameterError
from amphase.machine import fmt_bytes  # re-exported

__all__ = [
    "MAX_NAME_BYTES",
    "atomic_output",
    "check_distinct",
    "check_free",
    "check_output",
    "disk_full",
    "fmt_bytes",
    "free_bytes",
    "is_disk_full",
    "missing_folders",
]

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


def check_distinct(
    out: str | os.PathLike[str], inputs: dict[str, str | os.PathLike[str]], option: str = "--out"
) -> None:
    """Refuse an output that is one of the command's ``inputs`` (``{what: path}``), even with ``--overwrite``.

    Two paths are the same file when they name the same inode (links included), or the same path once resolved.
    """
    out = Path(out)
    for what, path in inputs.items():
        path = Path(path)
        try:
            same = os.path.samefile(out, path)
        except OSError:  # one of them does not exist (yet)
            same = out.resolve() == path.resolve()
        if same:
            raise ParameterError(
                f"{option} {out} is the {what} this command reads: input and output are the same file; "
                f"choose another {option}"
            )


def missing_folders(path: str | os.PathLike[str]) -> list[Path]:
    """The folders that writing ``path`` creates (those of its parents that do not exist), outermost first."""
    missing = []
    parent = Path(path).parent
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    return missing[::-1]


def free_bytes(path: str | os.PathLike[str]) -> int:
    """Bytes free (to this user) on the device that ``path`` would be written to (its nearest existing folder)."""
    folder = Path(path).parent.resolve()
    while not folder.exists():
        folder = folder.parent
    return shutil.disk_usage(folder).free


def is_disk_full(err: BaseException) -> bool:
    """Whether ``err`` says that a device is full or a quota spent (``ENOSPC``, ``EDQUOT``)."""
    return isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full(err: OSError, path: str | os.PathLike[str], what: str = "") -> DiskFullError:
    """The :class:`~amphase.errors.DiskFullError` for ``err`` raised while writing ``path`` (``what`` says more)."""
    why = "no space left on its device" if err.errno == errno.ENOSPC else "the disk quota is exceeded"
    return DiskFullError(f"cannot write {path}: {why}{'; ' + what if what else ''}")


def check_free(path: str | os.PathLike[str], need: float, what: str = "") -> None:
    """Raise :class:`~amphase.errors.DiskFullError` if ``need`` bytes do not fit on the device of ``path``."""
    free = free_bytes(path)
    if need > free:
        raise DiskFullError(
            f"cannot write {path}: it needs about {fmt_bytes(need)} and its device has {fmt_bytes(free)} free"
            f"{'; ' + what if what else ''}"
        )


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed.

    The final file gets the usual permissions (``0o666`` less the umask), not the private mode of temporary files.
    A failure removes the folders that were created for ``path``, if empty, and a full device becomes a
    :class:`~amphase.errors.DiskFullError` (nothing written, nothing replaced).
    """
    path = Path(path)
    created = missing_folders(path)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as err:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        if is_disk_full(err):
            raise disk_full(err, path, "nothing was written") from None  # type: ignore[arg-type]
        raise
