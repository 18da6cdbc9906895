"""The sweep runner: one dataset whatever the executor, resume after an interruption, seeds keyed by grid values."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from amphase.errors import ParameterError
from amphase.simulate.config import apply_overrides, resolve
from amphase.simulate.models import get_model
from amphase.simulate.seeding import point_seed
from amphase.simulate.store import CheckpointStore
from amphase.simulate.sweep import RUN_ATTRS, grid_points, run_point, run_sweep, store_path

RAW = {
    "model": "hopfield",
    "seed": 42,
    "realizations": 3,
    "grid": {"N": [150, 300], "alpha": [0.05, 0.14, 0.2]},
    "params": {"noise": 0.15, "trials": 2, "top": 4},
}


def data(ds):
    """A dataset without the attributes that describe how (not what) it was computed."""
    ds = ds.copy()
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in RUN_ATTRS}
    return ds


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "sweep.nc"
    return run_sweep(resolve(RAW), out, executor="serial", progress=False), out


def test_dataset_layout(serial):
    ds, out = serial
    assert ds["overlap"].dims == ("N", "alpha", "realization", "trial", "pattern")
    assert ds.sizes["pattern"] == 60  # the largest P on the grid; smaller P padded with NaN
    assert np.isnan(ds["overlap"].sel(N=150, alpha=0.05).values[..., 8:]).all()
    assert ds["K"].sel(N=150, alpha=0.05).values.tolist() == [8, 8, 8]  # round(0.05 x 150), per realization
    assert ds["N"].attrs["units"] == "1" and "long_name" in ds["alpha"].attrs
    assert ds["status"].attrs["flag_meanings"] == "fixed_point two_cycle max_sweeps thermal"
    for key in ("seed", "backend", "device", "git_commit", "config", "executor", "amphase_version"):
        assert key in ds.attrs
    assert ds.attrs["resumed_points"] == 0
    on_disk = xr.load_dataset(out, engine="h5netcdf")
    xr.testing.assert_identical(data(on_disk), data(ds))


@pytest.mark.parametrize(("executor", "workers"), [("processes", 2), ("dask", 2)])
def test_same_dataset_on_every_executor(serial, tmp_path, executor, workers):
    ds = run_sweep(resolve(RAW), tmp_path / "x.nc", executor=executor, workers=workers, progress=False)
    assert ds.attrs["executor"] == executor and ds.attrs["workers"] == workers
    xr.testing.assert_identical(data(ds), data(serial[0]))


def test_joining_a_running_dask_cluster(serial, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        ds = run_sweep(resolve(RAW), tmp_path / "d.nc", executor="dask", scheduler=cluster.scheduler_address)
    assert ds.attrs["scheduler"] == cluster.scheduler_address and ds.attrs["workers"] == 2
    xr.testing.assert_identical(data(ds), data(serial[0]))


def partial_store(config, out, done):
    """A checkpoint store with the grid points ``done`` finished, as an interrupted sweep leaves it."""
    from amphase.simulate.models import get_model

    model = get_model(config["model"])
    store = CheckpointStore.open_or_create(store_path(out), config, model.variables(config), model.sizes(config))
    for index in done:
        store.write(*run_point(config, index))
    return store


def test_resume_computes_only_what_is_missing(serial, tmp_path):
    out = tmp_path / "r.nc"
    config = resolve(RAW)
    store = partial_store(config, out, [(0, 0), (0, 2), (1, 0), (1, 1)])
    store.group["energy"][(0, 1)] = np.zeros((3, 2))  # scribbled over by a writer killed before its marker
    assert store.pending() == [(0, 1), (1, 2)]
    ds = run_sweep(config, out, executor="serial", progress=False)
    assert ds.attrs["resumed_points"] == 4
    xr.testing.assert_identical(data(ds), data(serial[0]))
    assert not store_path(out).exists()  # a finished sweep leaves only its dataset


def test_grid_dimensions_keep_their_order_through_a_resume(tmp_path):
    # dims in non-alphabetical order, one of them named: the store must not reorder them
    raw = {
        "model": "hopfield",
        "realizations": 1,
        "grid": {"cue": ["random", "pattern"], "alpha": [0.05, 0.1, 0.2]},
        "params": {"N": 100},
    }
    first = run_sweep(resolve(raw), tmp_path / "o.nc", executor="serial", progress=False)
    assert first["m_cue"].dims[:2] == ("cue", "alpha") and first["cue"].values.tolist() == ["random", "pattern"]
    assert np.isnan(first["m_cue"].sel(cue="random")).all() and np.isfinite(first["m_cue"].sel(cue="pattern")).all()
    partial_store(resolve(raw), tmp_path / "again.nc", [(1, 0), (0, 2)])
    again = run_sweep(resolve(raw), tmp_path / "again.nc", executor="serial", progress=False)
    assert again.attrs["resumed_points"] == 2
    xr.testing.assert_identical(data(first), data(again))


def test_a_store_for_another_configuration_is_refused(tmp_path):
    out = tmp_path / "c.nc"
    partial_store(resolve(apply_overrides(RAW, ["realizations=1", "N=100"])), out, [(0, 0)])
    changed = resolve(apply_overrides(RAW, ["realizations=1", "N=100", "noise=0.2"]))
    with pytest.raises(ParameterError, match="different configuration \\(differs in params\\)"):
        run_sweep(changed, out, executor="serial")
    ds = run_sweep(changed, out, executor="serial", restart=True)
    assert not [k for k in ds.attrs if k.startswith("param_")]  # no param_X attributes any more (issue 18)
    # a fixed parameter is a scalar coordinate with its units and long name (issue 18)
    assert ds["noise"].dims == () and float(ds["noise"]) == 0.2
    assert ds["noise"].attrs == get_model("hopfield").param("noise").attrs()


def test_a_finished_result_is_never_replaced_silently(tmp_path):
    out = tmp_path / "f.nc"
    config = resolve(apply_overrides(RAW, ["realizations=1", "N=100"]))
    first = run_sweep(config, out, executor="serial", progress=False)
    with pytest.raises(ParameterError, match=f"{out} exists; choose another --out, or give --overwrite"):
        run_sweep(resolve(apply_overrides(RAW, ["realizations=1", "N=120"])), out, executor="serial")
    again = run_sweep(config, out, executor="serial", progress=False, overwrite=True)
    xr.testing.assert_identical(data(first), data(again))


def test_a_grid_without_dimensions_runs_its_one_point(tmp_path):
    # issue 8: no [grid] used to count the single point as "already in the checkpoint" and write all-NaN data
    raw = {"model": "hopfield", "seed": 4, "realizations": 2, "params": {"N": 500, "alpha": 0.1, "trials": 3}}
    ds = run_sweep(resolve(raw), tmp_path / "one.nc", executor="serial", progress=False)
    assert ds.attrs["resumed_points"] == 0
    assert ds["m_cue"].dims == ("realization", "trial") and np.isfinite(ds["m_cue"]).all()
    assert (ds["K"] == 50).all() and (ds["status"] == 0).all()
    _, alone = run_point(resolve(raw), ())
    np.testing.assert_array_equal(ds["m_cue"].values, alone["m_cue"])


def test_an_executor_object_is_used_as_it_is(serial, tmp_path):
    from amphase.simulate.executors import Executor

    ex = Executor()
    ds = run_sweep(resolve(RAW), tmp_path / "e.nc", executor=ex, progress=False)
    xr.testing.assert_identical(data(ds), data(serial[0]))


def test_a_sweep_that_cannot_fit_is_refused_before_any_work(tmp_path):
    # issue 8: N = 10^7 used to create the store, then die allocating 1.82 TiB
    config = resolve(apply_overrides(RAW, ["N=10000000", "alpha=0.1", "realizations=1"]))
    with pytest.raises(ParameterError, match=r"one grid point needs about [\d.]+ TiB of memory .* available"):
        run_sweep(config, tmp_path / "big.nc", executor="serial")
    assert not any(tmp_path.iterdir())


def test_bad_run_options_fail_before_any_work(tmp_path):
    with pytest.raises(ParameterError, match="workers=0 is not allowed"):
        run_sweep(resolve(RAW), tmp_path / "w.nc", workers=0)
    with pytest.raises(ParameterError, match=r"must end in \.nc"):
        run_sweep(resolve(RAW), tmp_path / "w.zarr")
    with pytest.raises(ParameterError, match="use it with --executor dask"):
        run_sweep(resolve(RAW), tmp_path / "w.nc", executor="processes", scheduler="tcp://localhost:1")
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_an_unreachable_scheduler_leaves_nothing_behind(tmp_path):
    with pytest.raises(ParameterError, match="cannot connect"):  # after the 10 s connection timeout
        run_sweep(resolve(RAW), tmp_path / "w.nc", executor="dask", scheduler="tcp://127.0.0.1:9")
    assert not any(tmp_path.iterdir())


def test_seeds_are_keyed_by_grid_values_not_positions():
    small = resolve(apply_overrides(RAW, ["N=300", "alpha=0.14"]))
    _, alone = run_point(small, (0, 0))
    _, within = run_point(resolve(RAW), (1, 1))  # the same (N, alpha) inside the bigger grid
    for key in alone:
        np.testing.assert_array_equal(alone[key], within[key])
    a = point_seed(1, {"N": 100, "alpha": 0.1}, 0).generate_state(2)
    assert not np.array_equal(a, point_seed(1, {"N": 100, "alpha": 0.1}, 1).generate_state(2))
    assert not np.array_equal(a, point_seed(1, {"N": 100, "alpha": 0.10000000000000002}, 0).generate_state(2))
    assert not np.array_equal(a, point_seed(2, {"N": 100, "alpha": 0.1}, 0).generate_state(2))


def markers(done):
    """The finished grid points' markers in a store's ``.done/`` folder (``p_0_3``), as the store counts them."""
    return [entry for entry in done.iterdir() if entry.name.startswith("p_")] if done.is_dir() else []


def test_kill_and_resume_gives_the_uninterrupted_dataset(tmp_path):
    # a sweep of 8 grid points, killed with SIGKILL once some are written, then resumed with the same command
    args = ["hopfield-capacity", "N=400,800", "alpha=0.06,0.1,0.14,0.18", "realizations=2", "params.trials=2"]
    out = tmp_path / "killed.nc"
    cmd = [sys.executable, "-m", "amphase", "run", *args, "--out", str(out), "--executor", "serial", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = store_path(out) / ".done"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if done.is_dir() and len(markers(done)) >= 2:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = len(markers(done))  # not the hidden temporary file of a marker being written at the kill
    assert 2 <= finished < 8, "the sweep was not interrupted part-way"
    assert not out.exists()
    resumed = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert f"({finished} grid points were already in the checkpoint)" in resumed.stderr
    reference = tmp_path / "reference.nc"
    subprocess.run([*cmd[:-5], "--out", str(reference), "--executor", "serial", "--no-progress"], check=True)
    xr.testing.assert_identical(
        data(xr.load_dataset(out, engine="h5netcdf")), data(xr.load_dataset(reference, engine="h5netcdf"))
    )


def test_a_store_larger_than_memory_is_read_lazily(serial, tmp_path, monkeypatch):
    # pretend the machine has 10 kB: the store (~20 kB) exceeds a quarter of it and is read through Dask
    import amphase.simulate.store as store_module

    monkeypatch.setattr(store_module, "available_memory", lambda: 1e4)
    out = tmp_path / "lazy.nc"
    store = partial_store(resolve(RAW), out, [(0, 0)])
    assert (
        store.lazy and store.to_dataset(partial=True)["overlap"].chunks is not None
    )  # Dask arrays, one grid point a chunk
    ds = run_sweep(resolve(RAW), out, executor="serial", progress=False)
    xr.testing.assert_identical(data(ds.load()), data(serial[0]))
    ds.close()


# -- one front door: what a TOML file accepts, the CLI's resolution and checks, nothing left behind on refusal -------
def test_run_sweep_takes_what_a_toml_file_takes(serial, tmp_path):
    ds = run_sweep(
        RAW,  # not resolved: defaults missing
        tmp_path / "raw.nc",
        executor="serial",
        progress=False,
    )
    xr.testing.assert_identical(data(ds), data(serial[0]))
    toml = tmp_path / "c.toml"
    toml.write_text(
        'model = "hopfield"\nseed = 42\nrealizations = 3\n[grid]\nN = [150, 300]\nalpha = [0.05, 0.14, 0.2]\n'
        "[params]\nnoise = 0.15\ntrials = 2\ntop = 4\n"
    )
    ds = run_sweep(toml, tmp_path / "toml.nc", executor="serial", progress=False)
    xr.testing.assert_identical(data(ds), data(serial[0]))


def test_a_resolved_configuration_resolves_to_itself():
    from amphase.simulate.config import builtin_configs, load_config

    for name in sorted(builtin_configs()):
        resolved = resolve(load_config(name)[1])
        assert resolve(resolved) == resolved, name


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # issue 17: a raw mapping gave KeyError 'T'; a resolved one edited to N = [-5] gave a ValueError and neg.zarr
        (lambda c: c["params"].pop("T"), None),
        (lambda c: c["grid"].update(N=[-5]), "N=-5 is outside its domain"),
        (lambda c: c["params"].update(trials=0), "trials=0 is outside its domain"),
        (lambda c: c.update(realizations=0), "realizations=0 is not allowed"),
        (lambda c: c.update(model="hopfeld"), "hopfeld"),
        (lambda c: c.update(colour="red"), "config key 'colour' is unknown"),
    ],
)
def test_run_sweep_refuses_as_the_cli_does_and_leaves_nothing(tmp_path, edit, message):
    config = resolve(RAW)
    edit(config)
    if message is None:  # a default left out: filled in, as in a TOML file
        ds = run_sweep(config, tmp_path / "ok.nc", executor="serial", progress=False)
        assert float(ds["T"]) == 0.0 and ds["T"].dims == ()
        return
    with pytest.raises(ParameterError, match=message):
        run_sweep(config, tmp_path / "neg.nc", executor="serial")
    assert not any(tmp_path.iterdir())


def test_run_sweep_refuses_a_config_that_is_no_configuration(tmp_path):
    with pytest.raises(ParameterError, match=r"expected a mapping .* got list"):
        run_sweep([("model", "hopfield")], tmp_path / "l.nc")
    with pytest.raises(ParameterError, match="no such file or built-in configuration"):
        run_sweep(str(tmp_path / "missing.toml"), tmp_path / "m.nc")
    assert not any(tmp_path.iterdir())


def test_a_store_this_run_created_is_removed_when_the_run_fails_before_a_point(tmp_path, monkeypatch):
    import amphase.simulate.sweep as sweep

    def broken(args):
        raise RuntimeError("a model bug")

    monkeypatch.setattr(sweep, "_task", broken)
    with pytest.raises(RuntimeError, match="a model bug"):
        run_sweep(RAW, tmp_path / "b.nc", executor="serial")
    assert not any(tmp_path.iterdir())


def test_a_long_run_is_announced_with_its_estimate(capsys):
    # issue 17: no estimate before diffusion-circle K=10000000 or a Hopfield run at N = 100000, alpha = 0.5
    from amphase.simulate.models import get_model
    from amphase.simulate.sweep import _announce, estimate_seconds

    model = get_model("hopfield")
    assert estimate_seconds(model, [4 * model.rate, model.rate, model.rate], 2) == 4.0  # the longest point alone
    assert estimate_seconds(model, [model.rate] * 6, 2) == 3.0  # sum / (rate x workers)
    from amphase.simulate.config import load_config

    config = resolve(apply_overrides(load_config("hopfield-capacity")[1], ["N=100000", "alpha=0.5", "overlaps=all"]))
    costs = [float(model.cost(p)) * config["realizations"] for _, p in grid_points(config)]
    _announce("hopfield", model, costs, 2)
    err = capsys.readouterr().err
    assert err.startswith("amphase: hopfield: 1 grid point to run, estimated ") and " h " in err
    _announce("hopfield", model, [model.rate], 2)  # one second: not announced
    assert capsys.readouterr().err == ""
