"""Theory of diffusion models with the exact score of K training points, seen as associative memories.

The public entry points are the registered quantities of :mod:`~amphase.theory.diffusion.quantities`; the formulas
live in :mod:`~amphase.theory.diffusion.regimes` (speciation, collapse, clones: Biroli et al. 2024),
:mod:`~amphase.theory.diffusion.geometric` (lost directions: Achilli et al. 2024) and
:mod:`~amphase.theory.diffusion.symmetry` (the two-point pitchfork: Raya & Ambrogioni 2023); the barrier law and the
generalization onset in :mod:`~amphase.theory.diffusion.generalization`.
"""

from amphase.theory.diffusion.generalization import barrier_law, generalization_onset
from amphase.theory.diffusion.quantities import (
    clone_probability,
    collapse_time,
    direction_loss,
    gaussian_onset,
    noise_beta,
    ou_time,
    speciation_time,
    spurious_onset,
    symmetry_breaking,
)

__all__ = [
    "barrier_law",
    "clone_probability",
    "collapse_time",
    "direction_loss",
    "gaussian_onset",
    "generalization_onset",
    "noise_beta",
    "ou_time",
    "speciation_time",
    "spurious_onset",
    "symmetry_breaking",
]
