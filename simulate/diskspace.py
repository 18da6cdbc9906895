"""The disk a sweep writes, checked before any work: its checkpoint store, then its dataset beside it.

* The checkpoint store (:mod:`amphase.simulate.store`): per grid point, one chunk file per variable (Zarr compresses
  it, but data that do not compress grow by a few bytes per 128 KiB: counted at the raw size plus that) and one done
  marker, plus the metadata files, written once. Every file takes whole blocks of the file system (4 KiB on ext4 and
  tmpfs), which for small grid points is most of the space, and every folder entry a few bytes of its folder.
* The dataset (netCDF-4): its data, coordinates and attributes, with HDF5's overhead
  (:func:`amphase.dataset.netcdf_bytes`).

Both exist at once at the end (the store is removed after the dataset is written), so a sweep needs the rest of its
store and the whole dataset. A resumed sweep counts only the grid points still to run.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from amphase.atomic import fmt_bytes, free_bytes
from amphase.dataset import netcdf_bytes
from amphase.errors import DiskFullError
from amphase.simulate.models import Model

__all__ = ["block_size", "check_disk", "sweep_bytes"]

#: bytes a done marker (JSON: a SHA-256 per variable and the library versions) takes at most, besides its block.
MARKER_BYTES = 512
#: bytes a folder grows by per file in it (ext4: 8 bytes of header and the name, rounded to 4).
ENTRY_BYTES = 64
#: bytes of a Zarr metadata file (zarr.json), the manifest and the lock file, at most.
METADATA_BYTES = 8192


def block_size(path: str | os.PathLike[str]) -> int:
    """The allocation unit of the file system that ``path`` would be written to (its nearest existing folder)."""
    folder = Path(path).parent.resolve()
    while not folder.exists():
        folder = folder.parent
    try:
        return max(512, os.statvfs(folder).f_frsize)
    except (OSError, AttributeError):  # pragma: no cover - not a POSIX system
        return 4096


def _blocks(n: float, block: int) -> int:
    return math.ceil(n / block) * block


def sweep_bytes(model: Model, config: Mapping[str, Any], pending: int, new_store: bool, block: int) -> dict[str, int]:
    """Bytes a sweep still writes on a file system of blocks of ``block`` bytes.

    Returns ``store`` (for ``pending`` grid points, and the metadata if ``new_store``), ``dataset`` (the netCDF
    file and its lock) and their sum ``total``.
    """
    sizes, R = model.sizes(config), config["realizations"]
    variables = model.variables(config)
    raws = [R * math.prod(sizes[d] for d in var.dims) * np.dtype(var.dtype).itemsize for var in variables.values()]
    chunks = [raw + 3 * (raw // 131072 + 1) + 64 for raw in raws]  # zstd: raw blocks of 128 KiB, a frame header
    per_point = sum(_blocks(c, block) for c in chunks) + _blocks(MARKER_BYTES, block)
    per_point += (len(chunks) + 1) * ENTRY_BYTES
    store = pending * per_point + _blocks(max(chunks, default=0), block)  # and a chunk being written
    if new_store:
        store += (len(variables) + 3) * (_blocks(METADATA_BYTES, block) + block)  # metadata files and folders
    points = math.prod(len(v) for v in config["grid"].values())
    data = points * sum(raws)
    coords = 8 * (sum(len(v) for v in config["grid"].values()) + R + sum(sizes.values()))
    fixed = config["params"]  # each a scalar coordinate: a variable with its value, units and long name
    attrs = {"config": json.dumps(dict(config), default=str), **{f"{k}.long_name": v for k, v in fixed.items()}}
    for name, var in variables.items():
        attrs.update({f"{name}.{k}": v for k, v in var.attrs.items()})
    attrs.update({f"provenance_{i}": "x" * 128 for i in range(24)})  # title, history, versions, git commit ...
    dataset = netcdf_bytes(data + coords, len(variables) + len(config["grid"]) + 1 + len(sizes) + len(fixed), attrs)
    dataset = _blocks(dataset, block) + _blocks(METADATA_BYTES, block)  # and the lock file
    return {"store": store, "dataset": dataset, "total": store + dataset}


def check_disk(out: Path, model: Model, config: Mapping[str, Any], pending: int, new_store: bool) -> dict[str, int]:
    """Refuse a sweep whose checkpoint store and dataset do not fit on the disk of ``out``; returns the estimate.

    Raises
    ------
    DiskFullError
        Naming the estimate and the free space.

    """
    need = sweep_bytes(model, config, pending, new_store, block_size(out))
    free = free_bytes(out)
    if need["total"] > free:
        folder = Path(out).parent
        raise DiskFullError(
            f"the sweep needs about {fmt_bytes(need['total'])} of disk (checkpoint store {fmt_bytes(need['store'])}, "
            f"then {Path(out).name} {fmt_bytes(need['dataset'])} beside it); {folder} has {fmt_bytes(free)} free"
        )
    return need
