"""Session set-up shared by every test module."""

from __future__ import annotations

import os
import signal

import pytest

# The `cudasim` tests run numba-cuda kernels under Numba's CUDA simulator, which is chosen once, when numba.cuda is
# first imported: set here, before any test module imports it (a conftest at the root is imported first). An explicit
# NUMBA_ENABLE_CUDASIM=0 (scripts/device_check.sh on a lent GPU) runs the same tests on the device.
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
# On a device the tests launch a few blocks: numba-cuda's low-occupancy warning would be an error (filterwarnings).
os.environ.setdefault("NUMBA_CUDA_LOW_OCCUPANCY_WARNINGS", "0")


def pytest_configure(config) -> None:
    # Started in the background of a non-interactive shell (`cmd &`, nohup), a process inherits SIGINT ignored, and
    # amphase by design leaves an ignored SIGINT alone (amphase.simulate.executors). The signal tests exercise Ctrl-C
    # as a program in the foreground receives it, so the session restores Python's default handler; the processes
    # it starts then get SIGINT at its default again (exec resets handled signals).
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def even_ring():
    """``even_ring(K, beta) -> (beta * DeltaE, owning weight)`` for K evenly spaced points on the unit circle.

    Independent of any path: by symmetry a minimum lies on each point's ray and the saddle between neighbours on the
    bisecting ray, each the radial minimum of E along its ray (:func:`amphase.simulate.lse_valley.valley_profile` on
    2K rays, which include both).
    """
    import numpy as np

    from amphase.simulate.lse import lse
    from amphase.simulate.lse_valley import valley_profile

    def profile(K: int, beta: float) -> tuple[float, float]:
        th = 2 * np.pi * np.arange(K) / K
        v = valley_profile(th, beta, M=2 * K)
        w = lse(beta, np.stack([np.cos(th), np.sin(th)], 1)).weights(np.array([v.r[0], 0.0])).max()
        return beta * (v.F[1] - v.F[0]), float(w)

    return profile


def _snapshot_sizes() -> dict[str, list[str]]:
    """``config_snapshots.SMALL``: the small size of every built-in configuration (``scripts/config_snapshots.py``)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "config_snapshots.py"
    spec = importlib.util.spec_from_file_location("_config_snapshots_for_tests", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.SMALL


@pytest.fixture(scope="session")
def tiny_config():
    """``tiny_config(model) -> (configuration name, resolved configuration)``, the smallest run of a model.

    The first built-in configuration of ``model`` (by name) that ``config_snapshots.SMALL`` sizes, at that size, with
    every grid dimension cut to its first value and one realization: one task, seconds at most.
    """
    from amphase.simulate.config import apply_overrides, builtin_configs, load_config, resolve

    small = _snapshot_sizes()
    cache: dict[str, tuple[str, dict]] = {}

    def make(model: str) -> tuple[str, dict]:
        if model not in cache:
            found = sorted(
                name for name, path in builtin_configs().items() if load_config(str(path))[1]["model"] == model
            )
            name = next((n for n in found if n in small), None)
            if name is None:
                pytest.fail(f"model {model!r} has no built-in configuration sized in config_snapshots.SMALL")
            config = resolve({**apply_overrides(load_config(name)[1], small[name]), "realizations": 1})
            config["grid"] = {dim: values[:1] for dim, values in config["grid"].items()}
            cache[model] = (name, config)
        return cache[model]

    return make


@pytest.fixture(scope="session")
def tiny_dataset(tiny_config, tmp_path_factory):
    """``tiny_dataset(model) -> (resolved configuration, dataset as returned, dataset read back, its file)``.

    One sweep per model and session (serial executor, no progress bar), of :func:`tiny_config`'s configuration; the
    file is netCDF through :func:`amphase.simulate.sweep.run_sweep`, read back with ``xarray.load_dataset``.
    """
    import xarray as xr

    from amphase.simulate.sweep import run_sweep

    cache: dict[str, tuple] = {}

    def make(model: str) -> tuple:
        if model not in cache:
            _, config = tiny_config(model)
            out = tmp_path_factory.mktemp("tiny") / f"{model}.nc"
            ds = run_sweep(config, out, executor="serial", progress=False, notify=None)
            cache[model] = (config, ds, xr.load_dataset(out, engine="h5netcdf"), out)
        return cache[model]

    return make
