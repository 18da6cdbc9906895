r"""The exact valley profile of the log-sum-exp energy of points on a circle: its minima and barriers (a measurement).

Points :math:`\xi^\mu = (\cos\theta_\mu, \sin\theta_\mu)` on the unit circle, :math:`x = r(\cos\phi, \sin\phi)`:

.. math::

    E(r, \phi) = r^2 + 1 - \beta^{-1}\ln\sum_\mu e^{2\beta r\cos(\phi - \theta_\mu)}, \qquad
    E_r = 2(r - \langle c\rangle_w), \quad E_{rr} = 2 - 4\beta\,\mathrm{Var}_w(c), \quad c_\mu = \cos(\phi-\theta_\mu).

The valley profile :math:`F(\phi) = \min_{r \ge 0} E(r, \phi)` is computed on ``M`` rays: a scan of ``scan`` radii in
:math:`[0, 1.05]` brackets the global minimum of each ray (a ray can hold two local minima in r where a dense
cluster and a nearer point compete), then safeguarded Newton steps on :math:`E_r` to ``1e-12``.

Why it is exact for the barriers: a local minimum of F at :math:`r^* > 0` with :math:`E_{rr} > 0` is a local minimum
of E (the Schur complement :math:`F'' = E_{\phi\phi} - E_{r\phi}^2/E_{rr}`), and conversely. Any path between two
neighbouring minima that avoids the origin crosses every ray between them, in particular the ray of the highest
point of F on that arc, where E is at least that value; the valley path attains it. So the lowest pass from a minimum
to a neighbour is :math:`\min(\max_{\text{left arc}} F, \max_{\text{right arc}} F) - F_{min}`. Paths through the
origin are included (a ray whose minimum is at :math:`r^* = 0` passes through it). Minima of F at :math:`r^* = 0`
(a flat stretch where every point lies behind the origin) are not minima of E and are dropped.

Accuracy: F on the rays is exact to ``1e-12``; the extrema are read on the grid, :math:`O((2\pi/M)^2 F'')` (below
``1e-4`` in :math:`\beta\Delta E` for ``M = 4096`` and :math:`\beta \le 40`). This module names no model family; it
is an independent check of the minimum-energy-path barriers and of the theory's fixed-radius profile
(:mod:`amphase.theory.lse_barriers`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from amphase.errors import ParameterError

__all__ = ["Valley", "ValleyMinima", "valley_minima", "valley_profile"]


class Valley(NamedTuple):
    """The valley profile on ``M`` rays."""

    phi: np.ndarray  # ray angles
    r: np.ndarray  # r*(phi), the radius of the valley
    F: np.ndarray  # E(r*, phi)
    Err: np.ndarray  # radial curvature there


def _moments(r: np.ndarray, c: np.ndarray, beta: float) -> tuple[np.ndarray, ...]:
    a = 2.0 * beta * r[:, None] * c
    top = a.max(axis=1, keepdims=True)
    w = np.exp(a - top)
    s = w.sum(axis=1)
    w /= s[:, None]
    m1 = (w * c).sum(axis=1)
    m2 = (w * c * c).sum(axis=1)
    E = r * r + 1.0 - (top[:, 0] + np.log(s)) / beta
    return E, 2.0 * (r - m1), 2.0 - 4.0 * beta * (m2 - m1 * m1)


def valley_profile(theta: np.ndarray, beta: float, M: int = 4096, scan: int = 40) -> Valley:
    r""":math:`F(\phi) = \min_{r\ge0} E(r, \phi)` on ``M`` equally spaced rays (see the module docstring)."""
    theta = np.asarray(theta, dtype=float).ravel()
    if not (len(theta) >= 1 and np.all(np.isfinite(theta))):
        raise ParameterError("theta: at least one finite angle")
    if not (0.0 < beta < 1e6 and M >= 8 and scan >= 4):
        raise ParameterError(f"beta={beta}, M={M}, scan={scan}: beta in (0, 1e6), M >= 8, scan >= 4")
    phi = 2.0 * math.pi * np.arange(M) / M
    c = np.cos(phi[:, None] - theta[None, :])
    radii = np.linspace(0.0, 1.05, scan)
    Es = np.stack([_moments(np.full(M, q), c, beta)[0] for q in radii], axis=1)
    r = radii[np.argmin(Es, axis=1)]
    lo = np.maximum(r - radii[1], 0.0)
    hi = r + radii[1]
    for _ in range(100):
        E, g, h = _moments(r, c, beta)
        step = np.where(h > 1e-3, g / np.maximum(h, 1e-3), 0.25 * g)
        new = np.clip(r - step, lo, hi)
        done = np.max(np.abs(new - r)) < 1e-12
        r = new
        if done:
            break
    E, g, h = _moments(r, c, beta)
    return Valley(phi, r, E, h)


class ValleyMinima(NamedTuple):
    """Minima of E on the valley: position, beta * lowest barrier to a neighbour, Hessian, and which neighbour."""

    x: np.ndarray  # (n, 2)
    energy: np.ndarray
    beta_barrier: np.ndarray  # inf for a single minimum
    neighbour: np.ndarray  # index (into x) of the minimum across the lowest pass; -1 if none
    hessian_eigenvalues: np.ndarray  # (n, 2), ascending, of 2I - 4 beta Cov_w at x


def valley_minima(theta: np.ndarray, beta: float, M: int = 4096, scan: int = 40) -> ValleyMinima:
    """Every minimum of E for points at angles ``theta`` on the unit circle, with its lowest barrier (exact; above)."""
    v = valley_profile(theta, beta, M, scan)
    F = v.F
    ismin = (F < np.roll(F, 1)) & (F <= np.roll(F, -1)) & (v.r > 1e-9) & (v.Err > 0)
    idx = np.nonzero(ismin)[0]
    n = len(idx)
    x = np.stack([v.r[idx] * np.cos(v.phi[idx]), v.r[idx] * np.sin(v.phi[idx])], axis=1)
    if n <= 1:
        bar, nb = np.full(n, np.inf), np.full(n, -1)
    else:
        Fe = np.concatenate([F, F])
        ends = np.append(idx[1:], idx[0] + M)
        arc = np.array([Fe[a : b + 1].max() for a, b in zip(idx, ends, strict=True)])  # arc i: from min i to i+1
        left = np.roll(arc, 1)
        bar = beta * (np.minimum(arc, left) - F[idx])
        nb = np.where(arc <= left, (np.arange(n) + 1) % n, (np.arange(n) - 1) % n)
    pts = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    eig = np.empty((n, 2))
    for i in range(n):
        d2 = ((pts - x[i]) ** 2).sum(axis=1)
        w = np.exp(-beta * (d2 - d2.min()))
        w /= w.sum()
        cdev = pts - w @ pts
        eig[i] = np.linalg.eigvalsh(2.0 * np.eye(2) - 4.0 * beta * (cdev.T * w) @ cdev)
    return ValleyMinima(x, F[idx], bar, nb, eig)
