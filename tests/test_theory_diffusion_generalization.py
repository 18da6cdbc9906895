"""diffusion.generalization_onset and diffusion.barrier_law: checked domains, the merging onsets, the laws' limits."""

import math

import numpy as np
import pytest

from amphase import theory
from amphase.errors import ParameterError
from amphase.theory import lse_barrier_sample as bs
from amphase.theory import lse_barriers as lb
from amphase.theory import lse_circle_counts as lc


def test_registered_and_checked():
    q = theory.get("diffusion.generalization_onset")
    with pytest.raises(ParameterError, match="threshold"):
        q(beta=20.0, threshold=0.0)
    with pytest.raises(ParameterError, match="manifold"):
        q(beta=20.0, manifold="torus")
    with pytest.raises(ParameterError, match="exactly one"):
        q(beta=20.0, sigma=0.1)
    with pytest.raises(ParameterError, match="draws"):
        theory.get("diffusion.barrier_law")(K=4, beta=20.0, draws=5)
    ds = q.grid(beta=[0.8, 1.3], manifold="sphere", draws=20)  # no shell on S^2 below beta = 3/2: NaN with a reason
    assert np.isnan(ds.K_gen).all() and "shell" in ds.K_gen.attrs["absent"]


def test_merging_onsets_are_those_of_spurious_onset():
    beta = 20.0
    g = theory.get("diffusion.generalization_onset")(beta=beta, draws=40)
    s = theory.get("diffusion.spurious_onset")(beta=beta, own_weight=0.5 + 1e-9)
    assert g["K_merge"] == pytest.approx(s["K_onset"], rel=1e-12)
    assert g["K_memory_half"] == pytest.approx(s["K_half"], rel=1e-6)  # own weight 1/2: the merging distance
    assert g["minima_limit"] == pytest.approx(s["minima_limit"], rel=1e-12)


def test_onset_lies_between_merging_and_the_dense_law_and_scales_with_the_ring():
    # sigma = 1/sqrt(40) is beta = 20; K_gen per unit u is nu_gen; the dense law (K^-1/2) comes earlier
    g = theory.get("diffusion.generalization_onset")(sigma=1 / math.sqrt(40.0), draws=100)
    assert g["beta"] == pytest.approx(20.0)
    assert g["K_dense"] < g["K_gen"]
    assert g["K_gen"] > g["K_merge"]
    assert g["nu_gen"] == pytest.approx(g["K_gen"] / lb.scaled_density(1, 20.0, "circle").volume, rel=1e-12)
    # a circle of radius 2 at beta is the unit circle at 4 beta
    a = theory.get("diffusion.generalization_onset")(beta=5.0, scale=2.0, draws=100)
    assert a["K_gen"] == pytest.approx(g["K_gen"], rel=1e-12)


def test_line_onset_grows_with_the_segment():
    # a segment of length L holds L sqrt(beta) correlation lengths: K_gen / (L sqrt beta) is nu_gen, the same for a
    # segment twice as long up to the ends: the two end minima have one neighbour each, 2 of about 9 minima at
    # L sqrt(beta) = 40 (Rice: 0.28 per unit u at the onset's 0.4 points per unit u, 0.6 minima per point), hence 25 %
    q = theory.get("diffusion.generalization_onset")
    short = q(beta=4.0, manifold="line", scale=20.0, draws=60)
    long_ = q(beta=4.0, manifold="line", scale=40.0, draws=60)
    assert long_["K_gen"] == pytest.approx(2 * short["K_gen"], rel=0.25)
    assert short["minima_limit"] == pytest.approx(lb.DENSE_MINIMA[1] * 40.0, rel=1e-12)


def test_barrier_law_at_one_point_and_its_dense_limits():
    law = theory.get("diffusion.barrier_law")
    one = law(K=1, beta=20.0, draws=20)
    assert one["minima"] == 1 and one["fraction"] == 0 and one["median_curvature"] == pytest.approx(2.0, abs=1e-9)
    r = law(K=64, beta=20.0, draws=40)
    kappa = 2 * 20.0 * lb.shell_radius(20.0)
    assert r["minima_limit"] == pytest.approx(lc.ring_maxima_limit(kappa), rel=1e-12)
    assert r["dense_median_curvature"] == pytest.approx(lc.ring_flatness(64, 20.0, 1.0).median_curvature, rel=1e-12)
    assert r["nu"] == pytest.approx(64 / lb.scaled_density(1, 20.0, "circle").volume)


@pytest.mark.slow
@pytest.mark.parametrize("beta", [5.0, 20.0])
def test_large_K_follows_the_dense_law(beta):
    # K^-1/2: sqrt(K) * median beta DeltaE -> h_1/2(kappa), the ring field's median barrier; sqrt(K) * median
    # curvature -> ring_flatness; minima -> Rice. The corrections are of relative order (pi kappa)^(1/4)/sqrt(K)
    # (the next term of ln(1 + g/sqrt(K)) and the skewness of the shot noise): allowed on top of 4 standard errors
    K = 16384
    kappa = 2 * beta * lb.shell_radius(beta)
    s = bs.sample_landscapes(K, beta, draws=400, seed=1)
    corr = (math.pi * kappa) ** 0.25 / math.sqrt(K)
    h = lb.ring_dense_barriers(kappa, draws=2000, seed=3)
    m, me = bs.median_barrier(s)
    assert abs(math.sqrt(K) * m / h.median - 1) < 4 * math.hypot(math.sqrt(K) * me, h.median_error) / h.median + corr
    c, ce = bs.median_barrier(s, s.curvature)
    flat = lc.ring_flatness(K, beta, 1.0).median_curvature
    assert abs(c / flat - 1) < 4 * ce / flat + corr
    se = s.counts.std(ddof=1) / math.sqrt(len(s.counts))
    assert abs(s.counts.mean() - lc.ring_maxima_limit(kappa)) < 4 * se + corr * lc.ring_maxima_limit(kappa)
