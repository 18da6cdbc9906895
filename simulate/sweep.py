"""The sweep runner, shared by every model family: grid x realizations -> one labelled dataset.

:func:`run_sweep` takes a configuration as a TOML file gives it (a mapping, raw or already resolved, or the path of
a TOML file or a built-in name) and

1. resolves it (:func:`amphase.simulate.config.resolve`: defaults filled, every value of every grid point checked)
   and checks, before any work, that the output can be written (not there yet unless ``overwrite``; not the
   configuration file being read; its folder writable) and that the sweep fits the machine
   (:func:`check_resources`: one grid point's memory times the workers against the available memory), raising the
   project's own errors, with nothing left behind;
2. opens or creates the checkpoint store beside the output (:mod:`amphase.simulate.store`), verifies every grid
   point already finished there against its checksum (a damaged one is recomputed, and the count is told), and
   checks that the rest of the store and the dataset fit on the disk (:mod:`amphase.simulate.diskspace`);
3. runs each remaining grid point (all its realizations) as one task on an executor
   (:mod:`amphase.simulate.executors`), the most expensive first, writing each to the store as soon as it
   finishes, with a progress bar that counts the models' cost estimates;
4. reads the store into an :class:`xarray.Dataset` (lazily, through Dask, when it is large), verifying every point
   again, with coordinates, units and provenance, writes it atomically as netCDF, and removes the checkpoint store.

A full disk is an ordinary error (:class:`~amphase.errors.DiskFullError`, one line in the CLI): the checkpoint keeps
every finished point and the same command resumes once space is freed. A store that this run created and that holds
no finished point is removed when the run fails.

A grid may have no dimension at all: the sweep is then one point. Seeds are described in
:mod:`amphase.simulate.seeding`.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from amphase.atomic import check_distinct, check_output, disk_full, is_disk_full
from amphase.dataset import COORDINATES, param_coords, provenance_attrs, write_netcdf
from amphase.errors import DiskFullError, ParameterError
from amphase.machine import fmt_seconds
from amphase.progress import Progress
from amphase.renames import seed_names
from amphase.simulate.config import resolve_source
from amphase.simulate.device_batches import DEVICE_TASK_BYTES, batched_points
from amphase.simulate.device_executor import check_backend_executor
from amphase.simulate.executors import Executor, check_executor, make_executor
from amphase.simulate.locking import OutputLock
from amphase.simulate.models import Model, get_model
from amphase.simulate.resume import finished_points, open_checkpoint, written_meanwhile
from amphase.simulate.seeding import SEED_SCHEME, point_seed
from amphase.simulate.store import CheckpointStore, available_memory, fmt_bytes

__all__ = [
    "RUN_ATTRS",
    "SweepOutcome",
    "check_resources",
    "estimate_seconds",
    "grid_points",
    "run_point",
    "run_sweep",
    "run_sweep_outcome",
    "store_path",
]

#: global attributes that describe how (not what) a sweep ran; they may differ between identical results.
RUN_ATTRS = (
    "created",
    "history",
    "executor",
    "workers",
    "scheduler",
    "resumed_points",
    "recomputed_points",
    "wall_time_s",
)


def _backends(config: Mapping[str, Any]) -> list[str]:
    """The backend names a sweep's grid points use (none for a model without a ``backend`` parameter)."""
    values = config["grid"].get("backend", [config["params"].get("backend")])
    return [str(v) for v in values if v is not None]


def _point(config: Mapping[str, Any], index: tuple[int, ...]) -> dict[str, Any]:
    return {name: values[i] for (name, values), i in zip(config["grid"].items(), index, strict=True)}


def grid_points(config: Mapping[str, Any]) -> Iterator[tuple[tuple[int, ...], dict[str, Any]]]:
    """Every grid point of ``config``: its index and its full parameters (fixed ones included), in C order."""
    shape = tuple(len(v) for v in config["grid"].values())
    for index in np.ndindex(*shape):
        yield index, {**config["params"], **_point(config, index)}


def run_point(config: Mapping[str, Any], index: tuple[int, ...]) -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
    """Run every realization of grid point ``index``; returns ``index`` and arrays shaped ``(realization, ...)``."""
    model = get_model(config["model"])
    point = _point(config, index)
    params = {**config["params"], **point}
    keyed = {seed_names(model.name).get(k, k): v for k, v in point.items()}  # a renamed parameter keeps its key
    runs = [model.run(params, point_seed(config["seed"], keyed, r)) for r in range(config["realizations"])]
    return index, {name: np.stack([np.asarray(r[name]) for r in runs]) for name in runs[0]}


def _task(args: tuple[Mapping[str, Any], tuple[int, ...]]) -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
    return run_point(*args)


def store_path(out: str | os.PathLike[str]) -> Path:
    """The checkpoint store of output ``out``: the same name with the suffix ``.zarr``."""
    return Path(out).with_suffix(".zarr")


def _result_bytes(model: Model, config: Mapping[str, Any]) -> int:
    """Bytes of every result variable over the whole grid."""
    sizes = model.sizes(config)
    points = math.prod(len(v) for v in config["grid"].values())
    total = 0
    for var in model.variables(config).values():
        per = math.prod(sizes[d] for d in var.dims) * np.dtype(var.dtype).itemsize
        total += points * config["realizations"] * per
    return total


def check_resources(config: Mapping[str, Any], workers: int) -> dict[str, float]:
    """Refuse, before any work, a sweep that cannot fit this machine; returns the estimates.

    One grid point (all its realizations) needs ``model.memory(params)`` bytes (``params`` holding the grid point's
    parameters and ``realizations``), and ``workers`` of them run at once
    (at most as many as there are points): that must fit in the available memory. The result is written twice (the
    checkpoint store, then the netCDF file): that must fit on the disk of the output.
    """
    model = get_model(config["model"])
    R = config["realizations"]
    per_point = max(float(model.memory({**params, "realizations": R})) for _, params in grid_points(config))
    points = math.prod(len(v) for v in config["grid"].values())
    need = per_point * min(workers, points)
    avail = available_memory()
    if need > avail:
        raise ParameterError(
            f"one grid point needs about {fmt_bytes(per_point)} of memory ({min(workers, points)} at once: "
            f"{fmt_bytes(need)}); this machine has {fmt_bytes(avail)} available. Use smaller sizes or fewer workers"
        )
    result = _result_bytes(model, config)
    return {"memory_per_point": per_point, "memory": need, "result": float(result)}


def _note(message: str) -> None:
    print(f"amphase: {message}", file=sys.stderr, flush=True)


@dataclass
class SweepOutcome:
    """What :func:`run_sweep_outcome` did.

    Attributes
    ----------
    dataset : xarray.Dataset
        The result, as written to ``path`` (backed by the file when it is large).
    path : Path
        The netCDF file.
    resumed : int
        Grid points taken from the checkpoint (each verified against its checksum).
    recomputed : int
        Grid points of the checkpoint that failed verification and were computed again.
    written : bool
        False when this run waited for another one (``wait``) that wrote the same output with the same
        configuration: nothing was left to do.

    """

    dataset: xr.Dataset
    path: Path
    resumed: int = 0
    recomputed: int = 0
    written: bool = True


def run_sweep(
    config: Mapping[str, Any] | str | os.PathLike[str], out: str | os.PathLike[str], **options: Any
) -> xr.Dataset:
    """Run (or resume) a sweep and write its dataset to ``out`` (netCDF); returns the dataset.

    The same as :func:`run_sweep_outcome` (which see for the parameters), returning only the dataset.
    """
    return run_sweep_outcome(config, out, **options).dataset


def run_sweep_outcome(
    config: Mapping[str, Any] | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    executor: str | Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    restart: bool = False,
    overwrite: bool = False,
    label: str | None = None,
    wait: bool = False,
    notify: Callable[[str], None] | None = _note,
) -> SweepOutcome:
    """Run (or resume) a sweep and write its dataset to ``out`` (netCDF); say what was done.

    Parameters
    ----------
    config : mapping or path
        What a TOML configuration file holds (``model``, ``title``, ``seed``, ``realizations``, ``[grid]``,
        ``[params]``), raw or resolved, or the path of such a file or a built-in name
        (:func:`amphase.simulate.config.load_config`). It is resolved and checked as ``amphase run`` does.
    out : path
        The netCDF file to write (``.nc``); the checkpoint store is :func:`store_path` of it.
    executor : str or Executor
        Where the tasks run: a name for :func:`amphase.simulate.executors.make_executor` (with ``workers`` and
        ``scheduler``), or an executor object, which is used as it is and not closed.
    workers, scheduler
        See :func:`amphase.simulate.executors.make_executor`.
    progress : bool, optional
        Report progress (``True``) or not (``False``); by default as :mod:`amphase.progress` is configured: a bar
        on a terminal, a line every 30 s in a batch log.
    restart : bool
        Discard an existing checkpoint store (even a damaged one) instead of resuming it.
    overwrite : bool
        Replace ``out`` if it exists (by default an existing ``out`` is refused before any work).
    label : str, optional
        Name shown on the progress bar (default: the model's name).
    wait : bool
        If another run holds the lock on ``out``, wait for it to finish (then resume its checkpoint) instead of
        raising :class:`~amphase.simulate.locking.OutputLockedError` (see :mod:`amphase.simulate.locking`).
    notify : callable, optional
        Called with one-line notes (no seed given, damaged grid points recomputed, the output written by the run
        this one waited for); by default they are printed on standard error. None: silent.

    Raises
    ------
    ParameterError
        A value outside its domain, an output that exists or is the configuration file, a sweep that does not fit
        the memory: before any work, leaving nothing behind.
    CheckpointError
        The checkpoint store is damaged beyond what a resume repairs (its metadata); ``restart=True`` discards it.
    DiskFullError
        The disk is full, before or during the run; the checkpoint keeps every finished grid point.

    """
    say = notify or (lambda message: None)
    path = check_output(out, overwrite=overwrite)
    config, source, seeded = resolve_source(config)  # what `amphase run` resolves and checks, the same way
    if source is not None:
        check_distinct(path, {"configuration": source})
    unseeded = f"the configuration gives no seed: using seed = {config['seed']} (set seed = N to choose another)"
    if isinstance(executor, Executor):
        n_workers = executor.workers
        opened = contextlib.nullcontext(executor)
    else:
        check_executor(executor, workers, scheduler)
        check_backend_executor(_backends(config), executor)
        n_workers = 1 if executor in ("serial", "device") else workers or os.cpu_count() or 1
        opened = make_executor(executor, workers, scheduler)
    model = get_model(config["model"])
    check_resources(config, n_workers)
    with OutputLock(path, wait=wait):  # one run per output: held until the dataset is written
        if path.exists() and not overwrite:  # written meanwhile, by the run this one waited for
            ds = written_meanwhile(path, config, say)
            return SweepOutcome(ds, path, resumed=int(ds.attrs.get("resumed_points", 0)), written=False)
        notes = [] if seeded else [unseeded]
        return _run_locked(config, model, path, opened, progress, restart, label, say, notes)


def _run_locked(
    config: Mapping[str, Any],
    model: Model,
    path: Path,
    opened: contextlib.AbstractContextManager[Executor],
    progress: bool | None,
    restart: bool,
    label: str | None,
    say: Callable[[str], None],
    notes: list[str],
) -> SweepOutcome:
    """The body of :func:`run_sweep_outcome`, run while holding the output's lock."""
    store_dir = store_path(path)
    started = time.perf_counter()
    created, store = False, None
    try:
        with opened as ex:  # first: an unreachable cluster leaves no store behind
            store, created, recomputed, told = open_checkpoint(store_dir, config, model, path, restart)
            for note in [*notes, *told]:  # every check has passed: an error stays one line
                say(note)
            cost = {ix: float(model.cost(params)) * config["realizations"] for ix, params in grid_points(config)}
            pending = sorted(store.pending(), key=lambda ix: -cost[ix])  # the longest first: better balance, honest ETA
            total = len(cost)
            _announce(label or model.name, model, [cost[ix] for ix in pending], ex.workers)
            if ex.name == "device" and model.run_many is not None and model.launch is not None:
                # many grid points per device task; each point still written to the checkpoint on its own
                results = batched_points(config, pending, model.run_many, model.launch, DEVICE_TASK_BYTES)
            else:
                results = ex.imap_unordered(_task, [(dict(config), ix) for ix in pending])
            with _progress(progress, label or model.name, cost, pending) as advance:
                for index, data in results:
                    store.write(index, data)
                    advance(index)
            run = {"executor": ex.name, "workers": ex.workers, "scheduler": ex.address}
        lazy = store.lazy
        ds = _assemble(store, config)
        ds.attrs.update(run, resumed_points=total - len(pending), recomputed_points=recomputed)
        ds.attrs["wall_time_s"] = round(time.perf_counter() - started, 3)
        try:
            write_netcdf(ds, path)
        except DiskFullError as err:
            raise DiskFullError(
                f"{err}; the checkpoint {store_dir} keeps all {total} grid points: free some space and run the same "
                "command again"
            ) from None
        ds.close()
    except Exception as err:
        kept = 0 if store is None else finished_points(store)
        if created and kept == 0:  # nothing worth keeping: leave nothing behind
            shutil.rmtree(store_dir, ignore_errors=True)
        if is_disk_full(err):
            keeps = (
                f"the checkpoint keeps {kept} finished grid point{'s' if kept > 1 else ''}"
                if kept
                else "nothing was kept"
            )
            raise disk_full(err, store_dir, f"{keeps}: free some space and run the same command again") from None
        raise
    shutil.rmtree(store_dir)
    ds = xr.open_dataset(path, engine="h5netcdf") if lazy else xr.load_dataset(path, engine="h5netcdf")
    return SweepOutcome(ds, path, resumed=total - len(pending), recomputed=recomputed)


#: runs expected to last longer than this (seconds) are announced with their estimate before they start.
ANNOUNCE_S = 60.0


def estimate_seconds(model: Model, costs: list[float], workers: int) -> float | None:
    """Wall time of running points of these costs (each times its realizations) on ``workers`` workers.

    ``sum(costs) / (model.rate * workers)``, and at least the longest point alone (a point is one task); ``None``
    when the model's rate was not measured. The rate is the cost units one worker did per second on the reference
    machine (``scripts/calibrate_rates.py``, the model's headline configuration): a loaded machine or a point much
    larger than the calibration's can take several times longer.
    """
    if not model.rate or not costs:
        return None
    at_once = max(1, min(workers, len(costs)))
    return max(sum(costs) / (model.rate * at_once), max(costs) / model.rate)


def _announce(label: str, model: Model, costs: list[float], workers: int) -> None:
    """One line on standard error before a run expected to last longer than :data:`ANNOUNCE_S`."""
    seconds = estimate_seconds(model, costs, workers)
    if seconds is None or seconds <= ANNOUNCE_S:
        return
    print(
        f"amphase: {label}: {len(costs)} grid point{'s' if len(costs) > 1 else ''} to run, estimated "
        f"{fmt_seconds(seconds)} with {workers} worker{'s' if workers > 1 else ''} (the model's cost() at "
        f"{model.rate:.3g} units/s per worker, measured by scripts/calibrate_rates.py on the reference machine)",
        file=sys.stderr,
        flush=True,
    )


@contextlib.contextmanager
def _progress(
    show: bool | None, label: str, cost: Mapping[tuple[int, ...], float], pending: list[tuple[int, ...]]
) -> Iterator[Any]:
    """Progress counted in the points' cost (:class:`amphase.progress.Progress`); yields ``advance(index)``."""
    left = sum(cost[ix] for ix in pending)
    total = sum(cost.values())
    done = len(cost) - len(pending)
    with Progress(label, len(cost), "points", work=total, done=done, done_work=total - left, show=show) as bar:
        yield lambda index: bar.advance(1, cost[index])


def _assemble(store: CheckpointStore, config: Mapping[str, Any]) -> xr.Dataset:
    model = get_model(config["model"])
    ds = store.to_dataset()
    coords: dict[str, Any] = {}
    for name, values in config["grid"].items():
        coords[name] = (name, np.asarray(values), model.param(name).attrs())
    coords["realization"] = ("realization", np.arange(config["realizations"]), COORDINATES["realization"])
    for dim, (values, attrs) in model.coords(config).items():
        coords[dim] = (dim, values, attrs)
    ds = ds.assign_coords(coords)
    # the fixed parameters: scalar coordinates with units (one named like a variable: in the config attribute only)
    taken = {*map(str, ds.variables), *map(str, ds.dims)}
    ds = ds.assign_coords(param_coords(config["params"], lambda name: model.param(name).attrs(), taken))
    ds.attrs.update(provenance_attrs(config["title"], model.references, config))
    ds.attrs.update(model=model.name, seed=config["seed"], realizations=config["realizations"])
    ds.attrs["seed_scheme"] = SEED_SCHEME
    ds.attrs.update(model.attrs(config))
    return ds
