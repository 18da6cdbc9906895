"""One binary DenseAM realization: draw patterns, cue the network, run the dynamics with an energy, measure.

:func:`run_realization` is the unit of work of the sweep runner for the model ``dense.binary``. A realization draws
``K`` unbiased ±1 patterns (:func:`amphase.simulate.patterns.binary_patterns`) and runs ``trials`` trajectories from
cues on them, with the energy ``E = -sum_mu F(M_mu)`` of :mod:`amphase.simulate.binary.energy`.

Load convention: ``K`` patterns given directly, or ``K = round(alpha N^(n-1))`` (the polynomial DenseAM stores
``O(N^(n-1))`` patterns; Krotov & Hopfield 2016); ``n = 2`` gives the Hopfield load ``P/N``.

Random streams are those of the Hopfield engine (:mod:`amphase.simulate.hopfield.engine`): children ``(0,)`` the
patterns, ``(1, t)`` trial ``t`` (its cue, then blocks of :data:`BLOCK` sweeps: the visiting orders, then at
``T > 0`` the heat-bath uniforms). So ``polynomial(2)`` at ``K = P`` and the Hopfield model at the same seed draw the
same patterns, cues and orders, and follow the same trajectories. The Hebbian energies (``x^2/2``, ``x^2``) run on
the Hopfield integer kernels, their exact fast path.

Measurements per trial: the overlaps ``m_mu = M_mu / N`` (the ``top`` largest in absolute value and their patterns,
the rms ``noise_rms`` of the others), the overlap ``m_cue`` with the cued pattern, the reduced energy ``E / F(N)``,
``unstable_bits``: how many bits of the cued pattern a single flip would lower the energy of (0: the pattern is a
fixed point, one-step stable), the sweeps run and how the run ended (:data:`STATUS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.simulate.backend import Backend, get_backend
from amphase.simulate.binary.energy import BinaryEnergy, make_energy
from amphase.simulate.dense import batched, kernels
from amphase.simulate.hopfield import batched as hopfield_batched
from amphase.simulate.hopfield import kernels as hopfield_kernels
from amphase.simulate.patterns import binary_patterns, flip_bits, overlap_measurements, random_spins
from amphase.simulate.seeding import child_rng
from amphase.simulate.sequential import (
    BLOCK,
    FIXED_POINT,
    MAX_SWEEPS,
    STATUS,
    THERMAL,
    draw_block,
    run_batched_sequential,
    run_synchronous,
)

__all__ = ["BLOCK", "CUES", "STATUS", "DenseRun", "cue_states", "measure", "run_realization"]

#: the cue kinds.
CUES = ("pattern", "random")


@dataclass(frozen=True)
class DenseRun:
    """Parameters of one realization (validated by :mod:`amphase.simulate.dense.model`).

    Attributes
    ----------
    N : int
        Neurons.
    n : int
        Degree of the polynomial energies (ignored by the exponential, except in the load ``alpha``).
    F : str
        ``'polynomial'``, ``'rectified'``, ``'exponential'`` (or ``'quadratic'``).
    K : int
        Patterns; 0: ``K = round(alpha N^(n-1))``.
    alpha : float
        Load ``K / N^(n-1)`` (used when ``K = 0``).
    T : float
        Temperature in units of ``F'(N)``; 0: the deterministic rule, > 0 the heat bath.
    cue : str
        ``'pattern'`` (pattern ``t mod K`` with ``round(noise N)`` bits flipped) or ``'random'``.
    noise : float
        Fraction of cue bits flipped.
    trials : int
        Trajectories per realization.
    dynamics : str
        ``'async'`` or ``'sync'``.
    sweeps : int
        ``T = 0``: most sweeps; ``T > 0``: sweeps run.
    backend : str
        See :mod:`amphase.simulate.backend`.
    top : int
        Largest overlaps reported per trial.

    """

    N: int
    n: int = 2
    F: str = "polynomial"
    K: int = 0
    alpha: float = 0.0
    T: float = 0.0
    cue: str = "pattern"
    noise: float = 0.0
    trials: int = 1
    dynamics: str = "async"
    sweeps: int = 200
    backend: str = "cpu"
    top: int = 5

    @property
    def P(self) -> int:
        """Number of stored patterns: ``K``, or ``round(alpha N^(n-1))``."""
        return int(self.K) if self.K else round(self.alpha * float(self.N) ** (self.n - 1))

    @property
    def energy(self) -> BinaryEnergy:
        """The energy of the seam."""
        return make_energy(self.F, self.n)


def cue_states(xiT: np.ndarray, run: DenseRun, rngs: list[np.random.Generator]) -> tuple[np.ndarray, np.ndarray]:
    """Initial states ``(trials, N)`` int8 and cued patterns ``(trials,)`` (-1: random), as the Hopfield engine."""
    N, K = xiT.shape
    S = np.empty((run.trials, N), dtype=np.int8)
    cued = np.full(run.trials, -1, dtype=np.int32)
    flips = round(run.noise * N)
    for t, rng in enumerate(rngs):
        if run.cue == "random":
            S[t] = random_spins(rng, N)
            continue
        cued[t] = t % K
        S[t] = flip_bits(rng, xiT[:, cued[t]], flips)
    return S, cued


def _run_cpu(xiT: np.ndarray, S: np.ndarray, run: DenseRun, rngs: list[np.random.Generator]) -> tuple:
    """Numba kernels, one trial at a time; returns (S, M, sweeps, status)."""
    N, K = xiT.shape
    energy = run.energy
    thermal = run.T > 0
    beta = 1.0 / run.T if thermal else np.inf
    t_ = energy.tables(N)
    mode = energy.mode(N, K)
    args = (energy.kind, mode, t_.gp_f, t_.gm_f, t_.gp_w, t_.gm_w, xiT)
    M = np.empty((len(S), K), dtype=np.int64)
    sweeps = np.zeros(len(S), dtype=np.int32)
    status = np.full(len(S), THERMAL if thermal else MAX_SWEEPS, dtype=np.int8)
    for t, rng in enumerate(rngs):
        s = S[t]
        m = hopfield_kernels.overlaps(xiT, s) if energy.hebbian else kernels.overlaps(xiT, s)
        while sweeps[t] < run.sweeps:
            orders, uniforms = draw_block(rng, N, thermal)
            n = min(BLOCK, run.sweeps - sweeps[t])
            if thermal:
                if energy.hebbian:
                    hopfield_kernels.glauber_patterns(xiT, s, m, orders[:n], uniforms[:n], beta)
                else:
                    kernels.heat_bath_dense(*args, s, m, orders[:n], uniforms[:n], beta, energy.log_unit(N))
                sweeps[t] += n
                continue
            if energy.hebbian:
                done, fixed = hopfield_kernels.async_patterns(xiT, s, m, orders[:n])
            else:
                done, fixed = kernels.async_dense(*args, s, m, orders[:n])
            sweeps[t] += done
            if fixed:
                status[t] = FIXED_POINT
                break
        M[t] = m
    return S, M, sweeps, status


def _run_batched_async(
    backend: Backend, xiT: np.ndarray, S: np.ndarray, run: DenseRun, rngs: list[np.random.Generator]
) -> tuple:
    """The batched random-sequential algorithm (NumPy or CuPy); the same trajectories as :func:`_run_cpu`."""
    xp = backend.xp
    energy = run.energy
    beta = 1.0 / run.T if run.T > 0 else np.inf
    d_xiT = backend.asarray(xiT)
    d_S = backend.asarray(S)
    mtype = xp.int32 if energy.hebbian else xp.int64
    d_M = d_S.astype(mtype) @ d_xiT.astype(mtype)

    def sweep(S_: Any, M_: Any, orders: Any) -> Any:
        if energy.hebbian:  # the exact integer Hebbian kernels: the fast path of F(x) = x^2 / 2
            return hopfield_batched.async_sweep(xp, d_xiT, S_, M_, orders)
        return batched.async_sweep(xp, energy, d_xiT, S_, M_, orders)

    def heat_bath(S_: Any, M_: Any, orders: Any, uniforms: Any) -> None:
        if energy.hebbian:
            hopfield_batched.glauber_sweep(xp, d_xiT, S_, M_, orders, uniforms, beta)
        else:
            batched.heat_bath_sweep(xp, energy, d_xiT, S_, M_, orders, uniforms, beta)

    d_S, d_M, sweeps, status = run_batched_sequential(
        backend, d_S, d_M, rngs, run.sweeps, sweep, heat_bath if run.T > 0 else None
    )
    return backend.asnumpy(d_S), backend.asnumpy(d_M).astype(np.int64), sweeps, status


def _run_sync(
    backend: Backend, xiT: np.ndarray, S: np.ndarray, run: DenseRun, rngs: list[np.random.Generator]
) -> tuple:
    """Synchronous dynamics for all trials at once (GEMMs, exact signs); fixed points and 2-cycles end a T = 0 run."""
    xp = backend.xp
    N = S.shape[1]
    energy = run.energy
    beta = 1.0 / run.T if run.T > 0 else np.inf
    log_unit = energy.log_unit(N)
    d_xiT = backend.asarray(xiT)

    def step(old: Any, u: Any) -> Any:
        M = old.astype(xp.int64) @ d_xiT.astype(xp.int64)
        D, sign = batched.flip_scores(xp, energy, d_xiT, old, M, N)
        if u is not None:
            shift = energy.coefficients(M, N, xp)[5]
            x = beta * old * D * xp.exp(shift - log_unit)[:, None]
            return xp.where(u < 0.5 * (1.0 - xp.tanh(0.5 * x)), 1, -1).astype(xp.int8)
        return xp.where(sign > 0, -old, old).astype(xp.int8)

    d_S, sweeps, status = run_synchronous(backend, backend.asarray(S), rngs, run.sweeps, step, run.T > 0)
    M = d_S.astype(xp.int64) @ d_xiT.astype(xp.int64)
    return backend.asnumpy(d_S), backend.asnumpy(M).astype(np.int64), sweeps, status


def unstable_bits(backend: Backend, energy: BinaryEnergy, xiT: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """For each pattern index (-1: none), how many of its bits one flip would lower the energy of (exact signs)."""
    out = np.full(len(patterns), -1, dtype=np.int32)
    which = np.flatnonzero(patterns >= 0)
    if which.size == 0:
        return out
    xp = backend.xp
    N = xiT.shape[0]
    d_xiT = backend.asarray(xiT)
    S = d_xiT[:, backend.asarray(patterns[which])].T.copy()  # (m, N)
    M = S.astype(xp.int64) @ d_xiT.astype(xp.int64)
    _, sign = batched.flip_scores(xp, energy, d_xiT, S, M, N)
    out[which] = backend.asnumpy((sign > 0).sum(axis=1))
    return out


def run_realization(run: DenseRun, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Draw the patterns, run every trial, and measure the end states.

    Returns
    -------
    dict of str to ndarray
        ``m_cue``, ``cue_pattern``, ``energy`` (``E / F(N)``), ``sweeps``, ``status``, ``unstable_bits`` (trials,);
        ``top_overlap``, ``top_pattern`` (trials, top); ``noise_rms`` (trials,); ``P`` (scalar, patterns stored).

    """
    N, K = run.N, run.P
    xiT = binary_patterns(child_rng(seed, 0), N, K)
    rngs = [child_rng(seed, 1, t) for t in range(run.trials)]
    S, cued = cue_states(xiT, run, rngs)
    backend = get_backend(run.backend)
    stable = unstable_bits(get_backend("numpy" if backend.name == "cpu" else backend.name), run.energy, xiT, cued)
    if run.dynamics == "sync":
        S, M, sweeps, status = _run_sync(backend, xiT, S, run, rngs)
    elif backend.batched:
        S, M, sweeps, status = _run_batched_async(backend, xiT, S, run, rngs)
    else:
        S, M, sweeps, status = _run_cpu(xiT, S, run, rngs)
    out = measure(M, N, cued, sweeps, status, run.top)
    out["energy"] = run.energy.reduced_energy(M, N)
    out["unstable_bits"] = stable
    return out


def measure(
    M: np.ndarray, N: int, cued: np.ndarray, sweeps: np.ndarray, status: np.ndarray, top: int
) -> dict[str, np.ndarray]:
    """End-state overlap measurements from the integer overlaps ``M`` (trials, K), as the Hopfield engine's."""
    out = overlap_measurements(M, N, cued, top)
    del out["overlap"]  # not stored: K can be far larger than N
    return {**out, "cue_pattern": cued, "sweeps": sweeps.astype(np.int32), "status": status.astype(np.int8),
            "P": np.int32(M.shape[1])}  # fmt: skip
