"""Theory against simulation for the Hopfield family, and `amphase compare`."""

import numpy as np
import pytest
import xarray as xr

from amphase import theory
from amphase.analysis.compare import compare_file
from amphase.analysis.hopfield.hopfield import compare, table
from amphase.dataset import without_param_coords
from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.sweep import run_sweep

RAW = {
    "model": "hopfield",
    "seed": 3,
    "realizations": 4,
    "grid": {"N": [300, 600, 1200], "alpha": [0.04, 0.1, 0.13, 0.145, 0.16, 0.175, 0.19, 0.22]},
    "params": {"trials": 4, "overlaps": "top", "top": 6},
}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "capacity.nc"
    run_sweep(resolve(RAW), out, executor="processes", workers=2, progress=False)
    return out


def test_comparison_uses_the_theory_at_the_simulated_load(sweep):
    ds = xr.load_dataset(sweep, engine="h5netcdf")
    res = compare(ds)
    for N in (300, 600, 1200):
        for alpha in (0.04, 0.1, 0.13):
            P = round(alpha * N)
            expected = theory.get("hopfield.overlap")(alpha=P / N)["m"]
            assert float(res["m_theory"].sel(N=N, alpha=alpha).squeeze()) == expected
    assert np.isnan(res["m_theory"].sel(alpha=0.16)).all()  # no RS retrieval state above alpha_c
    dev = (res.m_measured - res.m_theory) / res.m_error
    np.testing.assert_allclose(res.m_deviation, dev)
    assert ((res.m_error > 0) | (res.n_retrieval <= 1)).all()
    assert np.isnan(res.m_error.where(res.n_retrieval == 1)).all()  # one end state: no error, never 0
    np.testing.assert_allclose(res["fraction"].sum("state"), 1.0)
    # retrieval from the patterns is certain at alpha = 0.04 and rare at 0.22 for these sizes
    p = res["fraction"].sel(state="retrieval").squeeze()
    assert (p.sel(alpha=0.04) == 1).all() and (p.sel(alpha=0.22) < 0.5).all()
    # the half-retrieval load is bracketed by the grid and decreases with N
    half = res["alpha_half"].squeeze().values
    assert np.all((0.13 < half) & (half < 0.22)) and half[0] > half[-1]
    assert np.isfinite(res["alpha_c_fss_nu05"]).all() and np.isnan(res["alpha_c_fss"]).all()  # 3 sizes: nu fixed
    text = table(res)
    assert f"{theory.get('hopfield.overlap')(alpha=0.1)['m']:.5f}" in text
    assert "alpha_c(N -> inf)" in text and "end-state fractions" in text


def test_compare_file_writes_figure_and_dataset(sweep, tmp_path):
    fig, out = tmp_path / "fig.png", tmp_path / "cmp.nc"
    text = compare_file(sweep, figure=fig, out=out)
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    res = xr.load_dataset(out, engine="h5netcdf")
    assert "m_theory" in res and res.attrs["compared_dataset"] == str(sweep)
    assert f"# figure: {fig}" in text


def test_a_file_in_the_layout_before_scalar_coordinates_compares_the_same(sweep, tmp_path):
    """Issue 18: an older file (fixed parameters only as param_X attributes) gives the same table and dataset."""
    new = xr.load_dataset(sweep, engine="h5netcdf")
    assert new["T"].dims == () and float(new["T"]) == 0.0 and "param_T" not in new.attrs  # what the sweep writes now
    assert new["T"].attrs["units"] == "1" and new["cue"].values.item() == "pattern"
    old = without_param_coords(new)  # the layout written before: fixed parameters as param_X attributes only
    assert not any(c.ndim == 0 for c in old.coords.values()) and old.attrs["param_cue"] == "pattern"
    old.to_netcdf(tmp_path / "old.nc", engine="h5netcdf")
    texts = {}
    for name, path in (("old", tmp_path / "old.nc"), ("new", sweep)):
        text = compare_file(path, figure=tmp_path / f"{name}.png", out=tmp_path / f"{name}_cmp.nc")
        texts[name] = text.rsplit("# figure:", 1)[0]
    assert texts["old"] == texts["new"] and "alpha_c(N -> inf)" in texts["new"]
    a, b = (xr.load_dataset(tmp_path / f"{name}_cmp.nc", engine="h5netcdf") for name in ("old", "new"))
    xr.testing.assert_equal(a.drop_attrs(), b.drop_attrs())


def test_compare_file_errors(tmp_path):
    with pytest.raises(ParameterError, match="no such file"):
        compare_file(tmp_path / "none.nc")
    other = tmp_path / "other.nc"
    xr.Dataset({"x": ("a", [1.0])}).to_netcdf(other, engine="h5netcdf")
    with pytest.raises(ParameterError, match="no comparison for model=None"):
        compare_file(other)
    bad = tmp_path / "bad.nc"
    bad.write_text("not netCDF")
    with pytest.raises(ParameterError, match=r"is not a netCDF file \(it starts with b'not '\)"):
        compare_file(bad)
    broken = tmp_path / "broken.nc"  # an HDF5 signature and nothing after it
    broken.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(ParameterError, match="cannot read it as netCDF-4"):
        compare_file(broken)


def test_finite_temperature_comparison(tmp_path):
    # heat-bath runs on a (T, alpha) grid: the theory is taken at each T, alpha_c(T) included, and the figure draws
    raw = {
        "model": "hopfield",
        "seed": 5,
        "realizations": 2,
        "grid": {"T": [1.2, 0.0, 0.3], "alpha": [0.05, 0.1, 0.2]},  # the figure draws the lowest T
        "params": {"N": 400, "trials": 2, "sweeps": 20, "overlaps": "top"},
    }
    out = tmp_path / "t.nc"
    run_sweep(resolve(raw), out, executor="serial", progress=False)
    res = compare(xr.load_dataset(out, engine="h5netcdf"))
    expected = [theory.get("hopfield.alpha_c")(T=t)["alpha_c"] for t in (0.0, 0.3)]
    np.testing.assert_array_equal(res["alpha_c_theory"].values[1:], expected)
    assert np.isnan(res["alpha_c_theory"].values[0])  # no retrieval state at T > 1
    m_th = float(res["m_theory"].sel(T=0.3, alpha=0.05).squeeze())
    assert m_th == theory.get("hopfield.overlap")(alpha=20 / 400, T=0.3)["m"]
    assert np.isnan(res["m_theory"].sel(T=1.2)).all()
    assert "none resolved" in table(res)
    compare_file(out, figure=tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 10_000
