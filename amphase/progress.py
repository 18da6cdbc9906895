"""Progress of long work: a bar on a terminal, a line every few seconds in a batch log.

One reporter for every long loop (sweeps, theory grids, a theory quantity's own Monte Carlo draws), so that the
command line behaves the same everywhere:

* ``auto`` (the default): a tqdm bar when standard error is a terminal with columns; otherwise (a batch job's log,
  a pipe, a zero-column pseudo-terminal) one line every :data:`DEFAULT_EVERY` seconds, once the work has run that
  long: ``amphase: NAME: 12/40 points (31 %), 0.42 points/s, 28 s elapsed, ETA 1 min 7 s``;
* ``on`` (``--progress``): the same, and in a log also a line when the work starts and when it ends, however short;
* ``off`` (``--no-progress``): nothing.

The ETA counts the work left in the units the caller gives (a sweep counts its models' ``cost()``, so a grid whose
points differ a lot still gets an honest estimate), at the average rate since the start.

The command line sets the mode for everything below it with :func:`configured`. A quantity reports its own inner
loop through :func:`steps`, which shows nothing unless the caller asked for such detail (:func:`detailed`): a grid
evaluation reports its points, not the draws inside each one, and a worker process reports nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from amphase.machine import fmt_seconds

__all__ = ["DEFAULT_EVERY", "MODES", "Progress", "configured", "detailed", "steps"]

#: the modes: see the module docstring.
MODES = ("auto", "on", "off")

#: seconds between two progress lines in a batch log.
DEFAULT_EVERY = 30.0

#: the shortest interval of the clock's own lines (shorter intervals still give a line per finished item).
_BEAT_FLOOR_S = 0.05


@dataclass(frozen=True)
class _Settings:
    mode: str = "auto"
    every: float = DEFAULT_EVERY
    detail: bool = False


_SETTINGS: contextvars.ContextVar[_Settings] = contextvars.ContextVar("amphase_progress", default=_Settings())  # noqa: B039 (frozen)


@contextlib.contextmanager
def configured(mode: str | None = None, every: float | None = None) -> Iterator[None]:
    """Set the progress mode (``auto``, ``on``, ``off``) and the seconds between lines for the body."""
    current = _SETTINGS.get()
    if mode is not None and mode not in MODES:
        raise ValueError(f"progress mode {mode!r}; allowed: {', '.join(MODES)}")
    token = _SETTINGS.set(
        _Settings(mode or current.mode, current.every if every is None else float(every), current.detail)
    )
    try:
        yield
    finally:
        _SETTINGS.reset(token)


@contextlib.contextmanager
def detailed(on: bool = True) -> Iterator[None]:
    """Let (or, with ``on=False``, stop) :func:`steps` report the inner loops of the work in the body."""
    current = _SETTINGS.get()
    token = _SETTINGS.set(_Settings(current.mode, current.every, on))
    try:
        yield
    finally:
        _SETTINGS.reset(token)


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 0


def _style(show: bool | str | None, stream: TextIO) -> str:
    """``'bar'``, ``'lines'``, ``'lines+ends'`` or ``'none'`` for this stream and mode."""
    mode = _SETTINGS.get().mode if show is None else {True: "on", False: "off"}.get(show, show)  # type: ignore[call-overload]
    if mode == "off":
        return "none"
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty and _columns(stream) > 0:
        return "bar"
    return "lines+ends" if mode == "on" else "lines"


class Progress:
    """Report the progress of ``total`` items (points, draws ...) whose work may differ; a context manager.

    Parameters
    ----------
    label : str
        What is being done, e.g. the configuration's name.
    total : int
        Items to do in all (those already done included).
    unit : str
        The items' name in the plural (``'points'``).
    work : float, optional
        The work of all items in arbitrary units (default: one per item); :meth:`advance` gives each item's.
    done : int
        Items already done before this session (a resumed sweep), and ``done_work`` their work.
    show : bool, str or None
        ``True``/``'on'``, ``False``/``'off'``, ``'auto'``; ``None`` takes the mode set by :func:`configured`.
    every : float, optional
        Seconds between lines (default: the configured value).
    stream : file, optional
        Where to report (default: standard error).

    """

    def __init__(
        self,
        label: str,
        total: int,
        unit: str = "points",
        *,
        work: float | None = None,
        done: int = 0,
        done_work: float = 0.0,
        show: bool | str | None = None,
        every: float | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.label, self.total, self.unit = label, int(total), unit
        self.work = float(total if work is None else work)
        self.done, self.done_work = int(done), float(done_work)
        self._start_done, self._start_work = self.done, self.done_work
        self.stream = stream if stream is not None else sys.stderr
        self.style = _style(show, self.stream)
        self.every = _SETTINGS.get().every if every is None else float(every)
        self._bar: Any = None
        self._beat: threading.Thread | None = None
        self._stop = threading.Event()
        self._t0 = self._last = time.monotonic()

    def __enter__(self) -> Progress:
        self._t0 = self._last = time.monotonic()
        if self.style == "bar":
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=self.work,
                initial=self.done_work,
                desc=self._desc(),
                bar_format="{desc} {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]",
                smoothing=0.0,  # the average rate since the start: points finish in bursts
                file=self.stream,
            )
        elif self.style.startswith("lines"):
            if self.style == "lines+ends":
                self._line("started")
            if self.every > 0:
                self._stop = threading.Event()
                self._beat = threading.Thread(target=self._heartbeat, name="amphase-progress", daemon=True)
                self._beat.start()
        return self

    def _heartbeat(self) -> None:
        """A line every ``every`` seconds, whether or not an item finished (a long point still shows its clock)."""
        while not self._stop.wait(max(self.every, _BEAT_FLOOR_S)):
            if time.monotonic() - self._last >= self.every:
                self._last = time.monotonic()
                self._line()

    def _desc(self) -> str:
        return f"{self.label}: {self.done}/{self.total} {self.unit}"

    def advance(self, n: int = 1, work: float | None = None) -> None:
        """Count ``n`` more items done, of work ``work`` (default ``n``)."""
        work = float(n if work is None else work)
        self.done += n
        self.done_work += work
        if self._bar is not None:
            self._bar.set_description_str(self._desc(), refresh=False)
            self._bar.update(work)
        elif self.style.startswith("lines"):
            now = time.monotonic()
            if now - self._last >= self.every:
                self._last = now
                self._line()

    def _line(self, note: str = "") -> None:
        elapsed = time.monotonic() - self._t0
        new, new_work = self.done - self._start_done, self.done_work - self._start_work
        pct = max(0.0, 100.0 * self.done_work / self.work) if self.work > 0 else 100.0  # no "-0 %" from rounding
        parts = [f"{self._desc()} ({pct:.0f} %)"]
        if note:
            parts.append(note)
        if new > 0 and elapsed > 0:
            rate = new / elapsed
            parts.append(f"{rate:.3g} {self.unit}/s" if rate >= 0.1 else f"{elapsed / new:.3g} s per item")
        parts.append(f"{fmt_seconds(elapsed)} elapsed")
        left = self.work - self.done_work
        if left > 0:
            eta = left * elapsed / new_work if new_work > 0 else math.inf
            parts.append(f"ETA {fmt_seconds(eta)}")
        print("amphase: " + ", ".join(parts), file=self.stream, flush=True)

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._beat is not None:
            self._stop.set()
            self._beat.join()
        if self._bar is not None:
            self._bar.close()
        elif self.style == "lines+ends" and exc_type is None:
            self._line("done")


class _Null:
    def __enter__(self) -> _Null:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def advance(self, n: int = 1, work: float | None = None) -> None:
        return None


def steps(label: str, total: int, unit: str) -> Progress | _Null:
    """A reporter for a quantity's own inner loop; a no-op unless the caller asked for detail (:func:`detailed`)."""
    if not _SETTINGS.get().detail:
        return _Null()
    return Progress(label, total, unit)
