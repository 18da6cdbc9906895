"""Comparisons of diffusion.collapse and diffusion.clones datasets with Biroli et al. 2024: exact bookkeeping on
hand-made datasets, and one small sweep of each model through the runner, compare, table and figure."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from amphase.analysis.diffusion.regimes import (
    SPECIATION_LEVEL,
    compare_clones,
    compare_collapse,
    plot_clones,
    plot_collapse,
    table_clones,
    table_collapse,
)
from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.sweep import run_sweep
from amphase.theory.diffusion.regimes import clone_probability, collapse_time


def _collapse_ds(rev: np.ndarray, fwd: np.ndarray, fe: np.ndarray, et: np.ndarray) -> xr.Dataset:
    """One grid point (n = 16, d = 8), R realizations: rev, fwd (R, 2, B); fe (R, E)."""
    ds = xr.Dataset(
        {
            "t_collapse": (("n", "realization", "condition", "trajectory"), rev[None]),
            "t_collapse_forward": (("n", "realization", "condition", "trajectory"), fwd[None]),
            "excess_entropy": (("n", "realization", "entropy_time"), fe[None]),
        },
        coords={"n": [16], "condition": ["nearest", "weight"], "entropy_time": et},
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
    assert float(res["missing"][0, w]) == pytest.approx(1 / (R * B))
    assert float(res["t_C_theory"][0]) == collapse_time(16, 8, 1.0)
    dev = (med.mean() - collapse_time(16, 8, 1.0)) / (med.std(ddof=1) / math.sqrt(R))
    assert float(res["deviation"][0]) == pytest.approx(dev)
    # d f^e = ln 2, i.e. f^e/alpha = ln 2/ln 16 = 0.25, crosses between t = 0.2 (0.1) and 0.4 (0.5), linearly in
    # log t: log t = log 0.2 + (0.25 - 0.1)/0.4 log 2
    assert float(res["t_entropy"][0]) == pytest.approx(0.2 * 2 ** (0.15 / 0.4))
    row = table_collapse(res).splitlines()[4].split()
    assert row[:4] == ["8", "16", f"{alpha:.3f}", f"{collapse_time(16, 8, 1.0):.3f}"]


def test_clone_comparison_counts_binomial_deviations() -> None:
    ratio = np.array([0.5, 1.0, 1.5])
    d, N = 16, 1000
    t_s = 0.5 * math.log(17.0)
    t = ratio * t_s
    th = np.array([clone_probability(x, d, 1.0, 1.0).phi for x in t])
    k = np.round(th * N).astype(np.int32)
    k[2] += 20  # one time off by 20 pairs
    half = np.stack([k // 2, k - k // 2])  # two realizations of 500 pairs
    ds = xr.Dataset(
        {
            "n_same": (("realization", "t_ratio"), half),
            "n_pairs": (("realization",), np.array([N // 2, N // 2], dtype=np.int32)),
            "t_branch": (("realization", "t_ratio"), np.stack([t, t])),
            "sign_error_bound": (("realization",), np.array([3e-5, 3e-5])),
        },
        coords={"t_ratio": ratio},
    )
    ds.attrs.update(param_d=d, param_m=1.0, param_sigma=1.0)
    res = compare_clones(ds)
    phi = k / N
    assert np.allclose(res["phi"][0], phi)
    assert np.allclose(res["phi_error"][0], np.sqrt(phi * (1 - phi) / N))
    z = (phi - th) / np.sqrt(th * (1 - th) / N)
    assert np.allclose(res["deviation"][0], z)
    assert float(res["chi2"][0]) == pytest.approx(float(np.sum(z**2)))
    assert float(res["t_S"][0]) == pytest.approx(t_s)
    # the theory crossing of 0.775 solves phi(t) = 0.775 at this d
    assert clone_probability(float(res["t_cross_theory"][0]), d, 1.0, 1.0).phi == pytest.approx(SPECIATION_LEVEL)
    assert "chi2" in table_clones(res)


def test_missing_variables_are_refused() -> None:
    with pytest.raises(ParameterError, match="t_collapse"):
        compare_collapse(xr.Dataset())
    with pytest.raises(ParameterError, match="n_same"):
        compare_clones(xr.Dataset())


@pytest.fixture(scope="module")
def collapse_run(tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    raw = {"model": "diffusion.collapse", "seed": 4, "realizations": 2, "grid": {"d": [4, 8], "n": [8, 32]},
           "params": {"n_traj": 48, "steps": 80, "n_entropy": 8, "n_draws": 64}}  # fmt: skip
    return run_sweep(resolve(raw), tmp_path_factory.mktemp("c") / "c.nc", executor="serial", progress=False)


def test_collapse_sweep_compares_and_plots(collapse_run: xr.Dataset) -> None:
    res = compare_collapse(collapse_run)
    assert res.sizes["point"] == 4
    assert np.allclose(res["t_C_theory"], [collapse_time(n, d, 1.0) for d in (4, 8) for n in (8, 32)])
    assert np.isfinite(res["median"]).all() and np.isfinite(res["fwd_median"]).all()
    text = table_collapse(res).splitlines()
    assert len(text) == 4 + 4 + 1 + 1  # and the warning: errors over R = 2 realizations (issue 17)
    assert text[-1].startswith("# warning: the errors (and dev) from R = 2 realizations (1 degree of freedom)")
    assert plot_collapse(res, "t") is not None


def test_clones_sweep_compares_and_plots(tmp_path) -> None:
    raw = {"model": "diffusion.clones", "seed": 4, "realizations": 2, "grid": {"d": [8, 16]},
           "params": {"n_pairs": 50, "steps": 100, "t_max": 4.0, "n_times": 3}}  # fmt: skip
    ds = run_sweep(resolve(raw), tmp_path / "k.nc", executor="serial", progress=False)
    res = compare_clones(ds)
    assert res.sizes["point"] == 2 and res.sizes["t_ratio"] == 4
    assert np.all(res["pairs"] == 100)
    assert plot_clones(res, "t") is not None
