r"""Basins of attraction of two memories of the log-sum-exp energy under noise: closed forms, derived here.

These are the predictions the ``diffusion.basins`` model (:mod:`amphase.simulate.diffusion.basin_attractors`,
:mod:`amphase.simulate.diffusion.return_trials`) is compared with. Conventions: the energy of the exact score at the
stop of sampling is :math:`E_\beta(x) = -\beta^{-1}\log\sum_\mu e^{-\beta\lVert x - \xi^\mu\rVert^2}` in data units
(VE: the model's :math:`\beta`; VP: :math:`\beta s^2`); a noise level :math:`r` is the std of isotropic Gaussian noise
in data space; the **basin noise** :math:`r_{basin}` is where the return probability falls to :data:`P_CRIT`.

Two memories (derived here)
---------------------------
Memories at :math:`\pm(D/2)e`. For :math:`\beta D^2/2 > 1` the minima sit at :math:`\pm h e`, :math:`h = (D/2)u`
with :math:`u = \tanh(\beta D^2 u/2)` (:func:`~amphase.theory.lse_landscape.pair_minima`); for
:math:`\beta D^2 \le 2` they merge into one minimum at the midpoint. The energy is symmetric under the reflection
through the bisector plane, so

(i) the fixed-point step :math:`m(x) = w_+\xi^+ + w_-\xi^-` keeps :math:`x` on its side (:math:`w_+ > w_-` iff
:math:`x_e > 0`): the descent's basin of each minimum is exactly its half-space;

(ii) the probability-flow ODE, whose velocity is reflection-equivariant, keeps the bisector invariant, and one Heun
step keeps :math:`x_e > 0`: in VE, :math:`x' = x + \lambda_0(m_0 - x)/2 + \lambda_1(m(\tilde x) - \tilde x)/2` with
:math:`\lambda = h_t/(2t)` (:math:`h_t` the time step) puts the non-negative weights
:math:`\tfrac12 + \tfrac12(1-\lambda_0)(1-\lambda_1)`, :math:`\tfrac12\lambda_0(1-\lambda_1)`,
:math:`\tfrac12\lambda_1` on :math:`x_e, m_{0,e}, m_{1,e} > 0` whenever :math:`\lambda_0, \lambda_1 \le 1` (log
steps with ratio :math:`\ge 1/3`).

Hence noise then denoise with the ODE sampler (or no denoising at all, below the stop's noise) returns to the minimum
iff the noise keeps the point on its side of the bisector, a plane at distance :math:`h` from the minimum. The noise
component normal to the plane is :math:`N(0, r^2)`, so

.. math::

    P_{return}(r) = \Phi(h/r), \qquad r_{basin} = h / \Phi^{-1}(p_c)

(:func:`pair_return_probability`, :func:`pair_basin_noise`; :math:`\Phi^{-1}(0.9) = 1.2816`), and the basin radius
at small noise is the distance h from the minimum to the saddle, :math:`\to D/2` for :math:`\beta D^2 \gg 1`. (The
reverse SDE adds noise of its own and does not obey this.) For K memories that are far apart the same half-space
argument, applied with each attractor's nearest neighbour alone, gives the estimate :func:`pair_prediction`.

Energy of the pair minimum (:func:`pair_energy`): at the minimum :math:`x = h e`,
:math:`E = -\beta^{-1}\ln(e^{-\beta(h - D/2)^2} + e^{-\beta(h + D/2)^2})`, against 0 at an isolated memory. Merged
(:math:`h = 0`): :math:`E = D^2/4 - \beta^{-1}\ln 2` exactly, so a merged pair lies :math:`\beta^{-1}\ln 2` below a
lone memory as :math:`D \to 0`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import norm

from amphase.errors import ParameterError
from amphase.theory.lse_landscape import pair_minima

__all__ = ["P_CRIT", "pair_basin_noise", "pair_energy", "pair_prediction", "pair_return_probability"]

#: the return probability that defines the basin noise.
P_CRIT = 0.9


def _positive(name: str, v: Any) -> float:
    v = float(v)
    if not (v > 0 and math.isfinite(v)):
        raise ParameterError(f"{name}={v!r}: a finite number > 0")
    return v


def _levels(levels: Any) -> np.ndarray:
    r = np.asarray(levels, dtype=float)
    if r.ndim != 1 or r.size < 1 or not np.all(np.isfinite(r)) or not np.all(r > 0):
        raise ParameterError(f"noise levels {levels!r}: a 1-d array of finite numbers > 0")
    if r.size > 1 and not np.all(np.diff(r) > 0):
        raise ParameterError("noise levels must increase strictly")
    return r


def _p_crit(p: float) -> float:
    p = float(p)
    if not 0.0 < p < 1.0:
        raise ParameterError(f"p_crit={p!r}: must lie in (0, 1)")
    return p


def pair_return_probability(h: Any, noise: Any) -> Any:
    r""":math:`\Phi(h/r)`: the chance that isotropic noise of std r leaves a point on its side of a plane at distance h.

    Exact for noise-then-denoise of a minimum of two memories with the ODE sampler (module docstring, derived here).
    Broadcasts ``h`` against ``noise``.
    """
    return norm.cdf(np.asarray(h, dtype=float) / np.asarray(noise, dtype=float))


def pair_basin_noise(D: float, beta: float, p_crit: float = P_CRIT) -> float:
    r""":math:`r_{basin} = h/\Phi^{-1}(p_c)`, :math:`h = (D/2)u` the pair minimum (derived here); NaN if merged.

    ``D`` and ``beta`` in data units (VE: the model's beta; VP: :math:`\beta s^2`).
    """
    D, beta, p_c = _positive("D", D), _positive("beta", beta), _p_crit(p_crit)
    if p_c <= 0.5:  # Phi(h/r) > 1/2 for every r when h > 0: no noise level is critical
        raise ParameterError(f"p_crit={p_c!r}: must lie in (0.5, 1) for a pair, whose return probability exceeds 1/2")
    h = pair_minima(D, beta).x
    return h / float(norm.ppf(p_c)) if h > 0 else math.nan


def pair_prediction(h: Any, levels: Any) -> np.ndarray:
    r"""The mean over attractors of :math:`\Phi(h_a/r)` at each level: (L,); NaN where there is no attractor.

    ``h`` (n,): each attractor's distance to its half-space boundary (from its nearest neighbour alone, module
    docstring); ``levels`` (L,) increasing noise stds.
    """
    h = np.asarray(h, dtype=float).ravel()
    r = _levels(levels)
    if h.size == 0:
        return np.full(r.shape, np.nan)
    return pair_return_probability(h[:, None], r[None, :]).mean(axis=0)


def pair_energy(D: float, beta: float) -> float:
    r"""Energy of the minimum of two memories at distance D, relative to an isolated memory (0), derived here.

    :math:`E(x) = -\beta^{-1}\ln(e^{-\beta(x - D/2)^2} + e^{-\beta(x + D/2)^2})` at the minimum
    :math:`x = (D/2)u` (:func:`~amphase.theory.lse_landscape.pair_minima`); merged (:math:`\beta D^2 \le 2`,
    :math:`x = 0`): :math:`D^2/4 - \beta^{-1}\ln 2` exactly.
    """
    D, beta = _positive("D", D), _positive("beta", beta)
    x = pair_minima(D, beta).x
    return float(-np.logaddexp(-beta * (x - D / 2) ** 2, -beta * (x + D / 2) ** 2) / beta)
