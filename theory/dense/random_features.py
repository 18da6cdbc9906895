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
(bias) is ``C/(2 beta Y)`` and its root-mean-square ``sqrt(C/Y)/beta``. The dimension ``d`` does not enter: these
features' variance depends only on the norms and inner products of ``x`` and the memories. The formulas are derived
here (Hoover et al. give bounds, whose constants were not checked) and tested against a direct Monte Carlo of the
estimator (:func:`positive_features`).
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
    C = float(np.expm1(logsumexp(log_terms)))
    return RandomFeatureError(math.sqrt(C / Y), math.sqrt(C / Y) / beta, C / (2.0 * beta * Y), C)


def positive_features(points: np.ndarray, omega: np.ndarray, beta: float) -> np.ndarray:
    """Positive random features ``exp(sqrt(2 beta) omega . x - 2 beta |x|^2)``, shape ``(..., Y)``.

    ``omega`` has shape ``(Y, d)``; the features are not divided by ``Y`` (average them).
    """
    points = np.asarray(points, dtype=float)
    return np.exp(math.sqrt(2.0 * beta) * points @ omega.T - 2.0 * beta * np.sum(points**2, axis=-1)[..., None])


def orthogonal_configuration(K: int, r: float) -> tuple[np.ndarray, np.ndarray]:
    """``K`` orthogonal memories ``r e_mu`` in ``R^K`` and the query at the first one (the registered case)."""
    memories = r * np.eye(K)
    return memories[0].copy(), memories
