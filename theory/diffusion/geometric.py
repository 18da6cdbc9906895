r"""Geometric memorization: the time and dataset size at which each direction of a linear manifold is lost.

Source: B. Achilli, E. Ventura, G. Silvestri, B. Pham, G. Raya, D. Krotov, C. Lucibello, L. Ambrogioni, "Losing
dimensions: geometric memorization in generative diffusion", arXiv:2410.08727 (2024) (AVS). The paper's text was not
available here beyond its abstract ("different tangent subspaces are lost due to memorization effects at different
critical times and dataset sizes, which depend on the local variance of the data along their directions ... under
some conditions, subspaces of higher variance are lost first"). The formula below is the one of the authors' theory
panel for the synthetic linear-manifold experiment (github.com/beatriceachilli/losing-dimensions,
``synthetic-experiments/plots_synthetic_theory.ipynb``, panel "Theory"); no equation number of the paper is quoted.

Setting (AVS's notebook): ``n`` training points, Gaussian with variance :math:`\sigma_i^2` along direction
:math:`i` (groups of directions share a variance; AVS use 2 directions of standard deviation 1, 5 of 0.3, the rest
~0), optionally normalised onto the unit sphere; variance-exploding diffusion with noise variance :math:`t` (the VE
convention of ``diffusion.noise_beta`` with ``sigma = 1``; in the Ornstein-Uhlenbeck time :math:`t_{OU}` of Biroli et
al., :math:`t = e^{2t_{OU}} - 1` in data units). Direction :math:`i` is lost (memorized: the score's Jacobian
acquires the condensation term :math:`\max(0, 1/t - 1/t_{c,i}(t))` there) when :math:`t < t_{c,i}(t)`,

.. math::

    t_{c,i}(t)^2 = \frac{S + t\,\sigma_i^2}{2 \log n}, \qquad
    S = \tfrac12 \sum_j \sigma_j^4 \ \text{(raw Gaussian data)}, \quad S = 0 \ \text{(data normalised to a sphere)}.

Reading (derived here, not from the paper's text): this is a random-energy-model condensation criterion. The
log-weights :math:`-\lVert x - a^\mu\rVert^2/2t` of the ``n`` points have, over Gaussian :math:`a^\mu`, variance
:math:`(\tfrac12\sum_j\sigma_j^4 + \sum_j x_j^2\sigma_j^2)/t^2` (the first term from the fluctuating norms
:math:`\lVert a^\mu\rVert^2`, absent on the sphere), and ``n`` Gaussian energies condense when that variance exceeds
:math:`2\log n`; AVS's criterion keeps direction :math:`i`'s share of the second term at :math:`x_i^2 = t` (the noise
variance). Solving the quadratic,

.. math::

    t_i^* = \tfrac12\Big(c\,\sigma_i^2 + \sqrt{c^2\sigma_i^4 + 4cS}\Big), \quad c = \frac{1}{2\log n}
    \qquad (S = 0:\ t_i^* = \sigma_i^2/2\log n),

and at a fixed time :math:`t` the direction is lost for :math:`n < n_{c,i}(t) = \exp\big((S + t\sigma_i^2)/2t^2\big)`.
Larger :math:`\sigma_i^2` gives a larger :math:`t_i^*`: the directions of higher variance are lost first in the
backward process (AVS's "counterintuitive" ordering).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = ["DirectionLoss", "collapse_variance", "critical_sizes", "critical_times", "direction_loss", "quartic_term"]


class DirectionLoss(NamedTuple):
    """Critical time and training-set size of one direction group, and whether it is lost at ``(t, K)``."""

    t_c: float
    K_c: float
    log_K_c: float
    lost: float


def quartic_term(variances: np.ndarray, normalized: bool = False) -> float:
    r""":math:`S = \tfrac12\sum_j\sigma_j^4` over all directions (0 for data normalised onto a sphere)."""
    v = np.asarray(variances, dtype=float)
    return 0.0 if normalized else 0.5 * float(np.sum(v * v))


def critical_times(variances: np.ndarray, n: int, normalized: bool = False) -> np.ndarray:
    r""":math:`t_i^*` for every direction (array of variances :math:`\sigma_i^2`, one per direction)."""
    v = np.asarray(variances, dtype=float)
    c = 0.5 / math.log(n)
    s = quartic_term(v, normalized)
    return 0.5 * (c * v + np.sqrt((c * v) ** 2 + 4.0 * c * s))


def critical_sizes(variances: np.ndarray, t: float, normalized: bool = False) -> np.ndarray:
    r""":math:`\log n_{c,i}(t) = (S + t\sigma_i^2)/2t^2` per direction (lost at ``t`` below it)."""
    v = np.asarray(variances, dtype=float)
    return (quartic_term(v, normalized) + t * v) / (2.0 * t * t)


def direction_loss(var: float, K: int, t: float, quartic: float = 0.0) -> DirectionLoss:
    r"""One direction group of variance ``var``: :math:`t^*`, :math:`K_c(t)`, 1 if lost at ``(t, K)`` (see module).

    ``K`` is the number of training points (``n`` of the module's formulas).

    ``quartic`` is :math:`S = \tfrac12\sum_j \sigma_j^4` over all directions of the data (:func:`quartic_term`), 0 for
    data normalised onto a sphere. ``K_c`` overflows to ``inf`` where :math:`\log K_c > 709`; ``log_K_c`` is exact.
    """
    c = 0.5 / math.log(K)
    cv = c * var  # products, not powers: inf beyond the float range instead of an OverflowError
    t_c = 0.5 * (cv + math.sqrt(cv * cv + 4.0 * c * quartic))
    log_nc = (quartic + t * var) / 2.0 / t / t
    n_c = math.exp(log_nc) if log_nc < 709.0 else math.inf
    return DirectionLoss(t_c, n_c, log_nc, float(t < t_c))


def collapse_variance(variances: np.ndarray, n: int) -> float:
    r"""VE noise variance of the collapse onto the training points, anisotropic Gaussian data (one t for all).

    Biroli et al.'s entropy criterion (Nat. Commun. 15, 9957 (2024), arXiv:2402.18491; ``diffusion.collapse_time``)
    for ``n`` points :math:`\mathcal N(0, \operatorname{diag}\sigma_j^2)`: the samples of the exact score collapse
    onto the training points when the entropy of the noised population, relative to one noised point, falls below
    :math:`\log n`,

    .. math::

        \tfrac12 \sum_j \log\Big(1 + \frac{\sigma_j^2}{t_C}\Big) = \log n,

    a global condition: every direction collapses at the same :math:`t_C` (written here for a diagonal covariance,
    derived from the isotropic case, where it reduces to :math:`t_C = \sigma^2/(n^{2/d} - 1)`, tested). Exact as
    :math:`d \to \infty` at fixed :math:`\log n / d`. Solved by bracketing in :math:`\log t` (the left side
    decreases monotonically from :math:`\infty` to 0).
    """
    from scipy.optimize import brentq

    v = np.asarray(variances, dtype=float)
    v = v[v > 0]
    if n < 2 or len(v) == 0:
        return math.nan
    target = math.log(n)

    def f(log_t: float) -> float:
        return 0.5 * float(np.log1p(v / math.exp(log_t)).sum()) - target

    lo, hi = math.log(float(v.max())) - 200.0, math.log(float(v.max())) + 200.0
    return math.exp(brentq(f, lo, hi, xtol=1e-14, rtol=1e-13))
