r"""Monte Carlo excess entropy of a data set (Biroli et al. 2024), whose zero marks the collapse; two estimators.

For ``n`` training points :math:`a^\mu \in \mathbb R^d` the noised empirical density in the Ornstein-Uhlenbeck
convention of :mod:`amphase.theory.diffusion.regimes` (:math:`x_t = e^{-t}a + \sqrt{\Delta_t} z`) is

.. math::

    \log P^e_t(x) = -\beta E(x) - \log n - \tfrac d2 \log(2\pi\Delta_t), \qquad \beta = \frac{1}{2\Delta_t},

with :math:`E` the log-sum-exp energy of the memories :math:`e^{-t}a^\mu` (streamed by
:func:`amphase.simulate.lse.lse`; this is the identity of ``diffusion.noise_beta``).

**Draws from the empirical density** (:func:`excess_entropy`: BBBM's own estimator, "Eq. 5" in the authors' code,
see :mod:`~amphase.theory.diffusion.regimes`): the excess entropy per dimension

.. math::

    f^e(t) = \alpha + \tfrac12(1 + \log 2\pi\Delta_t) + \tfrac1d\,\mathbb E_{x\sim P^e_t}\log P^e_t(x),
    \qquad \alpha = \frac{\log n}{d},

is estimated from ``n_draws`` exact draws :math:`x = e^{-t}a^\mu + \sqrt{\Delta_t}z` (:math:`\mu` uniform), with the
standard error of the mean. The own-component term :math:`\log \mathcal N(x; e^{-t}a^\mu, \Delta_t)`, whose mean
:math:`-\tfrac d2(1 + \log 2\pi\Delta_t)` is known exactly, is subtracted as a control variate, so each draw
contributes

.. math::

    \frac1d \log\sum_\nu \frac{\mathcal N(x; e^{-t}a^\nu, \Delta_t)}{\mathcal N(x; e^{-t}a^\mu, \Delta_t)}
    = \frac1d\Big(\frac{\lVert z\rVert^2}{2} - \beta E(x)\Big) \ \ge 0,

which removes the :math:`O(d^{-1/2})` fluctuation of :math:`\lVert z\rVert^2/d` from the error bar. It lies in
:math:`[0, \alpha]`: :math:`\alpha` when the points overlap completely (large :math:`t`), 0 when they are
disjoint (collapsed). It never reaches 0 at finite d, so a crossing needs a level above 0 (the caller's).

**Test points from the population** (:func:`population_excess_entropy`, quenched; defined and derived here). The
same expression with :math:`x = e^{-t}y + \sqrt{\Delta_t}z`, :math:`y` a fresh draw of the *population* the training
points came from (independent of them), instead of a training point:

.. math::

    f^e_q(t) = \alpha + \tfrac12(1 + \log 2\pi\Delta_t) + \tfrac1d\,\mathbb E_{y, z}\log P^e_t(x)
    = \tfrac1d\,\mathbb E\Big(\frac{\lVert z\rVert^2}{2} - \beta E(x)\Big),

for one training set (the logarithm is averaged at fixed training set: quenched). Since the training points are
independent draws of the population, :math:`\mathbb E_{\rm train} P^e_t(x) = P_t(x)`, the population's own noised
density, so by Jensen's inequality :math:`\mathbb E_{\rm train}\log P^e_t(x) \le \log P_t(x)` at every x: the
training-set average of :math:`f^e_q` lies below the *annealed* curve
:math:`\alpha + \tfrac12(1+\log 2\pi\Delta_t) + \tfrac1d\mathbb E\log P_t`, which for
:math:`\mathcal N(0, \sigma^2 I_d)` data is :math:`\alpha - \tfrac12\log(1 + \sigma^2e^{-2t}/\Delta_t)`, zero at
BBBM's :math:`t_C` (``diffusion.collapse_time``). Unlike :math:`f^e`, :math:`f^e_q` falls below 0 (a test point far
from every training point has :math:`-\beta E \ll -\lVert z\rVert^2/2`), so its zero is a crossing without a
chosen level; for Gaussian data it lies at or above :math:`t_C` in expectation, and the gap is the finite-d
(finite-n) Jensen gap, which vanishes as :math:`d\to\infty` at fixed :math:`\alpha` where quenched and annealed
agree above the condensation (BBBM's random-energy-model argument). :func:`population_crossing` finds the largest
zero of the estimate with the draws held fixed (common random numbers), so the estimate is a continuous function of
t and its root is found to ``xtol`` by bracketing.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import optimize

from amphase.errors import ParameterError
from amphase.simulate.lse import lse

__all__ = ["ExcessEntropy", "excess_entropy", "log_density", "population_crossing", "population_excess_entropy"]


class ExcessEntropy(NamedTuple):
    """Monte Carlo excess entropy per dimension, its standard error, and ``alpha = log(n)/d``."""

    f: float
    stderr: float
    alpha: float


def _check(data: np.ndarray, t: float) -> np.ndarray:
    a = np.asarray(data, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 2:
        raise ParameterError(f"data of shape {a.shape}: expected (n >= 2, d)")
    if not t > 0 or not math.isfinite(t):
        raise ParameterError(f"t={t!r}: the diffusion time must be a finite number > 0")
    return a


def log_density(x: np.ndarray, data: np.ndarray, t: float) -> np.ndarray:
    r""":math:`\log P^e_t(x)` of the noised empirical density at queries ``x`` (B, d) (module docstring)."""
    a = _check(data, t)
    n, d = a.shape
    delta = -math.expm1(-2.0 * t)
    beta = 0.5 / delta
    energy = lse(beta, math.exp(-t) * a).energy(np.asarray(x, dtype=np.float64))
    return -beta * energy - math.log(n) - 0.5 * d * math.log(2.0 * math.pi * delta)


def _per_draw(a: np.ndarray, t: float, centres: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``(|z|^2/2 - beta E(x))/d`` at ``x = e^-t centres + sqrt(Delta_t) z`` (module docstring)."""
    delta = -math.expm1(-2.0 * t)
    beta = 0.5 / delta
    x = math.exp(-t) * centres + math.sqrt(delta) * z
    return (0.5 * np.einsum("bd,bd->b", z, z) - beta * lse(beta, math.exp(-t) * a).energy(x)) / a.shape[1]


def excess_entropy(data: np.ndarray, t: float, rng: np.random.Generator, n_draws: int = 2000) -> ExcessEntropy:
    """Excess entropy ``f^e(t)`` of ``data`` (n, d) from ``n_draws`` exact draws of the noised empirical density."""
    a = _check(data, t)
    if n_draws < 2:
        raise ParameterError(f"n_draws={n_draws}: need at least 2 draws")
    n, d = a.shape
    mu = rng.integers(0, n, size=n_draws)
    z = rng.standard_normal((n_draws, d))
    per_draw = _per_draw(a, t, a[mu], z)
    return ExcessEntropy(float(per_draw.mean()), float(per_draw.std(ddof=1)) / math.sqrt(n_draws), math.log(n) / d)


def _check_draws(a: np.ndarray, test_points: np.ndarray, noise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(test_points, dtype=np.float64)
    z = np.asarray(noise, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] != a.shape[1] or y.shape[0] < 2 or z.shape != y.shape:
        raise ParameterError(
            f"test_points {y.shape} and noise {z.shape}: two arrays of the same shape (m >= 2, d = {a.shape[1]})"
        )
    return y, z


def population_excess_entropy(data: np.ndarray, t: float, test_points: np.ndarray, noise: np.ndarray
                              ) -> ExcessEntropy:  # fmt: skip
    r"""Quenched excess entropy :math:`f^e_q(t)` of ``data`` (n, d) at test points of the population (module doc).

    Parameters
    ----------
    data : (n, d) array
        The training points.
    t : float
        Ornstein-Uhlenbeck time (> 0).
    test_points : (m, d) array
        Fresh draws :math:`y` of the population the training points were drawn from, independent of them.
    noise : (m, d) array
        Standard normal :math:`z`, one row per test point (held fixed across t for a root search).
    """
    a = _check(data, t)
    y, z = _check_draws(a, test_points, noise)
    per_draw = _per_draw(a, t, y, z)
    m = y.shape[0]
    mean, err = float(per_draw.mean()), float(per_draw.std(ddof=1)) / math.sqrt(m)
    return ExcessEntropy(mean, err, math.log(a.shape[0]) / a.shape[1])


def population_crossing(data: np.ndarray, test_points: np.ndarray, noise: np.ndarray, t_lo: float, t_hi: float, *,
                        scan: int = 24, xtol: float = 1e-5) -> float:  # fmt: skip
    r"""Largest t in [``t_lo``, ``t_hi``] where :math:`f^e_q(t) = 0`, the draws held fixed (module docstring).

    The estimate is evaluated at ``scan`` times log-spaced over the interval; from the largest, the first interval
    where it changes sign is refined by Brent's method to ``xtol``. NaN when it has no zero there.
    """
    a = _check(data, t_hi)
    _check(data, t_lo)
    y, z = _check_draws(a, test_points, noise)
    if not t_lo < t_hi:
        raise ParameterError(f"t_lo={t_lo} must be < t_hi={t_hi}")
    if isinstance(scan, bool) or int(scan) != scan or scan < 2:
        raise ParameterError(f"scan={scan!r}: a whole number >= 2")

    def f(t: float) -> float:
        return float(_per_draw(a, t, y, z).mean())

    ts = np.geomspace(t_lo, t_hi, int(scan))
    vals = [f(float(t)) for t in ts]
    for i in range(ts.size - 1, 0, -1):
        if vals[i] > 0.0 >= vals[i - 1]:
            if vals[i - 1] == 0.0:
                return float(ts[i - 1])
            return float(optimize.brentq(f, float(ts[i - 1]), float(ts[i]), xtol=xtol))
    return math.nan
