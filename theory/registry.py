"""The registry of theory quantities: every prediction amphase can make, by name.

A *quantity* is a pure function from named parameters to named results, registered with :func:`quantity`:

.. code-block:: python

    @quantity(
        "hopfield.T_g",
        params=[Param("alpha", "load P/N", lower=0.0)],
        results=[Result("T_g", "spin-glass transition temperature")],
        reference="Amit, Gutfreund & Sompolinsky, Ann. Phys. 173, 30 (1987)",
    )
    def T_g(alpha: float) -> float: ...

The decorator checks every argument against its :class:`Param` domain before the function runs (so a direct
Python call is checked as well) and records the quantity in :data:`REGISTRY`. Model families register their
quantities in their own modules (``hopfield.*`` now, ``dense.*`` and ``diffusion.*`` later) and list the module
in :data:`amphase.families.FAMILIES`; the command line (``amphase theory``) serves whatever is registered, unchanged.

A *pointwise* quantity maps scalars to a float or a ``NamedTuple`` of floats; :meth:`Quantity.grid` evaluates it
over any parameters given as 1-D arrays and returns an :class:`xarray.Dataset`, with NaN where the state does not
exist (:class:`~amphase.errors.NoSolutionError`). A *dataset* quantity (``dataset=True``) takes the arrays itself
and returns the dataset.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from amphase.assignments import check_grid_size, check_unique
from amphase.dataset import provenance_attrs
from amphase.errors import NoSolutionError, ParameterError
from amphase.params import Choice, Param

__all__ = ["REGISTRY", "Choice", "Param", "Quantity", "Result", "get", "names", "quantity"]

#: every registered quantity, by name.
REGISTRY: dict[str, Quantity] = {}


@dataclass(frozen=True)
class Result:
    """A named result of a theory quantity.

    ``absent`` says why the value can be NaN (shown by the CLI beside a NaN value, and in its JSON output).
    """

    name: str
    description: str
    units: str = "1"
    absent: str = ""


@dataclass(frozen=True)
class Quantity:
    """A registered theory quantity; call it with keyword arguments to get a ``{result name: value}`` dict."""

    name: str
    func: Callable[..., Any]
    params: tuple[Param | Choice, ...]
    results: tuple[Result, ...]
    summary: str
    reference: str
    dataset: bool = False
    defaults: Mapping[str, Any] = field(default_factory=dict)
    _by_name: Mapping[str, Param | Choice] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {p.name: p for p in self.params})

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Validate scalar or array-valued parameters before any work; return them converted."""
        unknown = set(values) - set(self._by_name)
        if unknown:
            allowed = ", ".join(p.name for p in self.params)
            raise ParameterError(f"{self.name} takes no parameter {sorted(unknown)[0]!r}; its parameters: {allowed}")
        sizes = {k: np.size(v) for k, v in values.items() if isinstance(v, np.ndarray | list | tuple)}
        check_grid_size(sizes)  # before looking at a single value of a huge grid
        out: dict[str, Any] = {}
        for p in self.params:
            value = values.get(p.name, self.defaults.get(p.name))
            if isinstance(value, np.ndarray | list | tuple):
                arr = np.asarray(value, dtype=object).ravel()
                if arr.size == 0:
                    raise ParameterError(f"{p.name} is an empty grid")
                out[p.name] = np.array([p.check(v) for v in arr])
                check_unique(p.name, out[p.name])
            else:
                out[p.name] = p.check(value)
        return out

    def __call__(self, **values: Any) -> dict[str, float]:
        """Evaluate at one point; returns the named results (use :meth:`grid` for arrays of values)."""
        args = self.check(values)
        grids = [k for k, v in args.items() if isinstance(v, np.ndarray)]
        if grids and not self.dataset:
            raise ParameterError(f"{grids[0]} is an array: evaluate {self.name} over arrays with .grid()")
        return self._as_dict(self.func(**args))

    def _as_dict(self, value: Any) -> dict[str, float]:
        if isinstance(value, tuple) and hasattr(value, "_asdict"):
            out = dict(value._asdict())
        elif isinstance(value, Mapping):
            out = dict(value)
        else:
            out = {self.results[0].name: value}
        expected = [r.name for r in self.results]
        if list(out) != expected:  # pragma: no cover - a registration error, caught by the registry tests
            raise RuntimeError(f"{self.name} returned {list(out)}, registered {expected}")
        return {k: float(v) for k, v in out.items()}

    def grid(self, map_fn: Callable[..., Iterable[Any]] = map, progress: bool = False, **values: Any) -> xr.Dataset:
        """Evaluate over every combination of the array-valued parameters; scalars are held fixed.

        Parameters
        ----------
        map_fn : callable
            A ``map``-like function used for the pointwise evaluations (e.g. ``ProcessPoolExecutor().map``).
        progress : bool
            Show a tqdm progress bar.
        **values
            Parameter values: scalars, or 1-D sequences that become dimensions (in the registered order).

        Returns
        -------
        xarray.Dataset
            One variable per result over the grid dimensions, NaN where the state does not exist (the count is in
            the ``no_solution_points`` attribute), coordinates with units, scalar parameters as attributes.

        """
        args = self.check(values)
        fixed = {k: v for k, v in args.items() if not isinstance(v, np.ndarray)}
        dims = [p.name for p in self.params if isinstance(args[p.name], np.ndarray)]
        config = {
            "quantity": self.name,
            **{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in args.items()},
        }
        if self.dataset:
            ds = self.func(**args, map_fn=map_fn)
        else:
            axes = [args[d] for d in dims]
            points = [dict(zip(dims, combo, strict=True), **fixed) for combo in itertools.product(*axes)]
            call = functools.partial(_evaluate_point, self.name)
            iterator = map_fn(call, points)
            if progress:
                from tqdm.auto import tqdm

                iterator = tqdm(iterator, total=len(points), desc=self.name, unit="pt")
            rows = list(iterator)
            shape = tuple(a.size for a in axes)
            data = {r.name: np.array([row[r.name] for row in rows], dtype=float).reshape(shape) for r in self.results}
            coords = {d: (d, args[d], self._coord_attrs(d)) for d in dims}
            # a result named like a gridded parameter (diffusion.spurious_onset's beta) is stored as NAME_result
            ds = xr.Dataset(
                {
                    (f"{r.name}_result" if r.name in dims else r.name): (dims, data[r.name], _result_attrs(r))
                    for r in self.results
                },
                coords=coords,
            )
            ds.attrs["no_solution_points"] = int(sum(1 for row in rows if math.isnan(row[self.results[0].name])))
        for k, v in fixed.items():
            if v is not None:
                ds.attrs[f"param_{k}"] = v
        ds.attrs.update(
            {k: v for k, v in provenance_attrs(self.summary, self.reference, config).items() if k not in ds.attrs}
        )
        ds.attrs["quantity"] = self.name
        return ds

    def _coord_attrs(self, name: str) -> dict[str, str]:
        return self._by_name[name].attrs()


def _result_attrs(r: Result) -> dict[str, str]:
    attrs = {"long_name": r.description, "units": r.units}
    return {**attrs, "absent": r.absent} if r.absent else attrs


def _evaluate_point(name: str, point: Mapping[str, Any]) -> dict[str, float]:
    q = get(name)
    try:
        return q._as_dict(q.func(**point))
    except NoSolutionError:
        return {r.name: math.nan for r in q.results}


def quantity(
    name: str,
    *,
    params: Sequence[Param | Choice],
    results: Sequence[Result],
    reference: str,
    dataset: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a theory function under ``name``; its arguments are checked against ``params`` on every call."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(func)
        declared = [p.name for p in params] + (["map_fn"] if dataset else [])
        if list(sig.parameters) != declared:
            raise TypeError(f"{name}: signature {list(sig.parameters)} != declared params {declared}")
        by_name = {p.name: p for p in params}
        defaults = {
            k: v.default for k, v in sig.parameters.items() if k in by_name and v.default is not inspect.Parameter.empty
        }

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            for key, value in bound.arguments.items():
                if key in by_name:
                    for v in np.ravel(np.asarray(value, dtype=object)):
                        by_name[key].check(v)
            return func(*bound.args, **bound.kwargs)

        summary = (inspect.getdoc(func) or name).splitlines()[0]
        if name in REGISTRY:
            raise ValueError(f"theory quantity {name!r} is registered twice")
        REGISTRY[name] = Quantity(name, checked, tuple(params), tuple(results), summary, reference, dataset, defaults)
        return checked

    return decorate


def _load_families() -> None:
    from amphase.families import families

    for family in families():
        importlib.import_module(family.theory)


def names() -> list[str]:
    """Names of all registered quantities, sorted."""
    _load_families()
    return sorted(REGISTRY)


def get(name: str) -> Quantity:
    """The quantity registered as ``name``; :class:`ParameterError` with suggestions if there is none."""
    _load_families()
    try:
        return REGISTRY[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, REGISTRY, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `amphase theory --list`"
        raise ParameterError(f"unknown theory quantity {name!r}{hint}") from None
