"""The sweep runner, shared by every model family: grid x realizations -> one labelled dataset.

:func:`run_sweep` takes a resolved configuration (:func:`amphase.simulate.config.resolve`) and

1. opens or creates the checkpoint store beside the output (:mod:`amphase.simulate.store`), and skips every grid
   point already finished there, so an interrupted sweep resumes with the same command;
2. runs each remaining grid point (all its realizations) as one task on an executor
   (:mod:`amphase.simulate.executors`), writing it to the store as soon as it finishes, with a progress bar;
3. reads the store into an :class:`xarray.Dataset` with coordinates, units and provenance, and writes it atomically
   as netCDF.

Seeding: realization ``r`` at grid point ``p`` gets ``SeedSequence(seed, spawn_key=key(p) + (r,))``, where
``key(p)`` is built from the *values* of the grid coordinates (the 64 bits of each float, or the CRC-32 of a name,
each preceded by the CRC-32 of the dimension name). Its results therefore do not depend on the executor, the number
of workers, the order in which points finish, or on which other points the grid holds.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
import time
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from amphase.dataset import COORDINATES, provenance_attrs, write_netcdf
from amphase.errors import ParameterError
from amphase.simulate.executors import check_executor, make_executor
from amphase.simulate.locking import OutputLock
from amphase.simulate.models import Choice, get_model
from amphase.simulate.store import CheckpointStore

__all__ = ["RUN_ATTRS", "point_seed", "run_point", "run_sweep", "store_path"]

#: global attributes that describe how (not what) a sweep ran; they may differ between identical results.
RUN_ATTRS = ("created", "history", "executor", "workers", "scheduler", "resumed_points", "wall_time_s")


def _key(name: str, value: Any) -> tuple[int, int]:
    if isinstance(value, str):
        return zlib.crc32(name.encode()), zlib.crc32(value.encode())
    return zlib.crc32(name.encode()), struct.unpack("<Q", struct.pack("<d", float(value)))[0]


def point_seed(seed: int, point: Mapping[str, Any], realization: int) -> np.random.SeedSequence:
    """The seed of one realization at one grid point (see the module docstring)."""
    key = tuple(k for name in sorted(point) for k in _key(name, point[name]))
    return np.random.SeedSequence(seed, spawn_key=(*key, realization))


def _point(config: Mapping[str, Any], index: tuple[int, ...]) -> dict[str, Any]:
    return {name: values[i] for (name, values), i in zip(config["grid"].items(), index, strict=True)}


def run_point(config: Mapping[str, Any], index: tuple[int, ...]) -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
    """Run every realization of grid point ``index``; returns ``index`` and arrays shaped ``(realization, ...)``."""
    model = get_model(config["model"])
    point = _point(config, index)
    params = {**config["params"], **point}
    runs = [model.run(params, point_seed(config["seed"], point, r)) for r in range(config["realizations"])]
    return index, {name: np.stack([np.asarray(r[name]) for r in runs]) for name in runs[0]}


def _task(args: tuple[Mapping[str, Any], tuple[int, ...]]) -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
    return run_point(*args)


def store_path(out: str | os.PathLike[str]) -> Path:
    """The checkpoint store of output ``out``: the same name with the suffix ``.zarr``."""
    return Path(out).with_suffix(".zarr")


def run_sweep(
    config: Mapping[str, Any],
    out: str | os.PathLike[str],
    *,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    restart: bool = False,
    wait: bool = False,
) -> xr.Dataset:
    """Run (or resume) a sweep and write its dataset to ``out`` (netCDF).

    Parameters
    ----------
    config : mapping
        A resolved configuration (:func:`amphase.simulate.config.resolve`).
    out : path
        The netCDF file to write (``.nc``); the checkpoint store is :func:`store_path` of it.
    executor, workers, scheduler
        Where the tasks run (:func:`amphase.simulate.executors.make_executor`).
    progress : bool, optional
        Show a progress bar; by default when standard error is a terminal.
    restart : bool
        Discard an existing checkpoint store instead of resuming it.
    wait : bool
        If another run holds the lock on ``out``, wait for it to finish (then resume its checkpoint) instead of
        raising :class:`~amphase.simulate.locking.OutputLockedError` (see :mod:`amphase.simulate.locking`).

    Returns
    -------
    xarray.Dataset
        The result, as written to ``out``.

    """
    out = Path(out)
    if out.suffix != ".nc":
        raise ParameterError(f"--out {out}: the output file must end in .nc (netCDF)")
    check_executor(executor, workers, scheduler)
    with OutputLock(out, wait=wait):  # one run per output: held until the dataset is written
        return _run_locked(config, out, executor, workers, scheduler, progress, restart)


def _run_locked(
    config: Mapping[str, Any],
    out: Path,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    progress: bool | None,
    restart: bool,
) -> xr.Dataset:
    model = get_model(config["model"])
    variables = model.variables(config)
    sizes = model.sizes(config)
    path = store_path(out)
    started = time.perf_counter()
    with make_executor(executor, workers, scheduler) as ex:  # first: an unreachable cluster leaves no store behind
        if restart and path.exists():
            shutil.rmtree(path)
        store = CheckpointStore.open_or_create(path, config, variables, sizes)
        pending = store.pending()
        total = int(np.prod(store.shape, dtype=int))
        results = ex.imap_unordered(_task, [(dict(config), ix) for ix in pending])
        if progress if progress is not None else sys.stderr.isatty():
            from tqdm.auto import tqdm

            results = tqdm(results, total=total, initial=total - len(pending), desc=config["title"][:40], unit="pt")
        for index, data in results:
            store.write(index, data)
        run = {"executor": ex.name, "workers": ex.workers, "scheduler": ex.address}
    ds = _assemble(store, config)
    ds.attrs.update(run, resumed_points=total - len(pending), wall_time_s=round(time.perf_counter() - started, 3))
    write_netcdf(ds, out)
    return ds


def _assemble(store: CheckpointStore, config: Mapping[str, Any]) -> xr.Dataset:
    model = get_model(config["model"])
    ds = store.to_dataset()
    coords: dict[str, Any] = {}
    for name, values in config["grid"].items():
        p = model.param(name)
        attrs = {"long_name": COORDINATES.get(name, {}).get("long_name", p.description)}
        if not isinstance(p, Choice):
            attrs["units"] = p.units
        coords[name] = (name, np.asarray(values), attrs)
    coords["realization"] = ("realization", np.arange(config["realizations"]), COORDINATES["realization"])
    for dim, (values, attrs) in model.coords(config).items():
        coords[dim] = (dim, values, attrs)
    ds = ds.assign_coords(coords)
    ds.attrs.update(provenance_attrs(config["title"], model.references, config))
    ds.attrs.update(model=model.name, seed=config["seed"], realizations=config["realizations"])
    ds.attrs["seed_scheme"] = (
        "realization r at a grid point: numpy.random.SeedSequence(seed, spawn_key=key + (r,)), key = for each grid "
        "dimension in sorted order (crc32(name), float64 bits of the value or crc32 of a name); "
        "see amphase.simulate.sweep"
    )
    ds.attrs.update({f"param_{k}": v for k, v in config["params"].items()})
    ds.attrs.update(model.attrs(config))
    return ds
