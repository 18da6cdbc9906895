r"""amphase's continuous time on torch tensors: the schedule's scale and noise, and a DDPM's step index.

Needs the ``torch`` extra. Used by :mod:`amphase.simulate.diffusion.torch_score` (``time_input``, the Tweedie
conversions) and by networks that compute noise-level features inside ``torch.func`` transforms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from amphase.errors import ParameterError

__all__ = ["ddpm_timestep", "schedule_tensors"]


def schedule_tensors(schedule: Any, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The scale :math:`s(t)` and standard deviation :math:`\sigma_t` of ``schedule`` at the tensor ``t``, in torch.

    The formulas of :class:`~amphase.simulate.diffusion.schedules.Schedule` (VE: :math:`s = 1`,
    :math:`\sigma_t^2 = \sigma^2 t`; VP: :math:`s^2 = \bar\alpha = e^{-\int_0^t\beta}`,
    :math:`\sigma_t^2 = 1 - \bar\alpha` by ``expm1``), written on tensors so that a network can compute its own
    noise-level features inside ``torch.func`` transforms; same dtype and device as ``t``.
    """
    if schedule.kind == "ve":
        return torch.ones_like(t), schedule.sigma * torch.sqrt(t)
    integral = schedule.beta_min * t + 0.5 * (schedule.beta_max - schedule.beta_min) * t * t
    return torch.exp(-0.5 * integral), torch.sqrt(-torch.expm1(-integral))


def ddpm_timestep(n_steps: int = 1000) -> Callable[[torch.Tensor], torch.Tensor]:
    r"""``time_input`` for a DDPM of ``n_steps`` discrete steps: :math:`t \mapsto t\,N - 1` (float, not rounded).

    DDPM's step :math:`i = 1..N` is the continuous time :math:`t = i/N` of the VP process with
    :math:`\beta(t) = N\beta_i` (Song et al. 2021, Appendix B; amphase's :func:`~amphase.simulate.diffusion.
    schedules.vp` with ``beta_min = N beta_1``, ``beta_max = N beta_N``), and diffusers counts steps from 0, so the
    network's timestep is :math:`tN - 1`. Sinusoidal embeddings take the fractional value between the trained
    integers; round it yourself to feed only trained steps.
    """
    if isinstance(n_steps, bool) or int(n_steps) != n_steps or n_steps < 1:
        raise ParameterError(f"n_steps={n_steps!r}: a whole number >= 1")
    n = int(n_steps)

    def to_step(t: torch.Tensor) -> torch.Tensor:
        return t * n - 1.0

    return to_step
