r"""Curvature of the energy where samples end: Hessian spectra, near-flat directions, manifold attractors.

At time t the exact score of K training points is the gradient of the log-sum-exp energy (Pham et al. 2025,
arXiv:2505.21777; :mod:`amphase.simulate.lse`)

.. math::

    E_t(x) = -\beta_t^{-1} \log \sum_\mu e^{-\beta_t \lVert x - s\xi^\mu\rVert^2}, \qquad
    -\log p_t(x) = \beta_t E_t(x) + \text{const}, \qquad \beta_t = \frac{1}{2\sigma_t^2},

(s the signal scale of the forward process, 1 for VE), whose Hessian is

.. math::

    \nabla^2 E_t(x) = 2I - 4\beta_t \operatorname{Cov}_{w(x)}(s\xi), \qquad
    w_\mu(x) = \operatorname{softmax}_\mu\big(-\beta_t \lVert x - s\xi^\mu\rVert^2\big),

exact and streamed over K (:meth:`amphase.simulate.lse.LSEEnergy.hessian_eigenvalues`; every eigenvalue lies in
:math:`(-\infty, 2]`, and 2 is the bare curvature far from the data). For any other score (a trained network) the
same matrix is :math:`H = 2(I - J_F) = -2\sigma_t^2 J_S` with :math:`F(x) = x + \sigma_t^2 S(x, t)` the fixed-point
map (:func:`amphase.simulate.diffusion.attractors.fixed_point_hessian`, central differences; a trained score need not
be a gradient, so the real parts of the eigenvalues of H are used).

What the spectrum tells
-----------------------
A memorized attractor (one training point owns the softmax) has :math:`\operatorname{Cov}_w \approx 0` and every
eigenvalue near 2; a spurious attractor between a few merged points has lowered eigenvalues along the directions that
join them but none near 0; an attractor on a manifold (minima merged into a ring or a sheet) has one near-zero
eigenvalue per tangent direction: about as many as the manifold's intrinsic dimension.

Near-flat, in physical units (derived here). Along an eigendirection of eigenvalue :math:`\lambda` the noised
density at t is locally :math:`p_t \propto e^{-\beta_t\lambda u^2/2}`: a Gaussian of standard deviation
:math:`\sigma_t\sqrt{2/\lambda}` in the noised coordinates, :math:`\sigma_t\sqrt{2/\lambda}/s` in data space. The
direction is **flat** when that thermal spread reaches ``spread`` times the data scale :math:`\ell`
(:func:`amphase.simulate.diffusion.classify.data_scale`),

.. math::

    |\lambda| \le \lambda_{flat} = \frac{2\sigma_t^2}{s^2\,\mathrm{spread}^2\,\ell^2}
    \qquad \Big(= \frac{1}{\beta_t\, s^2 \mathrm{spread}^2 \ell^2}\Big):

the density at the noise level where sampling stopped no longer pins the sample along it to better than that
fraction of the data's size, so where on the manifold a sample stops is set by the sampler (and a descent's
tolerance), not by an attractor. With ``spread = 1`` and the unit circle at :math:`\beta_t = 20` this is
:math:`\lambda_{flat} = 0.05`: evenly spaced points give a tangential eigenvalue of 0.96 at K = 16, 0.045 at
K = 24 and below :math:`10^{-3}` from K = 32 (the ripple of the merged ring falls exponentially with K), while the
isolated minima of *random* points keep a tangential eigenvalue of order :math:`K^{-1/2}` (0.5 at K = 128, 0.13 at
K = 2048, 0.05 at K = 8192), so the K at which their ring counts as flat moves with ``spread``: report it with the
threshold.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from amphase.errors import ParameterError

__all__ = ["count_flat", "exact_spectrum", "flat_threshold", "score_spectrum", "spectrum"]


def flat_threshold(sigma_t: float, s: float, spread: float, scale: float) -> float:
    r""":math:`\lambda_{flat} = 2\sigma_t^2 / (s\,\mathrm{spread}\,\ell)^2` (module docstring); ``inf`` for spread 0.

    Parameters
    ----------
    sigma_t : float
        Noise standard deviation at the time of the end points.
    s : float
        Signal scale of the forward process at that time (1 for VE).
    spread : float
        Thermal spread, in units of the data scale, above which a direction counts as flat (> 0).
    scale : float
        The data scale :math:`\ell`.
    """
    for name, v in (("sigma_t", sigma_t), ("s", s), ("scale", scale)):
        if not (float(v) > 0 and math.isfinite(float(v))):
            raise ParameterError(f"{name}={v!r}: a finite number > 0")
    if not (float(spread) > 0 and math.isfinite(float(spread))):
        raise ParameterError(f"spread={spread!r}: a finite number > 0 (in units of the data scale)")
    return 2.0 * float(sigma_t) ** 2 / (float(s) * float(spread) * float(scale)) ** 2


def exact_spectrum(score: Any, y: Any, t: float, *, top: int | None = None) -> Any:
    r"""Eigenvalues of :math:`\nabla^2 E_t` (ascending, (n, r)) at data-space points ``y`` (n, d), for the exact score.

    The Hessian is evaluated at the noised point :math:`s\,y`, where the energy's memories are :math:`s\xi`. For
    ``d <= 64`` and no ``top``: all d eigenvalues, exact (streamed second moment). Otherwise the low-rank form from the
    ``top`` memories of largest weight (:func:`amphase.simulate.lse.hessian_spectrum`; every other eigenvalue is 2).
    Runs where the score's data live (NumPy or CuPy).
    """
    s = float(score.schedule.scale(t))
    energy = score.energy_at(t)
    xp = energy.xp
    return energy.hessian_eigenvalues(xp.asarray(y, dtype=xp.float64) * s, top=top)


def score_spectrum(score: Callable[[Any, float], Any], schedule: Any, y: Any, t: float, *, h: float) -> np.ndarray:
    r"""Real parts of the eigenvalues of :math:`H = 2(I - J_F)` (ascending, (n, d)) for any score callable.

    Central differences of step ``h`` (noised coordinates) through
    :func:`amphase.simulate.diffusion.attractors.fixed_point_hessian`; 2d score evaluations per point.
    """
    from amphase.simulate.diffusion.attractors import fixed_point_hessian

    if not (float(h) > 0 and math.isfinite(float(h))):
        raise ParameterError(f"h={h!r}: the finite-difference step must be a finite number > 0")
    if not (float(t) > 0 and math.isfinite(float(t))):
        raise ParameterError(f"t={t!r}: a finite time > 0")
    y = np.asarray(y.get() if hasattr(y, "get") else y, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] < 1 or not np.isfinite(y).all():
        raise ParameterError(f"y of shape {y.shape}: an (n, d) array of finite points, d >= 1")
    if len(y) == 0:
        return np.zeros((0, y.shape[1]))
    hess = fixed_point_hessian(score, schedule, t, y, h=float(h))
    return np.sort(np.linalg.eigvals(hess).real, axis=1)


def spectrum(score: Any, schedule: Any, y: Any, t: float, *, h: float = 1e-5, top: int | None = None) -> Any:
    """The curvature spectrum at ``y``: :func:`exact_spectrum` for the exact score, :func:`score_spectrum` otherwise."""
    from amphase.simulate.diffusion.score import ExactScore

    if isinstance(score, ExactScore):
        return exact_spectrum(score, y, t, top=top)
    return score_spectrum(score, schedule, y, t, h=h)


def count_flat(eigenvalues: Any, lam_flat: float) -> Any:
    r"""Near-flat directions per point: eigenvalues with :math:`|\lambda| \le \lambda_{flat}`, (n,) int."""
    if not float(lam_flat) >= 0:
        raise ParameterError(f"lam_flat={lam_flat!r}: a number >= 0")
    ev = eigenvalues
    return (abs(ev) <= float(lam_flat)).sum(axis=-1)
