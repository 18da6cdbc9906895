"""``key=value`` assignments as the command line and sweep overrides write them.

A value is a number, a grid ``start:stop:num`` (:func:`numpy.linspace`) or a list ``v1,v2,...``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from amphase.errors import ParameterError

__all__ = ["parse_assignment"]


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``key=value``: a number, ``start:stop:num`` (a linspace grid) or ``v1,v2,...`` (a list grid)."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key or not value:
        raise ParameterError(f"cannot read {text!r}: parameters are given as key=value")

    def number(s: str) -> float:
        try:
            return float(s)
        except ValueError:
            raise ParameterError(f"{key}: {s!r} is not a number") from None

    if ":" in value:
        parts = value.split(":")
        if len(parts) != 3:
            raise ParameterError(f"{key}: a grid is start:stop:num, got {value!r}")
        start, stop, num = (number(p) for p in parts)
        if not num.is_integer() or num < 1:
            raise ParameterError(f"{key}: the number of grid points must be an integer >= 1, got {parts[2]!r}")
        return key, np.linspace(start, stop, int(num))
    if "," in value:
        return key, np.array([number(p) for p in value.split(",") if p.strip()])
    return key, number(value)
