r"""Attractors of any score at a finite noise level, found from many starts.

The same protocol serves the exact score of K training points and a trained network
(:class:`~amphase.simulate.diffusion.torch_score.TorchScore`), so their attractors can be compared point for point.

Fixed points at time t
----------------------
For the forward process :math:`x_t = s\,x_0 + \sigma_t\varepsilon`, Tweedie's formula makes the map

.. math::

    F(y) = y + \sigma_t^2\, S(y, t) = s\, D(y, t)

(S the score, D the denoiser) the fixed-point map of the noised density: for the exact score F is the LSE map
:math:`m(x)` with memories :math:`s\xi^\mu` at :math:`\beta_t = 1/(2\sigma_t^2)` (:mod:`amphase.simulate.lse`), whose
fixed points are the critical points of :math:`-\log p_t`. :func:`find_attractors` iterates
:math:`y \leftarrow y + \eta\,(F(y) - y)` (``step`` = :math:`\eta`; 1 is the denoiser iteration, which for the exact
score never raises the energy) from every start until :math:`\lVert F(y) - y\rVert \le` ``tol`` times the data scale,
at most ``max_steps`` steps. Starts that do not converge are counted and their end points kept (``stalled``): along a
ring of nearly flat minima the iteration crawls, and where they stall is itself the picture of a manifold.

Stability: the Jacobian of F by central differences (2d evaluations per point, step ``1e-5`` times the scale) gives
:math:`H = 2(I - J_F) = -2\sigma_t^2 J_S`, which for the exact score *is* the LSE Hessian
:math:`2I - 4\beta_t\operatorname{Cov}_w` (tested). A trained score need not be a gradient, so H need not be
symmetric; a fixed point is an **attractor** when every eigenvalue of H has real part above ``eig_tol`` (default
``1e-3``; eigenvalues are of order 2), a **saddle** when one is below ``-eig_tol``, **flat** otherwise.

Deduplication: converged end points within ``merge`` times the data scale (default ``1e-3``) are one fixed point
(single-linkage clusters, :func:`scipy.cluster.hierarchy.fcluster`); its representative is the member with the
smallest residual, its ``basin`` the number of starts that ended in it.

Where attractors sit
--------------------
Distances are in data space (:math:`y/s`) and in units of the data scale :math:`\ell`
(:func:`amphase.simulate.diffusion.classify.data_scale`; 1 for the unit circle). An attractor is **memorized** when
it lies within ``delta_m`` :math:`\ell` of a training point (default 0.05), **spurious** otherwise.

The comparison of a trained network's attractors with the exact ones is in
:mod:`amphase.analysis.diffusion.attractors`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from amphase.errors import ParameterError
from amphase.simulate.backend import to_host
from amphase.simulate.diffusion.classify import data_scale
from amphase.simulate.neighbours import nearest

__all__ = [
    "KINDS",
    "Attractors",
    "find_attractors",
    "fixed_point_hessian",
    "grid_starts",
    "iterate_fixed_points",
]

#: fixed-point kinds, by code.
KINDS = ("attractor", "saddle", "flat")


def _fmap(score: Callable[[Any, float], Any], schedule: Any, t: float) -> Callable[[np.ndarray], np.ndarray]:
    var = float(schedule.variance(t))

    def f(y: np.ndarray) -> np.ndarray:
        return y + var * to_host(score(y, t)).astype(np.float64)

    return f


def fixed_point_hessian(score: Callable[[Any, float], Any], schedule: Any, t: float, x: Any, *, h: float) -> np.ndarray:
    r""":math:`H = 2(I - J_F)` at data-space points ``x`` (n, d) by central differences of step ``h`` (noised space).

    Returns (n, d, d); for the exact score this is the LSE Hessian at :math:`\beta_t` with memories :math:`s\xi`.
    """
    f = _fmap(score, schedule, t)
    s = float(schedule.scale(t))
    y = s * np.asarray(x, dtype=np.float64)
    n, d = y.shape
    jac = np.empty((n, d, d))
    for j in range(d):
        e = np.zeros(d)
        e[j] = h
        jac[:, :, j] = (f(y + e) - f(y - e)) / (2 * h)
    return 2.0 * (np.eye(d)[None] - jac)


def _iterate(score: Callable[[Any, float], Any], schedule: Any, t: float, x0: np.ndarray, *, step: float, thr: float,
             max_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The damped fixed-point iteration of :func:`find_attractors` (data-space starts; residual in noised space)."""
    s = float(schedule.scale(t))
    f = _fmap(score, schedule, t)
    y = s * x0
    res = np.full(len(y), np.inf)
    active = np.arange(len(y))
    for _ in range(max_steps):
        if active.size == 0:
            break
        ya = y[active]
        delta = f(ya) - ya
        r = np.sqrt((delta * delta).sum(axis=1))
        res[active] = r
        done = r <= thr
        y[active[~done]] = ya[~done] + step * delta[~done]
        active = active[~done]
    if active.size:  # the residual at the final position
        delta = f(y[active]) - y[active]
        res[active] = np.sqrt((delta * delta).sum(axis=1))
    return y / s, res, res <= thr


def _check(t: float, max_steps: int, **positive: float) -> float:
    """Bad input of the iteration: ``t`` and every keyword finite and > 0, ``step`` in (0, 1], whole ``max_steps``."""
    t = float(t)
    if not (t > 0 and math.isfinite(t)):
        raise ParameterError(f"t={t!r}: a finite time > 0")
    for name, v in positive.items():
        if not (float(v) > 0 and math.isfinite(float(v))):
            raise ParameterError(f"{name}={v!r}: a finite number > 0")
    if not 0 < positive["step"] <= 1:
        raise ParameterError(f"step={positive['step']!r}: must lie in (0, 1]")
    if isinstance(max_steps, bool) or int(max_steps) != max_steps or max_steps < 1:
        raise ParameterError(f"max_steps={max_steps!r}: a whole number >= 1")
    return t


def iterate_fixed_points(
    score: Callable[[Any, float], Any],
    schedule: Any,
    t: float,
    x: Any,
    *,
    scale: float,
    step: float = 1.0,
    tol: float = 1e-7,
    max_steps: int = 5000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Iterate every point of ``x`` (n, d, data space) to a fixed point of :math:`F(y) = y + \sigma_t^2 S(y, t)`.

    The iteration of :func:`find_attractors` (module docstring), one end point per start and no deduplication: the
    descent of samples stopped at time t for *any* score (for the exact score it is the LSE map, as in the
    ``descend`` protocol of ``diffusion.exact``, :func:`amphase.simulate.diffusion.samplers.descend`). ``tol`` is
    in units of ``scale`` (the data scale).

    Returns
    -------
    (n, d), (n,), (n,) bool
        End points in data space (:math:`y/s`), final residuals :math:`\lVert F(y) - y\rVert` (noised space) and
        whether each met ``tol * scale * s``.
    """
    t = _check(t, max_steps, scale=scale, step=step, tol=tol)
    x0 = np.asarray(to_host(x), dtype=np.float64)
    if x0.ndim != 2 or len(x0) < 1:
        raise ParameterError(f"x of shape {x0.shape}: an (n, d) array with n >= 1")
    thr = float(tol) * float(scale) * float(schedule.scale(t))
    return _iterate(score, schedule, t, x0, step=float(step), thr=thr, max_steps=int(max_steps))


@dataclass
class Attractors:
    r"""Distinct fixed points of a score at time t (host arrays, data space), and where the starts went.

    Attributes
    ----------
    x : (n, d)
        Fixed points, sorted by basin (largest first).
    kind : (n,) int8
        Index into :data:`KINDS`.
    eigenvalues : (n, d) complex
        Eigenvalues of H (module docstring), by ascending real part.
    basin : (n,) int
        Starts that converged there.
    d_train : (n,)
        Distance to the nearest training point, in units of ``scale``.
    nearest_train : (n,) int
        Its index.
    memorized : (n,) bool
        ``d_train <= delta_m``.
    stalled : (m, d)
        End points of the starts that did not converge.
    n_starts : int
    t, scale, delta_m : float

    """

    x: np.ndarray
    kind: np.ndarray
    eigenvalues: np.ndarray
    basin: np.ndarray
    d_train: np.ndarray
    nearest_train: np.ndarray
    memorized: np.ndarray
    stalled: np.ndarray
    n_starts: int
    t: float
    scale: float
    delta_m: float

    @property
    def is_attractor(self) -> np.ndarray:
        """Mask of the stable fixed points."""
        return self.kind == KINDS.index("attractor")

    @property
    def n_attractors(self) -> int:
        """Number of stable fixed points."""
        return int(self.is_attractor.sum())

    @property
    def n_memorized(self) -> int:
        """Attractors on a training point."""
        return int((self.is_attractor & self.memorized).sum())

    @property
    def n_spurious(self) -> int:
        """Attractors on no training point."""
        return int((self.is_attractor & ~self.memorized).sum())


def grid_starts(lo: float, hi: float, n: int) -> np.ndarray:
    """An ``n x n`` grid of 2-d starts over ``[lo, hi]^2`` (the toy's window), (n², 2)."""
    if isinstance(n, bool) or int(n) != n or n < 1 or not lo < hi:
        raise ParameterError(f"grid_starts({lo}, {hi}, {n}): need lo < hi and a whole n >= 1")
    g = np.linspace(lo, hi, int(n))
    xx, yy = np.meshgrid(g, g, indexing="xy")
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def find_attractors(
    score: Callable[[Any, float], Any],
    schedule: Any,
    t: float,
    starts: Any,
    points: Any,
    *,
    step: float = 1.0,
    tol: float = 1e-7,
    max_steps: int = 5000,
    merge: float = 1e-3,
    eig_tol: float = 1e-3,
    delta_m: float = 0.05,
) -> Attractors:
    """Fixed points of ``score`` at time ``t`` reached from ``starts`` (n, d, data space); module docstring.

    ``points`` are the training points (K, d); ``tol``, ``merge`` and ``delta_m`` are in units of their data scale.
    """
    t = _check(t, max_steps, step=step, tol=tol, merge=merge, eig_tol=eig_tol, delta_m=delta_m)
    pts = np.asarray(to_host(points), dtype=np.float64)
    x0 = np.asarray(to_host(starts), dtype=np.float64)
    if x0.ndim != 2 or pts.ndim != 2 or x0.shape[1] != pts.shape[1] or len(x0) < 1:
        raise ParameterError(f"starts {x0.shape} and points {pts.shape}: two (n, d) arrays of the same d, n >= 1")
    ell = data_scale(pts)
    s = float(schedule.scale(t))
    xs, res, conv = _iterate(score, schedule, t, x0, step=float(step), thr=tol * ell * s, max_steps=int(max_steps))
    stalled = xs[~conv]
    xc, rc = xs[conv], res[conv]
    d = pts.shape[1]
    if len(xc) == 0:
        z = np.zeros(0)
        return Attractors(np.zeros((0, d)), z.astype(np.int8), np.zeros((0, d), complex), z.astype(np.int64), z,
                          z.astype(np.int64), z.astype(bool), stalled, len(x0), t, ell, float(delta_m))  # fmt: skip
    if len(xc) == 1:
        label = np.ones(1, dtype=np.int64)
    else:
        label = fcluster(linkage(xc, method="single"), t=merge * ell, criterion="distance")
    reps, basin = [], []
    for c in np.unique(label):
        members = np.nonzero(label == c)[0]
        reps.append(members[np.argmin(rc[members])])
        basin.append(len(members))
    order = np.argsort(-np.asarray(basin), kind="stable")
    rep = np.asarray(reps)[order]
    x = xc[rep]
    hess = fixed_point_hessian(score, schedule, t, x, h=1e-5 * ell * s)
    ev = np.linalg.eigvals(hess)
    ev = np.take_along_axis(ev, np.argsort(ev.real, axis=1), axis=1)
    lo = ev[:, 0].real
    kind = np.where(lo > eig_tol, 0, np.where(lo < -eig_tol, 1, 2)).astype(np.int8)
    dist, idx = nearest(x, pts)
    dist = to_host(dist) / ell
    return Attractors(
        x=x,
        kind=kind,
        eigenvalues=ev,
        basin=np.asarray(basin, dtype=np.int64)[order],
        d_train=dist,
        nearest_train=to_host(idx),
        memorized=dist <= delta_m,
        stalled=stalled,
        n_starts=len(x0),
        t=t,
        scale=ell,
        delta_m=float(delta_m),
    )
