"""Session set-up shared by every test module."""

from __future__ import annotations

import signal


def pytest_configure(config) -> None:
    # Started in the background of a non-interactive shell (`cmd &`, nohup), a process inherits SIGINT ignored, and
    # amphase by design leaves an ignored SIGINT alone (amphase.simulate.executors). The signal tests exercise Ctrl-C
    # as a program in the foreground receives it, so the session restores Python's default handler; the processes
    # it starts then get SIGINT at its default again (exec resets handled signals).
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
