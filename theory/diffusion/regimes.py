r"""Speciation, collapse and cloning in diffusion models with the exact empirical score (Biroli et al. 2024).

Source: G. Biroli, T. Bonnaire, V. de Bortoli, M. Mézard, "Dynamical regimes of diffusion models", Nature
Communications 15, 9957 (2024), arXiv:2402.18491 (BBBM). Only the abstract of the paper's text could be read in this
environment; the formulas below were checked against the authors' public code (github.com/tbonnair/
Dynamical-Regimes-of-Diffusion-Models, ``src/Plots_paper.py``, ``src/Gaussian_mixtures_entropy.py``,
``src/Gaussian_mixtures_speciation.py``, ``src/Experiment_collapse.py``), which reproduces the paper's Figs. 2-5 and
Table 1. Equation numbers are quoted only where that code names them ("the entropy criterion (Eq. 5)", "transform
back the time (Eq. 59)", arXiv version); everything marked *derived* was derived here, not read.

Time convention (BBBM): the Ornstein-Uhlenbeck forward process :math:`dx = -x\,dt + \sqrt2\, dB`, so that

.. math::

    x_t = e^{-t} a + \sqrt{\Delta_t}\, z, \qquad \Delta_t = 1 - e^{-2t}, \qquad z \sim \mathcal N(0, I_d).

Map to the conventions of :func:`~amphase.theory.diffusion.quantities.noise_beta` (:func:`ou_conventions`):

* VP (DDPM): the signal fraction is :math:`\bar\alpha = e^{-2t}` and the noise variance :math:`1 - \bar\alpha =
  \Delta_t`, so ``noise_beta(process="vp", alpha_bar=exp(-2t))`` gives :math:`\beta = 1/(2\Delta_t)` with memories
  scaled by :math:`e^{-t}` (BBBM's code converts DDPM steps this way: :math:`t = -\tfrac12 \log\bar\alpha`);
* VE (:math:`x = a + \sigma\sqrt{\tau}\,z`): :math:`x_t e^{t} = a + \sqrt{e^{2t} - 1}\, z`, so the VE noise variance
  is :math:`\sigma^2\tau = e^{2t} - 1` and ``noise_beta(process="ve", t=expm1(2t), sigma=1)`` gives
  :math:`\beta = 1/(2(e^{2t}-1)) = e^{-2t}/(2\Delta_t)` for the unscaled memories.

Speciation (BBBM, abstract: "found from a spectral analysis of the correlation matrix"): with :math:`\Lambda` the
largest eigenvalue of the data covariance, :math:`t_S = \tfrac12 \log \Lambda` (BBBM Table 1 lists
:math:`\Lambda` = 7.66, 16.72, 3.05, 12.11, 60.52 for MNIST, CIFAR-10, ImageNet16, ImageNet32, LSUN; their code sets
the DDPM step of :math:`t_S` where :math:`\bar\alpha` first drops below :math:`1/\Lambda`, i.e. the same relation).
It is the leading order for large :math:`\Lambda`: the Gaussian approximation of :math:`P_t`, of covariance
:math:`\Lambda e^{-2t} + \Delta_t` along the top direction, stops being dominated by the noise there.

Two Gaussians at :math:`\pm m` with variance :math:`\sigma^2` per dimension, :math:`|m|^2 = \tilde m^2 d` (the model
of BBBM Fig. 2): along :math:`\hat m` the noised density is a one-dimensional mixture of :math:`\mathcal
N(\pm\mu_t, \Gamma_t)`, :math:`\mu_t = |m| e^{-t}`, :math:`\Gamma_t = \Delta_t + \sigma^2 e^{-2t}`. Two clones
branched at time :math:`t` from the same :math:`x_t` end in the same class with probability (BBBM's code integrates
:math:`\phi(t) = \tfrac12\int (G_+^2 + G_-^2)/(G_+ + G_-)\,dx`)

.. math::

    \phi(t) = \mathbb E_{x_t}\big[P(+|x_t)^2 + P(-|x_t)^2\big]
            = \tfrac12 + \tfrac12\, \mathbb E\,\tanh z, \quad z \sim \mathcal N(\kappa_t, \kappa_t),
    \qquad \kappa_t = \frac{\mu_t^2}{\Gamma_t} = \frac{|m|^2 e^{-2t}}{\Delta_t + \sigma^2 e^{-2t}},

(the reduction to one Gaussian average is derived: :math:`P(+|x) = (1 + \tanh(\mu_t x/\Gamma_t))/2` and
:math:`\mu_t x/\Gamma_t \sim \mathcal N(\kappa_t, \kappa_t)` under :math:`G_+`). :math:`\phi \to 1` as
:math:`t \to 0`, :math:`\to \tfrac12` as :math:`t \to \infty`; at :math:`t_S = \tfrac12\log\Lambda`,
:math:`\Lambda = |m|^2 + \sigma^2`, :math:`\kappa \to 1` for :math:`d \to \infty` and :math:`\phi \to 0.7753`, the
level BBBM draw in Fig. 2 and use (0.775) to read :math:`t_S` off the real-data curves of Fig. 4.
*Derived* refinement: the origin stops being a minimum of :math:`-\log P_t` along :math:`\hat m` at
:math:`t_* = \tfrac12 \log(|m|^2 + 1 - \sigma^2)` (where :math:`\mu_t^2 = \Gamma_t`; exists iff :math:`|m| > \sigma`),
:math:`t_* - t_S = O(1/d)`.

Collapse (BBBM, "the collapse time can be found from the estimation of an 'excess entropy'"): with :math:`K`
training points, :math:`\alpha = \log K / d`, the excess entropy is the entropy the empirical mixture would have if
its :math:`K` Gaussians did not overlap, minus its actual entropy (per dimension),

.. math::

    f^e(t) = \alpha + \tfrac12\big(1 + \log 2\pi\Delta_t\big) - s^e(t), \qquad
    s^e(t) = -\tfrac1d\, \mathbb E_{x \sim P^e_t} \log P^e_t(x),

(as BBBM's code computes it, "Eq. 5"), and the trajectories collapse onto the training points when
:math:`f^e` reaches 0. For Gaussian data :math:`\mathcal N(0, \sigma^2 I_d)` and :math:`d \to \infty` at fixed
:math:`\alpha`, :math:`s^e` is the entropy of :math:`\mathcal N(0, \Delta_t + \sigma^2 e^{-2t})` until the collapse:

.. math::

    f^e(t) = \max\Big(0,\ \alpha + \tfrac12 \log\frac{\Delta_t}{\Delta_t + \sigma^2 e^{-2t}}\Big), \qquad
    t_C = \tfrac12 \log\Big(1 + \frac{\sigma^2}{K^{2/d} - 1}\Big),

(BBBM Fig. 3: ``crit_theo`` and ``tcond`` of their code). In VE units the collapse happens at noise variance
:math:`e^{2t_C} - 1 = \sigma^2/(K^{2/d} - 1)`. The same formula holds for the two-Gaussian mixture of Fig. 3 (the
means change :math:`s^e` by :math:`O(1/d)`). A Monte Carlo estimator of :math:`f^e` for any data set is
:func:`amphase.analysis.diffusion.entropy.excess_entropy`. This :math:`t_C` is *annealed*: it uses
:math:`\log P_t = \log \mathbb E_{\rm train} P^e_t`. At test points drawn from the population and one fixed training
set (*quenched*, :func:`amphase.simulate.diffusion.entropy.population_excess_entropy`), Jensen's inequality
:math:`\mathbb E_{\rm train}\log P^e_t \le \log P_t` puts the excess entropy below the annealed curve at every t, so its
zero comes at or after :math:`t_C` in expectation (derived here; measured 6-11 % after at d = 32, about 50 % at
d = 4: README, collapse).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from amphase.errors import NoSolutionError
from amphase.theory.quadrature import field_nodes

__all__ = [
    "CloneProbability",
    "OUConventions",
    "clone_kappa",
    "clone_probability",
    "collapse_time",
    "excess_entropy_gaussian",
    "ou_conventions",
    "speciation_time",
    "two_gaussian_instability_time",
]


class OUConventions(NamedTuple):
    """One Ornstein-Uhlenbeck time in the VP and VE conventions of ``diffusion.noise_beta``."""

    alpha_bar: float
    delta: float
    ve_variance: float
    beta_vp: float
    beta_ve: float


def ou_conventions(t: float) -> OUConventions:
    r"""VP signal fraction :math:`e^{-2t}`, noise :math:`\Delta_t`, VE variance :math:`e^{2t}-1` and the two betas."""
    delta = -math.expm1(-2.0 * t)
    ve = math.expm1(2.0 * t) if t < 354.0 else math.inf  # inf beyond the float range (beta_ve is then 0)
    return OUConventions(math.exp(-2.0 * t), delta, ve, 0.5 / delta, 0.5 / ve)


def speciation_time(Lambda: float) -> float:
    r""":math:`t_S = \tfrac12 \log\Lambda` (BBBM); :class:`NoSolutionError` for :math:`\Lambda \le 1`."""
    if Lambda <= 1.0:
        raise NoSolutionError(f"Lambda={Lambda} <= 1: the data are nowhere broader than the noise (t_S <= 0)")
    return 0.5 * math.log(Lambda)


def collapse_time(K: int, d: int, sigma: float) -> float:
    r""":math:`t_C = \tfrac12\log(1 + \sigma^2/(K^{2/d} - 1))` for ``K`` Gaussian points of variance ``sigma**2``."""
    return 0.5 * math.log1p(sigma * sigma / math.expm1(2.0 * math.log(K) / d))


def excess_entropy_gaussian(t: float, K: int, d: int, sigma: float) -> float:
    r"""Excess entropy of ``K`` Gaussian points for :math:`d \to \infty` (module docstring).

    :math:`f^e(t) = \max(0, \alpha + \tfrac12\log(\Delta_t/(\Delta_t + \sigma^2 e^{-2t})))`, :math:`\alpha = \log K/d`.
    """
    delta = -math.expm1(-2.0 * t)
    return max(0.0, math.log(K) / d - 0.5 * math.log1p(sigma * sigma * math.exp(-2.0 * t) / delta))


def clone_kappa(t: float, m2: float, sigma2: float) -> float:
    r"""Class signal-to-noise :math:`\kappa_t = |m|^2 e^{-2t}/(\Delta_t + \sigma^2 e^{-2t})` along :math:`\hat m`."""
    e2 = math.exp(-2.0 * t)
    return m2 * e2 / (-math.expm1(-2.0 * t) + sigma2 * e2)


def _mean_tanh(kappa: float) -> float:
    """``E tanh(z)``, ``z ~ N(kappa, kappa)``, by the composite Gauss-Legendre rule of theory/quadrature.py.

    Above ``kappa = 1e4`` it is 1 to double precision (``P(z < 0) = Phi(-sqrt(kappa)) < 1e-2000``).
    """
    if kappa > 1e4:
        return 1.0
    _, w, h = field_nodes(float(kappa), math.sqrt(kappa), 1.0)
    return float(np.dot(w, np.tanh(h)))


class CloneProbability(NamedTuple):
    """Probability that two clones branched at ``t`` end in the same class, and the times it is compared with."""

    phi: float
    kappa: float
    t_S: float
    t_instability: float


def two_gaussian_instability_time(m2: float, sigma2: float) -> float:
    r""":math:`t_* = \tfrac12\log(|m|^2 + 1 - \sigma^2)`: the origin stops being a minimum of :math:`-\log P_t`.

    Derived (module docstring).

    :class:`NoSolutionError` when :math:`|m|^2 \le \sigma^2` (the mixture is unimodal along :math:`\hat m` at all
    times).
    """
    if m2 <= sigma2:
        raise NoSolutionError(f"|m|^2={m2} <= sigma^2={sigma2}: the two-Gaussian mixture is never bimodal")
    return 0.5 * math.log1p(m2 - sigma2)


def clone_probability(t: float, d: int, m: float, sigma: float) -> CloneProbability:
    r"""Cloning probability :math:`\phi = (1 + \mathbb E\tanh z)/2`, :math:`z \sim \mathcal N(\kappa_t, \kappa_t)`.

    The Gaussians sit at :math:`\pm m`, :math:`|m|^2 = m^2 d` (``m`` is the amplitude per dimension).

    ``t_S`` is :math:`\tfrac12\log(|m|^2 + \sigma^2)` (BBBM with :math:`\Lambda` the top eigenvalue of the mixture's
    covariance); ``t_instability`` is :func:`two_gaussian_instability_time` (NaN when the mixture is unimodal).
    """
    m2, s2 = m * m * d, sigma * sigma
    if math.isfinite(m2) and math.isfinite(s2):
        kappa = clone_kappa(t, m2, s2)
    elif m2 == 0.0:  # no signal at all, whatever the noise
        kappa = 0.0
    else:  # |m|^2 or sigma^2 beyond the float range: kappa = |m|^2 e^-2t / (Delta_t + sigma^2 e^-2t) in logarithms
        log_num = 2.0 * math.log(m) + math.log(d) - 2.0 * t
        log_delta = math.log(-math.expm1(-2.0 * t))
        log_den = float(np.logaddexp(log_delta, 2.0 * math.log(sigma) - 2.0 * t)) if sigma > 0 else log_delta
        kappa = math.exp(log_num - log_den) if log_num - log_den < 709.0 else math.inf
    try:
        t_star = two_gaussian_instability_time(m2, s2)
    except NoSolutionError:
        t_star = math.nan
    lam = m2 + s2
    t_s = 0.5 * math.log(lam) if lam > 1.0 else math.nan
    return CloneProbability(0.5 + 0.5 * _mean_tanh(kappa), kappa, t_s, t_star)
