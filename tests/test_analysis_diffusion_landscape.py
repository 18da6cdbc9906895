"""The circle toy (diffusion.landscape): exact limits, the ring radius against theory, the comparison and its figure."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from amphase.analysis.diffusion import landscape
from amphase.analysis.diffusion.landscape import compare, plot, table, theory_at
from amphase.analysis.figures import save_figure
from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.diffusion.exact import training_points
from amphase.simulate.diffusion.landscape import DEFAULTS, run
from amphase.simulate.seeding import point_seed
from amphase.simulate.sweep import run_sweep
from amphase.theory.dense import circle_minima
from amphase.theory.lse_circle_profile import circle_ring_spread
from amphase.theory.lse_landscape import circle_ring, pair_minima
from amphase.theory.lse_merging import own_gain

FAST = {"starts": 10, "energy_grid": 16, "max_stored": 200}

RAW = {
    "model": "diffusion.landscape",
    "seed": 5,
    "realizations": 3,
    "grid": {"K": [2, 9], "t": [0.05, 0.15]},
    "params": FAST,
}


def _params(**kw: float) -> dict:
    return {**DEFAULTS, **FAST, **kw}


def test_two_far_points_are_the_two_attractors_exactly() -> None:
    # Two points at distance D: the minima lie on their axis at (D/2) u from the midpoint, u = tanh(beta D^2 u / 2)
    # (exact, amphase.theory.lse_landscape.pair_minima); for D ~ 1 at beta = 10 they are the training points to
    # (D/2)(1 - u) ~ e^{-beta D^2}. Across the axis the Hessian is 2, along it 2 - beta D^2 (1 - u^2).
    for r in range(20):  # the first realization whose two points are far apart: beta D^2 / 2 > 5 (merging at 1)
        seed = point_seed(1, {"K": 2.0, "t": 0.05}, r)
        pts, _ = training_points({"dataset": "circle", "even": 0, "K": 2}, seed)
        D = float(np.linalg.norm(pts[1] - pts[0]))
        if D > 1.0:
            break
    assert D > 1.0
    beta = 10.0
    out = run(_params(K=2, t=0.05), seed)
    assert int(out["n_attractors"]) == 2 and int(out["n_own"]) == 2 and int(out["n_unowned"]) == 0
    assert int(out["n_memorized"]) == 2 and int(out["n_stalled"]) == 0
    att = out["fp_kind"] == 0
    x = out["fp_x"][att]
    pm = pair_minima(D, beta)
    mid, e = pts.mean(axis=0), (pts[1] - pts[0]) / D
    want = np.stack([mid - pm.x * e, mid + pm.x * e])
    order = np.argsort(x @ e)
    np.testing.assert_allclose(x[order], want, rtol=0, atol=1e-6)  # fixed-point tolerance 1e-7 x scale
    np.testing.assert_allclose(np.sort(out["fp_d_train"][att] * out["data_scale"]), [D / 2 - pm.x] * 2, atol=1e-6)
    eig = np.sort(out["fp_eig"][att], axis=1)
    np.testing.assert_allclose(eig, [[pm.curvature, 2.0]] * 2, atol=1e-4)
    assert pm.curvature < 2.0  # the along-axis curvature is the smaller one


def test_ring_spread_formula_against_radial_roots_of_random_sets() -> None:
    # The radial root r*(0) of E_r = 0 at a fixed angle, for many random sets: its rms deviation from R is sigma of
    # circle_ring_spread (first order in K^-1/2). Error bar of the sample rms from its own fourth moment.
    K, beta, n = 2000, 10.0, 400
    rng = np.random.default_rng(20251207)
    c = np.cos(rng.uniform(0, 2 * np.pi, (n, K)))
    R = circle_ring(beta).R
    r = np.full(n, R)
    for _ in range(40):  # contraction rate 1 - E''/2 ~ 0.03 at beta = 10
        w = np.exp(2 * beta * r[:, None] * (c - 1))
        r = (c * w).sum(axis=1) / w.sum(axis=1)
    dr2 = (r - R) ** 2
    rms = math.sqrt(dr2.mean())
    se = dr2.std(ddof=1) / math.sqrt(n) / (2 * rms)
    sigma = circle_ring_spread(K, beta).sigma
    assert abs(rms - sigma) < 3 * se + sigma / math.sqrt(K)  # 3 s.e. + the first neglected order


def test_large_K_attractors_sit_on_the_ring_at_the_predicted_offset() -> None:
    # K = 1000 random points at t = 0.05 (beta = 10): every attractor is owned by no point and lies at radius
    # R(beta) + offset, with the spread sigma_minima of circle_ring_spread (offset ~ 1.25 sigma: the minima sit
    # outside R). Mean over the attractors of 4 realizations within 3 standard errors (sigma_minima / sqrt(n))
    # plus the first neglected order (relative K^-1/2 of the offset); each attractor within R + offset +- 5 sigma.
    K, t = 1000, 0.05
    beta = 0.5 / t
    R = circle_ring(beta).R
    sp = circle_ring_spread(K, beta)
    radii = []
    for r in range(4):
        out = run(_params(K=K, t=t, starts=16), point_seed(3, {"K": float(K), "t": t}, r))
        att = out["fp_kind"] == 0
        assert int(out["n_own"]) == 0 and int(out["n_attractors"]) == att.sum() >= 1
        radii.extend(np.hypot(*out["fp_x"][att].T))
    radii = np.asarray(radii)
    assert np.all(np.abs(radii - R - sp.offset) < 5 * sp.sigma_minima)
    n = len(radii)
    assert abs(radii.mean() - R - sp.offset) < 3 * sp.sigma_minima / math.sqrt(n) + sp.offset / math.sqrt(K)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    return run_sweep(resolve(RAW), tmp_path_factory.mktemp("toy") / "toy.nc", executor="serial", progress=False)


DRAWS = 200  # Monte Carlo draws of the ring-profile model in these tests (the comparison's default: 2000)


@pytest.fixture(scope="module")
def res(tiny: xr.Dataset) -> xr.Dataset:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(landscape, "THEORY_DRAWS", DRAWS)
        return compare(tiny)


def test_comparison_counts_are_the_stored_means(tiny: xr.Dataset, res: xr.Dataset) -> None:
    for v in ("n_own", "n_unowned", "n_memorized", "n_spurious", "n_attractors"):
        a = tiny[v].astype(float)
        np.testing.assert_array_equal(res[v].values, a.mean("realization").values)
        np.testing.assert_allclose(res[f"{v}_error"].values, a.std("realization", ddof=1).values / math.sqrt(3))
    # the two rules count the same attractors
    np.testing.assert_array_equal((tiny.n_own + tiny.n_unowned).values, tiny.n_attractors.values)
    np.testing.assert_array_equal((tiny.n_memorized + tiny.n_spurious).values, tiny.n_attractors.values)
    # the counts are those of the stored fixed points (fewer than max_attractors here)
    kind = tiny["fp_kind"]
    own = tiny["fp_weight"] > 0.6
    np.testing.assert_array_equal(((kind == 0) & own).sum("fixed_point").values, tiny.n_own.values)
    # nested training sets: the 2 points are the first 2 of the 9, at every t
    tx = tiny["train_x"]
    np.testing.assert_array_equal(tx.sel(K=2, t=0.05).isel(train_point=slice(0, 2)).values,
                                  tx.sel(K=9, t=0.15).isel(train_point=slice(0, 2)).values)  # fmt: skip
    for K in (2, 9):
        for t in (0.05, 0.15):
            th = theory_at(K, 0.5 / t, 0.6, draws=DRAWS)
            assert float(res["theory_own"].sel(K=K, t=t)) == th["theory_own"]
            assert float(res["R_theory"].sel(K=K, t=t)) == circle_ring(0.5 / t).R
    text = table(res)
    row = next(line for line in text.splitlines() if line.split()[:1] == ["9"])  # first block: t = 0.05
    m, e = float(res.n_own.sel(K=9, t=0.05)), float(res.n_own_error.sel(K=9, t=0.05))
    assert row.split()[1] == f"{m:.2f}±{e:.2f}"
    assert "beta = 10" in text and "beta = 3.333" in text


def test_fixed_parameters_are_read_from_scalar_coordinates(tiny: xr.Dataset, res: xr.Dataset) -> None:
    """Without the ``param_X`` attributes (the layout after issue 18) the comparison is the same."""
    assert "own_weight" in tiny.coords and tiny["own_weight"].ndim == 0
    new = tiny.copy()
    new.attrs = {k: v for k, v in tiny.attrs.items() if not k.startswith("param_")}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(landscape, "THEORY_DRAWS", DRAWS)
        again = compare(new)
    xr.testing.assert_identical(again, res)
    assert [n for n, c in res.coords.items() if c.ndim == 0] == ["realization"]  # the figure's realization 0 only


def test_two_point_counts_follow_the_pair_rule_realization_by_realization(tiny: xr.Dataset) -> None:
    # K = 2 (exact for an isolated pair, pair_minima / own_gain): g = beta D^2 / 2; g <= 1 one minimum at the
    # midpoint (owned by neither: spurious), 1 < g <= own_gain(0.6) = 1.0137 two unowned, above it two owned
    d = tiny.sel(K=2)
    x = d["train_x"].isel(train_point=slice(0, 2)).values  # (t, realization, 2, 2)
    D = np.linalg.norm(x[..., 1, :] - x[..., 0, :], axis=-1)
    g = (0.5 / d["t"].values)[:, None] * D * D / 2
    assert np.all(np.abs(g - 1) > 0.05)  # no pair at the pitchfork, where the iteration would crawl
    assert int(d["n_stalled"].max()) == 0
    np.testing.assert_array_equal(d["n_attractors"].values, np.where(g > 1, 2, 1))
    np.testing.assert_array_equal(d["n_own"].values, np.where(g > own_gain(0.6), 2, 0))


def test_figure_has_one_panel_per_K_and_t(tiny: xr.Dataset, res: xr.Dataset, tmp_path) -> None:
    fig = plot(res, "tiny")
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert len(axes) == 4
    first = tiny.isel(realization=0).sel(K=9, t=0.05)
    att = first.fp_kind.values == 0
    own = first.fp_weight.values > 0.6
    want = f"K = 9, t = 0.05 (beta = 10)\n{(att & own).sum()} memorized, {(att & ~own).sum()} spurious"
    assert want in [ax.get_title() for ax in axes]
    save_figure(fig, tmp_path / "toy.png")
    assert (tmp_path / "toy.png").stat().st_size > 10_000


def test_bad_input_is_refused() -> None:
    for grid, params, match in (
        ({"t": [0.0]}, {}, r"t=0 .*0 < t <= 1"),
        ({"t": [1.5]}, {}, r"t=1.5 .*0 < t <= 1"),
        ({"K": [0]}, {}, r"K=0 .*1 <= integer K"),
        ({}, {"lim": 0.9}, r"lim=0.9.*lim > 1"),
        ({}, {"starts": 0}, r"starts=0 .*1 <= integer starts"),
        ({}, {"own_weight": 0.4}, r"own_weight=0.4 .*0.5 < own_weight < 1"),
    ):
        raw = {"model": "diffusion.landscape", "grid": {"K": [2], "t": [0.1], **grid}, "params": params}
        with pytest.raises(ParameterError, match=match):
            resolve(raw)
    with pytest.raises(ParameterError, match="lacks"):
        compare(xr.Dataset({"n_own": ("K", [1])}))
    with pytest.raises(ValueError, match="K="):
        circle_ring_spread(0, 10.0)
    assert all(math.isnan(v) for v in circle_ring_spread(10, 0.5))  # no ring below beta = 1
    below = theory_at(9, 0.8, 0.6, draws=DRAWS)
    assert math.isnan(below["theory_own"]) and below["R_theory"] == 0.0


@pytest.mark.slow
def test_nine_point_counts_agree_with_the_ring_profile_model() -> None:
    # K = 9 random points at t = 0.05 and 0.15 (beta = 10, 3.33): the mean numbers of own and spurious attractors
    # over 200 independent realizations against the ring-profile model (4000 Monte Carlo draws), within 3 combined
    # standard errors (of the realizations' spread and of the Monte Carlo). ~30 s.
    for t in (0.05, 0.15):
        own, spur = [], []
        for r in range(200):
            out = run(_params(K=9, t=t, starts=30), point_seed(99, {"K": 9.0, "t": t}, r))
            own.append(int(out["n_own"]))
            spur.append(int(out["n_unowned"]))
        th = circle_minima(0.5 / t, 9, draws=4000)
        for meas, name in ((np.array(own), "own"), (np.array(spur), "spurious")):
            se = math.hypot(meas.std(ddof=1) / math.sqrt(len(meas)), th[f"{name}_error"])
            assert abs(meas.mean() - th[name]) < 3 * se, (t, name, meas.mean(), th[name], se)
