r"""The physical classes for any score (a trained network beside the exact one), with energies from line integrals.

For the exact score the energy at noise level :math:`\sigma_t` is the LSE energy and its barriers come from
:mod:`amphase.simulate.lse_paths`. A trained score :math:`S_\theta(x, t)` has no energy of its own; following Pham et
al. 2025 (arXiv:2505.21777) after Raya & Ambrogioni 2023 (NeurIPS, arXiv:2305.19693) its energy along a path is the
line integral of its score, :math:`E(x_i) - E(x_0) = -\beta_t^{-1}\int S_\theta\cdot dx` with
:math:`\beta_t = 1/(2\sigma_t^2)` (so that :math:`-\log p_t = \beta_t E_t` for the exact score), taken along the
minimum-energy path of the field :math:`g = -S_\theta/\beta_t` (:mod:`amphase.simulate.string_method`: the string
method needs only g). A network's score need not be a gradient, so this energy is a property of the path: the string
is the natural one, the path the dynamics follow.

:func:`score_classes` then applies the definitions of :mod:`amphase.simulate.lse_attractors` to the end points of
samples (noised coordinates): attractors by grouping end points within ``merge`` x the data scale
(:func:`amphase.simulate.lse_minima.merge_points`, the grouping of the one finder), minima where
every eigenvalue of :math:`2(I - J_F)` (central differences, :func:`~amphase.simulate.diffusion.attractors.
fixed_point_hessian`) has a positive real part; **owning weight** from the exact posterior of the training points at
the attractor (:math:`w_\mu`, the probability that an exact reverse process from there ends on :math:`\xi^\mu`: a
property of the place, the same for both scores); **barrier** the lowest, over the ``neighbours`` nearest attractors,
of the line-integral barrier from the attractor to the first maximum of the profile (the highest point of the
polyline around that image, by the line integral continued in fine steps, :func:`~amphase.simulate.string_method.
profile_top`); classes by :func:`amphase.simulate.lse_attractors.labels`.

Applied to the exact score, the line-integral barrier must equal the LSE barrier (gradient theorem): the identity that
checks the construction (:func:`exact_identity`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from amphase.simulate.diffusion.attractors import fixed_point_hessian
from amphase.simulate.lse import lse
from amphase.simulate.lse_attractors import class_counts, labels
from amphase.simulate.lse_minima import KINDS, kind_codes, merge_points
from amphase.simulate.lse_paths import neighbour_barriers
from amphase.simulate.string_method import line_integral, profile_barriers, profile_top, relax_strings

__all__ = ["ScoreClasses", "exact_identity", "field_barriers", "score_classes"]


def _host(a: Any) -> np.ndarray:
    return np.asarray(a.get() if hasattr(a, "get") else a, dtype=np.float64)


def field_barriers(
    grad: Callable[[np.ndarray], np.ndarray], minima: np.ndarray, *, neighbours: int = 4, images: int = 32,
    scale: float = 1.0, tol: float = 1e-7, max_iter: int = 3000,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Lowest line-integral barrier (n,) from each of ``minima`` (n, d) to its ``neighbours`` nearest, and which."""
    n = len(minima)
    barrier = np.full(n, np.inf)
    neigh = np.full(n, -1, dtype=np.int64)
    if n < 2:
        return barrier, neigh
    d2 = ((minima[:, None] - minima[None]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    near = np.argsort(d2, axis=1, kind="stable")[:, : min(neighbours, n - 1)]
    pairs = sorted({(min(i, int(j)), max(i, int(j))) for i in range(n) for j in near[i]})
    pi, pj = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    x, _ = relax_strings(grad, minima[pi], minima[pj], images=images, dt=0.5, tol=tol, max_iter=max_iter, scale=scale)
    e = line_integral(grad, x)
    pb = profile_barriers(e)
    P, M = e.shape
    for q in range(P):
        for i, j, first, end in ((pi[q], pj[q], pb.first_a[q], 0), (pj[q], pi[q], pb.first_b[q], M - 1)):
            top = profile_top(grad, x[q], e[q], int(first))
            bar = max(top - float(e[q, end]), 0.0)
            if bar < barrier[i]:
                barrier[i], neigh[i] = bar, int(j)
    return barrier, neigh


class ScoreClasses(NamedTuple):
    """Attractors of a score's end points and their physical classes (noised coordinates, host arrays)."""

    x: np.ndarray  # (n, d)
    basin: np.ndarray  # (n,)
    is_minimum: np.ndarray  # (n,) bool
    own_weight: np.ndarray  # (n,)
    owner: np.ndarray  # (n,)
    beta_barrier: np.ndarray  # (n,)
    label: np.ndarray  # (n,) at the central thresholds
    sample_counts: np.ndarray  # (3, 3, 3) classes x owning threshold x isolation threshold
    attractor_counts: np.ndarray  # (3, 3, 3)


def score_classes(
    score: Callable[[Any, float], Any], schedule: Any, t: float, end_points: np.ndarray, points: np.ndarray, *,
    neighbours: int = 4, images: int = 32, merge: float = 1e-4,
) -> ScoreClasses:  # fmt: skip
    """The physical classes of ``end_points`` (data space, fixed points of ``score`` at ``t``); module docstring."""
    s = float(schedule.scale(t))
    beta = float(schedule.beta(t))
    exact = lse(beta, np.asarray(points, dtype=np.float64) * s)
    y = np.asarray(end_points, dtype=np.float64) * s
    reps, _, basin = merge_points(y, merge * exact.scale)  # the one finder's grouping; order of first end point
    x = y[reps]
    ev = np.linalg.eigvals(fixed_point_hessian(score, schedule, t, x / s, h=1e-5 * exact.scale)).real
    is_min = kind_codes(ev.min(axis=1), 0.0) == KINDS.index("minimum")  # every eigenvalue's real part > 0
    st = exact.stats(x, top=1)
    w, owner = _host(st.top_weight)[:, 0], _host(st.top_index)[:, 0].astype(np.int64)

    def grad(q: np.ndarray) -> np.ndarray:
        return -_host(score(q, t)) / beta

    barrier = np.zeros(len(x))
    mins = np.nonzero(is_min)[0]
    if len(mins):
        barrier[mins], _ = field_barriers(grad, x[mins], neighbours=neighbours, images=images, scale=exact.scale)
    bb = beta * barrier
    sc, ac = class_counts(w, bb, basin)
    return ScoreClasses(x, basin, is_min, w, owner, bb, labels(w, bb), sc, ac)


def exact_identity(score: Any, t: float, minima: np.ndarray, *, neighbours: int = 4, images: int = 32) -> dict:
    """The line integral of the exact score against the exact energy, at ``minima`` (noised coordinates).

    Returns ``profile_error``: the largest |line integral of -S/beta_t from the first image - (E(x_i) - E(x_0))| over
    every image of the strings between neighbouring minima, relative to the energy range along them (the gradient
    theorem: zero up to the quadrature); ``barriers`` (n, 2): beta_t x the lowest barrier by the line-integral profile
    (its highest point along the polyline) and by the exact energy at the refined saddle
    (:func:`amphase.simulate.lse_paths.neighbour_barriers`), which differ by the profile's sampling only.
    """
    energy = score.energy_at(t)
    beta = energy.beta

    def grad(q: np.ndarray) -> np.ndarray:
        return -_host(score(q, t)) / beta

    n = len(minima)
    d2 = ((minima[:, None] - minima[None]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    j = np.argsort(d2, axis=1)[:, 0]
    x, _ = relax_strings(grad, minima, minima[j], images=images, dt=0.5, tol=1e-7, max_iter=3000, scale=energy.scale)
    prof = line_integral(grad, x)
    e = _host(energy.energy(x.reshape(-1, x.shape[-1]))).reshape(n, -1)
    err = float(np.abs(prof - (e - e[:, :1])).max() / np.ptp(e))
    li, _ = field_barriers(grad, minima, neighbours=neighbours, images=images, scale=energy.scale)
    ex = neighbour_barriers(energy.memories, beta, minima, neighbours=neighbours, images=images, energy=energy)
    return {"profile_error": err, "barriers": np.stack([beta * li, beta * ex.barrier], axis=1)}
