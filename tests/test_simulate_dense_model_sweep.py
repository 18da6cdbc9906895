"""dense.binary through the shared sweep runner and ``amphase compare``; the built-in capacity configurations."""

import numpy as np
import pytest
import xarray as xr

from amphase.analysis.dense import binary as dense_compare
from amphase.cli import main
from amphase.dataset import fixed_param
from amphase.simulate.config import builtin_configs, load_config, resolve
from amphase.simulate.sweep import run_sweep

CONFIG = {
    "model": "dense.binary",
    "seed": 4,
    "realizations": 2,
    "grid": {"N": [40, 60, 80], "alpha": [0.03, 0.06, 0.09, 0.12, 0.16]},
    "params": {"n": 3, "trials": 6, "top": 4},
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("dense") / "tiny.nc"
    run_sweep(resolve(CONFIG), out, executor="serial", progress=False)
    return out


def test_sweep_dataset_layout(dataset):
    with xr.open_dataset(dataset, engine="h5netcdf") as ds:
        assert ds.attrs["model"] == "dense.binary"
        assert ds["m_cue"].dims == ("N", "alpha", "realization", "trial")
        assert ds["top_overlap"].dims == ("N", "alpha", "realization", "trial", "rank") and ds.sizes["rank"] == 4
        assert ds["alpha"].attrs["long_name"] == "load K/N^(n-1) (stored patterns per N^(n-1))"
        assert ds["status"].attrs["unconverged_flags"] == "max_sweeps"
        assert int(ds["K"].sel(N=60, alpha=0.06)[0]) == round(0.06 * 60**2)
        assert int(ds["n"]) == 3 and str(ds["F"].values) == "polynomial" and ds["n"].dims == ()
        assert fixed_param(ds, "K") == 0  # the requested K, named like the stored count: read from the config
        assert not [k for k in ds.attrs if k.startswith("param_")]  # fixed parameters are scalar coordinates only
        assert set(np.unique(ds["unstable_bits"].values)) >= {0}


def test_compare_without_theory_says_so(dataset, capsys, tmp_path):
    status = main(["compare", str(dataset), "--figure", str(tmp_path / "fig.png")])
    text = capsys.readouterr().out
    assert status == 0 and (tmp_path / "fig.png").is_file()
    assert "stable" in text and "# end-state fractions" in text
    with xr.open_dataset(dataset, engine="h5netcdf") as ds:
        res = dense_compare.compare(ds.load())
    assert {"stable_fraction", "stable_lo", "retrieved_fraction", "fraction", "alpha_stable_half"} <= set(res)
    frac = res["stable_fraction"].squeeze()
    assert frac.sel(N=80, alpha=0.03) == 1.0 and frac.sel(N=40, alpha=0.16) < 0.5
    assert (res["stable_lo"] <= res["stable_fraction"]).all() and (res["stable_fraction"] <= res["stable_hi"]).all()
    if np.isnan(res["alpha_theory"]).all():
        assert "theory not available" in res.attrs["theory_status"] and "theory not available" in text


def test_compare_uses_the_registered_capacity(dataset, monkeypatch):
    import dataclasses

    from amphase.theory import registry

    calls = []
    real = registry.get("dense.poly_capacity")

    def fake(N, n, noise):
        calls.append((N, n, noise))
        K = N ** (n - 1) / 10.0
        return {"K_typical": K, "K_all": K, "alpha_typical": K / N ** (n - 1), "alpha_all": K / N ** (n - 1)}

    # the registered quantity, evaluated through the registry (one grid over the simulated N, n and noise)
    monkeypatch.setitem(registry.REGISTRY, "dense.poly_capacity", dataclasses.replace(real, func=fake))
    with xr.open_dataset(dataset, engine="h5netcdf") as ds:
        res = dense_compare.compare(ds.load())
    assert sorted(calls) == [(40, 3, 0.0), (60, 3, 0.0), (80, 3, 0.0)]
    np.testing.assert_allclose(res["alpha_theory"].squeeze(), 0.1)
    assert res.attrs["theory_status"] == "ok"
    assert "theory" in dense_compare.table(res)


@pytest.mark.parametrize("name", ["dense-capacity", "dense-capacity-n2", "dense-capacity-n4"])
def test_builtin_capacity_configs_resolve(name):
    path = builtin_configs()[name]
    _, raw = load_config(str(path))
    config = resolve(raw)
    assert config["model"] == "dense.binary" and "N" in config["grid"] and "alpha" in config["grid"]


def test_figure_accepts_bounds_rounded_past_the_fraction(dataset):
    """Wilson bounds at a fraction of 1 can round 1e-16 below it: the error bars must not go negative."""
    with xr.open_dataset(dataset, engine="h5netcdf") as ds:
        res = dense_compare.compare(ds.load())
    res["stable_hi"] = res["stable_fraction"] - 1e-16
    res["retrieved_lo"] = res["retrieved_fraction"] + 1e-16
    fig = dense_compare.plot(res, "rounded bounds")
    assert len(fig.axes) == 3
