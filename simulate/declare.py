"""A model declared once: parameters, result variables, dimensions and run code in one class.

A simulation model is a class body. Each parameter is one field, declared by :func:`number` or :func:`choice` (or
:func:`declared` for a parameter a shared kernel declares, e.g. :func:`amphase.simulate.lse.kernel_params`) with its
description, domain, units and default, its annotation saying its type (``int``, ``float``; ``str`` for a choice):

.. code-block:: python

    @model(title=..., references=..., dims={"cue": Dim(lambda r: r.cues)}, variables={"m": Var(("cue",), ...)})
    class Retrieval:
        N: int = number("dimension", ge=2, le=10**5, grid=True)
        lam: float = number("inverse temperature", gt=0, default=1.0, grid=True)
        patterns: str = choice("pattern ensemble", ("spherical", "gaussian"), default="spherical")

        def run(self, seed): ...

 the class defines ``run(self, seed) -> {variable: array}`` and optionally
``check(self)``, ``memory(self, realizations) -> bytes`` and ``cost(self) -> float``. The :func:`model` decorator
names the result variables (:class:`Var`) and their extra dimensions (:class:`Dim`, sizes as functions of the
parameters), turns the class into a frozen keyword-only dataclass whose fields are the parameters (values checked
against their domains on construction), and attaches ``MODEL``: the :class:`~amphase.simulate.models.Model` the
sweep runner, the configuration resolver, the CLI and the dataset writer already know. Nothing downstream changes,
so models are converted one at a time; a module keeps ``MODEL = TheClass.MODEL`` for :mod:`amphase.families`.

From the one declaration:

* ``params``, ``defaults`` and ``gridable`` (fields declared with ``grid=True``), in field order;
* ``variables(config)``: the active :class:`Var` (``when``) as :class:`~amphase.simulate.models.Variable`;
* ``sizes(config)``: each :class:`Dim`'s size, the largest over the grid points (one instance per point, no work),
  for the dimensions the active variables use;
* ``coords(config)``: ``Dim.values(size)`` with ``Dim.attrs``, or :data:`amphase.dataset.COORDINATES` of the name;
* ``run``, ``check``, ``attrs``, ``memory`` and ``cost``: picklable callables that build the instance from one grid
  point's parameters and call its method;
* the registry name, from the module: ``amphase.simulate.<family>.<module>`` gives ``"<family>.<module>"``
  (``"<family>"`` when the module is named for it), unless ``name=`` is given (modules not yet named for their model).

A declared class may subclass another declared class: the parent's fields come first, with their defaults. The
model's callables are assembled in :mod:`amphase.simulate.declared_model`.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from amphase.dataset import COORDINATES
from amphase.params import Choice, Param
from amphase.simulate.declared_model import build
from amphase.simulate.models import Dim, Var

__all__ = ["REQUIRED", "Dim", "Var", "choice", "declared", "model", "number", "registry_name"]

T = TypeVar("T")
_SPEC = "amphase.spec"  # field metadata: the Param/Choice of the field
_GRID = "amphase.grid"  # field metadata: may be a grid dimension


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: marks a parameter without a default (a configuration must give it).
REQUIRED: Any = _Required()


def _field(spec: Param | Choice, default: Any, grid: bool) -> Any:
    meta = {_SPEC: spec, _GRID: bool(grid)}
    if default is REQUIRED:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def number(
    doc: str,
    *,
    default: Any = REQUIRED,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    odd: bool = False,
    units: str = "1",
    long_name: str | None = None,
    grid: bool = False,
) -> Any:
    """A numerical parameter (an :class:`~amphase.params.Param` named by its field) and its default.

    The domain is ``ge``/``gt`` (lower bound, closed/open) and ``le``/``lt`` (upper bound); the field's annotation
    says whether it is an integer (``int``) or a real number (``float``). ``grid=True``: the parameter may be a grid
    dimension of a sweep. ``units`` and ``long_name`` (default ``doc``) label its coordinate.
    """
    if (ge is not None and gt is not None) or (le is not None and lt is not None):
        raise TypeError(f"number({doc!r}): give one lower bound (ge or gt) and one upper bound (le or lt)")
    lower, lower_open = (gt, True) if gt is not None else (ge, False)
    upper, upper_open = (lt, True) if lt is not None else (le, False)
    spec = Param("", doc, lower, upper, lower_open, upper_open, False, odd, units, long_name or "")
    return _field(spec, default, grid)


def choice(
    doc: str, allowed: Sequence[str], *, default: Any = REQUIRED, long_name: str | None = None, grid: bool = False
) -> Any:
    """A parameter that takes one of the names ``allowed`` (an :class:`~amphase.params.Choice`) and its default."""
    return _field(Choice("", doc, tuple(allowed), long_name or ""), default, grid)


def declared(spec: Param | Choice, *, default: Any = REQUIRED, grid: bool = False) -> Any:
    """A parameter declared elsewhere (a shared kernel's ``dtype``, ``backend``, ``tile``) as a field of a model.

    The field must carry the parameter's own name.
    """
    return _field(spec, default, grid)


def registry_name(module: str) -> str:
    """The model name of a module: ``amphase.simulate.dense.lse``: ``dense.lse``, ``...hopfield.hopfield`` ``hopfield``.

    Raises
    ------
    ValueError
        For a module that is not ``amphase.simulate.<family>.<module>``.

    """
    parts = module.split(".")
    if len(parts) != 4 or parts[:2] != ["amphase", "simulate"]:
        raise ValueError(f"cannot name a model from module {module!r}: give name= to @model")
    family, leaf = parts[2], parts[3]
    return family if leaf == family else f"{family}.{leaf}"


def _typed(where: str, name: str, annotation: Any, spec: Param | Choice) -> Param | Choice:
    """``spec`` named ``name``; a number is an integer when annotated ``int``: the annotation must agree."""
    kind = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", repr(annotation))
    if isinstance(spec, Choice):
        if kind != "str":
            raise TypeError(f"{where}: choice field {name!r} must be annotated str, not {kind}")
        return dataclasses.replace(spec, name=name)
    if kind not in ("int", "float"):
        raise TypeError(f"{where}: number field {name!r} must be annotated int or float, not {kind}")
    integer = kind == "int"
    if spec.name and (spec.integer or spec.odd) != integer:  # a parameter declared elsewhere
        raise TypeError(f"{where}: field {name!r} is annotated {kind} but its parameter is {spec.domain()}")
    if spec.odd and not integer:
        raise TypeError(f"{where}: field {name!r} is odd, so an integer: annotate it int")
    return dataclasses.replace(spec, name=name, integer=integer or spec.integer)


def _checked_init(cls: type, specs: dict[str, Param | Choice]) -> None:
    """Give ``cls`` a ``__post_init__`` that checks every field against its domain, then runs the class's own."""
    own = cls.__dict__.get("__post_init__") or getattr(cls, "_own_post_init", None)

    def __post_init__(self: Any) -> None:
        for name, spec in specs.items():
            object.__setattr__(self, name, spec.check(getattr(self, name)))
        if own is not None:
            own(self)

    cls._own_post_init = own  # type: ignore[attr-defined]
    cls.__post_init__ = __post_init__  # type: ignore[attr-defined]


def model(
    *,
    title: str,
    references: str,
    variables: Mapping[str, Var],
    dims: Mapping[str, Dim] | None = None,
    attrs: Callable[[Any], dict[str, Any]] | None = None,
    name: str | None = None,
    rate: float = 0.0,
) -> Callable[[type[T]], type[T]]:
    """Class decorator: the class body declares a model; the class gains ``MODEL`` (module docstring).

    Parameters
    ----------
    title, references : str
        The dataset's title and the papers the model comes from.
    variables : mapping
        ``{name: Var}``, the result variables of one realization.
    dims : mapping, optional
        ``{name: Dim}``, every extra dimension the variables use.
    attrs : callable, optional
        ``attrs(instance) -> {name: value}``: global attributes, from the first grid point's instance.
    name : str, optional
        Registry name, when the module is not (yet) named for the model.
    rate : float
        Cost units one worker does per second (``scripts/calibrate_rates.py``; 0: not measured).

    Raises
    ------
    TypeError
        At import, for a field not declared by :func:`number`/:func:`choice`/:func:`declared`, a default outside its
        own domain, a variable over an undeclared dimension, or a class without ``run``.

    """
    dims = dict(dims or {})

    def decorate(cls: type[T]) -> type[T]:
        where = f"model class {cls.__qualname__}"
        for var_name, var in variables.items():
            missing = [d for d in var.dims if d not in dims]
            if missing:
                raise TypeError(f"{where}: variable {var_name!r} uses undeclared dimension(s) {missing}")
        for dim_name, dim in dims.items():
            if dim.attrs is None and dim_name not in COORDINATES:
                raise TypeError(f"{where}: dimension {dim_name!r} needs attrs (amphase.dataset.COORDINATES lacks it)")
        if not callable(getattr(cls, "run", None)):
            raise TypeError(f"{where} defines no run(self, seed)")
        annotations = inspect.get_annotations(cls)
        specs: dict[str, Param | Choice] = dict(getattr(cls, "_specs", {}))
        for field_name in annotations:
            value = cls.__dict__.get(field_name, dataclasses.MISSING)
            meta = value.metadata if isinstance(value, dataclasses.Field) else {}
            if _SPEC not in meta:
                raise TypeError(f"{where}: field {field_name!r} is not declared with number(), choice() or declared()")
            spec = meta[_SPEC]
            if spec.name and spec.name != field_name:
                raise TypeError(f"{where}: field {field_name!r} declares the parameter {spec.name!r}")
            specs[field_name] = _typed(where, field_name, annotations[field_name], spec)
        _checked_init(cls, specs)
        cls._specs = specs  # type: ignore[attr-defined]
        cls = dataclasses.dataclass(frozen=True, kw_only=True)(cls)
        fields = dataclasses.fields(cls)
        defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
        for key, default in defaults.items():
            try:
                ok = specs[key].check(default) == default
            except Exception as err:  # reported at import with the field's name
                raise TypeError(f"{where}: default {key}={default!r} is refused by its own domain: {err}") from err
            if not ok:
                raise TypeError(f"{where}: default {key}={default!r} is not in its canonical form")
        gridable = tuple(f.name for f in fields if f.metadata[_GRID])
        cls.MODEL = build(  # type: ignore[attr-defined]
            cls,
            specs,
            fields,
            defaults,
            gridable,
            title,
            references,
            variables,
            dims,
            attrs,
            name or registry_name(cls.__module__),
            rate,
        )
        return cls

    return decorate
