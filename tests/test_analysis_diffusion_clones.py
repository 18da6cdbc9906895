"""Comparison of diffusion.clones datasets with Biroli et al. 2024 (analysis/diffusion/clones.py): exact bookkeeping
on a hand-made dataset, and one small sweep through the runner, compare, table and figure."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from amphase.analysis.diffusion.clones import SPECIATION_LEVEL, compare_clones, plot_clones, table_clones
from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.sweep import run_sweep
from amphase.theory.diffusion.regimes import clone_probability


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


def test_clones_sweep_agrees_with_theory_within_binomial_errors(tmp_path) -> None:
    # the pooled pairs are independent: chi^2 of the binomial deviations over the 4 branching times of each d
    raw = {"model": "diffusion.clones", "seed": 4, "realizations": 2, "grid": {"d": [8, 16]},
           "params": {"n_pairs": 300, "steps": 100, "t_max": 4.0, "n_times": 3}}  # fmt: skip
    ds = run_sweep(resolve(raw), tmp_path / "k.nc", executor="serial", progress=False)
    res = compare_clones(ds)
    assert res.sizes["point"] == 2 and res.sizes["t_ratio"] == 4
    assert np.all(res["pairs"] == 600)
    for i in range(2):
        th = res["phi_theory"].values[i]
        z = (res["phi"].values[i] - th) / np.sqrt(th * (1 - th) / 600)
        assert np.allclose(res["deviation"].values[i], z)
        assert stats.chi2.sf(np.sum(z**2), z.size) > 1e-3, z
    assert plot_clones(res, "t") is not None


def test_missing_variables_are_refused() -> None:
    with pytest.raises(ParameterError, match="n_same"):
        compare_clones(xr.Dataset())
