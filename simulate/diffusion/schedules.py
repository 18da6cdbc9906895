r"""Forward noising processes of diffusion models: :math:`x_t = s(t)\, x_0 + \sigma_t\, \varepsilon`.

A :class:`Schedule` is the linear SDE :math:`dx = a(t)\, x\, dt + g(t)\, dW` (Song et al. 2021, "Score-based
generative modeling through stochastic differential equations", ICLR, arXiv:2011.13456, Eqs. 5 and 6 for the reverse
SDE and the probability-flow ODE) together with its marginal: started at :math:`x_0`, the state at time t is Gaussian
with mean :math:`s(t)\, x_0` and variance :math:`\sigma_t^2 I`. The two schedules:

``ve(sigma)``  (variance exploding, the convention of the diffusion-family issue and of ``diffusion.noise_beta``)
    :math:`s = 1`, :math:`\sigma_t^2 = \sigma^2 t`, :math:`a = 0`, :math:`g^2 = \sigma^2`.
``vp(beta_min, beta_max)``  (DDPM's linear :math:`\beta` schedule in continuous time; Song et al. 2021, Eq. 11 and
    App. B: :math:`\beta(t) = \beta_{min} + t(\beta_{max} - \beta_{min})`, :math:`t \in [0, 1]`)
    :math:`\bar\alpha(t) = \exp(-\int_0^t \beta) = \exp(-\beta_{min} t - \tfrac12(\beta_{max}-\beta_{min})t^2)`,
    :math:`s = \sqrt{\bar\alpha}`, :math:`\sigma_t^2 = 1 - \bar\alpha`, :math:`a = -\beta(t)/2`,
    :math:`g^2 = \beta(t)`.
``ou()``  (the Ornstein-Uhlenbeck process of Biroli, Bonnaire, de Bortoli & Mezard 2024, arXiv:2402.18491,
    :math:`dx = -x\,dt + \sqrt2\,dB`): ``vp`` with the constant rate :math:`\beta \equiv 2`, so that
    :math:`\bar\alpha = e^{-2t}`, :math:`s = e^{-t}`, :math:`\sigma_t^2 = \Delta_t = 1 - e^{-2t}` and its time is
    their time (:mod:`amphase.theory.diffusion.regimes`).

For both, :math:`d\sigma_t^2/dt = 2a\sigma_t^2 + g^2` and :math:`d\log s/dt = a` (the moment equations of the linear
SDE), which the tests check. The exact empirical density at time t is the Gaussian mixture
:math:`p_t = K^{-1}\sum_\mu \mathcal N(s\,\xi^\mu, \sigma_t^2 I)`: minus its log is the log-sum-exp energy at
:math:`\beta_t = 1/(2\sigma_t^2)` with memories :math:`s\,\xi^\mu` (``diffusion.noise_beta``, :meth:`Schedule.beta`).

Every method takes a float or a NumPy array of times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.errors import ParameterError

__all__ = ["SCHEDULES", "SPACINGS", "Schedule", "make_schedule", "ou", "ve", "vp"]

#: the schedule kinds.
SCHEDULES = ("ve", "vp")

#: time-grid spacings of :meth:`Schedule.time_grid`.
SPACINGS = ("log", "uniform")


def _finite_pos(name: str, value: float) -> float:
    value = float(value)
    if not value > 0 or not math.isfinite(value):
        raise ParameterError(f"{name}={value!r}: must be a finite number > 0")
    return value


@dataclass(frozen=True)
class Schedule:
    r"""A forward noising process (module docstring); build it with :func:`ve` or :func:`vp`.

    Attributes
    ----------
    kind : {"ve", "vp"}
        Which process.
    sigma : float
        VE: the noise scale, :math:`\sigma_t^2 = \sigma^2 t` (unused for VP).
    beta_min, beta_max : float
        VP: the linear :math:`\beta(t)` schedule (unused for VE).
    t_min, t_max : float
        The time interval: sampling starts at ``t_max`` and stops, by default, at ``t_min > 0`` (the exact score is
        singular at t = 0, where :math:`\sigma_t = 0`).
    """

    kind: str
    sigma: float = 1.0
    beta_min: float = 0.1
    beta_max: float = 20.0
    t_min: float = 1e-3
    t_max: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            raise ParameterError(f"schedule kind={self.kind!r}; allowed: {', '.join(SCHEDULES)}")
        _finite_pos("sigma", self.sigma)
        _finite_pos("t_min", self.t_min)
        _finite_pos("t_max", self.t_max)
        if not self.t_min < self.t_max:
            raise ParameterError(f"t_min={self.t_min} must be < t_max={self.t_max}")
        if self.kind == "vp":
            if not (math.isfinite(self.beta_min) and self.beta_min >= 0):
                raise ParameterError(f"beta_min={self.beta_min!r}: must be a finite number >= 0")
            if not (math.isfinite(self.beta_max) and self.beta_max >= self.beta_min and self.beta_max > 0):
                raise ParameterError(f"beta_max={self.beta_max!r}: must be finite, > 0 and >= beta_min")

    # --- the process -------------------------------------------------------------------------------------------
    def beta_t(self, t: Any) -> Any:
        r"""VP: the rate :math:`\beta(t) = \beta_{min} + t(\beta_{max}-\beta_{min})`; VE: 0 (no shrinkage)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "ve":
            return np.zeros_like(t)[()]
        return (self.beta_min + t * (self.beta_max - self.beta_min))[()]

    def _integral(self, t: Any) -> Any:
        t = np.asarray(t, dtype=float)
        return (self.beta_min * t + 0.5 * (self.beta_max - self.beta_min) * t * t)[()]

    def alpha_bar(self, t: Any) -> Any:
        r""":math:`\bar\alpha(t) = s(t)^2` (VE: 1)."""
        if self.kind == "ve":
            return np.ones_like(np.asarray(t, dtype=float))[()]
        return np.exp(-self._integral(t))

    def scale(self, t: Any) -> Any:
        r""":math:`s(t)`: :math:`x_t = s\, x_0 + \sigma_t \varepsilon` (VE: 1; VP: :math:`\sqrt{\bar\alpha}`)."""
        if self.kind == "ve":
            return np.ones_like(np.asarray(t, dtype=float))[()]
        return np.exp(-0.5 * self._integral(t))

    def variance(self, t: Any) -> Any:
        r""":math:`\sigma_t^2` (VE: :math:`\sigma^2 t`; VP: :math:`1-\bar\alpha`, by ``expm1`` at small t)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "ve":
            return (self.sigma * self.sigma * t)[()]
        return -np.expm1(-self._integral(t))

    def std(self, t: Any) -> Any:
        r""":math:`\sigma_t`, the standard deviation of the noise added by time t."""
        return np.sqrt(self.variance(t))

    def drift(self, t: Any) -> Any:
        r""":math:`a(t)` of the drift :math:`f(x, t) = a(t)\, x` (VE: 0; VP: :math:`-\beta(t)/2`)."""
        return -0.5 * self.beta_t(t)

    def g2(self, t: Any) -> Any:
        r""":math:`g(t)^2`, the squared diffusion coefficient (VE: :math:`\sigma^2`; VP: :math:`\beta(t)`)."""
        if self.kind == "ve":
            return np.full_like(np.asarray(t, dtype=float), self.sigma * self.sigma)[()]
        return self.beta_t(t)

    def beta(self, t: Any) -> Any:
        r"""The inverse temperature :math:`\beta_t = 1/(2\sigma_t^2)` of the LSE energy equal to :math:`-\log p_t`."""
        return 0.5 / self.variance(t)

    # --- inverses ----------------------------------------------------------------------------------------------
    def time_at_variance(self, var: float) -> float:
        r"""The time t with :math:`\sigma_t^2 =` ``var`` (:class:`ParameterError` if no such t in (0, inf))."""
        var = _finite_pos("variance", var)
        if self.kind == "ve":
            return var / (self.sigma * self.sigma)
        if var >= 1.0:
            raise ParameterError(f"VP noise variance {var!r} must be < 1 (sigma_t^2 = 1 - alpha_bar)")
        target = -math.log1p(-var)  # the integral of beta up to t
        a, b = 0.5 * (self.beta_max - self.beta_min), self.beta_min
        if a == 0:
            return target / b
        return (-b + math.sqrt(b * b + 4 * a * target)) / (2 * a)

    def time_at_beta(self, beta: float) -> float:
        r"""The time t with :math:`1/(2\sigma_t^2) =` ``beta`` (where the exact score's energy has it)."""
        beta = _finite_pos("beta", beta)
        return self.time_at_variance(0.5 / beta)

    # --- grids -------------------------------------------------------------------------------------------------
    def time_grid(
        self, steps: int, *, t_start: float | None = None, t_stop: float | None = None, spacing: str = "log"
    ) -> np.ndarray:
        r"""``steps + 1`` decreasing times from ``t_start`` (default ``t_max``) to ``t_stop`` (default ``t_min``).

        ``spacing="log"`` (default): geometric in t, so every step has the same :math:`\Delta t / t`; with the exact
        score, whose stiffness near a training point is :math:`g^2/\sigma_t^2 \approx 1/t` (VE), an Euler step is
        stable when :math:`\Delta t / t < 2`, which a uniform grid breaks near t = 0 unless it is very fine.
        ``spacing="uniform"``: equal steps in t.
        """
        if isinstance(steps, bool) or int(steps) != steps or steps < 1:
            raise ParameterError(f"steps={steps!r}: a whole number >= 1")
        if spacing not in SPACINGS:
            raise ParameterError(f"spacing={spacing!r}; allowed: {', '.join(SPACINGS)}")
        t0 = self.t_max if t_start is None else _finite_pos("t_start", t_start)
        t1 = self.t_min if t_stop is None else _finite_pos("t_stop", t_stop)
        if not t1 < t0:
            raise ParameterError(f"t_stop={t1} must be < t_start={t0}")
        if spacing == "log":
            grid = np.geomspace(t0, t1, int(steps) + 1)
        else:
            grid = np.linspace(t0, t1, int(steps) + 1)
        grid[0], grid[-1] = t0, t1
        return grid


def ve(sigma: float = 1.0, *, t_min: float = 1e-5, t_max: float = 1.0) -> Schedule:
    r"""Variance exploding: :math:`x_t = x_0 + \sigma\sqrt t\,\varepsilon` (module docstring).

    Choose ``sigma`` (times :math:`\sqrt{t_{max}}`) well above the data's spread so that :math:`p_{t_{max}}` is close
    to :math:`\mathcal N(\bar\xi, \sigma^2 t_{max} I)`.
    """
    return Schedule("ve", sigma=float(sigma), t_min=float(t_min), t_max=float(t_max))


def vp(beta_min: float = 0.1, beta_max: float = 20.0, *, t_min: float = 1e-3, t_max: float = 1.0) -> Schedule:
    r"""Variance preserving, DDPM's linear :math:`\beta` schedule (module docstring; Song et al. 2021, Eq. 11)."""
    return Schedule("vp", beta_min=float(beta_min), beta_max=float(beta_max), t_min=float(t_min), t_max=float(t_max))


def ou(*, t_min: float = 1e-3, t_max: float = 5.0) -> Schedule:
    r"""The Ornstein-Uhlenbeck process of Biroli et al. 2024 in their time: VP with :math:`\beta \equiv 2`."""
    return vp(2.0, 2.0, t_min=t_min, t_max=t_max)


def make_schedule(kind: str, **kw: Any) -> Schedule:
    """:func:`ve` or :func:`vp` by name, with its keyword arguments."""
    if kind == "ve":
        return ve(**kw)
    if kind == "vp":
        return vp(**kw)
    raise ParameterError(f"schedule={kind!r}; allowed: {', '.join(SCHEDULES)}")
