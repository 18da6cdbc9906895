"""Binary DenseAM realizations: Hopfield equivalence, backend and batching independence, the SNR stable fraction."""

import math

import numpy as np
import pytest
from scipy.special import gammaln, ndtr

from amphase.analysis.statistics import wilson_interval
from amphase.errors import ParameterError
from amphase.simulate import sequential
from amphase.simulate.backend import get_backend, gpu_available
from amphase.simulate.binary.energy import Polynomial
from amphase.simulate.dense import binary_preset
from amphase.simulate.dense.binary import MODEL, DenseRun
from amphase.simulate.dense.binary_preset import run_realization
from amphase.simulate.hopfield.hopfield import HopfieldRun
from amphase.simulate.hopfield.preset import run_realization as hopfield_realization
from amphase.simulate.patterns import binary_patterns

SEED = np.random.SeedSequence(2026, spawn_key=(7,))


def _same(a, b, keys=("m_cue", "top_overlap", "top_pattern", "sweeps", "status", "noise_rms", "unstable_bits")):
    for k in keys:
        if k in a and k in b:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.mark.parametrize("dynamics", ["async", "sync"])
def test_polynomial_2_realization_is_the_hopfield_realization(dynamics):
    run = DenseRun(N=150, n=2, F="polynomial", alpha=0.16, noise=0.15, trials=5, dynamics=dynamics)
    assert run.stored == round(0.16 * 150)
    dense = run_realization(run, SEED)
    hop = hopfield_realization(HopfieldRun(N=150, alpha=0.16, noise=0.15, trials=5, dynamics=dynamics), SEED)
    _same(dense, hop, ("m_cue", "top_overlap", "top_pattern", "sweeps", "status", "noise_rms"))
    assert (dense["sweeps"] > 1).any()


@pytest.mark.parametrize(("backend", "dynamics"), [("cpu", "async"), ("numpy", "async"), ("cpu", "sync")])
def test_generic_kernels_with_polynomial_2_follow_the_hopfield_engine(monkeypatch, backend, dynamics):
    """With the Hebbian fast path switched off, the generic energy kernels at F = x^2 reproduce the Hopfield engine
    (its patterns, cues and visiting orders) spin for spin."""
    hop = hopfield_realization(HopfieldRun(N=120, alpha=0.15, noise=0.2, trials=4, dynamics=dynamics), SEED)
    monkeypatch.setattr(Polynomial, "hebbian", property(lambda self: False))
    run = DenseRun(N=120, n=2, alpha=0.15, noise=0.2, trials=4, dynamics=dynamics, backend=backend)
    assert not run.energy.hebbian
    dense = run_realization(run, SEED)
    _same(dense, hop, ("m_cue", "top_overlap", "top_pattern", "sweeps", "status", "noise_rms"))
    assert (hop["sweeps"] > 1).any()


@pytest.mark.parametrize(
    ("F", "n", "K"), [("polynomial", 3, 300), ("rectified", 3, 300), ("exponential", 2, 400), ("polynomial", 2, 25)]
)
def test_backend_and_batching_do_not_change_results(F, n, K):
    base = DenseRun(N=60, n=n, F=F, K=K, noise=0.3, trials=4)
    cpu = run_realization(base, SEED)
    numpy = run_realization(DenseRun(**{**base.__dict__, "backend": "numpy"}), SEED)
    _same(cpu, numpy)
    fewer = run_realization(DenseRun(**{**base.__dict__, "trials": 2}), SEED)
    _same({k: v[:2] for k, v in cpu.items() if np.ndim(v)}, fewer)


def test_random_cue_sync_and_thermal_runs():
    for kw in (
        {"cue": "random"},
        {"dynamics": "sync"},
        {"T": 0.3, "sweeps": 4},
        {"T": 0.3, "sweeps": 4, "dynamics": "sync"},
    ):
        run = DenseRun(N=50, n=3, K=100, trials=3, **kw)
        out = run_realization(run, SEED)
        assert out["top_overlap"].shape == (3, 5)
        if run.cue == "random":
            assert (out["unstable_bits"] == -1).all() and np.isnan(out["m_cue"]).all()
        if run.T > 0:
            assert (out["status"] == sequential.THERMAL).all() and (out["sweeps"] == 4).all()
    numpy = run_realization(DenseRun(N=50, n=3, K=100, trials=3, T=0.3, sweeps=4, backend="numpy"), SEED)
    assert numpy["status"].tolist() == [sequential.THERMAL] * 3


def test_model_checks_the_load_and_exactness():
    params = {**MODEL.defaults, "N": 100, "n": 3}
    with pytest.raises(ParameterError, match="K or as alpha"):
        MODEL.check(params)
    with pytest.raises(ParameterError, match="K or as alpha"):
        MODEL.check({**params, "K": 10, "alpha": 0.1})
    with pytest.raises(ParameterError, match="0 patterns"):
        MODEL.check({**params, "alpha": 1e-6})
    MODEL.check({**params, "alpha": 0.01})
    with pytest.raises(ParameterError, match="int64 fallback"):
        MODEL.check({**params, "N": 20000, "n": 12, "K": 10**6})
    assert MODEL.param("alpha").attrs()["long_name"].startswith("load K/N^(n-1)")
    assert MODEL.memory({**params, "alpha": 0.01}) > 0 and MODEL.cost({**params, "alpha": 0.01}) == 100 * 100.0


def _gaussian_flip_probability(N: int, n: int, K: int) -> float:
    """Gaussian one-bit flip probability at a stored pattern: the exact signal F(N) - F(N-2) against K - 1 crosstalk
    terms ±[F(y+1) - F(y-1)] of exact variance, y a sum of N - 1 random signs."""
    M = N - 1
    k = np.arange(M + 1)
    y = (M - 2 * k).astype(float)
    p_y = np.exp(gammaln(M + 1) - gammaln(k + 1) - gammaln(M - k + 1) - M * math.log(2.0))
    var = float(np.sum(p_y * ((y + 1.0) ** n - (y - 1.0) ** n) ** 2))
    signal = float(N) ** n - float(N - 2) ** n
    return float(ndtr(-signal / math.sqrt((K - 1) * var)))


def _unstable_bits(N, n, K, realizations):
    backend = get_backend("numpy")
    out = []
    for r in range(realizations):
        xiT = binary_patterns(np.random.default_rng([99, r]), N, K)
        out.append(binary_preset.unstable_bits(backend, Polynomial(n), xiT, np.arange(K, dtype=np.int32)))
    return np.concatenate(out)


def test_flip_probability_agrees_with_the_gaussian_snr_estimate():
    """The fraction of unstable bits of the stored patterns (N = 100, n = 3, K = 1000, fixed seed) against the
    Gaussian signal-to-noise flip probability, within 3 standard errors (clustered by pattern)."""
    N, n, K = 100, 3, 1000
    bits = _unstable_bits(N, n, K, 2)
    measured = bits.mean() / N
    error = bits.std() / math.sqrt(bits.size) / N
    assert abs(measured - _gaussian_flip_probability(N, n, K)) <= 3 * error


def test_stable_fraction_agrees_with_the_gaussian_snr_estimate():
    """One-step stable fraction of every stored pattern at N = 200, n = 3, K = 1500 (fixed seed) against
    (1 - p)^N, within 3-sigma Wilson bounds.

    (1 - p)^N treats the N bits as independent and p as Gaussian: both are approximations in the tail. At N = 100,
    K = 500 the measured fraction (0.65 over 2000 patterns) lies 6 % above the estimate (0.60), beyond its error
    bars: the bits of one pattern share its crosstalk, which correlates their stability positively.
    """
    N, n, K = 200, 3, 1500
    bits = _unstable_bits(N, n, K, 2)
    stable, total = int((bits == 0).sum()), bits.size
    lo, hi = wilson_interval(stable, total, z=3.0)
    expected = (1.0 - _gaussian_flip_probability(N, n, K)) ** N
    assert 0.2 < expected < 0.8
    assert lo <= expected <= hi, (stable / total, expected)


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="no CUDA device with CuPy")
@pytest.mark.parametrize(("F", "n", "K"), [("polynomial", 3, 300), ("exponential", 2, 400), ("polynomial", 7, 40)])
def test_gpu_gives_the_cpu_end_states(F, n, K):
    for dynamics in ("async", "sync"):
        base = DenseRun(N=80, n=n, F=F, K=K, noise=0.3, trials=4, dynamics=dynamics)
        _same(run_realization(base, SEED), run_realization(DenseRun(**{**base.__dict__, "backend": "gpu"}), SEED))


def test_one_default_degree():
    """The declaration is the run dataclass: DenseRun's default n is the model's (3; DenseRun once said 2)."""
    assert DenseRun(N=40, K=5).n == MODEL.defaults["n"] == 3
    with pytest.raises(ParameterError, match="n=1"):
        DenseRun(N=40, n=1, K=5)  # the fields' domains are checked on construction
