"""Physical classes of LSE attractors: exact pair and three-point cases, an evenly spaced ring with its barrier from
the 1-d valley, thresholds that change a label, and the per-sample / per-attractor weighting."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from amphase.errors import ParameterError
from amphase.simulate.lse import lse
from amphase.simulate.lse_attractors import (
    CLASSES,
    ISOLATION_THRESHOLDS,
    OWN_THRESHOLDS,
    attractor_set,
    class_counts,
    classify_attractors,
    labels,
)
from amphase.theory.lse_landscape import pair_minima

MEM, SPUR, GEN = range(3)


def test_labels_follow_the_definitions_and_their_order() -> None:
    # owned & isolated -> memorized; isolated & not owned -> spurious; not isolated -> generalized, owned or not (the
    # borderline case goes to generalized); the inequalities: owned is w > own, isolated is beta*DeltaE >= isolation
    w = np.array([0.9, 0.3, 0.9, 0.3, 0.5, 0.9, 0.9])
    bb = np.array([3.0, 3.0, 0.2, 0.2, 3.0, 1.0, np.inf])
    assert list(labels(w, bb)) == [MEM, SPUR, GEN, GEN, SPUR, MEM, MEM]
    # one attractor on the grid of thresholds: w = 0.55 is owned at 0.4 and 0.5 but not at 0.6, beta*DeltaE = 1.5
    # isolated at 1/2 and 1 but not at 2
    s, a = class_counts([0.55], [1.5], [7])
    expect = np.array([[MEM, MEM, GEN], [MEM, MEM, GEN], [SPUR, SPUR, GEN]])
    for c in range(3):
        assert np.array_equal(s[c], 7 * (expect == c)) and np.array_equal(a[c], expect == c)


def test_split_pair_memorized_or_generalized_by_its_exact_barrier() -> None:
    # two memories at +-D/2: for g = beta D^2/2 > 1 two minima at +-(D/2)u, u = tanh(g u), each owned with weight
    # (1 + u)/2 and the barrier E(0) - E(x) between them (lse_landscape.pair_minima). beta is chosen so that
    # beta * DeltaE = 1.5: isolated at the thresholds 1/2 and 1, not at 2 -> the label changes with the threshold
    D = 1.0
    beta = float(
        minimize_scalar(lambda b: (b * pair_minima(D, b).barrier - 1.5) ** 2, bounds=(2.5, 20), method="bounded").x
    )
    pm = pair_minima(D, beta)
    assert beta * pm.barrier == pytest.approx(1.5, abs=1e-6)
    mem = np.array([[-D / 2, 0.0], [D / 2, 0.0]])
    ends = np.array([[-pm.x + 1e-4, 2e-4], [pm.x - 1e-5, 0.0], [pm.x + 3e-5, -1e-5]])
    ac = classify_attractors(lse(beta, mem), ends, neighbours=1)
    assert len(ac.attractors.x) == 2 and list(ac.attractors.basin) == [1, 2] and list(ac.attractors.sample) == [0, 1, 1]
    assert np.allclose(ac.own_weight, (1 + 2 * pm.x / D) / 2, rtol=1e-10)
    assert np.allclose(ac.beta_barrier, beta * pm.barrier, rtol=1e-9)
    assert list(ac.neighbour) == [1, 0] and list(ac.label) == [MEM, MEM] and ac.borderline == 0
    s, a = class_counts(ac.own_weight, ac.beta_barrier, ac.attractors.basin)
    assert list(s[:, 1, 1]) == [3, 0, 0] and list(s[:, 1, 2]) == [0, 0, 3]  # isolation 1 vs 2: memorized / generalized
    assert list(a[:, 1, 2]) == [0, 0, 2] and ac.borderline == 0
    # at the threshold 2 the owned minima are not isolated: generalized (the borderline order), counted as such
    assert classify_attractors(lse(beta, mem), ends, neighbours=1, isolation=2.0).borderline == 2


def test_merged_triple_is_owned_by_its_centre_only_above_the_owning_threshold() -> None:
    # three memories at -D, 0, D merged into one minimum at 0 (by symmetry), whose centre weight is
    # w0 = 1 / (1 + 2 exp(-beta D^2)) exactly; beta D^2 = ln(2 w0 / (1 - w0)) with w0 = 0.55. One attractor, no
    # neighbour: isolated (no barrier to cross). Owned at 0.4 and 0.5 -> memorized; at 0.6 -> spurious
    w0, D = 0.55, 0.5
    beta = math.log(2 * w0 / (1 - w0)) / D**2
    mem = np.array([[-D, 0.0], [0.0, 0.0], [D, 0.0]])
    en = lse(beta, mem)
    assert np.linalg.eigvalsh(en.hessian(np.zeros(2)))[0] > 0  # the centre is a minimum
    ac = classify_attractors(en, np.array([[0.01, 0.0], [-0.02, 0.01]]))
    assert len(ac.attractors.x) == 1 and np.allclose(ac.attractors.x, 0.0, atol=1e-12)
    assert ac.own_weight[0] == pytest.approx(w0, rel=1e-12) and ac.owner[0] == 1 and math.isinf(ac.barrier[0])
    s, _ = class_counts(ac.own_weight, ac.beta_barrier, ac.attractors.basin)
    assert list(s[:, :, 1].argmax(axis=0)) == [MEM, MEM, SPUR]  # owning threshold 0.4, 0.5, 0.6


def test_a_symmetric_tie_is_not_owned() -> None:
    # a merged pair (g = beta D^2 / 2 < 1): one minimum at the midpoint with weights 1/2, 1/2 exactly; rounding must
    # not make one of them "carry more than 1/2"
    mem = np.array([[-0.3, 0.1], [0.3, 0.1]])
    ac = classify_attractors(lse(5.0, mem), np.array([[0.0, 0.1]]))
    assert ac.own_weight[0] == pytest.approx(0.5, abs=1e-15) and list(ac.label) == [SPUR]


@pytest.mark.parametrize(("K", "beta", "expect"), [(10, 20.0, [MEM, MEM, GEN]), (12, 20.0, [MEM, GEN, GEN])])
def test_even_ring_against_the_bisector_barrier(K: int, beta: float, expect: list[int], even_ring) -> None:
    # beta * DeltaE = 1.218 at K = 10 and 0.656 at K = 12 (beta = 20): the isolation threshold 1/2, 1, 2 decides
    bb, w = even_ring(K, beta)
    th = 2 * np.pi * np.arange(K) / K
    mem = np.stack([np.cos(th), np.sin(th)], 1)
    en = lse(beta, mem)
    rng = np.random.default_rng(3)
    ang = th[rng.integers(0, K, 40)] + rng.normal(0, 0.05, 40)  # 40 end points near the minima
    ac = classify_attractors(en, 0.98 * np.stack([np.cos(ang), np.sin(ang)], 1), neighbours=2)
    ok = ac.attractors.is_minimum
    assert ok.all() and ac.converged.all()
    assert np.allclose(ac.beta_barrier, bb, rtol=1e-8) and np.allclose(ac.own_weight, w, rtol=1e-9)
    s, _ = class_counts(ac.own_weight, ac.beta_barrier, ac.attractors.basin)
    assert [int(s[:, 1, j].argmax()) for j in range(3)] == expect and s[:, 1, :].max(axis=0).tolist() == [40] * 3


def test_end_point_on_a_saddle_is_no_minimum_and_not_isolated() -> None:
    D, beta = 1.0, 10.0
    pm = pair_minima(D, beta)
    mem = np.array([[-D / 2, 0.0], [D / 2, 0.0]])
    en = lse(beta, mem)
    att = attractor_set(en, np.array([[0.0, 0.0], [pm.x, 0.0], [-pm.x, 1e-7]]))
    assert list(att.is_minimum) == [False, True, True] and att.eigenvalues[0, 0] < 0
    ac = classify_attractors(en, np.array([[0.0, 0.0], [pm.x, 0.0], [-pm.x, 1e-7]]))
    assert ac.barrier[0] == 0.0 and ac.label[0] == GEN and list(ac.label[1:]) == [MEM, MEM]


def test_bad_input_is_named() -> None:
    en = lse(1.0, np.array([[0.0, 0.0], [1.0, 0.0]]))
    with pytest.raises(ParameterError, match="own"):
        classify_attractors(en, np.zeros((1, 2)), own=1.0)
    with pytest.raises(ParameterError, match="isolation"):
        classify_attractors(en, np.zeros((1, 2)), isolation=0.0)
    with pytest.raises(ParameterError, match="end points"):
        attractor_set(en, np.zeros((3, 3)))
    assert OWN_THRESHOLDS[1] == 0.5 and ISOLATION_THRESHOLDS[1] == 1.0 and CLASSES[0] == "memorized"
