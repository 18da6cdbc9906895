r"""The pair-rule onset of spurious attractors for any data set, estimated from a reference draw (derived here).

The pair rule (:func:`amphase.theory.lse_merging.pair_rule_onset`, the rule of ``diffusion.spurious_onset``):
two training points closer than :math:`D_{merge} = \sqrt{2/\beta}` share one minimum of the LSE energy, owned by
neither (exact for an isolated pair, :func:`~amphase.theory.lse_landscape.pair_minima`); a point keeps its own
minimum when no other lies within ``merge_distance(beta, own_weight)``. Everything then follows from the probability
:math:`p(D)` that two random training points lie within :math:`D`:

* the circle and sphere: exact (:func:`~amphase.theory.lse_merging.merge_probability`, ``diffusion.spurious_onset``);
* Gaussian data with given per-direction variances (the linear manifold): exact, a generalized chi-square
  (:func:`~amphase.theory.lse_merging.gaussian_merge_probability`, ``diffusion.gaussian_onset``);
* any other data set (the digits): here, from a reference set :math:`y_1, \dots, y_n`, by the fraction of its pairs
  within :math:`D` (:func:`pair_fraction`).

Two readings of the reference set. ``population=True``: the training points are distinct draws from these very
points (the digits: the first K of a random permutation of the 1797 images), so two training points are a uniformly
random pair of distinct reference points and the fraction of pairs *is* :math:`p(D)` (exact, no error).
``population=False``: the reference is an i.i.d. sample of the data law; the fraction of pairs is a U-statistic of
degree 2, unbiased for :math:`p`, with variance (Hoeffding 1948, Ann. Math. Stat. 19, 293, Eq. 5.13)

.. math::

    \mathrm{Var}\,\hat p = \frac{2}{n(n-1)}\left[2(n-2)\zeta_1 + \zeta_2\right], \qquad
    \zeta_2 = p(1-p), \quad \zeta_1 = \mathrm{Var}\,h_1(Y), \quad h_1(y) = P(|y - Y'| < D),

with :math:`\zeta_1` estimated from the per-point fractions :math:`\hat h_1(y_i) = c_i/(n-1)`, whose variance is
:math:`\zeta_1 + (p - p^2 - \zeta_1)/(n-1)` (the binomial noise of each :math:`c_i`; derived here), so
:math:`\hat\zeta_1 = (n-1)/(n-2)\,[\widehat{\mathrm{Var}}\,\hat h_1 - (\hat p - \hat p^2)/(n-1)]`, clipped at 0. The
errors of ``K_onset`` and ``K_half`` follow by the delta method.

The classifier's view (:func:`memorized_onset`). A sample is *memorized* when it ends within
:math:`\delta = \delta_m \ell` of a training point; a pair's own minimum sits :math:`(D/2)(1 - u)` from its point
(:func:`~amphase.theory.lse_landscape.pair_minima`), farther than :math:`\delta` for partners in
:math:`(2\delta, D_\delta)` with :math:`D_\delta` > :math:`D_{merge}`
(:func:`~amphase.theory.lse_merging.memorized_distance`). The same pair rule with
:math:`p_\delta = p(D_\delta) - p(2\delta)` gives the K at which the first point's minimum is displaced out of
the memorized ball (such a minimum, reached by several samples, is labelled *spurious*) and the K at which half
of the points keep a minimum within :math:`\delta`. This is what the descend protocol's labels measure; the
minima themselves (``K_onset`` above) merge only at :math:`D_{merge}`.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from amphase.errors import ParameterError
from amphase.theory import lse_merging as lm

__all__ = [
    "EmpiricalOnset",
    "MemorizedOnset",
    "dataset_pair_probability",
    "empirical_onset",
    "memorized_onset",
    "pair_counts",
    "pair_fraction",
]


def pair_counts(reference: np.ndarray, radii: np.ndarray, tile: int = 256) -> np.ndarray:
    """For each reference point and radius, how many other reference points lie strictly within it.

    Parameters
    ----------
    reference : ndarray, shape (n, d)
    radii : ndarray, shape (m,)
    tile : int
        rows per block of squared distances (``|a|^2 + |b|^2 - 2 a.b``, one GEMM per block).

    Returns
    -------
    ndarray, shape (m, n), int64
    """
    y = np.ascontiguousarray(reference, dtype=np.float64)
    r2 = np.asarray(radii, dtype=np.float64) ** 2
    n = len(y)
    norms = np.einsum("ij,ij->i", y, y)
    out = np.zeros((len(r2), n), dtype=np.int64)
    for start in range(0, n, tile):
        block = y[start : start + tile]
        d2 = norms[start : start + tile, None] + norms[None, :] - 2.0 * block @ y.T
        idx = np.arange(len(block))
        d2[idx, start + idx] = np.inf  # not its own neighbour
        for k, r in enumerate(r2):
            out[k, start : start + len(block)] = (d2 < r).sum(axis=1)
    return out


def pair_fraction(reference: np.ndarray, D: float, population: bool = False) -> tuple[float, float]:
    """Fraction of the reference set's pairs closer than ``D`` and its standard error (module docstring)."""
    y = _check_reference(reference)
    c = pair_counts(y, np.array([_check_distance(D)]))[0]
    return _fraction(c, population)


def _fraction(c: np.ndarray, population: bool) -> tuple[float, float]:
    n = len(c)
    h1 = c / (n - 1)
    p = float(h1.mean())  # = sum_i c_i / (n (n - 1)): each unordered pair counted twice
    if population or n < 3:
        return p, 0.0 if population else math.nan
    zeta1 = max((float(h1.var(ddof=1)) - (p - p * p) / (n - 1)) * (n - 1) / (n - 2), 0.0)
    var = 2.0 / (n * (n - 1)) * (2.0 * (n - 2) * zeta1 + p * (1.0 - p))
    return p, math.sqrt(var)


class EmpiricalOnset(NamedTuple):
    """The pair-rule onset from a reference set, with standard errors (0 for a population, NaN where undefined)."""

    beta: float
    D_merge: float
    p_merge: float
    p_merge_error: float
    p_own: float
    p_own_error: float
    K_onset: float
    K_onset_error: float
    K_peak: float
    memory_peak: float
    K_half: float
    K_half_error: float


def _check_reference(reference: Any) -> np.ndarray:
    y = np.asarray(reference, dtype=np.float64)
    if y.ndim != 2 or len(y) < 2:
        raise ParameterError(f"reference: an array of shape (n, d) with n >= 2 points, got shape {y.shape}")
    if not np.isfinite(y).all():
        raise ParameterError("reference: every value must be finite")
    return y


def _check_distance(D: float) -> float:
    if not (D >= 0 and math.isfinite(D)):
        raise ParameterError(f"D={D}: a finite distance >= 0")
    return float(D)


def empirical_onset(
    reference: np.ndarray, beta: float, own_weight: float = lm.OWN_WEIGHT, population: bool = False
) -> EmpiricalOnset:
    r"""Pair-rule ``K_onset``, ``K_peak``, ``K_half`` at inverse temperature ``beta`` from a reference set.

    Parameters
    ----------
    reference : ndarray, shape (n, d)
        Points of the data set: the whole finite set the training points are drawn from (``population=True``), or
        an i.i.d. draw of the data law (module docstring).
    beta : float
        Inverse temperature of the LSE energy, :math:`1/(2\sigma_t^2)`, in (0, 1e300).
    own_weight : float
        A minimum is a point's own when its softmax weight there exceeds this, in [1/2, 1).
    population : bool
        Whether ``reference`` is the finite population itself (exact ``p``) or a sample of the law.

    Returns
    -------
    EmpiricalOnset
        ``p_merge`` = :math:`p(D_{merge})`, ``p_own`` = :math:`p(` ``merge_distance(beta, own_weight)`` :math:`)`,
        then :func:`~amphase.theory.lse_merging.pair_rule_onset`; errors of ``K_onset`` and ``K_half`` by the
        delta method, :math:`dK_{onset}/dp = -2/(p^2\sqrt{1 + 8/p})` and
        :math:`dK_{half}/dp_{own} = -\ln 2/((1 - p_{own})\ln^2(1 - p_{own}))`.
    """
    if not 1e-300 < beta < 1e300:
        raise ParameterError(f"beta={beta}: in (1e-300, 1e300)")
    if not 0.5 <= own_weight < 1.0:
        raise ParameterError(f"own_weight={own_weight}: in [1/2, 1)")
    y = _check_reference(reference)
    D = lm.merge_distance(beta)
    c = pair_counts(y, np.array([D, lm.merge_distance(beta, own_weight)]))
    p, p_err = _fraction(c[0], population)
    p_own, p_own_err = _fraction(c[1], population)
    out = lm.pair_rule_onset(p, p_own)
    k_err = 2.0 / (p * p * math.sqrt(1.0 + 8.0 / p)) * p_err if p > 0 else math.nan
    lq = math.log1p(-p_own) if 0 < p_own < 1 else math.nan
    half_err = math.log(2.0) / ((1.0 - p_own) * lq * lq) * p_own_err if math.isfinite(lq) else math.nan
    return EmpiricalOnset(beta, D, p, p_err, p_own, p_own_err, out.K_onset, k_err, out.K_peak, out.memory_peak,
                          out.K_half, half_err)  # fmt: skip


def dataset_pair_probability(dataset: str, D: float, d: int = 2) -> float:
    """Probability that two training points of a ``diffusion.exact`` data set lie within ``D`` (exact).

    ``circle`` (unit, random angles), ``sphere`` (unit :math:`S^{d-1}`): :func:`~amphase.theory.lse_landscape.
    merge_probability`; ``linear``: :func:`~amphase.theory.lse_merging.gaussian_merge_probability` with
    :data:`~amphase.simulate.diffusion.data.LINEAR_GROUPS`; ``digits``: the fraction of the 1797 images' pairs
    (``population=True``; needs scikit-learn). Other data sets: :class:`ParameterError`.
    """
    D = _check_distance(D)
    if dataset == "circle":
        return lm.merge_probability(D, "circle")
    if dataset == "sphere":
        if int(d) < 2:
            raise ParameterError(f"d={d}: the sphere needs d >= 2")
        return lm.merge_probability(D, "sphere", n=int(d) - 1)
    if dataset == "linear":
        from amphase.simulate.diffusion.data import LINEAR_GROUPS

        return lm.gaussian_merge_probability(D, [s * s for _, s in LINEAR_GROUPS], [n for n, _ in LINEAR_GROUPS])
    if dataset == "digits":
        from amphase.simulate.diffusion.data import digits

        return pair_fraction(digits(), D, population=True)[0]
    raise ParameterError(f"dataset={dataset!r}: no pair law; allowed: circle, sphere, linear, digits")


class MemorizedOnset(NamedTuple):
    """The pair rule for the classifier's memorized label (module docstring)."""

    D_delta: float
    p_delta: float
    K_onset: float
    K_half: float


def memorized_onset(dataset: str, beta: float, delta: float, d: int = 2) -> MemorizedOnset:
    r"""K of the first displaced minimum and K of half the points memorized, for memorized threshold ``delta``.

    ``D_delta`` = :func:`~amphase.theory.lse_merging.memorized_distance` (``beta``, ``delta``), ``p_delta`` =
    :math:`p(D_\delta) - p(2\delta)` (:func:`dataset_pair_probability`), then ``K_onset`` (expected displaced
    pairs = 1) and ``K_half`` (:math:`(1 - p_\delta)^{K-1} = 1/2`) of
    :func:`~amphase.theory.lse_merging.pair_rule_onset` (module docstring; derived here).
    """
    D = lm.memorized_distance(beta, delta)
    p = max(dataset_pair_probability(dataset, D, d) - dataset_pair_probability(dataset, min(2.0 * delta, D), d), 0.0)
    out = lm.pair_rule_onset(p, p)
    return MemorizedOnset(D, p, out.K_onset, out.K_half)
