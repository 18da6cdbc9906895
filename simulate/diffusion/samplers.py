r"""Reverse-time samplers of a diffusion model, any score, and the stop at a finite noise level followed by descent.

Every sampler has the signature

``sampler(score, schedule, x, *, steps, t_start=None, t_stop=None, rng=None, record=None, spacing="log")``

and integrates from ``t_start`` (default ``schedule.t_max``) down to ``t_stop`` (default ``schedule.t_min``) on the
grid :meth:`~amphase.simulate.diffusion.schedules.Schedule.time_grid` (``steps`` steps). ``score`` is any callable
of the protocol of :mod:`amphase.simulate.diffusion.score`; ``x`` is the (B, d) start on NumPy or CuPy (the samples
stay there). It returns the final (B, d) samples, or, with ``record`` (a sequence of times in
[t_stop, t_start], added to the grid), a :class:`Trajectory` holding them and the states at those times.

With :math:`f(x,t) = a(t)x` and :math:`g(t)^2` of the schedule, :math:`S = \nabla\log p_t`, going from t to
:math:`t' < t`, :math:`h = t - t'`:

:func:`reverse_sde` (Euler–Maruyama on the reverse SDE :math:`dx = [f - g^2 S]dt + g\, d\bar W`, Song et al. 2021,
    arXiv:2011.13456, Eq. 6)
    :math:`x' = x - h\,(a x - g^2 S(x, t)) + \sqrt{g^2 h}\; z`, :math:`z \sim \mathcal N(0, I)` (coefficients at t).
:func:`probability_flow` (Heun's second-order method on the ODE :math:`dx/dt = f - \tfrac12 g^2 S`, ibid. Eq. 13;
    Karras et al. 2022, arXiv:2206.00364, Alg. 1)
    :math:`v(x,t) = a x - \tfrac12 g^2 S`; :math:`\tilde x = x - h v(x,t)`,
    :math:`x' = x - \tfrac h2 (v(x,t) + v(\tilde x, t'))`.
:func:`ddim` (Song, Meng & Ermon 2021, arXiv:2010.02502, Eq. 12, written for :math:`x_t = s x_0 + \sigma_t\varepsilon`)
    :math:`\hat\varepsilon = -\sigma_t S`, :math:`\hat x_0 = (x - \sigma_t\hat\varepsilon)/s_t`,
    :math:`x' = s_{t'}\hat x_0 + \sqrt{\sigma_{t'}^2 - \eta_t^2}\,\hat\varepsilon + \eta_t z`, with
    :math:`\eta_t = \eta\,\sqrt{(\sigma_{t'}^2/\sigma_t^2)(1 - \bar\alpha_t/\bar\alpha_{t'})}` (VP only when
    ``eta > 0``; ``eta = 0``, the default, is deterministic and valid for VE too).

Random numbers (:func:`normal_source`): ``rng`` is a :class:`numpy.random.SeedSequence` (a child from
:mod:`amphase.simulate.seeding`, keyed by grid point and realization) or a :class:`numpy.random.Generator`. On NumPy
a PCG64 generator seeded by the SeedSequence draws. On CuPy the normals are drawn on the device, with no host
transfer: the SeedSequence's :func:`device_seed` (the top 63 bits of its first 64-bit state word) seeds
``cupy.random.default_rng`` (CuPy's XORWOW generator); its NumPy twin (:func:`device_twin`) seeds NumPy's
``default_rng`` with the same integer. CuPy's streams differ from NumPy's, so the two backends agree statistically,
not draw for draw (tested on the twin). A NumPy Generator on CuPy draws on the host.

Device work: a sampler's loop computes its step coefficients on the host from the time grid (Python floats) and
leaves the samples on the device; it reads nothing back per step. ``tf32=True`` runs the float32 score GEMMs in
TF32 (:func:`amphase.simulate.backend.tf32`, accuracy stated there; a no-op on NumPy).

Stopping and descent
--------------------
The exact score run to :math:`t \to 0` always ends on a training point; the attractors of the energy at a finite
noise level are where spurious states live (Pham et al. 2025, arXiv:2505.21777). :func:`descend` continues from
samples stopped at ``t_stop``: fixed-point descent (:mod:`amphase.simulate.descent`) on the LSE energy at the
matching :math:`\beta_t = 1/(2\sigma_t^2)` with memories :math:`s\xi^\mu`
(:meth:`~amphase.simulate.diffusion.score.ExactScore.energy_at`), and returns the minima in data space
(divided by :math:`s`). :func:`denoise_from` noises given points to level t (:func:`noise_to`) and denoises them back
(for basins of attraction).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.backend import tf32 as backend_tf32
from amphase.simulate.descent import Descent, fixed_point_iteration
from amphase.simulate.diffusion.schedules import Schedule
from amphase.simulate.diffusion.score import ExactScore, array_module

__all__ = [
    "SAMPLERS",
    "Trajectory",
    "ddim",
    "denoise_from",
    "descend",
    "noise_to",
    "normal_source",
    "prior_sample",
    "probability_flow",
    "reverse_sde",
]

Normal = Callable[[tuple[int, ...], Any], Any]


class Trajectory(NamedTuple):
    """Final samples and the states at recorded times.

    Attributes
    ----------
    x : (B, d)
        Final samples (at ``t_stop``).
    times : (n,) numpy array
        The recorded times, decreasing.
    path : (n, B, d)
        The states at those times (on the samples' array module).
    """

    x: Any
    times: np.ndarray
    path: Any


def device_seed(seed: np.random.SeedSequence) -> int:
    """The integer seed of the device generator of stream ``seed``: its first 64-bit state word shifted right by 1."""
    return int(seed.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


def device_twin(seed: np.random.SeedSequence) -> Normal:
    """The NumPy twin of the device scheme: ``numpy.random.default_rng(device_seed(seed))`` standard normals."""
    gen = np.random.default_rng(device_seed(seed))
    return lambda shape, dtype: gen.standard_normal(shape, dtype=dtype)


def normal_source(rng: Any, xp: ModuleType = np) -> Normal:
    """A function ``normal(shape, dtype)`` of standard normals on ``xp`` (module docstring, "Random numbers")."""
    if isinstance(rng, np.random.SeedSequence):
        if xp is np:
            gen = np.random.Generator(np.random.PCG64(rng))
            return lambda shape, dtype: gen.standard_normal(shape, dtype=dtype)
        dev = xp.random.default_rng(device_seed(rng))
        return lambda shape, dtype: dev.standard_normal(shape, dtype=dtype)
    if isinstance(rng, np.random.Generator):
        if xp is np:
            return lambda shape, dtype: rng.standard_normal(shape, dtype=dtype)
        return lambda shape, dtype: xp.asarray(rng.standard_normal(shape, dtype=dtype))
    raise ParameterError(f"rng={rng!r}: a numpy.random.SeedSequence or numpy.random.Generator")


def _check_x(x: Any) -> tuple[Any, ModuleType]:
    xp = array_module(x)
    x = xp.asarray(x)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ParameterError(f"x of shape {x.shape}: expected (B >= 1, d >= 1)")
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    if not bool(xp.isfinite(x).all()):
        raise ParameterError("x: every start must be finite")
    return x, xp


def prior_sample(
    schedule: Schedule,
    n: int,
    d: int,
    rng: Any,
    *,
    mean: Any = 0.0,
    data_var: float = 0.0,
    xp: ModuleType = np,
    dtype: str = "float64",
) -> Any:
    r"""``n`` starts of the reverse process: :math:`\mathcal N(s_T\,\bar\xi, (\sigma_T^2 + s_T^2 v) I)` at ``t_max``.

    ``mean`` (:math:`\bar\xi`, scalar or (d,)) and ``data_var`` (v, per coordinate) are the data's moments: the
    forward marginal at :math:`t_{max}` has exactly these moments, and is close to this Gaussian once
    :math:`\sigma_T` dominates the data's spread.
    """
    if isinstance(n, bool) or int(n) != n or n < 1 or isinstance(d, bool) or int(d) != d or d < 1:
        raise ParameterError(f"n={n!r}, d={d!r}: whole numbers >= 1")
    if not (data_var >= 0 and math.isfinite(data_var)):
        raise ParameterError(f"data_var={data_var!r}: a finite number >= 0")
    t = schedule.t_max
    s = float(schedule.scale(t))
    sd = math.sqrt(float(schedule.variance(t)) + s * s * float(data_var))
    z = normal_source(rng, xp)((int(n), int(d)), dtype)
    return (s * xp.asarray(mean, dtype=dtype) + sd * z).astype(dtype)


def noise_to(x0: Any, schedule: Schedule, t: float, rng: Any) -> Any:
    r"""The forward process at time t from ``x0`` (B, d): :math:`s(t)\,x_0 + \sigma_t z`."""
    x0, xp = _check_x(x0)
    t = float(t)
    if not t > 0 or not math.isfinite(t):
        raise ParameterError(f"t={t!r}: a finite time > 0")
    z = normal_source(rng, xp)(x0.shape, x0.dtype)
    return (float(schedule.scale(t)) * x0 + float(schedule.std(t)) * z).astype(x0.dtype)


def _grid(
    schedule: Schedule, steps: int, t_start: float | None, t_stop: float | None, record: Sequence[float] | None, sp: str
) -> tuple[np.ndarray, np.ndarray]:
    grid = schedule.time_grid(steps, t_start=t_start, t_stop=t_stop, spacing=sp)
    if record is None:
        return grid, np.zeros(0)
    rec = np.sort(np.asarray(list(record), dtype=float))[::-1]
    lo, hi = grid[-1], grid[0]
    bad = rec[(rec < lo) | (rec > hi) | ~np.isfinite(rec)]
    if bad.size:
        raise ParameterError(f"record times {bad.tolist()} lie outside [t_stop, t_start] = [{lo}, {hi}]")
    return np.unique(np.concatenate([grid, rec]))[::-1], rec


def _integrate(
    step: Callable[[Any, float, float], Any],
    schedule: Schedule,
    x: Any,
    steps: int,
    t_start: float | None,
    t_stop: float | None,
    record: Sequence[float] | None,
    spacing: str,
    tf32: bool = False,
) -> Any:
    if not isinstance(schedule, Schedule):
        raise ParameterError(f"schedule={schedule!r}: a Schedule (amphase.simulate.diffusion.schedules.ve or vp)")
    x, xp = _check_x(x)
    if tf32 and x.dtype != np.float32:
        raise ParameterError(f"tf32=True applies to float32 samples; x is {x.dtype}")
    grid, rec = _grid(schedule, steps, t_start, t_stop, record, spacing)
    path = []
    want = set(rec.tolist())
    x = x.copy()
    if grid[0] in want:
        path.append(x.copy())
    with backend_tf32(xp, tf32):
        for t, t_next in itertools.pairwise(grid):  # host floats only: no read-back from the device per step
            x = step(x, float(t), float(t_next))
            if t_next in want:
                path.append(x.copy())
    if record is None:
        return x
    return Trajectory(x, rec, xp.stack(path) if path else xp.zeros((0, *x.shape), dtype=x.dtype))


def _need_rng(rng: Any, name: str) -> None:
    if rng is None:
        raise ParameterError(f"{name} is stochastic: give rng (a numpy.random.SeedSequence or Generator)")


def reverse_sde(
    score: Callable[[Any, float], Any],
    schedule: Schedule,
    x: Any,
    *,
    steps: int,
    t_start: float | None = None,
    t_stop: float | None = None,
    rng: Any = None,
    record: Sequence[float] | None = None,
    spacing: str = "log",
    tf32: bool = False,
) -> Any:
    """Euler–Maruyama on the reverse SDE (module docstring); ``rng`` is required."""
    _need_rng(rng, "reverse_sde")
    normal = normal_source(rng, array_module(x))

    def step(x: Any, t: float, t_next: float) -> Any:
        h = t - t_next
        a, g2 = float(schedule.drift(t)), float(schedule.g2(t))
        s = score(x, t)
        return (x - h * (a * x - g2 * s) + math.sqrt(g2 * h) * normal(x.shape, x.dtype)).astype(x.dtype)

    return _integrate(step, schedule, x, steps, t_start, t_stop, record, spacing, tf32)


def probability_flow(
    score: Callable[[Any, float], Any],
    schedule: Schedule,
    x: Any,
    *,
    steps: int,
    t_start: float | None = None,
    t_stop: float | None = None,
    rng: Any = None,
    record: Sequence[float] | None = None,
    spacing: str = "log",
    tf32: bool = False,
) -> Any:
    """Heun's method on the probability-flow ODE (module docstring); deterministic, ``rng`` is ignored."""

    def v(x: Any, t: float) -> Any:
        return float(schedule.drift(t)) * x - 0.5 * float(schedule.g2(t)) * score(x, t)

    def step(x: Any, t: float, t_next: float) -> Any:
        h = t_next - t  # negative
        v0 = v(x, t)
        x_tilde = x + h * v0
        return (x + 0.5 * h * (v0 + v(x_tilde, t_next))).astype(x.dtype)

    return _integrate(step, schedule, x, steps, t_start, t_stop, record, spacing, tf32)


def ddim(
    score: Callable[[Any, float], Any],
    schedule: Schedule,
    x: Any,
    *,
    steps: int,
    t_start: float | None = None,
    t_stop: float | None = None,
    rng: Any = None,
    record: Sequence[float] | None = None,
    spacing: str = "log",
    eta: float = 0.0,
    tf32: bool = False,
) -> Any:
    """DDIM (module docstring); ``eta = 0`` deterministic, ``eta > 0`` (VP only) needs ``rng``."""
    eta = float(eta)
    if not (0.0 <= eta <= 1.0):
        raise ParameterError(f"eta={eta!r}: must lie in [0, 1]")
    if eta > 0:
        if schedule.kind != "vp":
            raise ParameterError("ddim with eta > 0 is defined for the VP schedule only")
        _need_rng(rng, "ddim with eta > 0")
    normal = normal_source(rng, array_module(x)) if eta > 0 else None

    def step(x: Any, t: float, t_next: float) -> Any:
        s0, s1 = float(schedule.scale(t)), float(schedule.scale(t_next))
        v0, v1 = float(schedule.variance(t)), float(schedule.variance(t_next))
        eps = -math.sqrt(v0) * score(x, t)
        x0 = (x - math.sqrt(v0) * eps) / s0
        if normal is None:
            return (s1 * x0 + math.sqrt(v1) * eps).astype(x.dtype)
        var_eta = eta * eta * (v1 / v0) * (1.0 - (s0 * s0) / (s1 * s1))
        return (
            s1 * x0 + math.sqrt(max(v1 - var_eta, 0.0)) * eps + math.sqrt(var_eta) * normal(x.shape, x.dtype)
        ).astype(x.dtype)

    return _integrate(step, schedule, x, steps, t_start, t_stop, record, spacing, tf32)


#: the samplers by name.
SAMPLERS: dict[str, Callable[..., Any]] = {"sde": reverse_sde, "ode": probability_flow, "ddim": ddim}


def descend(score: ExactScore, x: Any, t: float, *, tol: float = 1e-8, max_steps: int = 10_000) -> tuple[Any, Descent]:
    r"""Fixed-point descent from samples ``x`` stopped at time t, on the LSE energy at :math:`\beta_t` (module doc).

    Returns
    -------
    (B, d) array, Descent
        The minima in data space (:math:`x^*/s(t)`), and the :class:`~amphase.simulate.descent.Descent` record in
        the noised coordinates (its ``converged`` flags say which met ``tol`` times the data scale).
    """
    if not isinstance(score, ExactScore):
        raise ParameterError("descend needs the exact score (an ExactScore): its energy is the LSE energy at t")
    energy = score.energy_at(t)
    res = fixed_point_iteration(energy, x, tol=tol, max_steps=max_steps)
    return res.x / float(score.schedule.scale(t)), res


def denoise_from(
    score: Callable[[Any, float], Any],
    schedule: Schedule,
    x0: Any,
    t: float,
    *,
    steps: int,
    rng: Any,
    sampler: str = "sde",
    t_stop: float | None = None,
    spacing: str = "log",
) -> Any:
    """Noise ``x0`` (B, d) to level ``t`` (:func:`noise_to`, stream ``rng`` child 0) and sample back to ``t_stop``.

    ``rng`` must be a SeedSequence here: the forward noise and the sampler draw from its children ``(0,)`` and ``(1,)``.
    """
    if not isinstance(rng, np.random.SeedSequence):
        raise ParameterError("denoise_from needs rng as a numpy.random.SeedSequence (two child streams)")
    if sampler not in SAMPLERS:
        raise ParameterError(f"sampler={sampler!r}; allowed: {', '.join(SAMPLERS)}")
    from amphase.simulate.seeding import child_seed

    xt = noise_to(x0, schedule, t, child_seed(rng, 0))
    return SAMPLERS[sampler](score, schedule, xt, steps=steps, t_start=t, t_stop=t_stop, rng=child_seed(rng, 1),
                             spacing=spacing)  # fmt: skip
