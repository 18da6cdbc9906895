r"""Zero-temperature dynamics of a continuous energy, taken as an argument (jax-md style: energy first, then dynamics).

An *energy* here is any object with ``energy_and_grad(x) -> (E (B,), grad (B, d))`` and ``scale`` (the data scale,
the unit of every tolerance); :func:`newton_polish` also needs ``hessian(x)``. The fixed-point iteration takes the
energy's ``fixed_point_step(x, grad)`` (:class:`amphase.simulate.continuous.ContinuousEnergy`), or, for an energy
without one, assumes a gradient of the form :math:`2(x - m(x))` (the LSE energy of
:mod:`amphase.simulate.continuous.lse`), so that :math:`m(x) = x - \nabla E / 2`. Queries are batched ``(B, d)``
float64 arrays.

Dynamics
--------
* :func:`fixed_point_iteration`: :math:`x \leftarrow m(x) = \sum_\mu w_\mu \xi^\mu`. For the LSE energy,
  :math:`E(x) = \lVert x\rVert^2 + g(x)` with :math:`g(x) = -\beta^{-1}\log\sum_\mu \exp(\beta(2x\cdot\xi^\mu
  - \lVert\xi^\mu\rVert^2))` concave, and :math:`m(x_t)` minimises the convex majorant
  :math:`Q(y) = \lVert y\rVert^2 + g(x_t) + \nabla g(x_t)\cdot(y - x_t) \ge E(y)` (the concave-convex procedure;
  Yuille & Rangarajan 2003, Ramsauer et al. 2021): the energy never rises.
* :func:`gradient_descent`: explicit Euler steps of the gradient flow :math:`\dot x = -\nabla E`,
  :math:`x \leftarrow x - \eta \nabla E(x)`. **Step rule**: for the LSE energy
  :math:`x - \eta\nabla E = (1 - 2\eta)x + 2\eta\, m(x)` is a convex combination of :math:`x` and the CCCP point
  for :math:`0 < \eta \le 1/2`, and :math:`Q` is convex, so :math:`E` never rises for any such :math:`\eta`;
  :math:`\eta = 1/2` *is* the fixed-point iteration, smaller :math:`\eta` follow the continuous flow more closely
  (the default 0.25). For a general energy the same bound holds with :math:`\eta \le 1/L` for an L-smooth energy.

Convergence
-----------
A query has converged when :math:`\lVert\nabla E(x)\rVert / 2 = \lVert x - m(x)\rVert \le`
``tol * scale`` (default ``tol = 1e-10``); near a fixed point whose fixed-point Jacobian
:math:`2\beta\operatorname{Cov}_w` has largest eigenvalue :math:`\rho < 1` the distance to the fixed point is then
at most ``tol * scale / (1 - rho)``.
Converged queries stop moving (they are dropped from the batch). At most ``max_steps`` steps.

* :func:`newton_polish`: near a fixed point (any kind), Newton steps :math:`x \leftarrow x - H^{-1}\nabla E` with the
  exact Hessian (small d), accepted only where they shrink the gradient and move less than ``max_move * scale``;
  elsewhere a fixed-point step. Quadratic convergence where the fixed-point iteration crawls (soft modes, a ring of
  minima, near a bifurcation); it does not decide *which* fixed point is reached, the descent before it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Descent", "fixed_point_iteration", "gradient_descent", "newton_polish"]


@dataclass
class Descent:
    r"""Where a batch of descents ended.

    Attributes
    ----------
    x : (B, d)
        End points.
    energy : (B,)
        Energy at the end points.
    grad_norm : (B,)
        :math:`\lVert\nabla E\rVert` at the end points.
    steps : (B,) int
        Steps taken by each query.
    converged : (B,) bool
        Whether each query met the tolerance.
    trace : (steps + 1, B) or None
        The energy after every step (``record=True``; converged queries keep their last value).

    """

    x: Any
    energy: Any
    grad_norm: Any
    steps: Any
    converged: Any
    trace: Any = None


def _fixed_point_step(energy: Any, x: Any, g: Any) -> Any:
    r"""The energy's own fixed-point step given the gradient at x, else :math:`x - \nabla E/2` (the LSE form)."""
    step = getattr(energy, "fixed_point_step", None)
    return x - 0.5 * g if step is None else step(x, g)


def _run(energy: Any, x0: Any, step: float | None, tol: float, max_steps: int, record: bool) -> Descent:
    xp = getattr(energy, "xp", np)
    x = xp.array(x0, dtype=xp.float64, copy=True)
    if x.ndim == 1:
        x = x[None, :]
    B = x.shape[0]
    thr = tol * float(getattr(energy, "scale", 1.0))
    e, g = energy.energy_and_grad(x)
    steps = xp.zeros(B, dtype=xp.int64)
    gn = xp.sqrt((g * g).sum(axis=1))
    active = xp.nonzero(gn / 2 > thr)[0]
    trace = [e.copy()] if record else None
    for _ in range(max_steps):
        if active.size == 0:
            break
        # x - g/2 = m(x) for the LSE energy: the fixed-point step reuses the pass that gave the gradient
        xa = _fixed_point_step(energy, x[active], g[active]) if step is None else x[active] - step * g[active]
        x[active] = xa
        ea, ga = energy.energy_and_grad(xa)
        e[active] = ea
        g[active] = ga
        gn[active] = xp.sqrt((ga * ga).sum(axis=1))
        steps[active] += 1
        active = active[gn[active] / 2 > thr]
        if record:
            trace.append(e.copy())
    return Descent(
        x=x,
        energy=e,
        grad_norm=gn,
        steps=steps,
        converged=gn / 2 <= thr,
        trace=xp.stack(trace) if record else None,
    )


def fixed_point_iteration(
    energy: Any, x0: Any, *, tol: float = 1e-10, max_steps: int = 10_000, record: bool = False
) -> Descent:
    r"""Iterate :math:`x \leftarrow m(x)` from ``x0`` (B, d) until :math:`\lVert x - m(x)\rVert \le` ``tol*scale``."""
    return _run(energy, x0, None, tol, max_steps, record)


def gradient_descent(
    energy: Any,
    x0: Any,
    *,
    step: float = 0.25,
    tol: float = 1e-10,
    max_steps: int = 100_000,
    record: bool = False,
) -> Descent:
    r"""Explicit Euler steps :math:`x \leftarrow x - \eta\nabla E(x)` (``step`` = :math:`\eta`, module docstring)."""
    if not step > 0:
        raise ValueError(f"step={step}: must be > 0")
    return _run(energy, x0, float(step), tol, max_steps, record)


def newton_polish(energy: Any, x0: Any, *, tol: float = 1e-10, max_steps: int = 50, max_move: float = 0.1) -> Descent:
    """Safeguarded Newton steps to the fixed point near each row of ``x0`` (module docstring); small d only."""
    xp = getattr(energy, "xp", np)
    x = xp.array(x0, dtype=xp.float64, copy=True)
    scale = float(getattr(energy, "scale", 1.0))
    thr = tol * scale
    e, g = energy.energy_and_grad(x)
    gn = xp.sqrt((g * g).sum(axis=1))
    steps = xp.zeros(len(x), dtype=xp.int64)
    active = xp.nonzero(gn / 2 > thr)[0]
    for _ in range(max_steps):
        if active.size == 0:
            break
        xa, ga = x[active], g[active]
        h = energy.hessian(xa)
        try:
            delta = xp.linalg.solve(h, ga[:, :, None])[:, :, 0]
        except Exception:  # a singular Hessian somewhere: fixed-point steps for all this round
            delta = xp.full_like(ga, xp.nan)
        newton = xa - delta
        fp = _fixed_point_step(energy, xa, ga)  # the fixed-point step (module docstring)
        ok = xp.isfinite(delta).all(axis=1) & (xp.sqrt((delta * delta).sum(axis=1)) <= max_move * scale)
        ok_idx = xp.nonzero(ok)[0]
        if ok_idx.size:
            _, gnew = energy.energy_and_grad(newton[ok_idx])
            better = xp.sqrt((gnew * gnew).sum(axis=1)) < gn[active][ok_idx]
            ok[ok_idx[~better]] = False
        xa = xp.where(ok[:, None], newton, fp)
        x[active] = xa
        ea, ga = energy.energy_and_grad(xa)
        e[active], g[active] = ea, ga
        gn[active] = xp.sqrt((ga * ga).sum(axis=1))
        steps[active] += 1
        active = active[gn[active] / 2 > thr]
    return Descent(x=x, energy=e, grad_norm=gn, steps=steps, converged=gn / 2 <= thr)
