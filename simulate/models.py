"""What a model family gives the sweep runner, and the registry of families.

The runner (:mod:`amphase.simulate.sweep`) knows nothing about any model. A family supplies a :class:`Model`:

* its parameters (:class:`~amphase.params.Param` for numbers, :class:`~amphase.params.Choice` for names), which of
  them may be grid dimensions, and their defaults;
* the variables one task returns (:class:`Variable`: extra dimensions beyond the grid and ``realization``, dtype,
  fill value, attributes) and the sizes of those extra dimensions for a whole grid;
* ``run(params, seed)``: from one grid point's parameters and its :class:`numpy.random.SeedSequence` to a dict of
  small arrays, one per variable (arrays shorter than the declared size along an extra dimension are padded);
* estimates, before any work, of what one task needs: ``memory(params)`` in bytes (the runner refuses a sweep that
  cannot fit) and ``cost(params)`` in arbitrary units (longest tasks are started first, and the progress bar counts
  cost, so its time estimate means something when the points differ a lot); ``rate``, the cost units one worker
  does per second (measured by ``scripts/calibrate_rates.py``), turns the cost into seconds before a run starts.

Families list their models in :mod:`amphase.families` (``"module:attribute"`` paths, imported on first use).
A model declared once (:mod:`amphase.simulate.declare`) describes its results with :class:`Var` and :class:`Dim`, the
declared forms of :class:`Variable` and of ``sizes``/``coords``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.families import load, model_target
from amphase.params import Choice, Param, fmt_value

__all__ = ["Choice", "Dim", "Model", "Param", "Var", "Variable", "get_model", "parameters_help"]


@dataclass(frozen=True)
class Variable:
    """A per-task result variable: dims after ``(*grid, 'realization')``, dtype, fill value and attributes."""

    dims: tuple[str, ...]
    dtype: str
    fill: Any
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Dim:
    """An extra dimension of the result (beyond the grid and ``realization``).

    Attributes
    ----------
    size : callable
        ``size(instance) -> int``, its length at one grid point; the dataset holds the largest over the grid.
    values : callable
        ``values(size) -> array``, its coordinate (default ``numpy.arange``).
    attrs : mapping, optional
        Coordinate attributes; :data:`amphase.dataset.COORDINATES` of the dimension's name when not given.
    coordinate : callable, optional
        ``coordinate(instance) -> array``: the coordinate from the declared parameters of a grid point, in place of
        ``values(size)`` (log-spaced times between ``t_min`` and ``t_max``); it must be the same at every grid point.

    """

    size: Callable[[Any], int]
    values: Callable[[int], np.ndarray] = np.arange
    attrs: Mapping[str, str] | None = None
    coordinate: Callable[[Any], np.ndarray] | None = None


@dataclass(frozen=True)
class Var:
    """A result variable of one realization.

    Attributes
    ----------
    dims : tuple of str
        Its extra dimensions (declared as :class:`Dim`), after ``(*grid, "realization")``.
    dtype : str
        NumPy dtype name.
    fill : object
        Fill value (what a missing or padded entry holds).
    long_name : str
        The ``long_name`` attribute.
    units : str, optional
        The ``units`` attribute (none when not given: counts, flags).
    flags : sequence of str, optional
        Meanings of the values ``0 .. len(flags) - 1`` (CF ``flag_values``/``flag_meanings``).
    when : callable, optional
        ``when(instance) -> bool``: the variable exists only where this holds at some grid point.

    """

    dims: tuple[str, ...]
    dtype: str
    fill: Any
    long_name: str
    units: str | None = None
    flags: Sequence[str] | None = None
    when: Callable[[Any], bool] | None = None

    def variable(self) -> Variable:
        """The :class:`Variable` the sweep runner writes."""
        from amphase.dataset import flag_attrs  # xarray is imported when a dataset is written, not before

        attrs: dict[str, Any] = (
            flag_attrs(list(self.flags), self.long_name) if self.flags else {"long_name": self.long_name}
        )
        if self.units is not None:
            attrs["units"] = self.units
        return Variable(tuple(self.dims), self.dtype, self.fill, attrs)


@dataclass(frozen=True)
class Model:
    """A model family as the sweep runner sees it.

    Attributes
    ----------
    name : str
        Registry name (the ``model`` key of a configuration).
    title : str
        Dataset title.
    references : str
        Papers the simulated model comes from.
    params : tuple
        Every parameter, as :class:`Param` or :class:`Choice`.
    gridable : tuple of str
        Parameters that may be grid dimensions.
    defaults : mapping
        Default values of the parameters that have one.
    variables : callable
        ``variables(config) -> {name: Variable}``.
    sizes : callable
        ``sizes(config) -> {extra dim: size}`` over the whole grid.
    coords : callable
        ``coords(config) -> {extra dim: (values, attrs)}``, coordinates of the extra dims.
    run : callable
        ``run(params, seed) -> {name: array}``, the work of one grid point and realization; must be picklable (a
        module-level function).
    check : callable
        ``check(params)``: cross-parameter checks at one grid point (raise :class:`ParameterError`).
    attrs : callable
        ``attrs(config) -> {name: value}``: global attributes describing the run (backend, device ...).
    memory : callable
        ``memory(params) -> bytes``: an upper estimate of the memory one task needs at one grid point (``params``
        also holds ``realizations``, the realizations the task runs).
    cost : callable
        ``cost(params) -> float``: relative cost of one realization at one grid point.
    rate : float
        Cost units one worker does per second, measured on the reference machine by ``scripts/calibrate_rates.py``
        (0: not measured, no estimate in seconds).
    run_many : callable, optional
        ``run_many([(params, seed), ...]) -> [result, ...]``: many realizations, of any grid points sharing a
        ``launch`` key, in one device task (:mod:`amphase.simulate.device_batches`); used by the device executor.
    launch : callable, optional
        ``launch(params) -> (key, bytes)``: what realizations must share to run together, and the device bytes one
        realization holds (with ``run_many``).

    """

    name: str
    title: str
    references: str
    params: tuple[Param | Choice, ...]
    gridable: tuple[str, ...]
    defaults: Mapping[str, Any]
    variables: Callable[[Mapping[str, Any]], dict[str, Variable]]
    sizes: Callable[[Mapping[str, Any]], dict[str, int]]
    coords: Callable[[Mapping[str, Any]], dict[str, tuple[np.ndarray, dict[str, str]]]]
    run: Callable[[Mapping[str, Any], np.random.SeedSequence], dict[str, np.ndarray]]
    check: Callable[[Mapping[str, Any]], None] = lambda params: None
    attrs: Callable[[Mapping[str, Any]], dict[str, Any]] = lambda config: {}
    memory: Callable[[Mapping[str, Any]], float] = lambda params: 0.0
    cost: Callable[[Mapping[str, Any]], float] = lambda params: 1.0
    rate: float = 0.0
    run_many: Callable[[list[tuple[dict[str, Any], np.random.SeedSequence]]], list[dict[str, Any]]] | None = None
    launch: Callable[[Mapping[str, Any]], tuple[Any, int]] | None = None

    def param(self, name: str) -> Param | Choice:
        """The parameter called ``name``; :class:`ParameterError` naming the allowed ones if there is none."""
        for p in self.params:
            if p.name == name:
                return p
        allowed = ", ".join(p.name for p in self.params)
        close = difflib.get_close_matches(name, [p.name for p in self.params], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ParameterError(f"model {self.name!r} has no parameter {name!r}{hint}; its parameters: {allowed}")


def parameters_help(model: Model) -> str:
    """The parameters of ``model`` as text: name, description, units, domain, default, whether it may be a grid.

    One line each, in the format of ``amphase theory NAME --help`` (:func:`amphase.cli_output.quantity_help`).
    """
    width = max((len(p.name) for p in model.params), default=0)
    lines = [f"model {model.name}: {model.title}", f"source: {model.references}", ""]
    lines.append("parameters ([grid]: may be a grid dimension of a sweep):")
    for p in model.params:
        units = f" [{p.units}]" if isinstance(p, Param) and p.units != "1" else ""
        value = model.defaults.get(p.name)
        shown = value if isinstance(value, str) else fmt_value(value)
        default = f" (default {shown})" if p.name in model.defaults else " (required)"
        grid = " [grid]" if p.name in model.gridable else ""
        lines.append(f"  {p.name:<{width}}  {p.description}{units}; {p.domain()}{default}{grid}")
    return "\n".join(lines)


def get_model(name: str) -> Model:
    """The simulation model registered as ``name`` by its family (:mod:`amphase.families`)."""
    return load(model_target(name))
