"""How a sweep takes up what an earlier run left: its checkpoint store, or the output written while it waited.

:func:`open_checkpoint` discards the store (``restart``), or opens it and verifies every finished grid point against
its checksum (:meth:`~amphase.simulate.store.CheckpointStore.verify`: a damaged point is un-marked, so the run
computes it again, and a note says how many), or creates it; either way after checking that what is left to write
fits on the disk (:mod:`amphase.simulate.diskspace`). A store whose metadata are damaged raises
:class:`~amphase.errors.CheckpointError`, which names ``--restart``.

:func:`written_meanwhile` handles a run that waited for the lock (``--wait``) and finds its output written by the run
it waited for: the same configuration is nothing left to do, another one is refused.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import xarray as xr

from amphase.errors import ParameterError
from amphase.simulate.diskspace import check_disk
from amphase.simulate.models import Model
from amphase.simulate.store import CheckpointStore, available_memory, is_store

__all__ = ["discard_store", "finished_points", "open_checkpoint", "written_meanwhile"]


def discard_store(path: Path) -> None:
    """Remove the checkpoint store at ``path`` (``--restart``), damaged or not; refuse anything else with its name."""
    if not is_store(path):
        raise ParameterError(
            f"{path} exists but is not an amphase checkpoint store; move it away, or choose another --out"
        )
    shutil.rmtree(path)


def finished_points(store: CheckpointStore) -> int:
    """Grid points finished in ``store``."""
    return math.prod(store.shape) - len(store.pending())


def open_checkpoint(
    store_dir: Path, config: Mapping[str, Any], model: Model, out: Path, restart: bool
) -> tuple[CheckpointStore, bool, int, list[str]]:
    """Open (verifying every finished point), or create, the checkpoint store of ``out``, after checking the disk.

    Returns the store, whether it was created, how many of its points failed verification (they are pending again)
    and notes for the user (what failed, points computed with other library versions), to be told once the run
    starts.
    """
    if restart and store_dir.exists():
        discard_store(store_dir)
    points = math.prod(len(v) for v in config["grid"].values())
    if not store_dir.exists():
        check_disk(out, model, config, points, new_store=True)
        variables, sizes = model.variables(config), model.sizes(config)
        return CheckpointStore.open_or_create(store_dir, config, variables, sizes), True, 0, []
    store = CheckpointStore.open(store_dir, config)
    damaged = store.verify()
    check_disk(out, model, config, len(store.pending()), new_store=False)
    notes = []
    if damaged:
        kept, n = finished_points(store), len(damaged)
        notes.append(
            f"{n} grid point{'s' if n > 1 else ''} of the checkpoint failed verification (e.g. "
            f"{next(iter(damaged.values()))}): computing {'them' if n > 1 else 'it'} again; {kept} verified "
            f"point{'s' if kept != 1 else ''} kept"
        )
    for versions, n in store.foreign_versions().items():
        notes.append(f"{n} grid points of the checkpoint were computed with {versions}; kept (--restart redoes them)")
    return store, False, len(damaged), notes


def written_meanwhile(path: Path, config: Mapping[str, Any], say: Callable[[str], None]) -> xr.Dataset:
    """``path`` appeared while this run waited for the lock: the same sweep's dataset (returned), or refused.

    Raises
    ------
    ParameterError
        If the dataset at ``path`` holds another configuration (or is not an amphase dataset).

    """
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            theirs = json.loads(ds.attrs.get("config", "null"))
    except Exception:  # not a dataset amphase wrote
        theirs = None
    mine = json.loads(json.dumps(dict(config), sort_keys=True, default=str))
    if theirs != mine:
        keys = sorted(set(mine) | set(theirs)) if isinstance(theirs, dict) else []
        differs = [k for k in keys if mine.get(k) != theirs.get(k)]  # type: ignore[union-attr]
        raise ParameterError(
            f"{path} was written meanwhile by the run this one waited for, with another configuration"
            f"{' (differs in ' + ', '.join(differs) + ')' if differs else ''}; give --overwrite to replace it, or "
            "choose another --out"
        )
    say(f"{path} was written by the run this one waited for, with the same configuration: nothing left to do")
    lazy = path.stat().st_size > available_memory() / 4
    return xr.open_dataset(path, engine="h5netcdf") if lazy else xr.load_dataset(path, engine="h5netcdf")
