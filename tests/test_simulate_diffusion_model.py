"""The diffusion.exact model through the sweep runner: known limits, worker-count independence, comparison, store."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from amphase.analysis.diffusion.compare import compare, plot, table
from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.diffusion.model import run, training_points
from amphase.simulate.diffusion.store import open_samples, write_samples
from amphase.simulate.seeding import point_seed
from amphase.simulate.sweep import run_sweep

RAW = {
    "model": "diffusion.exact",
    "seed": 7,
    "realizations": 2,
    "grid": {"K": [1, 2, 16]},
    "params": {"dataset": "circle", "even": 1, "beta": 20.0, "n_samples": 24, "steps": 30, "delta_m": 0.005,
               "delta_s": 1e-4, "tol": 1e-8, "max_steps": 500, "max_stored": 8},
}  # fmt: skip


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> xr.Dataset:
    return run_sweep(resolve(RAW), tmp_path_factory.mktemp("d") / "s.nc", executor="serial", progress=False)


def test_limits(serial: xr.Dataset) -> None:
    c = serial["count"]
    assert int(c.sum("class").min()) == 24 and int(c.sum("class").max()) == 24
    # K = 1 and 2 (diametrically opposite, far beyond the merging distance sqrt(2/beta)): every sample descends onto
    # a training point
    assert int(c.sel(K=1, **{"class": "memorized"}).min()) == 24
    assert int(c.sel(K=2, **{"class": "memorized"}).min()) == 24
    # K = 16 evenly spaced at beta = 20: the minima sit at radius r < 1 on each point's ray, farther than delta_m
    # from the points: none memorized; at most 16 distinct recurring end points (spurious or, if reached once,
    # generalized by the delta_s rule at n = 24)
    assert int(c.sel(K=16, **{"class": "memorized"}).max()) == 0
    assert int(serial["n_spurious_attractors"].sel(K=16).max()) <= 16
    x = serial["sample_x"].sel(K=2)
    assert np.all(np.abs(np.sqrt((x**2).sum("coord")) - 1) < 1e-6)


def test_independent_of_workers(serial: xr.Dataset, tmp_path) -> None:
    par = run_sweep(resolve(RAW), tmp_path / "p.nc", executor="processes", workers=2, progress=False)
    for v in ("count", "sample_x", "sample_class", "train_x"):
        assert np.array_equal(serial[v].values, par[v].values, equal_nan=True)


def test_nested_training_sets() -> None:
    p = {**resolve(RAW)["params"], "even": 0}
    a, sa = training_points({**p, "K": 5}, point_seed(7, {"K": 5.0}, 0))
    b, sb = training_points({**p, "K": 40}, point_seed(7, {"K": 40.0}, 0))
    assert np.array_equal(b[:5], a) and sa == sb  # one stream per realization, whatever K; the scale too


def test_comparison(serial: xr.Dataset) -> None:
    res = compare(serial)
    f = res["fraction"]
    assert np.allclose(f.sum("class"), 1.0)
    assert float(f.sel(K=2, **{"class": "memorized"})) == 1.0
    assert float(res["fraction_error"].sel(K=2, **{"class": "memorized"})) == 0.0  # identical realizations: no spread
    assert int(res["K_peak"]) == 16
    assert "realizations" in table(res) and res.attrs["error_method"].startswith("standard deviation")
    assert math.isnan(float(res["K_onset_theory"])) or float(res["K_onset_theory"]) > 0
    plot(res, "t")
    with pytest.raises(ParameterError, match="K as a grid"):
        compare(serial.isel(K=0, drop=True))


def test_check_rejects_stop_beyond_t_max() -> None:
    raw = {**RAW, "params": {**RAW["params"], "beta": 0.01}}  # 1/(2 sigma^2 t_max) = 1/18 > 0.01
    with pytest.raises(ParameterError, match="beta"):
        run_sweep(resolve(raw), "/tmp/never.nc", executor="serial", progress=False)


def test_run_protocol_denoise() -> None:
    p = {**resolve(RAW)["params"], "K": 2, "protocol": "denoise"}
    out = run(p, point_seed(1, {"K": 2.0}, 0))
    # at beta = 20 two opposite points are 2 apart: the denoiser's weights are one-hot to ~exp(-40): memorized
    assert int(out["count"][0]) == 24 and int(out["n_unconverged"]) == 0


def test_sample_store(tmp_path) -> None:
    x = np.random.default_rng(0).standard_normal((1000, 3))
    write_samples(tmp_path / "s.zarr", x, labels=np.zeros(1000), chunk=128, attrs={"K": 5})
    ds = open_samples(tmp_path / "s.zarr")
    assert ds["x"].chunks[0][0] == 128 and np.array_equal(ds["x"].values, x) and ds.attrs["K"] == 5
    with pytest.raises(ParameterError, match="exists"):
        write_samples(tmp_path / "s.zarr", x)
    with pytest.raises(ParameterError, match="labels"):
        write_samples(tmp_path / "t.zarr", x, labels=np.zeros(3))


def test_curvature_rule_labels_the_flat_ring_generalized(tmp_path) -> None:
    # K = 64 evenly spaced at beta = 20: the merged ring's ripple is exponentially small (tangential eigenvalue
    # ~1e-8), so with the curvature rule every end point is on a flat attractor and generalized, whatever tol; K = 2
    # opposite points keep the bare curvature 2 (nothing flat) and stay memorized; the stored spectra say why
    raw = {**RAW, "realizations": 1, "grid": {"K": [2, 64]}, "params": {**RAW["params"], "spread": 0.5}}
    ds = run_sweep(resolve(raw), tmp_path / "f.nc", executor="serial", progress=False)
    c = ds["count"].isel(realization=0)
    assert int(c.sel(K=64, **{"class": "generalized"})) == 24
    assert int(c.sel(K=2, **{"class": "memorized"})) == 24
    assert np.array_equal(ds["flat_count"].isel(realization=0).sel(K=64).values, [0, 0, 24])
    lam = float(ds["lam_flat"].isel(realization=0, K=0))
    assert lam == pytest.approx(1.0 / (20.0 * 0.25 * float(ds["data_scale"].isel(realization=0, K=0)) ** 2))
    ev = ds["sample_eig"].isel(realization=0)
    assert float(np.abs(ev.sel(K=64).min("coord")).max()) < 1e-6 < lam
    assert np.allclose(ev.sel(K=2).dropna("sample", how="all"), 2.0, atol=1e-3)  # two far points: the bare 2
    res = compare(ds)
    assert float(res["flat_fraction"].sel(K=64, **{"class": "generalized"})) == 1.0
    assert float(res["lowest_eigenvalue"].sel(K=2, **{"class": "memorized"})) == pytest.approx(2.0, abs=1e-3)
    assert "spread = 0.5" in table(res)
    # the spectra side by side: memorized end points at K = 2 have the bare curvature 2 in both directions, the
    # generalized ones at K = 64 one flat (tangential) and one radial direction
    spec = res["spectrum"].sel(quantile=0.5)
    assert int(res["spectrum_K"].sel({"class": "memorized"})) == 2
    assert np.allclose(spec.sel({"class": "memorized"}), 2.0, atol=1e-3)
    assert int(res["spectrum_K"].sel({"class": "generalized"})) == 64
    low, high = spec.sel({"class": "generalized"}).values
    assert abs(low) < 1e-6 and 1.5 < high <= 2.0
    assert np.isnan(res["spectrum_K"].sel({"class": "spurious"}))  # no spurious end point: no spectrum


def test_random_circle_comparison_draws_the_flat_ring_prediction() -> None:
    from amphase import theory
    from amphase.analysis.diffusion.compare import predicted_flat

    q = theory.get("diffusion.spurious_onset")(beta=10.0, manifold="circle", spread=0.5)
    assert predicted_flat(10.0, "circle", even=False, spread=0.5) == q["K_flat"]
    assert math.isnan(predicted_flat(10.0, "circle", spread=0.0))  # no curvature rule, no flat K
    assert math.isnan(predicted_flat(10.0, "circle", even=True, spread=0.5))
