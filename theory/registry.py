"""The registry of theory quantities: every prediction amphase can make, by name.

A *quantity* is a pure function from named parameters to named results, registered with :func:`quantity`:

.. code-block:: python

    @quantity(
        "hopfield.T_g",
        params=[Param("alpha", "load P/N", lower=0.0)],
        results=[Result("T_g", "spin-glass transition temperature")],
        reference="Amit, Gutfreund & Sompolinsky, Ann. Phys. 173, 30 (1987)",
        cost=CHEAP,
    )
    def T_g(alpha: float) -> float: ...

The decorator checks every argument against its :class:`Param` domain before the function runs (so a direct
Python call is checked as well) and records the quantity in :data:`REGISTRY`. Every quantity declares its
:class:`~amphase.theory.cost.Cost` (memory and time, constant or as a function of its parameters):
:meth:`Quantity.__call__` and :meth:`Quantity.grid` refuse, before any work, an evaluation that needs more memory
than the machine has available, and a value that overflows the floating-point range is one clear error at a point
(:class:`~amphase.errors.ParameterError`) and NaN with the reason on a grid. Model families register their
quantities in their own modules (``hopfield.*`` now, ``dense.*`` and ``diffusion.*`` later) and list the module
in :data:`amphase.families.FAMILIES`; the command line (``amphase theory``) serves whatever is registered, unchanged.

A *pointwise* quantity maps scalars to a float or a ``NamedTuple`` of floats; :meth:`Quantity.grid` evaluates it
over any parameters given as 1-D arrays and returns an :class:`xarray.Dataset`, with NaN where the state does not
exist (:class:`~amphase.errors.NoSolutionError`) or overflows. A *dataset* quantity (``dataset=True``) takes the
arrays itself and returns the dataset.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from amphase.assignments import check_grid_size, check_unique
from amphase.dataset import param_coords, provenance_attrs
from amphase.errors import NoSolutionError, ParameterError
from amphase.params import Choice, Param, fmt_value
from amphase.progress import Progress
from amphase.renames import renamed_param
from amphase.theory.cost import CHEAP, Cost, check_memory, total

__all__ = ["CHEAP", "REGISTRY", "Choice", "Cost", "Param", "Quantity", "Result", "get", "names", "quantity"]

#: errors of floating-point arithmetic that a valid input can still meet (a value beyond the float range): NaN with
#: the reason on a grid, one clear error at a single point.
ARITHMETIC_ERRORS = (OverflowError, FloatingPointError, ZeroDivisionError)

#: NumPy's treatment of values beyond the float range while a quantity is evaluated: they are inf or 0, as a
#: result's documentation says, without a warning; invalid operations (NaN) still warn.
FLOAT_RANGE = {"over": "ignore", "under": "ignore", "divide": "ignore"}

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
    cost: Cost | Callable[..., Cost] = CHEAP
    doc: str = ""
    _by_name: Mapping[str, Param | Choice] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {p.name: p for p in self.params})

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Validate scalar or array-valued parameters before any work; return them converted."""
        unknown = set(values) - set(self._by_name)
        if unknown:
            _check_renamed(self.name, unknown, tuple(self._by_name))
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
        check_memory(self.name, self.estimate(args), f" at {_shown(args)}")
        try:
            with np.errstate(**FLOAT_RANGE):
                return self._as_dict(self.func(**args))
        except ARITHMETIC_ERRORS as err:
            raise ParameterError(f"{self.name} at {_shown(args)}: {_overflow_reason(err)}") from None

    def estimate(self, args: Mapping[str, Any], workers: int = 1) -> Cost:
        """The declared cost of an evaluation at checked ``args`` (:meth:`check`): scalars, or arrays for a grid."""
        dims = [p.name for p in self.params if isinstance(args.get(p.name), np.ndarray)]
        return total(self.cost, args, dims, len(self.results), workers)

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

    def grid(
        self,
        map_fn: Callable[..., Iterable[Any]] = map,
        progress: bool | None = False,
        workers: int = 1,
        **values: Any,
    ) -> xr.Dataset:
        """Evaluate over every combination of the array-valued parameters; scalars are held fixed.

        Parameters
        ----------
        map_fn : callable
            A ``map``-like function used for the pointwise evaluations (e.g. ``ProcessPoolExecutor().map``).
        progress : bool, optional
            Report progress (:class:`amphase.progress.Progress`): ``None`` as the caller configured it (a bar on a
            terminal, a line every 30 s in a log), ``False`` (the default) not at all.
        workers : int
            Points evaluated at once by ``map_fn``, for the memory check (its declared cost times ``workers``).
        **values
            Parameter values: scalars, or 1-D sequences that become dimensions (in the registered order).

        Returns
        -------
        xarray.Dataset
            One variable per result over the grid dimensions, NaN where the state does not exist (the count is in
            the ``no_solution_points`` attribute) or where a value overflows (the count and the reason in
            ``overflow_points`` and ``overflow``), coordinates with units, scalar parameters as scalar coordinates.

        """
        args = self.check(values)
        fixed = {k: v for k, v in args.items() if not isinstance(v, np.ndarray)}
        dims = [p.name for p in self.params if isinstance(args[p.name], np.ndarray)]
        check_memory(self.name, self.estimate(args, workers), "" if dims else f" at {_shown(args)}")
        config = {
            "quantity": self.name,
            **{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in args.items()},
        }
        if self.dataset:  # it maps once over the values of each grid dimension: the progress counts those tasks
            tasks = sum(np.size(args[d]) for d in dims)
            with Progress(self.name, tasks, "tasks", show=progress) as bar:

                def counted(fn: Callable[..., Any], items: Iterable[Any]) -> Iterator[Any]:
                    for out in map_fn(fn, items):
                        bar.advance()
                        yield out

                ds = self.func(**args, map_fn=counted)
        else:
            axes = [args[d] for d in dims]
            points = [dict(zip(dims, combo, strict=True), **fixed) for combo in itertools.product(*axes)]
            call = functools.partial(_evaluate_point, self.name)
            rows = []
            with Progress(self.name, len(points), "points", show=progress) as bar:
                for row in map_fn(call, points):
                    rows.append(row)
                    bar.advance()
            reasons = [row.pop(_WHY) for row in rows]
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
            overflow = [why for why in reasons if why]
            first = self.results[0].name
            unsolved = [not why and math.isnan(row[first]) for row, why in zip(rows, reasons, strict=True)]
            ds.attrs["no_solution_points"] = int(sum(unsolved))
            if overflow:
                ds.attrs["overflow_points"] = len(overflow)
                ds.attrs["overflow"] = overflow[0]
        # the fixed parameters: scalar coordinates with units (one named like a result: in the config attribute only)
        taken = {*map(str, ds.variables), *map(str, ds.dims)}
        ds = ds.assign_coords(param_coords(fixed, self._coord_attrs, taken))
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


#: key of the reason a point is NaN because a value overflowed, in the rows of :meth:`Quantity.grid` (removed there).
_WHY = "\0why"


def _evaluate_point(name: str, point: Mapping[str, Any]) -> dict[str, Any]:
    q = get(name)
    try:
        with np.errstate(**FLOAT_RANGE):
            return {**q._as_dict(q.func(**point)), _WHY: ""}
    except NoSolutionError:
        return {**{r.name: math.nan for r in q.results}, _WHY: ""}
    except ARITHMETIC_ERRORS as err:
        return {**{r.name: math.nan for r in q.results}, _WHY: f"at {_shown(point)}: {_overflow_reason(err)}"}


def _shown(args: Mapping[str, Any]) -> str:
    """``alpha=0.07, T=0`` (plain numbers, never NumPy reprs); grids are shown by their size."""
    parts = []
    for k, v in args.items():
        if v is None:
            continue
        parts.append(f"{k}=<{np.size(v)} values>" if isinstance(v, np.ndarray) else f"{k}={fmt_value(v)}")
    return ", ".join(parts)


def _overflow_reason(err: BaseException) -> str:
    return f"a value overflows the floating-point range ({type(err).__name__}: {err}); use smaller values"


def quantity(
    name: str,
    *,
    params: Sequence[Param | Choice],
    results: Sequence[Result],
    reference: str,
    cost: Cost | Callable[..., Cost],
    dataset: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a theory function under ``name``; its arguments are checked against ``params`` on every call.

    ``cost`` is the declared memory and time of one evaluation (:mod:`amphase.theory.cost`): a :class:`Cost`, or a
    function of the quantity's parameters (by keyword, broadcasting over arrays) returning one; for a dataset
    quantity the cost of the whole grid, from the arrays.
    """

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
            _check_renamed(name, set(kwargs) - set(by_name), tuple(by_name))
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            for key, value in bound.arguments.items():
                if key in by_name:
                    for v in np.ravel(np.asarray(value, dtype=object)):
                        by_name[key].check(v)
            return func(*bound.args, **bound.kwargs)

        doc = inspect.getdoc(func) or name
        if name in REGISTRY:
            raise ValueError(f"theory quantity {name!r} is registered twice")
        REGISTRY[name] = Quantity(
            name, checked, tuple(params), tuple(results), doc.splitlines()[0], reference, dataset, defaults, cost, doc
        )
        return checked

    return decorate


def _check_renamed(name: str, unknown: set[str], params: tuple[str, ...]) -> None:
    """:class:`ParameterError` "P was renamed K" for a parameter of ``name`` renamed since (:mod:`amphase.renames`)."""
    for old in sorted(unknown):
        new = renamed_param(name, old, params)
        if new is not None:
            raise ParameterError(f"{name}: {old} was renamed {new}; call it with {new}= (amphase.renames)")


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
