r"""The barriers between neighbouring minima of the log-sum-exp energy of K random points on a manifold.

Derived here (not in a paper); the numbers that have no closed form are evaluated numerically as stated. Energy as in
:mod:`amphase.theory.lse_landscape`, :math:`E(x) = -\beta^{-1}\ln\sum_\mu e^{-\beta|x - \xi^\mu|^2}`, so that for
the exact-score diffusion model :math:`-\ln p_t = \beta_t E_t + \mathrm{const}` and :math:`\beta\Delta E` is the
log-density drop across a barrier.

1. **The profile.** Points uniform on the unit sphere :math:`S^n \subset \mathbb R^{n+1}` (``n = 1``: the circle).
   In polar form :math:`x = r\hat x`, :math:`E = r^2 + 1 - \beta^{-1}\ln\sum_\mu e^{2\beta r\,\hat x\cdot\xi^\mu}`. At
   large K the mean term fixes the shell :math:`R = A_n(2\beta R)`, :math:`A_n = I_{(n+1)/2}/I_{(n-1)/2}`
   (:func:`shell_radius`; exists for :math:`\beta > (n+1)/2`), and by the envelope theorem the valley profile
   :math:`F(\hat x) = \min_r E` is, to first order in the fluctuation, the profile at fixed :math:`r = R`:

   .. math::

       \beta F(\hat x) = V(\hat x) + \mathrm{const}, \qquad
       V(\hat x) = -\ln \sum_\mu \exp\!\big(-\tfrac{\kappa}{2}|\hat x - \xi^\mu|^2\big), \qquad \kappa = 2\beta R .

   *Approximation 1* (the radius is held at R): the radial relaxation changes :math:`\beta\Delta E` at second order
   in the relative fluctuation, and an isolated point's own minimum sits at :math:`r \approx 1`, not R, which
   changes its pair barrier by a relative :math:`1 - R \approx n/(4\beta)`. The valley profile
   :math:`\min_r E` is exact on the circle (every path between neighbouring minima crosses the ray of the saddle);
   the fixed-R profile against it: :mod:`amphase.theory.lse_barrier_sample`, and the tests. Points on a line
   (a segment in :math:`\mathbb R^d`) need no such step: :math:`E = |x_\perp|^2 + E_\parallel(s)` separates, and
   :math:`V(s) = \beta E_\parallel = -\ln\sum_\mu e^{-\beta (s - s_\mu)^2}` exactly.

2. **One scale.** Near a point, :math:`\tfrac\kappa2|\hat x - \xi|^2 = |u - u_\mu|^2 + O(u^4/\kappa)` in the
   coordinate :math:`u = \sqrt{\kappa/2}\times` (arc length on the unit sphere) (line: :math:`u = \sqrt\beta s`). So
   V is the *Gaussian shot-noise landscape* :math:`V(u) = -\ln\sum_\mu e^{-|u - u_\mu|^2}` of points at density
   :math:`\nu` per unit :math:`u^n` (:func:`scaled_density`: circle :math:`K/(2\pi\sqrt{\kappa/2})`, sphere
   :math:`S^2` :math:`K/(2\pi\kappa)`, segment of length L :math:`K/(L\sqrt\beta)`), and its barriers, minima per
   unit :math:`u^n` and curvatures are functions of :math:`\nu` alone as :math:`\kappa \to \infty` (*approximation
   2*, relative corrections :math:`O(1/\kappa)` plus the finite size of the ring). The generalization onset is thus
   :math:`K_{gen} = \nu^*(\tau)\,|S^n|(\kappa/2)^{n/2}`: it grows as :math:`\sqrt\beta` on the circle, as
   :math:`\beta` on :math:`S^2`, as :math:`L\sqrt\beta` on a segment. E's Hessian along the manifold at a minimum is
   :math:`\partial_u^2 V / R` (line: :math:`\partial_u^2 V`).

3. **Sparse limit** (:math:`\nu \to 0`, each minimum a point's own). Two points at :math:`u`-separation ``a`` are
   the exact pair of :func:`amphase.theory.lse_landscape.pair_minima` at :math:`\beta D^2 = a^2`: one shared
   minimum for :math:`a < \sqrt2`, two above, with the barrier :func:`pair_barrier` (exact;
   :math:`\approx a^2/4 - \ln 2` for :math:`a \gg \sqrt 2`). To first order in :math:`\nu` only pairs matter: a
   neighbour in the shell :math:`\sqrt2 < a < a_\tau` (:func:`pair_distance`) makes both minima low, a nearer one
   makes one high minimum, so the fraction of minima with :math:`\beta\Delta E < \tau` is (:func:`sparse_fraction`)

   .. math::  f = \nu\,V_n\,(a_\tau^n - 2^{n/2}) + O(\nu^2), \qquad V_1 = 2,\ V_2 = \pi,

   exact at this order (Poisson points; the next order needs triples). The minima per unit volume are
   :math:`\nu - \nu^2 V_n 2^{n/2}/2 + O(\nu^3)`.

4. **Dense limit** (:math:`\nu \to \infty`). :math:`S = \sum_\mu e^{-|u-u_\mu|^2}` has mean :math:`\nu\pi^{n/2}` and
   covariance :math:`\nu(\pi/2)^{n/2}e^{-|u-u'|^2/2}` (Campbell's theorem), so
   :math:`V = \mathrm{const} - \sigma_\nu g + O(\nu^{-1})` with g the unit stationary Gaussian field of covariance
   :math:`e^{-|\Delta u|^2/2}` and :math:`\sigma_\nu = (\nu(2\pi)^{n/2})^{-1/2}` (central limit theorem). Minima of
   V are maxima of g, and :math:`\beta\Delta E = \sigma_\nu h`, h the barrier of g (its lowest drop from a maximum
   to an adjacent pass): :math:`\beta\Delta E \propto \nu^{-1/2} \propto K^{-1/2}`. No closed form exists for the
   law of h: :func:`dense_barriers` samples g exactly (circulant embedding) and reads the barriers on a fine grid
   (Monte Carlo; the error of its median is returned). Exact: the density of maxima (Rice 1945 in one dimension,
   :math:`\sqrt3/(2\pi)`; Kac-Rice in two, :math:`\mathbb E|\det H|\mathbf 1_{H<0}/(2\pi) = 1/(2\sqrt3\pi)`, the
   Hessian law being :math:`s \pm \rho` with :math:`s \sim N(0, 2)`, :math:`\rho^2 \sim \chi^2_2`:
   :data:`DENSE_MINIMA`), and the curvature law at the maxima, with it the median lowest eigenvalue of
   :math:`\partial_u^2 V`, :math:`\sigma_\nu\mu_{1/2}` (:func:`dense_curvature_median`: Rayleigh in one dimension,
   :math:`\mu_{1/2} = \sqrt{6\ln 2}`; quadrature in two). On the circle at finite :math:`\kappa` the same holds with
   the ring's own covariance :math:`\sum_{m\ne0}(I_m(\kappa)/I_0(\kappa))^2 e^{im\Delta}` and
   :math:`\beta\Delta E = h/\sqrt K` (:func:`ring_dense_barriers`; the covariance of
   :func:`~amphase.theory.lse_circle_counts.ring_maxima_limit`).

At the onset neither limit holds: :math:`\beta\Delta E \approx 1` needs :math:`\sigma_\nu h \approx 1` with h of
order 1, i.e. :math:`\nu` of order one point per correlation length, where the relative fluctuation of S is of order
one. :mod:`amphase.theory.lse_barrier_sample` evaluates the law there (Monte Carlo over the points).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import ive

from amphase.theory import field_barriers as fb
from amphase.theory.lse_landscape import pair_minima

__all__ = [
    "DENSE_MINIMA",
    "DenseBarriers",
    "dense_barriers",
    "dense_curvature_median",
    "dense_scale",
    "pair_barrier",
    "pair_distance",
    "ring_dense_barriers",
    "scaled_density",
    "shell_radius",
    "sparse_fraction",
]

#: maxima per unit u^n of the unit Gaussian field of covariance exp(-|du|^2/2): Rice (n = 1), Kac-Rice (n = 2).
DENSE_MINIMA = {1: math.sqrt(3.0) / (2.0 * math.pi), 2: 1.0 / (2.0 * math.sqrt(3.0) * math.pi)}

_UNIT_BALL = {1: 2.0, 2: math.pi}


def _check_dim(n: int) -> None:
    if n not in (1, 2):
        raise ValueError(f"n={n!r}: intrinsic dimension 1 (circle, line) or 2 (sphere S^2)")


def shell_radius(beta: float, n: int = 1) -> float:
    r"""Radius of the shell of minima of points dense on the unit :math:`S^n`: :math:`R = A_n(2\beta R)` (0 if none).

    :math:`A_n = I_{(n+1)/2}/I_{(n-1)/2} = \langle\cos\gamma\rangle` under the weight :math:`e^{\kappa\cos\gamma}`
    on :math:`S^n` (the radial condition :math:`E_r = 0` of the mean energy); :math:`A_n(z) \approx z/(n+1)` at small
    z, so a root :math:`R > 0` exists iff :math:`\beta > (n+1)/2` (n = 1: the circle's :math:`\beta_c = 1`;
    n = 2: :math:`A_2 = \coth z - 1/z`, the Langevin function, :math:`\beta_c = 3/2`).
    """
    nu = (n - 1) / 2.0
    if beta <= (n + 1) / 2.0:
        return 0.0

    def a(z: float) -> float:
        return float(ive(nu + 1.0, z) / ive(nu, z))

    return brentq(lambda r: r - a(2.0 * beta * r), 1e-12, 1.0, xtol=1e-15, rtol=4 * np.finfo(float).eps)


class ScaledDensity(NamedTuple):
    """The points' density in the landscape's own unit (item 2 of the module docstring)."""

    nu: float  # points per unit u^n
    kappa: float  # 2 beta' R on a sphere (beta' = beta scale^2); 2 beta on the line (u = sqrt(beta) s)
    R: float  # shell radius in units of the sphere's radius (1 on the line)
    volume: float  # the manifold's volume in units u^n


def scaled_density(K: float, beta: float, manifold: str, scale: float = 1.0) -> ScaledDensity:
    r"""Density :math:`\nu` of K uniform points per unit :math:`u^n`, with :math:`\kappa`, R and the volume in u.

    Circle / sphere :math:`S^2` of radius ``scale`` (the energy of points on a sphere of radius a at :math:`\beta`
    is :math:`a^2` times that of the unit sphere at :math:`\beta a^2`, so :math:`\beta\Delta E` depends on
    :math:`\beta a^2` only): volume :math:`|S^n|(\kappa/2)^{n/2}`; segment of length L = ``scale``:
    :math:`L\sqrt\beta`. NaN density where the shell does not exist.
    """
    if manifold == "line":
        vol = scale * math.sqrt(beta)
        return ScaledDensity(K / vol, 2.0 * beta, 1.0, vol)
    n = 1 if manifold == "circle" else 2
    b = beta * scale * scale
    R = shell_radius(b, n)
    if R <= 0.0:
        return ScaledDensity(math.nan, 0.0, 0.0, math.nan)
    kappa = 2.0 * b * R
    vol = (2.0 * math.pi * math.sqrt(kappa / 2.0)) if n == 1 else 4.0 * math.pi * kappa / 2.0
    return ScaledDensity(K / vol, kappa, R, vol)


def pair_barrier(a: float) -> float:
    r""":math:`\beta\Delta E` between the two minima of an isolated pair at u-separation ``a`` (exact; 0 if merged).

    :func:`~amphase.theory.lse_landscape.pair_minima` at :math:`\beta = 1`, :math:`D = a` (only :math:`\beta D^2`
    enters): the pair merges for :math:`a \le \sqrt2`.
    """
    return pair_minima(a, 1.0).barrier if a * a > 2.0 else 0.0


def pair_distance(tau: float) -> float:
    r"""The u-separation :math:`a_\tau` at which an isolated pair's barrier is ``tau`` (exact root; > sqrt 2)."""
    if not (tau > 0 and math.isfinite(tau)):
        raise ValueError(f"tau={tau!r}: a finite number > 0")
    hi = 2.0 * math.sqrt(tau + math.log(2.0)) + 2.0  # barrier >= a^2/4 - ln 2 at large a
    return brentq(lambda a: pair_barrier(a) - tau, math.sqrt(2.0) * (1 + 1e-9), hi, xtol=1e-13)


def sparse_fraction(nu: float, tau: float, n: int = 1) -> float:
    r"""First order in :math:`\nu` of the fraction of minima with :math:`\beta\Delta E < \tau` (item 3; exact order)."""
    _check_dim(n)
    return nu * _UNIT_BALL[n] * (pair_distance(tau) ** n - 2.0 ** (n / 2.0))


def dense_scale(nu: float, n: int = 1) -> float:
    r""":math:`\sigma_\nu = (\nu(2\pi)^{n/2})^{-1/2}`: :math:`\beta\Delta E = \sigma_\nu h` as :math:`\nu\to\infty`."""
    return 1.0 / math.sqrt(nu * (2.0 * math.pi) ** (n / 2.0))


def dense_curvature_median(n: int = 1) -> float:
    r"""Median over the maxima of the unit field of the lowest eigenvalue :math:`\mu` of :math:`-\nabla^2 g` (exact).

    n = 1: at maxima :math:`-g''` is Rayleigh with :math:`\mathrm{Var}\,g'' = 3` (Rice; as in
    :func:`~amphase.theory.lse_circle_counts.ring_flatness`), median :math:`\sqrt{6\ln2}`. n = 2: with the Hessian
    :math:`s \pm \rho` (item 4) the Kac-Rice weight is :math:`(s^2 - \rho^2)\mathbf 1_{s < -\rho}` and
    :math:`\mu = -s - \rho`; its median by quadrature of that weight.
    """
    _check_dim(n)
    if n == 1:
        return math.sqrt(6.0 * math.log(2.0))

    def mass(x: float) -> float:  # E[(s^2 - t) 1{s < -sqrt t, -s - sqrt t <= x}], s ~ N(0, 2), t ~ Exp(mean 2)
        def inner(t: float) -> float:
            r = math.sqrt(t)
            lo = -r - x
            g = quad(lambda s: (s * s - t) * math.exp(-s * s / 4.0), lo, -r, epsabs=1e-13)[0]
            return g / math.sqrt(4.0 * math.pi) * 0.5 * math.exp(-t / 2.0)

        return quad(inner, 0.0, math.inf, epsabs=1e-12, limit=200)[0]

    total = 1.0 / math.sqrt(3.0)  # E|det H| 1{H < 0}, exact
    return brentq(lambda x: mass(x) - total / 2.0, 1e-6, 20.0, xtol=1e-9)


class DenseBarriers(NamedTuple):
    """Barriers h of a sampled unit (or ring) Gaussian field at its maxima, and their median with its error."""

    h: np.ndarray
    median: float
    median_error: float
    maxima_density: float  # maxima per unit u^n (per ring for the ring field)
    maxima_error: float  # its standard error (spread of the per-field counts)


def _summarise(h: list[np.ndarray], per: float) -> DenseBarriers:
    """Median (and its bootstrap standard error over fields) of the pooled barriers; maxima per unit ``per``."""
    rng = np.random.default_rng(12345)
    meds = [np.median(np.concatenate([h[i] for i in rng.integers(0, len(h), len(h))])) for _ in range(200)]
    flat = np.concatenate(h)
    counts = np.array([len(a) for a in h]) / per
    return DenseBarriers(
        flat, float(np.median(flat)), float(np.std(meds, ddof=1)), float(counts.mean()),
        float(counts.std(ddof=1) / np.sqrt(len(h))),
    )  # fmt: skip


def dense_barriers(n: int = 1, draws: int = 64, seed: int = 0, length: float = 64.0, h: float = 0.05) -> DenseBarriers:
    r"""Barriers of the unit field g of covariance :math:`e^{-|\Delta u|^2/2}` (the :math:`\nu\to\infty` law, item 4).

    Sampled exactly on a periodic grid of side ``length`` (the covariance periodized: its images are below
    :math:`e^{-length^2/8}`) with spacing ``h``, by :func:`~amphase.theory.field_barriers.circulant_field`; barriers
    of :math:`-g` by :func:`~amphase.theory.field_barriers.watershed_barriers` (ring or 8-neighbour torus). Monte
    Carlo: ``draws`` fields from ``numpy.random.default_rng(seed)``; the median's error by a bootstrap over fields.
    Grid error :math:`O(h^2)` (``h = 0.05`` in one dimension, ``0.1`` is enough in two).
    """
    _check_dim(n)
    M = round(length / h)
    x = np.minimum(np.arange(M), M - np.arange(M)) * (length / M)
    c1 = np.exp(-x * x / 2.0)
    cov = c1 if n == 1 else np.outer(c1, c1)
    lam = np.fft.fftn(cov).real
    nbr = fb.ring_graph(M) if n == 1 else fb.torus_graph(M)
    rng = np.random.default_rng(seed)
    out = []
    for g in fb.circulant_field(lam, rng, (draws + 1) // 2)[:draws]:
        b = fb.watershed_barriers(-g.ravel(), nbr)
        out.append(b.barrier[np.isfinite(b.barrier)])
    return _summarise(out, length**n)


def ring_dense_barriers(kappa: float, draws: int = 400, seed: int = 0, h: float = 0.02) -> DenseBarriers:
    r"""Barriers h of the ring's limiting field, covariance :math:`\sum_{m\ne0}(I_m/I_0)^2 e^{im\Delta}` (item 4).

    :math:`\beta\Delta E \to h/\sqrt K` on the circle as :math:`K \to \infty` at fixed :math:`\kappa`. Sampled
    exactly from its Fourier series on :math:`M \approx 2\pi\sqrt{\kappa/2}/h` nodes (``h`` the spacing in u);
    ``maxima_density`` is the mean number of maxima per ring (its limit is
    :func:`~amphase.theory.lse_circle_counts.ring_maxima_limit`).
    """
    m_max = int(10 + 12 * math.sqrt(kappa + 1.0))
    c = ive(np.arange(m_max + 1), kappa)
    c = c[: int(np.nonzero(c >= 1e-17 * c[0])[0].max()) + 1]  # I_m(kappa)/I_0(kappa) down to 1e-17
    rho2 = (c[1:] / c[0]) ** 2
    M = max(round(2.0 * math.pi * math.sqrt(kappa / 2.0) / h), 4 * len(c))
    lam = np.zeros(M)
    m = np.arange(1, len(c))
    lam[m] = M * rho2
    lam[M - m] = M * rho2
    rng = np.random.default_rng(seed)
    nbr = fb.ring_graph(M)
    out = []
    for g in fb.circulant_field(lam, rng, (draws + 1) // 2)[:draws]:
        b = fb.watershed_barriers(-g, nbr)
        out.append(b.barrier[np.isfinite(b.barrier)])
    return _summarise(out, 1.0)
