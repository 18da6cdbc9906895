"""Coordinates whose values depend on a model's parameters, not only on the dimension's size.

A declared :class:`~amphase.simulate.models.Dim` gives its coordinate's values from its size alone
(``values(size)``). Some coordinates are computed from parameters: log-spaced times between ``t_min`` and ``t_max``,
branching times between ``ratio_min`` and ``ratio_max``. Those parameters are then not grid dimensions, so they are
the same at every grid point, in ``config["params"]``, and :func:`with_coords` sets the values from them.

A declared model says it in one place instead: ``Dim(size, coordinate=lambda r: r.times())``
(:class:`~amphase.simulate.models.Dim`; ``diffusion.directions``, ``diffusion.basins``). :func:`with_coords` remains
for the models not yet declared that way (``diffusion.collapse``, ``diffusion.clones``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from amphase.simulate.models import Model

__all__ = ["with_coords"]


def with_coords(declared: Model, **values: Callable[[Mapping[str, Any]], np.ndarray]) -> Model:
    """``declared`` whose coordinate ``dim`` takes the values ``values[dim](config["params"])`` (its attrs kept).

    Examples
    --------
    ``MODEL = with_coords(Collapse.MODEL, entropy_time=lambda p: entropy_times(p["t_min"], p["t_max"], ...))``
    """

    def coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
        out = declared.coords(config)
        return out | {dim: (f(config["params"]), out[dim][1]) for dim, f in values.items()}

    return dataclasses.replace(declared, coords=coords)
