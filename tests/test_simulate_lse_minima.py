"""The one fixed-point finder of the log-sum-exp energy (simulate/lse_minima.py): grouping, kinds, labels, order."""

import numpy as np
import pytest

from amphase.simulate.diffusion.attractors import find_attractors, grid_starts
from amphase.simulate.diffusion.schedules import ve
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.lse import lse
from amphase.simulate.lse_minima import KINDS, canonical_order, find_minima, kind_codes, merge_points, owning
from amphase.theory.lse_merging import OWN_WEIGHT, own_gain


def test_merge_points_groups_by_radius_and_picks_the_best_member():
    # two groups: a chain 0-1-2 of steps 0.4 (radius 0.5 joins it whole) and a lone point far away
    x = np.array([[0.0, 0.0], [0.4, 0.0], [5.0, 5.0], [0.8, 0.0]])
    quality = np.array([3.0, 1.0, 0.5, 2.0])  # the lone point is best, then the chain's middle
    reps, label, basin = merge_points(x, 0.5, quality=quality, weight=[1, 2, 3, 4])
    np.testing.assert_array_equal(reps, [2, 1])  # groups in the order of their representatives' quality
    np.testing.assert_array_equal(label, [1, 1, 0, 1])
    np.testing.assert_array_equal(basin, [3, 7])  # summed weights
    reps, label, basin = merge_points(x, 0.5)  # default: rows' order, one start each
    np.testing.assert_array_equal(reps, [0, 2])
    np.testing.assert_array_equal(basin, [3, 1])


def test_kind_codes_split_at_plus_and_minus_eig_tol():
    codes = kind_codes([1e-3, 2e-6, 1e-6, 0.0, -1e-6, -2e-6, -1.0], 1e-6)
    names = [KINDS[c] for c in codes]
    assert names == ["minimum", "minimum", "degenerate", "degenerate", "degenerate", "saddle", "saddle"]


@pytest.mark.parametrize("factor", [0.995, 1.005])
def test_a_pair_is_owned_only_above_the_exact_owning_gain(factor):
    # two memories at distance D: each minimum carries w = (1 + u)/2, u = tanh(g u), g = beta D^2 / 2; owned (w > 0.6)
    # iff g > atanh(0.2)/0.2 = 1.0137 (theory.lse_merging.own_gain, exact); both factors keep g > 1 (split pair)
    D = 1.0
    mem = np.array([[-D / 2, 0.0], [D / 2, 0.0]])
    beta = factor * 2 * own_gain(OWN_WEIGHT) / D**2
    rng = np.random.default_rng(0)
    found = find_minima(lse(beta, mem), np.concatenate([mem, 0.3 * rng.standard_normal((12, 2))]))
    m = found.is_minimum
    assert found.n_minima == 2  # g > 1: the pair has split
    assert found.n_own_minima == (2 if factor > 1 else 0)
    w, owner = owning(lse(beta, mem), found.x[m])
    np.testing.assert_array_equal(w, found.weight[m])
    np.testing.assert_array_equal(owner, found.owner[m])
    np.testing.assert_array_equal(np.sign(found.x[m][:, 0]), np.where(owner == 0, -1, 1))  # owner is its side's


def test_order_is_canonical_whatever_the_order_of_the_starts():
    mem = np.random.default_rng(1).uniform(-1, 1, (12, 2))
    energy = lse(16.0, mem)  # six minima, of six different energies
    x0 = np.concatenate([mem, grid_starts(-1.5, 1.5, 9)])
    a = find_minima(energy, x0)
    b = find_minima(energy, x0[np.random.default_rng(2).permutation(len(x0))])
    assert len(a.x) == 6 and np.all(np.diff(a.energy) > 0)
    np.testing.assert_allclose(b.x, a.x, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(b.kind, a.kind)
    np.testing.assert_array_equal(b.basin, a.basin)
    assert a.basin.sum() + a.n_unconverged == a.n_starts == len(x0)


def test_stalled_starts_are_returned_one_row_per_start():
    # d = 70 > FULL_SECOND_MAX_D: no Newton polish, so two fixed-point steps leave some starts short of the tolerance
    rng = np.random.default_rng(3)
    mem = rng.standard_normal((20, 70)) / np.sqrt(70)
    x0 = mem.mean(0) + 0.5 * rng.standard_normal((30, 70)) / np.sqrt(70)
    energy = lse(10.0, mem)
    short = find_minima(energy, x0, max_steps=2)
    assert 0 < short.n_unconverged == len(short.stalled) < len(x0)
    assert short.basin.sum() + len(short.stalled) == short.n_starts == len(x0)
    full = find_minima(energy, x0)
    assert full.n_unconverged == len(full.stalled) == 0 and full.basin.sum() == len(x0)
    # a stalled start is on its way: nearer to a fixed point found with enough steps than to any start
    d = np.linalg.norm(short.stalled[:, None] - full.x[None], axis=-1).min(axis=1)
    assert d.max() < np.linalg.norm(x0[:, None] - full.x[None], axis=-1).min()


@pytest.mark.parametrize("t", [0.05, 0.3])
def test_the_exact_score_uses_the_one_finder_on_its_energy(t):
    # find_attractors on the exact score = find_minima on the LSE energy at beta_t with memories s xi, from s x0
    pts = np.random.default_rng(4).uniform(-1, 1, (7, 2))
    sched = ve(1.0)
    ex = exact_score(pts, sched, dtype="float64")
    starts = grid_starts(-1.5, 1.5, 11)
    att = find_attractors(ex, sched, t, starts, pts, tol=1e-9, merge=1e-4, eig_tol=1e-3)
    en = ex.energy_at(t)
    s = float(sched.scale(t))
    found = find_minima(en, s * starts, tol=1e-9, merge=1e-4, eig_tol=1e-3, coarse=1e-6, coarse_merge=1e-4)
    assert sorted(att.basin) == sorted(found.basin) and att.basin.sum() == found.basin.sum()
    assert np.all(np.diff(att.basin) <= 0)  # basin order, largest first
    for x, kind in zip(att.x, att.kind, strict=True):
        j = np.argmin(np.linalg.norm(found.x / s - x, axis=1))
        np.testing.assert_allclose(found.x[j] / s, x, rtol=0, atol=1e-12)
        assert found.kind[j] == kind


def test_energy_ties_are_ordered_by_coordinates():
    e = np.array([1.0, 1.0 + 1e-13, 0.5])  # the first two tie within 1e-12
    x = np.array([[1.0, 0.0], [0.0, 0.0], [5.0, 5.0]])
    np.testing.assert_array_equal(canonical_order(e, x, 1e-12), [2, 1, 0])
    np.testing.assert_array_equal(canonical_order(e, x, 0.0), [2, 0, 1])
    # a symmetric pair at beta D^2 / 2 = 4: its two minima tie in energy (to rounding); the left one comes first
    mem = np.array([[-0.5, 0.0], [0.5, 0.0]])
    for sign in (1, -1):  # mirrored starts: the same order
        found = find_minima(lse(8.0, mem), sign * np.array([[0.45, 0.05], [-0.4, 0.0], [0.3, -0.1]]))
        assert found.n_minima == 2 and abs(found.energy[1] - found.energy[0]) < 1e-12
        assert found.x[0, 0] < 0 < found.x[1, 0]
