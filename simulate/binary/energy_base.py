"""The energy seam's base: :class:`BinaryEnergy`, the kind codes, the arithmetic modes and the exact flip tables.

A binary Dense Associative Memory (DenseAM) stores ``K`` patterns ``xi^mu`` in ±1 neurons ``sigma`` with the energy

    E(sigma) = - sum_mu F(M_mu),    M_mu = sum_i xi_i^mu sigma_i  (integer overlaps)

(Krotov & Hopfield, NeurIPS 2016; Demircigil et al., J. Stat. Phys. 168, 288 (2017)). The subclasses of
:class:`BinaryEnergy` are the separation functions ``F``, one class each (the seam: a new ``F`` is a new class, no
dispatch to edit), in :mod:`.energy_polynomial` and :mod:`.energy_exponential`; :mod:`.energy` names them
(:func:`~.energy.make_energy`):

=======================  ==============================  =====================================================
factory                  F(x)                            model
=======================  ==============================  =====================================================
:class:`.Quadratic`      x^2 / 2                         Hopfield (Hebbian couplings, ``J_ii = 0``, times N)
:class:`.Polynomial`     x^n                             polynomial DenseAM (Krotov & Hopfield 2016)
:class:`.Rectified`      x^n for x > 0, else 0           rectified polynomial DenseAM (Krotov & Hopfield 2016)
:class:`.Exponential`    exp(x)                          exponential DenseAM (Demircigil et al. 2017)
=======================  ==============================  =====================================================

Each is a :class:`BinaryEnergy`: it defines ``F`` exactly and in float64 (and ``F'``); the base class derives from
them, once, the energy, the exact energy change of one spin flip, the gradient (field) over the array module ``xp``
(``numpy`` or ``cupy``), and the exact flip tables. The Numba kernels dispatch on the class's ``kind`` code and degree
``n`` (Numba takes no Python callables cheaply); the codes are written once, here, and the kernels read them as
compile-time constants.

**The flip identity.** Flipping spin ``i`` moves every overlap by ``-2 a_mu`` with ``a_mu = sigma_i xi_i^mu = ±1``:

    Delta E_i = - sum_mu [F(M_mu - 2 a_mu) - F(M_mu)].

With ``g+(M) = F(M - 2) - F(M)`` and ``g-(M) = F(M + 2) - F(M)`` the term of pattern ``mu`` is
``[(g+ + g-) + a_mu (g+ - g-)] / 2``, so

    D_i = -2 q Delta E_i = A + sigma_i sum_mu xi_i^mu C_mu,   A = sum_mu (g+ + g-)(M_mu),   C_mu = (g+ - g-)(M_mu)

(``g+-`` of ``q F``, with ``q = 2`` for ``x^2/2`` and 1 otherwise, so that they are integers): one O(K) dot product
per visited spin, the coefficients ``A, C`` recomputed only when a spin flips (as the overlaps). For ``F = x^2/2``:
``A = 8K``, ``C = -8 M``, ``D_i = -8 sigma_i (sum_mu xi_i^mu M_mu - K sigma_i)``: the Hebbian rule with ``J_ii = 0``.
A spin flips at ``T = 0`` iff ``D_i > 0``; ``D_i = 0`` keeps it (the Hopfield tie rule).

**Exact arithmetic** (the sign of ``D_i`` is all ``T = 0`` needs; it is exact on every path):

* polynomials (``kind`` 0–2): ``F`` is an integer (``2F`` for the quadratic, ``q = 2``), so ``g+-`` are exact Python
  integers, tabulated for ``|M| <= N`` (:meth:`BinaryEnergy.tables`) twice: rounded once to float64, and reduced modulo
  ``2^64`` to int64. Integer arithmetic modulo ``2^64`` (int64 with wrap-around, as Numba, NumPy arrays and CuPy do it)
  is a ring homomorphism, so ``A + sigma xi.C`` computed in wrapped int64 is the exact ``D`` whenever ``|D| < 2^63`` —
  never forming ``M^n``, which overflows int64 for ``N^n >= 2^63`` (n >= 5 at N >= 6000, n = 7 at N >= 510). Where
  ``G = sum_mu |g+| + |g-| < 2^62`` for every state (``K max|g| < 2^62``) int64 alone is exact (:data:`INT_EXACT`);
  the kernels use it with the coefficients ``C`` stored as int32 where ``max|g| < 2^31`` (:data:`INT32`: int8 x int32
  products vectorise best; the sums stay int64). Otherwise (:data:`CERTIFIED`, faster than int64 products) they
  compute ``D`` in float64 with the bound
  ``|D_float - D| <= err = 4 (K + 8) u G`` (``u = 2^-53``; Higham's bound for the K-term sums plus the roundings of the
  tables and of ``g+ -+ g-``); where ``|D_float| > err`` its sign is exact, and elsewhere (ties and near-ties)
  ``|D| <= 2 err < 2^63`` (checked by :meth:`BinaryEnergy.check_exact` before any work), so the wrapped int64 value is
  exact;
* exponential (``kind`` 3): ``e`` is transcendental, so ``D = 0`` exactly iff the multiset of new exponents
  ``{M_mu - 2 a_mu}`` equals that of the old ``{M_mu}``. The float path computes ``D e^-c`` with ``c = max M``
  (a running scale, as in log-sum-exp: no overflow at any N) and the same kind of bound; where it does not decide,
  the kernels cancel equal exponents exactly (integer counts per exponent) and sum the remaining integer polynomial
  ``sum_x d_x e^(x - c')`` from its largest exponent ``c'``: an exact zero is a tie, otherwise the sign is that of a
  sum of few terms free of cancelled parts (exact unless an integer polynomial with small coefficients vanished at
  ``e`` to within ``1e-13`` of its terms; none does at the degrees met).

**Temperature.** The heat-bath rule measures energies in the unit ``F'(N)`` (the slope of ``F`` at a fully retrieved
pattern; ``e^N`` for the exponential), so ``beta Delta E / F'(N)`` is ``O(1)`` at every n and the quadratic and
``polynomial(2)`` reduce to the Hopfield heat bath ``P(s_i = +1) = (1 + tanh(beta h_i)) / 2``.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from types import ModuleType
from typing import Any, ClassVar, NamedTuple

import numpy as np

from amphase.simulate.binary.exact import U, integer_table

__all__ = [
    "CERTIFIED",
    "EXPONENTIAL",
    "INT32",
    "INT_EXACT",
    "KINDS",
    "POLYNOMIAL",
    "QUADRATIC",
    "RECTIFIED",
    "BinaryEnergy",
    "FlipTables",
]

#: ``kind`` codes the kernels dispatch on, and their names (the only copy: kernels import them).
QUADRATIC, POLYNOMIAL, RECTIFIED, EXPONENTIAL = range(4)
KINDS = ("quadratic", "polynomial", "rectified", "exponential")

#: arithmetic modes of the polynomial kernels (module docstring): int64 alone, float64 with an exact fallback, and
#: int64 sums of int32 coefficients.
INT_EXACT, CERTIFIED, INT32 = 0, 1, 2


class FlipTables(NamedTuple):
    """Tables of ``g+(M) = F(M-2) - F(M)`` and ``g-(M) = F(M+2) - F(M)`` at ``M = -N .. N`` (index ``M + N``).

    ``gp_f, gm_f`` float64 (rounded once from the exact integers), ``gp_w, gm_w`` int64 (the exact integers modulo
    ``2^64``), ``gmax = max |g+| + |g-|`` (a Python int). For the exponential the tables are empty: its coefficients
    are computed from the overlaps with a running scale.
    """

    gp_f: np.ndarray
    gm_f: np.ndarray
    gp_w: np.ndarray
    gm_w: np.ndarray
    gmax: int


class BinaryEnergy(ABC):
    """The energy ``E = -sum_mu F(M_mu)`` of a binary DenseAM (see the module docstring).

    A subclass sets ``kind`` (the kernels' code), ``q`` (the integer scale of the tables) and defines ``F_exact``,
    ``F`` and ``dF``; everything else is derived here.

    Attributes
    ----------
    kind : int
        :data:`QUADRATIC`, :data:`POLYNOMIAL`, :data:`RECTIFIED` or :data:`EXPONENTIAL`.
    n : int
        Degree of the polynomial (2 for the quadratic; 0 for the exponential).
    q : int
        Integer scale of the tables: they hold ``q F`` (2 for the quadratic ``x^2/2``, else 1).

    """

    kind: ClassVar[int]
    q: ClassVar[int] = 1
    n: int

    @property
    def name(self) -> str:
        """``'polynomial(3)'``, ``'exponential'`` ..."""
        return f"{KINDS[self.kind]}({self.n})"

    @property
    def hebbian(self) -> bool:
        """Whether the dynamics are those of the Hopfield network (``x^2/2`` or ``x^2``: the Hebbian fast path)."""
        return False

    # ---- F, exactly and in floating point --------------------------------------------------------------------------
    @abstractmethod
    def F_exact(self, x: int) -> Any:
        """``F(x)`` exactly: an int (a :class:`~fractions.Fraction` for ``x^2/2``), an ``mpmath.mpf`` for ``exp``."""

    @abstractmethod
    def F(self, x: Any, xp: ModuleType = np) -> Any:
        """``F(x)`` in float64 (``inf`` where ``exp`` overflows)."""

    @abstractmethod
    def dF(self, x: Any, xp: ModuleType = np) -> Any:
        """``F'(x)`` in float64."""

    def log_unit(self, N: int) -> float:
        """``log(2 q F'(N))``: ``beta Delta E / F'(N) = -beta D exp(shift - log_unit)`` (module docstring)."""
        return math.log(2.0 * self.q) + math.log(float(self.dF(float(N))))

    # ---- energy, field, flip energies ------------------------------------------------------------------------------
    def energy(self, M: Any, xp: ModuleType = np) -> Any:
        """``E = -sum_mu F(M_mu)`` along the last axis of the overlaps ``M`` (float64; ``-inf`` on overflow)."""
        return -self.F(M, xp).sum(axis=-1)

    def energy_exact(self, M: Any) -> Any:
        """``E`` exactly (Python int / Fraction / mpmath) from integer overlaps ``M`` of shape ``(K,)``."""
        return -sum((self.F_exact(int(m)) for m in np.asarray(M).ravel()), 0)

    def reduced_energy(self, M: Any, N: int, xp: ModuleType = np) -> Any:
        """``E / F(N)`` (about -1 at a retrieved pattern, no overflow for the exponential)."""
        return self.energy(M, xp) / float(self.F(float(N)))

    def field(self, xiT: Any, M: Any, xp: ModuleType = np) -> Any:
        """The gradient field ``h_i = -dE/dsigma_i = sum_mu xi_i^mu F'(M_mu)`` (float64, shape ``(..., N)``)."""
        return self.dF(M, xp) @ xp.asarray(xiT, dtype=xp.float64).T

    def delta_exact(self, xiT: np.ndarray, s: np.ndarray, i: int) -> Any:
        """``Delta E_i = E(s with spin i reversed) - E(s)`` from the definition, exactly (slow; a reference)."""
        M = np.asarray(xiT, dtype=np.int64).T @ np.asarray(s, dtype=np.int64)
        a = int(s[i]) * np.asarray(xiT[i], dtype=np.int64)
        return -sum((self.F_exact(int(m - 2 * b)) - self.F_exact(int(m)) for m, b in zip(M, a, strict=True)), 0)

    def tables(self, N: int) -> FlipTables:
        """The flip tables at size ``N`` (cached; see :class:`FlipTables`), from ``q F_exact``."""
        return _tables(self, int(N))

    def mode(self, N: int, K: int) -> int:
        """The kernels' arithmetic at ``(N, K)``: :data:`INT32` or :data:`CERTIFIED`.

        :data:`INT32` when ``max|g| < 2^31`` and ``K max|g| < 2^62``, else :data:`CERTIFIED`.

        :data:`INT_EXACT` (int64 products) is exact as well but slower than the vectorised float64 dot product of the
        certified mode (measured by ``scripts/bench_dense_binary.py``), so it is not chosen; the kernels accept it.
        """
        gmax = self.tables(N).gmax
        return INT32 if gmax < 2**31 and K * gmax < 2**62 else CERTIFIED

    def check_exact(self, N: int, K: int) -> str | None:
        """Why the exact sign cannot be guaranteed at ``(N, K)`` (``None`` if it can).

        The certified float path needs ``2 err <= 8 (K + 8) u K max|g| < 2^63`` for its int64 fallback.
        """
        if self.mode(N, K) != CERTIFIED:
            return None
        bound = 8 * (K + 8) * U * K * float(self.tables(N).gmax)
        if bound < 2.0**62:
            return None
        return (
            f"{self.name} at N={N} with K={K} patterns: |Delta E| can reach {bound:.3g}, beyond the exact int64 "
            "fallback of the certified float arithmetic (2^62); use fewer patterns or a smaller N"
        )

    def flip_terms(self, M: Any, N: int, xp: ModuleType = np) -> tuple[Any, Any, Any, Any, Any]:
        """``g+(M), g-(M)`` in float64, ``A, C`` in wrapped int64, and the shift, from the tables (module docstring)."""
        t = self.tables(N)
        idx = M.astype(xp.int64) + N
        gp, gm = xp.asarray(t.gp_f)[idx], xp.asarray(t.gm_f)[idx]
        gpw, gmw = xp.asarray(t.gp_w)[idx], xp.asarray(t.gm_w)[idx]
        a_w = (gpw + gmw).sum(axis=-1)  # wraps modulo 2^64: exact where |A| < 2^63
        c_w = gpw - gmw
        shift = xp.zeros(M.shape[:-1], dtype=xp.float64)
        return gp, gm, a_w, c_w, shift

    def coefficients(self, M: Any, N: int, xp: ModuleType = np) -> tuple[Any, Any, Any, Any, Any, Any]:
        """The flip coefficients of overlaps ``M`` (shape ``(..., K)``, integers), batched over leading axes.

        Returns
        -------
        a_f, c_f : float64 arrays, shapes ``(...)`` and ``(..., K)``
            ``A`` and ``C`` (module docstring), times ``exp(-shift)``.
        a_w, c_w : int64 arrays
            ``A`` and ``C`` modulo ``2^64`` (polynomials; zeros for the exponential).
        err : float64 array, shape ``(...)``
            Bound on the float64 error of ``D = a + sigma xi.c``.
        shift : float64 array, shape ``(...)``
            ``c = max M`` for the exponential, 0 otherwise.

        """
        M = xp.asarray(M)
        K = M.shape[-1]
        gp, gm, a_w, c_w, shift = self.flip_terms(M, N, xp)
        a_f = (gp + gm).sum(axis=-1)
        c_f = gp - gm
        err = 4.0 * (K + 8) * U * (xp.abs(gp) + xp.abs(gm)).sum(axis=-1) * (1.0 + 4 * (K + 8) * U)
        return a_f, c_f, a_w, c_w, err, shift


@functools.lru_cache(maxsize=32)
def _tables(energy: BinaryEnergy, N: int) -> FlipTables:
    q = energy.q
    values = {x: q * energy.F_exact(x) for x in range(-N - 2, N + 3)}
    gp = [int(values[x - 2] - values[x]) for x in range(-N, N + 1)]
    gm = [int(values[x + 2] - values[x]) for x in range(-N, N + 1)]
    gp_f, gp_w, _ = integer_table(gp)
    gm_f, gm_w, _ = integer_table(gm)
    return FlipTables(gp_f, gm_f, gp_w, gm_w, gmax=max(abs(a) + abs(b) for a, b in zip(gp, gm, strict=True)))
