"""The one binary engine: the Hopfield preset (``Quadratic``) and the dense n = 2 path (``Polynomial(2)``) agree."""

import numpy as np
import pytest

from amphase.simulate.binary.energy import Polynomial, Quadratic
from amphase.simulate.binary.engine import BinaryRun, run_realization

SEED = np.random.SeedSequence(2026, spawn_key=(11,))


@pytest.mark.parametrize(
    ("backend", "dynamics", "T"),
    [("cpu", "async", 0.0), ("numpy", "async", 0.0), ("cpu", "async", 0.4), ("numpy", "async", 0.4),
     ("cpu", "sync", 0.0)],
)  # fmt: skip
def test_hopfield_preset_and_dense_n2_follow_the_same_trajectories(backend, dynamics, T):
    """F = x^2/2 and F = x^2 differ by a factor 2, so at T = 0 every flip decision is the same (exact signs), and the
    heat bath in units of F'(N) is the same rule; same seed: same patterns, cues and orders, so the same end states spin
    for spin. K = 24 is even and N - 1 odd, so exact ties (zero fields, kept spins) occur and are tested too."""
    common = dict(N=121, K=24, T=T, noise=0.2, trials=6, dynamics=dynamics, sweeps=30, backend=backend)
    hop = run_realization(BinaryRun(energy=Quadratic(), **common), SEED)
    dense = run_realization(BinaryRun(energy=Polynomial(2), **common), SEED)
    for name in ("xiT", "S", "M", "sweeps", "status", "cued"):
        np.testing.assert_array_equal(getattr(hop, name), getattr(dense, name), err_msg=name)
    assert (hop.sweeps > 1).any()  # the dynamics did run (not only the cue)
    start = 121 - 2 * round(0.2 * 121)  # overlap of every cue with its pattern
    assert (hop.M[np.arange(6), hop.cued] != start).any()  # and moved the states


def test_coupling_form_follows_the_pattern_form():
    """The N x N integer couplings (Hopfield only) and the overlaps give the same trajectories (same exact fields)."""
    common = dict(N=100, K=12, energy=Quadratic(), noise=0.25, trials=4, sweeps=30)
    for T in (0.0, 0.3):
        a = run_realization(BinaryRun(form="pattern", T=T, **common), SEED)
        b = run_realization(BinaryRun(form="coupling", T=T, **common), SEED)
        for name in ("S", "M", "sweeps", "status"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
