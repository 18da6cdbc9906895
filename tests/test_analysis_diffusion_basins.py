"""Basins of diffusion attractors (simulate/diffusion/{basins,return_trials,basin_noise}.py): the exact two-point
return probability, energy identities, the model, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chi2, norm

from amphase.errors import ParameterError
from amphase.simulate.diffusion.basin_attractors import basin_attractors, relative_energies, time_at_noise
from amphase.simulate.diffusion.basin_noise import (
    critical_noise,
    curve_crossing,
    posterior_return_probability,
    voronoi_probability,
)
from amphase.simulate.diffusion.return_trials import return_trials
from amphase.simulate.diffusion.schedules import ve, vp
from amphase.simulate.diffusion.score import exact_score
from amphase.theory.diffusion.basins import pair_basin_noise, pair_energy, pair_return_probability
from amphase.theory.lse_landscape import pair_minima

BETA = 20.0


def pair(D: float, offset: tuple[float, float] = (0.2, -0.3)) -> np.ndarray:
    """Two memories at distance D along a tilted axis, off the origin (nothing may depend on either)."""
    e = np.array([math.cos(0.7), math.sin(0.7)])
    return np.array(offset) + np.array([-D / 2 * e, D / 2 * e])


@pytest.fixture(scope="module")
def far_pair():
    D = 1.0  # beta D^2 / 2 = 10: the minima sit at h = (D/2) tanh-root = D/2 (1 - 4e-9)
    pts = pair(D)
    score = exact_score(pts, ve(3.0))
    att = basin_attractors(score, BETA, np.vstack([pts, pts + 0.05]))
    return D, pts, score, att


def test_pair_attractors_and_exact_energy_identities(far_pair) -> None:
    D, pts, _, att = far_pair
    pm = pair_minima(D, BETA)
    assert len(att.x) == 2 and np.all(att.kind == 0)
    mid = pts.mean(axis=0)
    assert np.allclose(np.linalg.norm(att.x - mid, axis=1), pm.x, atol=1e-8)
    # symmetric memories: relative energy 0 (reflection symmetry), the line maximum is the midpoint saddle
    assert np.all(np.abs(att.relative_energy) < 1e-12) and np.all(np.abs(att.ground_energy) < 1e-12)
    # the energy of each minimum relative to an isolated memory (derived): E(a) = pair_energy(D, beta)
    assert np.allclose(att.energy, pair_energy(D, BETA), atol=1e-12)
    assert np.allclose(att.line_radius, pm.x, atol=1e-8)
    assert np.allclose(att.barrier, pm.barrier, atol=1e-10)


def test_pair_return_probability_is_the_half_plane(far_pair) -> None:
    """ODE back to the stop then descent returns iff the noise keeps the side: Phi(h/r) (derived in the module)."""
    D, _, score, att = far_pair
    h = pair_minima(D, BETA).x
    # 0.12 lies below the noise of the stop (0.158): descent only. The crossing is bracketed by 0.33 and 0.46, where
    # linear interpolation in log r of Phi(h/r) is off by 1 % (0.3 of the expected error at 800 trials per level).
    levels = np.array([0.12, 0.25, 0.33, 0.46, 0.6, 1.0])
    n_noise = 400
    tr = return_trials(score, BETA, att.x, levels, n_noise, np.random.SeedSequence(20261207), sampler="ode", steps=20)
    k, n = tr.returned.sum(axis=0), tr.trials.sum(axis=0)
    assert np.all(n == 2 * n_noise) and tr.unconverged.sum() == 0
    p = pair_return_probability(h, levels)
    z = (k / n - p) / np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(z) < 4), z
    assert float(np.sum(z * z)) < chi2.ppf(0.999, len(levels))
    c = critical_noise(levels, k, n)
    assert c.status == 0
    assert abs(c.noise - pair_basin_noise(D, BETA)) < 3 * c.error, (c, pair_basin_noise(D, BETA))


def test_reverse_sde_to_zero_returns_with_the_posterior_weight() -> None:
    """SDE run to t_min from a noised training point: P_return = E_z[w_own(x_t)] (derived in the module)."""
    pts = pair(1.0)
    score = exact_score(pts, ve(3.0))
    levels = np.array([0.2, 0.35, 0.5, 0.8])
    tr = return_trials(score, BETA, pts, levels, 1000, np.random.SeedSequence(20261207), targets=pts, sampler="sde",
                       steps=50, stop="zero")  # fmt: skip
    k, n = tr.returned.sum(axis=0), tr.trials.sum(axis=0)
    m, e = posterior_return_probability(score, pts, [0, 1], levels, 20_000, np.random.SeedSequence(6))
    p, p_err2 = m.mean(axis=0), (e**2).sum(axis=0) / 4
    z = (k / n - p) / np.sqrt(p * (1 - p) / n + p_err2)
    assert np.all(np.abs(z) < 4), z
    assert float(np.sum(z * z)) < chi2.ppf(0.999, len(levels))
    # the posterior weight is not the half-plane: the SDE's own noise crosses the bisector (by 5 to 8 sigma here)
    assert np.all(p[1:] < pair_return_probability(0.5, levels[1:]) - 4 * np.sqrt(p[1:] * (1 - p[1:]) / n[1:]))


def test_voronoi_prediction_of_the_pair_is_the_half_plane(far_pair) -> None:
    D, pts, _, att = far_pair
    own = np.argmin(((att.x[:, None, :] - pts[None]) ** 2).sum(-1), axis=1)
    vor = voronoi_probability(att.x, own, pts, 20_000, np.random.SeedSequence(3))
    h = pair_minima(D, BETA).x
    for r in (0.3, 0.5, 1.0):
        p = float(pair_return_probability(h, r))
        assert abs(vor(r) - p) < 4 * math.sqrt(p * (1 - p) / vor.draws)
    r, err = vor.crossing(0.01, 10.0)
    assert abs(r - h / norm.ppf(0.9)) < 4 * err


def test_symmetric_memories_have_equal_energies() -> None:
    """K = 6 evenly spaced on the unit circle (spacing 1 >> sqrt(2/beta)): six memorized minima, relative energy 0."""
    th = 0.3 + 2 * np.pi * np.arange(6) / 6
    pts = np.stack([np.cos(th), np.sin(th)], axis=1)
    att = basin_attractors(exact_score(pts, ve(3.0)), BETA, pts)
    assert len(att.x) == 6 and np.all(att.kind == 0)
    assert np.all(np.abs(att.relative_energy) < 1e-12)


def test_relative_energies_reference() -> None:
    e = np.array([3.0, 1.0, 2.0, 0.5])
    rel, ground = relative_energies(e, [True, True, False, False])
    assert np.array_equal(rel, e - 1.0) and np.array_equal(ground, e - 0.5)
    rel, ground = relative_energies(e, [False] * 4)
    assert np.all(np.isnan(rel)) and np.array_equal(ground, e - 0.5)


def test_merged_pair_energy() -> None:
    """Merged pair (beta D^2 <= 2): one midpoint minimum at D^2/4 - ln(2)/beta exactly; found by the finder too."""
    D = 0.25  # beta D^2 / 2 = 0.625
    assert math.isclose(pair_energy(D, BETA), D * D / 4 - math.log(2) / BETA, rel_tol=1e-14)
    pts = pair(D)
    att = basin_attractors(exact_score(pts, ve(3.0)), BETA, pts)
    assert len(att.x) == 1 and att.kind[0] == 1 and np.allclose(att.x[0], pts.mean(axis=0), atol=1e-8)
    assert math.isclose(att.energy[0], D * D / 4 - math.log(2) / BETA, abs_tol=1e-12)
    assert np.isnan(att.relative_energy[0]) and att.ground_energy[0] == 0.0


def test_critical_noise_interpolation_and_error() -> None:
    levels = np.array([1.0, 2.0, 4.0, 8.0])
    n = np.array([100, 100, 100, 100])
    k = np.array([100, 95, 85, 40])
    c = critical_noise(levels, k, n)
    # linear in log r between (2, 0.95) and (4, 0.85): halfway, r = 2^1.5 (exact)
    assert c.status == 0 and math.isclose(c.noise, 2**1.5, rel_tol=1e-12)

    # the error is the delta method on the two bracketing points: check the derivatives by finite differences
    def cross(p1: float, p2: float) -> float:
        x1, x2 = math.log(2.0), math.log(4.0)
        return math.exp(x1 + (x2 - x1) * (p1 - 0.9) / (p1 - p2))

    eps = 1e-7
    g1 = (cross(0.95 + eps, 0.85) - cross(0.95 - eps, 0.85)) / (2 * eps)
    g2 = (cross(0.95, 0.85 + eps) - cross(0.95, 0.85 - eps)) / (2 * eps)
    pt = (np.array([95, 85]) + 0.5) / 101
    v = pt * (1 - pt) / 100
    assert math.isclose(c.error, math.sqrt(g1 * g1 * v[0] + g2 * g2 * v[1]), rel_tol=1e-6)
    assert critical_noise(levels, [80, 70, 60, 50], n).status == 1  # below the grid
    assert critical_noise(levels, [100, 99, 98, 97], n).status == 2  # above the grid
    assert critical_noise(levels, [0, 0, 0, 0], [0, 0, 0, 0]).status == 3
    assert math.isclose(curve_crossing(lambda r: float(norm.cdf(1.0 / r)), 0.01, 100.0), 1 / norm.ppf(0.9))


def test_time_at_noise() -> None:
    assert math.isclose(time_at_noise(ve(3.0), 0.6), 0.04)
    sch = vp()
    t = time_at_noise(sch, 0.5)
    assert math.isclose(float(sch.std(t) / sch.scale(t)), 0.5, rel_tol=1e-10)


def test_bad_input(far_pair) -> None:
    _, pts, score, att = far_pair
    ss = np.random.SeedSequence(1)
    with pytest.raises(ParameterError, match="increase"):
        return_trials(score, BETA, att.x, [0.5, 0.2], 4, ss)
    with pytest.raises(ParameterError, match="n_noise"):
        return_trials(score, BETA, att.x, [0.2], 0, ss)
    with pytest.raises(ParameterError, match="delta_r"):
        return_trials(score, BETA, att.x, [0.2], 4, ss, delta_r=0.0)
    with pytest.raises(ParameterError, match="stop"):
        return_trials(score, BETA, att.x, [0.2], 4, ss, stop="never")
    with pytest.raises(ParameterError, match="sampler"):
        return_trials(score, BETA, att.x, [0.2], 4, ss, sampler="euler")
    with pytest.raises(ParameterError, match="attractors"):
        return_trials(score, BETA, np.zeros((2, 3)), [0.2], 4, ss)
    with pytest.raises(ParameterError, match="beta"):
        return_trials(score, -1.0, att.x, [0.2], 4, ss)
    with pytest.raises(ParameterError, match="p_crit"):
        critical_noise([1.0, 2.0], [1, 0], [1, 1], p_crit=1.0)
    with pytest.raises(ParameterError, match="returned"):
        critical_noise([1.0, 2.0], [3, 0], [1, 1])
    with pytest.raises(ParameterError, match="own_weight"):
        basin_attractors(score, BETA, pts, own_weight=0.4)
    with pytest.raises(ParameterError, match="ExactScore"):
        basin_attractors(lambda x, t: x, BETA, pts)
    with pytest.raises(ParameterError, match="own"):
        voronoi_probability(att.x, [0, 5], pts, 10, ss)
    with pytest.raises(ParameterError, match="D"):
        pair_basin_noise(0.0, BETA)


# ---------------------------------------------------------------------------------------------- the model

RAW = {
    "model": "diffusion.basins",
    "seed": 11,
    "realizations": 1,
    "grid": {"K": [2, 8]},
    "params": {"dataset": "circle", "beta": 20.0, "n_starts": 32, "start_steps": 40, "noise_min": 0.05,
               "noise_max": 1.5, "n_levels": 6, "n_noise": 8, "max_attractors": 4, "voronoi_draws": 200,
               "max_stored": 16},
}  # fmt: skip


def test_model_realization_invariants() -> None:
    from amphase.simulate.config import resolve
    from amphase.simulate.diffusion.basins import run
    from amphase.simulate.seeding import point_seed

    p = resolve(RAW)["params"]
    for K in (2, 8):
        out = run({**p, "K": K}, point_seed(11, {"K": float(K)}, 0))
        # every tested attractor had n_noise trials at every level; the two kinds add up to what was found
        assert np.array_equal(out["trials"], np.repeat(out["n_tested"][:, None] * 8, 6, axis=1))
        assert np.all(out["returned"] <= out["trials"]) and np.all(out["n_tested"] <= out["n_attractors"])
        if K == 2 and out["n_attractors"][0] == 2:  # a symmetric pair: relative energy 0 exactly
            assert abs(out["relative_energy"][0]) < 1e-12 and abs(out["ground_energy"][0]) < 1e-12


@pytest.mark.slow
def test_model_runs_through_the_sweep_and_compares(tmp_path) -> None:
    from amphase.analysis.diffusion.basins import compare, plot, table
    from amphase.simulate.config import resolve
    from amphase.simulate.sweep import run_sweep

    ds = run_sweep(resolve(RAW), tmp_path / "b.nc", executor="serial", progress=False)
    assert np.array_equal(ds["trials"].values, (ds["n_tested"] * 8).broadcast_like(ds["trials"]).values)
    res = compare(ds)
    text = table(res)
    assert "r_basin" in text and len(text.splitlines()) == 4 + 2 * 2 + 1
    # one realization: the error of r_basin is the binomial one of that realization
    found = ds["basin_status"].isel(realization=0) == 0
    assert np.allclose(res["noise_basin_error"].where(found), ds["noise_basin_error"].isel(realization=0).where(found),
                       equal_nan=True)  # fmt: skip
    plot(res)


def test_model_check_refuses_an_empty_noise_range() -> None:
    from amphase.simulate.config import resolve
    from amphase.simulate.diffusion.basins import check

    p = resolve(RAW)["params"]
    with pytest.raises(ParameterError, match="noise_min"):
        check({**p, "K": 2, "noise_min": 1.0, "noise_max": 0.5})
