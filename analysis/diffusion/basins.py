r"""Basins of attraction of the attractors of a diffusion model at a finite noise level: noise, denoise, return.

Everything here is derived in this module (no published constants are used); the energy, its minima and the exact
two-point landscape come from :mod:`amphase.theory.lse_landscape`, the attractors from
:mod:`amphase.analysis.diffusion.attractors`, the samplers from :mod:`amphase.simulate.diffusion.samplers`.

Attractors at :math:`\beta`
---------------------------
The attractors are the minima of the LSE energy :math:`E_\beta` at the stop of sampling, :math:`\beta =
1/(2\sigma_{t_\beta}^2)`, with memories :math:`s\xi^\mu` (:meth:`~amphase.simulate.diffusion.score.ExactScore.
energy_at`). :func:`basin_attractors` finds them from given starts (:func:`~amphase.analysis.diffusion.attractors.
find_attractors`: denoiser iteration, Hessian, deduplication) and keeps the stable ones. An attractor is
**memorized** when one training point carries more than ``own_weight`` of the softmax weight there (default
:data:`~amphase.theory.lse_landscape.OWN_WEIGHT` = 0.6, the project's rule for a memory's own minimum), else
**spurious**. (A distance rule would call a training point's own minimum spurious as soon as neighbours pull it in
by more than the threshold; the weight rule does not.)

Relative energy: :math:`\Delta E(a) = E(a) - \min_{b\ \mathrm{memorized}} E(b)`, in data units (the energy of the
noised coordinates divided by :math:`s^2`, which for VE is 1); NaN where no attractor is memorized. Beside it the
energy above the lowest attractor found, :math:`E(a) - \min_b E(b)`, always defined. Symmetric memories have
:math:`\Delta E = 0` exactly. Reference (derived here): two memories at distance :math:`D < \sqrt{2/\beta}` merge
into one minimum at their midpoint of energy :math:`D^2/4 - \beta^{-1}\ln 2`, against 0 at an isolated memory
(:func:`pair_energy`): a merged pair lies :math:`\beta^{-1}\ln 2` below a lone memory as :math:`D \to 0`.

Line saddle: along the segment from an attractor to its nearest other attractor, the maximum of :math:`E` (on a grid
of ``line_points`` points): ``line_radius`` is the distance from the attractor to it, ``barrier`` the energy rise.
For two memories this *is* the saddle (the midpoint) and ``line_radius`` is the half-distance between the minima;
in general the line maximum is an upper bound on the mountain pass.

Return protocol (:func:`return_trials`)
---------------------------------------
For an attractor :math:`a` (data space) and a noise level :math:`r` (std of the noise in data space,
:math:`\sigma_t/s_t`; :func:`time_at_noise`), each of ``n_noise`` trials

1. noises: :math:`x_t = s_t a + \sigma_t z` (:func:`~amphase.simulate.diffusion.samplers.noise_to`);
2. denoises to the stop: where :math:`t > t_\beta`, the reverse sampler (``sampler``, ``steps`` log-spaced steps)
   with the exact score from t down to :math:`t_\beta` (:func:`~amphase.simulate.diffusion.samplers.denoise_from`);
   where :math:`t \le t_\beta` the noised point is already below the stop's noise and is only rescaled by
   :math:`s_{t_\beta}/s_t` (1 for VE);
3. descends to a minimum of :math:`E_\beta` (:func:`~amphase.simulate.diffusion.samplers.descend`, tolerance ``tol``
   times the data scale, at most ``max_steps`` steps);
4. **returns** when the end point's nearest attractor (of all those found, ``targets``) is :math:`a` and it lies
   within ``delta_r`` times the data scale :math:`\ell` of it (default 0.01; attractors closer than that are merged
   by the finder anyway).

:math:`P_{return}(r)` is the fraction of trials that return, with binomial errors (Wilson interval, z = 1,
:func:`amphase.analysis.statistics.wilson_interval`). The basin noise :math:`r_{basin}` is where
:math:`P_{return}` first falls below ``p_crit`` = 0.9 (:func:`critical_noise`: linear interpolation in
:math:`\log r` between the last level at or above and the first below; the error propagates the binomial variances
of those two points, :math:`\tilde p(1-\tilde p)/n` with :math:`\tilde p = (k + 1/2)/(n + 1)`, through the
interpolation; the interpolation's own bias, of order the curvature times the squared spacing, is not included).
:math:`t_{basin}` is the time of that noise level, and the **basin radius** is :math:`r_{basin}` itself (the noise
std that the attractor survives with probability 0.9). For a planar boundary at distance h,
:math:`h = z_{0.9}\, r_{basin}`, :math:`z_{0.9} = \Phi^{-1}(0.9) = 1.2816`.

Theory (derived here)
---------------------
*Two memories* at :math:`\pm(D/2)e`, :math:`\beta D^2/2 > 1`: the minima sit at :math:`\pm h e`, :math:`h = (D/2)u`,
:math:`u = \tanh(\beta D^2 u/2)` (:func:`~amphase.theory.lse_landscape.pair_minima`). The energy is symmetric under
the reflection through the bisector plane, so (i) the fixed-point step :math:`m(x) = w_+\xi^+ + w_-\xi^-` keeps
:math:`x` on its side (:math:`w_+ > w_-` iff :math:`x_e > 0`) and the descent's basin of each minimum is exactly its
half-space; (ii) the probability-flow ODE, whose velocity is reflection-equivariant, keeps the bisector invariant,
and one Heun step keeps :math:`x_e > 0`: in VE, :math:`x' = x + \lambda_0(m_0 - x)/2 + \lambda_1(m(\tilde x) -
\tilde x)/2` with :math:`\lambda = h/(2t)` puts non-negative weights :math:`\tfrac12 + \tfrac12(1-\lambda_0)
(1-\lambda_1)`, :math:`\tfrac12\lambda_0(1-\lambda_1)`, :math:`\tfrac12\lambda_1` on :math:`x_e, m_{0,e},
m_{1,e} > 0` whenever :math:`\lambda_0, \lambda_1 \le 1` (log steps with ratio :math:`\ge 1/3`). Hence, with
``sampler="ode"`` (or for :math:`t \le t_\beta`), noise then denoise returns iff the noise keeps the point on the
attractor's side:

.. math::

    P_{return}(r) = \Phi(h/r), \qquad r_{basin} = h / \Phi^{-1}(0.9)

(:func:`pair_return_probability`, :func:`pair_basin_noise`), and the basin radius at small noise is the distance h
from the minimum to the saddle, :math:`\to D/2` for :math:`\beta D^2 \gg 1`. (The reverse SDE adds noise of its own
and does not obey this.)

*The reverse SDE run to t = 0* (``stop="zero"``, memorized attractors): it ends on training point :math:`\mu` with
the posterior probability :math:`w_\mu(x_t)`, so :math:`P_{return}(r) = E_z[w_a(s_t a + \sigma_t z)]` for any K
(:func:`posterior_return_probability`); for two memories
:math:`E_z[\mathrm{logistic}(D^2/(2r^2) + (D/r) z)]`.

*Isolated memories* (every neighbour far beyond :math:`\sqrt{2/\beta}`): the LSE basins tend to the Voronoi cells of
the training points; :func:`voronoi_probability` estimates :math:`P(a + r z \in \mathrm{cell}(a))` by Monte Carlo (exact
for the pair: the half-space), and :func:`pair_prediction` averages :math:`\Phi(h_a/r)` over attractors with
:math:`h_a` from each memory's nearest neighbour alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm

from amphase.analysis.diffusion.attractors import find_attractors
from amphase.analysis.diffusion.classify import data_scale, nearest
from amphase.errors import ParameterError
from amphase.simulate.diffusion.samplers import SAMPLERS, denoise_from, descend, noise_to
from amphase.simulate.diffusion.schedules import Schedule
from amphase.simulate.diffusion.score import ExactScore
from amphase.simulate.seeding import child_seed
from amphase.theory.lse_landscape import OWN_WEIGHT, pair_minima

__all__ = [
    "KINDS",
    "P_CRIT",
    "STATUS",
    "STOPS",
    "BasinAttractors",
    "Crossing",
    "ReturnTrials",
    "VoronoiMC",
    "basin_attractors",
    "critical_noise",
    "curve_crossing",
    "pair_basin_noise",
    "pair_energy",
    "pair_prediction",
    "pair_return_probability",
    "posterior_return_probability",
    "relative_energies",
    "return_probability",
    "return_trials",
    "time_at_noise",
    "voronoi_probability",
]

#: attractor kinds, by code.
KINDS = ("memorized", "spurious")

#: the return probability that defines the basin.
P_CRIT = 0.9

#: where :func:`return_trials` stops denoising.
STOPS = ("beta", "zero")

#: outcome of :func:`critical_noise`, by code.
STATUS = ("found", "below grid", "above grid", "no trials")


def _positive(name: str, v: Any) -> float:
    v = float(v)
    if not (v > 0 and math.isfinite(v)):
        raise ParameterError(f"{name}={v!r}: a finite number > 0")
    return v


def _whole(name: str, v: Any, lower: int = 1) -> int:
    if isinstance(v, bool) or int(v) != v or int(v) < lower:
        raise ParameterError(f"{name}={v!r}: a whole number >= {lower}")
    return int(v)


def _levels(levels: Any) -> np.ndarray:
    r = np.asarray(levels, dtype=float)
    if r.ndim != 1 or r.size < 1 or not np.all(np.isfinite(r)) or not np.all(r > 0):
        raise ParameterError(f"noise levels {levels!r}: a 1-d array of finite numbers > 0")
    if r.size > 1 and not np.all(np.diff(r) > 0):
        raise ParameterError("noise levels must increase strictly")
    return r


def _p_crit(p: float) -> float:
    p = float(p)
    if not 0.0 < p < 1.0:
        raise ParameterError(f"p_crit={p!r}: must lie in (0, 1)")
    return p


def time_at_noise(schedule: Schedule, noise: float) -> float:
    r"""The time t where the data-space noise std :math:`\sigma_t/s_t` equals ``noise``.

    VE: :math:`\sigma_t = r`; VP: :math:`\sigma_t^2/s_t^2 = (1-\bar\alpha)/\bar\alpha = r^2` gives
    :math:`\sigma_t^2 = r^2/(1 + r^2)`.
    """
    r = _positive("noise", noise)
    var = r * r if schedule.kind == "ve" else r * r / (1.0 + r * r)
    return schedule.time_at_variance(var)


# ---------------------------------------------------------------------------------------------- statistics


def return_probability(returned: Any, trials: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(p, low, high)``: the fraction ``returned/trials`` and its Wilson interval (z = 1); NaN where no trials."""
    k = np.asarray(returned, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ParameterError("returned must lie in [0, trials]")
    from amphase.analysis.statistics import wilson_interval

    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
    lo, hi = wilson_interval(k, n)
    return p, lo, hi


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


# ---------------------------------------------------------------------------------------------- theory


def pair_return_probability(h: Any, noise: Any) -> Any:
    r""":math:`\Phi(h/r)`: the chance that isotropic noise of std r leaves a point on its side of a plane at distance h.

    Exact for noise-then-denoise of a minimum of two memories with the ODE sampler (module docstring, derived here).
    """
    return norm.cdf(np.asarray(h, dtype=float) / np.asarray(noise, dtype=float))


def pair_basin_noise(D: float, beta: float, p_crit: float = P_CRIT) -> float:
    r""":math:`r_{basin} = h/\Phi^{-1}(p_c)`, :math:`h = (D/2)u` the pair minimum (derived here); NaN if merged.

    ``D`` and ``beta`` in data units (VE: the model's beta; VP: :math:`\beta s^2`).
    """
    D, beta, p_c = _positive("D", D), _positive("beta", beta), _p_crit(p_crit)
    h = pair_minima(D, beta).x
    return h / float(norm.ppf(p_c)) if h > 0 else math.nan


def pair_prediction(h: Any, levels: Any) -> np.ndarray:
    r"""The mean over attractors of :math:`\Phi(h_a/r)` at each level: (L,); NaN where there is no attractor."""
    h = np.asarray(h, dtype=float).ravel()
    r = _levels(levels)
    if h.size == 0:
        return np.full(r.shape, np.nan)
    return pair_return_probability(h[:, None], r[None, :]).mean(axis=0)


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


# ---------------------------------------------------------------------------------------------- attractors


@dataclass
class BasinAttractors:
    r"""The stable attractors at :math:`\beta` with their kind, energy and line saddle (module docstring).

    Attributes
    ----------
    x : (n, d)
        Attractors in data space.
    kind : (n,) int8
        Index into :data:`KINDS`.
    own_weight : (n,)
        Largest softmax weight of one training point there.
    nearest_train : (n,) int
        That training point.
    d_train : (n,)
        Distance to the nearest training point (data units).
    energy, relative_energy, ground_energy : (n,)
        :math:`E_\beta` in data units, :math:`\Delta E` above the lowest memorized attractor (NaN if none is
        memorized) and the energy above the lowest attractor (module docstring).
    line_radius, barrier : (n,)
        Distance to, and energy rise of, the maximum of E on the segment to the nearest other attractor (NaN if alone).
    t_stop, beta, scale : float
        The stop, its inverse temperature, and the data scale of the training points.
    n_stalled : int
        Starts whose iteration did not converge.
    """

    x: np.ndarray
    kind: np.ndarray
    own_weight: np.ndarray
    nearest_train: np.ndarray
    d_train: np.ndarray
    energy: np.ndarray
    relative_energy: np.ndarray
    ground_energy: np.ndarray
    line_radius: np.ndarray
    barrier: np.ndarray
    t_stop: float
    beta: float
    scale: float
    n_stalled: int

    def count(self, kind: str) -> int:
        """Attractors of ``kind`` (memorized or spurious)."""
        return int((self.kind == KINDS.index(kind)).sum())


def relative_energies(energy: Any, memorized: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""(:math:`E - \min_{memorized} E`, NaN where none is memorized; :math:`E - \min E`)."""
    e = np.asarray(energy, dtype=float)
    m = np.asarray(memorized, dtype=bool)
    if e.shape != m.shape:
        raise ParameterError(f"energy {e.shape} and memorized {m.shape} must have the same shape")
    if e.size == 0:
        return e.copy(), e.copy()
    ref = e[m].min() if m.any() else np.nan
    return e - ref, e - e.min()


def pair_energy(D: float, beta: float) -> float:
    r"""Energy of the minimum of two memories at distance D, relative to an isolated memory (0), derived here.

    :math:`E(x) = -\beta^{-1}\ln(e^{-\beta(x - D/2)^2} + e^{-\beta(x + D/2)^2})` at the minimum
    :math:`x = (D/2)u` (:func:`~amphase.theory.lse_landscape.pair_minima`); merged (:math:`\beta D^2 \le 2`,
    :math:`x = 0`): :math:`D^2/4 - \beta^{-1}\ln 2` exactly.
    """
    D, beta = _positive("D", D), _positive("beta", beta)
    x = pair_minima(D, beta).x
    return float(-np.logaddexp(-beta * (x - D / 2) ** 2, -beta * (x + D / 2) ** 2) / beta)


def _line_saddles(energy: Callable[[np.ndarray], np.ndarray], x: np.ndarray, n_points: int) -> tuple[Any, Any]:
    n = len(x)
    rad = np.full(n, np.nan)
    bar = np.full(n, np.nan)
    if n < 2:
        return rad, bar
    _, j = nearest(x, x, exclude_self=True)
    lam = np.linspace(0.0, 1.0, n_points)
    for i in range(n):
        seg = x[i][None, :] + lam[:, None] * (x[j[i]] - x[i])[None, :]
        e = energy(seg)
        k = int(np.argmax(e))
        rad[i] = lam[k] * float(np.linalg.norm(x[j[i]] - x[i]))
        bar[i] = float(e[k] - e[0])
    return rad, bar


def basin_attractors(
    score: ExactScore,
    beta: float,
    starts: Any,
    *,
    own_weight: float = OWN_WEIGHT,
    tol: float = 1e-9,
    max_steps: int = 5000,
    merge: float = 1e-3,
    line_points: int = 257,
) -> BasinAttractors:
    r"""Stable attractors of the exact score at :math:`\beta` reached from ``starts`` (n, d, data space), classified.

    ``tol`` and ``merge`` are in units of the training points' data scale (:func:`find_attractors`).
    """
    if not isinstance(score, ExactScore):
        raise ParameterError("basin_attractors needs the exact score (an ExactScore): its energy is the LSE energy")
    beta = _positive("beta", beta)
    if not 0.5 <= float(own_weight) < 1.0:
        raise ParameterError(f"own_weight={own_weight!r}: must lie in [0.5, 1)")
    line_points = _whole("line_points", line_points, 3)
    sch = score.schedule
    t_b = sch.time_at_beta(beta)
    data = np.asarray(score.data, dtype=np.float64)
    att = find_attractors(score, sch, t_b, starts, data, tol=tol, max_steps=max_steps, merge=merge)
    keep = att.is_attractor
    x = att.x[keep]
    s = float(sch.scale(t_b))
    en = score.energy_at(t_b)
    if len(x):
        w = np.asarray(en.weights(s * x))
        top = w.max(axis=1)
        owner = w.argmax(axis=1)
        e = np.asarray(en.energy(s * x)) / (s * s)
    else:
        top, owner, e = np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0)
    memorized = top > own_weight
    rel, ground = relative_energies(e, memorized)
    rad, bar = _line_saddles(lambda y: np.asarray(en.energy(s * y)) / (s * s), x, line_points)
    return BasinAttractors(
        x=x,
        kind=np.where(memorized, 0, 1).astype(np.int8),
        own_weight=top,
        nearest_train=owner.astype(np.int64),
        d_train=att.d_train[keep] * att.scale,
        energy=e,
        relative_energy=rel,
        ground_energy=ground,
        line_radius=rad,
        barrier=bar,
        t_stop=t_b,
        beta=beta,
        scale=att.scale,
        n_stalled=len(att.stalled),
    )


# ---------------------------------------------------------------------------------------------- return trials


@dataclass
class ReturnTrials:
    """Counts of noise-then-denoise trials (module docstring), per tested attractor and noise level.

    Attributes
    ----------
    levels : (L,)
        Noise std in data units.
    times : (L,)
        The diffusion times of those levels.
    returned, trials, unconverged : (n, L) int
        Trials that returned, trials, and descents that did not meet the tolerance.
    """

    levels: np.ndarray
    times: np.ndarray
    returned: np.ndarray
    trials: np.ndarray
    unconverged: np.ndarray


def return_trials(
    score: ExactScore,
    beta: float,
    attractors: Any,
    levels: Any,
    n_noise: int,
    rng: np.random.SeedSequence,
    *,
    targets: Any = None,
    which: Any = None,
    sampler: str = "ode",
    steps: int = 20,
    stop: str = "beta",
    delta_r: float = 0.01,
    scale: float | None = None,
    tol: float = 1e-7,
    max_steps: int = 2000,
) -> ReturnTrials:
    r"""Noise each attractor ``n_noise`` times to each level, denoise back, count returns (module docstring).

    Parameters
    ----------
    score : ExactScore
    beta : float
        Inverse temperature of the stop (the attractors are minima of :math:`E_\beta`).
    attractors : (n, d)
        The attractors to test, data space.
    levels : (L,)
        Increasing noise stds in data units (:func:`time_at_noise`).
    n_noise : int
        Trials per attractor and level.
    rng : SeedSequence
        Level j uses the child stream ``(j,)`` (noise: ``(j, 0)``, sampler: ``(j, 1)``).
    targets, which
        All attractors found (m, d) and the index of each tested one among them (default: the tested set itself).
    sampler, steps
        Reverse sampler from t to the stop and its number of log-spaced steps.
    stop : {"beta", "zero"}
        ``"beta"``: sample to :math:`t_\beta` and descend (module docstring); ``"zero"``: sample to the schedule's
        ``t_min`` and take the denoiser there, :math:`\mathbb E[x_0 \mid x_{t_{min}}]` (for memorized attractors,
        with the training points as ``targets`` and each attractor's training point as ``which``).
    delta_r : float
        Return radius in units of ``scale`` (default: the training points' data scale).
    tol, max_steps
        Descent at :math:`\beta`.
    """
    if not isinstance(score, ExactScore):
        raise ParameterError("return_trials needs the exact score (an ExactScore)")
    beta = _positive("beta", beta)
    r = _levels(levels)
    n_noise = _whole("n_noise", n_noise)
    steps = _whole("steps", steps)
    max_steps = _whole("max_steps", max_steps)
    delta_r = _positive("delta_r", delta_r)
    tol = _positive("tol", tol)
    if sampler not in SAMPLERS:
        raise ParameterError(f"sampler={sampler!r}; allowed: {', '.join(SAMPLERS)}")
    if stop not in STOPS:
        raise ParameterError(f"stop={stop!r}; allowed: {', '.join(STOPS)}")
    if not isinstance(rng, np.random.SeedSequence):
        raise ParameterError("rng: a numpy.random.SeedSequence")
    a = np.asarray(attractors, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != score.d:
        raise ParameterError(f"attractors of shape {a.shape}: expected (n, {score.d})")
    tg = a if targets is None else np.asarray(targets, dtype=np.float64)
    wh = np.arange(len(a)) if which is None else np.asarray(which, dtype=np.int64)
    if tg.ndim != 2 or tg.shape[1] != score.d or wh.shape != (len(a),) or np.any(wh < 0) or np.any(wh >= len(tg)):
        raise ParameterError("targets (m, d) and which (n,) indices into them, one per tested attractor")
    ell = data_scale(np.asarray(score.data)) if scale is None else _positive("scale", scale)
    sch = score.schedule
    t_b = sch.time_at_beta(beta)
    s_b = float(sch.scale(t_b))
    times = np.array([time_at_noise(sch, v) for v in r])
    n, L = len(a), r.size
    returned = np.zeros((n, L), dtype=np.int64)
    unconv = np.zeros((n, L), dtype=np.int64)
    if n == 0:
        return ReturnTrials(r, times, returned, np.zeros((0, L), dtype=np.int64), unconv)
    x0 = np.repeat(a, n_noise, axis=0)
    owner = np.repeat(wh, n_noise)
    for j, t in enumerate(times):
        seed = child_seed(rng, j)
        if stop == "zero":
            if t > sch.t_min:
                xz = denoise_from(score, sch, x0, float(t), steps=steps, rng=seed, sampler=sampler)
                y = np.asarray(score.denoiser(xz, sch.t_min), dtype=np.float64)
            else:
                y = np.asarray(score.denoiser(noise_to(x0, sch, float(t), child_seed(seed, 0)), t), dtype=np.float64)
            dist, idx = nearest(y, tg)
            ok = (np.asarray(idx) == owner) & (np.asarray(dist) <= delta_r * ell)
            returned[:, j] = ok.reshape(n, n_noise).sum(axis=1)
            continue
        if t > t_b * (1 + 1e-12):
            xb = denoise_from(score, sch, x0, float(t), steps=steps, rng=seed, sampler=sampler, t_stop=t_b)
        else:
            xb = noise_to(x0, sch, float(t), child_seed(seed, 0)) * (s_b / float(sch.scale(t)))
        y, res = descend(score, np.asarray(xb, dtype=np.float64), t_b, tol=tol, max_steps=max_steps)
        y = np.asarray(y)
        dist, idx = nearest(y, tg)
        ok = (np.asarray(idx) == owner) & (np.asarray(dist) <= delta_r * ell)
        returned[:, j] = ok.reshape(n, n_noise).sum(axis=1)
        unconv[:, j] = (~np.asarray(res.converged)).reshape(n, n_noise).sum(axis=1)
    return ReturnTrials(r, times, returned, np.full((n, L), n_noise, dtype=np.int64), unconv)
