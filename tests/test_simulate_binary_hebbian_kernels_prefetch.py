"""Prefetching and interleaved replicas leave every trajectory of the pattern-form kernels unchanged (issue 20).

Exact tests: end states, overlaps, sweep counts and fixed-point flags equal spin for spin, at sizes below and above
:data:`~amphase.simulate.binary.hebbian_kernels.PREFETCH_BYTES` (where ``prefetch=-1`` switches prefetching on).
"""

import numpy as np
import pytest

from amphase.simulate.binary import hebbian_kernels as hk
from amphase.simulate.patterns import binary_patterns, flip_bits

# (N, P): small, near capacity, and one whose patterns (4.4 MB) exceed PREFETCH_BYTES
SIZES = [(60, 4), (400, 56), (6600, 660)]


def cues(N, P, R, seed, noise=0.2):
    rng = np.random.default_rng([seed, N, P])
    xiT = binary_patterns(rng, N, P)
    S = np.stack([flip_bits(rng, xiT[:, r % P], round(noise * N)) for r in range(R)])
    return rng, xiT, S


def orders_for(rng, R, sweeps, N):
    return np.stack([np.stack([rng.permutation(N) for _ in range(sweeps)]) for _ in range(R)])


def test_the_large_case_prefetches_by_default():
    assert 6600 * 660 >= hk.PREFETCH_BYTES > 400 * 56


@pytest.mark.parametrize(("N", "P"), SIZES)
def test_prefetching_leaves_zero_temperature_trajectories_unchanged(N, P):
    rng, xiT, S = cues(N, P, 3, seed=1)
    orders = orders_for(rng, 3, 30, N)
    for r in range(3):
        results = []
        for prefetch in (0, 1, -1):
            s = S[r].copy()
            M = hk.overlaps(xiT, s)
            sweeps, fixed = hk.async_patterns(xiT, s, M, orders[r], prefetch)
            results.append((s, M, sweeps, fixed))
        for s, M, sweeps, fixed in results[1:]:
            assert np.array_equal(s, results[0][0]) and np.array_equal(M, results[0][1])
            assert (sweeps, fixed) == results[0][2:]
        assert results[0][3]  # reached a fixed point: the comparison covers whole runs


@pytest.mark.parametrize(("N", "P"), SIZES)
def test_prefetching_leaves_heat_bath_trajectories_unchanged(N, P):
    rng, xiT, S = cues(N, P, 1, seed=2)
    orders = orders_for(rng, 1, 3, N)[0]
    uniforms = rng.random(orders.shape)
    ends = []
    for prefetch in (0, 1):
        s = S[0].copy()
        M = hk.overlaps(xiT, s)
        hk.glauber_patterns(xiT, s, M, orders, uniforms, 1.5, prefetch)
        ends.append((s, M))
    assert np.array_equal(ends[0][0], ends[1][0]) and np.array_equal(ends[0][1], ends[1][1])
    assert not np.array_equal(ends[0][0], S[0])  # the heat bath moved the state


@pytest.mark.parametrize(("N", "P"), SIZES)
@pytest.mark.parametrize("prefetch", [0, 1])
def test_interleaved_replicas_follow_the_one_replica_trajectories(N, P, prefetch):
    R = 5
    rng, xiT, S = cues(N, P, R, seed=3, noise=0.3)
    orders = orders_for(rng, R, 30, N)
    limits = np.array([30, 1, 0, 2, 30])  # run to a fixed point, stop early, not at all
    S2 = S.copy()
    M2 = np.stack([hk.overlaps(xiT, s) for s in S])
    sweeps, fixed = hk.async_patterns_interleaved(xiT, S2, M2, orders, limits, prefetch)
    for r in range(R):
        s = S[r].copy()
        M = hk.overlaps(xiT, s)
        expect = hk.async_patterns(xiT, s, M, orders[r, : limits[r]], 0) if limits[r] else (0, False)
        assert (sweeps[r], fixed[r]) == expect
        assert np.array_equal(S2[r], s) and np.array_equal(M2[r], M)
    assert fixed[0] and fixed[4] and not fixed[1] and sweeps[2] == 0
