r"""Kernels of the sequence Dense Associative Memory: one synchronous transition of a batch of states.

The rule (Chaudhry, Zavatone-Veth, Krotov & Pehlevan, NeurIPS 2023, arXiv:2306.04532;
:mod:`amphase.theory.dense.sequence`)
maps a state ``sigma`` to

.. math::

    \sigma_i' = \operatorname{sign} h_i, \qquad h_i = \sum_\mu \xi^{\mu+1}_i f(m^\mu_i), \qquad
    m^\mu_i = \frac{y_{\mu i}}{N-1}, \quad y_{\mu i} = \sum_{j \ne i} \xi^\mu_j \sigma_j = M_\mu - \xi^\mu_i \sigma_i,

with ``f(x) = x^n`` or ``f(x) = exp(b (N-1)(x-1))``. ``xi^(mu+1)`` is the successor of pattern ``mu`` (a column of
``nextT``; a pattern without successor, the last of an open sequence, has a zero column). Tie rule: ``h_i = 0`` keeps
the old spin.

**The two-GEMM form.** With ``a = xi^mu_i sigma_i = ±1`` the term of pattern ``mu`` is ``g(M_mu - a)``, where
``g(y) = (N-1)^n f(y/(N-1)) = y^n`` (polynomial, an integer) or ``g(y) = exp(b (y - c))`` (exponential, scaled by
``e^(-b(c - N + 1))`` with ``c = max_mu M_mu + 1`` per state: every term is at most 1 and the largest is at least
``e^(-2b)``, so nothing overflows and the decisive terms never underflow; *the shift*, not logarithms, keeps it finite).
Writing ``u_mu = g(M_mu - 1) + g(M_mu + 1)`` and ``c_mu = g(M_mu - 1) - g(M_mu + 1)``,

.. math::

    2 h_i = \sum_\mu \xi^{\mu+1}_i u_\mu + \sigma_i \sum_\mu \xi^{\mu+1}_i \xi^\mu_i c_\mu ,

two dot products per spin against per-state coefficients (two GEMMs for a batch: :func:`transition_batched`).

**Exact signs.** Polynomial: ``g`` is tabulated for ``|y| <= N + 1`` as float64 (rounded once) and as the exact
integers modulo ``2^64`` (wrapped int64; :mod:`amphase.simulate.binary.exact`). The float64 value carries at most
``err = 4 (P + 8) u G`` (``u = 2^-53``, ``G = sum_mu |u_mu| + |c_mu|``; Higham's bound for the sums, any summation
order, plus the roundings of the table and of ``u, c``); where ``|2h_float| > err`` its sign is exact, elsewhere
``|2h| <= 2 err < 2^63`` (:meth:`SequenceRule.check_exact`) and the wrapped int64 sum is the exact value.
Exponential (``b (y - c)`` real): the float value with the same bound (and a margin for ``exp``'s rounding); where it
does not decide, the terms are cancelled exactly by integer counts per exponent ``y`` and the remaining
``sum_y n_y e^(b (y - top))`` is summed from its largest exponent (:func:`amphase.simulate.binary.kernels.exp_sign`,
shared with the binary energies; exact unless such a sum with small integer coefficients vanishes to within ``1e-13``
of its terms, as in :mod:`amphase.simulate.binary.energy`).

The Numba kernel (:func:`transition`, one state after another) and the batched kernel (NumPy or CuPy) decide every
spin by the same exact sign, so they agree spin for spin.

Shapes: ``xiT``, ``nextT`` ``(N, P)`` int8 (patterns and their successors, transposed); states ``S`` ``(B, N)`` int8.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from amphase.simulate.binary.energy import EXPONENTIAL, POLYNOMIAL
from amphase.simulate.binary.exact import U, integer_table
from amphase.simulate.binary.kernels import dot_f, exp_sign

__all__ = [
    "RULES",
    "Operands",
    "SequenceRule",
    "coefficients",
    "field_reference",
    "next_patterns",
    "operands",
    "successors",
    "transition",
    "transition_batched",
]

#: the separation functions.
RULES = ("polynomial", "exponential")

Array = Any


@dataclass(frozen=True)
class SequenceRule:
    """The separation function ``f`` of the transition: ``x^n`` or ``exp(b (N-1)(x-1))``."""

    rule: str = "polynomial"
    n: int = 2
    b: float = 1.0

    @property
    def kind(self) -> int:
        """The kernels' code, from the seam (:mod:`amphase.simulate.binary.energy`): ``POLYNOMIAL``, ``EXPONENTIAL``."""
        return POLYNOMIAL if self.rule == "polynomial" else EXPONENTIAL

    def tables(self, N: int) -> tuple[np.ndarray, np.ndarray, int]:
        """``g(y) = y^n`` at ``y = -(N+1) .. N+1`` (index ``y + N + 1``): float64, wrapped int64, ``max |g|``.

        The exact tables of :func:`amphase.simulate.binary.exact.integer_table`; empty for the exponential.
        """
        return _EMPTY if self.kind == EXPONENTIAL else _power_table(self.n, int(N))

    def error_scale(self, N: int, P: int) -> float:
        """Upper bound on ``2 err`` of any transition at ``(N, P)``: ``8 (P + 8) u P 2 max|g|``."""
        gmax = float(self.tables(N)[2]) if self.kind == POLYNOMIAL else 1.0
        return 8.0 * (P + 8) * U * P * 2.0 * gmax

    def check_exact(self, N: int, P: int) -> str | None:
        """Why the exact sign cannot be guaranteed at ``(N, P)`` (``None`` if it can; module docstring)."""
        if self.kind == EXPONENTIAL or self.error_scale(N, P) < 2.0**62:
            return None
        return (
            f"f(x) = x^{self.n} at N={N} with K={P} patterns: the field can reach {P * 2.0 * (N + 1) ** self.n:.3g}, "
            "beyond the exact int64 fallback of the certified float arithmetic; use fewer patterns, smaller N or n"
        )


_EMPTY = (np.zeros(1), np.zeros(1, dtype=np.int64), 0)


@functools.lru_cache(maxsize=32)
def _power_table(n: int, N: int) -> tuple[np.ndarray, np.ndarray, int]:
    return integer_table([y**n for y in range(-N - 1, N + 2)])


def successors(P: int, cyclic: bool = True) -> np.ndarray:
    """Successor index of each pattern: ``mu + 1`` (``P - 1 -> 0`` when cyclic, ``-1``: none in an open sequence)."""
    nxt = np.arange(1, P + 1)
    nxt[-1] = 0 if cyclic else -1
    return nxt


def next_patterns(xiT: np.ndarray, cyclic: bool = True) -> np.ndarray:
    """``nextT[:, mu] = xi^(mu+1)`` (int8, ``(N, P)``); a zero column where there is no successor."""
    nxt = successors(xiT.shape[1], cyclic)
    out = xiT[:, np.maximum(nxt, 0)].copy()
    out[:, nxt < 0] = 0
    return out


# ---------------------------------------------------------------------------------------------------- Numba kernels


@njit(cache=True, nogil=True)
def transition(
    kind: int,
    g_f: np.ndarray,
    g_w: np.ndarray,
    b: float,
    xiT: np.ndarray,
    nextT: np.ndarray,
    Z: np.ndarray,
    S: np.ndarray,
    out: np.ndarray,
) -> int:
    """One synchronous transition of every state ``S[k]`` into ``out[k]`` (module docstring); returns exact fallbacks.

    ``kind``: ``POLYNOMIAL`` (tables ``g_f``, ``g_w`` from :meth:`SequenceRule.tables`), ``EXPONENTIAL`` (rate ``b``);
    ``Z = nextT * xiT`` (int8).
    """
    N, P = xiT.shape
    off = N + 1
    u_f = np.empty(P)
    c_f = np.empty(P)
    u_w = np.zeros(P, dtype=np.int64)
    c_w = np.zeros(P, dtype=np.int64)
    M = np.zeros(P, dtype=np.int64)
    y = np.zeros(P, dtype=np.int64)
    w = np.zeros(P, dtype=np.int64)
    work = np.zeros(2 * N + 3, dtype=np.int64)
    fallbacks = 0
    for k in range(S.shape[0]):
        s = S[k]
        M[:] = 0
        for i in range(N):
            si = np.int64(s[i])
            for mu in range(P):
                M[mu] += si * xiT[i, mu]
        G = 0.0
        if kind == POLYNOMIAL:
            for mu in range(P):
                gm, gp = g_f[M[mu] - 1 + off], g_f[M[mu] + 1 + off]
                u_f[mu] = gm + gp
                c_f[mu] = gm - gp
                G += abs(gm) + abs(gp)
                u_w[mu] = g_w[M[mu] - 1 + off] + g_w[M[mu] + 1 + off]
                c_w[mu] = g_w[M[mu] - 1 + off] - g_w[M[mu] + 1 + off]
        else:
            top = M[0]
            for mu in range(P):
                top = max(top, M[mu])
            shift = top + 1
            for mu in range(P):
                gm, gp = np.exp(b * (M[mu] - 1 - shift)), np.exp(b * (M[mu] + 1 - shift))
                u_f[mu] = gm + gp
                c_f[mu] = gm - gp
                G += gm + gp
        err = 4.0 * (P + 8) * U * 2.0 * G * (1.0 + 4.0 * (P + 8) * U)
        for i in range(N):
            si = s[i]
            h = dot_f(nextT[i], u_f) + si * dot_f(Z[i], c_f)
            if abs(h) > err:
                sign = 1 if h > 0 else -1
            else:
                fallbacks += 1
                if kind == POLYNOMIAL:
                    acc = np.int64(0)
                    for mu in range(P):
                        acc += np.int64(nextT[i, mu]) * u_w[mu] + np.int64(si) * np.int64(Z[i, mu]) * c_w[mu]
                    sign = 0 if acc == 0 else (1 if acc > 0 else -1)
                else:
                    for mu in range(P):
                        y[mu] = M[mu] - xiT[i, mu] * si
                        w[mu] = nextT[i, mu]
                    sign = exp_sign(y, w, b, work)
            out[k, i] = si if sign == 0 else sign
    return fallbacks


# --------------------------------------------------------------------------------------------------- batched kernels


def _host(xp: ModuleType, a: Array) -> np.ndarray:
    return np.asarray(a) if xp is np else xp.asnumpy(a)


def coefficients(xp: ModuleType, rule: SequenceRule, M: Array, N: int) -> tuple[Array, Array, Array, Array, Array]:
    """``u, c`` (float64) and their wrapped int64 values, and ``err`` per state, from overlaps ``M`` ``(B, P)``."""
    if rule.kind == POLYNOMIAL:
        g_f, g_w, _ = rule.tables(N)
        idx = M.astype(xp.int64) + (N + 1)
        gm, gp = xp.asarray(g_f)[idx - 1], xp.asarray(g_f)[idx + 1]
        wm, wp = xp.asarray(g_w)[idx - 1], xp.asarray(g_w)[idx + 1]
        u_w, c_w = wm + wp, wm - wp
        G = (xp.abs(gm) + xp.abs(gp)).sum(axis=1)
    else:
        shift = M.max(axis=1, keepdims=True) + 1
        Mf = (M - shift).astype(xp.float64)
        gm, gp = xp.exp(rule.b * (Mf - 1.0)), xp.exp(rule.b * (Mf + 1.0))
        u_w = c_w = None
        G = (gm + gp).sum(axis=1)
    P = M.shape[1]
    err = 4.0 * (P + 8) * U * 2.0 * G * (1.0 + 4.0 * (P + 8) * U)
    return gm + gp, gm - gp, u_w, c_w, err


class Operands(NamedTuple):
    """The patterns of :func:`transition_batched` on the device: int8 and float64 copies (made once per realization)."""

    xiT: Array
    nextT: Array
    Z: Array
    x_f: Array
    n_f: Array
    z_f: Array


def operands(xp: ModuleType, xiT: np.ndarray, nextT: np.ndarray) -> Operands:
    """Move the patterns ``xiT``, their successors ``nextT`` and ``Z = nextT * xiT`` to ``xp``, with float64 copies."""
    x, n = xp.asarray(xiT), xp.asarray(nextT)
    Z = n * x
    return Operands(x, n, Z, x.astype(xp.float64), n.astype(xp.float64), Z.astype(xp.float64))


def transition_batched(xp: ModuleType, rule: SequenceRule, ops: Operands, S: Array) -> Array:
    """One synchronous transition of every state of ``S`` ``(B, N)`` on the array module ``xp`` (three GEMMs).

    ``ops`` from :func:`operands`. Returns the new states (int8, ``(B, N)``).
    """
    N = S.shape[1]
    P = ops.xiT.shape[1]
    Sf = S.astype(xp.float64)
    M = (Sf @ ops.x_f).astype(xp.int64)  # |M| <= N: exact in float64
    u, c, u_w, c_w, err = coefficients(xp, rule, M, N)
    H = u @ ops.n_f.T + Sf * (c @ ops.z_f.T)
    sign = xp.sign(H).astype(xp.int8)
    k, i = xp.nonzero(xp.abs(H) <= err[:, None])
    if k.size:
        sign[k, i] = _exact_signs(xp, rule, ops, S, M, u_w, c_w, k, i, N, P)
    return xp.where(sign == 0, S, sign).astype(xp.int8)


def _exact_signs(
    xp: ModuleType,
    rule: SequenceRule,
    ops: Operands,
    S: Array,
    M: Array,
    u_w: Array,
    c_w: Array,
    k: Array,
    i: Array,
    N: int,
    P: int,
) -> Array:
    """Exact signs of ``h`` at the (state, spin) pairs ``(k, i)`` the float value did not decide."""
    si = S[k, i].astype(xp.int64)
    if rule.kind == POLYNOMIAL:  # wraps modulo 2^64: exact, |2h| < 2^63
        acc = (ops.nextT[i].astype(xp.int64) * u_w[k]).sum(axis=1)
        acc += si * (ops.Z[i].astype(xp.int64) * c_w[k]).sum(axis=1)
        return xp.sign(acc).astype(xp.int8)
    h_M, h_x, h_n, h_s = _host(xp, M[k]), _host(xp, ops.xiT[i]), _host(xp, ops.nextT[i]), _host(xp, si)
    work = np.zeros(2 * N + 3, dtype=np.int64)
    out = np.array(
        [exp_sign(h_M[j] - h_x[j] * h_s[j], h_n[j].astype(np.int64), rule.b, work) for j in range(len(h_s))],
        dtype=np.int8,
    )
    return xp.asarray(out)


# -------------------------------------------------------------------------------------------------------- reference


def field_reference(rule: SequenceRule, xiT: np.ndarray, nextT: np.ndarray, s: np.ndarray) -> list[Any]:
    """The fields ``h_i`` from the definition, exactly (Python ints, or ``mpmath`` with 60 digits); slow, for tests.

    ``h_i = sum_mu xi^(mu+1)_i g(y_mu_i)``, ``g(y) = y^n`` or ``exp(b y)``: positive multiples of the rule's ``h_i``.
    """
    N, P = xiT.shape
    x = xiT.astype(np.int64)
    M = x.T @ s.astype(np.int64)
    out: list[Any] = []
    if rule.kind == POLYNOMIAL:
        for i in range(N):
            out.append(sum(int(nextT[i, mu]) * int(M[mu] - x[i, mu] * s[i]) ** rule.n for mu in range(P)))
        return out
    import mpmath

    with mpmath.workdps(60):
        b = mpmath.mpf(rule.b)
        for i in range(N):
            out.append(mpmath.fsum(int(nextT[i, mu]) * mpmath.exp(b * int(M[mu] - x[i, mu] * s[i])) for mu in range(P)))
    return out
