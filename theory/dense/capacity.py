r"""Signal-to-noise capacities of binary Dense Associative Memories: polynomial and exponential energies.

Conventions
-----------
Binary neurons ``sigma_i = ±1``, ``i = 1..N``; ``K`` random patterns ``xi^mu`` with i.i.d. ±1 entries; energy
``E(sigma) = -sum_mu F(xi^mu . sigma)`` (Krotov & Hopfield 2016, NeurIPS, "Dense Associative Memory for Pattern
Recognition"; here the plain polynomial ``F(x) = x^n``, not their rectified variant; ``n = 2`` is the Hopfield
network).
Asynchronous zero-temperature update of spin ``i``: ``sigma_i <- sign(Delta_i)`` with

.. math::

    \Delta_i = \sum_\mu \left[F(\xi^\mu_i + y_{\mu i}) - F(-\xi^\mu_i + y_{\mu i})\right],
    \qquad y_{\mu i} = \sum_{j \ne i} \xi^\mu_j \sigma_j .

Polynomial model, derivation (Gaussian signal-to-noise argument)
----------------------------------------------------------------
Start from ``sigma = xi^1`` with ``noise N`` spins flipped (the cue noise ``noise``, :math:`\rho` in the formulas;
overlap ``m = 1 - 2 noise``). The term ``mu = 1`` is the signal, ``F(mN + 1) - F(mN - 1) ≈ 2 n (m N)^{n-1}``. Each
other pattern adds ``eta [F(y + 1) - F(y - 1)]`` with ``eta = ±1`` independent of ``y``, a sum of ``N - 1`` random
signs; its mean is 0 and, to leading order (``F(y+1) - F(y-1) ≈ 2 n y^{n-1}``, ``<y^{2k}> ≈ (2k-1)!! N^k``), its
variance is ``4 n^2 (2n-3)!! N^{n-1}``. Hence

.. math::

    \mathrm{SNR} = \frac{\text{signal}^2}{\text{noise variance}} = \frac{m^{2n-2} N^{n-1}}{(2n-3)!!\,K},
    \qquad P(\text{flip}) \approx \Phi(-\sqrt{\mathrm{SNR}}) \approx e^{-\mathrm{SNR}/2} .

A typical pattern is a fixed point (all its ``N`` spins stable) if ``N e^{-SNR/2} -> 0``: ``SNR > 2 ln N``; every
pattern if ``K N e^{-SNR/2} -> 0``: ``SNR > 2 ln(KN) ≈ 2 n ln N`` (``K ~ N^{n-1}``). So

.. math::

    K_\text{typical} = \frac{(1-2\rho)^{2n-2} N^{n-1}}{2 (2n-3)!! \ln N}, \qquad
    K_\text{all} = \frac{(1-2\rho)^{2n-2} N^{n-1}}{2 n (2n-3)!! \ln N}.

For ``n = 2`` these are ``N/(2 ln N)`` and ``N/(4 ln N)`` of McEliece, Posner, Rodemich & Venkatesh 1987 (tested as an
exact identity). ``K_typical = N^{n-1}/(2 (2n-3)!! ln N)`` is Krotov & Hopfield 2016, Eq. 6 (as quoted, with values,
by the vignette of the R package hann, E. Paradis; the paper itself was not available here); the ``2n`` of ``K_all``
is derived here, and agrees with the rigorous constant ``2 (d+1)(2d-1)!!``, ``d = n - 1``, that Chaudhry et al. 2023
(App. D) adapt from Demircigil et al. 2017 for the union over all ``N K`` spins. The derivation is tested against a
direct Monte Carlo estimate of the one-spin flip probability at small ``N`` (:func:`poly_flip_probability` with the
exact finite-``N`` noise variance :func:`poly_noise_variance`).

Exponential model
-----------------
``F(x) = exp(x)`` (Demircigil, Heusel, Löwe, Upgang & Vermet 2017, J. Stat. Phys. 168, 288; DHLUV). With
``K = exp(alpha N)`` patterns and a cue with ``noise N`` flipped spins, DHLUV prove that every pattern is retrieved in
one step w.h.p. for ``alpha < I(1 - 2 noise)/2`` with the Cramér function of a random sign

.. math::

    I(x) = \tfrac12\left[(1+x)\ln(1+x) + (1-x)\ln(1-x)\right],

i.e. ``K = 2^{N/2}`` at ``noise = 0`` (``I(1) = ln 2``); the statement (``exp(alpha N) + 1`` patterns,
``alpha < ln(2)/2``, and ``alpha < I(1 - 2 noise)/2`` from a cue) is as quoted by a secondary source, the paper itself
was not available here. The factor 1/2 comes from the union over pattern *pairs*
(``K^2 e^{-N I}``). For a *typical* pattern the union over pairs is replaced by the other patterns seen from one
cue: the noise ``sum_{mu>1} eta_mu e^{y_mu}`` (random signs ``eta``) has typical size
``sqrt(sum_mu e^{2 y_mu}) = exp(N phi)``, a random-energy-model sum with
``phi(alpha) = (1/2) max_{x: I(x) <= alpha} [alpha - I(x) + 2x]``; retrieval needs ``1 - 2 noise > phi(alpha)``.
Frozen (``I(1-2 noise) <= I(tanh 2)``): ``alpha_typical = I(1 - 2 noise)``, twice the all-pattern exponent; otherwise
``alpha_typical = 2(1 - 2 noise) - 2 tanh 2 + I(tanh 2)`` (0.6747 at ``noise = 0``). This typical-pattern exponent is
derived here (not quoted from DHLUV).

Sequences: :mod:`amphase.theory.dense.sequence` (Chaudhry et al. 2023).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import gammaln, ndtr

__all__ = [
    "Capacity",
    "cramer_sign",
    "double_factorial",
    "exp_capacity",
    "poly_capacity",
    "poly_flip_probability",
    "poly_noise_variance",
]


class Capacity(NamedTuple):
    """Typical-pattern and all-pattern capacities, as pattern counts and as loads."""

    K_typical: float
    K_all: float
    alpha_typical: float
    alpha_all: float


def double_factorial(k: int) -> int:
    """``k!! = k (k-2) (k-4) ...``, with ``(-1)!! = 0!! = 1``."""
    return math.prod(range(k, 0, -2)) if k > 0 else 1


def poly_capacity(N: int, n: int, noise: float = 0.0) -> Capacity:
    """Capacities of ``F(x) = x^n`` from a cue with a fraction ``noise`` of flipped spins (module docstring).

    ``K_typical = (1-2 noise)^(2n-2) N^(n-1) / (2 (2n-3)!! ln N)``, ``K_all = K_typical / n``; loads ``K / N^(n-1)``.
    """
    if n <= 150 and (n - 1) * math.log(N) < 700.0:  # every factor within the float range: as written
        scale = (1.0 - 2.0 * noise) ** (2 * n - 2) * float(N) ** (n - 1) / (double_factorial(2 * n - 3) * math.log(N))
        typical, all_ = scale / 2.0, scale / (2.0 * n)
        norm = float(N) ** (n - 1)
        return Capacity(typical, all_, typical / norm, all_ / norm)
    # in logarithms: N^(n-1) and (2n-3)!! leave the float range long before the loads do (counts: inf beyond it)
    log_df = math.lgamma(2 * n - 1) - (n - 1) * math.log(2.0) - math.lgamma(n)  # ln (2n-3)!!
    log_load = (2 * n - 2) * math.log1p(-2.0 * noise) - log_df - math.log(2.0 * math.log(N))
    log_norm = (n - 1) * math.log(N)
    typical, all_ = _exp(log_load), _exp(log_load - math.log(n))
    return Capacity(_exp(log_load + log_norm), _exp(log_load - math.log(n) + log_norm), typical, all_)


def _rademacher_sum_pmf(M: int) -> tuple[np.ndarray, np.ndarray]:
    """Values ``y`` and probabilities of a sum of ``M`` independent random signs."""
    k = np.arange(M + 1)
    logp = gammaln(M + 1) - gammaln(k + 1) - gammaln(M - k + 1) - M * math.log(2.0)
    return (M - 2 * k).astype(float), np.exp(logp)


def poly_noise_variance(N: int, n: int) -> float:
    """Exact variance of one pattern's crosstalk ``eta [F(y+1) - F(y-1)]``, ``y`` a sum of ``N - 1`` signs.

    Leading order ``4 n^2 (2n-3)!! N^(n-1)``; summed exactly over the binomial distribution of ``y``.
    """
    y, p = _rademacher_sum_pmf(N - 1)
    return float(np.sum(p * ((y + 1.0) ** n - (y - 1.0) ** n) ** 2))


def poly_flip_probability(N: int, n: int, K: int, noise: float = 0.0) -> float:
    """Gaussian estimate of the probability that one spin of a cue flips away from its pattern.

    ``Phi(-S/sqrt((K-1) v))`` with the exact signal ``S = F(y_1 + 1) - F(y_1 - 1)``, where
    ``y_1 = N - 1 - 2 round(noise N)`` is the overlap of the other ``N - 1`` spins of the cue with pattern 1 (the spin
    itself correct), and the exact finite-``N`` variance ``v`` of :func:`poly_noise_variance`.
    """
    flipped = round(noise * N)
    y1 = N - 1 - 2 * flipped  # overlap of the other N - 1 spins with pattern 1
    signal = (y1 + 1.0) ** n - (y1 - 1.0) ** n
    return float(ndtr(-signal / math.sqrt((K - 1) * poly_noise_variance(N, n))))


def cramer_sign(x: float) -> float:
    """Cramér function of a random sign, ``I(x) = ((1+x) ln(1+x) + (1-x) ln(1-x))/2`` (``I(±1) = ln 2``)."""
    x = abs(x)
    if x >= 1.0:
        return math.log(2.0)
    return 0.5 * ((1.0 + x) * math.log1p(x) + (1.0 - x) * math.log1p(-x))


_T2 = math.tanh(2.0)


def exp_capacity(N: int, noise: float = 0.0) -> Capacity:
    """Capacities of ``F(x) = exp(x)``: ``alpha_all = I(1-2 noise)/2`` (DHLUV 2017) and ``alpha_typical``.

    ``K = exp(alpha N)``. ``alpha_typical`` is the random-energy-model exponent of the module docstring.
    """
    m = 1.0 - 2.0 * noise
    all_ = 0.5 * cramer_sign(m)
    typical = cramer_sign(m) if m <= _T2 else 2.0 * m - 2.0 * _T2 + cramer_sign(_T2)
    return Capacity(_exp(typical * N), _exp(all_ * N), typical, all_)


def _exp(x: float) -> float:
    """``exp(x)``, ``inf`` beyond the float range."""
    return math.exp(x) if x < 709.0 else math.inf
