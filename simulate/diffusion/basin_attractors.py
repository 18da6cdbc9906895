r"""Attractors of the exact score at the stop of sampling, classified by ownership, with energies and line saddles.

The first step of the ``diffusion.basins`` protocol (:mod:`amphase.simulate.diffusion.basins`); the noise-then-
denoise trials are in :mod:`amphase.simulate.diffusion.return_trials`, the crossing of their return probability and the
Monte-Carlo predictions in :mod:`amphase.simulate.diffusion.basin_noise`, the closed forms for two memories in
:mod:`amphase.theory.diffusion.basins`. Everything here is derived in this project (no published constants are used);
the energy, its minima and the exact two-point landscape come from :mod:`amphase.theory.lse_landscape`.

Attractors at :math:`\beta`
---------------------------
The attractors are the minima of the LSE energy :math:`E_\beta` at the stop of sampling, :math:`\beta =
1/(2\sigma_{t_\beta}^2)`, with memories :math:`s\xi^\mu` (:meth:`~amphase.simulate.diffusion.score.ExactScore.
energy_at`). :func:`basin_attractors` finds them from given starts (:func:`~amphase.simulate.diffusion.attractors.
find_attractors`: denoiser iteration, Hessian, deduplication) and keeps the stable ones. An attractor is
**memorized** when one training point carries more than ``own_weight`` of the softmax weight there (default
:data:`~amphase.theory.lse_merging.OWN_WEIGHT` = 0.6, the project's rule for a memory's own minimum), else
**spurious**. (A distance rule would call a training point's own minimum spurious as soon as neighbours pull it in
by more than the threshold; the weight rule does not.)

Relative energy: :math:`\Delta E(a) = E(a) - \min_{b\ \mathrm{memorized}} E(b)`, in data units (the energy of the
noised coordinates divided by :math:`s^2`, which for VE is 1); NaN where no attractor is memorized. Beside it the
energy above the lowest attractor found, :math:`E(a) - \min_b E(b)`, always defined. Symmetric memories have
:math:`\Delta E = 0` exactly. Reference (derived here): two memories at distance :math:`D < \sqrt{2/\beta}` merge
into one minimum at their midpoint of energy :math:`D^2/4 - \beta^{-1}\ln 2`, against 0 at an isolated memory
(:func:`~amphase.theory.diffusion.basins.pair_energy`): a merged pair lies :math:`\beta^{-1}\ln 2` below a lone
memory as :math:`D \to 0`.

Line saddle: along the segment from an attractor to its nearest other attractor, the maximum of :math:`E` (on a grid
of ``line_points`` points): ``line_radius`` is the distance from the attractor to it, ``barrier`` the energy rise.
For two memories this *is* the saddle (the midpoint) and ``line_radius`` is the half-distance between the minima;
in general the line maximum is an upper bound on the mountain pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.diffusion.attractors import find_attractors
from amphase.simulate.diffusion.schedules import Schedule
from amphase.simulate.diffusion.score import ExactScore
from amphase.simulate.neighbours import nearest
from amphase.theory.diffusion.basins import _positive
from amphase.theory.lse_merging import OWN_WEIGHT

__all__ = ["KINDS", "BasinAttractors", "basin_attractors", "relative_energies", "time_at_noise"]

#: attractor kinds, by code.
KINDS = ("memorized", "spurious")


def _whole(name: str, v: Any, lower: int = 1) -> int:
    if isinstance(v, bool) or int(v) != v or int(v) < lower:
        raise ParameterError(f"{name}={v!r}: a whole number >= {lower}")
    return int(v)


def time_at_noise(schedule: Schedule, noise: float) -> float:
    r"""The time t where the data-space noise std :math:`\sigma_t/s_t` equals ``noise``.

    VE: :math:`\sigma_t = r`; VP: :math:`\sigma_t^2/s_t^2 = (1-\bar\alpha)/\bar\alpha = r^2` gives
    :math:`\sigma_t^2 = r^2/(1 + r^2)`.
    """
    r = _positive("noise", noise)
    var = r * r if schedule.kind == "ve" else r * r / (1.0 + r * r)
    return schedule.time_at_variance(var)


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
