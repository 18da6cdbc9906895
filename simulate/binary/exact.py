"""Exact integer tables for the binary kernels: float64 and wrapped int64 copies of exact integers, and the error bound.

The binary kernels decide the sign of an integer sum ``D = sum_k v_k`` of table values exactly (see
:mod:`amphase.simulate.binary.energy`). A table holds each exact integer ``v`` twice: rounded once to float64, and
reduced modulo ``2^64`` to a signed int64 (:func:`wrap`). Integer arithmetic modulo ``2^64`` (int64 with
wrap-around, as Numba, NumPy arrays and CuPy do it) is a ring homomorphism, so a sum computed in wrapped int64 is the
exact value whenever ``|D| < 2^63``. The float64 sum of ``K`` terms carries at most ``4 (K + 8) u G`` (``u = 2^-53``,
``G = sum |v|``: Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., eq. (3.5), any summation order,
plus the roundings of the tables and of sums and differences of two entries).

Used by the energies of the seam and by the sequence rule of :mod:`amphase.simulate.dense.sequence_rule`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["U", "integer_table", "wrap"]

#: unit roundoff of float64.
U = 2.0**-53
_TWO63 = 2**63


def wrap(v: int) -> int:
    """``v`` modulo ``2^64`` as a signed 64-bit value."""
    return (v + _TWO63) % (2 * _TWO63) - _TWO63


def integer_table(values: Sequence[int]) -> tuple[np.ndarray, np.ndarray, int]:
    """Exact integers as a float64 table (rounded once), a wrapped int64 table, and ``max |v|`` (a Python int)."""
    return (
        np.array([float(v) for v in values], dtype=np.float64),
        np.array([wrap(v) for v in values], dtype=np.int64),
        max((abs(v) for v in values), default=0),
    )
