"""The diffusion.exact model through the sweep runner: known limits, worker-count independence, comparison, store."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from amphase.analysis.diffusion.compare import compare, plot, table
from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.diffusion.exact import run, training_points
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
    # evenly spaced points at beta = 20: neighbours at chord 2 sin(pi/K) share one minimum below the merging distance
    # D = sqrt(2/beta) (two points: the midpoint stops being a saddle at beta D^2/2 = 1, lse_landscape.pair_minima)
    assert float(res["K_onset_theory"]) == pytest.approx(math.pi / math.asin(math.sqrt(2 / 20.0) / 2), rel=1e-12)
    # the figure draws what the comparison holds: each class's fractions, and the onset where it is predicted
    fig = plot(res, "t")
    ax = fig.axes[0]
    drawn = {c.get_label(): c.lines[0].get_ydata() for c in ax.containers}
    for c in ("memorized", "spurious", "generalized"):
        assert np.allclose(drawn[c], f.sel({"class": c}).values)
    onsets = [ln.get_xdata()[0] for ln in ax.lines if ln.get_label().startswith("predicted onset")]
    assert onsets == [pytest.approx(float(res["K_onset_theory"]))]
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


def test_flat_ring_prediction_follows_its_law() -> None:
    # K_flat = 2 ln2 lambda_4 / (beta R^2 lambda_flat)^2 with lambda_flat = 1 / (beta spread^2) (curvature rule on the
    # unit circle): the onset moves as spread^4, the threshold's own power (why it is a diagnostic, not a transition)
    from amphase.analysis.diffusion.class_predictions import predicted_flat
    from amphase.theory.lse_circle_counts import ring_curvature_scale
    from amphase.theory.lse_landscape import circle_ring

    R = circle_ring(10.0).R
    lam4 = ring_curvature_scale(2 * 10.0 * R)
    for spread in (0.25, 0.5, 1.0):
        lam_flat = 1 / (10.0 * spread**2)
        expect = 2 * math.log(2) * lam4 / (10.0 * R * R * lam_flat) ** 2
        assert predicted_flat(10.0, "circle", even=False, spread=spread) == pytest.approx(expect, rel=1e-12)
    assert predicted_flat(10.0, "circle", spread=1.0) / predicted_flat(10.0, "circle", spread=0.5) == pytest.approx(16)
    assert math.isnan(predicted_flat(10.0, "circle", spread=0.0))  # no curvature rule, no flat K
    assert math.isnan(predicted_flat(10.0, "circle", even=True, spread=0.5))


def test_curvature_rule_threshold_changes_labels_as_the_stored_spectra_say() -> None:
    # random points, K = 64 at beta = 10: ring minima whose tangential eigenvalues (0.2-0.6) straddle the flat threshold
    # 1/(beta spread^2) = 0.4 at spread 0.5 and 1.6 at spread 0.25. The same samples (same seed) by both thresholds:
    # each non-memorized end point is generalized exactly when its smallest |eigenvalue| is below the threshold (or,
    # failing that, when no other end point lies within delta_s), and the looser threshold flips some labels
    p = {**resolve(RAW)["params"], "K": 64, "even": 0, "beta": 10.0, "n_samples": 48, "max_stored": 48}
    seed = point_seed(7, {"K": 64.0}, 0)
    out = {sp: run({**p, "spread": sp}, seed) for sp in (0.25, 0.5)}
    assert np.array_equal(out[0.25]["sample_x"], out[0.5]["sample_x"])  # the same end points
    for sp, o in out.items():
        lam = 1.0 / (10.0 * sp**2 * float(o["data_scale"]) ** 2)
        assert float(o["lam_flat"]) == pytest.approx(lam, rel=1e-12)
        cls = o["sample_class"]
        flat = np.abs(o["sample_eig"]).min(axis=1) <= lam
        alone = o["sample_d_gen"] > 1e-4 * float(o["data_scale"])
        assert np.array_equal(cls == 2, (cls != 0) & (flat | alone))
    changed = out[0.25]["sample_class"] != out[0.5]["sample_class"]
    assert changed.sum() >= 5  # the threshold decides these labels


def test_physical_classes_of_an_even_ring_change_with_the_isolation_threshold(tmp_path, even_ring) -> None:
    # K = 10 evenly spaced at beta_t = 20: beta*DeltaE = 1.218 between neighbouring minima, each owned with weight
    # 0.999: memorized at the isolation thresholds 1/2 and 1, generalized at 2. K = 2 (opposite points): one owned
    # minimum each, beta*DeltaE = 20 * 1.0 (the two wells hardly overlap): memorized at every threshold. K = 16:
    # beta*DeltaE = 0.157, generalized at every threshold. The stored barriers and weights match the 1-d computation.
    raw = {**RAW, "realizations": 1, "grid": {"K": [2, 10, 16]},
           "params": {**RAW["params"], "neighbours": 2, "images": 16}}  # fmt: skip
    ds = run_sweep(resolve(raw), tmp_path / "p.nc", executor="serial", progress=False).isel(realization=0)
    for K, expect in ((10, [0, 0, 2]), (16, [2, 2, 2]), (2, [0, 0, 0])):
        one = ds.sel(K=K)
        n = int(one["n_attractors"])
        bb = one["attractor_beta_barrier"].values[:n]
        w = one["attractor_own_weight"].values[:n]
        if K != 2:
            exact_bb, exact_w = even_ring(K, 20.0)
            assert np.allclose(bb, exact_bb, rtol=1e-7) and np.allclose(w, exact_w, rtol=1e-9)
        assert int(one["n_not_minimum"]) == 0 and int(one["n_path_unconverged"]) == 0
        counts = one["class_count"].sel(own_threshold=0.5).values  # (class, isolation threshold)
        assert [int(counts[:, j].argmax()) for j in range(3)] == expect and np.all(counts.max(axis=0) == 24)
        assert np.array_equal(one["sample_phys_class"].values[:8], one["attractor_class"].values[
            one["sample_attractor"].values[:8]])  # fmt: skip
    # the comparison: fraction at the defining thresholds and the band over all nine
    from amphase.analysis.diffusion.exact import compare as phys_compare
    from amphase.analysis.diffusion.exact import table as phys_table

    res = phys_compare(ds.expand_dims(realization=[0]).transpose("K", "realization", ...))
    mem = {k: float(res[k].sel(K=10, **{"class": "memorized"}))
           for k in ("class_fraction", "class_fraction_low", "class_fraction_high")}  # fmt: skip
    assert mem == {"class_fraction": 1.0, "class_fraction_low": 0.0, "class_fraction_high": 1.0}
    assert "[0.00-1.00]" in phys_table(res)
