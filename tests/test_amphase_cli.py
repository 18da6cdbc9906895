"""The amphase command line: every quantity as text, JSON and netCDF; one-line errors with a non-zero status."""

import json
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from amphase import theory
from amphase.assignments import parse_assignment
from amphase.cli import main
from amphase.params import Choice

ARGS = {
    "hopfield.alpha_c": ["T=0"],
    "hopfield.overlap": ["alpha=0.1", "T=0.1"],
    "hopfield.spin_glass": ["alpha=0.1", "T=0.5"],
    "hopfield.T_g": ["alpha=0.04"],
    "hopfield.T_M": ["alpha=0.1"],
    "hopfield.T_c": ["alpha=0.02"],
    "hopfield.T_R": ["alpha=0.12"],
    "hopfield.alpha_0": [],
    "hopfield.mixture": ["n=3"],
    "hopfield.capacity_snr": ["N=1000"],
    "hopfield.phase_diagram": ["alpha=0,0.1", "T=0,0.5"],
    "dense.poly_capacity": ["N=1000", "n=3"],
    "dense.poly_stability": ["N=100", "n=3", "alpha=0.055"],
    "dense.poly_half_load": ["N=40", "n=4"],
    "dense.exp_capacity": ["N=100", "noise=0.1"],
    "dense.lse_threshold": ["lam=2", "patterns=gaussian"],
    "dense.lse_threshold_finite": ["N=32", "lam=0.5", "patterns=spherical"],
    "dense.separation": ["N=100", "beta=1", "M=1"],
    "dense.ramsauer_capacity": ["d=20", "beta=1", "K=3", "p=0.001"],
    "dense.random_feature_error": ["Y=1000", "d=10", "beta=0.5", "K=4"],
    "dense.sequence_capacity": ["N=30", "rule=exponential", "b=1"],
    "dense.sequence_recall": ["N=100", "K=500", "n=2"],
    "dense.pair_midpoint_beta": ["D=2"],
    "dense.pair_minima": ["D=2", "beta=1"],
    "dense.simplex_centroid_beta": ["K=3", "r=1"],
    "diffusion.noise_beta": ["t=0.5", "process=vp", "alpha_bar=0.3"],
    "diffusion.ou_time": ["t=1"],
    "diffusion.speciation_time": ["Lambda=16.72"],
    "diffusion.collapse_time": ["K=20000", "d=256"],
    "diffusion.clone_probability": ["t=3", "d=1024"],
    "diffusion.direction_loss": ["var=1", "K=1000", "t=0.05"],
    "diffusion.symmetry_breaking": ["kind=density", "alpha_bar=0.8"],
    "dense.circle_ring": ["beta=2"],
    "dense.circle_minima": ["beta=20", "K=10", "draws=20"],
    "diffusion.spurious_onset": ["sigma=0.2", "manifold=sphere", "n=2"],
    "diffusion.gaussian_onset": ["beta=0.5", "n3=0"],
    "diffusion.generalization_onset": ["beta=5", "draws=20"],
    "diffusion.barrier_law": ["K=8", "sigma=0.2", "draws=20"],
}


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_list_names_every_quantity(capsys):
    status, out, _ = run(capsys, "theory", "--list")
    assert status == 0
    for name in theory.names():
        assert f"\n{name}(" in "\n" + out
    assert set(ARGS) == set(theory.names())


@pytest.mark.parametrize("name", sorted(ARGS))
def test_every_quantity_as_text_and_json(capsys, name):
    status, text, _ = run(capsys, "theory", name, *ARGS[name])
    assert status == 0 and text.strip()
    status, js, _ = run(capsys, "theory", name, *ARGS[name], "--json")
    assert status == 0
    obj = json.loads(js)
    q = theory.get(name)
    assert set(obj) >= {"quantity", "params", "grid", "results", "dims", "units"}  # one layout for every quantity
    if q.dataset:
        assert obj["grid"] == {"alpha": [0.0, 0.1], "T": [0.0, 0.5]} and obj["dims"]["phase"] == ["alpha", "T"]
        assert obj["legend"]["phase"] == {"0": "paramagnetic", "1": "spin_glass", "2": "retrieval_metastable",
                                          "3": "retrieval_global"}  # fmt: skip
    else:
        names = {p.name for p in q.params if isinstance(p, Choice)}
        expected = q(**dict(parse_assignment(a, names) for a in ARGS[name]))
        assert obj["quantity"] == name
        assert obj["results"] == pytest.approx({k: (v if np.isfinite(v) else None) for k, v in expected.items()})
        for key, value in expected.items():
            assert key in text and (f"{value:.10g}" in text)


def test_grid_to_netcdf(capsys, tmp_path):
    out = tmp_path / "tm.nc"
    status, _text, err = run(capsys, "theory", "hopfield.T_M", "alpha=0:0.14:8", "--out", str(out))
    assert status == 0 and "wrote" in err
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        np.testing.assert_allclose(ds["alpha"], np.linspace(0, 0.14, 8))
        assert ds["T_M"].values[0] == 1.0 and np.isnan(ds["T_M"].values[-1])
        assert ds["T_M"].values[3] == theory.get("hopfield.T_M")(alpha=0.06)["T_M"]
        assert ds.attrs["quantity"] == "hopfield.T_M" and ds.attrs["no_solution_points"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["tm.nc"]  # no temporary file left behind


def test_two_dimensional_grid_and_workers(capsys, tmp_path):
    out = tmp_path / "m.nc"
    assert (
        run(capsys, "theory", "hopfield.overlap", "alpha=0.02,0.08", "T=0:0.4:3", "--out", str(out), "--workers", "2")[
            0
        ]
        == 0
    )
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds["m"].dims == ("alpha", "T")
        assert ds["m"].sel(alpha=0.08, T=0.2).item() == theory.get("hopfield.overlap")(alpha=0.08, T=0.2)["m"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["theory", "hopfield.overlap", "alpha=-0.1"], "alpha=-0.1 is outside its domain; allowed: 0 <= alpha"),
        (["theory", "hopfield.overlap", "alpha=0.2"], "no retrieval solution at alpha=0.2"),
        (["theory", "hopfield.T_M", "alpha=0:0.2:2.5"], "number of grid points"),
        (["theory", "hopfield.T_M", "alpha=0:0.2:x"], "'x' is not a number"),
        (["theory", "hopfield.T_M", "alpha"], "key=value"),
        (["theory", "hopfield.T_M", "alpha=0.1", "--out", "x.csv"], "must end in .nc"),
        (["theory", "hopfield.mixture", "n=2"], "n=2 is outside its domain"),
        (["theory", "nonsense"], "unknown theory quantity 'nonsense'"),
        (["theory"], "give a quantity name"),
        (["frobnicate"], "invalid choice"),
        (["theory", "hopfield.T_g", "alpha=0.1", "--workers", "0"], "--workers 0"),
        (["run"], "give a configuration file or a built-in name"),
        (["run", "no-such-config"], "no such file or built-in configuration"),
        (["run", "hopfield-capacity", "noise=0.9"], "noise=0.9 is outside its domain; allowed: 0 <= noise <= 0.5"),
        (["run", "hopfield-capacity", "backend=gpux"], "backend='gpux' is not allowed"),
        (["run", "hopfield-capacity", "--workers", "0"], "--workers 0"),
        (["run", "hopfield-capacity", "--out", "x.zarr"], "must end in .nc"),
        (["run", "hopfield-capacity", "--executor", "mpi"], "invalid choice: 'mpi'"),
        (["compare", "missing.nc"], "no such file"),
        # issue 8: lenient parsing became errors
        (["theory", "hopfield.T_M", "alpha=0.1", "alpha=0.2"], "alpha is given twice"),
        (["theory", "hopfield.T_M", "alpha=0.1,,0.2"], "the list '0.1,,0.2' has an empty entry"),
        (["theory", "hopfield.T_M", "alpha=0.1:0.1:3"], "grid alpha repeats the value 0.1"),
        (["theory", "hopfield.T_g", "alpha=0.01:0.2:100000000"], "at most 1000000 are allowed"),
        (["theory", "hopfield.T_g", "alpha=0.1", "--out", ""], "--out is empty"),
        (["run", "hopfield-capacity", "--out", ""], "--out is empty"),
        (["run", "hopfield-capacity", "N=1000", "N=2000"], "override N is given twice"),
        (["run", "hopfield-capacity", "alpha=0.01:0.2:100000000"], "at most 1000000 are allowed"),
        (["run", "hopfield-capacity", "N=100", "alpha=0.001", "--out", "x.nc"], "K = round(alpha N) = 0 patterns"),
        (["run", "hopfield-capacity", "--scheduler", "notanaddress"], "--scheduler notanaddress: not an address"),
        (["run", "hopfield-capacity", "N=10000000", "alpha=0.1", "--out", "x.nc"], "TiB of memory"),
        (["compare", "missing.nc", "--figure", "fig.txt"], "no such file"),
        (["run", "hopfield-capacity", "--out", "a.nc", "--out", "b.nc"], "--out is given twice"),
    ],
)
def test_errors_are_one_line(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("amphase: error: ") and message in err


def test_entry_point_subprocess():
    ok = subprocess.run(
        [sys.executable, "-m", "amphase", "theory", "hopfield.T_g", "alpha=0.25"], capture_output=True, text=True
    )
    assert ok.returncode == 0 and "T_g = 1.5 " in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "amphase", "theory", "hopfield.T_g", "alpha=-1"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1


def test_run_list(capsys):
    status, out, _ = run(capsys, "run", "--list")
    assert status == 0
    assert "hopfield-capacity" in out and "hopfield-spurious" in out and "hopfield-fss" in out


def test_run_and_compare_from_a_toml_file(capsys, tmp_path):
    config = tmp_path / "mine.toml"
    config.write_text(
        'model = "hopfield"\nseed = 1\nrealizations = 2\n[grid]\nalpha = [0.05, 0.1, 0.15, 0.2]\n'
        "[params]\nN = 300\ntrials = 3\nnoise = 0.1\n"
    )
    out = tmp_path / "mine.nc"
    status, _, err = run(capsys, "run", str(config), "N=200", "--out", str(out), "--executor", "serial")
    assert status == 0 and f"wrote {out}" in err
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert int(ds["N"]) == 200 and float(ds["noise"]) == 0.1 and ds["N"].dims == ()  # scalar coordinates
        assert ds["m_cue"].dims == ("alpha", "realization", "trial")
        assert '"N": 200' in ds.attrs["config"]
    status, text, _ = run(capsys, "compare", str(out))
    assert status == 0
    assert "# retrieval end states: replica-symmetric theory vs measured" in text and "# end-state fractions" in text
    assert (tmp_path / "mine_comparison.png").is_file()
    before = out.read_bytes()
    status, _, err = run(capsys, "run", str(config), "N=300", "--out", str(out))  # issue 8: never replaced silently
    assert status == 2 and f"{out} exists; choose another --out, or give --overwrite" in err and err.count("\n") == 1
    assert out.read_bytes() == before
    status, _, err = run(capsys, "run", str(config), "N=300", "--out", str(out), "--overwrite", "--executor", "serial")
    assert status == 0
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert int(ds["N"]) == 300


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'model = "hopfield"\ntitle = "caf\xe9"\n', "not UTF-8 text"),
        (b'model = "hopfield"\n[grid]\nalpha = { start = 0.1, stop = 0.2, num = 0 }\n', "num = 0"),
        (b'model = "hopfield"\n[grid]\nalpha = { start = 0.1, stop = 0.2, num = 3, step = 1 }\n', "got the keys"),
        (b'model = "hopfield"\ngrid = [1, 2]\n', "[grid] must be a table"),
        (b'model = "hopfield"\n[params]\nN = "100"\nalpha = 0.1\n', "N='100' (a str) is not a number"),
        (b'model = "hopfield"\n[params]\nN = 100\nalpha = true\n', "alpha=True (a bool) is not a number"),
        (b'model = "hopfield"\n[grid]\nalpha = []\n[params]\nN = 100\n', "grid.alpha is empty"),
    ],
)
def test_bad_configuration_files_are_one_line_errors(capsys, tmp_path, text, message):
    config = tmp_path / "bad.toml"
    config.write_bytes(text)
    status, out, err = run(capsys, "run", str(config), "--out", str(tmp_path / "o.nc"))
    assert status == 2 and out == "" and err.count("\n") == 1 and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_options_and_overrides_in_any_order(capsys, tmp_path):
    # issue 8: options after key=value arguments were "unrecognized"
    status, out, _ = run(capsys, "theory", "hopfield.T_g", "--json", "alpha=0.25")
    assert status == 0 and json.loads(out)["results"] == {"T_g": 1.5}
    out_file = tmp_path / "o.nc"
    argv = ["run", "hopfield-capacity", "--out", str(out_file), "N=300", "--executor", "serial", "alpha=0.1"]
    status, _, err = run(capsys, *argv, "realizations=1", "--no-progress")
    assert status == 0, err
    with xr.open_dataset(out_file, engine="h5netcdf") as ds:
        assert ds["N"].values.tolist() == [300] and ds["alpha"].values.tolist() == [0.1]
    status, _, err = run(capsys, "theory", "hopfield.T_g", "alpha=0.25", "--bogus")
    assert status == 2 and "unrecognized arguments: --bogus" in err


def test_outputs_are_checked_before_the_work(capsys, tmp_path):
    # issue 8: a read-only folder made the theory command compute first and fail at the write, with a traceback
    # (tests run as root in CI, for whom permission bits do not apply: a "folder" that is a file cannot be written)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for argv in (
        ["theory", "hopfield.T_M", "alpha=0:0.1:3", "--out", str(blocker / "t.nc")],
        ["run", "hopfield-capacity", "N=100", "--out", str(blocker / "sub" / "r.nc")],
    ):
        status, _, err = run(capsys, *argv)
        assert status == 2 and "cannot write in" in err and err.count("\n") == 1
    existing = tmp_path / "t.nc"
    existing.write_text("precious")
    status, _, err = run(capsys, "theory", "hopfield.T_g", "alpha=0.1", "--out", str(existing))
    assert status == 2 and "exists; choose another --out, or give --overwrite" in err
    assert existing.read_text() == "precious"
    assert run(capsys, "theory", "hopfield.T_g", "alpha=0.1", "--out", str(existing), "--overwrite")[0] == 0


def test_json_tells_infinity_from_no_solution(capsys):
    # issue 8: -inf and "no solution" were both null
    status, out, _ = run(capsys, "theory", "hopfield.overlap", "alpha=0.1,0.2", "--json")
    assert status == 0
    # at T = 0 the AT eigenvalue of a retrieval state is -inf (AGS 1987); above alpha_c there is no state at all
    assert json.loads(out)["results"]["replicon"] == ["-inf", None]
    status, out, _ = run(capsys, "theory", "hopfield.overlap", "alpha=0.1", "--json")
    assert json.loads(out)["results"]["replicon"] == "-inf"


# -- nothing replaced, nothing created silently (issue 17) -------------------------------------------------------------
SMALL = 'model = "hopfield"\nseed = 1\nrealizations = 1\n[grid]\nalpha = [0.05, 0.1]\n[params]\nN = 100\ntrials = 2\n'


def test_no_file_is_replaced_without_overwrite(capsys, tmp_path):
    config = tmp_path / "g.nc"  # a TOML configuration, named like a dataset
    config.write_text(SMALL)
    for extra in ([], ["--overwrite"]):
        status, _, err = run(capsys, "run", str(config), "--out", str(config), "--executor", "serial", *extra)
        assert status == 2 and err.count("\n") == 1 and "input and output are the same file" in err, err
        assert config.read_text() == SMALL
    out = tmp_path / "hop.nc"
    assert run(capsys, "run", str(config), "--out", str(out), "--executor", "serial", "--no-progress")[0] == 0
    figure = tmp_path / "keep.png"
    figure.write_bytes(b"mine")
    status, _, err = run(capsys, "compare", str(out), "--figure", str(figure))
    assert status == 2 and f"{figure} exists; choose another --figure, or give --overwrite" in err
    assert figure.read_bytes() == b"mine" and not (tmp_path / "hop_comparison.png").exists()
    status, _, err = run(capsys, "compare", str(out), "--out", str(out), "--overwrite")
    assert status == 2 and "is the dataset this command reads: input and output are the same file" in err
    assert run(capsys, "compare", str(out))[0] == 0  # the default figure, beside the dataset
    drawn = (tmp_path / "hop_comparison.png").read_bytes()
    status, _, err = run(capsys, "compare", str(out))
    assert status == 2 and "hop_comparison.png exists; choose another --figure, or give --overwrite" in err
    assert run(capsys, "compare", str(out), "--figure", str(figure), "--overwrite")[0] == 0
    assert figure.read_bytes()[:4] == b"\x89PNG" and (tmp_path / "hop_comparison.png").read_bytes() == drawn


def test_folders_made_for_an_output_and_a_default_seed_are_told(capsys, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(SMALL.replace("seed = 1\n", ""))
    out = tmp_path / "new" / "sub" / "o.nc"
    status, _, err = run(capsys, "run", str(config), "--out", str(out), "--executor", "serial", "--no-progress")
    assert status == 0
    first, last = err.splitlines()
    assert first == "amphase: the configuration gives no seed: using seed = 0 (set seed = N to choose another)"
    assert last.startswith(f"wrote {out} in ") and last.endswith(
        f"(created the folders {out.parents[1]}, {out.parent})"
    )
    fig = tmp_path / "figs" / "f.png"
    status, _, err = run(capsys, "compare", str(out), "--figure", str(fig))
    assert status == 0 and err == f"amphase: created the folder {fig.parent}\n"
    tm = tmp_path / "theory" / "tm.nc"
    status, _, err = run(capsys, "theory", "hopfield.T_M", "alpha=0:0.1:3", "--out", str(tm))
    assert status == 0 and err == f"wrote {tm} (created the folder {tm.parent})\n"
    status, _, err = run(capsys, "theory", "hopfield.T_M", "alpha=0:0.1:3", "--out", str(tm), "--overwrite")
    assert status == 0 and err == f"wrote {tm}\n"


# -- issue 17: machine-readable output, per-quantity help, legends, guards ---------------------------------------


def test_one_json_layout_for_a_point_a_grid_and_out(capsys, tmp_path):
    point = json.loads(run(capsys, "theory", "hopfield.T_g", "alpha=0.1", "--json")[1])
    grid = json.loads(run(capsys, "theory", "hopfield.T_g", "alpha=0.1,0.2", "--json")[1])
    saved = json.loads(run(capsys, "theory", "hopfield.T_g", "alpha=0.1", "--json", "--out", str(tmp_path / "p.nc"))[1])
    keys = {"quantity", "params", "grid", "results", "dims", "units"}
    assert keys <= set(point) and keys <= set(grid) and keys <= set(saved)
    assert point["grid"] == {} and point["dims"] == {"T_g": []} and point["results"]["T_g"] == 1 + 0.1**0.5
    assert saved["results"] == point["results"] and saved["grid"] == {}  # --out does not change the layout
    assert grid["grid"] == {"alpha": [0.1, 0.2]} and grid["dims"] == {"T_g": ["alpha"]}
    assert grid["results"]["T_g"] == [1 + 0.1**0.5, 1 + 0.2**0.5]


def test_list_honours_its_arguments(capsys):
    status, out, _ = run(capsys, "theory", "--list", "hopfield.T_g")
    assert status == 0 and out.startswith("hopfield.T_g(alpha)") and "hopfield.T_c" not in out
    status, out, _ = run(capsys, "theory", "--list", "dense")
    names = [line.split("(")[0] for line in out.splitlines() if not line.startswith(" ")]
    assert status == 0 and names == [n for n in theory.names() if n.startswith("dense")]
    status, out, _ = run(capsys, "theory", "--list", "--json")
    listed = json.loads(out)
    assert [d["name"] for d in listed] == theory.names()
    alpha = next(d for d in listed if d["name"] == "hopfield.T_g")["params"][0]
    assert alpha == {"name": "alpha", "description": "load P/N (replica theory served up to 10^6)",
                     "domain": "0 <= alpha <= 1000000", "units": "1"}  # fmt: skip
    status, _, err = run(capsys, "theory", "--list", "nonsense")
    assert status == 2 and "unknown theory quantity 'nonsense'" in err


def test_quantity_help_gives_equation_source_domains_and_units(capsys):
    status, out, _ = run(capsys, "theory", "dense.circle_ring", "--help")
    assert status == 0
    assert "R = I_1(2 beta R)/I_0(2 beta R)" in out  # the equation, from the docstring
    assert "source: derived in amphase.theory.lse_landscape" in out
    assert "beta       inverse temperature" in out and "0 < beta" in out  # names padded to the longest
    status, out, _ = run(capsys, "theory", "diffusion.noise_beta", "-h")
    assert status == 0 and "(default 1)" in out and "process in {ve, vp}" in out
    status, out, _ = run(capsys, "theory", "--help")
    assert status == 0 and out.startswith("usage: amphase theory")


def test_codes_have_a_legend_and_notes_no_numpy_reprs(capsys):
    status, out, _ = run(capsys, "theory", "hopfield.phase_diagram", "alpha=0.07,0.15", "T=0,0.5")
    assert status == 0
    assert "# phase: 0 = paramagnetic, 1 = spin_glass, 2 = retrieval_metastable, 3 = retrieval_global" in out
    assert "np.float64" not in out and "alpha=0.07 (T_c exists" in out


def test_memory_beyond_the_machine_is_refused_in_under_a_second(capsys):
    import time

    t0 = time.perf_counter()
    status, out, err = run(capsys, "theory", "dense.random_feature_error", "Y=10", "d=1e12", "K=1")
    elapsed = time.perf_counter() - t0
    assert status == 2 and out == "" and err.count("\n") == 1 and elapsed < 1.0, (elapsed, err)
    assert "needs about 58.21 TiB of memory (its declared cost); this machine has" in err  # 64 bytes a K d


def test_sizes_that_grew_without_bound_are_cheap_now(capsys):
    # issue 17: N = 1e9 grew to 24 GB (a binomial sum over N + 1 values); the moments are in closed form now
    import time

    t0 = time.perf_counter()
    status, out, _ = run(capsys, "theory", "dense.sequence_capacity", "N=1e9", "--json")
    assert status == 0 and time.perf_counter() - t0 < 2.0
    res = json.loads(out)["results"]
    assert res["P_transition"] == pytest.approx(1e9 / (2 * np.log(1e9)), rel=1e-12)  # N/(2 ln N), CZKP Eq. 9 (d=1)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # issue 17: OverflowError tracebacks
        (["theory", "dense.lse_threshold_finite", "N=1e7", "lam=1e300"], "a value overflows the floating-point range"),
        (["theory", "dense.poly_stability", "N=3", "n=2", "alpha=1e300"], "allowed: K <= 1e250"),
    ],
)
def test_overflow_at_a_point_is_one_line(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == "" and err.count("\n") == 1 and message in err, err


def test_overflow_on_a_grid_is_nan_with_the_reason(capsys):
    status, out, _ = run(capsys, "theory", "dense.lse_threshold_finite", "N=1e7", "lam=1,1e300", "--json")
    obj = json.loads(out)
    assert status == 0 and obj["results"]["alpha_half"][1] is None and obj["results"]["alpha_half"][0] > 0.6
    assert obj["overflow_points"] == 1 and "a value overflows the floating-point range" in obj["overflow"]
    status, out, _ = run(capsys, "theory", "dense.lse_threshold_finite", "N=1e7", "lam=1,1e300")
    assert "# 1 grid points are NaN because a value overflows the float range, e.g. at lam=1e+300, N=10000000" in out


def test_values_that_overflowed_are_inf_or_finite_now(capsys):
    # issue 17: dense.exp_capacity N=1e6 and dense.poly_stability alpha=1e300 raised OverflowError
    status, out, _ = run(capsys, "theory", "dense.exp_capacity", "N=1000000", "--json")
    res = json.loads(out)["results"]
    assert status == 0 and res["K_all"] == "inf" and res["alpha_all"] == pytest.approx(np.log(2) / 2, rel=1e-15)


def test_a_long_evaluation_is_announced_before_it_starts(capsys):
    from amphase.cli_output import announce

    q = theory.get("dense.circle_minima")
    announce(q, q.check({"beta": 20, "K": 100000, "draws": 100000}), 1)  # announces; evaluates nothing
    err = capsys.readouterr().err
    assert err.startswith("amphase: dense.circle_minima: estimated about ") and err.count("\n") == 1
    announce(q, q.check({"beta": 20, "K": 10, "draws": 100}), 1)
    assert capsys.readouterr().err == ""


def test_batch_progress_lines_for_a_grid(capsys):
    status, out, err = run(capsys, "theory", "hopfield.T_g", "alpha=0:0.1:5", "--progress", "--progress-every", "1e-9")
    assert status == 0 and out.strip()
    lines = err.splitlines()
    assert lines[0] == "amphase: hopfield.T_g: 0/5 points (0 %), started, 0.0 s elapsed, ETA unknown"
    assert lines[-1].startswith("amphase: hopfield.T_g: 5/5 points (100 %), done, ")
    assert all(line.startswith("amphase: hopfield.T_g: ") for line in lines)
    status, _, err = run(capsys, "theory", "hopfield.T_g", "alpha=0:0.1:5", "--no-progress")
    assert status == 0 and err == ""
    status, _, err = run(capsys, "theory", "hopfield.T_g", "alpha=0:0.1:5", "--progress-every", "0")
    assert status == 2 and "--progress-every 0: must be a number of seconds > 0" in err


@pytest.fixture(scope="module")
def hop_nc(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cmp")
    out = folder / "hop.nc"
    argv = ["run", "hopfield-capacity", "N=60,100", "alpha=0.05,0.1,0.2", "realizations=2", "trials=2", "sweeps=20",
            "--out", str(out), "--executor", "serial", "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    return out


def test_compare_json(capsys, hop_nc, tmp_path):
    status, out, err = run(capsys, "compare", str(hop_nc), "--json", "--figure", str(tmp_path / "f.png"))
    assert status == 0, err
    obj = json.loads(out, parse_constant=lambda c: pytest.fail(f"JSON has {c}"))
    assert obj["dataset"] == str(hop_nc) and obj["figure"] == str(tmp_path / "f.png")
    m = obj["variables"]["m_measured"]
    assert m["dims"] == ["N", "alpha"] or set(m["dims"]) >= {"N", "alpha"}
    assert obj["coords"]["N"] == [60, 100] and any("replica-symmetric" in n for n in obj["notes"])
    frac = obj["variables"]["fraction"]
    assert "state" in frac["dims"] and obj["coords"]["state"][0] == "retrieval"


def test_compare_names_folders_and_reads_netcdf3(capsys, hop_nc, tmp_path):
    # issue 17: `compare x.zarr` and `compare .` said "no such file"; a netCDF-3 file "cannot read it as netCDF"
    store = tmp_path / "x.zarr"
    store.mkdir()
    (store / "zarr.json").write_text("{}")
    status, _, err = run(capsys, "compare", str(store))
    assert status == 2 and "is a folder: the checkpoint store of a run that has not finished" in err
    status, _, err = run(capsys, "compare", str(tmp_path))
    assert status == 2 and "is a folder; give the netCDF file (.nc) written by amphase run" in err
    other = tmp_path / "text.nc"
    other.write_text("not a dataset")
    status, _, err = run(capsys, "compare", str(other))
    assert status == 2 and "is not a netCDF file (it starts with b'not '" in err
    classic = tmp_path / "classic.nc"
    xr.load_dataset(hop_nc, engine="h5netcdf").to_netcdf(classic, engine="scipy")  # netCDF-3
    status, out, err = run(capsys, "compare", str(classic), "--figure", str(tmp_path / "c.png"))
    assert status == 0 and "replica-symmetric" in out, err


def test_after_an_interruption_abandoned_asyncio_tasks_are_not_reported(caplog, capsys):
    # seen in CI: after a second SIGTERM, zarr's pending write tasks were reported under "amphase: interrupted"
    import asyncio
    import gc
    import logging
    import signal

    from amphase.cli import _interrupted

    class Guard:
        signum = signal.SIGTERM

        def ignore(self):
            pass

    log = logging.getLogger("asyncio")
    try:
        assert _interrupted(Guard()) == 128 + signal.SIGTERM
        loop = asyncio.new_event_loop()
        task = loop.create_task(asyncio.sleep(3600))
        loop.call_soon(loop.stop)
        loop.run_forever()  # the task is now pending
        loop.close()
        del task
        gc.collect()  # a pending task destroyed: asyncio reports it on its logger
        assert [r for r in caplog.records if r.name == "asyncio"] == []
        assert capsys.readouterr().err == "amphase: interrupted\n"
    finally:
        log.disabled = False
