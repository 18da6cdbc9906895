"""Comparison of diffusion.collapse datasets with Biroli et al. 2024 (analysis/diffusion/collapse.py): exact
bookkeeping on hand-made datasets, and one small sweep through the runner, compare, table and figure."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from amphase.analysis.diffusion.collapse import compare_collapse, median_error, plot_collapse, table_collapse
from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.diffusion.gaussian_sets import gaussian_points
from amphase.simulate.diffusion.schedules import ou
from amphase.simulate.seeding import point_seed
from amphase.simulate.sweep import run_sweep
from amphase.theory.diffusion.regimes import collapse_time


def _collapse_ds(rev: np.ndarray, fwd: np.ndarray, fe: np.ndarray, et: np.ndarray) -> xr.Dataset:
    """One grid point (K = 16, d = 8), R realizations: rev, fwd (R, 2, B); fe (R, E)."""
    ds = xr.Dataset(
        {
            "t_collapse": (("K", "realization", "condition", "trajectory"), rev[None]),
            "t_collapse_forward": (("K", "realization", "condition", "trajectory"), fwd[None]),
            "excess_entropy": (("K", "realization", "entropy_time"), fe[None]),
        },
        coords={"K": [16], "condition": ["nearest", "weight"], "entropy_time": et},
    )
    ds.attrs.update(param_d=8, param_sigma=1.0, param_t_max=4.0, param_threshold=0.5, title="hand-made")
    return ds


def test_collapse_statistics_are_taken_per_realization() -> None:
    rng = np.random.default_rng(0)
    R, B = 3, 5
    rev = rng.uniform(0.1, 1.0, (R, 2, B))
    fwd = rng.uniform(0.1, 1.0, (R, 2, B))
    rev[0, 1, 0] = np.nan  # a trajectory whose condition failed at the end
    et = np.array([0.1, 0.2, 0.4, 0.8])
    alpha = math.log(16) / 8
    fe = np.tile(alpha * np.array([0.0, 0.1, 0.5, 0.9]), (R, 1))
    res = compare_collapse(_collapse_ds(rev, fwd, fe, et))
    w = list(res.condition.values).index("weight")
    med = np.array([np.nanmedian(rev[r, 1]) for r in range(R)])
    assert float(res["median"][0, w]) == pytest.approx(med.mean())
    assert float(res["median_error"][0, w]) == pytest.approx(med.std(ddof=1) / math.sqrt(R))
    means = np.array([np.nanmean(rev[r, 0]) for r in range(R)])
    assert float(res["mean"][0, 1 - w]) == pytest.approx(means.mean())
    diff = np.array([np.nanmedian(rev[r, 1]) - np.median(fwd[r, 1]) for r in range(R)])
    assert float(res["diff_median"][0, w]) == pytest.approx(diff.mean())
    within = sum(median_error(rev[r, 1]) ** 2 + median_error(fwd[r, 1]) ** 2 for r in range(R))
    assert float(res["diff_median_error"][0, w]) == pytest.approx(math.sqrt(within) / R)
    assert float(res["missing"][0, w]) == pytest.approx(1 / (R * B))
    assert float(res["t_C_theory"][0]) == collapse_time(16, 8, 1.0)
    dev = (med.mean() - collapse_time(16, 8, 1.0)) / (med.std(ddof=1) / math.sqrt(R))
    assert float(res["deviation"][0]) == pytest.approx(dev)
    # d f^e = ln 2, i.e. f^e/alpha = ln 2/ln 16 = 0.25, crosses between t = 0.2 (0.1) and 0.4 (0.5), linearly in
    # log t: log t = log 0.2 + (0.25 - 0.1)/0.4 log 2
    assert float(res["t_entropy"][0]) == pytest.approx(0.2 * 2 ** (0.15 / 0.4))
    row = table_collapse(res).splitlines()[5].split()
    assert row[:4] == ["8", "16", f"{alpha:.3f}", f"{collapse_time(16, 8, 1.0):.3f}"]
    assert row[4] == "nan"  # a dataset from before the quenched crossing: NaN, not an error
    # the quenched crossing: mean and standard error over realizations
    ds = _collapse_ds(rev, fwd, fe, et)
    tq = np.array([0.40, 0.43, 0.37])
    ds["t_quenched"] = (("K", "realization"), tq[None])
    res = compare_collapse(ds)
    assert float(res["t_quenched"][0]) == pytest.approx(tq.mean())
    assert float(res["t_quenched_error"][0]) == pytest.approx(tq.std(ddof=1) / math.sqrt(R))


def test_median_error_is_the_scatter_of_the_median() -> None:
    # the distribution-free error against the actual scatter of medians of B = 200 normal values (asymptotically
    # sqrt(pi/2)/sqrt(B) = 0.0886), over 400 samples: mean error within 5 %, pulls of standard deviation 1 within
    # 3 x its own error 1/sqrt(2 x 400)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((400, 200))
    err = np.array([median_error(row) for row in x])
    assert err.mean() == pytest.approx(math.sqrt(math.pi / 2 / 200), rel=0.05)
    pulls = np.median(x, axis=1) / err
    assert abs(pulls.std() - 1) < 3 / math.sqrt(800)
    assert math.isnan(median_error(np.array([1.0, np.nan, 2.0])))


@pytest.fixture(scope="module")
def collapse_run(tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    raw = {"model": "diffusion.collapse", "seed": 4, "realizations": 2, "grid": {"d": [4, 8], "K": [8, 32]},
           "params": {"n_traj": 48, "steps": 80, "n_entropy": 8, "n_draws": 64, "n_test": 64}}  # fmt: skip
    return run_sweep(resolve(raw), tmp_path_factory.mktemp("c") / "c.nc", executor="serial", progress=False)


def test_collapse_sweep_compares_and_plots(collapse_run: xr.Dataset) -> None:
    res = compare_collapse(collapse_run)
    assert res.sizes["point"] == 4
    assert np.allclose(res["t_C_theory"], [collapse_time(n, d, 1.0) for d in (4, 8) for n in (8, 32)])
    assert np.isfinite(res["median"]).all() and np.isfinite(res["fwd_median"]).all()
    assert np.isfinite(res["t_quenched"]).all()
    text = table_collapse(res)
    for name in ("annealed", "quenched", "nearest-neighbour", "forward paths", "w* = 0.25 / 0.5 / 0.75"):
        assert name in text  # every estimator is named
    lines = text.splitlines()
    assert len(lines) == 5 + 4 + 4 + 1  # and the warning: errors over R = 2 realizations (issue 17)
    assert lines[-1].startswith("# warning: the errors (and dev) from R = 2 realizations (1 degree of freedom)")
    assert plot_collapse(res, "t") is not None


def test_weight_band_orders_every_trajectory(collapse_run: xr.Dataset) -> None:
    # exact: a weight above 3/4 from some time on is above 1/2 and above 1/4 from then on, so per trajectory
    # t(3/4) <= t(1/2) <= t(1/4), for the reverse SDE and the forward paths alike
    for var in ("t_collapse", "t_collapse_forward"):
        t = collapse_run[var]
        lo, mid, hi = (t.sel(condition=c).values for c in ("weight_low", "weight", "weight_high"))
        ok = np.isfinite(lo) & np.isfinite(mid) & np.isfinite(hi)
        assert ok.mean() > 0.95
        assert np.all(hi[ok] <= mid[ok] + 1e-12) and np.all(mid[ok] <= lo[ok] + 1e-12)
        assert np.mean(hi[ok] < lo[ok]) > 0.5  # the band has a width


def _two_point_weight_times(a: float, times: np.ndarray, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    """Weight-1/2 collapse times of exact forward paths for two training points at half-distance ``a``.

    Written independently of amphase: only the coordinate y along the line through the two points (from their
    midpoint) matters; it is a 1-d Ornstein-Uhlenbeck process started at ``a`` (exact Gaussian transitions on the grid),
    the final point is the side of y at the last (smallest) time, its log weight is -log(1 + exp(-2 s a y side/Delta)),
    and the commit time is interpolated linearly in t between the last recorded time where the weight is above 1/2
    and the next one (the rule of amphase.simulate.diffusion.regimes.commit_time).
    """
    ts = times[::-1]  # increasing time
    s, var = np.exp(-ts), -np.expm1(-2 * ts)
    y = np.empty((ts.size, n_paths))
    y[0] = s[0] * a + np.sqrt(var[0]) * rng.standard_normal(n_paths)
    for k in range(1, ts.size):
        r = s[k] / s[k - 1]
        y[k] = r * y[k - 1] + np.sqrt(var[k] - r * r * var[k - 1]) * rng.standard_normal(n_paths)
    level = math.log(0.5)
    lw = -np.logaddexp(0.0, -2 * (s * a / var)[:, None] * np.sign(y[0]) * y)
    fail = lw <= level
    first = np.where(fail.any(axis=0), fail.argmax(axis=0), -1)  # first failing time, counted upwards
    out = np.full(n_paths, ts[-1])  # never fails: committed from t_max on
    m = first > 0
    k, cols = first[m], np.flatnonzero(m)
    lw1, lw0 = lw[k - 1, cols], lw[k, cols]
    out[m] = ts[k - 1] + np.clip((lw1 - level) / (lw1 - lw0), 0, 1) * (ts[k] - ts[k - 1])
    return out


def test_two_point_collapse_median_is_the_exact_first_passage_median(tmp_path) -> None:
    """The collapse-time median of the comparison, for n = 2, against an independent exact computation.

    For two training points the weight rule at 1/2 is the first passage (forward in time) of a 1-d
    Ornstein-Uhlenbeck coordinate through 0, read on the recorded grid: :func:`_two_point_weight_times` draws it
    exactly, 10 000 paths per training set. The comparison's median (mean over realizations of the per-realization
    medians) must agree for the exact forward paths and for the reverse SDE within 4 standard errors of a median,
    1/(2 f sqrt(B)) per realization with f the reference density there. The same grid points read the continuous
    law erfc(a/sqrt(2(e^(2t) - 1))) 10-16 % lower (the grid misses excursions): the test needs the grid's own law.
    """
    R, B, steps, d = 1, 2000, 300, 4
    raw = {"model": "diffusion.collapse", "seed": 7, "realizations": R, "grid": {"K": [2], "d": [d]},
           "params": {"n_traj": B, "steps": steps, "n_entropy": 0, "n_test": 0}}  # fmt: skip
    config = resolve(raw)
    ds = run_sweep(config, tmp_path / "two.nc", executor="serial", progress=False)
    res = compare_collapse(ds)
    w = list(res.condition.values).index("weight")
    times = ou(t_min=config["params"]["t_min"], t_max=config["params"]["t_max"]).time_grid(steps, spacing="log")
    refs, var = [], 0.0
    for r in range(R):
        data = gaussian_points(2, d, 1.0, point_seed(7, {"n": 2, "d": d}, r))
        ref = _two_point_weight_times(0.5 * float(np.linalg.norm(data[0] - data[1])), times, 10_000,
                                      np.random.default_rng(100 + r))  # fmt: skip
        m = float(np.median(ref))
        h = 0.05 * m
        f = (np.mean(ref <= m + h) - np.mean(ref <= m - h)) / (2 * h)
        refs.append(m)
        var += 1.0 / (4 * f * f * B) + 1.0 / (4 * f * f * ref.size)
    se = math.sqrt(var) / R
    for name in ("median", "fwd_median"):
        got = float(res[name][0, w])
        assert abs(got - np.mean(refs)) < 4 * se, (name, got, np.mean(refs), se)
    # n = 2: weight > 1/2 is the nearest-neighbour condition, so the weight time is the nearest one moved up by less
    # than one grid step (interpolation), per trajectory
    step = math.exp(float(ds["t_grid_step"].max()))
    for var_ in ("t_collapse", "t_collapse_forward"):
        nearest = ds[var_].sel(condition="nearest").values
        weight = ds[var_].sel(condition="weight").values
        assert np.all(weight >= nearest - 1e-12) and np.all(weight <= nearest * step + 1e-12)


def test_missing_variables_are_refused() -> None:
    with pytest.raises(ParameterError, match="t_collapse"):
        compare_collapse(xr.Dataset())
