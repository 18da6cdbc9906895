"""Sequence DenseAM theory (amphase.theory.dense.sequence): CZKP 2023 constants, exact crosstalk moments, finite N."""

import itertools
import math

import numpy as np
import pytest
from scipy.special import ndtr

from amphase.errors import ParameterError
from amphase.theory import dense, hopfield
from amphase.theory.dense import sequence


@pytest.mark.parametrize("N", [100, 10**4])
def test_sequence_capacity_identities(N):
    # n = 1: the asymmetric Hebbian sequence memory has the static Hopfield constants N/(2 ln N), N/(4 ln N)
    s, h = dense.sequence_capacity(N, "polynomial", 1), hopfield.capacity_snr(N)
    assert (s.P_transition, s.P_sequence) == (pytest.approx(h.P_one, rel=1e-15), pytest.approx(h.P_all, rel=1e-15))
    # a transition of degree n has the noise of the static F = x^(n+1): same typical capacity
    for n in (2, 3):
        s = dense.sequence_capacity(N, n=n)
        assert s.P_transition == pytest.approx(dense.poly_capacity(N, n + 1).K_typical)
        assert s.P_sequence == pytest.approx(dense.poly_capacity(N, n + 1).K_all)


def test_sequence_capacity_exp():
    # Chaudhry et al. 2023, App. C.2: f(x) = exp((N-1)(x-1)), per-pattern crosstalk variance beta^-(N-1); the printed
    # excess-kurtosis factor 0.9823^(N-1) is var(chi^2)-ratio / beta^(N-1) = ((1 + e^-8)/(1 + e^-4))^(N-1)
    N = 60
    s = dense.sequence_capacity(N, "exponential")
    beta = math.exp(2) / math.cosh(2)
    assert round(beta, 4) == 1.9640 and round((1 + math.exp(-8)) / (1 + math.exp(-4)), 4) == 0.9823
    assert s.P_transition == pytest.approx(beta ** (N - 1) / (2 * math.log(N)), rel=1e-12)
    assert s.P_sequence == pytest.approx(beta ** (N - 1) / (2 * N * math.log(beta)), rel=1e-12)
    assert math.isinf(dense.sequence_capacity(10**4, "exponential").P_transition)
    # the exact crosstalk variance of one pattern, summed over y (a sum of N - 1 signs), is beta^-(N-1)
    assert sequence.crosstalk_variance(N, "exponential", b=1.0) == pytest.approx(beta ** -(N - 1), rel=1e-10)


@pytest.mark.parametrize("rule,n,b", [("polynomial", 1, 1.0), ("polynomial", 2, 1.0), ("polynomial", 3, 1.0),
                                      ("exponential", 2, 1.0), ("exponential", 2, 0.3)])  # fmt: skip
def test_crosstalk_moments_by_enumeration(rule, n, b):
    # E f^2 and E f^4 of f(y/(N-1)), y = sum of N - 1 signs: every one of the 2^(N-1) sign vectors
    N = 11
    ys = np.array([sum(s) for s in itertools.product((-1, 1), repeat=N - 1)], dtype=float)
    f = (ys / (N - 1)) ** n if rule == "polynomial" else np.exp(b * (ys - (N - 1)))
    v, f4 = sequence.crosstalk_moments(N, rule, n, b)
    assert v == pytest.approx(np.mean(f**2), rel=1e-13)
    assert f4 == pytest.approx(np.mean(f**4), rel=1e-13)


def test_crosstalk_variance_tends_to_double_factorial():
    # (2n-1)!!/N^n to leading order (CZKP): the exact variance times N^n/(2n-1)!! -> 1 as N grows
    for n in (1, 2, 3):
        ratios = [sequence.crosstalk_variance(N, "polynomial", n) * N**n / (1, 3, 15)[n - 1] for N in (100, 10**4)]
        assert abs(ratios[1] - 1) < abs(ratios[0] - 1) < 0.05 and abs(ratios[1] - 1) < 5e-4
    assert sequence.crosstalk_variance(50, "polynomial", 1) == pytest.approx(1 / 49, rel=1e-13)  # E y^2 = N - 1


def test_half_lengths_solve_their_equations():
    N, n = 100, 2
    v = sequence.crosstalk_variance(N, "polynomial", n)
    P = sequence.half_length(N, "polynomial", n, what="transition", shared=False)
    assert (1 - ndtr(-1 / math.sqrt((P - 1) * v))) ** N == pytest.approx(0.5, rel=1e-8)
    for what in ("transition", "sequence"):
        P = sequence.half_length(N, "polynomial", n, what=what)
        assert getattr(sequence.recall_probability(N, P, "polynomial", n), what) == pytest.approx(0.5, rel=1e-7)
    # a shared crosstalk variance makes failures cluster: the whole cycle fails later than for independent bits
    assert sequence.half_length(N, n=n, what="sequence") < sequence.half_length(N, n=n, what="sequence", shared=False)
    # the finite-N half lengths lie above the asymptotic SNR capacities at these sizes (the 1/ln N prefactor)
    s = dense.sequence_capacity(N, "polynomial", n)
    assert s.P_transition_half > s.P_transition and s.P_sequence_half > s.P_sequence
    r = dense.sequence_recall(N, s.P_transition_half, "polynomial", n)
    assert r.transition == pytest.approx(0.5, rel=1e-7) and r.sequence == pytest.approx(0.5**s.P_transition_half)


def test_sequence_quantities_bad_input():
    for call, message in [
        (lambda: dense.sequence_capacity(100, "linear"), "rule='linear' is not allowed"),
        (lambda: dense.sequence_capacity(100, "polynomial", 0), "n=0 is outside its domain"),
        (lambda: dense.sequence_capacity(100, "exponential", b=0.0), "b=0 is outside its domain"),
        (lambda: dense.sequence_recall(100, 1.0), "K=1 is outside its domain"),
    ]:
        with pytest.raises(ParameterError, match=message):
            call()


def test_moments_in_closed_form_at_any_size():
    # issue 17: N = 1e9 summed a binomial law over N + 1 values (24 GB); the closed forms take microseconds.
    # Exact identities for a sum y of M random signs: E y^2 = M, E y^4 = 3 M^2 - 2 M.
    import time

    for M in (2, 49, 10**9, 10**15):
        t0 = time.perf_counter()
        v, f4 = sequence.crosstalk_moments(M + 1, "polynomial", 1)
        assert time.perf_counter() - t0 < 0.05
        assert v == pytest.approx(1 / M, rel=1e-14)
        assert f4 == pytest.approx((3 * M * M - 2 * M) / M**4, rel=1e-14)
    # exponential: E exp(c y) = cosh(c)^M, so E f^2 = beta^-(N-1), beta = 2/(1 + e^-4b) (CZKP App. C.2 at b = 1)
    beta = 2 / (1 + np.exp(-4.0))
    assert sequence.crosstalk_variance(10**6, "exponential", b=1.0) == 0.0  # beta^-(10^6) underflows
    assert sequence.crosstalk_variance(500, "exponential", b=1.0) == pytest.approx(beta**-499.0, rel=1e-12)
