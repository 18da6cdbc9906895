r"""The barrier law at finite K: Monte Carlo over the points of the landscape profile of :mod:`~.lse_barriers`.

Between the sparse and the dense limits of :mod:`amphase.theory.lse_barriers` (where the generalization onset lies)
the law of :math:`\beta\Delta E` has no closed form. It is evaluated here by drawing the K points, computing the
profile V exactly on a fine graph of the manifold, and reading minima, barriers and curvatures
(:func:`~amphase.theory.field_barriers.watershed_barriers`). What is approximated, and by how much:

* *the model*: on the circle and :math:`S^2` the profile at fixed radius R (approximation 1 of
  :mod:`~.lse_barriers`); the segment's profile is exact. Against the exact valley profile :math:`\min_r E` on the
  circle the fraction of minima below :math:`\beta\Delta E = 1` differs by less than 0.01 at K = 4-16, beta = 20
  (same point sets; checked in the tests at smaller sizes);
* *the grid*: spacing ``h`` in u; a minimum and a pass are each read within :math:`|\partial_u^2 V|h^2/8`
  (:math:`|\partial_u^2 V| \lesssim 2` near the threshold): below 1e-3 in :math:`\beta\Delta E` on curves
  (``h = 0.02``), about 1e-2 on :math:`S^2` (``h = 0.12``, the Fibonacci lattice's spacing);
* *Monte Carlo*: every summary comes with its standard error over the ``draws`` point sets. Point sets are nested
  in K (draw ``i`` uses the first K values of its own stream ``SeedSequence(seed).spawn(draws)[i]``), so curves
  in K and the onset search use common random numbers.

The tangential curvature of a minimum is the lowest eigenvalue of :math:`\nabla^2 E = 2I - 4\beta\,\mathrm{Cov}_w`
restricted to the manifold's tangent space, at the minimum's node (at radius R on a sphere), with the profile's
weights: it omits the radial coupling (second order) and reads the node, not the exact minimum (first order in h).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from amphase.theory import field_barriers as fb
from amphase.theory.lse_barriers import scaled_density

__all__ = ["BarrierSample", "Onset", "fraction_below", "median_barrier", "onset", "profile_minima", "sample_landscapes"]

MANIFOLDS = ("circle", "sphere", "line")

#: grid spacing in u on curves and on S^2.
H_CURVE, H_SPHERE = 0.02, 0.12


class BarrierSample(NamedTuple):
    """Minima of ``draws`` landscapes of K points: pooled per-minimum arrays and per-landscape counts."""

    K: int
    beta: float
    manifold: str
    nu: float  # points per unit u^n
    counts: np.ndarray  # minima per landscape
    barrier: np.ndarray  # beta * Delta E of every minimum (inf: no neighbour)
    curvature: np.ndarray  # lowest tangential Hessian eigenvalue of E there
    draw: np.ndarray  # landscape of each minimum


def _nodes(manifold: str, kappa: float, length: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Graph nodes (embedded coordinates: unit circle / sphere; the line's s) and their neighbours."""
    if manifold == "circle":
        M = math.ceil(2.0 * math.pi * math.sqrt(kappa / 2.0) / H_CURVE)
        t = 2.0 * math.pi * np.arange(M) / M
        return np.stack([np.cos(t), np.sin(t)], axis=1), fb.ring_graph(M)
    if manifold == "sphere":
        return fb.sphere_graph(math.ceil(2.0 * math.pi * kappa / H_SPHERE**2))
    margin = 1.0 / math.sqrt(beta)  # one u beyond the end points: no minimum lies outside the points
    M = math.ceil((length + 2 * margin) * math.sqrt(beta) / H_CURVE)
    return np.linspace(-margin, length + margin, M)[:, None], fb.path_graph(M)


def _points(rng: np.random.Generator, manifold: str, K: int, length: float) -> np.ndarray:
    if manifold == "circle":
        t = rng.uniform(0.0, 2.0 * math.pi, K)
        return np.stack([np.cos(t), np.sin(t)], axis=1)
    if manifold == "sphere":
        x = rng.standard_normal((K, 3))
        return x / np.linalg.norm(x, axis=1, keepdims=True)
    return rng.uniform(0.0, length, K)[:, None]


def _profile(nodes: np.ndarray, pts: np.ndarray, a: float) -> np.ndarray:
    """``V = -ln sum_mu exp(-a |node - point_mu|^2)`` on every node, for a batch ``pts`` (B, K, dim): (B, M).

    Exact log-sum-exp (the largest term factored out), chunked so that no temporary exceeds 4e6 numbers.
    """
    B, K, _ = pts.shape
    out = np.empty((B, len(nodes)))
    step = max(1, 4_000_000 // max(B * K, 1))
    p2 = (pts * pts).sum(axis=2)[:, None, :]
    for s in range(0, len(nodes), step):
        x = nodes[s : s + step]
        d2 = (x * x).sum(axis=1)[None, :, None] - 2.0 * np.einsum("md,bkd->bmk", x, pts) + p2
        z = -a * np.maximum(d2, 0.0)
        top = z.max(axis=2)
        out[:, s : s + step] = -(top + np.log(np.exp(z - top[:, :, None]).sum(axis=2)))
    return out


def _curvature(x: np.ndarray, pts: np.ndarray, beta: float, a: float, manifold: str) -> float:
    """Lowest eigenvalue of 2I - 4 beta Cov_w on the tangent space at node x (weights of the profile)."""
    d2 = ((pts - x) ** 2).sum(axis=1)
    w = np.exp(-a * (d2 - d2.min()))
    w /= w.sum()
    c = pts - w @ pts
    cov = (c.T * w) @ c
    if manifold == "line":
        return float(2.0 - 4.0 * beta * cov[0, 0])
    n = x / np.linalg.norm(x)
    T = np.linalg.eigh(np.eye(len(x)) - np.outer(n, n))[1][:, 1:]  # orthonormal tangent basis (eigenvalue 1)
    return float(np.linalg.eigvalsh(T.T @ (2.0 * np.eye(len(x)) - 4.0 * beta * cov) @ T)[0])


#: on the circle, above this many points per unit u the profile is summed as a Fourier series (see below).
FOURIER_NU = 2.0


def _ring_profile_fourier(M: int, pts: np.ndarray, kappa: float) -> np.ndarray:
    r"""The circle's profile on M equally spaced nodes from the Fourier series of its terms, for a batch (B, K, 2).

    :math:`S(\phi) = \sum_\mu e^{\kappa(\cos(\phi - \theta_\mu) - 1)}
    = \sum_m I_m(\kappa)e^{-\kappa} C_m e^{im\phi}`, :math:`C_m = \sum_\mu e^{-im\theta_\mu}` (the
    expansion of :func:`~amphase.theory.lse_circle_counts.ring_maxima_limit`), truncated where
    :math:`I_m/I_0 < 10^{-17}`. O(K m_max) per landscape instead of O(K M). Its absolute rounding, about
    :math:`10^{-16} K`, is harmless where S is nowhere small: used from :data:`FOURIER_NU` points per unit u on, where
    the relative fluctuation of S is below one half.
    """
    from scipy.special import ive

    m_max = int(10 + 12 * math.sqrt(kappa + 1.0))
    c = ive(np.arange(m_max + 1), kappa)
    c = c[: int(np.nonzero(c >= 1e-17 * c[0])[0].max()) + 1]
    theta = np.arctan2(pts[..., 1], pts[..., 0])
    z = np.exp(-1j * theta)
    coef = np.empty((len(pts), len(c)), dtype=complex)
    zm = np.ones_like(z)
    for m in range(len(c)):
        coef[:, m] = zm.sum(axis=1)
        zm *= z
    spec = np.zeros((len(pts), M // 2 + 1), dtype=complex)
    spec[:, : len(c)] = c * coef
    return -np.log(np.fft.irfft(spec * M, M, axis=1))


class _Grid(NamedTuple):
    nodes: np.ndarray
    nbr: np.ndarray
    a: float  # V = -ln sum exp(-a |node - point|^2)
    b: float  # beta of the (rescaled) energy
    R: float
    nu_per_point: float


def _grid(beta: float, manifold: str, scale: float) -> _Grid:
    if manifold not in MANIFOLDS:
        raise ValueError(f"manifold={manifold!r}: one of {MANIFOLDS}")
    sd = scaled_density(1.0, beta, manifold, scale)
    if not sd.R > 0:
        raise ValueError(f"beta={beta}: no shell of minima on the {manifold} (beta scale^2 <= (n+1)/2)")
    b = beta if manifold == "line" else beta * scale * scale
    nodes, nbr = _nodes(manifold, sd.kappa, scale, b)
    return _Grid(nodes, nbr, b if manifold == "line" else sd.kappa / 2.0, b, sd.R, sd.nu)


def _read(V: np.ndarray, g: _Grid, pts: np.ndarray, manifold: str, curvature: bool) -> tuple[fb.Barriers, np.ndarray]:
    res = fb.watershed_barriers(V, g.nbr)
    x = g.nodes[res.minima] * (1.0 if manifold == "line" else g.R)
    curv = np.array([_curvature(xi, pts, g.b, g.b, manifold) if curvature else math.nan for xi in x])
    return res, curv


def profile_minima(
    points: np.ndarray, beta: float, manifold: str = "circle", scale: float = 1.0, curvature: bool = True
) -> tuple[fb.Barriers, np.ndarray, np.ndarray]:
    r"""Minima of the profile of given points: barriers (:math:`\beta\Delta E`), curvatures, and the minima's nodes.

    ``points``: unit vectors (circle: (K, 2), sphere: (K, 3); the manifold of radius ``scale`` is handled by
    rescaling) or the line's coordinates (K,) in ``[0, scale]``.
    """
    g = _grid(beta, manifold, scale)
    pts = np.asarray(points, dtype=float)
    pts = pts[:, None] if pts.ndim == 1 else pts
    res, curv = _read(_profile(g.nodes, pts[None], g.a)[0], g, pts, manifold, curvature)
    return res, curv, g.nodes[res.minima]


def sample_landscapes(
    K: int,
    beta: float,
    manifold: str = "circle",
    scale: float = 1.0,
    draws: int = 400,
    seed: int = 0,
    curvature: bool = True,
) -> BarrierSample:
    r"""Minima, :math:`\beta\Delta E` and tangential curvatures of ``draws`` landscapes of K uniform points.

    ``manifold``: ``circle`` / ``sphere`` (:math:`S^2` in :math:`\mathbb R^3`) of radius ``scale``, or ``line`` (a
    segment of length ``scale``). Circle and sphere are evaluated on the unit sphere at :math:`\beta\,scale^2`
    (:math:`\beta\Delta E` and the Hessian are unchanged by the rescaling). ``curvature=False`` leaves the
    curvatures NaN (faster).
    """
    if isinstance(K, bool) or int(K) != K or K < 1:
        raise ValueError(f"K={K!r}: a whole number >= 1")
    g = _grid(beta, manifold, scale)
    counts = np.zeros(draws, dtype=int)
    bar, curv, which = [], [], []
    seeds = np.random.SeedSequence(seed).spawn(draws)
    batch = max(1, min(draws, 4_000_000 // (int(K) * len(g.nodes)), 200))
    for start in range(0, draws, batch):
        pts = np.stack(
            [_points(np.random.default_rng(q), manifold, int(K), scale) for q in seeds[start : start + batch]]
        )
        if manifold == "circle" and K * g.nu_per_point >= FOURIER_NU:
            V = _ring_profile_fourier(len(g.nodes), pts, 2.0 * g.a)
        else:
            V = _profile(g.nodes, pts, g.a)
        for j in range(len(pts)):
            res, c = _read(V[j], g, pts[j], manifold, curvature)
            counts[start + j] = len(res.minima)
            bar.append(res.barrier)
            curv.append(c)
            which.append(np.full(len(res.minima), start + j))
    return BarrierSample(
        int(K),
        beta,
        manifold,
        K * g.nu_per_point,
        counts,
        np.concatenate(bar),
        np.concatenate(curv),
        np.concatenate(which),
    )


def fraction_below(sample: BarrierSample, tau: float = 1.0) -> tuple[float, float]:
    r"""Fraction of all minima (pooled over landscapes) with :math:`\beta\Delta E < \tau`, and its standard error.

    The ratio of the expected numbers, :math:`f = \sum_i a_i/\sum_i m_i` (``a_i`` low minima, ``m_i`` minima in
    landscape i); its error by the delta method, :math:`\mathrm{sd}(a_i - f m_i)/(\bar m\sqrt{D})`.
    """
    low = np.bincount(sample.draw[sample.barrier < tau], minlength=len(sample.counts))
    m = sample.counts
    f = low.sum() / m.sum()
    D = len(m)
    se = float(np.std(low - f * m, ddof=1) / (m.mean() * math.sqrt(D))) if D > 1 else math.nan
    return float(f), se


def median_barrier(sample: BarrierSample, values: np.ndarray | None = None, boot: int = 200) -> tuple[float, float]:
    """Median of the pooled ``values`` (default the barriers) and its bootstrap error over landscapes.

    The error is NaN where the median is infinite (no minimum has a neighbour: K = 1).
    """
    v = sample.barrier if values is None else values
    groups = [v[sample.draw == i] for i in range(len(sample.counts))]
    rng = np.random.default_rng(0)
    meds = [
        np.median(np.concatenate([groups[j] for j in rng.integers(0, len(groups), len(groups))])) for _ in range(boot)
    ]
    meds = np.array(meds)
    return float(np.median(v)), float(np.std(meds, ddof=1)) if np.isfinite(meds).all() else math.nan


class Onset(NamedTuple):
    r"""K at which half of the minima have :math:`\beta\Delta E` below the threshold, with its Monte Carlo error."""

    K: float
    K_error: float
    nu: float  # K / the manifold's volume in u
    slope: float  # d fraction / d ln K there


def onset(
    beta: float, manifold: str = "circle", tau: float = 1.0, scale: float = 1.0, draws: int = 400, seed: int = 0
) -> Onset:
    r"""The K where the pooled fraction of minima with :math:`\beta\Delta E < \tau` crosses 1/2 (Monte Carlo).

    Doubling K from 1 until the fraction reaches 1/2, then bisection on whole K (common random numbers); K is
    interpolated linearly in :math:`\ln K` between the last K below and the first above. Its error is the fraction's
    standard error there divided by the slope :math:`df/d\ln K`, measured between :math:`K/1.5` and :math:`1.5K`.
    """
    cache: dict[int, tuple[float, float]] = {}

    def f(k: int) -> tuple[float, float]:
        if k not in cache:
            cache[k] = fraction_below(sample_landscapes(k, beta, manifold, scale, draws, seed, False), tau)
        return cache[k]

    lo, hi = 1, 2
    while f(hi)[0] < 0.5:
        lo, hi = hi, 2 * hi
        if hi > 2**20:
            raise ValueError(f"no onset below K = {hi} (beta={beta}, tau={tau})")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if f(mid)[0] < 0.5 else (lo, mid)
    (f0, s0), (f1, s1) = f(lo), f(hi)
    k = math.exp(math.log(lo) + (0.5 - f0) / (f1 - f0) * math.log(hi / lo))
    ka, kb = max(1, int(k / 1.5)), math.ceil(1.5 * k)
    slope = (f(kb)[0] - f(ka)[0]) / math.log(kb / ka)
    se = 0.5 * (s0 + s1)
    err = k * se / slope if slope > 0 else math.inf
    return Onset(k, err, k / scaled_density(1.0, beta, manifold, scale).volume, slope)
