r"""A PyTorch network as an amphase score: ε-, score- or x₀-prediction, batched, with torch.func Jacobians.

Needs the ``torch`` extra (``pip install 'amphase[torch]'``); nothing else in amphase imports this module.

Conventions
-----------
The forward process is amphase's :class:`~amphase.simulate.diffusion.schedules.Schedule`,
:math:`x_t = s(t)\,x_0 + \sigma_t\,\varepsilon`. A network ``net(x, t_input)`` predicts, at a noised batch ``x``,

- ``prediction="eps"``: the noise :math:`\hat\varepsilon(x, t)` (DDPM, Ho et al. 2020, Eq. 14);
- ``prediction="score"``: the score :math:`\hat S(x, t) \approx \nabla_x\log p_t(x)` (Song et al. 2021);
- ``prediction="x0"``: the denoiser :math:`\hat D(x, t) \approx \mathbb E[x_0 \mid x_t = x]`.

They are one quantity in three units, tied by Tweedie's formula :math:`s\,D = x + \sigma_t^2 S` and
:math:`\varepsilon = -\sigma_t S` (Vincent 2011; :mod:`amphase.simulate.diffusion.score`):

.. math::

    S = -\hat\varepsilon/\sigma_t = (s\hat D - x)/\sigma_t^2, \qquad
    D = (x - \sigma_t\hat\varepsilon)/s = (x + \sigma_t^2\hat S)/s, \qquad
    \varepsilon = (x - s\hat D)/\sigma_t = -\sigma_t\hat S .

``t_input = time_input(t)`` maps amphase's continuous time (a (B,) float64 tensor) to what the network was trained
with: the identity by default, :func:`ddpm_timestep` for a DDPM's integer step index. ``shape`` (e.g. ``(C, H, W)``)
reshapes amphase's flat (B, d) points into the network's (B, C, H, W) images and back; a diffusers
``UNet2DModel`` (whose output is an object with ``.sample``) is unwrapped.

Jacobians
---------
:meth:`TorchScore.jvp` is the denoiser's Jacobian-vector product :math:`J_D(x)\,v` by forward-mode AD
(``torch.func.jvp``), one batched pass. :meth:`TorchScore.jacobian` is the full (B, d, d) Jacobian by
``torch.func.jacrev`` of :math:`x \mapsto \sum_b D(x)_b`, whose Jacobian with respect to :math:`x_b` is
:math:`J_D(x_b)` **when each sample's output depends on its own input only** (true of MLPs and of U-Nets with group
norm; false of batch norm in training mode): d reverse passes per chunk of ``batch_size`` points instead of a
``vmap`` over the batch, so any module that runs batched runs here (attention runs by its plain-ops kernel there,
which forward mode and vmap support; the fused kernels do not in torch 2.13). The score's Jacobian follows by Tweedie:
:math:`J_S = (s J_D - I)/\sigma_t^2`, and the exact score's :math:`J_D = (s/\sigma_t^2)\operatorname{Cov}_w(\xi)`
(:meth:`amphase.simulate.diffusion.score.ExactScore.denoiser_jacobian`).

Arrays
------
NumPy in, NumPy out (in the input's floating dtype: pass float64 to get float64 back); torch in, torch out (on the
network's device, in the input's dtype). The network runs in ``dtype`` on ``device`` (default: where its parameters
are), ``batch_size`` points at a time, under ``torch.no_grad`` for :meth:`~TorchScore.__call__`,
:meth:`~TorchScore.denoiser` and :meth:`~TorchScore.eps`; the conversions between the three units run in the output
dtype. ``t`` is one number for the batch or a (B,) array, finite and > 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from amphase.errors import ParameterError
from amphase.simulate.diffusion.torch_score_time import ddpm_timestep, schedule_tensors

__all__ = ["PREDICTIONS", "TorchScore", "ddpm_timestep", "schedule_tensors"]

PREDICTIONS = ("eps", "score", "x0")


def _jvp(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``J_fn(x) v``: forward mode, else reverse over reverse (:meth:`TorchScore.jvp`)."""
    with warnings.catch_warnings(), _math_attention():
        # torch 2.13 scripts its jvp decompositions on first use, and warns that scripting is deprecated
        warnings.filterwarnings("ignore", message="`torch.jit.script` is deprecated", category=DeprecationWarning)
        try:
            return torch.func.jvp(fn, (x,), (v,))[1]
        except (RuntimeError, NotImplementedError):
            out, vjp_fn = torch.func.vjp(fn, x)
            _, vjp_of_vjp = torch.func.vjp(lambda u: vjp_fn(u)[0], torch.zeros_like(out))
            return vjp_of_vjp(v)[0]


def _math_attention() -> Any:
    """Scaled-dot-product attention by its plain-ops ("math") kernel, which forward-mode AD and vmap go through.

    The fused CPU/GPU kernels (flash, memory-efficient) have no forward-mode derivative and no batching rule for
    their backward in torch 2.13, so the attention of a U-Net's middle block would stop :meth:`TorchScore.jvp`.
    """
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel([SDPBackend.MATH])


class TorchScore:
    """A torch network as an amphase score (module docstring).

    Parameters
    ----------
    network : callable
        ``network(x, t_input)`` on torch tensors: an ``nn.Module``, a diffusers ``UNet2DModel`` (``.sample`` is
        taken from its output) or a plain function. Put it in eval mode yourself if it has dropout or batch norm.
    schedule : Schedule
        The forward process the network was trained for.
    prediction : {"eps", "score", "x0"}
        What the network predicts.
    time_input : callable, optional
        Maps the (B,) float64 tensor of times to the network's time argument (default: the times themselves, in
        ``dtype``). :func:`ddpm_timestep` for a DDPM.
    shape : tuple of int, optional
        The network's per-sample shape, e.g. ``(1, 8, 8)``; amphase's points are flat (B, d) with d its product.
    device : str or torch.device, optional
        Where the network runs (default: the device of its first parameter, else the CPU).
    dtype : torch.dtype
        The dtype the network is called in (an ``nn.Module``'s floating parameters must have it).
    batch_size : int, optional
        Points per network call (default: the whole batch); also the chunk of :meth:`jacobian`.
    """

    def __init__(
        self,
        network: Callable[..., Any],
        schedule: Any,
        *,
        prediction: str = "eps",
        time_input: Callable[[torch.Tensor], Any] | None = None,
        shape: tuple[int, ...] | None = None,
        device: str | torch.device | None = None,
        dtype: torch.dtype = torch.float32,
        batch_size: int | None = None,
    ) -> None:
        if not callable(network):
            raise ParameterError(f"network={network!r}: a callable net(x, t_input) (nn.Module, UNet2DModel, function)")
        if prediction not in PREDICTIONS:
            raise ParameterError(f"prediction={prediction!r}; allowed: {', '.join(PREDICTIONS)}")
        if not all(hasattr(schedule, a) for a in ("scale", "variance", "kind")):
            raise ParameterError(f"schedule={schedule!r}: an amphase Schedule (amphase.simulate.diffusion.schedules)")
        if dtype not in (torch.float32, torch.float64):
            raise ParameterError(f"dtype={dtype!r}; allowed: torch.float32, torch.float64")
        if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1):
            raise ParameterError(f"batch_size={batch_size!r}: a whole number >= 1 (or None: the whole batch)")
        if shape is not None:
            shape = tuple(int(n) for n in shape)
            if not shape or min(shape) < 1:
                raise ParameterError(f"shape={shape!r}: the network's per-sample shape, positive sizes")
        if time_input is not None and not callable(time_input):
            raise ParameterError(f"time_input={time_input!r}: a callable on the (B,) tensor of times")
        params = list(network.parameters()) if isinstance(network, torch.nn.Module) else []
        floating = {p.dtype for p in params if p.is_floating_point()}
        if floating and floating != {dtype}:
            have = ", ".join(sorted(str(d) for d in floating))
            raise ParameterError(
                f"dtype={dtype}: the network's parameters are {have}; pass net.to({dtype}) or that dtype"
            )
        self.network = network
        self.schedule = schedule
        self.prediction = prediction
        self.time_input = time_input
        self.shape = shape
        self.device = (
            torch.device(device) if device is not None else (params[0].device if params else torch.device("cpu"))
        )
        self.dtype = dtype
        self.batch_size = None if batch_size is None else int(batch_size)

    # --- input handling ----------------------------------------------------------------------------------------
    def _prep(self, x: Any, t: Any) -> tuple[torch.Tensor, torch.Tensor, Callable[[torch.Tensor], Any]]:
        """``x`` as a (B, d) tensor on the device in the output dtype, ``t`` as (B,) float64, and the way back."""
        if isinstance(x, torch.Tensor):
            out_dtype = x.dtype if x.dtype in (torch.float32, torch.float64) else self.dtype
            xt = x.to(self.device, out_dtype)

            def back(y: torch.Tensor) -> Any:
                return y
        else:
            xa = np.asarray(x)
            np_dtype = xa.dtype if xa.dtype in (np.float32, np.float64) else np.dtype(np.float64)
            xt = torch.as_tensor(np.asarray(xa, dtype=np_dtype), device=self.device)

            def back(y: torch.Tensor) -> Any:
                return y.detach().cpu().numpy()

        if xt.ndim != 2 or xt.shape[0] < 1:
            raise ParameterError(f"x of shape {tuple(xt.shape)}: expected (B, d) points")
        if self.shape is not None and math.prod(self.shape) != xt.shape[1]:
            raise ParameterError(
                f"x of shape {tuple(xt.shape)}: d must be {math.prod(self.shape)} for shape={self.shape}"
            )
        ta = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
        ta = np.asarray(ta, dtype=np.float64)
        if ta.ndim > 1 or (ta.ndim == 1 and ta.shape[0] != xt.shape[0]):
            raise ParameterError(f"t of shape {ta.shape}: expected a number or ({xt.shape[0]},)")
        if not (np.isfinite(ta).all() and (ta > 0).all()):
            raise ParameterError(f"t={ta!r}: finite and > 0 (sigma_t = 0 at t = 0)")
        tt = torch.as_tensor(np.broadcast_to(ta, (xt.shape[0],)).copy(), device=self.device)
        return xt, tt, back

    def _raw(self, x: torch.Tensor, t_in: Any) -> torch.Tensor:
        """The network's output at flat ``x`` (B, d) in ``dtype``, flat again."""
        b = x.shape[0]
        xin = x.to(self.dtype)
        if self.shape is not None:
            xin = xin.reshape(b, *self.shape)
        out = self.network(xin, t_in)
        out = getattr(out, "sample", out)  # diffusers' UNet2DOutput
        if not isinstance(out, torch.Tensor) or out.numel() != x.numel():
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ParameterError(f"the network returned {got} for {tuple(xin.shape)} points: expected the same size")
        return out.reshape(b, -1)

    def _t_input(self, tt: torch.Tensor) -> Any:
        return tt.to(self.dtype) if self.time_input is None else self.time_input(tt)

    def _chunks(self, n: int) -> list[slice]:
        step = n if self.batch_size is None else self.batch_size
        return [slice(i, min(i + step, n)) for i in range(0, n, step)]

    def _convert(self, want: str, x: torch.Tensor, raw: torch.Tensor, s: torch.Tensor, sd: torch.Tensor) -> Any:
        """``want`` ("eps", "score", "x0") from the network's ``raw`` prediction (Tweedie; module docstring)."""
        raw = raw.to(x.dtype)
        s, sd = s.to(x.dtype)[:, None], sd.to(x.dtype)[:, None]
        if self.prediction == want:
            return raw
        if self.prediction == "eps":
            return -raw / sd if want == "score" else (x - sd * raw) / s
        if self.prediction == "score":
            return -sd * raw if want == "eps" else (x + sd * sd * raw) / s
        return (x - s * raw) / sd if want == "eps" else (s * raw - x) / (sd * sd)

    def _field(self, want: str, x: Any, t: Any) -> Any:
        xt, tt, back = self._prep(x, t)
        s, sd = schedule_tensors(self.schedule, tt)
        t_in = self._t_input(tt)
        per_sample = isinstance(t_in, torch.Tensor) and t_in.ndim >= 1 and t_in.shape[0] == xt.shape[0]
        parts = []
        with torch.no_grad():
            for c in self._chunks(xt.shape[0]):
                raw = self._raw(xt[c], t_in[c] if per_sample else t_in)
                parts.append(self._convert(want, xt[c], raw, s[c], sd[c]))
        return back(torch.cat(parts))

    # --- the score protocol --------------------------------------------------------------------------------------
    def __call__(self, x: Any, t: Any) -> Any:
        r"""The score :math:`\nabla_x\log p_t(x)`, (B, d)."""
        return self._field("score", x, t)

    def denoiser(self, x: Any, t: Any) -> Any:
        r"""The denoiser :math:`D(x, t) = \mathbb E[x_0 \mid x_t = x]` by Tweedie, (B, d)."""
        return self._field("x0", x, t)

    def eps(self, x: Any, t: Any) -> Any:
        r"""The noise :math:`\varepsilon(x, t) = -\sigma_t\nabla\log p_t(x)`, (B, d)."""
        return self._field("eps", x, t)

    # --- Jacobians -------------------------------------------------------------------------------------------------
    def _linear_setup(self, x: Any, t: Any) -> tuple[torch.Tensor, Callable[[torch.Tensor], Any], Callable[..., Any]]:
        """``x`` on the device, the way back, and ``fn(c)``: the differentiable denoiser of the rows ``c``."""
        xt, tt, back = self._prep(x, t)
        s, sd = schedule_tensors(self.schedule, tt)
        t_in = self._t_input(tt)
        per_sample = isinstance(t_in, torch.Tensor) and t_in.ndim >= 1 and t_in.shape[0] == xt.shape[0]

        def fn_rows(c: slice) -> Callable[[torch.Tensor], torch.Tensor]:
            ti = t_in[c] if per_sample else t_in

            def fn(y: torch.Tensor) -> torch.Tensor:
                return self._convert("x0", y, self._raw(y, ti), s[c], sd[c])

            return fn

        return xt, back, fn_rows

    def jvp(self, x: Any, t: Any, v: Any) -> Any:
        r""":math:`J_D(x)\,v`, the denoiser's Jacobian times ``v`` (B, d) at each point, by ``torch.func.jvp``.

        Where an operation has no forward-mode derivative (torch 2.13: group norm on the non-contiguous tangents a
        diffusers U-Net makes), the same product by reverse over reverse mode: :math:`J v` is the vector-Jacobian
        product of the linear map :math:`u \mapsto J^T u` (two backward passes).
        """
        xt, back, fn_rows = self._linear_setup(x, t)
        vt, _, _ = self._prep(v, t)
        if vt.shape != xt.shape:
            raise ParameterError(f"v of shape {tuple(vt.shape)}: expected {tuple(xt.shape)}, like x")
        parts = []
        for c in self._chunks(xt.shape[0]):
            parts.append(_jvp(fn_rows(c), xt[c], vt[c].to(xt.dtype)).detach())
        return back(torch.cat(parts))

    def jacobian(self, x: Any, t: Any) -> Any:
        r"""The denoiser's Jacobian :math:`J_D(x)`, (B, d, d), ``[b, i, j]`` :math:`= \partial D_i/\partial x_j`.

        ``torch.func.jacrev`` of the batch sum (module docstring: each sample's output must depend on its own input
        only), ``batch_size`` points at a time (default 64 here).
        """
        xt, back, fn_rows = self._linear_setup(x, t)
        step = self.batch_size or 64
        parts = []
        for i in range(0, xt.shape[0], step):
            c = slice(i, min(i + step, xt.shape[0]))
            fn = fn_rows(c)
            with _math_attention():
                jac = torch.func.jacrev(lambda y, fn=fn: fn(y).sum(0))(xt[c])  # (d, b, d): [i, b, j] = dD_bi/dx_bj
            parts.append(jac.permute(1, 0, 2).detach())
        return back(torch.cat(parts))
