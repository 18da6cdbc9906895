r"""Return trials: noise an attractor, denoise it back to the stop of sampling, and count whether it returns.

The second step of the ``diffusion.basins`` protocol (:mod:`amphase.simulate.diffusion.basins`), after the
attractors (:mod:`amphase.simulate.diffusion.basin_attractors`).

For an attractor :math:`a` (data space) and a noise level :math:`r` (std of the noise in data space,
:math:`\sigma_t/s_t`; :func:`~amphase.simulate.diffusion.basin_attractors.time_at_noise`), each of ``n_noise`` trials

1. noises: :math:`x_t = s_t a + \sigma_t z` (:func:`~amphase.simulate.diffusion.samplers.noise_to`);
2. denoises to the stop: where :math:`t > t_\beta`, the reverse sampler (``sampler``, ``steps`` log-spaced steps)
   with the exact score from t down to :math:`t_\beta` (:func:`~amphase.simulate.diffusion.samplers.denoise_from`);
   where :math:`t \le t_\beta` the noised point is already below the stop's noise and is only rescaled by
   :math:`s_{t_\beta}/s_t` (1 for VE);
3. descends to a minimum of :math:`E_\beta` (:func:`~amphase.simulate.diffusion.samplers.descend`, tolerance ``tol``
   times the data scale, at most ``max_steps`` steps);
4. **returns** when the end point's nearest attractor (of all those found, ``targets``) is :math:`a` and it lies
   within ``delta_r`` times the data scale :math:`\ell` of it (default 0.01; attractors closer than that are merged
   by the finder anyway).

:math:`P_{return}(r)` is the fraction of trials that return, with binomial errors (Wilson interval, z = 1,
:func:`amphase.analysis.statistics.wilson_interval`). The basin noise :math:`r_{basin}` is where
:math:`P_{return}` first falls below ``p_crit`` = 0.9
(:func:`~amphase.simulate.diffusion.basin_noise.critical_noise`, with its error); :math:`t_{basin}` is the time of
that noise level, and the **basin radius** is :math:`r_{basin}` itself (the noise std that the attractor survives
with probability 0.9). For a planar boundary at distance h, :math:`h = z_{0.9}\, r_{basin}`,
:math:`z_{0.9} = \Phi^{-1}(0.9) = 1.2816`.

The crossing and its error are computed by :mod:`amphase.simulate.diffusion.basin_noise`; the pair prediction
:math:`\Phi(h/r)` with the ODE sampler is derived in :mod:`amphase.theory.diffusion.basins`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.diffusion.basin_attractors import _whole, time_at_noise
from amphase.simulate.diffusion.classify import data_scale
from amphase.simulate.diffusion.samplers import SAMPLERS, denoise_from, descend, noise_to
from amphase.simulate.diffusion.score import ExactScore
from amphase.simulate.neighbours import nearest
from amphase.simulate.seeding import child_seed
from amphase.theory.diffusion.basins import _levels, _positive

__all__ = ["STOPS", "ReturnTrials", "return_trials"]

#: where :func:`return_trials` stops denoising.
STOPS = ("beta", "zero")


@dataclass
class ReturnTrials:
    """Counts of noise-then-denoise trials (module docstring), per tested attractor and noise level.

    Attributes
    ----------
    levels : (L,)
        Noise std in data units.
    times : (L,)
        The diffusion times of those levels.
    returned, trials, unconverged : (n, L) int
        Trials that returned, trials, and descents that did not meet the tolerance.
    """

    levels: np.ndarray
    times: np.ndarray
    returned: np.ndarray
    trials: np.ndarray
    unconverged: np.ndarray


def return_trials(
    score: ExactScore,
    beta: float,
    attractors: Any,
    levels: Any,
    n_noise: int,
    rng: np.random.SeedSequence,
    *,
    targets: Any = None,
    which: Any = None,
    sampler: str = "ode",
    steps: int = 20,
    stop: str = "beta",
    delta_r: float = 0.01,
    scale: float | None = None,
    tol: float = 1e-7,
    max_steps: int = 2000,
) -> ReturnTrials:
    r"""Noise each attractor ``n_noise`` times to each level, denoise back, count returns (module docstring).

    Parameters
    ----------
    score : ExactScore
    beta : float
        Inverse temperature of the stop (the attractors are minima of :math:`E_\beta`).
    attractors : (n, d)
        The attractors to test, data space.
    levels : (L,)
        Increasing noise stds in data units (:func:`time_at_noise`).
    n_noise : int
        Trials per attractor and level.
    rng : SeedSequence
        Level j uses the child stream ``(j,)`` (noise: ``(j, 0)``, sampler: ``(j, 1)``).
    targets, which
        All attractors found (m, d) and the index of each tested one among them (default: the tested set itself).
    sampler, steps
        Reverse sampler from t to the stop and its number of log-spaced steps.
    stop : {"beta", "zero"}
        ``"beta"``: sample to :math:`t_\beta` and descend (module docstring); ``"zero"``: sample to the schedule's
        ``t_min`` and take the denoiser there, :math:`\mathbb E[x_0 \mid x_{t_{min}}]` (for memorized attractors,
        with the training points as ``targets`` and each attractor's training point as ``which``).
    delta_r : float
        Return radius in units of ``scale`` (default: the training points' data scale).
    tol, max_steps
        Descent at :math:`\beta`.
    """
    if not isinstance(score, ExactScore):
        raise ParameterError("return_trials needs the exact score (an ExactScore)")
    beta = _positive("beta", beta)
    r = _levels(levels)
    n_noise = _whole("n_noise", n_noise)
    steps = _whole("steps", steps)
    max_steps = _whole("max_steps", max_steps)
    delta_r = _positive("delta_r", delta_r)
    tol = _positive("tol", tol)
    if sampler not in SAMPLERS:
        raise ParameterError(f"sampler={sampler!r}; allowed: {', '.join(SAMPLERS)}")
    if stop not in STOPS:
        raise ParameterError(f"stop={stop!r}; allowed: {', '.join(STOPS)}")
    if not isinstance(rng, np.random.SeedSequence):
        raise ParameterError("rng: a numpy.random.SeedSequence")
    a = np.asarray(attractors, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != score.d:
        raise ParameterError(f"attractors of shape {a.shape}: expected (n, {score.d})")
    tg = a if targets is None else np.asarray(targets, dtype=np.float64)
    wh = np.arange(len(a)) if which is None else np.asarray(which, dtype=np.int64)
    if tg.ndim != 2 or tg.shape[1] != score.d or wh.shape != (len(a),) or np.any(wh < 0) or np.any(wh >= len(tg)):
        raise ParameterError("targets (m, d) and which (n,) indices into them, one per tested attractor")
    ell = data_scale(np.asarray(score.data)) if scale is None else _positive("scale", scale)
    sch = score.schedule
    t_b = sch.time_at_beta(beta)
    s_b = float(sch.scale(t_b))
    times = np.array([time_at_noise(sch, v) for v in r])
    n, L = len(a), r.size
    returned = np.zeros((n, L), dtype=np.int64)
    unconv = np.zeros((n, L), dtype=np.int64)
    if n == 0:
        return ReturnTrials(r, times, returned, np.zeros((0, L), dtype=np.int64), unconv)
    x0 = np.repeat(a, n_noise, axis=0)
    owner = np.repeat(wh, n_noise)
    for j, t in enumerate(times):
        seed = child_seed(rng, j)
        if stop == "zero":
            if t > sch.t_min:
                xz = denoise_from(score, sch, x0, float(t), steps=steps, rng=seed, sampler=sampler)
                y = np.asarray(score.denoiser(xz, sch.t_min), dtype=np.float64)
            else:
                y = np.asarray(score.denoiser(noise_to(x0, sch, float(t), child_seed(seed, 0)), t), dtype=np.float64)
            dist, idx = nearest(y, tg)
            ok = (np.asarray(idx) == owner) & (np.asarray(dist) <= delta_r * ell)
            returned[:, j] = ok.reshape(n, n_noise).sum(axis=1)
            continue
        if t > t_b * (1 + 1e-12):
            xb = denoise_from(score, sch, x0, float(t), steps=steps, rng=seed, sampler=sampler, t_stop=t_b)
        else:
            xb = noise_to(x0, sch, float(t), child_seed(seed, 0)) * (s_b / float(sch.scale(t)))
        y, res = descend(score, np.asarray(xb, dtype=np.float64), t_b, tol=tol, max_steps=max_steps)
        y = np.asarray(y)
        dist, idx = nearest(y, tg)
        ok = (np.asarray(idx) == owner) & (np.asarray(dist) <= delta_r * ell)
        returned[:, j] = ok.reshape(n, n_noise).sum(axis=1)
        unconv[:, j] = (~np.asarray(res.converged)).reshape(n, n_noise).sum(axis=1)
    return ReturnTrials(r, times, returned, np.full((n, L), n_noise, dtype=np.int64), unconv)
