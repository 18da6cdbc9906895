r"""Sequence Dense Associative Memories: signal-to-noise capacities and a finite-N recall prediction.

The model
---------
Chaudhry, Zavatone-Veth, Krotov & Pehlevan 2023 (NeurIPS, "Long Sequence Hopfield Memory", arXiv:2306.04532; CZKP):
``P`` random ±1 patterns ``xi^1 .. xi^P`` of ``N`` neurons form a cyclic sequence (``xi^(P+1) = xi^1``), and the
synchronous DenseNet transition is

.. math::

    \sigma_i(t+1) = \operatorname{sign}\Big(\sum_\mu \xi^{\mu+1}_i f(m^\mu_i)\Big), \qquad
    m^\mu_i = \frac{1}{N-1} \sum_{j \ne i} \xi^\mu_j \sigma_j(t)

(self-interaction excluded), with the separation function ``f(x) = x^n`` (polynomial; ``n = 1`` is the classic
asymmetric Hebbian sequence rule) or ``f(x) = exp(b (N-1)(x - 1))`` (exponential; CZKP use ``b = 1``); ``f(1) = 1``.

Crosstalk (exact, derived here)
-------------------------------
From ``sigma = xi^mu`` the term ``mu`` is the signal ``f(1) = 1`` times ``xi^(mu+1)_i``; each of the other ``P - 1``
patterns ``nu`` adds ``eta_nu f(y_nu/(N-1))`` to ``xi^(mu+1)_i h_i``, where ``y_nu = sum_{j != i} xi^nu_j xi^mu_j`` is a
sum of ``N - 1`` independent random signs and ``eta_nu = xi^(mu+1)_i xi^(nu+1)_i`` an independent random sign. So a bit
is wrong when the crosstalk ``X = sum_nu eta_nu f(y_nu/(N-1))`` is below ``-1``; ``X`` has mean 0 and the exact
per-pattern variance (:func:`crosstalk_variance`)

.. math::

    v = \mathbb E\, f(y/(N-1))^2 = \frac{\mathbb E\, y^{2n}}{(N-1)^{2n}} \to \frac{(2n-1)!!}{N^n}
    \quad\text{(polynomial)}, \qquad
    v = \big(e^{-2b}\cosh 2b\big)^{N-1} = \beta^{-(N-1)}, \ \beta = \frac{2}{1 + e^{-4b}}
    \quad\text{(exponential)},

both in closed form (:func:`crosstalk_moments`: even-block partitions for the polynomial,
``E e^{2 b y} = cosh(2b)^(N-1)`` for the exponential), at every ``N`` in O(n^2) work and memory.
The single-bitflip probability is that of the symmetric model (CZKP App. C).

Signal-to-noise capacities (CZKP Eqs. 9 and 10)
-----------------------------------------------
With the Gaussian tail ``P(bit wrong) ≈ exp(-1/(2 P v))`` and union bounds over the ``N`` bits of one transition and
the ``N P`` bits of the whole sequence (:func:`sequence_capacity_poly`, :func:`sequence_capacity_exp`):

* polynomial: :math:`P_T = N^n / (2 (2n-1)!! \ln N)`, :math:`P_S = N^n / (2 (n+1) (2n-1)!! \ln N)` (CZKP App. D
  states these constants as rigorous lower bounds: ``alpha > 2 (2n-1)!!`` and ``alpha > 2 (n+1)(2n-1)!!`` for
  ``P = N^n/(alpha ln N)``; ``n = 1``: ``N/(2 ln N)``, ``N/(4 ln N)``);
* exponential: :math:`P_T = \beta^{N-1} / (2 \ln N)`, :math:`P_S = \beta^{N-1} / (2 N \ln\beta)` (1.9640 at
  ``b = 1``, consistent with the excess-kurtosis factor ``0.9823^{N-1}`` printed in their App. C.2).

The equation images of CZKP were not readable here; the polynomial constants are confirmed by the text of their
App. D, the exponential ones by the text of App. C.2 (``P ~ beta^{N-1}/(alpha N)`` with ``alpha >= 2 ln beta`` for the
sequence; ``alpha >= 2`` for one transition), with ``beta`` re-derived here.

Finite-N prediction (derived here)
----------------------------------
These capacities carry a ``1/ln N`` that converges slowly: at ``N ~ 100`` the measured half-points lie well above
them. :func:`recall_probability` keeps what the asymptotics drop:

1. the exact per-pattern variance ``v`` at this ``N`` and the ``P - 1`` crosstalk patterns (not ``P``);
2. the Gaussian probability of one bit error, ``Phi(-1/sqrt(V))``, given the crosstalk variance ``V`` of the
   transition, *without* the exponential tail bound;
3. the bits of one transition share their crosstalk magnitudes: ``y_nu`` differs between two bits ``i, k`` only by
   the terms ``j = i, k``, while the signs ``eta`` are independent across bits. So, given the transition's
   ``V = sum_nu f(y_nu/(N-1))^2``, the ``N`` bits fail independently with probability ``p(V) = Phi(-1/sqrt V)``, and

   .. math::

       \Pr(\text{transition exact}) = \mathbb E_V \big[(1 - p(V))^N\big], \qquad
       \Pr(\text{sequence exact}) = \Pr(\text{transition exact})^P,

   the second because the ``P`` transitions of a cycle start from different patterns, whose ``V`` are nearly
   independent. ``V`` is a sum of ``P - 1`` i.i.d. terms with mean ``v`` and variance ``w = E f^4 - v^2`` (exact,
   as ``v``); it is averaged here as a Gamma variable with that mean and variance (positive and skewed, as a sum of
   squares; for ``n = 2`` at ``P = 500`` its relative spread is 15 %, which matters: the tail probability moves by
   about ``z^2/2`` times that);
4. ties (``h_i = 0``, possible for integer fields) keep the old spin, which is right half of the time; the Gaussian
   ignores them.

``shared=False`` gives the plain estimate ``(1 - p((P-1) v))^N`` (independent bits). The Gaussian law of the
crosstalk is good for the polynomial rule, whose crosstalk is a sum of many comparable terms; for the exponential
rule at small ``N`` the crosstalk is dominated by the few patterns closest to ``xi^mu`` and is far from Gaussian
(the comparison shows by how much). The open sequence (no successor of ``xi^P``) has ``P - 2`` crosstalk patterns
and ``P - 1`` transitions; these functions describe the cyclic one.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np
from scipy import optimize, stats
from scipy.special import log_ndtr, ndtr

from amphase.theory.dense.capacity import double_factorial

__all__ = [
    "RULES",
    "RecallProbability",
    "SequenceCapacity",
    "crosstalk_moments",
    "crosstalk_variance",
    "half_length",
    "recall_probability",
    "sequence_capacity_exp",
    "sequence_capacity_poly",
]

#: the separation functions of the sequence rule.
RULES = ("polynomial", "exponential")


class SequenceCapacity(NamedTuple):
    """Sequence capacities: one transition recalled, the whole sequence recalled."""

    P_transition: float
    P_sequence: float


def sequence_capacity_poly(N: int, n: int) -> SequenceCapacity:
    """Polynomial sequence rule ``f(x) = x^n``: ``P_T = N^n/(2 (2n-1)!! ln N)``, ``P_S = P_T/(n+1)`` (CZKP Eq. 9)."""
    p_t = float(N) ** n / (2.0 * double_factorial(2 * n - 1) * math.log(N))
    return SequenceCapacity(p_t, p_t / (n + 1))


def log_beta(b: float) -> float:
    """``ln beta = ln(2/(1 + e^(-4b)))``: the exponential rule's crosstalk variance is ``beta^-(N-1)``."""
    return math.log(2.0) - math.log1p(math.exp(-4.0 * b))


def sequence_capacity_exp(N: int, b: float = 1.0) -> SequenceCapacity:
    """Exponential rule ``f(x) = exp(b (N-1)(x-1))``: ``P_T = beta^(N-1)/(2 ln N)``, ``P_S = beta^(N-1)/(2 N ln beta)``.

    ``beta = 2/(1 + exp(-4b))`` (module docstring; CZKP Eq. 10 at ``b = 1``). ``inf`` beyond the float range.
    """
    lb = log_beta(b)
    log_pt = (N - 1) * lb - math.log(2.0 * math.log(N))
    log_ps = (N - 1) * lb - math.log(2.0 * N * lb)
    return SequenceCapacity(_exp(log_pt), _exp(log_ps))


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.0 else math.inf


@lru_cache(maxsize=256)
def crosstalk_moments(N: int, rule: str = "polynomial", n: int = 2, b: float = 1.0) -> tuple[float, float]:
    """Exact ``E f^2`` and ``E f^4`` of one crosstalk term, ``f = f(y/(N-1))``, ``y`` a sum of ``M = N - 1`` signs.

    Closed forms, O(n^2) work and memory at every ``N`` (derived here):

    * polynomial: ``E y^(2j) = sum_k S_e(2j, k) M (M-1) ... (M-k+1)``, where ``S_e(n, k)`` counts the partitions of
      ``n`` factors into ``k`` blocks of even size (a block is one sign repeated, whose even powers are 1: expand
      ``(s_1 + ... + s_M)^(2j)`` and take the mean); all terms are positive, so the float sum is exact to rounding;
    * exponential: ``E exp(c y) = cosh(c)^M``, so ``E f^2 = ((1 + e^(-4b))/2)^M = beta^-(N-1)`` and
      ``E f^4 = ((1 + e^(-8b))/2)^M``.
    """
    M = N - 1
    if rule == "polynomial":
        return _even_moment(M, 2 * n), _even_moment(M, 4 * n)
    if rule == "exponential":
        return _exp_pow(M * (math.log1p(math.exp(-4.0 * b)) - _LN2)), _exp_pow(
            M * (math.log1p(math.exp(-8.0 * b)) - _LN2)
        )
    raise ValueError(f"rule={rule!r}: allowed {RULES}")


_LN2 = math.log(2.0)


def _exp_pow(x: float) -> float:
    return math.exp(x) if x > -745.0 else 0.0


@cache
def _even_partitions(n: int) -> tuple[int, ...]:
    """``S_e(n, k)`` for ``k = 0 .. n``: partitions of ``n`` labelled items into ``k`` blocks of even size (exact)."""
    table = [[1]]  # table[m][k] = S_e(m, k)
    for m in range(1, n + 1):
        # the block holding item m has j others (j odd: an even block), chosen among the m - 1 others
        row = [0] * (m + 1)
        for j in range(1, m, 2):
            below = table[m - 1 - j]
            for k, count in enumerate(below):
                if count:
                    row[k + 1] += math.comb(m - 1, j) * count
        table.append(row)
    return tuple(table[n])


def _even_moment(M: int, n: int) -> float:
    """``E (y/M)^n`` for ``y`` a sum of ``M`` independent signs and ``n`` even (see :func:`crosstalk_moments`)."""
    logs = []
    log_M = math.log(M)
    for k, count in enumerate(_even_partitions(n)):
        if count == 0 or k > M:
            continue
        falling = sum(math.log(M - i) for i in range(k))  # M (M-1) ... (M-k+1)
        logs.append(math.log(count) + falling - n * log_M)
    top = max(logs)
    return math.exp(top) * math.fsum(math.exp(v - top) for v in logs)


def crosstalk_variance(N: int, rule: str = "polynomial", n: int = 2, b: float = 1.0) -> float:
    """Exact per-pattern crosstalk variance ``v = E f(y/(N-1))^2`` (module docstring)."""
    return crosstalk_moments(N, rule, n, b)[0]


class RecallProbability(NamedTuple):
    """Finite-N prediction at one sequence length."""

    p_bit: float
    transition: float
    sequence: float


#: Gamma quantiles averaged over for the shared crosstalk variance.
_QUANTILES = (np.arange(400) + 0.5) / 400


def _log_transition(N: int, P: float, rule: str, n: int, b: float, shared: bool) -> tuple[float, float]:
    """``ln Pr(transition exact)`` and the bit-error probability at the mean variance."""
    v, f4 = crosstalk_moments(N, rule, n, b)
    others = max(P - 1.0, 0.0)
    if others == 0.0:
        return 0.0, 0.0
    mean = others * v
    if not mean > 0.0:  # the crosstalk variance underflows: no bit is ever wrong
        return 0.0, 0.0
    p_mean = float(ndtr(-1.0 / math.sqrt(mean)))
    if not shared:
        return N * _log1m(p_mean), p_mean
    var = others * max(f4 - v * v, 0.0)
    if var <= 0.0:
        return N * _log1m(p_mean), p_mean
    shape, scale = mean * mean / var, var / mean
    V = stats.gamma.ppf(_QUANTILES, shape, scale=scale)
    V = V[V > 0]
    if V.size == 0:
        return N * _log1m(p_mean), p_mean
    with np.errstate(divide="ignore"):
        logq = N * np.log1p(-np.exp(log_ndtr(-1.0 / np.sqrt(V))))
    top = logq.max()
    return float(top + math.log(np.mean(np.exp(logq - top)))), p_mean


def _log1m(p: float) -> float:
    return math.log1p(-p) if p < 1.0 else -math.inf


def recall_probability(
    N: int, P: float, rule: str = "polynomial", n: int = 2, b: float = 1.0, shared: bool = True
) -> RecallProbability:
    """Finite-N probabilities of one bit error, one exact transition, and the exact whole cyclic sequence.

    Parameters
    ----------
    N : int
        Neurons.
    P : float
        Sequence length (patterns); real values interpolate.
    rule, n, b
        Separation function (module docstring).
    shared : bool
        Average over the crosstalk variance shared by the bits of a transition (module docstring, item 3);
        ``False``: independent bits at the mean variance.

    Returns
    -------
    RecallProbability
        ``p_bit`` at the mean variance ``(P - 1) v``; ``transition``; ``sequence = transition^P``.

    """
    log_t, p_bit = _log_transition(N, float(P), rule, n, b, shared)
    return RecallProbability(p_bit, math.exp(log_t), math.exp(P * log_t))


def half_length(
    N: int, rule: str = "polynomial", n: int = 2, b: float = 1.0, what: str = "transition", shared: bool = True
) -> float:
    """The sequence length ``P`` (real) where :func:`recall_probability`'s ``what`` is 1/2; ``inf`` past 1e300."""

    def g(logP: float) -> float:
        P = math.exp(logP)
        log_t, _ = _log_transition(N, P, rule, n, b, shared)
        return (log_t if what == "transition" else P * log_t) + math.log(2.0)

    lo, hi = math.log(2.0), math.log(4.0)
    if g(lo) < 0:
        return 2.0
    while g(hi) > 0:
        lo, hi = hi, 2 * hi
        if hi > 690.0:
            return math.inf
    return math.exp(optimize.brentq(g, lo, hi, xtol=1e-10, rtol=1e-10))
