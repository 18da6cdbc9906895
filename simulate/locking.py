"""One run per output: an exclusive lock on a file beside the output, held for the whole run.

``OutputLock(out)`` takes :class:`filelock.UnixFileLock` (an exclusive :func:`fcntl.flock`) on ``OUT.lock``
(``results/x.nc`` -> ``results/x.nc.lock``). A second run on the same output either fails at once with an
:class:`OutputLockedError` that names the holder, or (``wait=True``) waits until the holder is done. The kernel
releases the lock when its holder exits in any way, ``kill -9`` included, so a lock is never stale; the file that a
killed holder leaves behind is reused by the next run.

filelock does the locking, including the race of a waiter that locks a file its holder has just removed (it checks
that the locked inode still has a name, and starts over if not). What is written here is what filelock does not
do: the holder's PID and host in the file, read back into the error; the file removed when the run ends (before
the lock is released, which that check makes safe); the folders made for it removed if left empty.

``flock`` locks are local to one machine (and not reliable on some network file systems); the host name in the
file tells a user which machine holds it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from filelock import Timeout, UnixFileLock

from amphase.errors import AmphaseError

__all__ = ["OutputLock", "OutputLockedError", "lock_path"]


class OutputLockedError(AmphaseError):
    """Another run holds the lock on this output."""


def lock_path(out: str | os.PathLike[str]) -> Path:
    """The lock file of output ``out``: its name with ``.lock`` appended."""
    out = Path(out)
    return out.with_name(out.name + ".lock")


def _note(message: str) -> None:
    print(f"amphase: {message}", file=sys.stderr, flush=True)


class OutputLock:
    """An exclusive lock on an output file (see the module docstring).

    Parameters
    ----------
    out : path
        The output whose lock to take; the lock file is :func:`lock_path` of it.
    wait : bool
        Wait for another holder to finish instead of raising :class:`OutputLockedError`.
    notify : callable, optional
        Called once with a one-line message when the lock must be waited for; by default it is printed on standard
        error.

    """

    def __init__(
        self, out: str | os.PathLike[str], *, wait: bool = False, notify: Callable[[str], None] | None = _note
    ) -> None:
        self.out, self.path, self.wait, self.notify = Path(out), lock_path(out), wait, notify
        self._fd: int | None = None  # the descriptor filelock holds the lock on, borrowed while held
        self._made_dirs: list[Path] = []
        self._lock = UnixFileLock(self.path, thread_local=False, on_acquired=self._write_holder)

    def acquire(self) -> OutputLock:
        """Take the lock, or raise :class:`OutputLockedError` (without ``wait``)."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this lock")
        self._make_parent()
        try:
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                holder = self._holder()
                if not self.wait:
                    raise OutputLockedError(
                        f"{self.out} is being written by another run ({holder}); wait for it with --wait, "
                        "or choose another --out"
                    ) from None
                if self.notify is not None:
                    self.notify(f"{self.out} is being written by another run ({holder}); waiting for it")
                self._lock.acquire(timeout=-1)  # polls; a signal handler that raises interrupts it
        except BaseException:
            self._remove_made_dirs()
            raise
        return self

    def _write_holder(self, fd: int) -> None:
        text = f"pid={os.getpid()} host={socket.gethostname()} since={time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode(), 0)
        self._fd = fd

    def _holder(self) -> str:
        """The holder as written in the lock file, e.g. ``PID 123 on host node7``."""
        fields: dict[str, str] = {}
        for _ in range(50):  # the holder writes right after locking: give it a moment
            with contextlib.suppress(FileNotFoundError):
                raw = self.path.read_text(errors="replace")
                fields = dict(f.split("=", 1) for f in raw.split() if "=" in f)
            if "pid" in fields:
                break
            time.sleep(0.01)
        if "pid" not in fields:
            return "PID unknown"
        since = f", since {fields['since']}" if "since" in fields else ""
        return f"PID {fields['pid']} on host {fields.get('host', 'unknown')}{since}"

    def release(self) -> None:
        """Remove the lock file and release the lock (in this order; see the module docstring)."""
        if self._fd is None:
            return
        self._fd = None
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        finally:
            self._lock.release(force=True)
            self._remove_made_dirs()

    def _make_parent(self) -> None:
        parent, missing = self.path.parent, []
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._made_dirs = missing

    def _remove_made_dirs(self) -> None:
        """Remove the folders that :meth:`acquire` created, if the run left them empty."""
        for folder in self._made_dirs:
            try:
                folder.rmdir()
            except OSError:
                break
        self._made_dirs = []

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
