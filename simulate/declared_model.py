"""The :class:`~amphase.simulate.models.Model` of a declared class (:mod:`amphase.simulate.declare`), per grid point.

:func:`instance` builds the class from one grid point's parameters (every field checked against its domain); the
model's ``variables``, ``sizes``, ``coords`` and ``attrs`` come from one instance per grid point (no work), its
``run``, ``check``, ``memory`` and ``cost`` are picklable calls of the instance's methods (:func:`build`).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np

from amphase.dataset import COORDINATES
from amphase.errors import ParameterError
from amphase.params import Choice, Param
from amphase.simulate.models import Dim, Model, Var, Variable

T = TypeVar("T")

__all__ = ["build", "instance"]


@dataclasses.dataclass(frozen=True)
class _Call:
    """A picklable ``Model`` callable: builds the declared class from one grid point's parameters, calls a method."""

    cls: type
    method: str

    def __call__(self, params: Mapping[str, Any], *args: Any) -> Any:
        inst = instance(self.cls, params)  # checks every field against its domain
        if self.method == "memory":
            return inst.memory(int(params.get("realizations", 1)))
        method = getattr(inst, self.method, None)
        return None if method is None and self.method == "check" else method(*args)


def instance(cls: type[T], params: Mapping[str, Any]) -> T:
    """``cls`` built from ``params`` (other keys, such as ``realizations``, ignored).

    Raises
    ------
    ParameterError
        For a value outside its domain, or a parameter without a default that ``params`` lacks (named with its
        domain), as the configuration resolver says it.

    """
    fields = dataclasses.fields(cls)
    required = {f.name: None for f in fields if f.default is dataclasses.MISSING}  # None: "missing parameter ..."
    return cls(**{**required, **{f.name: params[f.name] for f in fields if f.name in params}})


def _points(cls: type, config: Mapping[str, Any]) -> list[Any]:
    """One instance per grid point of a resolved configuration."""
    grid = config.get("grid", {})
    return [
        instance(cls, {**config["params"], **dict(zip(grid, combo, strict=True))})
        for combo in itertools.product(*grid.values())
    ]


def _values(name: str, dim: Dim, size: int, points: list[Any]) -> np.ndarray:
    """The coordinate of dimension ``name``: ``dim.values(size)``, or ``dim.coordinate`` of the grid points' parameters.

    Raises
    ------
    ParameterError
        Where ``dim.coordinate`` differs between grid points (a parameter it reads is a grid dimension).
    ValueError
        Where it does not have ``size`` values (a declaration error).

    """
    if dim.coordinate is None:
        return np.asarray(dim.values(size))
    first = np.asarray(dim.coordinate(points[0]))
    for p in points[1:]:
        if not np.array_equal(np.asarray(dim.coordinate(p)), first):
            raise ParameterError(
                f"the coordinate {name!r} depends on a parameter that varies over the grid; allowed: a fixed value"
            )
    if first.shape != (size,):
        raise ValueError(f"the coordinate of dimension {name!r} has shape {first.shape}, not ({size},)")
    return first


def build(
    cls: type,
    specs: dict[str, Param | Choice],
    fields: tuple[dataclasses.Field, ...],
    defaults: dict[str, Any],
    gridable: tuple[str, ...],
    title: str,
    references: str,
    variables: Mapping[str, Var],
    dims: Mapping[str, Dim],
    attrs: Callable[[Any], dict[str, Any]] | None,
    name: str,
    rate: float,
) -> Model:
    """The :class:`~amphase.simulate.models.Model` of the declared class ``cls`` (the arguments of ``@model``)."""

    def active(config: Mapping[str, Any]) -> dict[str, Variable]:
        points = _points(cls, config) if any(v.when for v in variables.values()) else []
        return {k: v.variable() for k, v in variables.items() if v.when is None or any(map(v.when, points))}

    def sizes(config: Mapping[str, Any]) -> dict[str, int]:
        used = {d for v in active(config).values() for d in v.dims}  # a dimension only an absent variable uses: none
        points = _points(cls, config) if used else []
        return {d: max(int(spec.size(p)) for p in points) for d, spec in dims.items() if d in used}

    def coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
        used = sizes(config)
        points = _points(cls, config) if any(dims[d].coordinate for d in used) else []
        return {
            d: (_values(d, dims[d], n, points), dict(dims[d].attrs if dims[d].attrs is not None else COORDINATES[d]))
            for d, n in used.items()
        }

    def global_attrs(config: Mapping[str, Any]) -> dict[str, Any]:
        return attrs(_points(cls, config)[0]) if attrs is not None else {}

    optional = {m: _Call(cls, m) for m in ("memory", "cost") if callable(getattr(cls, m, None))}
    return Model(
        name=name,
        title=title,
        references=references,
        params=tuple(specs[f.name] for f in fields),
        gridable=gridable,
        defaults=defaults,
        variables=active,
        sizes=sizes,
        coords=coords,
        run=_Call(cls, "run"),
        check=_Call(cls, "check"),  # without a check method: the fields' domains, checked on construction
        attrs=global_attrs,
        rate=rate,
        **optional,
    )
