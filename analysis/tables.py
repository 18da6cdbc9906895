"""Text tables of comparison datasets: number formats and row labels, written once for every family.

The comparisons of every family print their results as plain text tables (``amphase compare``). The pieces those
tables share live here:

* :func:`fmt`: one number, right-aligned in a fixed width, ``nan`` for a missing or non-finite value;
* :func:`pm`: a value with its error, ``v±e``;
* :func:`fixed`: the parameters that do not vary in a comparison (length-1 dimensions or scalar coordinates), as
  ``name=value`` for a table's heading line;
* :func:`labels`: row labels of a :class:`pandas.DataFrame` made from a comparison dataset, naming the index levels
  that vary.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["fixed", "fmt", "labels", "pm"]


def _number(value: Any) -> float:
    """``value`` as a float (a 0-d array or DataArray included); NaN for ``None``."""
    return math.nan if value is None else float(value)


def fmt(value: Any, digits: int = 4, width: int = 0, *, style: str = "f", nan: str = "nan") -> str:
    """``value`` with ``digits`` decimals, right-aligned in ``width`` characters; ``nan`` where it is not finite.

    Parameters
    ----------
    value : float, numpy or 0-d xarray value, or None
        The number.
    digits, width : int
        Decimals (significant digits for the ``g`` form) and the width of the field.
    style : {"f", "g", "auto"}
        ``"f"``: fixed point always; ``"g"``: the ``g`` form always (``digits`` significant digits); ``"auto"``:
        the ``g`` form for ``|v| >= 1e4`` and ``0 < |v| < 1e-3``, where fixed point would print too many or no
        significant digits, fixed point otherwise.
    nan : str
        What a missing or non-finite value prints as.

    """
    if style not in ("f", "g", "auto"):
        raise ValueError(f"style={style!r}: allowed 'f', 'g' or 'auto'")
    v = _number(value)
    if not np.isfinite(v):
        return f"{nan:>{width}}"
    general = style == "g" or (style == "auto" and (abs(v) >= 1e4 or (v != 0 and abs(v) < 1e-3)))
    return f"{v:>{width}.{digits}{'g' if general else 'f'}}"


def pm(value: Any, error: Any, digits: int = 3, *, nan: str = "nan", finer_below: float | None = None) -> str:
    """``value±error`` with ``digits`` decimals each; the value alone where the error is not finite.

    ``finer_below``: one more decimal where ``|value|`` is below it (small values whose error would otherwise round
    to zero). A value that is not finite prints as ``nan``.
    """
    v, e = _number(value), _number(error)
    if not np.isfinite(v):
        return nan
    if finer_below is not None and abs(v) < finer_below:
        digits += 1
    return f"{v:.{digits}f}" + (f"±{e:.{digits}f}" if np.isfinite(e) else "")


def fixed(res: xr.Dataset, names: Iterable[str]) -> list[str]:
    """``name=value`` for each of ``names`` that has one value in ``res``: a length-1 dimension or a scalar coordinate.

    A name that is a longer dimension, or absent, is left out. The order is that of ``names``.
    """
    out = []
    for name in names:
        if name in res.dims and res.sizes[name] == 1:
            out.append(f"{name}={res[name].values[0]}")
        elif name in res.coords and res[name].ndim == 0:
            out.append(f"{name}={res[name].values}")
    return out


def labels(frame: Any, res: xr.Dataset, *, sep: str = " ") -> list[str]:
    """Row labels of ``frame`` (a DataFrame of ``res``) naming the index levels that vary in ``res`` as ``name=value``.

    The levels that do not vary belong in the table's heading (:func:`fixed`); a row of a one-point table gets ``""``.
    """
    names: Sequence[str] = list(frame.index.names)
    varying = [n for n in names if n in res.dims and res.sizes[n] > 1]
    keys = [k if isinstance(k, tuple) else (k,) for k in frame.index]
    return [sep.join(f"{n}={v}" for n, v in zip(names, key, strict=True) if n in varying) for key in keys]
