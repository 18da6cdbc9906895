r"""The string method for any gradient field, and energy profiles by the line integral along a string.

The pieces of :mod:`amphase.simulate.lse_paths` that need only a gradient :math:`g(x) = \nabla E(x)`: for the
log-sum-exp energy it is exact, for a trained score network at noise level :math:`\sigma_t` it is
:math:`g = -S(x, t)/\beta_t = -2\sigma_t^2 S(x, t)` (since :math:`-\log p_t = \beta_t E_t + \text{const}`), which need
not be a gradient at all.

* :func:`relax_strings` — the simplified string method (E, Ren & Vanden-Eijnden, J. Chem. Phys. 126, 164103 (2007)):
  images on the straight segment between fixed ends, each step :math:`x_i \leftarrow x_i - \Delta t\, g(x_i)` (capped
  at half the mean image spacing), then redistributed at equal arc length along the piecewise-linear string, until no
  image moves by more than ``tol`` times ``scale`` in one iteration.
* :func:`line_integral` — :math:`E(x_i) - E(x_0) = \int g\cdot dx` along the piecewise-linear string, by
  ``nodes``-point Gauss–Legendre quadrature on every segment. For a true gradient this is an identity (the gradient
  theorem holds on any path, the polyline included): the only error is the quadrature's, :math:`O(h^{2\,nodes})` for
  segment length h. For a field that is not a gradient it is *the* energy along that path, the construction Pham et
  al. 2025 use for a trained network after Raya & Ambrogioni 2023 (NeurIPS, arXiv:2305.19693).
* :func:`profile_barriers` — from an energy profile along each string: its interior local maxima (two maxima whose
  dip between them is within ``etol`` count as one), the first from each end (the barrier to the nearest attractor
  along the path) and the lowest image past it (the minimum across it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = [
    "ProfileBarriers",
    "line_integral",
    "profile_barriers",
    "profile_maxima",
    "profile_top",
    "relax_strings",
    "reparametrize",
    "tangents",
    "vertex",
]  # fmt: skip

Gradient = Callable[[np.ndarray], np.ndarray]


def reparametrize(x: np.ndarray) -> np.ndarray:
    """Images (P, M, d) redistributed at equal arc length along each piecewise-linear string (ends kept)."""
    P, M, _ = x.shape
    seg = np.sqrt(((x[:, 1:] - x[:, :-1]) ** 2).sum(-1))
    s = np.concatenate([np.zeros((P, 1)), np.cumsum(seg, axis=1)], axis=1)
    total = np.where(s[:, -1] > 0, s[:, -1], 1.0)
    s /= total[:, None]
    u = np.linspace(0.0, 1.0, M)
    j = np.clip((s[:, None, :] <= u[None, :, None]).sum(-1) - 1, 0, M - 2)  # (P, M): segment of each target
    s0 = np.take_along_axis(s, j, axis=1)
    s1 = np.take_along_axis(s, j + 1, axis=1)
    f = np.where(s1 > s0, (u[None] - s0) / np.where(s1 > s0, s1 - s0, 1.0), 0.0)
    x0 = np.take_along_axis(x, j[:, :, None], axis=1)
    x1 = np.take_along_axis(x, j[:, :, None] + 1, axis=1)
    out = x0 + f[:, :, None] * (x1 - x0)
    out[:, 0], out[:, -1] = x[:, 0], x[:, -1]
    return out


def tangents(x: np.ndarray) -> np.ndarray:
    """Unit tangents (P, M - 2, d) at the interior images, by central differences."""
    t = x[:, 2:] - x[:, :-2]
    n = np.sqrt((t * t).sum(-1, keepdims=True))
    return t / np.where(n > 0, n, 1.0)


def _apply(grad: Gradient, x: np.ndarray) -> np.ndarray:
    return np.asarray(grad(x.reshape(-1, x.shape[-1])), dtype=np.float64).reshape(x.shape)


def relax_strings(
    grad: Gradient, a: np.ndarray, b: np.ndarray, *, images: int, dt: float, tol: float, max_iter: int, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Strings (P, M, d) from each row of ``a`` to the same row of ``b``, relaxed in ``grad`` (module docstring).

    Returns the images and, per string, whether it met the tolerance.
    """
    P, M = len(a), int(images)
    u = np.linspace(0.0, 1.0, M)
    x = a[:, None, :] + u[None, :, None] * (b - a)[:, None, :]
    done = np.zeros(P, dtype=bool)
    thr = tol * scale
    for _ in range(max_iter):
        act = np.nonzero(~done)[0]
        if act.size == 0:
            break
        xa = x[act]
        step = dt * _apply(grad, xa[:, 1:-1])  # the full gradient: redistribution undoes its tangential part
        spacing = np.sqrt(((xa[:, -1] - xa[:, 0]) ** 2).sum(-1)) / (M - 1)
        length = np.sqrt(((xa[:, 1:] - xa[:, :-1]) ** 2).sum(-1)).sum(-1) / (M - 1)
        cap = 0.5 * np.maximum(spacing, length)[:, None, None]
        norm = np.sqrt((step * step).sum(-1, keepdims=True))
        step *= np.minimum(1.0, cap / np.where(norm > 0, norm, 1.0))
        new = xa.copy()
        new[:, 1:-1] -= step
        new = reparametrize(new)
        move = np.sqrt(((new - xa) ** 2).sum(-1)).max(axis=1)
        x[act] = new
        done[act] = move <= thr
    return x, done


def line_integral(grad: Gradient, x: np.ndarray, *, nodes: int = 4) -> np.ndarray:
    r"""Cumulative :math:`\int_{x_0}^{x_i} g\cdot dx` along each piecewise-linear string (P, M, d) -> (P, M)."""
    z, wq = np.polynomial.legendre.leggauss(int(nodes))
    f = 0.5 * (z + 1.0)  # nodes on [0, 1]
    seg = x[:, 1:] - x[:, :-1]  # (P, M-1, d)
    pts = x[:, :-1, None, :] + f[None, None, :, None] * seg[:, :, None, :]  # (P, M-1, q, d)
    g = _apply(grad, pts)
    per = 0.5 * (g * seg[:, :, None, :]).sum(-1) @ wq  # (P, M-1)
    return np.concatenate([np.zeros((len(x), 1)), np.cumsum(per, axis=1)], axis=1)


def profile_top(grad: Gradient, x: np.ndarray, e: np.ndarray, k: int, *, sub: int = 32) -> float:
    """The highest energy on one string's polyline (x (M, d), profile e (M,)) between images k - 1 and k + 1.

    The two segments are cut into ``sub`` pieces each and the line integral continued from image k - 1 to every cut:
    the maximum of the profile along the polyline, not only at the images (a sharp pass between images is missed
    by the images alone).
    """
    M = len(e)
    if not 0 < k < M - 1:
        return float(e[k])
    f = np.linspace(0.0, 1.0, sub + 1)[1:]
    pts = np.concatenate([x[k - 1] + f[:, None] * (x[k] - x[k - 1]), x[k] + f[:, None] * (x[k + 1] - x[k])])
    poly = np.concatenate([x[k - 1 : k], pts])[None]
    return float(e[k - 1] + line_integral(grad, poly)[0].max())


def profile_maxima(e: np.ndarray, etol: float) -> list[int]:
    """Interior local maxima of a profile (M,); two maxima whose dip between them is within ``etol`` count as one."""
    out: list[int] = []
    for i in range(1, len(e) - 1):
        if not (e[i] >= e[i - 1] and e[i] > e[i + 1]):
            continue
        if out and min(e[out[-1]], e[i]) - e[out[-1] : i + 1].min() <= etol:  # no real minimum between: keep the higher
            if e[i] > e[out[-1]]:
                out[-1] = i
            continue
        out.append(i)
    return out


class ProfileBarriers(NamedTuple):
    """What an energy profile says about the path's ends (per string; image indices, host arrays)."""

    maxima: list[list[int]]  # interior local maxima of each profile
    first_a: np.ndarray  # (P,) int: the first maximum from a (the higher end when there is none)
    first_b: np.ndarray  # (P,) int: the first maximum from b
    across_a: np.ndarray  # (P,) int: the lowest image between first_a and the next maximum (or b)
    across_b: np.ndarray  # (P,) int: the same from b


def profile_barriers(e: np.ndarray, *, etol: float | None = None) -> ProfileBarriers:
    """Maxima of each profile (P, M) and the first saddle and the minimum across it, seen from each end."""
    P, M = e.shape
    if etol is None:
        etol = 1e-12 * max(1.0, float(np.abs(e).max())) if e.size else 0.0
    maxima = [profile_maxima(e[p], etol) for p in range(P)]
    fa, fb, xa, xb = (np.zeros(P, dtype=np.int64) for _ in range(4))
    for p, ms in enumerate(maxima):
        if not ms:  # monotone: the higher end slides to the lower one
            hi = 0 if e[p, 0] >= e[p, -1] else M - 1
            fa[p] = fb[p] = hi
            xa[p], xb[p] = M - 1, 0
            continue
        fa[p], fb[p] = ms[0], ms[-1]
        nxt = ms[1] if len(ms) > 1 else M - 1
        prv = ms[-2] if len(ms) > 1 else 0
        xa[p] = ms[0] + int(np.argmin(e[p, ms[0] : nxt + 1]))
        xb[p] = prv + int(np.argmin(e[p, prv : ms[-1] + 1]))
    return ProfileBarriers(maxima, fa, fb, xa, xb)


def vertex(x: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top of the parabola through three images (x (n, 3, d), energies (n, 3)): position and energy.

    The position is interpolated quadratically along the string.
    """
    curv = e[:, 2] - 2 * e[:, 1] + e[:, 0]
    u = np.clip(np.where(curv < 0, (e[:, 0] - e[:, 2]) / (2 * np.where(curv < 0, curv, -1.0)), 0.0), -1.0, 1.0)
    top = e[:, 1] + 0.5 * (e[:, 2] - e[:, 0]) * u + 0.5 * curv * u * u
    u = u[:, None]
    pos = x[:, 1] + 0.5 * (x[:, 2] - x[:, 0]) * u + 0.5 * (x[:, 2] - 2 * x[:, 1] + x[:, 0]) * u * u
    return pos, top
