r"""Error of the random-feature approximation of the log-sum-exp energy, as a function of the number of features ``Y``.

Setting (Hoover, Chau, Strobelt, Ram & Krotov 2024, "Dense Associative Memory Through the Lens of Random Features",
NeurIPS; arXiv:2410.24153): the energy ``E(x) = -beta^{-1} ln Z(x)``, ``Z(x) = sum_mu k(x, xi^mu)`` with the
Gaussian kernel ``k(x, xi) = exp(-beta |x - xi|^2)`` (the amphase distance convention), is approximated by writing
the kernel as an expectation over random features, ``k(x, xi) = E_omega[phi_omega(x) phi_omega(xi)]``, and
replacing the expectation by an average over ``Y`` features drawn once: ``Z_Y(x) = phi(x) . T`` with
``T = sum_mu phi(xi^mu)`` (the memories enter only through ``T``). For the *positive random features* of the
Gaussian kernel (Choromanski et al. 2021, "Rethinking attention with Performers", ICLR, Lemma 1)

.. math::

    \phi_\omega(x) = \exp\left(\sqrt{2\beta}\, \omega\cdot x - 2\beta |x|^2\right), \qquad \omega \sim N(0, I_d),

``E[phi(x) phi(xi)] = exp(beta |x + xi|^2 - 2 beta |x|^2 - 2 beta |xi|^2) = k(x, xi)``. Derivation of the error:
one feature gives ``Z_1 = sum_mu phi(x) phi(xi^mu)`` with

.. math::

    E[\phi(x)^2 \phi(\xi^\mu) \phi(\xi^\nu)] = k_\mu k_\nu\, e^{2\beta (x + \xi^\mu)\cdot(x + \xi^\nu)},

so ``Z_Y`` is unbiased with relative variance ``C / Y``,

.. math::

    C = \sum_{\mu\nu} p_\mu p_\nu\, e^{2\beta (x + \xi^\mu)\cdot(x + \xi^\nu)} - 1, \qquad
    p_\mu = k_\mu / Z ,

(for one memory ``C = exp(2 beta |x + xi|^2) - 1``, the positive-feature variance of Choromanski et al.). For the
energy, ``E_Y - E = -beta^{-1} ln(1 + delta)`` with ``delta = Z_Y/Z - 1``: to leading order in ``1/Y`` its mean
(bias) is ``C/(2 beta Y)`` and its root-mean-square ``sqrt(C/Y)/beta``; the dimension ``d`` does not enter.

Gradient: ``grad E_Y = -beta^{-1} G_Y/Z_Y`` with ``G_Y = grad_x Z_Y``; one feature gives
``grad_x Z_1 = a(omega) Z_1``, ``a = sqrt(2 beta) omega - 4 beta x``. Under the tilt ``e^{sqrt(2 beta) omega.u}``
(``u = 2x + xi^mu + xi^nu``) ``a`` has mean ``m_{mu nu} = 2 beta (xi^mu + xi^nu)`` and covariance ``2 beta I``, so the
delta method (the mean terms cancel) gives, to leading order in ``1/Y``,

.. math::

    E|\nabla E_Y - \nabla E|^2 = \frac{1}{\beta^2 Y} \sum_{\mu\nu} p_\mu p_\nu
    e^{2\beta (x + \xi^\mu)\cdot(x + \xi^\nu)} \left[2\beta d + |m_{\mu\nu} - r|^2\right],
    \qquad r = 2\beta(\bar\xi - x),

where ``d`` does enter (the ``2 beta d`` of the isotropic feature noise). The formulas are derived here (Hoover et al.
give bounds, whose constants were not checked) and tested against a direct Monte Carlo of the estimator
(:func:`positive_features`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp

__all__ = ["RandomFeatureError", "orthogonal_configuration", "positive_features", "random_feature_error"]


class RandomFeatureError(NamedTuple):
    """Errors of the ``Y``-feature estimate of the partition function and the energy."""

    Z_rel_std: float
    energy_rms: float
    energy_bias: float
    grad_rms: float
    C: float


def random_feature_error(x: np.ndarray, memories: np.ndarray, beta: float, Y: int) -> RandomFeatureError:
    """Leading-order errors of the positive-random-feature energy at ``x`` (module docstring).

    Parameters
    ----------
    x : array of shape (d,)
        The query.
    memories : array of shape (K, d)
        The memories ``xi^mu``.
    beta : float
        Inverse temperature of ``E = -beta^{-1} ln sum exp(-beta |x - xi|^2)``.
    Y : int
        Number of random features.

    """
    x = np.asarray(x, dtype=float)
    xi = np.asarray(memories, dtype=float)
    logk = -beta * np.sum((x - xi) ** 2, axis=1)
    logp = logk - logsumexp(logk)
    u = x + xi
    log_terms = logp[:, None] + logp[None, :] + 2.0 * beta * (u @ u.T)
    log_norm = logsumexp(log_terms)
    if not np.isfinite(log_norm):  # the exponent itself beyond the float range: every error is infinite
        return RandomFeatureError(math.inf, math.inf, math.inf, math.inf, math.inf)
    with np.errstate(over="ignore"):  # C is inf past the float range
        C = float(np.expm1(log_norm))
    if log_norm < 709.0:
        r = 2.0 * beta * (np.exp(logp) @ xi - x)
        m = 2.0 * beta * (xi[:, None, :] + xi[None, :, :])
        bracket = 2.0 * beta * x.size + np.sum((m - r) ** 2, axis=-1)
        # beta^2 Y would underflow for a tiny beta: divided one factor at a time
        grad_ms = float(np.sum(np.exp(log_terms - log_norm) * bracket)) * math.exp(log_norm) / beta / beta / Y
    else:  # exp(log_norm) beyond the float range, and with it the gradient's error
        grad_ms = math.inf
    return RandomFeatureError(math.sqrt(C / Y), math.sqrt(C / Y) / beta, C / 2.0 / beta / Y, math.sqrt(grad_ms), C)


def positive_features(points: np.ndarray, omega: np.ndarray, beta: float) -> np.ndarray:
    """Positive random features ``exp(sqrt(2 beta) omega . x - 2 beta |x|^2)``, shape ``(..., Y)``.

    ``omega`` has shape ``(Y, d)``; the features are not divided by ``Y`` (average them).
    """
    points = np.asarray(points, dtype=float)
    return np.exp(math.sqrt(2.0 * beta) * points @ omega.T - 2.0 * beta * np.sum(points**2, axis=-1)[..., None])


def orthogonal_configuration(K: int, r: float, d: int) -> tuple[np.ndarray, np.ndarray]:
    """``K <= d`` orthogonal memories ``r e_mu`` in ``R^d`` and the query at the first one (the registered case)."""
    memories = r * np.eye(K, d)
    return memories[0].copy(), memories
