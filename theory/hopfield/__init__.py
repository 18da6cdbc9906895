"""Theory of the classical Hopfield model: replica-symmetric AGS theory, phase diagram, spurious states.

The public entry points are the registered quantities of :mod:`~amphase.theory.hopfield.quantities`.
"""

from amphase.theory.hopfield.quantities import (
    T_M,
    T_R,
    T_c,
    T_g,
    alpha_0,
    alpha_c,
    capacity_snr,
    mixture,
    overlap,
    phase_diagram,
    spin_glass,
)

__all__ = [
    "T_M",
    "T_R",
    "T_c",
    "T_g",
    "alpha_0",
    "alpha_c",
    "capacity_snr",
    "mixture",
    "overlap",
    "phase_diagram",
    "spin_glass",
]
