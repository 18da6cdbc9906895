"""The parameter vocabulary shared by every layer: numbers with a domain (:class:`Param`) and names (:class:`Choice`).

Theory quantities (:mod:`amphase.theory.registry`) and simulation models (:mod:`amphase.simulate.models`) declare
their parameters with these classes; the CLI, the sweep configuration and the Python API all check values through
them, so a value is accepted or refused in the same words everywhere. A parameter owns its description, its
``long_name`` and its ``units``: they label the dataset coordinate when the parameter becomes a grid dimension, so a
family's own meaning (a DenseAM load ``K/N^(n-1)``, a Gaussian noise width) is never replaced by another family's.

Rules, the same for every parameter:

* numbers are real numbers: ``bool`` and strings are refused (``N = "100"`` in a TOML file, ``alpha=True`` in Python);
* NaN and infinities are outside every domain;
* integer parameters accept floats with an integer value (``N = 1000.0``) and return ``int``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from amphase.errors import ParameterError

__all__ = ["Choice", "Param", "fmt_value"]


def fmt_value(x: Any) -> str:
    """A value as the user wrote it: integers without ``.0``, floats in their shortest round-trip form."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, numbers.Integral):
        return str(int(x))
    if isinstance(x, numbers.Real):
        x = float(x)
        return str(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)
    return repr(x)


@dataclass(frozen=True)
class Param:
    """A numerical parameter and its domain.

    Parameters
    ----------
    name : str
        Keyword name, also the dataset coordinate name.
    description : str
        One line for ``--list`` outputs.
    lower, upper : float, optional
        Bounds of the domain; ``None`` for none.
    lower_open, upper_open : bool
        Whether the bound itself is excluded.
    integer : bool
        Integer-valued parameter.
    odd : bool
        Odd integers only.
    units : str
        Units of the coordinate (``"1"`` for dimensionless numbers).
    long_name : str, optional
        The coordinate's ``long_name``; the description when not given.

    """

    name: str
    description: str
    lower: float | None = None
    upper: float | None = None
    lower_open: bool = False
    upper_open: bool = False
    integer: bool = False
    odd: bool = False
    units: str = "1"
    long_name: str = ""

    def domain(self) -> str:
        """The domain in words, e.g. ``'0 <= alpha'`` or ``'1 <= odd integer n'``."""
        kind = "odd integer " if self.odd else "integer " if self.integer else ""
        parts = []
        if self.lower is not None:
            parts.append(f"{fmt_value(self.lower)} {'<' if self.lower_open else '<='} ")
        parts.append(f"{kind}{self.name}")
        if self.upper is not None:
            parts.append(f" {'<' if self.upper_open else '<='} {fmt_value(self.upper)}")
        text = "".join(parts)
        return text if self.lower is not None or self.upper is not None or kind else f"real {self.name}"

    def attrs(self) -> dict[str, str]:
        """Coordinate attributes: ``long_name`` and ``units``."""
        return {"long_name": self.long_name or self.description, "units": self.units}

    def check(self, value: Any) -> float | int:
        """Return ``value`` as a float (int for integer parameters) if it lies in the domain.

        Raises
        ------
        ParameterError
            Naming the parameter and its allowed range: for a missing value, a non-number (strings and booleans
            included), NaN or infinity, or a value outside the domain.

        """
        if value is None:
            raise ParameterError(f"missing parameter {self.name}: give {self.name}=VALUE with {self.domain()}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            shown = f"{value!r} (a {type(value).__name__})" if isinstance(value, str | bool) else repr(value)
            raise ParameterError(f"{self.name}={shown} is not a number; allowed: {self.domain()}")
        x = float(value)
        bad = not math.isfinite(x)
        bad = bad or (self.lower is not None and (x < self.lower or (self.lower_open and x == self.lower)))
        bad = bad or (self.upper is not None and (x > self.upper or (self.upper_open and x == self.upper)))
        if self.integer or self.odd:
            bad = bad or not x.is_integer() or (self.odd and int(x) % 2 == 0)
        if bad:
            raise ParameterError(f"{self.name}={fmt_value(value)} is outside its domain; allowed: {self.domain()}")
        return int(x) if self.integer or self.odd else x


@dataclass(frozen=True)
class Choice:
    """A parameter that takes one of a few names."""

    name: str
    description: str
    choices: tuple[str, ...]
    long_name: str = ""

    def domain(self) -> str:
        """The allowed values in words."""
        return f"{self.name} in {{{', '.join(self.choices)}}}"

    def attrs(self) -> dict[str, str]:
        """Coordinate attributes: ``long_name`` (names have no units)."""
        return {"long_name": self.long_name or self.description}

    def check(self, value: Any) -> str:
        """Return ``value`` if it is one of the choices; raise :class:`ParameterError` if not."""
        if not isinstance(value, str) or value not in self.choices:
            raise ParameterError(f"{self.name}={value!r} is not allowed; allowed: {self.domain()}")
        return value
