"""Sequence DenseAM kernels and model (amphase.simulate.dense.sequence_rule, .sequence): exact transitions, physics."""

import math

import numpy as np
import pytest
import xarray as xr
from scipy.special import ndtr

from amphase.errors import ParameterError
from amphase.simulate.backend import gpu_available
from amphase.simulate.config import builtin_configs, load_config, resolve
from amphase.simulate.dense import sequence_rule as sq
from amphase.simulate.dense.sequence import SequenceRun, run_realization
from amphase.simulate.patterns import binary_patterns
from amphase.simulate.sweep import run_sweep
from amphase.theory.dense.sequence import crosstalk_variance

RULES = [
    sq.SequenceRule("polynomial", 1),
    sq.SequenceRule("polynomial", 2),
    sq.SequenceRule("polynomial", 3),
    sq.SequenceRule("polynomial", 13),  # |field| up to ~1e19 at N = 30: beyond int64, the certified path decides
    sq.SequenceRule("exponential", b=1.0),
    sq.SequenceRule("exponential", b=0.37),
]


def _numba(rule, xiT, nextT, S):
    g_f, g_w, _ = rule.tables(xiT.shape[0])
    out = np.empty_like(S)
    fallbacks = sq.transition(rule.kind, g_f, g_w, float(rule.b), xiT, nextT, nextT * xiT, S, out)
    return out, fallbacks


def _reference(rule, xiT, nextT, S):
    """From the exact fields of the definition; a tie keeps the spin."""
    out = np.empty_like(S)
    for k, s in enumerate(S):
        h = sq.field_reference(rule, xiT, nextT, s)
        out[k] = [1 if x > 0 else (-1 if x < 0 else s[i]) for i, x in enumerate(h)]
    return out


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.rule}-{r.n}-{r.b}")
@pytest.mark.parametrize("cyclic", [True, False])
def test_transition_matches_the_exact_reference_spin_for_spin(rule, cyclic):
    rng = np.random.default_rng(7)
    N, P = 30, 45
    xiT = binary_patterns(rng, N, P)
    nextT = sq.next_patterns(xiT, cyclic)
    S = np.concatenate([xiT.T[:6], (2 * rng.integers(0, 2, (6, N)) - 1).astype(np.int8)])
    ref = _reference(rule, xiT, nextT, S)
    out, _ = _numba(rule, xiT, nextT, S)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(sq.transition_batched(np, rule, sq.operands(np, xiT, nextT), S), ref)


def test_ties_keep_the_spin_and_take_the_exact_path():
    # n = 1, N - 1 odd and P even: y is odd and the field a sum of P odd numbers, zero in many places
    rng = np.random.default_rng(3)
    N, P = 8, 6
    rule = sq.SequenceRule("polynomial", 1)
    xiT = binary_patterns(rng, N, P)
    nextT = sq.next_patterns(xiT)
    S = (2 * rng.integers(0, 2, (64, N)) - 1).astype(np.int8)
    fields = np.array([sq.field_reference(rule, xiT, nextT, s) for s in S])
    assert (fields == 0).sum() > 20
    out, fallbacks = _numba(rule, xiT, nextT, S)
    assert fallbacks == (fields == 0).sum()  # exactly the ties reach the integer path (|h| >= 1 elsewhere)
    np.testing.assert_array_equal(out[fields == 0], S[fields == 0])
    np.testing.assert_array_equal(out, _reference(rule, xiT, nextT, S))
    np.testing.assert_array_equal(sq.transition_batched(np, rule, sq.operands(np, xiT, nextT), S), out)


def test_exponential_does_not_overflow_at_large_N():
    # f = exp((N-1)(m - 1)): e^(-(N-1)) underflows at N = 1000 without the shift; from a random state the largest
    # overlap is ~60, so every unshifted term would be 0. Compare with the field in 60-digit arithmetic.
    rng = np.random.default_rng(5)
    N, P = 1000, 20
    rule = sq.SequenceRule("exponential", b=1.0)
    xiT = binary_patterns(rng, N, P)
    nextT = sq.next_patterns(xiT)
    S = np.stack([(2 * rng.integers(0, 2, N) - 1).astype(np.int8), xiT[:, 5]])
    out, _ = _numba(rule, xiT, nextT, S)
    np.testing.assert_array_equal(out, _reference(rule, xiT, nextT, S))
    np.testing.assert_array_equal(out[1], xiT[:, 6])  # a stored pattern goes to its successor


def test_d1_is_the_asymmetric_hebbian_sequence_rule():
    # f(x) = x: sigma_i' = sign(sum_j J_ij sigma_j), J_ij = sum_mu xi^(mu+1)_i xi^mu_j, J_ii = 0 (Sompolinsky & Kanter
    # 1986, Kleinfeld 1986); h of the rule is (N-1) times this field, so the two agree spin for spin (ties kept)
    rng = np.random.default_rng(11)
    N, P = 41, 30
    xiT = binary_patterns(rng, N, P)
    nextT = sq.next_patterns(xiT)
    J = nextT.astype(np.int64) @ xiT.T.astype(np.int64)
    np.fill_diagonal(J, 0)
    S = np.concatenate([xiT.T, (2 * rng.integers(0, 2, (20, N)) - 1).astype(np.int8)])
    h = S.astype(np.int64) @ J.T
    hebb = np.where(h > 0, 1, np.where(h < 0, -1, S)).astype(np.int8)
    out, _ = _numba(sq.SequenceRule("polynomial", 1), xiT, nextT, S)
    np.testing.assert_array_equal(out, hebb)


def test_one_step_bit_errors_agree_with_the_gaussian_crosstalk():
    # P(bit wrong) = Phi(-1/sqrt((P-1) v)), v = E y^4/(N-1)^4 -> (2n-1)!!/N^n = 3/N^2 (CZKP); measured from every
    # pattern of R independent realizations. The bits of one realization share their patterns, so the standard error
    # is that of the R realization means; the Gaussian tail itself is good to ~2 % at z ~ 2 for P ~ 800 (the
    # crosstalk's excess kurtosis (105/9 - 3)/(P - 1) moves Phi(-z) by ~(kurtosis/24)(z^4 - 6 z^2 + 3) relative).
    N, n, P, R = 100, 2, 800, 8
    rule = sq.SequenceRule("polynomial", n)
    means = []
    for r in range(R):
        xiT = binary_patterns(np.random.default_rng([21, r]), N, P)
        nextT = sq.next_patterns(xiT)
        out, _ = _numba(rule, xiT, nextT, np.ascontiguousarray(xiT.T))
        means.append(np.mean(out != nextT.T))
    p, se = np.mean(means), np.std(means, ddof=1) / math.sqrt(R)
    v = crosstalk_variance(N, "polynomial", n)
    predicted = ndtr(-1 / math.sqrt((P - 1) * v))
    assert abs(p - predicted) < 4 * math.hypot(se, 0.02 * predicted)
    assert v == pytest.approx(3 / N**2, rel=0.02)  # the asymptotic (2n-1)!!/N^n, 1.3 % off at N = 100


def _run(**kw):
    return SequenceRun(**{"N": 60, "alpha": 0.05, "trials": 3, "transitions": 20, "noise": 0.05, **kw})


@pytest.mark.parametrize("rule", ["polynomial", "exponential"])
def test_backends_give_the_same_realization(rule):
    kw = {"rule": rule} if rule == "polynomial" else {"rule": rule, "N": 14, "alpha": 0.3}
    runs = [run_realization(_run(backend=b, **kw), np.random.SeedSequence(4)) for b in ("cpu", "numpy")]
    for key in runs[0]:
        np.testing.assert_array_equal(runs[0][key], runs[1][key])


def test_realization_measures_transitions_and_trajectories():
    out = run_realization(_run(alpha=0.01, noise=0.0, trials=2, stop_below=0.5), np.random.SeedSequence(1))
    K = int(out["K"])
    assert K == 36 and (out["transition_errors"] == 0).all() and out["transition_errors"].shape == (20,)
    assert (out["steps_run"] == K).all() and (out["errors"] == 0).all()  # far below capacity: the cycle is exact
    # above capacity a trajectory from a noisy cue stops once its overlap falls below stop_below
    out = run_realization(_run(alpha=0.3, noise=0.2, stop_below=0.9), np.random.SeedSequence(2))
    for e, n in zip(out["errors"], out["steps_run"], strict=True):
        assert n < e.size and (e[:n] >= 0).all() and (e[n:] == -1).all() and e[n - 1] > 0.05 * 60
    # open sequence: K - 1 transitions, the last pattern has no successor
    out = run_realization(_run(alpha=0.01, K=0, order="open", noise=0.0), np.random.SeedSequence(1))
    assert (out["steps_run"] == 35).all() and out["errors"].shape == (3, 35)


def test_sweep_is_reproducible_across_executors(tmp_path):
    config = resolve(
        {
            "model": "dense.sequence",
            "seed": 3,
            "realizations": 2,
            "grid": {"N": [30, 40], "alpha": [0.02, 0.08]},
            "params": {"trials": 2, "noise": 0.1, "transitions": 8},
        }
    )
    serial = run_sweep(config, tmp_path / "s.nc", executor="serial", progress=False)
    parallel = run_sweep(config, tmp_path / "p.nc", executor="processes", workers=2, progress=False)
    for name in ("transition_errors", "errors", "steps_run", "K"):
        xr.testing.assert_equal(serial[name], parallel[name])
    assert serial["errors"].dims == ("N", "alpha", "realization", "trial", "step")
    assert serial.sizes["step"] == round(0.08 * 40**2) and int(serial["K"].sel(N=30, alpha=0.02)[0]) == 18


@pytest.mark.parametrize(
    "params,message",
    [
        ({"K": 10, "alpha": 0.1}, "give the sequence length as K or as alpha"),
        ({"alpha": 0.0001}, "a sequence needs K >= 2"),
        ({"rule": "linear", "alpha": 0.1}, "rule='linear' is not allowed"),
        ({"n": 14, "N": 3000, "K": 100}, "beyond the exact int64 fallback"),
        ({"noise": 0.6, "alpha": 0.1}, "noise=0.6 is outside its domain"),
        ({"rule": "exponential", "N": 200, "alpha": 1.0}, "allowed: K <= 1e8"),
    ],
)
def test_bad_input_is_refused_before_any_work(params, message):
    with pytest.raises(ParameterError, match=message):
        resolve({"model": "dense.sequence", "params": {"N": 50, **params}})


@pytest.mark.parametrize("name", ["dense-sequence", "dense-sequence-exp"])
def test_builtin_configs_resolve(name):
    config = resolve(load_config(str(builtin_configs()[name]))[1])
    assert config["model"] == "dense.sequence" and {"N", "alpha"} <= set(config["grid"])


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="no CUDA device")
@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.rule}-{r.n}-{r.b}")
def test_gpu_transition_matches_numba(rule):
    import cupy

    rng = np.random.default_rng(8)
    N, P = 64, 300
    xiT = binary_patterns(rng, N, P)
    nextT = sq.next_patterns(xiT)
    S = np.concatenate([xiT.T[:16], (2 * rng.integers(0, 2, (16, N)) - 1).astype(np.int8)])
    out, _ = _numba(rule, xiT, nextT, S)
    gpu = sq.transition_batched(cupy, rule, sq.operands(cupy, xiT, nextT), cupy.asarray(S))
    np.testing.assert_array_equal(cupy.asnumpy(gpu), out)


def test_tables_are_the_seams_exact_integer_tables():
    """g(y) = y^n modulo 2^64 and rounded once to float64 (amphase.simulate.binary.exact), beyond int64 at n = 15."""
    from amphase.simulate.binary.energy import EXPONENTIAL, POLYNOMIAL

    N, n = 40, 15  # 41^15 ~ 1.6e24 > 2^63: the int64 table wraps
    rule = sq.SequenceRule("polynomial", n)
    g_f, g_w, gmax = rule.tables(N)
    ys = range(-N - 1, N + 2)
    assert [int(v) % 2**64 for v in g_w] == [y**n % 2**64 for y in ys]
    assert g_f.tolist() == [float(y**n) for y in ys] and gmax == (N + 1) ** n
    assert rule.kind == POLYNOMIAL and sq.SequenceRule("exponential").kind == EXPONENTIAL
