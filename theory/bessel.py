r"""Modified Bessel functions of orders 0 and 1 at every real argument: ``ln I_0``, ``A = I_1/I_0`` and ``A'``.

SciPy's exponentially scaled :func:`scipy.special.ive` returns NaN beyond :math:`z \approx 2^{31}`, and
:math:`A'(z) = 1 - A/z - A^2` loses every digit to cancellation once :math:`z \gtrsim 10^8` (it is
:math:`\approx 1/(2z^2)`). Above :data:`ASYMPTOTIC_FROM` the large-argument expansions are used instead
(Abramowitz & Stegun 9.7.1, :math:`I_\nu(z) \sim e^z (2\pi z)^{-1/2} \sum_k (-1)^k a_k(\nu) z^{-k}`, the ratio and
the logarithm expanded here with SymPy to order :math:`z^{-9}`; at :math:`z = 10^3` the first term left out is below
:math:`10^{-24}` relative); below it, ``ive``.
"""

from __future__ import annotations

import math

from scipy.special import ive

__all__ = ["ASYMPTOTIC_FROM", "bessel_ratio", "bessel_ratio_derivative", "log_i0"]

#: arguments from which the asymptotic expansions are used.
ASYMPTOTIC_FROM = 1e3

# coefficients of u = 1/z, from u^0 (derived with SymPy from A&S 9.7.1)
_A = (1.0, -1 / 2, -1 / 8, -1 / 8, -25 / 128, -13 / 32, -1073 / 1024, -103 / 32, -375733 / 32768, -23797 / 512)
_DA = (0.0, 0.0, 1 / 2, 1 / 4, 3 / 8, 25 / 32, 65 / 32, 3219 / 512, 721 / 32, 375733 / 4096)
_LOG = (0.0, 1 / 8, 1 / 16, 25 / 384, 13 / 128, 1073 / 5120, 103 / 192, 375733 / 229376, 23797 / 4096)


def _series(coefficients: tuple[float, ...], u: float) -> float:
    out = 0.0
    for c in reversed(coefficients):
        out = out * u + c
    return out


def log_i0(z: float) -> float:
    """``ln I_0(z)`` for ``z >= 0``, finite at every finite ``z``."""
    if z < ASYMPTOTIC_FROM:
        return math.log(float(ive(0, z))) + z
    return z - 0.5 * math.log(2.0 * math.pi * z) + _series(_LOG, 1.0 / z)


def bessel_ratio(z: float) -> float:
    """``A(z) = I_1(z)/I_0(z)`` for ``z >= 0``."""
    if z < ASYMPTOTIC_FROM:
        return float(ive(1, z) / ive(0, z))
    return _series(_A, 1.0 / z)


def bessel_ratio_derivative(z: float) -> float:
    """``A'(z) = 1 - A/z - A^2`` for ``z > 0``, without the cancellation of that formula at large ``z``."""
    if z < ASYMPTOTIC_FROM:
        a = bessel_ratio(z)
        return 1.0 - a / z - a * a
    return _series(_DA, 1.0 / z)
