"""Theory of the classical Hopfield model: replica-symmetric AGS theory, phase diagram, spurious states.

The public entry points are the registered quantities, by topic: :mod:`~amphase.theory.hopfield.quantities_states`,
:mod:`~amphase.theory.hopfield.quantities_lines`, :mod:`~amphase.theory.hopfield.quantities_capacity` (shared
references, parameters and costs in :mod:`~amphase.theory.hopfield.quantities`).
"""

from amphase.theory.hopfield.quantities_capacity import capacity_snr
from amphase.theory.hopfield.quantities_lines import T_M, T_R, T_c, T_g, alpha_0, phase_diagram
from amphase.theory.hopfield.quantities_states import alpha_c, mixture, overlap, spin_glass

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
