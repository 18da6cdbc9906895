"""The batched (GPU) Hopfield algorithm, run by NumPy, against the Numba kernels; and on a GPU when there is one."""

import numpy as np
import pytest

from amphase.simulate.backend import gpu_available
from amphase.simulate.binary import hebbian_batched as batched
from amphase.simulate.binary import hebbian_kernels as kernels
from amphase.simulate.hopfield.hopfield import HopfieldRun
from amphase.simulate.hopfield.preset import run_realization


def test_batched_async_sweep_follows_the_numba_trajectory_of_every_replica():
    rng = np.random.default_rng(0)
    N, P, B = 300, 45, 6
    xiT = (2 * rng.integers(0, 2, (N, P), dtype=np.int8) - 1).astype(np.int8)
    S = (2 * rng.integers(0, 2, (B, N), dtype=np.int8) - 1).astype(np.int8)
    orders = np.stack([rng.permutation(N) for _ in range(B)])
    S_b, M_b = S.copy(), S.astype(np.int32) @ xiT.astype(np.int32)
    flips = batched.async_sweep(np, xiT, S_b, M_b, orders)
    for b in range(B):
        s = S[b].copy()
        M = kernels.overlaps(xiT, s)
        kernels.async_patterns(xiT, s, M, orders[b : b + 1])
        assert np.array_equal(s, S_b[b])
        assert np.array_equal(M, M_b[b])
        assert flips[b] == np.count_nonzero(s != S[b])


@pytest.mark.parametrize("thermal", [False, True])
def test_window_size_does_not_change_the_sweep(thermal):
    # the windowed evaluation is exact: one visit at a time (window 1), odd windows, and a window longer than N agree
    rng = np.random.default_rng(3)
    N, P, B = 200, 30, 5
    xiT = (2 * rng.integers(0, 2, (N, P), dtype=np.int8) - 1).astype(np.int8)
    S0 = (2 * rng.integers(0, 2, (B, N), dtype=np.int8) - 1).astype(np.int8)  # random starts: many flips
    orders = np.stack([rng.permutation(N) for _ in range(B)])
    u = rng.random((B, N))
    results = []
    for window in (1, 7, 32, 1000):
        S, M = S0.copy(), S0.astype(np.int32) @ xiT.astype(np.int32)
        if thermal:
            flips = batched.glauber_sweep(np, xiT, S, M, orders, u, 1.5, window=window)
        else:
            flips = batched.async_sweep(np, xiT, S, M, orders, window=window)
        assert np.array_equal(M, S.astype(np.int32) @ xiT.astype(np.int32))
        results.append((S, flips))
    for S, flips in results[1:]:
        assert np.array_equal(S, results[0][0]) and np.array_equal(flips, results[0][1])
    assert results[0][1].min() > 0


def test_sync_fields_are_exact_in_either_float():
    rng = np.random.default_rng(1)
    N, P = 200, 30
    xiT = (2 * rng.integers(0, 2, (N, P), dtype=np.int8) - 1).astype(np.int8)
    S = (2 * rng.integers(0, 2, (3, N), dtype=np.int8) - 1).astype(np.int8)
    assert batched.exact_float(np, N, P) == np.float32
    assert batched.exact_float(np, 2**12, 2**12) == np.float64
    K = xiT.astype(np.int64) @ xiT.T.astype(np.int64)
    np.fill_diagonal(K, 0)
    for dtype in (np.float32, np.float64):
        M, H = batched.sync_fields(np, xiT.astype(dtype), S)
        assert np.array_equal(M, S.astype(np.int64) @ xiT.astype(np.int64))
        assert np.array_equal(H, S.astype(np.int64) @ K)


@pytest.mark.parametrize(
    "kw",
    [
        dict(N=400, alpha=0.12, noise=0.2),
        dict(N=400, alpha=0.16, noise=0.1),
        dict(N=300, alpha=0.02, cue="random"),
        dict(N=300, alpha=0.05, cue="mixture", noise=0.05),
        dict(N=300, alpha=0.1, dynamics="sync", noise=0.2),
        dict(N=300, alpha=0.25, dynamics="sync", cue="random"),
    ],
)
def test_gpu_algorithm_under_numpy_gives_the_cpu_end_states(kw):
    # T = 0 is exact integer arithmetic and every trial draws its own random numbers on the host, so the batched
    # algorithm reproduces the Numba kernels trajectory for trajectory, not only in distribution.
    seed = np.random.SeedSequence(7, spawn_key=(1,))
    cpu = run_realization(HopfieldRun(trials=8, backend="cpu", **kw), seed)
    gpu_algorithm = run_realization(HopfieldRun(trials=8, backend="numpy", **kw), seed)
    for key in cpu:
        np.testing.assert_array_equal(cpu[key], gpu_algorithm[key], err_msg=key)


def test_heat_bath_statistics_agree_between_backends():
    # at T > 0 the heat-bath probabilities are floats (tanh in Numba vs NumPy); compare the statistics: the mean
    # overlap of 48 trajectories at alpha = 0.05, T = 0.4, whose RS value is about 0.93, within 3 standard errors
    kw = dict(N=400, alpha=0.05, T=0.4, sweeps=12, trials=16)
    m = {}
    for backend in ("cpu", "numpy"):
        m[backend] = np.concatenate(
            [run_realization(HopfieldRun(backend=backend, **kw), np.random.SeedSequence(r))["m_cue"] for r in range(3)]
        )
    diff = m["cpu"].mean() - m["numpy"].mean()
    err = np.sqrt(m["cpu"].var(ddof=1) / m["cpu"].size + m["numpy"].var(ddof=1) / m["numpy"].size)
    assert abs(diff) < 3 * err + 1e-12
    assert np.mean(m["cpu"] == m["numpy"]) > 0.9  # the same draws give (almost always) the same trajectories


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="no CUDA device with CuPy")
@pytest.mark.parametrize("dynamics", ["async", "sync"])
def test_gpu_gives_the_cpu_end_states(dynamics):
    seed = np.random.SeedSequence(11)
    kw = dict(N=1000, alpha=0.12, noise=0.15, trials=16, dynamics=dynamics)
    cpu = run_realization(HopfieldRun(backend="cpu", **kw), seed)
    gpu = run_realization(HopfieldRun(backend="gpu", **kw), seed)
    for key in cpu:
        np.testing.assert_array_equal(cpu[key], gpu[key], err_msg=key)
