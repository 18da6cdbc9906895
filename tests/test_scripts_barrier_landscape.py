"""scripts/barrier_landscape.py: its onset estimator, its outputs, its refusals."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _script(monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))  # as when the script runs: its folder is on sys.path
    spec = importlib.util.spec_from_file_location("barrier_landscape", SCRIPTS / "barrier_landscape.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_onset_fit_recovers_a_straight_line_and_its_error(monkeypatch):
    bl = _script(monkeypatch)
    K = np.array([2, 4, 8, 16, 32, 64], dtype=float)
    f = 0.5 + 0.25 * np.log(K / 10.0)  # crosses 1/2 at K = 10; the points outside [0.2, 0.8] are left out
    se = np.full_like(f, 0.02)
    k, err, chi2 = bl.onset_fit(K, f, se)
    assert k == pytest.approx(10.0, rel=1e-12) and chi2 == pytest.approx(0.0, abs=1e-20)
    # error propagation: a shift of every point by its standard error moves ln K by se/slope at most
    assert 0 < err / k < 0.02 / 0.25
    rng = np.random.default_rng(0)  # the quoted error is the spread of the estimate over noisy replicas
    ks = [bl.onset_fit(K, f + rng.normal(0, 0.02, len(K)), se)[0] for _ in range(400)]
    assert np.std(ks) == pytest.approx(err, rel=0.15)  # the std of 400 replicas carries ~3.5 % relative error


def test_fraction_and_its_delta_method_error(monkeypatch):
    bl = _script(monkeypatch)
    counts = np.array([4, 5, 3, 6])
    low = np.array([1, 3, 0, 2])
    f, se = bl.fraction(counts, low)
    assert f == pytest.approx(6 / 18)
    assert se == pytest.approx(np.std(low - f * counts, ddof=1) / (counts.mean() * 2))


@pytest.mark.slow
def test_small_run_writes_dataset_figure_table_and_resumes(tmp_path, monkeypatch, capsys):
    bl = _script(monkeypatch)
    out = tmp_path / "b.nc"
    args = ["--betas", "20", "--K", "3", "6", "12", "--draws", "4", "--theory-draws", "20", "--out", str(out),
            "--figure", str(tmp_path / "b.png")]  # fmt: skip
    assert bl.main(args) == 0
    ds = xr.open_dataset(out)
    assert ds.fraction.dims == ("beta", "K", "tau") and ds.sizes["K"] == 3
    assert np.all((ds.fraction >= 0) & (ds.fraction <= 1))
    assert float(ds.K_merge[0]) == pytest.approx(4.976, rel=1e-3)  # diffusion.spurious_onset's K_onset at beta 20
    assert (tmp_path / "b.txt").read_text().startswith("beta | tau | K_gen")
    assert (tmp_path / "b.png").stat().st_size > 10_000
    parts = sorted((tmp_path / "b.parts").iterdir())
    assert len([q for q in parts if q.suffix == ".npz"]) == 3  # one per (beta, K)
    assert len([q for q in parts if q.suffix == ".json"]) == 3 + 1 + 3  # theory per K, the ring field, onsets per tau
    ds.close()
    assert bl.main(args) == 2  # refuses to overwrite
    assert "exists" in capsys.readouterr().err
    stamp = [p.stat().st_mtime_ns for p in parts]
    assert bl.main([*args, "--overwrite"]) == 0  # resumes: the finished points are read, not measured again
    assert [p.stat().st_mtime_ns for p in parts] == stamp


def test_bad_arguments_exit_2(tmp_path, monkeypatch, capsys):
    bl = _script(monkeypatch)
    assert bl.main(["--draws", "1", "--out", str(tmp_path / "x.nc")]) == 2
    assert bl.main(["--betas", "0.5", "--out", str(tmp_path / "x.nc")]) == 2
    assert bl.main(["--out", str(tmp_path / "x.txt")]) == 2
    assert "error" in capsys.readouterr().err
