r"""The pitchfork of the one-dimensional two-point diffusion model (Raya & Ambrogioni 2023).

Source: G. Raya, L. Ambrogioni, "Spontaneous symmetry breaking in generative diffusion models", NeurIPS 2023,
arXiv:2305.19693 (RA). The paper's text was not available here; the formulas were checked against the authors'
notebook (github.com/gabrielraya/symmetry_breaking_diffusion_models, ``notebooks/1d_example.ipynb``), which quotes
its equation numbers: the critical point ``theta_c = sqrt(sqrt(2) - 1)`` ("Eq. 9") and the equation of state
``(theta^2 + 1) x + 2 theta tanh(theta x / (theta^2 - 1)) = 0`` ("Eq. 10"), whose fixed points at ``theta = 0.8``
the notebook prints as ``±0.94703858``.

Model: data :math:`y = \pm a` with probability 1/2 (RA: :math:`a = 1`), VP forward process
:math:`x_s = \theta_s y + \sqrt{1 - \theta_s^2}\, \varepsilon` (:math:`\theta_s^2 = \bar\alpha`, the signal fraction
of ``diffusion.noise_beta(process="vp")``), so :math:`p(x, s) \propto e^{-x^2/2(1-\theta^2)}
\cosh(\theta a x/(1-\theta^2))`. Two potentials, two pitchforks (``kind``):

* ``"sde"`` (RA): the generative SDE :math:`dX = -\partial_x U\,dt + g\,dW` with :math:`U = -g^2\log p +
  \int_0^x f`, :math:`f = -\beta(s) x/2`, :math:`g^2 = \beta(s)`:

  .. math::

      U/\beta(s) = \frac{x^2}{2(1-\theta^2)} - \frac{x^2}{4} - \log\cosh\frac{\theta a x}{1-\theta^2},

  whose origin turns unstable at :math:`\theta^4 + 2a^2\theta^2 - 1 = 0`, i.e. :math:`\bar\alpha_c = \theta_c^2 =
  \sqrt{a^4 + 1} - a^2` (:math:`\sqrt2 - 1` at :math:`a = 1`, RA Eq. 9), with the branches
  :math:`(1+\theta^2)x = 2\theta a \tanh(\theta a x/(1-\theta^2))` (RA Eq. 10 at :math:`a = 1`; the :math:`a`
  dependence is derived here). In the Ornstein-Uhlenbeck time of Biroli et al. (:math:`\bar\alpha = e^{-2t}`,
  :math:`g^2 = 2`, :math:`f = -x`) the reverse drift :math:`x + 2\partial_x\log p` has the same fixed points.
* ``"density"``: the modes of :math:`p` itself, i.e. the minima of the log-sum-exp energy equal to
  :math:`-\log p_t` (``diffusion.noise_beta``, Pham et al. 2025): the curvature of :math:`-\log p` at 0 vanishes at
  :math:`\bar\alpha_c = 1/(1 + a^2)` (1/2 at :math:`a = 1`), branches :math:`x = \theta a\tanh(\theta a
  x/(1-\theta^2))` (derived). This is ``dense.pair_midpoint_beta`` / ``dense.pair_minima`` for two memories at
  distance :math:`D = 2\theta a` and :math:`\beta = 1/(2(1-\theta^2))`.

Both are written here as :math:`\tanh u = u/K` with :math:`u = \theta a x/(1-\theta^2)`:
:math:`K = 2\theta^2 a^2/(1-\theta^4)` (``"sde"``) or :math:`K = \theta^2 a^2/(1-\theta^2)` (``"density"``); a
non-zero root exists iff :math:`K > 1`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.optimize import brentq

__all__ = ["KINDS", "SymmetryBreaking", "critical_alpha_bar", "fixed_point", "symmetry_breaking"]

KINDS = ("sde", "density")


class SymmetryBreaking(NamedTuple):
    """Critical signal fraction of the two-point pitchfork and the stable branch at a given ``alpha_bar``."""

    theta_c: float
    alpha_bar_c: float
    t_ou_c: float
    ve_variance_c: float
    x_star: float


def critical_alpha_bar(a: float, kind: str = "sde") -> float:
    r"""Signal fraction :math:`\bar\alpha_c = \theta_c^2` at which the origin loses stability (module docstring)."""
    a2 = a * a
    if kind == "sde":  # sqrt(a^4 + 1) - a^2, without the cancellation (nor the overflow of a^4) at large a
        return (
            1.0 / (math.sqrt(a2 * a2 + 1.0) + a2) if a2 < 1.0 else 1.0 / (a2 * (math.sqrt(1.0 + 1.0 / a2 / a2) + 1.0))
        )
    return 1.0 / (1.0 + a2)


def _gain(theta: float, a: float, kind: str) -> float:
    t2 = theta * theta
    return 2.0 * t2 * a * a / ((1.0 - t2) * (1.0 + t2)) if kind == "sde" else t2 * a * a / (1.0 - t2)


def fixed_point(alpha_bar: float, a: float, kind: str = "sde") -> float:
    """Positive stable fixed point ``x*`` at signal fraction ``alpha_bar`` (0 before the pitchfork)."""
    theta = math.sqrt(alpha_bar)
    K = _gain(theta, a, kind)
    if K <= 1.0:
        return 0.0
    if K > 1e16:  # tanh(u) = 1 to double precision at the root u = K: x* = K (1 - theta^2)/(theta a), in closed form
        return 2.0 * theta * a / (1.0 + theta * theta) if kind == "sde" else theta * a
    # tanh(u) >= u - u^3/3, so tanh(u) - u/K > 0 below sqrt(3 (1 - 1/K)); tanh(K) - 1 < 0.
    lo = 0.5 * math.sqrt(3.0 * (1.0 - 1.0 / K))
    u = brentq(lambda v: math.tanh(v) - v / K, lo, K, xtol=1e-300, rtol=4 * np.finfo(float).eps)
    return u * (1.0 - theta * theta) / (theta * a)


def symmetry_breaking(a: float, alpha_bar: float, kind: str = "sde") -> SymmetryBreaking:
    r"""The pitchfork of the two-point model at ``±a`` and its stable branch at ``alpha_bar`` (module docstring).

    :math:`\theta_c`, :math:`\bar\alpha_c`, the OU time :math:`-\tfrac12\log\bar\alpha_c`, the VE variance
    :math:`(1-\bar\alpha_c)/\bar\alpha_c` and the branch :math:`x^*(\bar\alpha)`.
    """
    ab = critical_alpha_bar(a, kind)
    return SymmetryBreaking(math.sqrt(ab), ab, -0.5 * math.log(ab), (1.0 - ab) / ab, fixed_point(alpha_bar, a, kind))
