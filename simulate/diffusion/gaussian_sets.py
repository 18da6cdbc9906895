"""The training sets of the Biroli et al. 2024 models, each nested in K.

Gaussian points (``diffusion.collapse``) and points of two Gaussians (``diffusion.clones``).

Both draw from :func:`~amphase.simulate.diffusion.data.nested_seed`, keyed by the parameters that define the set and
never by K, so the set of a larger K contains the smaller ones (a realization's streams otherwise come from its task
seed).
"""

from __future__ import annotations

import numpy as np

from amphase.simulate.diffusion.data import nested_seed, training_set

__all__ = ["gaussian_points", "two_gaussian_points"]


def gaussian_points(K: int, d: int, sigma: float, seed: np.random.SeedSequence) -> np.ndarray:
    """The (K, d) training set of one realization: N(0, sigma^2 I_d), nested in K (``diffusion.collapse``)."""
    stream = nested_seed(seed, {"dataset": "gaussian", "d": int(d)})
    return training_set("linear", int(K), stream, groups=((int(d), float(sigma)),))


def two_gaussian_points(K: int, d: int, m: float, sigma: float, seed: np.random.SeedSequence) -> np.ndarray:
    """The (K, d) training set of one realization: N(+m, sigma^2 I) for even i, N(-m, ...) for odd i (nested in K).

    The noise is one standard-normal (K, d) draw, row by row, from the stream :func:`nested_seed` keyed by
    (d, m, sigma): a prefix of the draw for a larger K, so the sets are nested.
    """
    d, m, sigma, K = int(d), float(m), float(sigma), int(K)
    stream = nested_seed(seed, {"dataset": "two_gaussians", "d": d, "m": m, "sigma": sigma})
    rng = np.random.Generator(np.random.PCG64(stream))
    sign = np.where(np.arange(K) % 2 == 0, 1.0, -1.0)
    return sign[:, None] * np.full(d, m) + sigma * rng.standard_normal((K, d))
