"""What the ``diffusion.collapse`` and ``diffusion.clones`` comparisons share: grid points, fixed parameters, numbers.

A comparison walks the grid points of the dataset's measured variable (its dimensions other than ``realization`` and
the variable's own), reads each parameter from the point or, where it is fixed, from the dataset's scalar coordinate
(:func:`amphase.dataset.fixed_param`), and prints values with errors (:func:`amphase.analysis.tables.pm`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.tables import pm as _pm_table
from amphase.dataset import fixed_param

__all__ = ["coord", "grid_dims", "grid_points", "param", "pm", "point_values"]


def param(ds: xr.Dataset, name: str, point: dict[str, Any]) -> Any:
    """Parameter ``name`` at a grid point: the point's value, else the fixed parameter of ``ds`` (KeyError if none)."""
    if name in point:
        return point[name]
    return fixed_param(ds, name)


def grid_dims(ds: xr.Dataset, var: str, own: tuple[str, ...]) -> list[str]:
    """The grid dimensions of variable ``var``: its dimensions other than ``realization`` and ``own``."""
    return [d for d in ds[var].dims if d not in ("realization", *own)]


def grid_points(ds: xr.Dataset, dims: list[str]) -> list[dict[str, Any]]:
    """Every grid point over ``dims`` as ``{dim: index}``, in C order (one empty point without dimensions)."""
    if not dims:
        return [{}]
    idx = np.stack(np.meshgrid(*[np.arange(ds.sizes[d]) for d in dims], indexing="ij"), -1).reshape(-1, len(dims))
    return [{d: int(i) for d, i in zip(dims, row, strict=True)} for row in idx]


def point_values(ds: xr.Dataset, isel: dict[str, int]) -> dict[str, Any]:
    """The coordinate values of the grid point ``isel``."""
    return {d: ds[d].values[i].item() for d, i in isel.items()}


def pm(v: float, e: float, digits: int = 3) -> str:
    """``v±e``, one more decimal below 0.1 (small times and probabilities), ``nan`` where ``v`` is not finite."""
    return _pm_table(v, e, digits, finer_below=0.1)


def coord(res: xr.Dataset, name: str, i: int) -> Any:
    """Value of ``name`` at comparison point ``i``: its per-point variable, else the attribute of that name."""
    return res[name].values[i] if name in res else res.attrs.get(name)
