"""What the Dense Associative Memory theory quantities (``amphase theory dense.*``) share: references, parameters.

The quantities are registered by topic: :mod:`~amphase.theory.dense.quantities_binary` (capacities and finite-N
stability of the binary DenseAM), :mod:`~amphase.theory.dense.quantities_exponential` (exponential and LSE
memories: thresholds, separation, random features), :mod:`~amphase.theory.dense.quantities_sequence` (the sequence
rule) and :mod:`~amphase.theory.dense.quantities_landscape` (minima of the LSE energy); importing
:mod:`amphase.theory.dense` registers them all. Each function is the public, checked entry point to one prediction;
the formulas, their derivations and their sources are in :mod:`~amphase.theory.dense.capacity`,
:mod:`~amphase.theory.dense.finite_size`, :mod:`~amphase.theory.dense.lse`, :mod:`~amphase.theory.dense.ramsauer`,
:mod:`~amphase.theory.dense.random_features`, :mod:`~amphase.theory.dense.sequence` and
:mod:`~amphase.theory.lse_landscape`.

References
----------
KH 2016: D. Krotov, J. J. Hopfield, "Dense Associative Memory for Pattern Recognition", NeurIPS 29 (2016).
DHLUV 2017: M. Demircigil, J. Heusel, M. Löwe, S. Upgang, F. Vermet, "On a model of associative memory with huge
storage capacity", J. Stat. Phys. 168, 288 (2017).
LM 2024: C. Lucibello, M. Mézard, "Exponential capacity of dense associative memories", Phys. Rev. Lett. 132,
077301 (2024), arXiv:2304.14964.
Ramsauer 2021: H. Ramsauer et al., "Hopfield Networks is All You Need", ICLR (2021), arXiv:2008.02217.
Hoover 2024: B. Hoover, D. H. Chau, H. Strobelt, P. Ram, D. Krotov, "Dense Associative Memory Through the Lens of
Random Features", NeurIPS (2024), arXiv:2410.24153.
Chaudhry 2023: H. T. Chaudhry, J. A. Zavatone-Veth, D. Krotov, C. Pehlevan, "Long Sequence Hopfield Memory",
NeurIPS (2023), arXiv:2306.04532.
"""

from __future__ import annotations

from amphase.theory.registry import Param

__all__ = [
    "BETA_LSE",
    "CHAUDHRY23",
    "CHOROMANSKI21",
    "DERIVED",
    "DERIVED_LSE",
    "DHLUV17",
    "HOOVER24",
    "KH16",
    "LM24",
    "MPRV87",
    "N_SPINS",
    "RAMSAUER21",
]

KH16 = "Krotov & Hopfield, NeurIPS 29 (2016)"
MPRV87 = "McEliece, Posner, Rodemich & Venkatesh, IEEE Trans. Inf. Theory 33, 461 (1987)"
DHLUV17 = "Demircigil, Heusel, Löwe, Upgang & Vermet, J. Stat. Phys. 168, 288 (2017)"
LM24 = "Lucibello & Mézard, Phys. Rev. Lett. 132, 077301 (2024), arXiv:2304.14964"
RAMSAUER21 = "Ramsauer et al., ICLR (2021), arXiv:2008.02217"
HOOVER24 = "Hoover, Chau, Strobelt, Ram & Krotov, NeurIPS (2024), arXiv:2410.24153"
CHOROMANSKI21 = "Choromanski et al., ICLR (2021), arXiv:2009.14794"
CHAUDHRY23 = "Chaudhry, Zavatone-Veth, Krotov & Pehlevan, NeurIPS (2023), arXiv:2306.04532"
DERIVED = "derived in amphase.theory.dense (Gaussian signal-to-noise and REM arguments, see the module docstrings)"
DERIVED_LSE = "derived in amphase.theory.lse_landscape (gradient and Hessian of the log-sum-exp energy)"


N_SPINS = Param("N", "number of neurons", lower=3, integer=True)
BETA_LSE = Param("beta", "inverse temperature of E = -ln sum exp(-beta |x - xi|^2)/beta", lower=0.0, lower_open=True)
