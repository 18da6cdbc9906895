"""Session set-up shared by every test module."""

from __future__ import annotations

import signal

import pytest


def pytest_configure(config) -> None:
    # Started in the background of a non-interactive shell (`cmd &`, nohup), a process inherits SIGINT ignored, and
    # amphase by design leaves an ignored SIGINT alone (amphase.simulate.executors). The signal tests exercise Ctrl-C
    # as a program in the foreground receives it, so the session restores Python's default handler; the processes
    # it starts then get SIGINT at its default again (exec resets handled signals).
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def even_ring():
    """``even_ring(K, beta) -> (beta * DeltaE, owning weight)`` for K evenly spaced points on the unit circle.

    Independent of any path: by symmetry a minimum lies on each point's ray and the saddle between neighbours on the
    bisecting ray, each the radial minimum of E along its ray (:func:`amphase.simulate.lse_valley.valley_profile` on
    2K rays, which include both).
    """
    import numpy as np

    from amphase.simulate.lse import lse
    from amphase.simulate.lse_valley import valley_profile

    def profile(K: int, beta: float) -> tuple[float, float]:
        th = 2 * np.pi * np.arange(K) / K
        v = valley_profile(th, beta, M=2 * K)
        w = lse(beta, np.stack([np.cos(th), np.sin(th)], 1)).weights(np.array([v.r[0], 0.0])).max()
        return beta * (v.F[1] - v.F[0]), float(w)

    return profile
