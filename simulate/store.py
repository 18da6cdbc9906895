"""The checkpoint store of a sweep: a Zarr group that grid points are written into as they finish.

Layout of ``NAME.zarr``:

* one Zarr array per result variable, shaped ``(*grid, realization, *extra)`` and chunked one grid point per chunk,
  with ``dimension_names`` and the fill value of its :class:`~amphase.simulate.models.Variable`;
  chunk files named ``c.i.j...`` side by side in the array's folder;
* group attributes: the resolved configuration (``config``, JSON), the grid coordinates, variable attributes;
* ``checkpoint.json``: the manifest, the store format and a checksum of every metadata file
  (:mod:`amphase.simulate.integrity`);
* ``.done/``: one marker file per finished grid point (``p`` followed by its indices, ``p_0_3``; a grid with no
  dimension has the single point ``p``), written atomically *after* its data: the point's *record*, a checksum of
  each variable's data there and the versions of the libraries that wrote it.

A grid point is finished exactly when its marker file exists: a sweep killed at any moment (even ``kill -9``) loses
at most the points that were running, and :meth:`CheckpointStore.pending` lists what is left. The store is created
in a temporary directory and renamed into place, so it exists whole or not at all. There is one writer, the process
that runs the sweep (it holds the output's lock); workers only compute.

Nothing read from a store is trusted without its checksum. Opening a store checks the manifest: damaged metadata
(a ``zarr.json`` missing or changed, the manifest or ``.done/`` gone) raise :class:`~amphase.errors.CheckpointError`,
whose message names ``--restart``. :meth:`CheckpointStore.verify` reads back every finished point and un-marks the
ones whose data are unreadable (a truncated chunk), missing (a deleted chunk reads as the fill value) or different
(a flipped bit), so a resume recomputes them; :meth:`CheckpointStore.to_dataset` checks every point again against
the data it returns and refuses to return a point that fails.

A store larger than a quarter of the available memory is read lazily (Dask arrays over its chunks, one grid point
per chunk), so a sweep may produce more data than fits in memory.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import zarr

from amphase.errors import CheckpointError, ParameterError
from amphase.machine import available_memory, fmt_bytes  # re-exported: they lived here first
from amphase.simulate import integrity
from amphase.simulate.models import Variable

__all__ = ["CheckpointStore", "available_memory", "fmt_bytes", "is_store"]


def _fingerprint(config: Mapping[str, Any]) -> str:
    return json.dumps(config, default=str)  # key order matters: it is the order of the grid dimensions


def is_store(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is (what is left of) an amphase checkpoint store: a folder with its manifest or ``.done/``."""
    path = Path(path)
    return path.is_dir() and ((path / integrity.MANIFEST).is_file() or (path / ".done").is_dir())


class CheckpointStore:
    """A sweep's Zarr checkpoint store (see the module docstring).

    Raises
    ------
    CheckpointError
        If the store's metadata are damaged or it has another format (see the module docstring).

    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        integrity.check_manifest(self.path)
        self.group = zarr.open_group(str(self.path), mode="r+", zarr_format=3)
        self.config = json.loads(self.group.attrs["config"])
        self.variables: list[str] = list(self.group.attrs["variables"])
        self.shape = tuple(len(v) for v in self.config["grid"].values())

    @classmethod
    def open_or_create(
        cls,
        path: str | os.PathLike[str],
        config: Mapping[str, Any],
        variables: Mapping[str, Variable],
        sizes: Mapping[str, int],
    ) -> CheckpointStore:
        """Open the store at ``path`` if it holds the same configuration, or create it.

        Raises
        ------
        ParameterError
            If a store exists at ``path`` for a different configuration, or something else has its name.
        CheckpointError
            If the store is damaged.

        """
        path = Path(path)
        if path.exists():
            return cls.open(path, config)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            cls._create(tmp, config, variables, sizes)
            os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return cls(path)

    @classmethod
    def open(cls, path: str | os.PathLike[str], config: Mapping[str, Any]) -> CheckpointStore:
        """Open the existing store at ``path``, which must hold the sweep ``config`` (see :meth:`open_or_create`)."""
        path = Path(path)
        if not is_store(path):
            raise ParameterError(
                f"{path} exists but is not an amphase checkpoint store; move it away, or choose another --out"
            )
        try:
            store = cls(path)
        except CheckpointError:
            raise
        except Exception as err:  # metadata that match the manifest but zarr cannot read: another zarr version
            raise integrity.damaged(path, f"{type(err).__name__}: {err}") from None
        if _fingerprint(store.config) != _fingerprint(config):
            old, new = store.config, dict(config)
            keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
            raise ParameterError(
                f"{path} holds a sweep with a different configuration (differs in {', '.join(keys)}); "
                "use --restart to discard it, or another --out"
            )
        return store

    @staticmethod
    def _create(path: Path, config: Mapping[str, Any], variables: Mapping[str, Variable], sizes: Mapping[str, int]):
        grid = config["grid"]
        grid_shape = tuple(len(v) for v in grid.values())
        group = zarr.open_group(str(path), mode="w", zarr_format=3)
        for name, var in variables.items():
            extra = tuple(sizes[d] for d in var.dims)
            shape = (*grid_shape, config["realizations"], *extra)
            group.create_array(
                name,
                shape=shape,
                chunks=(*(1 for _ in grid_shape), *shape[len(grid_shape) :]),
                chunk_key_encoding={"name": "default", "separator": "."},  # one folder per variable
                dtype=var.dtype,
                fill_value=var.fill,
                dimension_names=(*grid, "realization", *var.dims),
                attributes={"amphase_attrs": json.dumps(dict(var.attrs), default=_jsonable)},
            )
        (path / ".done").mkdir()
        group.attrs["variables"] = list(variables)
        group.attrs["config"] = _fingerprint(config)
        manifest = {"format": integrity.FORMAT, "metadata": integrity.metadata_digests(path)}
        integrity.write_json(path / integrity.MANIFEST, {**manifest, "versions": integrity.versions()})

    # -- progress -----------------------------------------------------------------------------------------------
    def _marker(self, index: tuple[int, ...]) -> Path:
        return self.path / ".done" / "_".join(("p", *(str(i) for i in index)))

    def _index(self, name: str) -> tuple[int, ...] | None:
        """The grid index of a marker's file name, or None for anything else (a temporary file)."""
        parts = name.split("_")
        if parts[0] != "p" or len(parts) != len(self.shape) + 1 or not all(p.isdigit() for p in parts[1:]):
            return None
        index = tuple(int(p) for p in parts[1:])
        return index if all(i < n for i, n in zip(index, self.shape, strict=True)) else None

    def pending(self) -> list[tuple[int, ...]]:
        """Grid indices not finished yet, in C order."""
        return [ix for ix in np.ndindex(*self.shape) if not self._marker(ix).is_file()]

    def records(self) -> dict[tuple[int, ...], dict[str, Any] | None]:
        """The record of every finished grid point (None where the marker is unreadable)."""
        out = {}
        for entry in (self.path / ".done").iterdir():
            index = self._index(entry.name)
            if index is not None:
                out[index] = integrity.read_json(entry)
        return out

    def write(self, index: tuple[int, ...], data: Mapping[str, np.ndarray]) -> None:
        """Write one finished grid point (arrays shaped ``(realization, *extra)``), then mark it done."""
        sums = {}
        for name, values in data.items():
            arr = self.group[name]
            target = arr.shape[len(index) :]
            values = np.asarray(values)
            if values.shape != target:  # shorter along an extra dim: pad with the fill value
                padded = np.full(target, arr.fill_value, dtype=arr.dtype)
                padded[tuple(slice(0, n) for n in values.shape)] = values
                values = padded
            values = np.asarray(values, dtype=arr.dtype)
            arr[index] = values
            sums[name] = integrity.digest(values)
        integrity.write_json(self._marker(index), {"sha256": sums, "versions": integrity.versions()})

    # -- verification -------------------------------------------------------------------------------------------
    def verify(self, arrays: Mapping[str, np.ndarray] | None = None) -> dict[tuple[int, ...], str]:
        """Check every finished grid point against its record; un-mark and return the damaged ones (index: why).

        ``arrays`` are the store's variables already read whole, if at hand; otherwise each variable is read whole
        when the store is not :attr:`lazy` (point by point if that fails), else point by point.
        """
        records = self.records()
        damaged: dict[tuple[int, ...], str] = {}
        for index, record in records.items():
            sums = record.get("sha256") if record is not None else None
            if not isinstance(sums, dict) or set(sums) != set(self.variables):
                damaged[index] = "its done marker is unreadable"
        for name in self.variables:
            arr = self.group[name]
            whole = arrays.get(name) if arrays is not None else None
            if whole is None and not self.lazy:
                try:
                    whole = arr[...]
                except Exception:  # a damaged chunk: find it point by point
                    whole = None
            for index, record in records.items():
                if index in damaged:
                    continue
                try:
                    values = whole[index] if whole is not None else arr[index]
                except Exception as err:
                    damaged[index] = f"{name} is unreadable ({type(err).__name__})"
                    continue
                if integrity.digest(values) != record["sha256"][name]:  # type: ignore[index]
                    damaged[index] = f"{name} differs from its checksum"
        for index in damaged:
            self._marker(index).unlink(missing_ok=True)
        return damaged

    def foreign_versions(self) -> dict[str, int]:
        """Versions (``'amphase 0.1.0, numpy 2.3.0'``) other than this process's that wrote finished points: counts."""
        mine, out = integrity.versions(), {}
        for record in self.records().values():
            theirs = (record or {}).get("versions")
            if isinstance(theirs, dict) and theirs != mine:
                key = ", ".join(f"{k} {v}" for k, v in sorted(theirs.items()) if mine.get(k) != v)
                out[key] = out.get(key, 0) + 1
        return out

    # -- result -------------------------------------------------------------------------------------------------
    @property
    def nbytes(self) -> int:
        """Bytes of all the variables, uncompressed."""
        return sum(self.group[name].nbytes for name in self.variables)

    @property
    def lazy(self) -> bool:
        """Whether :meth:`to_dataset` reads lazily: the store exceeds a quarter of the available memory."""
        return self.nbytes > available_memory() / 4

    def to_dataset(self, partial: bool = False) -> xr.Dataset:
        """Every grid point in the store, verified, as an :class:`xarray.Dataset` (no coordinates or attrs yet).

        In memory, or as Dask arrays over the store's chunks when :attr:`lazy`. With ``partial``, unfinished points
        are allowed (they hold the fill values).

        Raises
        ------
        CheckpointError
            If a finished grid point fails its checksum (it is un-marked: running the sweep again recomputes it), or
            (unless ``partial``) a grid point is unfinished.

        """
        lazy, arrays = self.lazy, {}
        if not lazy:
            for name in self.variables:
                try:
                    arrays[name] = self.group[name][...]
                except Exception:  # a damaged chunk: verify() finds it
                    arrays = {}
                    break
        damaged = self.verify(arrays or None)
        missing = [] if partial else self.pending()
        if damaged or missing:
            where = ", ".join(f"{ix}: {why}" for ix, why in list(damaged.items())[:3])
            raise CheckpointError(
                f"checkpoint {self.path}: {len(set(missing) | set(damaged))} grid points are not finished or failed "
                "their checksums"
                f"{' (' + where + ')' if where else ''}; nothing was written: run the same command again to "
                "recompute them"
            )
        data = {}
        for name in self.variables:
            arr = self.group[name]
            attrs = json.loads(arr.attrs.get("amphase_attrs", "{}"))
            if lazy:
                import dask.array as da

                values = da.from_zarr(arr)
            else:
                values = arrays[name]
            data[name] = (tuple(arr.metadata.dimension_names), values, attrs)
        return xr.Dataset(data)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot store {type(obj).__name__} in attributes")
