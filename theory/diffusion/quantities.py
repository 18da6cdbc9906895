r"""The diffusion-model theory quantities served by the registry (``amphase theory diffusion.*``).

Each function is the public, checked entry point to one prediction; formulas and sources are in the docstrings.

Registrations live by topic: :mod:`~amphase.theory.diffusion.conventions` (``noise_beta``, ``ou_time``),
:mod:`~amphase.theory.diffusion.regimes_quantities` (BBBM: ``speciation_time``, ``collapse_time``,
``clone_probability``), :mod:`~amphase.theory.diffusion.onset_quantities` (``spurious_onset``, ``gaussian_onset``),
:mod:`~amphase.theory.diffusion.generalization` (``barrier_law``, ``generalization_onset``); the lost directions of
Achilli et al. 2024 (``direction_loss``) and the pitchfork of Raya & Ambrogioni 2023 (``symmetry_breaking``) here.
Importing this module registers them all.
"""

from __future__ import annotations

from amphase.theory.diffusion import geometric, symmetry
from amphase.theory.diffusion.conventions import AVS24, RA23, NoiseBeta, noise_beta, ou_time
from amphase.theory.diffusion.onset_quantities import GaussianOnset, SpuriousOnset, gaussian_onset, spurious_onset
from amphase.theory.diffusion.regimes_quantities import clone_probability, collapse_time, speciation_time
from amphase.theory.registry import CHEAP, Choice, Param, Result, quantity

__all__ = [
    "GaussianOnset",
    "NoiseBeta",
    "SpuriousOnset",
    "clone_probability",
    "collapse_time",
    "direction_loss",
    "gaussian_onset",
    "noise_beta",
    "ou_time",
    "speciation_time",
    "spurious_onset",
    "symmetry_breaking",
]


@quantity(
    "diffusion.direction_loss",
    params=[
        Param("var", "data variance sigma_i^2 along the direction group", lower=0.0, lower_open=True),
        Param("K", "number of training points", lower=2, integer=True),
        Param("t", "VE noise variance (noise_beta process=ve, sigma=1)", lower=0.0, lower_open=True),
        Param("quartic", "S = (1/2) sum_j sigma_j^4 over all directions; 0 for data on a sphere", lower=0.0),
    ],
    results=[
        Result("t_c", "VE time below which the group is lost (memorized)"),
        Result("K_c", "at time t the group is lost for K < K_c training points"),
        Result("log_K_c", "log K_c = (S + t var)/(2 t^2)"),
        Result("lost", "1 if the group is lost at (t, K), else 0"),
    ],
    reference=f"{AVS24} (formula of the authors' theory notebook; REM reading derived)",
    cost=CHEAP,
)
def direction_loss(var: float, K: int, t: float = 1.0, quartic: float = 0.0) -> geometric.DirectionLoss:
    """Critical time and dataset size at which a direction group of variance var is lost (Achilli et al. 2024).

    Lost when t^2 < (S + t var)/(2 log K): t_c = (c var + sqrt(c^2 var^2 + 4 c S))/2, c = 1/(2 log K);
    higher-variance groups are lost first. Arrays of variances: amphase.theory.diffusion.geometric.critical_times.
    """
    return geometric.direction_loss(var, K, t, quartic)


@quantity(
    "diffusion.symmetry_breaking",
    params=[
        Param(
            "a", "the two data points sit at ±a (a^2 within the float range)", lower=0.0, upper=1e150, lower_open=True
        ),
        Param(
            "alpha_bar",
            "VP signal fraction theta^2 at which to place the branch x*",
            lower=0.0,
            upper=1.0,
            lower_open=True,
            upper_open=True,
        ),
        Choice("kind", "potential: sde (Raya & Ambrogioni's generative SDE) or density (-log p_t)", symmetry.KINDS),
    ],
    results=[
        Result("theta_c", "critical signal coefficient sqrt(alpha_bar_c)"),
        Result("alpha_bar_c", "critical VP signal fraction (sde: sqrt(a^4+1) - a^2; density: 1/(1+a^2))"),
        Result("t_ou_c", "Ornstein-Uhlenbeck time -0.5 log(alpha_bar_c)"),
        Result("ve_variance_c", "VE noise variance (1 - alpha_bar_c)/alpha_bar_c"),
        Result("x_star", "positive stable fixed point at alpha_bar (0 before the pitchfork)"),
    ],
    reference=f"{RA23}; a-dependence and kind=density derived in amphase.theory.diffusion.symmetry",
    cost=CHEAP,
)
def symmetry_breaking(a: float = 1.0, alpha_bar: float = 0.64, kind: str = "sde") -> symmetry.SymmetryBreaking:
    """Pitchfork of the one-dimensional two-point model (Raya & Ambrogioni 2023): theta_c = sqrt(sqrt(2) - 1) at a = 1.

    Branch (1 + theta^2) x = 2 theta a tanh(theta a x/(1 - theta^2)) (their Eq. 10 at a = 1); kind=density gives
    the modes of p_t (alpha_bar_c = 1/(1 + a^2)).
    """
    return symmetry.symmetry_breaking(a, alpha_bar, kind)
