r"""Where a return probability falls below ``p_crit``, and two Monte-Carlo predictions of it for K memories.

:func:`critical_noise` reads the basin noise off counted trials (:mod:`amphase.simulate.diffusion.return_trials`);
:func:`curve_crossing` off a smooth curve. The basin noise :math:`r_{basin}` is where :math:`P_{return}` first falls
below ``p_crit`` = 0.9 (:data:`~amphase.theory.diffusion.basins.P_CRIT`): linear interpolation in :math:`\log r`
between the last level at or above and the first below; the error propagates the binomial variances of those two
points, :math:`\tilde p(1-\tilde p)/n` with :math:`\tilde p = (k + 1/2)/(n + 1)`, through the interpolation (the
interpolation's own bias, of order the curvature times the squared spacing, is not included).

Predictions (derived here)
--------------------------
*The reverse SDE run to t = 0* (``stop="zero"``, memorized attractors): it ends on training point :math:`\mu` with
the posterior probability :math:`w_\mu(x_t)`, so :math:`P_{return}(r) = E_z[w_a(s_t a + \sigma_t z)]` for any K
(:func:`posterior_return_probability`); for two memories
:math:`E_z[\mathrm{logistic}(D^2/(2r^2) + (D/r) z)]`.

*Isolated memories* (every neighbour far beyond :math:`\sqrt{2/\beta}`): the LSE basins tend to the Voronoi cells of
the training points; :func:`voronoi_probability` estimates :math:`P(a + r z \in \mathrm{cell}(a))` by Monte Carlo (exact
for the pair: the half-space), and :func:`~amphase.theory.diffusion.basins.pair_prediction` averages
:math:`\Phi(h_a/r)` over attractors with :math:`h_a` from each memory's nearest neighbour alone (the closed forms for
two memories are in :mod:`amphase.theory.diffusion.basins`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import brentq

from amphase.errors import ParameterError
from amphase.simulate.diffusion.basin_attractors import _whole, time_at_noise
from amphase.simulate.diffusion.score import ExactScore
from amphase.simulate.neighbours import nearest
from amphase.theory.diffusion.basins import P_CRIT, _levels, _p_crit, _positive

__all__ = [
    "STATUS",
    "Crossing",
    "VoronoiMC",
    "critical_noise",
    "curve_crossing",
    "posterior_return_probability",
    "voronoi_probability",
]

#: outcome of :func:`critical_noise`, by code.
STATUS = ("found", "below grid", "above grid", "no trials")


class Crossing(NamedTuple):
    """Where a return probability falls below ``p_crit`` (:func:`critical_noise`)."""

    noise: float
    error: float
    status: int


def critical_noise(levels: Any, returned: Any, trials: Any, p_crit: float = P_CRIT) -> Crossing:
    r"""The noise level where :math:`P_{return}` first falls below ``p_crit`` (module docstring), with its error.

    Parameters
    ----------
    levels : (L,) increasing noise levels
    returned, trials : (L,) counts
    p_crit : float

    Returns
    -------
    Crossing
        ``noise`` and its standard error (NaN unless ``status == 0``); ``status`` indexes :data:`STATUS`: the first
        level with trials is already below ``p_crit`` ("below grid"), no level falls below ("above grid"), or there
        are no trials.

    Notes
    -----
    With :math:`x = \log r` and the bracketing points :math:`(x_1, P_1 \ge p_c)`, :math:`(x_2, P_2 < p_c)`:
    :math:`x^* = x_1 + \Delta (P_1 - p_c)/(P_1 - P_2)`, :math:`\partial x^*/\partial P_1 = \Delta (p_c - P_2)/
    (P_1 - P_2)^2`, :math:`\partial x^*/\partial P_2 = \Delta (P_1 - p_c)/(P_1 - P_2)^2`, and
    :math:`\delta r^* = r^* \delta x^*` (derived here).
    """
    r = _levels(levels)
    p_c = _p_crit(p_crit)
    k = np.asarray(returned, dtype=float)
    n = np.asarray(trials, dtype=float)
    if k.shape != r.shape or n.shape != r.shape:
        raise ParameterError(f"returned {k.shape} and trials {n.shape} must match the levels {r.shape}")
    if np.any(k < 0) or np.any(k > n):
        raise ParameterError("returned must lie in [0, trials]")
    use = n > 0
    if not use.any():
        return Crossing(math.nan, math.nan, 3)
    r, k, n = r[use], k[use], n[use]
    p = k / n
    below = np.nonzero(p < p_c)[0]
    if below.size == 0:
        return Crossing(math.nan, math.nan, 2)
    j = int(below[0])
    if j == 0:
        return Crossing(math.nan, math.nan, 1)
    x1, x2 = math.log(r[j - 1]), math.log(r[j])
    p1, p2 = p[j - 1], p[j]
    dx = x2 - x1
    x = x1 + dx * (p1 - p_c) / (p1 - p2)
    pt = (k[[j - 1, j]] + 0.5) / (n[[j - 1, j]] + 1.0)
    var = pt * (1.0 - pt) / n[[j - 1, j]]
    d1 = dx * (p_c - p2) / (p1 - p2) ** 2
    d2 = dx * (p1 - p_c) / (p1 - p2) ** 2
    sx = math.sqrt(d1 * d1 * var[0] + d2 * d2 * var[1])
    rs = math.exp(x)
    return Crossing(rs, rs * sx, 0)


def curve_crossing(prob: Callable[[float], float], lo: float, hi: float, p_crit: float = P_CRIT) -> float:
    """The noise in ``[lo, hi]`` where a smooth decreasing ``prob(noise)`` equals ``p_crit`` (NaN if not bracketed)."""
    p_c = _p_crit(p_crit)
    lo, hi = _positive("lo", lo), _positive("hi", hi)
    f_lo, f_hi = prob(lo) - p_c, prob(hi) - p_c
    if not (f_lo >= 0 > f_hi):
        return math.nan
    return float(math.exp(brentq(lambda x: prob(math.exp(x)) - p_c, math.log(lo), math.log(hi), xtol=1e-12)))


class VoronoiMC:
    r"""Monte-Carlo probability that :math:`a + r z` lands in the Voronoi cell of the training point ``own``.

    Build it with :func:`voronoi_probability`. Each attractor has its own ``n_draws`` normals, shared by every r
    (common random numbers: the estimate is a smooth-enough, reproducible function of r). ``self(r)`` is the mean over
    attractors and draws; :meth:`crossing` is where it falls to ``p_crit``, with the Monte-Carlo error
    :math:`\sqrt{p_c(1-p_c)/N}/|dP/dr|` (N the number of draws in all, the slope by a central difference over
    :math:`\pm 10\%` of r).
    """

    def __init__(self, centres: np.ndarray, own: np.ndarray, points: np.ndarray, z: np.ndarray) -> None:
        self.centres, self.own, self.points, self.z = centres, own, points, z

    @property
    def draws(self) -> int:
        """Draws in all (attractors x draws per attractor)."""
        return int(self.z.shape[0] * self.z.shape[1])

    def __call__(self, noise: float) -> float:
        """The Voronoi return probability at noise std ``noise``."""
        if len(self.centres) == 0:
            return math.nan
        hits = 0
        for i in range(len(self.centres)):
            _, idx = nearest(self.centres[i] + float(noise) * self.z[i], self.points)
            hits += int((np.asarray(idx) == self.own[i]).sum())
        return hits / self.draws

    def crossing(self, lo: float, hi: float, p_crit: float = P_CRIT) -> tuple[float, float]:
        """(noise, Monte-Carlo error) where the probability falls to ``p_crit`` within ``[lo, hi]`` (NaN if not)."""
        r = curve_crossing(self, lo, hi, p_crit)
        if not math.isfinite(r):
            return math.nan, math.nan
        slope = (self(1.1 * r) - self(r / 1.1)) / (1.1 * r - r / 1.1)
        err = math.sqrt(p_crit * (1 - p_crit) / self.draws) / abs(slope) if slope != 0 else math.nan
        return r, err


def voronoi_probability(centres: Any, own: Any, points: Any, n_draws: int, rng: np.random.SeedSequence) -> VoronoiMC:
    """The Voronoi prediction (:class:`VoronoiMC`) for attractors ``centres`` (n, d) owned by ``points[own]``."""
    a = np.asarray(centres, dtype=float)
    pts = np.asarray(points, dtype=float)
    own = np.asarray(own, dtype=np.int64)
    n_draws = _whole("n_draws", n_draws)
    if a.ndim != 2 or pts.ndim != 2 or a.shape[1] != pts.shape[1] or own.shape != (len(a),):
        raise ParameterError(f"centres {a.shape}, own {own.shape}, points {pts.shape}: (n, d), (n,), (K, d)")
    if np.any(own < 0) or np.any(own >= len(pts)):
        raise ParameterError("own: indices into points")
    if not isinstance(rng, np.random.SeedSequence):
        raise ParameterError("rng: a numpy.random.SeedSequence")
    z = np.random.Generator(np.random.PCG64(rng)).standard_normal((len(a), n_draws, a.shape[1]))
    return VoronoiMC(a, own, pts, z)


def posterior_return_probability(
    score: ExactScore, centres: Any, own: Any, levels: Any, n_draws: int, rng: np.random.SeedSequence
) -> tuple[np.ndarray, np.ndarray]:
    r"""The return probability of the reverse SDE run to t = 0: :math:`E_z[w_{own}(s_t a + \sigma_t z)]`, (n, L).

    Derived here: the exact reverse SDE started at :math:`x_t` ends on training point :math:`\mu` with the posterior
    probability :math:`P(x_0 = \xi^\mu \mid x_t) = w_\mu(x_t)`, the softmax weight at :math:`\beta_t =
    1/(2\sigma_t^2)` with memories :math:`s\xi` (the reverse process has the forward process's joint law). Monte
    Carlo over ``n_draws`` normals per attractor and level; returns (mean, its standard error).
    """
    if not isinstance(score, ExactScore):
        raise ParameterError("posterior_return_probability needs the exact score (an ExactScore)")
    a = np.asarray(centres, dtype=float)
    own = np.asarray(own, dtype=np.int64)
    r = _levels(levels)
    n_draws = _whole("n_draws", n_draws, 2)
    if a.ndim != 2 or a.shape[1] != score.d or own.shape != (len(a),) or np.any(own < 0) or np.any(own >= score.K):
        raise ParameterError(f"centres {a.shape} and own {own.shape}: (n, {score.d}) and (n,) training-point indices")
    gen = np.random.Generator(np.random.PCG64(rng))
    sch = score.schedule
    mean = np.zeros((len(a), r.size))
    err = np.zeros((len(a), r.size))
    for j, level in enumerate(r):
        t = time_at_noise(sch, float(level))
        s, sd = float(sch.scale(t)), float(sch.std(t))
        en = score.energy_at(t)
        for i in range(len(a)):
            w = np.asarray(en.weights(s * a[i] + sd * gen.standard_normal((n_draws, score.d))))[:, own[i]]
            mean[i, j], err[i, j] = w.mean(), w.std(ddof=1) / math.sqrt(n_draws)
    return mean, err
