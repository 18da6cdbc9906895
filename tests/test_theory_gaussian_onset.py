"""The exact pair probability of Gaussian data and the pair-rule onset built on it (diffusion.gaussian_onset)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import chi2

from amphase import theory
from amphase.errors import ParameterError
from amphase.simulate.diffusion.data import LINEAR_GROUPS
from amphase.theory import lse_landscape as ll
from amphase.theory import lse_merging as lm


@pytest.mark.parametrize("d", [1, 2, 5, 30, 64])
@pytest.mark.parametrize("D", [1e-3, 0.3, 1.0, 2.0, 5.0])
def test_equal_variances_give_the_chi_square_cdf(d: int, D: float) -> None:
    # |x - y|^2 / (2 v) ~ chi^2_d exactly; deep lower tails (down to ~1e-200) keep their relative precision
    v = 0.7
    exact = chi2.cdf(D * D / (2 * v), d)
    assert lm.gaussian_merge_probability(D, [v], [d]) == pytest.approx(exact, rel=1e-11)
    assert lm.gaussian_merge_probability(D, [v] * d) == pytest.approx(exact, rel=1e-11)  # one entry per direction


def test_two_groups_against_a_one_dimensional_convolution() -> None:
    # P(l1 X + l2 Y <= x), X ~ chi2_h1, Y ~ chi2_h2 independent: int_0^{x/l1} f_h1(y) F_h2((x - l1 y)/l2) dy (exact)
    var, counts = np.array([1.0, 0.09]), np.array([10, 10])
    lam = 2 * var
    for D in (1.0, 2.0, 4.0):
        x = D * D
        ref = integrate.quad(lambda y, x=x: chi2.pdf(y, 10) * chi2.cdf((x - lam[0] * y) / lam[1], 10), 0, x / lam[0],
                             epsabs=0, epsrel=1e-12, limit=200)[0]  # fmt: skip
        assert lm.gaussian_merge_probability(D, var, counts) == pytest.approx(ref, rel=1e-8)


def test_small_distance_limit_and_zero_variance_directions() -> None:
    # p -> D^d / (2^d Gamma(d/2 + 1) prod sqrt(v)) as D -> 0, relative correction O(D^2 / min v)
    var, counts = [1.0, 0.09, 1e-4], [10, 10, 10]
    D = 1e-5
    ratio = lm.gaussian_merge_probability(D, var, counts) / lm.gaussian_merge_probability_small(D, var, counts)
    assert ratio == pytest.approx(1.0, abs=30 * D * D / 1e-4)
    # directions of variance 0 (or no directions in a group) add nothing to |x - y|
    assert lm.gaussian_merge_probability(1.5, [1.0, 0.0], [4, 7]) == pytest.approx(chi2.cdf(1.5**2 / 2, 4), rel=1e-12)
    assert lm.gaussian_merge_probability(0.0, [1.0], [3]) == 0.0


def test_pair_rule_onset_identities() -> None:
    p, p_own = 1e-3, 1.2e-3
    out = lm.pair_rule_onset(p, p_own)
    assert out.K_onset * (out.K_onset - 1) / 2 * p == pytest.approx(1.0, rel=1e-12)  # expected merged pairs = 1
    assert (1 - p_own) ** (out.K_half - 1) == pytest.approx(0.5, rel=1e-12)
    own = lambda K: K * (1 - p_own) ** (K - 1)  # noqa: E731
    assert out.memory_peak == pytest.approx(own(out.K_peak), rel=1e-12)
    assert own(out.K_peak) > max(own(out.K_peak * 0.99), own(out.K_peak * 1.01))
    assert lm.pair_rule_onset(0.0, 0.0).K_onset == math.inf
    with pytest.raises(ParameterError, match="probabilities"):
        lm.pair_rule_onset(1.5, 0.1)


def test_gaussian_onset_quantity() -> None:
    q = theory.get("diffusion.gaussian_onset")
    out = q(beta=1.0)
    # the defaults are the linear manifold of the diffusion-linear config
    var = [s * s for _, s in LINEAR_GROUPS]
    counts = [n for n, _ in LINEAR_GROUPS]
    assert out["p_merge"] == lm.gaussian_merge_probability(math.sqrt(2.0), var, counts)
    assert out["p_own"] == lm.gaussian_merge_probability(lm.merge_distance(1.0, lm.OWN_WEIGHT), var, counts)
    assert tuple(out[k] for k in ("K_onset", "K_peak", "memory_peak", "K_half")) == lm.pair_rule_onset(
        out["p_merge"], out["p_own"]
    )
    assert q(sigma=math.sqrt(0.5)) == pytest.approx(out, rel=1e-12)  # beta = 1/(2 sigma^2)
    # isotropic data in one group: p_merge is the chi-square CDF at D_merge^2/(2 s^2) = 1/(beta s^2)
    iso = q(beta=0.3, n1=12, s1=0.8, n2=0, n3=0)
    assert iso["p_merge"] == pytest.approx(chi2.cdf(1 / (0.3 * 0.64), 12), rel=1e-11)
    # scaling: stds times a at beta / a^2 is the same landscape in units of a
    scaled = q(beta=1.0 / 4.0, s1=2.0, s2=0.6, s3=0.02)
    for k in ("p_merge", "p_own", "K_onset", "K_peak", "K_half"):
        assert scaled[k] == pytest.approx(out[k], rel=1e-10)
    with pytest.raises(ParameterError, match="exactly one of sigma"):
        q(beta=1.0, sigma=1.0)
    with pytest.raises(ParameterError, match="n1"):
        q(beta=1.0, n1=0)
    with pytest.raises(ParameterError, match="own_weight"):
        q(beta=1.0, own_weight=1.0)


def test_bad_input() -> None:
    with pytest.raises(ParameterError, match="variances"):
        lm.gaussian_merge_probability(1.0, [-1.0])
    with pytest.raises(ParameterError, match="at least one direction"):
        lm.gaussian_merge_probability(1.0, [0.0, 0.0])
    with pytest.raises(ParameterError, match="equal 1-D shapes"):
        lm.gaussian_merge_probability(1.0, [1.0, 2.0], [1])
    with pytest.raises(ParameterError, match="D="):
        lm.gaussian_merge_probability(-1.0, [1.0])
    with pytest.raises(ParameterError, match="counts"):
        lm.gaussian_merge_probability(1.0, [1.0], [1.5])


def test_memorized_distance() -> None:
    # the root of (D/2)(1 - u) = delta above D_merge: the pair minimum sits exactly delta from its memory there
    for beta, delta in ((1.0, 0.0165), (0.5, 0.022), (20.0, 0.005)):
        D = lm.memorized_distance(beta, delta)
        assert D > lm.merge_distance(beta)
        assert D / 2 - ll.pair_minima(D, beta).x == pytest.approx(delta, rel=1e-9)
    # far apart, 1 - u -> 2 exp(-beta D^2): the displacement tends to D exp(-beta D^2)
    D = lm.memorized_distance(1.0, 1e-4)
    assert D * math.exp(-D * D) == pytest.approx(1e-4, rel=1e-3)
    # a threshold above the largest displacement (D_merge/2, at D_merge): only merging removes the memory
    assert lm.memorized_distance(2.0, 0.6) == lm.merge_distance(2.0)
    with pytest.raises(ParameterError, match="delta"):
        lm.memorized_distance(1.0, 0.0)
    with pytest.raises(ParameterError, match="beta"):
        lm.memorized_distance(-1.0, 0.1)
