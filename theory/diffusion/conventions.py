r"""Conventions of the diffusion theory: the LSE energy of the noised density, Ornstein-Uhlenbeck time, references.

The log-sum-exp energy equal to the noised empirical density's -log p_t, the Ornstein-Uhlenbeck time of Biroli et al.
in the VP and VE conventions, and the references the registrations cite.

Registered here: ``diffusion.noise_beta`` and ``diffusion.ou_time``; the other diffusion quantities are listed in
:mod:`~amphase.theory.diffusion.quantities`.

References
----------
Pham 2025: B. Pham, G. Raya, M. Negri, M. J. Zaki, L. Ambrogioni, D. Krotov, "Memorization to Generalization:
Emergence of Diffusion Models from Associative Memory", arXiv:2505.21777 (2025).
BBBM 2024: G. Biroli, T. Bonnaire, V. de Bortoli, M. Mézard, "Dynamical regimes of diffusion models", Nat. Commun.
15, 9957 (2024), arXiv:2402.18491 (:mod:`~amphase.theory.diffusion.regimes`).
AVS 2024: B. Achilli, E. Ventura, G. Silvestri et al., "Losing dimensions: geometric memorization in generative
diffusion", arXiv:2410.08727 (2024) (:mod:`~amphase.theory.diffusion.geometric`).
RA 2023: G. Raya, L. Ambrogioni, "Spontaneous symmetry breaking in generative diffusion models", NeurIPS (2023),
arXiv:2305.19693 (:mod:`~amphase.theory.diffusion.symmetry`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from amphase.theory.diffusion import regimes
from amphase.theory.registry import CHEAP, Choice, Param, Result, quantity

__all__ = ["AVS24", "BBBM24", "OU_TIME", "PHAM25", "RA23", "NoiseBeta", "noise_beta", "ou_time"]

PHAM25 = "Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025)"
BBBM24 = "Biroli, Bonnaire, de Bortoli & Mézard, Nat. Commun. 15, 9957 (2024), arXiv:2402.18491"
AVS24 = "Achilli, Ventura, Silvestri, Pham, Raya, Krotov, Lucibello & Ambrogioni, arXiv:2410.08727 (2024)"
RA23 = "Raya & Ambrogioni, NeurIPS (2023), arXiv:2305.19693"
OU_TIME = Param(
    "t",
    "Ornstein-Uhlenbeck time of Biroli et al.: x_t = exp(-t) a + sqrt(1 - exp(-2t)) z",
    lower=0.0,
    lower_open=True,
    long_name="Ornstein-Uhlenbeck diffusion time",
)


class NoiseBeta(NamedTuple):
    """Inverse temperature and memory scale of the LSE energy equal to -log p_t."""

    beta: float
    scale: float
    sigma_t: float


@quantity(
    "diffusion.noise_beta",
    params=[
        Param(
            "t",
            "diffusion time (VE: variance sigma^2 t; VP: alpha_bar(t) of the schedule)",
            lower=0.0,
            lower_open=True,
            long_name="diffusion time",
        ),
        Param("sigma", "VE noise scale: the forward process adds variance sigma^2 t", lower=0.0, lower_open=True),
        Param(
            "alpha_bar",
            "VP only: signal fraction alpha_bar(t) in (0, 1)",
            lower=0.0,
            upper=1.0,
            lower_open=True,
            upper_open=True,
        ),
        Choice("process", "forward process", ("ve", "vp")),
    ],
    results=[
        Result("beta", "inverse temperature of E = -ln sum exp(-beta |x - s xi|^2)/beta equal to -ln p_t (+ const)"),
        Result("scale", "factor s multiplying the training points (VE: 1; VP: sqrt(alpha_bar))"),
        Result("sigma_t", "standard deviation of the noise added at time t"),
    ],
    reference=PHAM25,
    cost=CHEAP,
)
def noise_beta(t: float, sigma: float = 1.0, alpha_bar: float = 0.5, process: str = "ve") -> NoiseBeta:
    r"""The log-sum-exp DenseAM whose energy is :math:`-\log p_t` of the exact empirical diffusion (Pham 2025, Sec. 2).

    With K training points :math:`\xi^\mu`, the noised empirical density is a Gaussian mixture,
    :math:`p_t(x) = K^{-1}\sum_\mu \mathcal N(x; s\,\xi^\mu, \sigma_t^2 I)`, so

    .. math::

        -\log p_t(x) = \beta\, E(x) + \text{const}, \qquad
        E(x) = -\beta^{-1} \log \sum_\mu \exp(-\beta \lVert x - s\xi^\mu \rVert^2), \qquad
        \beta = \frac{1}{2\sigma_t^2},

    and the score is :math:`\nabla \log p_t = -\beta \nabla E`.

    * VE (variance exploding, :math:`x_t = x_0 + \sigma \sqrt t\, \varepsilon`): :math:`\sigma_t^2 = \sigma^2 t`,
      :math:`s = 1`, :math:`\beta = 1/(2\sigma^2 t)`.
    * VP (DDPM, :math:`x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1-\bar\alpha_t}\, \varepsilon`):
      :math:`\sigma_t^2 = 1 - \bar\alpha_t`, :math:`s = \sqrt{\bar\alpha_t}`, :math:`\beta = 1/(2(1-\bar\alpha_t))`
      (``t`` is not used: ``alpha_bar`` is the schedule's value at that time).
    """
    if process == "ve":
        # one factor at a time: sigma^2 t may leave the float range, and beta is then 0 or inf
        return NoiseBeta(0.5 / sigma / sigma / t, 1.0, sigma * math.sqrt(t))
    var = 1.0 - alpha_bar
    return NoiseBeta(1.0 / (2.0 * var), alpha_bar**0.5, var**0.5)


@quantity(
    "diffusion.ou_time",
    params=[OU_TIME],
    results=[
        Result("alpha_bar", "VP signal fraction exp(-2t)"),
        Result("delta", "noise variance Delta_t = 1 - exp(-2t) (VP)"),
        Result("ve_variance", "VE noise variance in data units, exp(2t) - 1 (noise_beta process=ve, sigma=1)"),
        Result("beta_vp", "LSE inverse temperature 1/(2 Delta_t), memories scaled by exp(-t)"),
        Result("beta_ve", "LSE inverse temperature 1/(2 (exp(2t) - 1)), memories unscaled"),
    ],
    reference=f"{BBBM24}; {PHAM25}",
    cost=CHEAP,
)
def ou_time(t: float) -> regimes.OUConventions:
    """One Ornstein-Uhlenbeck time (Biroli et al.) in the VP and VE conventions of diffusion.noise_beta.

    ``noise_beta(process="vp", alpha_bar=alpha_bar)`` and ``noise_beta(process="ve", t=ve_variance, sigma=1)`` give
    ``beta_vp`` and ``beta_ve``; ``beta_ve = alpha_bar * beta_vp`` (the VE form rescales x by exp(t)).
    """
    return regimes.ou_conventions(t)
