r"""Kernels of the collapse and cloning measurements of Biroli, Bonnaire, de Bortoli & Mézard 2024 (BBBM).

Plain arrays in, plain arrays out; the sweep-runner models are :mod:`amphase.simulate.diffusion.collapse` and
:mod:`amphase.simulate.diffusion.clones`, and the theory is in :mod:`amphase.theory.diffusion.regimes` (time
convention: the Ornstein-Uhlenbeck process :math:`x_t = e^{-t}a + \sqrt{\Delta_t}z`,
:func:`amphase.simulate.diffusion.schedules.ou`; every function here takes any
:class:`~amphase.simulate.diffusion.schedules.Schedule`).

Collapse (operational definitions, stated here)
-----------------------------------------------
A reverse trajectory :math:`x_{t_k}` is recorded on a decreasing time grid :math:`t_0 > t_1 > \dots > t_{T-1}`.
At each recorded time the posterior weight of training point :math:`\mu` is the softmax weight of the noised
empirical density, :math:`w_\mu(x_t) = e^{-\lVert x_t - s_t a^\mu\rVert^2/2\sigma_t^2} / \sum_\nu
e^{-\lVert x_t - s_t a^\nu\rVert^2/2\sigma_t^2}` (the weight of :math:`a^\mu` in the exact denoiser); the largest
weight belongs to the nearest scaled training point. The trajectory's *final point* :math:`\mu_f` is the nearest one
at the last recorded time. :func:`commitment` returns, per recorded time and trajectory, the index of the nearest
point and :math:`\log w_{\mu_f}`; :func:`commit_time` reads off the largest recorded time :math:`t_k` from which a
condition holds at every later (smaller) recorded time:

* ``nearest``: the nearest scaled training point is :math:`\mu_f` -- the definition of BBBM's public code
  (``src/Experiment_collapse.py``: the last change of the nearest neighbour of :math:`x_t` among the scaled training
  images along the saved times; per trajectory, then averaged);
* ``weight``: :math:`w_{\mu_f} >` ``threshold`` (0.5 by default; stricter than ``nearest``).

``nearest`` gives the recorded time itself, as BBBM's code does (an upward bias of at most one grid step);
``weight`` interpolates :math:`\log w_{\mu_f}` linearly in t between that time and the preceding (larger) recorded
time, where the condition failed, to the time where it equals :math:`\log` ``threshold``. A condition that already
holds at :math:`t_0` gives :math:`t_0` (censored: the trajectory was committed from the start); one that fails at
the last time gives NaN.

Finite-d reference (derived here). For the exact score, the reverse SDE run from the exact marginal at
:math:`t_0` has the path law of the forward process read backwards (time reversal of a diffusion, B. D. O. Anderson,
Stoch. Proc. Appl. 12, 313 (1982)): pick :math:`\mu` uniformly, start at :math:`x_{t_{T-1}} = s\,a^\mu + \sigma z`
and step forward with the exact Gaussian transitions of the linear SDE,
:math:`x_{t'} = r\,x_t + \sqrt{\sigma_{t'}^2 - r^2\sigma_t^2}\;z`, :math:`r = s_{t'}/s_t` (:func:`forward_paths`).
The same :func:`commitment` on these paths gives the exact finite-:math:`d` distribution of either collapse time on
the same grid, without time-discretisation error: the difference from the Euler-Maruyama reverse trajectories
measures the sampler's error, the difference from the :math:`d\to\infty` formula
:math:`t_C = \tfrac12\log(1 + \sigma^2/(K^{2/d}-1))` is the finite-:math:`d` effect.

Clones (BBBM Fig. 2)
--------------------
:func:`clone_ends`: from states :math:`x_t` (B, d) of independent trajectories at time t, two clones each with
independent noise, both run by the reverse SDE to ``t_stop``; the model records whether the two end in the same class.

Clones with the exact empirical score (derived here). With the exact score of K training points
:math:`\xi^\mu` and an exact sampler, the reverse process from :math:`x_t` is the forward process read backwards
(Anderson 1982, as above), so it ends at (a noised copy of) training point :math:`\mu` with probability the posterior
weight :math:`w_\mu(x_t)`, and two clones with independent noise pick their points independently. Hence, with
:math:`W_c(x) = \sum_{\mu \in c} w_\mu(x)` the posterior weight of class c (the class of a training point: the sign
of its projection on :math:`\mathbf m`),

.. math::

    \phi_K(t) = \mathbb E_{x_t \sim P^e_t}\Big[\sum_c W_c(x_t)^2\Big], \qquad
    q_K(t) = \mathbb E_{x_t \sim P^e_t}\Big[\sum_\mu w_\mu(x_t)^2\Big] \le \phi_K(t),

:math:`q_K` being the probability that both clones end at the *same training point* (collapse). Both hold for one
fixed training set; :func:`clone_overlap` gives the two brackets per state, so a Monte Carlo average over exact draws
of :math:`P^e_t` is the finite-K reference of a clone measurement, free of time-step error. The population
:math:`\phi(t)` (``diffusion.clone_probability``) is the :math:`K \to \infty` limit, in which :math:`q_K \to 0`.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.backend import to_host
from amphase.simulate.diffusion.samplers import normal_source, reverse_sde
from amphase.simulate.diffusion.schedules import Schedule
from amphase.simulate.diffusion.score import array_module, exact_score
from amphase.simulate.lse import DEFAULT_TILE, lse_stats

__all__ = ["CONDITIONS", "Commitment", "clone_ends", "clone_overlap", "commit_time", "commitment", "forward_paths"]

#: the two collapse conditions of :func:`commit_time`.
CONDITIONS = ("nearest", "weight")


class Commitment(NamedTuple):
    r"""Per recorded time (decreasing) and trajectory: the nearest training point and the final point's log weight.

    Attributes
    ----------
    nearest : (T, B) int64
        Index of the nearest scaled training point (the largest posterior weight).
    log_weight : (T, B) float64
        :math:`\log w_{\mu_f}(x_{t_k})`, the log posterior weight of the final point.
    final : (B,) int64
        The final point :math:`\mu_f`, the nearest at the last recorded time.
    """

    nearest: np.ndarray
    log_weight: np.ndarray
    final: np.ndarray


def _check_path(path: Any, times: Any, data: Any) -> tuple[Any, np.ndarray]:
    xp = array_module(path)
    times = np.asarray(times, dtype=float)
    if path.ndim != 3 or data.ndim != 2 or path.shape[2] != data.shape[1]:
        raise ParameterError(f"path {path.shape} and data {data.shape}: (T, B, d) and (K, d) of the same d")
    if times.shape != (path.shape[0],) or times.size < 1 or np.any(np.diff(times) >= 0) or not times[-1] > 0:
        raise ParameterError("times: strictly decreasing, > 0, one per recorded state of the path")
    return xp, times


def commitment(path: Any, times: Any, data: Any, schedule: Schedule, *, tile: int = DEFAULT_TILE) -> Commitment:
    """Nearest training point and log weight of the final point along recorded trajectories (module docstring).

    Parameters
    ----------
    path : (T, B, d) array
        States at ``times`` (NumPy or CuPy; e.g. ``Trajectory.path`` or :func:`forward_paths`).
    times : (T,) array
        Strictly decreasing recorded times.
    data : (K, d) array
        Training points (on the path's array module).
    schedule : Schedule
        The forward process (its scale and noise variance at each time).
    tile : int
        Training points per tile of the streaming kernel.
    """
    xp, times = _check_path(path, times, data)
    a = xp.asarray(data, dtype=xp.float64)
    centre = a.mean(axis=0)
    ac = a - centre
    sq = xp.einsum("kd,kd->k", ac, ac)
    T, B = path.shape[:2]
    nearest = np.empty((T, B), dtype=np.int64)
    lse_k = []
    qs = []
    for k in range(T - 1, -1, -1):  # the last time first: it fixes the final point
        s, var = float(schedule.scale(times[k])), float(schedule.variance(times[k]))
        beta = 0.5 * s * s / var
        q = xp.asarray(path[k], dtype=xp.float64) / s - centre
        st = lse_stats(q, ac, beta, sq_norms=sq, tile=tile, top=1)
        nearest[k] = to_host(st.top_index[:, 0])
        lse_k.append((k, beta, st.lse))
        qs.append(q)
    final = nearest[T - 1].copy()
    af = ac[xp.asarray(final)]
    log_w = np.empty((T, B))
    for (k, beta, lse_val), q in zip(lse_k, qs, strict=True):
        diff = q - af
        log_w[k] = to_host(-beta * xp.einsum("bd,bd->b", diff, diff) - lse_val)
    return Commitment(nearest, np.minimum(log_w, 0.0), final)


def commit_time(c: Commitment, times: Any, condition: str = "weight", threshold: float = 0.5) -> np.ndarray:
    """Per trajectory, the largest recorded time from which ``condition`` holds at every later time (module doc).

    Returns (B,) float64; NaN where the condition fails at the last recorded time.
    """
    times = np.asarray(times, dtype=float)
    if condition not in CONDITIONS:
        raise ParameterError(f"condition={condition!r}; allowed: {', '.join(CONDITIONS)}")
    if not 0.0 < threshold < 1.0:
        raise ParameterError(f"threshold={threshold!r}: a weight in (0, 1)")
    if condition == "nearest":
        ok = c.nearest == c.final[None, :]
    else:
        ok = c.log_weight > math.log(threshold)
    held = np.logical_and.accumulate(ok[::-1], axis=0)[::-1]  # held[k]: ok at every j >= k
    first = held.argmax(axis=0)
    t = times[first]
    if condition == "weight":  # interpolate log w linearly in t between the last failing and the first held time
        cols = np.arange(first.size)
        prev = np.maximum(first - 1, 0)
        lw1, lw0 = c.log_weight[first, cols], c.log_weight[prev, cols]
        level = math.log(threshold)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.clip((lw1 - level) / (lw1 - lw0), 0.0, 1.0)
        t = np.where(first > 0, t + frac * (times[prev] - t), t)
    return np.where(held[-1], t, np.nan)


def forward_paths(data: Any, schedule: Schedule, times: Any, n_paths: int, rng: Any) -> tuple[Any, np.ndarray]:
    r"""Exact forward paths of the noised empirical density at decreasing ``times`` (module docstring).

    Returns the (T, B, d) path (on the data's array module, decreasing time like a recorded reverse trajectory) and
    the (B,) starting points :math:`\mu` (uniform). ``rng``: SeedSequence or Generator (one stream for all draws).
    """
    xp = array_module(data)
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size < 1 or np.any(np.diff(times) >= 0) or not times[-1] > 0:
        raise ParameterError("times: a strictly decreasing 1-D array of times > 0")
    if isinstance(n_paths, bool) or int(n_paths) != n_paths or n_paths < 1:
        raise ParameterError(f"n_paths={n_paths!r}: a whole number >= 1")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.Generator(np.random.PCG64(rng))
    normal = normal_source(gen, xp)
    a = xp.asarray(data, dtype=xp.float64)
    B, d = int(n_paths), a.shape[1]
    mu = gen.integers(0, a.shape[0], size=B)
    path = xp.empty((times.size, B, d), dtype=xp.float64)
    t = times[-1]
    x = float(schedule.scale(t)) * a[xp.asarray(mu)] + float(schedule.std(t)) * normal((B, d), np.float64)
    path[-1] = x
    for k in range(times.size - 2, -1, -1):
        t_next = times[k]
        r = float(schedule.scale(t_next)) / float(schedule.scale(t))
        var = float(schedule.variance(t_next)) - r * r * float(schedule.variance(t))
        x = r * x + math.sqrt(max(var, 0.0)) * normal((B, d), np.float64)
        path[k] = x
        t = t_next
    return path, mu


def clone_ends(
    score: Any, schedule: Schedule, x: Any, t: float, *, steps: int, rng: Any, t_stop: float | None = None
) -> tuple[Any, Any]:
    """Two clones of each state ``x`` (B, d) at time ``t``, run with independent noise to ``t_stop`` (reverse SDE).

    Returns the two (B, d) end arrays; clone pair i is row i of each.
    """
    x2 = array_module(x).concatenate([x, x])
    end = reverse_sde(score, schedule, x2, steps=steps, t_start=t, t_stop=t_stop, rng=rng)
    B = x.shape[0]
    return end[:B], end[B:]


def clone_overlap(data: Any, labels: Any, schedule: Schedule, x: Any, t: float, *, tile: int = DEFAULT_TILE
                  ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    r"""Per state: :math:`\sum_c W_c(x)^2` and :math:`\sum_\mu w_\mu(x)^2` at time t (module docstring).

    Parameters
    ----------
    data : (K, d) array
        Training points (NumPy or CuPy, as ``x``).
    labels : (K,) array
        Class of each training point (any values; points with equal labels form a class).
    schedule : Schedule
        The forward process.
    x : (B, d) array
        States at time ``t``.
    t : float
        Time (> 0).
    tile : int
        Training points per tile of the streaming kernel.

    Returns
    -------
    same_class, same_point : (B,) float64 arrays
        The probability that two clones of each state end in the same class, and at the same training point, for an
        exact sampler. :math:`W_c = e^{L_c - L}` with :math:`L_c` the log-sum-exp over the points of class c and L
        over all (streaming passes of :func:`~amphase.simulate.lse.lse_stats` through
        :meth:`~amphase.simulate.diffusion.score.ExactScore.log_density`); :math:`\sum_\mu w_\mu^2` is
        :meth:`~amphase.simulate.diffusion.score.ExactScore.inverse_participation`.
    """
    xp = array_module(data)
    labels = np.asarray(labels)
    if labels.shape != (data.shape[0],):
        raise ParameterError(f"labels of shape {labels.shape}: one per training point, ({data.shape[0]},)")
    full = exact_score(data, schedule, tile=tile, dtype="float64")
    log_all = full.log_density(x, t) + math.log(full.K)
    same_class = 0.0
    for c in np.unique(labels):
        idx = xp.asarray(np.flatnonzero(labels == c))
        part = exact_score(xp.asarray(data)[idx], schedule, tile=tile, dtype="float64")
        same_class = same_class + xp.exp(2.0 * (part.log_density(x, t) + math.log(part.K) - log_all))
    return to_host(xp.minimum(same_class, 1.0)), to_host(full.inverse_participation(x, t))
