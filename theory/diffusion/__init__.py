"""Theory of diffusion models with the exact score of K training points, seen as associative memories.

The public entry points are the registered quantities of :mod:`~amphase.theory.diffusion.quantities`.
"""

from amphase.theory.diffusion.quantities import noise_beta, spurious_onset

__all__ = ["noise_beta", "spurious_onset"]
