"""One Hopfield realization: draw patterns, cue the network, run the dynamics, measure the end states.

:func:`run_realization` is the unit of work of the sweep runner for the Hopfield family. A realization draws one set
of ``P = round(alpha N)`` unbiased ±1 patterns and runs ``trials`` independent trajectories from cues on it; each
trajectory has its own random stream, so its result does not depend on the backend, on batching, or on how many
trials share the realization.

Random streams (children of the task's :class:`numpy.random.SeedSequence`, keyed by extending its ``spawn_key``):
``(0,)`` the patterns, ``(1, t)`` trial ``t`` (its cue, then its dynamics, drawn in blocks of :data:`BLOCK` sweeps:
for each block the visiting orders, then, at ``T > 0``, the heat-bath uniforms).

Measurements per trial: the overlaps ``m_mu = (1/N) sum_i xi_i^mu s_i`` with every pattern (the largest ones
ranked, and the rms of the others), the energy per spin
``e = -(1/2) sum_mu m_mu^2 + P/(2N)`` (the Hebbian energy ``-(1/2N) sum_{i!=j} J_ij s_i s_j`` without self-coupling),
the sweeps run, and how the run ended (:data:`STATUS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.simulate.backend import Backend, get_backend
from amphase.simulate.hopfield import batched, kernels
from amphase.simulate.patterns import binary_patterns, flip_bits, mixture_state, overlap_measurements, random_spins
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

__all__ = ["BLOCK", "STATUS", "HopfieldRun", "cue_states", "run_realization"]

#: the cue kinds.
CUES = ("pattern", "random", "mixture")


@dataclass(frozen=True)
class HopfieldRun:
    """Parameters of one realization (validated by :mod:`amphase.simulate.hopfield.model`).

    Attributes
    ----------
    N : int
        Neurons.
    alpha : float
        Load; ``P = round(alpha N)`` patterns are stored (the model refuses ``P = 0``).
    T : float
        Temperature; 0 is the deterministic rule, ``T > 0`` the heat-bath rule.
    cue : str
        ``'pattern'`` (stored pattern ``t mod P`` with a fraction ``noise`` of its bits flipped), ``'random'``
        (uniform ±1 state) or ``'mixture'`` (sign of the sum of ``n_mix`` patterns, then ``noise`` flips).
    noise : float
        Fraction of bits flipped in the cue (exactly ``round(noise N)`` distinct bits).
    n_mix : int
        Patterns in a mixture cue (odd).
    trials : int
        Trajectories per realization (cues on the same patterns).
    dynamics : str
        ``'async'`` (random-sequential) or ``'sync'`` (all spins at once).
    sweeps : int
        At ``T = 0``, the most sweeps (or synchronous steps) before giving up; at ``T > 0``, exactly this many.
    form : str
        ``'pattern'`` (overlaps, O(P) memory per replica) or ``'coupling'`` (the N x N matrix, CPU only).
    backend : str
        See :mod:`amphase.simulate.backend`.
    top : int
        How many of the largest overlaps (in absolute value) to report with their pattern indices.

    """

    N: int
    alpha: float
    T: float = 0.0
    cue: str = "pattern"
    noise: float = 0.0
    n_mix: int = 3
    trials: int = 1
    dynamics: str = "async"
    sweeps: int = 200
    form: str = "pattern"
    backend: str = "cpu"
    top: int = 5

    @property
    def P(self) -> int:
        """Number of stored patterns."""
        return round(self.alpha * self.N)


def cue_states(xiT: np.ndarray, run: HopfieldRun, rngs: list[np.random.Generator]) -> tuple[np.ndarray, np.ndarray]:
    """Initial states of every trial and the index of the (first) cued pattern (-1 for a random cue).

    Returns
    -------
    S : ndarray of int8, shape (trials, N)
    cued : ndarray of int32, shape (trials,)

    """
    N, P = xiT.shape
    S = np.empty((run.trials, N), dtype=np.int8)
    cued = np.full(run.trials, -1, dtype=np.int32)
    flips = round(run.noise * N)
    for t, rng in enumerate(rngs):
        if run.cue == "random":
            S[t] = random_spins(rng, N)
            continue
        if run.cue == "pattern":
            cued[t] = t % P
            start = xiT[:, cued[t]]
        else:  # mixture of n_mix distinct patterns
            mus = [(t * run.n_mix + j) % P for j in range(run.n_mix)]
            cued[t] = mus[0]
            start = mixture_state(xiT, mus)
        S[t] = flip_bits(rng, start, flips)
    return S, cued


def _run_cpu(xiT: np.ndarray, S: np.ndarray, run: HopfieldRun, rngs: list[np.random.Generator]) -> tuple:
    """Numba kernels, one trial at a time; returns (S, M, sweeps, status)."""
    N, P = xiT.shape
    thermal = run.T > 0
    beta = 1.0 / run.T if thermal else np.inf
    K = None
    if run.form == "coupling":
        xf = xiT.astype(batched.exact_float(np, N, P))
        K = np.rint(xf @ xf.T).astype(np.int16)
        np.fill_diagonal(K, 0)
    M = np.empty((len(S), P), dtype=np.int32)
    sweeps = np.zeros(len(S), dtype=np.int32)
    status = np.full(len(S), THERMAL if thermal else MAX_SWEEPS, dtype=np.int8)
    for t, rng in enumerate(rngs):
        s = S[t]
        M[t] = kernels.overlaps(xiT, s)
        h = K @ s.astype(np.int64) if K is not None else None
        while sweeps[t] < run.sweeps:
            orders, uniforms = draw_block(rng, N, thermal)
            n = min(BLOCK, run.sweeps - sweeps[t])
            if thermal:
                if K is None:
                    kernels.glauber_patterns(xiT, s, M[t], orders[:n], uniforms[:n], beta)
                else:
                    kernels.glauber_couplings(K, s, h, orders[:n], uniforms[:n], beta)
                sweeps[t] += n
                continue
            if K is None:
                done, fixed = kernels.async_patterns(xiT, s, M[t], orders[:n])
            else:
                done, fixed = kernels.async_couplings(K, s, h, orders[:n])
            sweeps[t] += done
            if fixed:
                status[t] = FIXED_POINT
                break
        if K is not None:
            M[t] = kernels.overlaps(xiT, s)
    return S, M, sweeps, status


def _run_batched_async(
    backend: Backend, xiT: np.ndarray, S: np.ndarray, run: HopfieldRun, rngs: list[np.random.Generator]
) -> tuple:
    """The batched random-sequential algorithm (NumPy or CuPy); same trajectories as :func:`_run_cpu`."""
    xp = backend.xp
    d_xiT = backend.asarray(xiT)
    d_S = backend.asarray(S)
    d_M = d_S.astype(xp.int32) @ d_xiT.astype(xp.int32)
    beta = 1.0 / run.T if run.T > 0 else np.inf

    def sweep(S_: Any, M_: Any, orders: Any) -> Any:
        return batched.async_sweep(xp, d_xiT, S_, M_, orders)

    def heat_bath(S_: Any, M_: Any, orders: Any, uniforms: Any) -> None:
        batched.glauber_sweep(xp, d_xiT, S_, M_, orders, uniforms, beta)

    d_S, d_M, sweeps, status = run_batched_sequential(
        backend, d_S, d_M, rngs, run.sweeps, sweep, heat_bath if run.T > 0 else None
    )
    return backend.asnumpy(d_S), backend.asnumpy(d_M).astype(np.int32), sweeps, status


def _run_batched_sync(
    backend: Backend, xiT: np.ndarray, S: np.ndarray, run: HopfieldRun, rngs: list[np.random.Generator]
) -> tuple:
    """Synchronous dynamics for all trials at once (GEMMs); fixed points and 2-cycles end a T = 0 run."""
    xp = backend.xp
    N, P = xiT.shape
    beta = 1.0 / run.T if run.T > 0 else np.inf
    xi_f = backend.asarray(xiT).astype(batched.exact_float(xp, N, P))

    def step(old: Any, u: Any) -> Any:
        _, H = batched.sync_fields(xp, xi_f, old)
        if u is not None:
            return xp.where(u < 0.5 * (1.0 + xp.tanh(beta * H / N)), 1, -1).astype(xp.int8)
        return xp.where(H > 0, 1, xp.where(H < 0, -1, old)).astype(xp.int8)

    d_S, sweeps, status = run_synchronous(backend, backend.asarray(S), rngs, run.sweeps, step, run.T > 0)
    M, _ = batched.sync_fields(xp, xi_f, d_S)
    return backend.asnumpy(d_S), np.rint(backend.asnumpy(M)).astype(np.int32), sweeps, status


def run_realization(run: HopfieldRun, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Draw the patterns, run every trial, and measure the end states.

    Parameters
    ----------
    run : HopfieldRun
        Validated parameters.
    seed : numpy.random.SeedSequence
        The realization's seed; its children are described in the module docstring.

    Returns
    -------
    dict of str to ndarray
        ``overlap`` (trials, P) float32, ``m_cue`` (trials,) overlap with the cued pattern (NaN for a random cue),
        ``cue_pattern`` (trials,) int32, ``energy`` (trials,) energy per spin, ``sweeps`` (trials,) int32,
        ``status`` (trials,) int8 (:data:`STATUS`), ``top_overlap`` and ``top_pattern`` (trials, top): the
        ``top`` largest overlaps in absolute value, signed, and their pattern indices; ``noise_rms`` (trials,): the
        rms of the other ``P - top`` overlaps, the scale of the end state's noise overlaps that the classification
        of :mod:`amphase.analysis.classify` needs when only the top overlaps are stored (NaN when ``P <= top``);
        ``P`` (scalar).

    """
    N, P = run.N, run.P
    xiT = binary_patterns(child_rng(seed, 0), N, P)
    rngs = [child_rng(seed, 1, t) for t in range(run.trials)]
    S, cued = cue_states(xiT, run, rngs)
    backend = get_backend(run.backend)
    if run.dynamics == "sync":
        S, M, sweeps, status = _run_batched_sync(backend, xiT, S, run, rngs)
    elif backend.batched and run.form == "pattern":
        S, M, sweeps, status = _run_batched_async(backend, xiT, S, run, rngs)
    else:
        S, M, sweeps, status = _run_cpu(xiT, S, run, rngs)
    return measure(M, N, cued, sweeps, status, run.top)


def measure(
    M: np.ndarray, N: int, cued: np.ndarray, sweeps: np.ndarray, status: np.ndarray, top: int
) -> dict[str, np.ndarray]:
    """End-state measurements from the integer overlaps ``M`` (trials, P); see :func:`run_realization`."""
    P = M.shape[1]
    energy = -0.5 * (M.astype(np.float64) ** 2).sum(axis=1) / N**2 + P / (2 * N)
    out = overlap_measurements(M, N, cued, top)
    return {
        "overlap": out["overlap"],
        "m_cue": out["m_cue"],
        "cue_pattern": cued,
        "energy": energy,
        "sweeps": sweeps.astype(np.int32),
        "status": status.astype(np.int8),
        "top_overlap": out["top_overlap"],
        "top_pattern": out["top_pattern"],
        "noise_rms": out["noise_rms"],
        "P": np.int32(P),
    }
