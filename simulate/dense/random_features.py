r"""The random-feature DenseAM (Hoover et al. 2024, arXiv:2410.24153, "DrDAM"): the LSE energy from one fixed vector.

The LSE energy (:mod:`amphase.simulate.lse`) is :math:`E(x) = -\beta^{-1}\log\sum_\mu k(x, \xi^\mu)` with the
Gaussian kernel :math:`k(x, \xi) = \exp(-\beta\lVert x - \xi\rVert^2)`. Random features :math:`\varphi: \mathbb{R}^d
\to \mathbb{R}^Y` with :math:`\mathbb{E}[\varphi(x)\cdot\varphi(\xi)] = k(x, \xi)` turn the sum over memories into one
dot product with a single memory vector :math:`T = \sum_\mu \varphi(\xi^\mu)` of fixed size Y, whatever K; a memory
is added by adding its features to T (:meth:`RandomFeatureEnergy.add`):

.. math::

    E_Y(x) = -\beta^{-1}\log\bigl(\varphi(x)\cdot T\bigr), \qquad
    \nabla E_Y = -\beta^{-1}\,\frac{J_\varphi(x)^T T}{\varphi(x)\cdot T}, \qquad m_Y(x) = x - \nabla E_Y / 2

(:math:`m_Y` approximates the fixed-point map :math:`m(x) = \sum_\mu w_\mu\xi^\mu`). Two feature maps, with
:math:`\omega_y` i.i.d. standard normal in :math:`\mathbb{R}^d`:

``"trig"`` (random Fourier features, Rahimi & Recht 2007)
    :math:`\varphi(x) = \sqrt{2/Y}\,[\cos(\sqrt{2\beta}\,\Omega x), \sin(\sqrt{2\beta}\,\Omega x)]` with Y/2
    frequencies: :math:`\mathbb{E}\cos(\sqrt{2\beta}\,\omega\cdot(x-\xi)) = e^{-\beta\lVert x-\xi\rVert^2}`.
    The estimate of the sum can be negative far from the memories, where the true sum is below the noise:
    :math:`E_Y` is then NaN.
``"positive"`` (positive random features, Choromanski et al. 2021)
    :math:`\varphi_y(x) = Y^{-1/2}\exp(\sqrt{2\beta}\,\omega_y\cdot x - 2\beta\lVert x\rVert^2)`: since
    :math:`\mathbb{E}\,e^{\omega\cdot(a+b)} = e^{\lVert a+b\rVert^2/2}`, the product averages to
    :math:`e^{2\beta x\cdot\xi - \beta\lVert x\rVert^2 - \beta\lVert\xi\rVert^2} = k(x,\xi)`. Always positive;
    its variance grows like :math:`e^{4\beta\lVert x\rVert\lVert\xi\rVert}`, so centre the data (pass the
    memories' mean as ``centre``).

The relative error of the sum, hence the energy error :math:`\beta^{-1}|\log(1+\epsilon)|`, falls as
:math:`Y^{-1/2}` (a Monte Carlo average); it grows with :math:`\beta` and with the distance to the memories (the
paper's observations). :func:`error_scaling` measures energy and fixed-point errors against the exact model over Y and
fits the exponent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from amphase.simulate.lse import lse

__all__ = ["FEATURES", "RandomFeatureEnergy", "error_scaling", "random_features"]

#: the feature maps (module docstring).
FEATURES = ("trig", "positive")


@dataclass
class RandomFeatureEnergy:
    """The random-feature LSE energy: Y features, one memory vector T (module docstring).

    Build it with :func:`random_features`; queries are ``(B, d)`` float64 arrays.
    """

    beta: float
    omega: np.ndarray  # (n_freq, d) standard normals
    kind: str
    centre: np.ndarray
    T: np.ndarray = field(init=False)
    K: int = 0

    def __post_init__(self) -> None:
        self.T = np.zeros(self.Y)

    @property
    def Y(self) -> int:
        """Number of features (the size of the memory vector T)."""
        return 2 * len(self.omega) if self.kind == "trig" else len(self.omega)

    @property
    def scale(self) -> float:
        """Unit of tolerances (1: the data are centred but not rescaled)."""
        return 1.0

    def features(self, x: Any) -> np.ndarray:
        r""":math:`\varphi(x)`, (B, Y)."""
        q = np.atleast_2d(np.asarray(x, dtype=np.float64)) - self.centre
        proj = math.sqrt(2 * self.beta) * (q @ self.omega.T)
        if self.kind == "trig":
            return math.sqrt(2.0 / self.Y) * np.concatenate([np.cos(proj), np.sin(proj)], axis=1)
        return np.exp(proj - 2 * self.beta * (q * q).sum(axis=1, keepdims=True)) / math.sqrt(self.Y)

    def add(self, memories: Any) -> RandomFeatureEnergy:
        """Store ``memories`` (K, d) by adding their features to T (no per-memory weights are kept)."""
        mem = np.atleast_2d(np.asarray(memories, dtype=np.float64))
        self.T = self.T + self.features(mem).sum(axis=0)
        self.K += len(mem)
        return self

    def energy_and_grad(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        r""":math:`E_Y(x)` and :math:`\nabla E_Y(x)` (NaN where :math:`\varphi(x)\cdot T \le 0`)."""
        q = np.atleast_2d(np.asarray(x, dtype=np.float64)) - self.centre
        s = math.sqrt(2 * self.beta)
        proj = s * (q @ self.omega.T)
        n = len(self.omega)
        if self.kind == "trig":
            c = math.sqrt(2.0 / self.Y)
            cos, sin = np.cos(proj), np.sin(proj)
            z = c * (cos @ self.T[:n] + sin @ self.T[n:])
            # d/dx cos(s w.x) = -s sin w, d/dx sin = s cos w
            dz = c * s * ((-sin * self.T[:n] + cos * self.T[n:]) @ self.omega)
        else:
            phi = np.exp(proj - 2 * self.beta * (q * q).sum(axis=1, keepdims=True)) / math.sqrt(self.Y)
            z = phi @ self.T
            dz = s * ((phi * self.T) @ self.omega) - 4 * self.beta * q * z[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            e = np.where(z > 0, -np.log(np.where(z > 0, z, 1.0)) / self.beta, np.nan)
            g = -dz / (self.beta * z[:, None])
        g[~(z > 0)] = np.nan
        return e, g

    def energy(self, x: Any) -> np.ndarray:
        """:math:`E_Y(x)`."""
        return self.energy_and_grad(x)[0]

    def fixed_point(self, x: Any) -> np.ndarray:
        r""":math:`m_Y(x) = x - \nabla E_Y(x)/2`."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        return x - 0.5 * self.energy_and_grad(x)[1]


def random_features(
    beta: float, d: int, Y: int, rng: np.random.Generator, *, kind: str = "positive", centre: Any = None
) -> RandomFeatureEnergy:
    r"""An empty random-feature energy (add memories with :meth:`RandomFeatureEnergy.add`).

    Parameters
    ----------
    beta : float
        Inverse temperature of the kernel :math:`\exp(-\beta\lVert x-\xi\rVert^2)`.
    d : int
        Dimension.
    Y : int
        Number of features (even for ``"trig"``: Y/2 frequencies, a cosine and a sine each).
    rng : numpy.random.Generator
        Draws the frequencies.
    kind : {"trig", "positive"}
        The feature map.
    centre : (d,) array, optional
        Subtracted from memories and queries (the memories' mean, for the positive features' variance).

    """
    if kind not in FEATURES:
        raise ValueError(f"kind={kind!r}; allowed: {', '.join(FEATURES)}")
    n = Y // 2 if kind == "trig" else Y
    if n < 1:
        raise ValueError(f"Y={Y}: too few features")
    c = np.zeros(d) if centre is None else np.asarray(centre, dtype=np.float64)
    return RandomFeatureEnergy(float(beta), rng.standard_normal((n, d)), kind, c)


def error_scaling(
    memories: np.ndarray,
    beta: float,
    queries: np.ndarray,
    Ys: list[int],
    rng: np.random.Generator,
    *,
    kind: str = "positive",
    draws: int = 4,
) -> dict[str, Any]:
    r"""Energy and fixed-point errors of the random-feature model against the exact LSE model, over Y.

    For each Y, ``draws`` independent feature draws: the root-mean-square over queries and draws of
    :math:`E_Y - E` and of :math:`\lVert m_Y - m\rVert`, and the fraction of NaN energies (non-positive estimates).
    A least-squares line through (log Y, log error) gives the exponents (expected -1/2).

    Returns
    -------
    dict
        ``Y``, ``energy_rms``, ``fixed_point_rms``, ``nan_fraction`` (arrays), ``energy_slope``,
        ``fixed_point_slope`` (fitted exponents).

    """
    mem = np.asarray(memories, dtype=np.float64)
    exact = lse(beta, mem)
    e_ref = exact.energy(queries)
    m_ref = exact.fixed_point(queries)
    centre = mem.mean(axis=0)
    e_rms, m_rms, nan = [], [], []
    for Y in Ys:
        de, dm, bad = [], [], 0
        for _ in range(draws):
            rf = random_features(beta, mem.shape[1], Y, rng, kind=kind, centre=centre).add(mem)
            e, g = rf.energy_and_grad(queries)
            ok = np.isfinite(e)
            bad += int((~ok).sum())
            de.append((e - e_ref)[ok])
            dm.append(np.linalg.norm((queries - 0.5 * g) - m_ref, axis=1)[ok])
        de_all, dm_all = np.concatenate(de), np.concatenate(dm)
        e_rms.append(float(np.sqrt(np.mean(de_all**2))) if de_all.size else math.nan)
        m_rms.append(float(np.sqrt(np.mean(dm_all**2))) if dm_all.size else math.nan)
        nan.append(bad / (draws * len(queries)))
    logy = np.log(np.asarray(Ys, dtype=float))

    def slope(err: list[float]) -> float:
        v = np.asarray(err)
        ok = np.isfinite(v) & (v > 0)
        return float(np.polyfit(logy[ok], np.log(v[ok]), 1)[0]) if ok.sum() >= 2 else math.nan

    return {
        "Y": np.asarray(Ys),
        "energy_rms": np.asarray(e_rms),
        "fixed_point_rms": np.asarray(m_rms),
        "nan_fraction": np.asarray(nan),
        "energy_slope": slope(e_rms),
        "fixed_point_slope": slope(m_rms),
    }
