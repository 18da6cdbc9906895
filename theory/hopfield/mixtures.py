r"""Spurious states of the Hopfield model: symmetric mixtures of ``n`` patterns.

A symmetric ``n``-mixture has the same overlap ``m_n`` with ``n`` patterns (``n`` odd; ``n = 1`` is a retrieval state).
With ``z = sum_{mu<=n} xi^mu`` and no load (``alpha = 0``) the free energy per neuron is
``f = (n/2) m^2 - T <ln 2 cosh(beta m z)>_z`` and the saddle point ``m = (1/n) <z tanh(beta m z)>_z``
(Amit, Gutfreund & Sompolinsky 1985, Phys. Rev. A 32, 1007).

Exact results at ``T = 0`` (derived with sympy here): ``m_n = (1/n) <|z|> = binom(n-1, (n-1)/2) / 2^(n-1)`` and
``E_n = -(n/2) m_n^2``; ``m_3 = 1/2``, ``E_3 = -3/8``; ``m_5 = 3/8``, ``E_5 = -45/128``; ``E_n -> -1/pi`` as
``n -> oo``, the ``alpha -> 0`` limit of the spin-glass energy.

Stability at ``alpha = 0`` (AGS 1985 PRA): the Hessian of ``f`` in the overlaps has three
eigenvalues, with ``q = <tanh^2(beta m z)>`` and ``Q = <xi^1 xi^2 tanh^2(beta m z)> = <(z^2 - n) tanh^2>/(n(n-1))``:

.. math::

    \lambda_1 = 1 - \beta(1 - q) + (n-1)\beta Q, \quad
    \lambda_2 = 1 - \beta(1 - q) - \beta Q \ \ (n-1\ \text{fold}), \quad
    \lambda_3 = 1 - \beta(1 - q)\ \ (\text{the non-condensed patterns}).

The mixture is a local minimum below the temperature ``T_n`` where the smallest one vanishes
(``T_3 = 0.4598``; the abstract of AGS 1985 PRA quotes ``T ≈ 0.46``). Even mixtures are saddles at every
temperature. At ``T = 0`` and ``alpha > 0`` the mixture exists up to a maximal load (about 0.03 for ``n = 3``, AGS
1987 Ann. Phys. 173, 30), found from the same replica-symmetric equations as the retrieval state
(:mod:`~amphase.theory.hopfield.replica_symmetric`).
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np
import sympy as sp
from scipy.optimize import brentq

from amphase.errors import NoSolutionError
from amphase.theory.hopfield.replica_symmetric import _pattern_sums, mixture_state

__all__ = [
    "MixtureEigenvalues",
    "mixture_eigenvalues",
    "mixture_energy_exact",
    "mixture_overlap_exact",
    "mixture_stability_temperature",
]


@cache
def mixture_overlap_exact(n: int) -> sp.Rational:
    """Exact ``T = 0``, ``alpha = 0`` overlap ``m_n = (1/n) <|sum_{mu<=n} xi^mu|>`` of a symmetric n-mixture.

    Sum over the binomial distribution of ``z``, done exactly by sympy; equals
    ``binom(n-1, (n-1)/2) / 2^(n-1)`` for odd ``n`` (AGS 1985 PRA).
    """
    k = sp.Symbol("k", integer=True, nonnegative=True)
    total = sp.summation(sp.binomial(n, k) * sp.Abs(n - 2 * k), (k, 0, n))
    return sp.Rational(total, n * 2**n)


@cache
def mixture_energy_exact(n: int) -> sp.Rational:
    """Exact ``T = 0``, ``alpha = 0`` energy per neuron ``E_n = -(n/2) m_n^2`` (AGS 1985 PRA)."""
    return -sp.Rational(n, 2) * mixture_overlap_exact(n) ** 2


class MixtureEigenvalues(NamedTuple):
    """Hessian eigenvalues of a symmetric mixture at ``alpha = 0`` (AGS 1985 PRA)."""

    lambda_symmetric: float
    lambda_asymmetric: float
    lambda_noncondensed: float


def mixture_eigenvalues(n: int, T: float) -> MixtureEigenvalues:
    """Hessian eigenvalues of the symmetric ``n``-mixture at ``alpha = 0`` and temperature ``T``.

    See the module docstring for the formulas. At ``T = 0`` all three equal 1 for odd ``n``.

    Raises
    ------
    NoSolutionError
        For ``T >= 1``, where the mixture does not exist.

    """
    if T == 0.0:
        return MixtureEigenvalues(1.0, 1.0, 1.0)
    m = mixture_state(n, 0.0, T).m
    beta = 1.0 / T
    z, p = _pattern_sums(n)
    t2 = np.tanh(beta * m * z) ** 2
    q = float(p @ t2)
    Q = float(p @ ((z * z - n) * t2)) / (n * (n - 1)) if n > 1 else 0.0
    base = 1.0 - beta * (1.0 - q)
    return MixtureEigenvalues(base + (n - 1) * beta * Q, base - beta * Q, base)


@cache
def mixture_stability_temperature(n: int) -> float:
    """Temperature ``T_n`` below which the symmetric ``n``-mixture (``n`` odd) is a local free-energy minimum.

    Root of the smallest Hessian eigenvalue of :func:`mixture_eigenvalues`; ``T_1 = 1``, ``T_3 = 0.4598`` ("T ≈ 0.46"
    in the abstract of AGS 1985 PRA), ``T_5 = 0.3847``.
    """
    if n == 1:
        return 1.0

    def smallest(T: float) -> float:
        return min(mixture_eigenvalues(n, T))

    temps = np.linspace(0.02, 0.999, 50)
    values = np.array([smallest(T) for T in temps])
    negative = np.flatnonzero(values < 0.0)
    if negative.size == 0 or negative[0] == 0:  # pragma: no cover - never happens for odd n
        raise NoSolutionError(f"could not bracket the stability temperature of the {n}-mixture")
    k = int(negative[0])
    return brentq(smallest, temps[k - 1], temps[k], xtol=1e-13)


def large_n_energy_limit() -> sp.Expr:
    """``lim_{n->oo} E_n`` for odd ``n`` in closed form, by sympy: ``-1/pi``."""
    k = sp.Symbol("k", integer=True, positive=True)
    n = 2 * k + 1
    m = sp.binomial(2 * k, k) / 2 ** (2 * k)
    return sp.limit(-sp.Rational(1, 2) * n * sp.combsimp(m**2).rewrite(sp.gamma), k, sp.oo)
