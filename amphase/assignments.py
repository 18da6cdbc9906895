"""``key=value`` assignments as the command line and sweep overrides write them, and the rules every grid obeys.

A value is a number, a grid ``start:stop:num`` (:func:`numpy.linspace`, ``num >= 1`` points) or a list
``v1,v2,...``. The same rules hold in ``amphase theory``, ``amphase run`` (command line and TOML) and the Python API:

* a list has no empty entry (``0.1,,0.2`` is an error, not ``0.1,0.2``);
* a grid repeats no value (``0.1:0.1:3`` is an error);
* a grid has at most :data:`MAX_GRID_POINTS` points, all its dimensions together, checked before anything is
  allocated;
* a range ``start:stop:num`` has finite values (``-1e308:1e308:3`` overflows: an error, not NaN);
* a key is given once (``N=1000 N=2000`` is an error, not "the last one wins").
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.params import fmt_value

__all__ = [
    "MAX_GRID_POINTS",
    "check_grid_size",
    "check_unique",
    "linspace_grid",
    "parse_assignment",
    "parse_assignments",
]

#: the most points a grid may have (all dimensions together): about a day of the cheapest work, and 8 MB a variable.
MAX_GRID_POINTS = 1_000_000


def _number(key: str, s: str) -> float:
    try:
        return float(s)
    except ValueError:
        raise ParameterError(f"{key}: {s!r} is not a number") from None


def parse_assignment(text: str, names: Collection[str] = ()) -> tuple[str, Any]:
    """Parse ``key=value``: a number, ``start:stop:num`` (a linspace grid) or ``v1,v2,...`` (a list grid).

    Keys in ``names`` take names instead of numbers: ``process=vp`` is the string ``"vp"`` and ``process=ve,vp`` the
    list grid ``["ve", "vp"]``.
    """
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key or not value:
        raise ParameterError(f"cannot read {text!r}: parameters are given as key=value")
    if key in names:
        parts = [p.strip() for p in value.split(",")]
        if "" in parts:
            raise ParameterError(f"{key}: the list {value!r} has an empty entry")
        if len(parts) == 1:
            return key, parts[0]
        check_unique(key, parts)
        return key, parts
    if ":" in value:
        parts = value.split(":")
        if len(parts) != 3:
            raise ParameterError(f"{key}: a grid is start:stop:num, got {value!r}")
        start, stop, num = (_number(key, p) for p in parts)
        if not num.is_integer() or num < 1:
            raise ParameterError(f"{key}: the number of grid points must be an integer >= 1, got {parts[2]!r}")
        if num > MAX_GRID_POINTS:
            raise ParameterError(f"{key}: {parts[2]} grid points; at most {MAX_GRID_POINTS} are allowed")
        values = linspace_grid(key, start, stop, int(num))
        check_unique(key, values)
        return key, values
    if "," in value:
        parts = [p.strip() for p in value.split(",")]
        if "" in parts:
            raise ParameterError(f"{key}: the list {value!r} has an empty entry")
        values = np.array([_number(key, p) for p in parts])
        check_unique(key, values)
        return key, values
    return key, _number(key, value)


def linspace_grid(key: str, start: float, stop: float, num: int) -> np.ndarray:
    """``numpy.linspace(start, stop, num)``; :class:`ParameterError` if a value is not finite (overflow, NaN, inf)."""
    with np.errstate(all="ignore"):  # -1e308:1e308:3 overflows: an error below, not a warning
        values = np.linspace(start, stop, num)
    if not np.all(np.isfinite(values)):
        raise ParameterError(
            f"{key}: the range from {fmt_value(start)} to {fmt_value(stop)} in {num} points has values that are not "
            "finite numbers"
        )
    return values


def parse_assignments(texts: Sequence[str], names: Collection[str] = ()) -> dict[str, Any]:
    """Parse several ``key=value`` assignments (``names``: keys taking names); a key given twice is an error."""
    out: dict[str, Any] = {}
    for text in texts:
        key, value = parse_assignment(text, names)
        if key in out:
            raise ParameterError(f"{key} is given twice; give each parameter once")
        out[key] = value
    return out


def check_unique(name: str, values: Iterable[Any]) -> None:
    """Raise :class:`ParameterError` if the grid ``values`` of ``name`` repeats a value."""
    values = list(values)
    seen: set[Any] = set()
    for v in values:
        key = float(v) if isinstance(v, int | float | np.number) else v
        if key in seen:
            shown = ", ".join(fmt_value(x) for x in values[:8]) + (", ..." if len(values) > 8 else "")
            raise ParameterError(f"grid {name} repeats the value {fmt_value(v)}: [{shown}]")
        seen.add(key)


def check_grid_size(sizes: dict[str, int]) -> int:
    """The number of points of a grid with these dimension sizes; :class:`ParameterError` above the limit."""
    total = math.prod(sizes.values())
    if total > MAX_GRID_POINTS:
        dims = " x ".join(f"{n} {d}" for d, n in sizes.items())
        raise ParameterError(f"the grid has {total} points ({dims}); at most {MAX_GRID_POINTS} are allowed")
    return total
