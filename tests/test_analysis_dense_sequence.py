"""dense.sequence datasets against the theory (amphase.analysis.dense.sequence) and through `amphase compare`."""

import pytest
import xarray as xr

from amphase import theory
from amphase.analysis.dense import sequence as seq_compare
from amphase.cli import main
from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.sweep import run_sweep

CONFIG = {
    "model": "dense.sequence",
    "seed": 6,
    "realizations": 6,
    "grid": {"N": [30, 40, 50], "alpha": [0.01, 0.03, 0.05, 0.08, 0.12]},
    "params": {"trials": 2, "transitions": 24, "stop_below": 1.0},
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("seq") / "tiny.nc"
    run_sweep(resolve(CONFIG), out, executor="serial", progress=False)
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        return out, ds.load()


def test_fractions_counts_and_theory_columns(dataset):
    _, ds = dataset
    res = seq_compare.compare(ds)
    te = ds["transition_errors"].sel(N=40, alpha=0.05)
    assert int(res["transition_count"].sel(N=40, alpha=0.05).squeeze()) == int((te == 0).sum())
    assert int(res["transition_total"].sel(N=40, alpha=0.05).squeeze()) == int((te >= 0).sum())
    # an exact cue: the trials of a realization repeat one trajectory, so only one per realization counts
    assert (res["sequence_total"] == 6).all()
    assert float(res["sequence_fraction"].sel(N=50, alpha=0.01).squeeze()) == 1.0
    assert float(res["transition_fraction"].sel(N=30, alpha=0.12).squeeze()) < 0.5
    assert (res["transition_lo"] <= res["transition_fraction"]).all()
    # the theory columns are the registered quantities at the same N, n, in the load unit N^n
    cap = theory.get("dense.sequence_capacity")(N=40, rule="polynomial", n=2, b=1.0)
    r = res.sel(N=40).squeeze()
    assert float(r["alpha_T_snr"]) == pytest.approx(cap["P_transition"] / 40**2)
    assert float(r["alpha_S_finite"]) == pytest.approx(cap["P_sequence_half"] / 40**2)
    rec = theory.get("dense.sequence_recall")(N=40, K=0.05 * 1600, rule="polynomial", n=2, b=1.0)
    assert float(r["theory_transition"].sel(alpha=0.05)) == pytest.approx(rec["transition"])
    assert res.attrs["theory_status"] == "ok" and res.attrs["threshold"] == 1.0


def test_compare_command_writes_table_and_figure(dataset, capsys, tmp_path):
    path, _ = dataset
    assert main(["compare", str(path), "--figure", str(tmp_path / "f.png")]) == 0
    text = capsys.readouterr().out
    assert (tmp_path / "f.png").is_file()
    assert "half loads" in text and "finite-N" in text and "transition N=40" in text


def test_threshold_below_the_runs_stop_is_refused(dataset):
    _, ds = dataset
    with pytest.raises(ParameterError, match=r"threshold=0\.5 is below the run's stop_below=1\.0"):
        seq_compare.compare(ds, threshold=0.5)
    with pytest.raises(ParameterError, match="lacks the variable errors"):
        seq_compare.compare(ds.drop_vars("errors"))


def test_a_file_that_calls_the_degree_d_compares_the_same(dataset, capsys, tmp_path):
    # issue 18: the degree of f(x) = x^n was called d before (d means a dimension elsewhere); a file written then
    # (fixed parameter param_d, no scalar coordinate n) is read by amphase.dataset.upgrade and compares identically
    path, ds = dataset
    old = ds.drop_vars("n")
    old.attrs = {("param_d" if k == "param_n" else k): v for k, v in ds.attrs.items()}
    old.to_netcdf(tmp_path / "old.nc", engine="h5netcdf")
    table = []
    for p in (path, tmp_path / "old.nc"):
        assert main(["compare", str(p)]) == 0
        table.append([line for line in capsys.readouterr().out.splitlines() if "_comparison.png" not in line])
    assert table[1] == table[0]
    assert "n=2" in table[0][0]  # the fixed degree, under its new name, in the table's header
