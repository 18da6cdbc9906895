"""Many grid points per device task: grouped by launch key within a byte budget, split back per grid point."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from amphase.simulate.config import resolve
from amphase.simulate.device_batches import batched_points, group_by_budget
from amphase.simulate.models import get_model
from amphase.simulate.sweep import run_point


def _config():
    return resolve({
        "model": "hopfield", "seed": 3, "realizations": 2,
        "grid": {"N": [24, 30], "alpha": [0.1, 0.2]},
        "params": {"cue": "random", "trials": 2, "sweeps": 20},
    })  # fmt: skip


def _key_bytes(params):
    N = params["N"]
    return (N,), N * round(params["alpha"] * N)


def test_group_by_budget():
    assert group_by_budget([3, 3, 5, 9, 1], 6) == [[0, 1], [2], [3], [4]]
    assert group_by_budget([], 6) == []
    assert group_by_budget([1, 1, 1], 100) == [[0, 1, 2]]


def test_points_grouped_by_key_within_budget_equal_per_point_runs():
    config = _config()
    model = get_model("hopfield")
    pending = [(0, 0), (1, 0), (0, 1), (1, 1)]
    calls = []

    def run_many(items):
        calls.append(sorted({(p["N"], p["alpha"]) for p, _ in items}))
        return [model.run(params, seed) for params, seed in items]

    # N = 24: K = 2 and 5 -> 2 x (48 + 120) bytes = 336 <= 400; N = 30: K = 3 and 6 -> 2 x (90 + 180) = 540 > 400
    out = dict(batched_points(config, pending, run_many, _key_bytes, budget=400))
    assert calls == [[(24, 0.1), (24, 0.2)], [(30, 0.1)], [(30, 0.2)]]
    assert sorted(out) == sorted(pending)
    for index in pending:
        _, ref = run_point(config, index)
        assert out[index].keys() == ref.keys()
        for name in ref:
            np.testing.assert_array_equal(out[index][name], ref[name], err_msg=name)


@pytest.mark.cudasim
def test_hopfield_points_in_one_cuda_launch_equal_cpu_per_point():
    """The Hopfield model's realizations of two grid points in one CUDA ensemble (simulator): the CPU sweep's data."""
    pytest.importorskip("numba_cuda", reason="numba-cuda (the test extra) is not installed")
    from amphase.simulate.binary.cuda_engine import launch_key, run_realizations
    from amphase.simulate.hopfield.hopfield import HopfieldRun
    from amphase.simulate.hopfield.preset import measure

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    config = _config()
    launches = []

    def run_many(items):
        runs = [HopfieldRun(**params) for params, _ in items]
        launches.append(len({launch_key(r.binary) for r in runs}))
        ends = run_realizations([r.binary for r in runs], [seed for _, seed in items], threads=4)
        return [
            measure(e.M.astype(np.int32), r.N, e.cued, e.sweeps, e.status, r.top)
            for e, r in zip(ends, runs, strict=True)
        ]

    pending = [(0, 0), (0, 1)]  # N = 24, both loads: one launch key
    try:
        out = dict(batched_points(config, pending, run_many, _key_bytes, budget=10**6))
    finally:
        sys.setswitchinterval(previous)
    assert launches == [1]
    for index in pending:
        _, ref = run_point(config, index)
        for name in ref:
            np.testing.assert_array_equal(out[index][name], ref[name], err_msg=name)


@pytest.mark.cudasim
def test_sweep_on_the_device_executor_equals_the_serial_sweep(tmp_path, monkeypatch):
    """A whole Hopfield sweep through the device executor: grid points batched by launch key into CUDA ensembles
    (simulator; the device test stands in for backend='gpu'), written point by point: the serial sweep's data."""
    pytest.importorskip("numba_cuda", reason="numba-cuda (the test extra) is not installed")
    import xarray as xr

    import amphase.simulate.hopfield.device as device
    from amphase.simulate.device_executor import DeviceExecutor
    from amphase.simulate.sweep import RUN_ATTRS, run_sweep

    batches = []
    run_many = device.run_many
    monkeypatch.setattr(device, "_on_device", lambda run: True)
    monkeypatch.setattr(device, "run_many", lambda items: batches.append(len(items)) or run_many(items))
    model = get_model("hopfield")
    monkeypatch.setattr(
        "amphase.simulate.sweep.get_model",
        lambda name: type(model)(**{**model.__dict__, "run_many": device.run_many}),
    )
    config = _config()
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        with DeviceExecutor() as ex:
            dev = run_sweep(config, tmp_path / "dev.nc", executor=ex, progress=False, notify=None)
    finally:
        sys.setswitchinterval(previous)
    ref = run_sweep(config, tmp_path / "ref.nc", executor="serial", progress=False, notify=None)
    assert sorted(batches) == [4, 4]  # two launch keys (N = 24, 30), both loads of each in one task
    assert dev.attrs["executor"] == "device"
    drop = [*RUN_ATTRS, "executor"]
    xr.testing.assert_identical(
        dev.drop_attrs().assign_attrs({k: v for k, v in dev.attrs.items() if k not in drop}),
        ref.drop_attrs().assign_attrs({k: v for k, v in ref.attrs.items() if k not in drop}),
    )
