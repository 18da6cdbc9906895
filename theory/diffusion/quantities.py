r"""The diffusion-model theory quantities served by the registry (``amphase theory diffusion.*``).

Each function is the public, checked entry point to one prediction; formulas and sources are in the docstrings.

References
----------
Pham 2025: B. Pham, G. Raya, M. Negri, M. J. Zaki, L. Ambrogioni, D. Krotov, "Memorization to Generalization:
Emergence of Diffusion Models from Associative Memory", arXiv:2505.21777 (2025).
"""

from __future__ import annotations

from typing import NamedTuple

from amphase.theory.registry import Choice, Param, Result, quantity

__all__ = ["NoiseBeta", "noise_beta"]

PHAM25 = "Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025)"


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
        var = sigma * sigma * t
        return NoiseBeta(1.0 / (2.0 * var), 1.0, var**0.5)
    var = 1.0 - alpha_bar
    return NoiseBeta(1.0 / (2.0 * var), alpha_bar**0.5, var**0.5)
