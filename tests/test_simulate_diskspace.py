"""The disk estimate of a sweep is an upper bound of what its checkpoint store and dataset take, and not a loose one."""

import os

import numpy as np
import pytest
import xarray as xr

from amphase.dataset import netcdf_bytes, write_netcdf
from amphase.simulate.config import resolve
from amphase.simulate.diskspace import block_size, sweep_bytes
from amphase.simulate.executors import Executor
from amphase.simulate.models import get_model
from amphase.simulate.sweep import run_sweep, store_path

CONFIGS = {
    "top overlaps": {
        "model": "hopfield",
        "seed": 1,
        "realizations": 2,
        "grid": {"N": [100, 200], "alpha": [0.05, 0.1, 0.15]},
        "params": {"trials": 2},
    },
    "every overlap": {
        "model": "hopfield",
        "seed": 1,
        "realizations": 3,
        "grid": {"alpha": [0.05, 0.1]},
        "params": {"N": 400, "trials": 4, "overlaps": "all"},
    },
}


def used(path):
    """Bytes a file or a folder (with everything in it) takes on its file system: its blocks."""
    total = os.lstat(path).st_blocks * 512
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            total += sum(os.lstat(os.path.join(root, n)).st_blocks * 512 for n in dirs + files)
    return total


class Stopped(Executor):
    """Runs every task, then stops before the sweep writes its dataset: the checkpoint store at its largest."""

    def imap_unordered(self, fn, items):
        yield from (fn(item) for item in items)
        raise KeyboardInterrupt


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_estimate_bounds_the_store_and_the_dataset(name, tmp_path):
    config = resolve(CONFIGS[name])
    model = get_model(config["model"])
    points = int(np.prod([len(v) for v in config["grid"].values()]))
    estimate = sweep_bytes(model, config, points, new_store=True, block=block_size(tmp_path / "o.nc"))
    with pytest.raises(KeyboardInterrupt):
        run_sweep(config, tmp_path / "o.nc", executor=Stopped(), progress=False)
    store = used(store_path(tmp_path / "o.nc"))
    ds = run_sweep(config, tmp_path / "o.nc", executor="serial", progress=False)
    dataset = used(tmp_path / "o.nc")
    print(f"\n{name}: store {store} <= {estimate['store']}, dataset {dataset} <= {estimate['dataset']} bytes")
    assert store <= estimate["store"] <= 3 * store
    assert dataset <= estimate["dataset"] <= 3 * dataset + 16384
    ds.close()


@pytest.mark.parametrize(
    "ds",
    [
        xr.Dataset({f"v{i}": ("x", np.arange(3.0)) for i in range(50)}, attrs={"a": "x" * 10000}),
        xr.Dataset({f"v{i}": ("x", np.arange(3.0), {"long": "y" * 5000}) for i in range(50)}),
        xr.Dataset({f"v{i}": ("x", np.arange(3.0), {f"a{j}": j for j in range(300)}) for i in range(5)}),
        xr.Dataset({"big": (("x", "y"), np.zeros((400, 500)))}, coords={"x": np.arange(400.0)}),
    ],
    ids=["many variables", "long attributes", "many attributes", "large data"],
)
def test_netcdf_bytes_bounds_the_file(ds, tmp_path):
    attrs = dict(ds.attrs)
    for name, var in ds.variables.items():
        attrs.update({f"{name}.{k}": v for k, v in var.attrs.items()})
    path = write_netcdf(ds, tmp_path / "x.nc")
    assert path.stat().st_size <= netcdf_bytes(ds.nbytes, len(ds.variables), attrs)
