"""A theory quantity over the coordinates of a comparison: one grid evaluation, NaN outside its domain.

A comparison needs the theory at the parameter values it simulated. :func:`on_axes` evaluates a registered quantity
once, through :meth:`Quantity.grid <amphase.theory.registry.Quantity.grid>`, over the outer product of the values of
each axis, instead of one call per grid point. A value outside the quantity's domain is left out of the grid (its
results are NaN) and the reason is returned, as a point-by-point call that raised would have given; a point where
the state does not exist is NaN (the grid's own rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from amphase.errors import ParameterError

__all__ = ["on_axes"]


def on_axes(name: str, axes: Mapping[str, Any], **fixed: Any) -> tuple[xr.Dataset, set[str]]:
    """The quantity ``name`` over the outer product of ``axes`` (1-D values each), ``fixed`` held fixed.

    Returns
    -------
    xarray.Dataset
        One variable per result, dimensions in the order of ``axes`` with their full values as coordinates; NaN at
        the values outside the domain and where the state does not exist.
    set of str
        ``"theory not available (REASON)"`` for each value refused by the domain (empty if none).

    """
    from amphase import theory

    quantity = theory.get(name)
    params = {p.name: p for p in quantity.params}
    values = {k: np.asarray(v) for k, v in axes.items()}
    reasons = set()
    inside = {}
    for k, v in values.items():  # each value of each axis against its domain, as a call would check it
        inside[k] = np.ones(v.size, dtype=bool)
        for i, x in enumerate(v):
            try:
                params[k].check(x)
            except ParameterError as err:
                inside[k][i] = False
                reasons.add(f"theory not available ({err})")
    shape = tuple(v.size for v in values.values())
    out = {r.name: np.full(shape, np.nan) for r in quantity.results}
    if all(ok.any() for ok in inside.values()):
        g = quantity.grid(**fixed, **{k: v[inside[k]] for k, v in values.items()}).transpose(*values)
        for r in out:
            out[r][np.ix_(*inside.values())] = g[r].values
    return xr.Dataset({r: (tuple(values), v) for r, v in out.items()}, coords=values), reasons
