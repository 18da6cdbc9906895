r"""Scores :math:`\nabla_x \log p_t(x)`: the protocol every sampler takes, and the exact score of K training points.

The protocol
------------
A *score* is any callable ``score(x, t) -> array`` with ``x`` a (B, d) array on the backend's array module (NumPy or
CuPy, :mod:`amphase.simulate.backend`), ``t`` a Python float (one time for the whole batch), returning
:math:`\nabla_x \log p_t(x)` as a (B, d) array on the same module. A trained network plugs in by wrapping itself in
such a callable (:class:`Score` is the :class:`typing.Protocol`). Optional: a ``denoiser(x, t)`` method
(:math:`\mathbb E[x_0 \mid x_t = x]`), which, for the forward process :math:`x_t = s x_0 + \sigma_t\varepsilon`,
is tied to the score by Tweedie's formula :math:`s\, D(x) = x + \sigma_t^2 \nabla\log p_t(x)`.

The exact (empirical) score
---------------------------
With training points :math:`\xi^\mu`, :math:`\mu = 1..K`, the noised empirical density is
:math:`p_t(x) = K^{-1}\sum_\mu \mathcal N(x; s\,\xi^\mu, \sigma_t^2 I)` (``diffusion.noise_beta``; Pham et al. 2025,
arXiv:2505.21777, Sec. 2), so with :math:`\beta_t = 1/(2\sigma_t^2)`

.. math::

    \log p_t(x) = \log\sum_\mu e^{-\beta_t\lVert x - s\xi^\mu\rVert^2} - \log K - \tfrac d2 \log(2\pi\sigma_t^2),
    \qquad
    \nabla\log p_t(x) = \frac{s\, m(x) - x}{\sigma_t^2}, \quad
    m(x) = \sum_\mu w_\mu(x)\,\xi^\mu,\ w = \operatorname{softmax}_\mu(-\beta_t\lVert x - s\xi^\mu\rVert^2),

and the denoiser is :math:`D(x) = m(x)`. One call is one pass of the streaming log-sum-exp kernel
(:func:`amphase.simulate.lse.lse_stats`) over tiles of ``tile`` training points: two GEMMs per tile, memory
O(B x tile + B x d) at any K, never a (B, K, d) array. The kernel runs in data space: since
:math:`\beta_t\lVert x - s\xi\rVert^2 = \beta_t s^2 \lVert x/s - \xi\rVert^2`, the queries are :math:`x/s`
at inverse temperature :math:`\beta_t s^2`, and the training points are centred (their mean subtracted) once, at
construction, so that nothing is rescaled per step (:mod:`amphase.simulate.lse` explains why centring matters in
float32).

The population score of a Gaussian mixture
------------------------------------------
Data drawn from the equal-weight mixture :math:`K^{-1}\sum_k \mathcal N(c_k, w^2 I)` (the population, not a
sample of it) noise into :math:`p_t = K^{-1}\sum_k \mathcal N(s\,c_k, V_t I)`, :math:`V_t = \sigma_t^2 + s^2 w^2`,
so the score is the same log-sum-exp expression with :math:`\sigma_t^2` replaced by :math:`V_t` and the training
points by the centres (:class:`MixtureScore`; the two Gaussians at :math:`\pm m` of Biroli et al. 2024, Fig. 2,
are ``centres = [m, -m]``). Its component posterior :math:`P(k \mid x_t)` is the softmax weight
:math:`\propto e^{-\lVert x - s c_k\rVert^2/2V_t}`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.diffusion.schedules import Schedule
from amphase.simulate.lse import DEFAULT_TILE, LSEEnergy, lse, lse_stats

__all__ = ["ExactScore", "MixtureScore", "Score", "array_module", "exact_score", "mixture_score"]

DTYPES = ("float32", "float64")


@runtime_checkable
class Score(Protocol):
    r"""``score(x, t)``: :math:`\nabla_x \log p_t(x)` at a (B, d) batch ``x`` and one time ``t`` (module docstring)."""

    def __call__(self, x: Any, t: float) -> Any:
        """The score at ``x`` (B, d) and time ``t``, (B, d) on the same array module."""


def array_module(a: Any) -> ModuleType:
    """NumPy or CuPy, whichever ``a`` lives on."""
    if type(a).__module__.startswith("cupy"):
        import cupy

        return cupy
    return np


@dataclass(frozen=True)
class ExactScore:
    r"""The exact score of K training points under a :class:`~amphase.simulate.diffusion.schedules.Schedule`.

    Build it with :func:`exact_score`. Calls return arrays in the working ``dtype`` on the data's array module.

    Attributes
    ----------
    data : (K, d) array
        The training points (working dtype, on the backend).
    schedule : Schedule
        The forward process.
    tile : int
        Training points per tile of the streaming kernel.
    """

    data: Any
    schedule: Schedule
    tile: int = DEFAULT_TILE
    centre: Any = field(init=False, repr=False)
    _mem: Any = field(init=False, repr=False)
    _sq: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        xp = self.xp
        d64 = self.data.astype(xp.float64)
        centre = d64.mean(axis=0)
        c64 = d64 - centre
        object.__setattr__(self, "centre", centre)
        object.__setattr__(self, "_mem", c64.astype(self.data.dtype))
        object.__setattr__(self, "_sq", xp.einsum("kd,kd->k", c64, c64))

    @property
    def xp(self) -> ModuleType:
        """The array module of the training points."""
        return array_module(self.data)

    @property
    def K(self) -> int:
        """Number of training points."""
        return int(self.data.shape[0])

    @property
    def d(self) -> int:
        """Dimension."""
        return int(self.data.shape[1])

    @property
    def dtype(self) -> Any:
        """The working dtype."""
        return self.data.dtype

    def _t(self, t: float) -> float:
        t = float(t)
        if not t > 0 or not math.isfinite(t):
            raise ParameterError(f"t={t!r}: the exact score needs a finite time > 0 (sigma_t = 0 at t = 0)")
        return t

    def _stats(self, x: Any, t: float) -> tuple[Any, Any, float, float]:
        """One kernel pass at time ``t``: (stats, x as float64, s, variance)."""
        xp = self.xp
        t = self._t(t)
        s, var = float(self.schedule.scale(t)), float(self.schedule.variance(t))
        x = xp.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ParameterError(f"x of shape {x.shape}: expected (B, {self.d})")
        x64 = x.astype(xp.float64)
        q = x64 / s - self.centre
        st = lse_stats(q, self._mem, 0.5 * s * s / var, sq_norms=self._sq, tile=self.tile)
        return st, x64, s, var

    def denoiser(self, x: Any, t: float) -> Any:
        r"""The denoiser :math:`D(x) = \mathbb E[x_0 \mid x_t = x] = m(x)`, (B, d) in data space."""
        st, _, _, _ = self._stats(x, t)
        return (st.mean + self.centre).astype(self.dtype)

    def denoiser_jacobian_diagonal(self, x: Any, t: float) -> Any:
        r"""Diagonal of the denoiser's Jacobian, :math:`\partial D_i/\partial x_i`, (B, d) float64.

        With :math:`w = \operatorname{softmax}(-\beta_t\lVert x - s\xi^\mu\rVert^2)`,
        :math:`\partial w_\mu/\partial x = (s/\sigma_t^2)\, w_\mu (\xi^\mu - m)`, so
        :math:`J_D = (s/\sigma_t^2)\operatorname{Cov}_w(\xi)` (derived here; it is Tweedie's
        :math:`\sigma_t^2 J_S = s J_D - I` with the LSE Hessian :math:`2I - 4\beta\operatorname{Cov}_w`). Its diagonal
        is the weighted variance of each coordinate of the training points (one streaming pass with
        ``second="diag"``; translation-invariant, so the centred points serve).
        """
        xp = self.xp
        t = self._t(t)
        s, var = float(self.schedule.scale(t)), float(self.schedule.variance(t))
        x = xp.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ParameterError(f"x of shape {x.shape}: expected (B, {self.d})")
        q = x.astype(xp.float64) / s - self.centre
        st = lse_stats(q, self._mem, 0.5 * s * s / var, sq_norms=self._sq, tile=self.tile, second="diag")
        cov = xp.maximum(st.second - st.mean * st.mean, 0.0)  # rounding can leave -1e-17 where one point carries w
        return (s / var) * cov

    def denoiser_jacobian(self, x: Any, t: float) -> Any:
        r"""The full denoiser Jacobian :math:`J_D = (s/\sigma_t^2)\operatorname{Cov}_w(\xi)`, (B, d, d) float64.

        Symmetric and positive semi-definite; its diagonal is :meth:`denoiser_jacobian_diagonal` (same derivation).
        One streaming pass with ``second="full"`` (d <= :data:`~amphase.simulate.lse.FULL_SECOND_MAX_D`). The score's
        Jacobian follows from Tweedie: :math:`J_S = (s J_D - I)/\sigma_t^2`.
        """
        xp = self.xp
        t = self._t(t)
        s, var = float(self.schedule.scale(t)), float(self.schedule.variance(t))
        x = xp.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ParameterError(f"x of shape {x.shape}: expected (B, {self.d})")
        q = x.astype(xp.float64) / s - self.centre
        st = lse_stats(q, self._mem, 0.5 * s * s / var, sq_norms=self._sq, tile=self.tile, second="full")
        cov = st.second - st.mean[:, :, None] * st.mean[:, None, :]
        return (s / var) * 0.5 * (cov + cov.transpose(0, 2, 1))

    def inverse_participation(self, x: Any, t: float) -> Any:
        r""":math:`\sum_\mu w_\mu(x)^2` at time t, (B,) float64: 1/K for equal weights, 1 when one point carries all.

        :math:`\sum_\mu w_\mu^2 = \exp(\mathrm{lse}_{2\beta} - 2\,\mathrm{lse}_\beta)` with
        :math:`\mathrm{lse}_\beta = \log\sum_\mu e^{-\beta\lVert x - s\xi^\mu\rVert^2}`: two streaming passes,
        no (B, K) array.
        """
        st, _, s, var = self._stats(x, t)
        xp = self.xp
        q = xp.asarray(x).astype(xp.float64) / s - self.centre
        st2 = lse_stats(q, self._mem, s * s / var, sq_norms=self._sq, tile=self.tile)
        return xp.minimum(xp.exp(st2.lse - 2.0 * st.lse), 1.0)

    def __call__(self, x: Any, t: float) -> Any:
        r"""The score :math:`(s\,m(x) - x)/\sigma_t^2`, (B, d)."""
        st, x64, s, var = self._stats(x, t)
        return ((s * (st.mean + self.centre) - x64) / var).astype(self.dtype)

    def log_density(self, x: Any, t: float) -> Any:
        r""":math:`\log p_t(x)` exactly (module docstring), (B,) float64."""
        st, _, _, var = self._stats(x, t)
        return st.lse - math.log(self.K) - 0.5 * self.d * math.log(2 * math.pi * var)

    def energy(self, x: Any, t: float) -> Any:
        r"""The LSE energy :math:`E_t(x) = -\beta_t^{-1}\log\sum_\mu e^{-\beta_t\lVert x - s\xi^\mu\rVert^2}`, (B,).

        :math:`-\log p_t = \beta_t E_t + \log K + \tfrac d2\log(2\pi\sigma_t^2)`.
        """
        st, _, _, var = self._stats(x, t)
        return -2.0 * var * st.lse

    def energy_at(self, t: float) -> LSEEnergy:
        r"""The LSE energy at time t as an :class:`~amphase.simulate.lse.LSEEnergy`: :math:`\beta_t`, memories s·ξ.

        For descent (:mod:`amphase.simulate.descent`) at the noise level where sampling stopped.
        """
        t = self._t(t)
        s = float(self.schedule.scale(t))
        mem = (self.data.astype(self.xp.float64) * s).astype(self.dtype)
        return lse(float(self.schedule.beta(t)), mem, tile=self.tile)


def exact_score(data: Any, schedule: Schedule, *, tile: int = DEFAULT_TILE, dtype: str | None = None) -> ExactScore:
    """The exact score of the (K, d) training points ``data`` (NumPy or CuPy) under ``schedule`` (module docstring).

    Parameters
    ----------
    data : (K, d) array
        Training points; NumPy or CuPy (the score runs where they live).
    schedule : Schedule
        The forward process.
    tile : int
        Training points per tile: memory O(B x tile) whatever K.
    dtype : {"float32", "float64"}, optional
        Working dtype of the GEMMs (default: the data's dtype if floating, else float64).
    """
    xp = array_module(data)
    data = xp.asarray(data)
    if data.ndim != 2 or data.shape[0] < 1 or data.shape[1] < 1:
        raise ParameterError(f"data of shape {data.shape}: expected (K >= 1, d >= 1)")
    if dtype is None:
        dtype = str(data.dtype) if str(data.dtype) in DTYPES else "float64"
    if dtype not in DTYPES:
        raise ParameterError(f"dtype={dtype!r}; allowed: {', '.join(DTYPES)}")
    if isinstance(tile, bool) or int(tile) != tile or tile < 1:
        raise ParameterError(f"tile={tile!r}: a whole number >= 1")
    if not isinstance(schedule, Schedule):
        raise ParameterError(f"schedule={schedule!r}: a Schedule (amphase.simulate.diffusion.schedules.ve or vp)")
    data = data.astype(dtype)
    if not bool(xp.isfinite(data).all()):
        raise ParameterError("data: every training point must be finite")
    return ExactScore(data, schedule, tile=int(tile))


@dataclass(frozen=True)
class MixtureScore:
    r"""The exact population score of an equal-weight isotropic Gaussian mixture (module docstring).

    Build it with :func:`mixture_score`.

    Attributes
    ----------
    centres : (K, d) float64 array
        The component means :math:`c_k`.
    width : float
        The standard deviation :math:`w \ge 0` of each component per coordinate (0: the exact score of K points).
    schedule : Schedule
        The forward process.
    """

    centres: np.ndarray
    width: float
    schedule: Schedule

    def _weights(self, x: Any, t: float) -> tuple[np.ndarray, np.ndarray, float, float]:
        """Posterior weights (B, K), x as float64, s and V_t: a softmax over the K components."""
        t = float(t)
        if not t > 0 or not math.isfinite(t):
            raise ParameterError(f"t={t!r}: the score needs a finite time > 0")
        s, var = float(self.schedule.scale(t)), float(self.schedule.variance(t))
        v = var + s * s * self.width * self.width
        x64 = np.asarray(x, dtype=np.float64)
        if x64.ndim != 2 or x64.shape[1] != self.centres.shape[1]:
            raise ParameterError(f"x of shape {x64.shape}: expected (B, {self.centres.shape[1]})")
        c = self.centres
        logits = x64 @ (c.T * (s / v)) - (0.5 * s * s / v) * np.einsum("kd,kd->k", c, c)
        logits -= logits.max(axis=1, keepdims=True)
        w = np.exp(logits)
        w /= w.sum(axis=1, keepdims=True)
        return w, x64, s, v

    def __call__(self, x: Any, t: float) -> np.ndarray:
        r"""The score :math:`(s\,\bar c(x) - x)/V_t`, :math:`\bar c = \sum_k P(k\mid x) c_k`, (B, d) float64."""
        w, x64, s, v = self._weights(x, t)
        return (s * (w @ self.centres) - x64) / v

    def posterior(self, x: Any, t: float) -> np.ndarray:
        r"""Component posterior :math:`P(k \mid x_t = x)`, (B, K): softmax of :math:`-\lVert x - s c_k\rVert^2/2V_t`."""
        return self._weights(x, t)[0]


def mixture_score(centres: Any, width: float, schedule: Schedule) -> MixtureScore:
    r"""The population score of the mixture of :math:`\mathcal N(c_k, w^2 I)`, ``centres`` (K, d) (module docstring).

    NumPy only: a handful of components, a direct softmax (nothing to stream; the streaming kernel
    :func:`amphase.simulate.lse.lse_stats` is for many training points).
    """
    c = np.asarray(centres, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] < 1 or not np.isfinite(c).all():
        raise ParameterError(f"centres of shape {c.shape}: a finite (K >= 1, d >= 1) array")
    width = float(width)
    if not (width >= 0 and math.isfinite(width)):
        raise ParameterError(f"width={width!r}: a finite number >= 0")
    if not isinstance(schedule, Schedule):
        raise ParameterError(f"schedule={schedule!r}: a Schedule (amphase.simulate.diffusion.schedules)")
    return MixtureScore(c, width, schedule)
