r"""A small DDPM in PyTorch: the discrete linear-:math:`\beta` schedule, ε-prediction training and ancestral sampling.

Ho, Jain & Abbeel, "Denoising diffusion probabilistic models", NeurIPS (2020), arXiv:2006.11239 (the setting of the
trained networks of Pham et al. 2025, arXiv:2505.21777):

* schedule: :math:`\beta_n` linear from :math:`\beta_1 = 10^{-4}` to :math:`\beta_T = 0.02`, :math:`T = 1000`,
  :math:`\alpha_n = 1-\beta_n`, :math:`\bar\alpha_n = \prod_{m\le n}\alpha_m`; forward
  :math:`x_n = \sqrt{\bar\alpha_n}\,x_0 + \sqrt{1-\bar\alpha_n}\,\varepsilon` (Ho et al. Eq. 4);
* training: minimise :math:`\lVert\varepsilon - \varepsilon_\theta(x_n, n)\rVert^2` over uniform
  :math:`n \in \{1..T\}` (Ho et al. Algorithm 1, their :math:`L_\text{simple}`), Adam, batches of ``batch`` points
  drawn with replacement from the K training points;
* sampling: :math:`x_{n-1} = \alpha_n^{-1/2}\bigl(x_n - \beta_n(1-\bar\alpha_n)^{-1/2}\hat\varepsilon\bigr) +
  \tilde\sigma_n z`, :math:`\tilde\sigma_n^2 = \beta_n(1-\bar\alpha_{n-1})/(1-\bar\alpha_n)` (Algorithm 2 with the
  posterior variance, Ho et al. Sec. 3.2), no noise at the last step, so that :math:`x_0` is the predicted clean
  point :math:`\hat x_0(x_1)`.

The sampler takes any ε-predictor ``eps(x, n) -> tensor``: the trained network, or the exact score of the same K
points through :func:`exact_eps`, which evaluates amphase's exact denoiser at the continuous VP time
:func:`vp_time` with :math:`\bar\alpha(t_n) = \bar\alpha_n` exactly (Song et al. 2021's ``vp(0.1, 20)`` schedule,
:math:`\int_0^t\beta = 0.1t + 9.95t^2`), so the two run on one time grid with one noise stream. Networks live in
:mod:`amphase.simulate.diffusion.ddpm_nets`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.diffusion.schedules import Schedule, vp

__all__ = ["DDPMSchedule", "ancestral_sample", "exact_eps", "step_of_time", "torch_generator", "train", "vp_time"]

Eps = Callable[[Any, int], Any]


def _torch() -> Any:
    try:
        import torch
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ParameterError("trained diffusion models need PyTorch: pip install 'amphase[torch]'") from err
    return torch


@dataclass(frozen=True)
class DDPMSchedule:
    """The discrete linear-β schedule of Ho et al. (module docstring); arrays indexed by n = 0..T (n = 0: clean)."""

    T: int = 1000
    beta_1: float = 1e-4
    beta_T: float = 0.02

    def __post_init__(self) -> None:
        if isinstance(self.T, bool) or int(self.T) != self.T or self.T < 2:
            raise ParameterError(f"T={self.T!r}: a whole number of diffusion steps >= 2")
        if not (0 < self.beta_1 <= self.beta_T < 1):
            raise ParameterError(f"beta_1={self.beta_1}, beta_T={self.beta_T}: need 0 < beta_1 <= beta_T < 1")

    @property
    def betas(self) -> np.ndarray:
        r""":math:`\beta_n`, (T + 1,) with :math:`\beta_0 = 0`."""
        return np.concatenate([[0.0], np.linspace(self.beta_1, self.beta_T, int(self.T))])

    @property
    def alpha_bar(self) -> np.ndarray:
        r""":math:`\bar\alpha_n`, (T + 1,) with :math:`\bar\alpha_0 = 1`, by a cumulative sum of logs."""
        return np.exp(np.cumsum(np.log1p(-self.betas)))

    def vp_schedule(self) -> Schedule:
        """The continuous VP schedule (``vp(0.1, 20)``) whose times :func:`vp_time` match this one's ᾱ_n."""
        return vp(0.1, 20.0, t_min=1e-7, t_max=1.0)


def vp_time(alpha_bar: Any, beta_min: float = 0.1, beta_max: float = 20.0) -> np.ndarray:
    r"""The VP time t with :math:`\bar\alpha(t) = \bar\alpha`: :math:`b_0t + \tfrac12(b_1-b_0)t^2 = -\log\bar\alpha`.

    Derived here from ``vp``'s :math:`\bar\alpha(t) = \exp(-b_0t - \tfrac12(b_1-b_0)t^2)`
    (:mod:`amphase.simulate.diffusion.schedules`); the stable root :math:`t = 2c/(b_0 + \sqrt{b_0^2 + 2(b_1-b_0)c})`,
    :math:`c = -\log\bar\alpha`.
    """
    c = -np.log(np.asarray(alpha_bar, dtype=np.float64))
    a = beta_max - beta_min
    return 2.0 * c / (beta_min + np.sqrt(beta_min * beta_min + 2.0 * a * c))


def step_of_time(schedule: DDPMSchedule) -> Callable[[Any], Any]:
    r"""``time_input`` for a network of this module under :meth:`DDPMSchedule.vp_schedule`: VP time t to step n.

    The inverse of :func:`vp_time` on the steps: n(t) interpolates linearly between the integer steps n = 1..T at
    their times :math:`t_n` (so :math:`\bar\alpha(t_n) = \bar\alpha_n` exactly at the trained steps); a (B,) tensor
    in, a (B,) float tensor of steps out (the networks embed a real step).
    """
    torch = _torch()
    tn = vp_time(schedule.alpha_bar[1:])
    steps = np.arange(1, schedule.T + 1, dtype=np.float64)

    def time_input(t: Any) -> Any:
        table_t = torch.as_tensor(tn, dtype=torch.float64, device=t.device)
        table_n = torch.as_tensor(steps, dtype=torch.float64, device=t.device)
        tt = t.to(torch.float64).clamp(table_t[0], table_t[-1])
        i = torch.searchsorted(table_t, tt).clamp(1, len(tn) - 1)
        w = (tt - table_t[i - 1]) / (table_t[i] - table_t[i - 1])
        return table_n[i - 1] + w * (table_n[i] - table_n[i - 1])

    return time_input


def torch_generator(seed: np.random.SeedSequence, device: str = "cpu") -> Any:
    """A ``torch.Generator`` on ``device`` seeded by 63 bits drawn from the SeedSequence ``seed``."""
    torch = _torch()
    g = torch.Generator(device=device)
    g.manual_seed(int(seed.generate_state(1, np.uint64)[0] >> np.uint64(1)))
    return g


def train(
    net: Any,
    data: np.ndarray,
    schedule: DDPMSchedule,
    *,
    steps: int,
    generator: Any,
    batch: int = 128,
    lr: float = 1e-3,
    device: str = "cpu",
) -> dict[str, Any]:
    r"""Train ``net`` (``net(x, n) -> ε̂``, n an int64 tensor of steps) on ``data`` (K, d) by :math:`L_\\text{simple}`.

    Returns ``{"loss": (steps,) float64 per-step losses, "seconds": wall time}``. All randomness (batches, steps,
    noise) comes from ``generator``; the network's initial weights are the caller's.
    """
    torch = _torch()
    if isinstance(steps, bool) or int(steps) != steps or steps < 1:
        raise ParameterError(f"steps={steps!r}: a whole number of optimiser steps >= 1")
    x0 = torch.as_tensor(np.asarray(data, dtype=np.float32), device=device)
    ab = torch.as_tensor(schedule.alpha_bar, dtype=torch.float32, device=device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    losses = np.empty(int(steps))
    net.train()
    t0 = time.perf_counter()
    for i in range(int(steps)):
        idx = torch.randint(0, x0.shape[0], (batch,), generator=generator, device=device)
        n = torch.randint(1, schedule.T + 1, (batch,), generator=generator, device=device)
        eps = torch.randn((batch, x0.shape[1]), generator=generator, device=device)
        a = ab[n].unsqueeze(1)
        xn = a.sqrt() * x0[idx] + (1 - a).sqrt() * eps
        loss = ((net(xn, n) - eps) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses[i] = float(loss.detach())
    net.eval()
    return {"loss": losses, "seconds": time.perf_counter() - t0}


def network_eps(net: Any) -> Eps:
    """The ε-predictor of a trained ``net`` for :func:`ancestral_sample` (no gradients, the sampler's dtype)."""
    torch = _torch()

    def eps(x: Any, n: int) -> Any:
        with torch.no_grad():
            steps = torch.full((x.shape[0],), int(n), dtype=torch.int64, device=x.device)
            return net(x.to(torch.float32), steps).to(x.dtype)

    return eps


def exact_eps(data: np.ndarray, schedule: DDPMSchedule, *, tile: int = 4096) -> Eps:
    r"""The ε-predictor of the exact score of ``data``: :math:`(x - \sqrt{\bar\alpha_n}D(x))/\sqrt{1-\bar\alpha_n}`.

    :math:`D` is :meth:`~amphase.simulate.diffusion.score.ExactScore.denoiser` at :func:`vp_time` of
    :math:`\bar\alpha_n` (float64, NumPy).
    """
    from amphase.simulate.diffusion.score import exact_score

    torch = _torch()
    score = exact_score(np.asarray(data, dtype=np.float64), schedule.vp_schedule(), tile=tile)
    ab = schedule.alpha_bar
    times = vp_time(ab[1:])

    def eps(x: Any, n: int) -> Any:
        xn = x.detach().cpu().numpy().astype(np.float64)
        den = score.denoiser(xn, float(times[n - 1]))
        e = (xn - math.sqrt(ab[n]) * den) / math.sqrt(1.0 - ab[n])
        return torch.as_tensor(e, dtype=x.dtype, device=x.device)

    return eps


def ancestral_sample(
    eps: Eps, n_samples: int, d: int, schedule: DDPMSchedule, *, generator: Any, device: str = "cpu"
) -> np.ndarray:
    """``n_samples`` points by DDPM ancestral sampling with the ε-predictor ``eps`` (module docstring), (n, d) float64.

    The start :math:`x_T` and every step's noise come from ``generator`` in a fixed order, so two predictors sampled
    with equally seeded generators see the same noise.
    """
    torch = _torch()
    betas, ab = schedule.betas, schedule.alpha_bar
    x = torch.randn((int(n_samples), int(d)), generator=generator, device=device, dtype=torch.float64)
    for n in range(schedule.T, 0, -1):
        e = eps(x, n)
        x = (x - betas[n] / math.sqrt(1.0 - ab[n]) * e) / math.sqrt(1.0 - betas[n])
        z = torch.randn(x.shape, generator=generator, device=device, dtype=torch.float64)
        if n > 1:
            x = x + math.sqrt(betas[n] * (1.0 - ab[n - 1]) / (1.0 - ab[n])) * z
    return x.cpu().numpy()
