r"""Monte Carlo estimate of the excess entropy of a data set (Biroli et al. 2024), whose zero marks the collapse.

For ``n`` training points :math:`a^\mu \in \mathbb R^d` the noised empirical density in the Ornstein-Uhlenbeck
convention of :mod:`amphase.theory.diffusion.regimes` (:math:`x_t = e^{-t}a + \sqrt{\Delta_t} z`) is

.. math::

    \log P^e_t(x) = -\beta E(x) - \log n - \tfrac d2 \log(2\pi\Delta_t), \qquad \beta = \frac{1}{2\Delta_t},

with :math:`E` the log-sum-exp energy of the memories :math:`e^{-t}a^\mu` (streamed by
:func:`amphase.simulate.lse.lse`; this is the identity of ``diffusion.noise_beta``). The excess entropy per
dimension (``f^e``, "Eq. 5" in the authors' code, see :mod:`~amphase.theory.diffusion.regimes`),

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
disjoint (collapsed). :func:`crossing_time` reads off the time at which
:math:`f^e/\alpha` falls to a chosen ``level``; BBBM's collapse time is the ``level -> 0`` limit as
:math:`d \to \infty`. At finite :math:`d` the curve reaches 0 smoothly, so a level above 0 (stated by the caller)
is needed to get a finite-sample estimate; the Gaussian counterpart at the same level is
``theory.diffusion.regimes.excess_entropy_gaussian``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.lse import lse

__all__ = ["ExcessEntropy", "crossing_time", "excess_entropy", "log_density"]


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


def excess_entropy(data: np.ndarray, t: float, rng: np.random.Generator, n_draws: int = 2000) -> ExcessEntropy:
    """Excess entropy ``f^e(t)`` of ``data`` (n, d) from ``n_draws`` exact draws of the noised empirical density."""
    a = _check(data, t)
    if n_draws < 2:
        raise ParameterError(f"n_draws={n_draws}: need at least 2 draws")
    n, d = a.shape
    delta = -math.expm1(-2.0 * t)
    mu = rng.integers(0, n, size=n_draws)
    z = rng.standard_normal((n_draws, d))
    x = math.exp(-t) * a[mu] + math.sqrt(delta) * z
    beta = 0.5 / delta
    per_draw = (0.5 * np.einsum("bd,bd->b", z, z) - beta * lse(beta, math.exp(-t) * a).energy(x)) / d
    return ExcessEntropy(float(per_draw.mean()), float(per_draw.std(ddof=1)) / math.sqrt(n_draws), math.log(n) / d)


def crossing_time(times: np.ndarray, ratio: np.ndarray, level: float) -> float:
    """Largest time at which ``ratio = f^e/alpha`` falls to ``level``, interpolated linearly (NaN if never).

    ``times`` ascending; scanning down from the largest time, the first interval where ``ratio`` drops to ``level``.
    """
    ts, r = np.asarray(times, dtype=float), np.asarray(ratio, dtype=float)
    if ts.ndim != 1 or ts.shape != r.shape or ts.size < 2 or np.any(np.diff(ts) <= 0):
        raise ParameterError("times must be an ascending 1-D array of at least 2 values, ratio of the same shape")
    for i in range(ts.size - 1, 0, -1):
        hi, lo = r[i], r[i - 1]
        if hi > level >= lo:
            return float(ts[i - 1] + (level - lo) * (ts[i] - ts[i - 1]) / (hi - lo))
    return math.nan
