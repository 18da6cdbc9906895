"""The checkpoint store of a sweep: a Zarr group that grid points are written into as they finish.

Layout of ``NAME.zarr``:

* one Zarr array per result variable, shaped ``(*grid, realization, *extra)`` and chunked one grid point per chunk,
  with ``dimension_names`` and the fill value of its :class:`~amphase.simulate.models.Variable`;
* group attributes: the resolved configuration (``config``, JSON), the grid coordinates, variable attributes;
* ``.done/``: one empty marker file per finished grid point (``p`` followed by its indices, ``p_0_3``; a grid
  with no dimension has the single point ``p``), created *after* its data are written.

A grid point is finished exactly when its marker file exists: a sweep killed at any moment (even ``kill -9``) loses
at most the points that were running, and :meth:`CheckpointStore.pending` lists what is left. The store is created
in a temporary directory and renamed into place, so it exists whole or not at all. There is one writer, the process
that runs the sweep (it holds the output's lock); workers only compute.

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

from amphase.errors import ParameterError
from amphase.machine import available_memory, fmt_bytes  # re-exported: they lived here first
from amphase.simulate.models import Variable

__all__ = ["CheckpointStore", "available_memory", "fmt_bytes"]


def _fingerprint(config: Mapping[str, Any]) -> str:
    return json.dumps(config, default=str)  # key order matters: it is the order of the grid dimensions


class CheckpointStore:
    """A sweep's Zarr checkpoint store (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.group = zarr.open_group(str(self.path), mode="r+", zarr_format=3)
        self.config = json.loads(self.group.attrs["config"])
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
            If a store exists at ``path`` for a different configuration.

        """
        path = Path(path)
        if path.exists():
            try:
                store = cls(path)
            except Exception as err:
                raise ParameterError(f"{path} exists but is not an amphase checkpoint store ({err})") from None
            if _fingerprint(store.config) != _fingerprint(config):
                old, new = store.config, dict(config)
                keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
                raise ParameterError(
                    f"{path} holds a sweep with a different configuration (differs in {', '.join(keys)}); "
                    "use --restart to discard it, or another --out"
                )
            return store
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            cls._create(tmp, config, variables, sizes)
            os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return cls(path)

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
                dtype=var.dtype,
                fill_value=var.fill,
                dimension_names=(*grid, "realization", *var.dims),
                attributes={"amphase_attrs": json.dumps(dict(var.attrs), default=_jsonable)},
            )
        (path / ".done").mkdir()
        group.attrs["variables"] = list(variables)
        group.attrs["config"] = _fingerprint(config)

    # -- progress -----------------------------------------------------------------------------------------------
    def _marker(self, index: tuple[int, ...]) -> Path:
        return self.path / ".done" / "_".join(("p", *(str(i) for i in index)))

    def pending(self) -> list[tuple[int, ...]]:
        """Grid indices not finished yet, in C order."""
        return [ix for ix in np.ndindex(*self.shape) if not self._marker(ix).is_file()]

    def write(self, index: tuple[int, ...], data: Mapping[str, np.ndarray]) -> None:
        """Write one finished grid point (arrays shaped ``(realization, *extra)``), then mark it done."""
        for name, values in data.items():
            arr = self.group[name]
            target = arr.shape[len(index) :]
            values = np.asarray(values)
            if values.shape != target:  # shorter along an extra dim: pad with the fill value
                padded = np.full(target, arr.fill_value, dtype=arr.dtype)
                padded[tuple(slice(0, n) for n in values.shape)] = values
                values = padded
            arr[index] = values
        self._marker(index).touch()  # creating an empty file is atomic

    # -- result -------------------------------------------------------------------------------------------------
    @property
    def nbytes(self) -> int:
        """Bytes of all the variables, uncompressed."""
        return sum(self.group[name].nbytes for name in self.group.attrs["variables"])

    @property
    def lazy(self) -> bool:
        """Whether :meth:`to_dataset` reads lazily: the store exceeds a quarter of the available memory."""
        return self.nbytes > available_memory() / 4

    def to_dataset(self) -> xr.Dataset:
        """Everything in the store as an :class:`xarray.Dataset` (no coordinates or global attrs yet).

        In memory, or as Dask arrays over the store's chunks when :attr:`lazy`.
        """
        data = {}
        for name in self.group.attrs["variables"]:
            arr = self.group[name]
            attrs = json.loads(arr.attrs.get("amphase_attrs", "{}"))
            if self.lazy:
                import dask.array as da

                values = da.from_zarr(arr)
            else:
                values = arr[...]
            data[name] = (tuple(arr.metadata.dimension_names), values, attrs)
        return xr.Dataset(data)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot store {type(obj).__name__} in attributes")
