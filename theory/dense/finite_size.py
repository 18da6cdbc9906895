r"""Finite-N one-step stability of a stored pattern of the binary polynomial DenseAM ``F(x) = x^n``.

Convention (that of the simulations, :mod:`amphase.simulate.binary.energy`): ``E(sigma) = -sum_mu F(M_mu)`` with the
full overlaps ``M_mu = sum_i xi_i^mu sigma_i`` (spin ``i`` included: the "self-coupling" terms of ``F(M)`` are part of
the energy). A stored pattern ``xi^1`` is *one-step stable* when no single spin flip lowers the energy,
``Delta E_i >= 0`` for all ``i`` (a tie, ``Delta E_i = 0``, keeps the spin; the engine's ``unstable_bits == 0``).

Exact flip energy
-----------------
At ``sigma = xi^1`` write, for ``mu >= 2``, ``a_mu = xi_i^mu xi_i^1 = ±1`` and ``y_mu = sum_{j != i} xi_j^mu xi_j^1``
(a sum of ``N - 1`` independent random signs, independent of ``a_mu``). Flipping spin ``i`` moves ``M_1`` from ``N``
to ``N - 2`` and ``M_mu = y_mu + a_mu`` to ``y_mu - a_mu``, so, with ``g(y) = F(y + 1) - F(y - 1)`` and
``F(y + a) - F(y - a) = a g(y)``,

.. math::

    \Delta E_i = S + X_i, \qquad S = F(N) - F(N - 2), \qquad X_i = \sum_{\mu=2}^{K} a_\mu\, g(y_\mu).

Spin ``i`` is unstable iff ``X_i < -S``. The crosstalk ``X_i`` is a sum of ``k = K - 1`` i.i.d. terms
``T = a g(y)``, symmetric (``a`` is an independent sign): mean 0, variance ``v = <g(y)^2>``, computed exactly over
the binomial law of ``y`` (:func:`flip_moments`; ``n = 2``: ``g = 4y``, ``v = 16 (N - 1)``; ``n = 3``:
``g = 6y^2 + 2``). The leading order ``v ≈ 4 n^2 (2n-3)!! N^(n-1)`` gives the asymptotic capacity of
:func:`amphase.theory.dense.capacity.poly_capacity` (Krotov & Hopfield 2016, Eq. 6).

Correlations between spins
--------------------------
Two spins ``i != j`` of the same pattern share every ``y``: with ``r`` the sum over the other ``N - 2`` spins,
``T_i = a_i g(a_j + r)``, ``T_j = a_j g(a_i + r)``, whose covariance is ``c = <(g(r+1) - g(r-1))^2>/4``
(``n = 2``: ``c = 16``, correlation ``1/(N-1)``; for every ``n`` the correlation is ``O(1/N)``). Small as it is, it
moves the probability that *all* ``N`` spins are stable by up to 0.06 at the half-point (measured, tests), and
its sign depends on ``n``: at ``n = 2, 3`` unstable spins come in clumps (more patterns survive than independent
spins predict); at ``n = 4`` they repel (fewer survive). This is beyond any Gaussian copula with correlation ``c/v``:
the dependence lives in the tails, through the overlaps ``M_mu`` that all spins see.

Probabilities
-------------
* ``p`` (one spin unstable): the law of ``X`` is the ``k``-fold convolution of the law of ``T``, computed from its
  exact characteristic function ``phi(t)^k`` by FFT inversion into cell probabilities (:func:`_cell_masses`; no
  Gaussian or Edgeworth step; at ``n = 4, N = 40, K = 960`` the Gaussian tail is 1 % low). ``X`` lives on a lattice
  ``k T_0 + d Z``; the strict inequality ``X < -S`` is resolved by putting the cell edge half-way between the last
  unstable lattice point and the next (the continuity correction; at ``n = 2`` the span is ~3 % of the width, so this
  matters). At ``n = 2`` ``X/4`` is exactly a sum of ``k (N - 1)`` random signs, and ``p`` is the binomial tail (the
  finite-N form of McEliece, Posner, Rodemich & Venkatesh 1987: Gaussian ``p = Phi(-sqrt((N-1)/(K-1)))``).
* ``p2`` (two given spins both unstable): the same for the pair ``(X_i, X_j)``, a sum of ``k`` i.i.d. vectors
  ``(T_i, T_j)`` with an exact two-dimensional characteristic function (:func:`pair_flip_probability`).
* ``P_stable`` (all ``N`` spins stable): the number ``U`` of unstable spins has mean ``lambda = N p`` and factorial
  moment ``<U(U-1)> = N (N-1) p2``. A Pólya (negative binomial, or binomial when ``theta < 0``) law with these two
  moments gives

  .. math::

      P_\text{stable} = P(U = 0) = (1 + \theta\lambda)^{-1/\theta}, \qquad
      \theta = \frac{(N-1)\, p_2}{N p^2} - 1

  (``e^{-lambda}`` at ``theta = 0``; independent spins would give ``(1 - p)^N``). This two-moment closure is an
  approximation: against direct simulation of the exact flip energies it is right within the Monte Carlo error
  (0.008) at the half-points of ``n = 2, 3, 4`` (tests), where the independent-spin and Gaussian forms are off by
  0.02–0.06.

The half load ``alpha_1/2 = K_1/2 / N^(n-1)`` (:func:`half_load`) solves ``P_stable = 1/2`` with ``K`` an integer,
interpolated linearly between the two integers that bracket 1/2 (the simulations store ``round(alpha N^(n-1))``).

This derivation is done here (not taken from a paper); only its ``N -> infinity`` limit is Krotov & Hopfield 2016,
Eq. 6 (see :mod:`amphase.theory.dense.capacity`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import bdtr, betainc, ndtr, ndtri

from amphase.errors import NoSolutionError
from amphase.theory.dense.capacity import _rademacher_sum_pmf

__all__ = [
    "FlipMoments",
    "HalfLoad",
    "Stability",
    "flip_moments",
    "flip_probability",
    "half_load",
    "pair_flip_probability",
    "stability",
]

_TINY = 1e-300
_L = 14.0  # half-width of the FFT window in standard deviations (the periodic images carry < e^-90 of the mass)


class FlipMoments(NamedTuple):
    """Exact finite-N moments of one pattern's contribution ``T = a g(y)`` to the crosstalk of one spin."""

    signal: float  # S = F(N) - F(N - 2)
    variance: float  # v = <T^2>
    covariance: float  # c = <T_i T_j>, two spins of the same pattern
    fourth: float  # <T^4>


class Stability(NamedTuple):
    """One-step stability of a stored pattern at ``(N, n, K)``."""

    P_stable: float
    P_independent: float
    P_gaussian: float
    p_flip: float
    p_pair: float
    theta: float
    K: float


class HalfLoad(NamedTuple):
    """Loads ``K / N^(n-1)`` where the stable probability is 1/2."""

    alpha_half: float
    alpha_half_independent: float
    alpha_half_gaussian: float
    K_half: float


def _g(y: np.ndarray, n: int) -> np.ndarray:
    return (y + 1.0) ** n - (y - 1.0) ** n


def _single_terms(N: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Values ``g(y) >= 0 ...`` of ``|T|`` and their probabilities (``T = ±|T|`` with probability 1/2 each)."""
    y, p = _rademacher_sum_pmf(N - 1)
    keep = p > 1e-30 * p.max()
    return _g(y[keep], n), p[keep]


def _pair_terms(N: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values ``(T_i, T_j)`` of one pattern at two spins and their probabilities (module docstring)."""
    r, q = _rademacher_sum_pmf(N - 2)
    keep = q > 1e-30 * q.max()
    r, q = r[keep], q[keep]
    t1, t2, w = [], [], []
    for ai in (-1.0, 1.0):
        for aj in (-1.0, 1.0):
            t1.append(ai * _g(aj + r, n))
            t2.append(aj * _g(ai + r, n))
            w.append(q / 4.0)
    return np.concatenate(t1), np.concatenate(t2), np.concatenate(w)


def flip_moments(N: int, n: int) -> FlipMoments:
    """Exact moments of one pattern's crosstalk term, summed over the binomial laws (module docstring)."""
    y, p = _rademacher_sum_pmf(N - 1)
    g = _g(y, n)
    r, q = _rademacher_sum_pmf(N - 2)
    c = 0.25 * float(np.sum(q * (_g(r + 1.0, n) - _g(r - 1.0, n)) ** 2))
    return FlipMoments(float(N) ** n - float(N - 2) ** n, float(np.sum(p * g**2)), c, float(np.sum(p * g**4)))


def _lattice(values: np.ndarray) -> tuple[int, int]:
    """Span ``d`` and offset ``T_0`` of the integer lattice ``T_0 + d Z`` that holds every value."""
    v = np.rint(values).astype(np.int64)
    d = int(np.gcd.reduce(np.abs(v - v[0]))) if v.size > 1 else 1
    return max(d, 1), int(v[0])


def _edge(S: float, k: int, values: np.ndarray) -> float:
    """Half-way between the largest lattice point of ``X`` below ``-S`` and the next one (continuity correction)."""
    if float(np.abs(values).max()) >= 2.0**52:  # not exact integers in float64: the span is far below the width
        return -S
    d, t0 = _lattice(values)
    if S / d >= 2.0**52:
        return -S
    off = k * t0
    top = off + d * math.ceil((-S - off) / d) - d  # largest lattice point strictly below -S
    return top + d / 2.0


def _cell_masses(cf: np.ndarray, freqs: list[np.ndarray], width: list[float], x0: list[float]) -> np.ndarray:
    """Probabilities of the cells ``[x0 + j w - w/2, x0 + j w + w/2)`` from a characteristic function on a grid.

    ``cf`` holds ``phi(t)`` at ``t = 2 pi f / (G w)`` (``f`` the FFT frequencies, one axis per dimension): the mass
    of a cell is the transform of ``phi`` times that of the cell's indicator (a sinc), exact up to the periodic
    images of the law (negligible for a window of ``2 _L`` standard deviations).
    """
    a = cf.astype(np.complex128)
    for axis, (f, w, x) in enumerate(zip(freqs, width, x0, strict=True)):
        G = f.size
        t = 2.0 * np.pi * f / (G * w)
        factor = np.sinc(t * w / (2.0 * np.pi)) * np.exp(-1j * t * x) / G
        shape = [1] * cf.ndim
        shape[axis] = G
        a = a * factor.reshape(shape)
    return np.real(np.fft.fftn(a))


def _grid(edge: float, sigma: float, G: int) -> tuple[float, float, int]:
    """Cell width, first cell centre and number of cells below ``edge`` for a window ``±_L sigma``."""
    w = 2.0 * _L * sigma / G
    below = min(G - 1, max(1, math.ceil((edge + _L * sigma) / w)))
    return w, edge - (below - 0.5) * w, below


def _expm1i(x: np.ndarray) -> np.ndarray:
    """``exp(i x) - 1`` without cancellation: ``-2 sin^2(x/2) + i sin x``."""
    return -2.0 * np.sin(0.5 * x) ** 2 + 1j * np.sin(x)


def _power(phi_m1: np.ndarray, k: int) -> np.ndarray:
    """``phi^k`` from ``phi - 1`` (``k`` an integer), with ``|phi| <= 1`` enforced against rounding."""
    phi = 1.0 + phi_m1
    small = np.abs(phi_m1) < 0.5
    log_phi = np.where(small, np.log1p(np.where(small, phi_m1, 0.0)), np.log(np.where(small, 1.0, phi) + 0j))
    log_phi = np.minimum(log_phi.real, 0.0) + 1j * log_phi.imag
    # exp(k Log phi) = phi^k for integer k, whatever the branch; real and imaginary parts scaled apart, so that a
    # zero phi (Log = -inf) gives 0, not the NaN of the complex product -inf * 0
    return np.exp(float(k) * log_phi.real + 1j * (float(k) * log_phi.imag))


def flip_probability(N: int, n: int, K: int, *, G: int = 4096) -> float:
    """Probability that one spin of stored pattern 1 is unstable, ``P(X < -S)`` (module docstring).

    Exact convolution: the characteristic function ``phi(t)^(K-1)`` of the crosstalk inverted by FFT into cell
    probabilities (``n = 2``: the binomial tail in closed form).
    """
    k = int(K) - 1
    if k < 1:
        return 0.0
    S = float(N) ** n - float(N - 2) ** n
    if n == 2:  # X = 4 (2 B - k (N - 1)), B ~ Bin(k (N - 1), 1/2): unstable iff 2 B < k (N - 1) - (N - 1)
        m = k * (N - 1)
        if m <= N - 1:
            return 0.0
        c = (m - N + 2) // 2 - 1  # ceil((m - N + 1)/2) - 1, in exact integers
        if m < 10**6:
            return float(bdtr(c, m, 0.5))
        # the same tail, where bdtr loses digits (0.5 % at m = 1e9) or its integer arguments overflow; beyond
        # betainc's range (m ~ 1e18) the normal law with continuity correction, relative error O(m^-1/2)
        tail = float(betainc(m - c, c + 1, 0.5))
        return tail if math.isfinite(tail) else float(ndtr((2 * c + 1 - m) / math.sqrt(m)))
    g, p = _single_terms(N, n)
    if k * float(g.max()) <= S:
        return 0.0
    sigma = math.sqrt(k * float(np.sum(p * g**2)))
    edge = _edge(S, k, np.concatenate([g, -g]))
    w, x0, below = _grid(edge, sigma, G)
    f = np.fft.fftfreq(G, 1.0 / G)
    t = 2.0 * np.pi * f / (G * w)
    # T symmetric: phi(t) - 1 = <cos(t g) - 1> = -2 <sin^2(t g / 2)>, accurate where phi ~ 1 (k large)
    phi_m1 = -2.0 * np.sin(0.5 * np.outer(t, g)) ** 2 @ (p / p.sum())
    mass = _cell_masses(_power(phi_m1, k), [f], [w], [x0])
    return float(np.clip(mass[:below].sum(), 0.0, 1.0))


def pair_flip_probability(N: int, n: int, K: int, *, G: int = 128) -> float:
    """Probability that two given spins of stored pattern 1 are both unstable, ``P(X_i < -S, X_j < -S)``."""
    k = int(K) - 1
    if k < 1:
        return 0.0
    S = float(N) ** n - float(N - 2) ** n
    t1v, t2v, w8 = _pair_terms(N, n)
    sigma = math.sqrt(k * float(np.sum(w8 * t1v**2)))
    if k * float(np.abs(t1v).max()) <= S:
        return 0.0
    edge = _edge(S, k, t1v)
    w, x0, below = _grid(edge, sigma, G)
    f = np.fft.fftfreq(G, 1.0 / G)
    t = 2.0 * np.pi * f / (G * w)
    # phi(t1, t2) = sum_s w_s exp(i (t1 T1_s + t2 T2_s)): one complex matrix product
    # phi - 1 = <(e^(i a) - 1)(e^(i b) - 1)> + <e^(i a) - 1> + <e^(i b) - 1>, a = t1 T1, b = t2 T2: no cancellation
    w8 = w8 / w8.sum()
    ea, eb = _expm1i(np.outer(t, t1v)), _expm1i(np.outer(t2v, t))
    phi_m1 = (ea * w8) @ eb + (ea @ w8)[:, None] + (w8 @ eb)[None, :]
    mass = _cell_masses(_power(phi_m1, k), [f, f], [w, w], [x0, x0])
    return float(np.clip(mass[:below, :below].sum(), 0.0, 1.0))


def _polya_zero(lam: float, theta: float) -> float:
    """``P(U = 0)`` of the Pólya law with mean ``lam`` and ``<U(U-1)> = (1 + theta) lam^2``."""
    if abs(theta) < 1e-12:
        return math.exp(-lam)
    if 1.0 + theta * lam <= 0.0:
        return 0.0
    return math.exp(-math.log1p(theta * lam) / theta)


def stability(N: int, n: int, K: int) -> Stability:
    """Probability that a stored pattern is one-step stable, with the parts it is built from (module docstring).

    ``P_stable`` is the two-moment (Pólya) closure; ``P_independent = (1 - p)^N`` with the exact ``p``;
    ``P_gaussian = Phi(S / sqrt((K-1) v))^N`` (Gaussian, independent spins).
    """
    K = int(K)
    mom = flip_moments(N, n)
    p = flip_probability(N, n, K)
    p2 = pair_flip_probability(N, n, K)
    lam = N * p
    theta = (N - 1) * p2 / (N * p * p) - 1.0 if p > 0 else 0.0
    pg = float(ndtr(-mom.signal / math.sqrt(max(K - 1, _TINY) * mom.variance))) if K > 1 else 0.0
    return Stability(
        P_stable=_polya_zero(lam, theta),
        P_independent=math.exp(N * math.log1p(-p)) if p < 1 else 0.0,
        P_gaussian=math.exp(N * math.log1p(-pg)) if pg < 1 else 0.0,
        p_flip=p,
        p_pair=p2,
        theta=theta,
        K=float(K),
    )


def _integer_half(f, K_guess: float) -> float:
    """``K`` where the decreasing ``f(K)`` (integers ``K >= 2``) crosses 1/2, interpolated between integers."""
    cache: dict[int, float] = {}

    def val(K: int) -> float:
        if K not in cache:
            cache[K] = f(K)
        return cache[K]

    lo, hi = max(2, int(K_guess / 2)), max(3, int(2 * K_guess) + 2)
    while val(lo) < 0.5:
        if lo == 2:
            raise NoSolutionError("the stable probability is below 1/2 already at K = 2")
        lo = max(2, lo // 2)
    while val(hi) > 0.5:
        hi *= 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if val(mid) >= 0.5:
            lo = mid
        else:
            hi = mid
    a, b = val(lo), val(hi)
    return lo + (a - 0.5) / (a - b) if a != b else float(lo)


def half_load(N: int, n: int) -> HalfLoad:
    """``alpha_1/2``: the load ``K / N^(n-1)`` where a stored pattern is one-step stable with probability 1/2.

    For the Pólya closure (the prediction), independent spins with the exact ``p``, and Gaussian independent spins
    (module docstring).
    """
    from amphase.theory.dense.capacity import double_factorial

    unit = float(N) ** (n - 1)
    guess = 1.4 * unit / (2.0 * double_factorial(2 * n - 3) * math.log(N))
    mom = flip_moments(N, n)
    z = -float(ndtri(1.0 - 0.5 ** (1.0 / N)))  # (1 - Phi(-z))^N = 1/2
    K_gauss = 1.0 + (mom.signal / z) ** 2 / mom.variance  # Phi(-S / sqrt((K - 1) v)) = Phi(-z)
    K_half = _integer_half(lambda K: stability(N, n, K).P_stable, guess)
    K_ind = _integer_half(lambda K: math.exp(N * math.log1p(-flip_probability(N, n, K))), guess)
    return HalfLoad(K_half / unit, K_ind / unit, K_gauss / unit, K_half)
