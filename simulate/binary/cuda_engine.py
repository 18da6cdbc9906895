"""Host side of the CUDA kernels of :mod:`.cuda_kernels`: many realizations (and grid points) in one launch.

:func:`run_realizations` is the device twin of :func:`.engine.run_realization` for the random-sequential dynamics
in the pattern form: it draws, for every realization, the patterns, cues and visiting orders exactly as the CPU path
does (the streams of :mod:`.engine`: ``(0,)`` patterns, ``(1, t)`` trial ``t``), packs the trials of *all* the given
realizations, whatever their grid point, into one ensemble of replicas (one thread block each; the patterns of each
realization once, in one flat buffer with an offset per replica) and runs it with one kernel launch per
:data:`~amphase.simulate.sequential.BLOCK` sweeps: the host draws the next block of orders (and heat-bath uniforms)
for the replicas still running while the device runs the current one, and one small read-back (sweeps run, fixed
point reached) per launch decides which replicas go on. End states, overlaps, sweep counts and status equal the
Numba path's for the same seeds at ``T = 0`` (at ``T > 0`` with the same uniforms: :mod:`.cuda_kernels` on ``tanh``).

What may share a launch (:func:`launch_key`): the same ``N``, energy, temperature, sweep limit (and the
random-sequential pattern form); ``K``, the cue, the noise and the seeds may differ. The caller bounds a launch's
pattern bytes (``sum N K`` over its realizations) with :func:`amphase.simulate.device_batches.batched_points`.

Arrays go to the device with ``numba.cuda.to_device``, which takes NumPy arrays, and CuPy arrays through
``__cuda_array_interface__``; under the simulator (``NUMBA_ENABLE_CUDASIM=1``) the same code runs on the CPU.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.binary.energy import EXPONENTIAL, INT32, INT_EXACT, BinaryEnergy
from amphase.simulate.binary.engine import BinaryRun, EndStates, cue_states
from amphase.simulate.patterns import binary_patterns
from amphase.simulate.seeding import child_rng
from amphase.simulate.sequential import BLOCK, FIXED_POINT, MAX_SWEEPS, THERMAL, draw_block

__all__ = ["check_device_run", "launch_key", "run_ensemble", "run_realizations"]


def check_device_run(run: BinaryRun) -> None:
    """:class:`ParameterError` for a run the device kernels do not cover, before any work."""
    if run.dynamics != "async" or run.form != "pattern":
        raise ParameterError(
            f"dynamics={run.dynamics!r}, form={run.form!r}: the CUDA kernels run dynamics='async' in form='pattern'"
        )
    energy = run.energy
    if energy.hebbian:
        return
    if energy.kind == EXPONENTIAL or energy.mode(run.N, run.K) not in (INT_EXACT, INT32):
        raise ParameterError(
            f"energy {energy.name} at N={run.N}, K={run.K}: the CUDA kernels run the Hebbian energies and the "
            "polynomial ones in exact int64 arithmetic (modes INT_EXACT, INT32); the certified float mode and the "
            "exponential energy run on backend='cpu' or 'numpy'"
        )
    if run.T > 0:
        raise ParameterError(f"T={run.T}: the CUDA dense kernel is zero-temperature only; T > 0 runs on 'cpu'")


def launch_key(run: BinaryRun) -> Hashable:
    """What realizations must share to run in one launch: ``N``, the energy, ``T`` and the sweep limit."""
    return (run.N, run.energy.name, run.energy.hebbian, float(run.T), int(run.sweeps))


def _device() -> Any:
    from numba import cuda

    return cuda


def run_ensemble(
    xis: Sequence[np.ndarray],
    owner: np.ndarray,
    S: np.ndarray,
    rngs: Sequence[np.random.Generator],
    energy: BinaryEnergy,
    T: float,
    max_sweeps: int,
    *,
    threads: int | None = None,
    shared: bool | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run replicas ``S`` (B, N) int8, replica ``b`` on patterns ``xis[owner[b]]`` (N, K_o), with its own ``rngs[b]``.

    Parameters
    ----------
    xis : sequence of ndarray of int8
        Pattern matrices ``xiT`` (N, K_o), one per realization.
    owner : ndarray of int, shape (B,)
        The realization of each replica.
    S : ndarray of int8, shape (B, N)
        Initial spins (not modified).
    rngs : sequence of numpy.random.Generator
        One per replica: visiting orders (and uniforms at ``T > 0``) as :func:`~amphase.simulate.sequential.draw_block`.
    energy, T, max_sweeps
        As in :class:`.engine.BinaryRun` (``T > 0``: Hebbian energies only).
    threads : int, optional
        Threads per block (a power of two; default :data:`.cuda_kernels.THREADS`, under the simulator
        :data:`.cuda_kernels.SIMULATOR_THREADS`).
    shared : bool, optional
        Force the overlaps into shared memory (True, an error if they do not fit) or global memory (False); by
        default shared when they fit (:func:`.cuda_kernels.shared_capacity`).

    Returns
    -------
    S, M, sweeps, status
        End states (B, N) int8, overlaps (B, Kmax) (int32 Hebbian, int64 dense; zero beyond ``K_o``), sweeps run
        (B,) int32, status (B,) int8.

    """
    from amphase.simulate.binary import cuda_kernels as ck

    cuda = _device()
    if threads is None:  # the simulator runs a Python thread per CUDA thread: a small block there
        threads = ck.SIMULATOR_THREADS if cuda.config.ENABLE_CUDASIM else ck.THREADS
    threads = int(threads)
    if threads < 1 or threads & (threads - 1):
        raise ParameterError(f"threads={threads}: a power of two >= 1")
    B, N = S.shape
    Ks = np.array([xis[o].shape[1] for o in owner], dtype=np.int32)
    Kmax = int(Ks.max())
    offsets = np.cumsum([0] + [x.size for x in xis])[:-1]
    xi = np.concatenate([np.ascontiguousarray(x, dtype=np.int8).ravel() for x in xis])
    off = np.ascontiguousarray(offsets[owner], dtype=np.int64)
    mtype = np.int32 if energy.hebbian else np.int64
    M = np.zeros((B, Kmax), dtype=mtype)
    for b in range(B):
        M[b, : Ks[b]] = S[b].astype(mtype) @ xis[owner[b]].astype(mtype)
    cap = ck.shared_capacity(Kmax, np.dtype(mtype).itemsize, 1 if energy.hebbian else 2, threads)
    if shared and not cap:
        raise ParameterError(f"K={Kmax}: the overlaps do not fit in {ck.SHARED_BYTES} bytes of shared memory")
    if shared is False:
        cap = 0
    thermal = T > 0
    d_xi, d_off, d_K = cuda.to_device(xi), cuda.to_device(off), cuda.to_device(Ks)
    d_S, d_M = cuda.to_device(np.ascontiguousarray(S, dtype=np.int8)), cuda.to_device(M)
    if not energy.hebbian:
        tables = energy.tables(N)
        d_C = cuda.to_device(np.zeros((B, Kmax), dtype=np.int64))
        d_gp, d_gm = cuda.to_device(tables.gp_w), cuda.to_device(tables.gm_w)
        kernel = ck.dense_kernel(cap, threads)
    elif thermal:
        kernel = ck.glauber_kernel(cap, threads)
    else:
        kernel = ck.hebbian_kernel(cap, threads)
    sweeps = np.zeros(B, dtype=np.int32)
    status = np.full(B, THERMAL if thermal else MAX_SWEEPS, dtype=np.int8)
    active = np.ones(B, dtype=bool)
    orders = np.zeros((B, BLOCK, N), dtype=np.int32)
    uniforms = np.zeros((B, BLOCK, N)) if thermal else None
    d_orders = cuda.to_device(orders)
    d_uniforms = cuda.to_device(uniforms) if thermal else None
    d_live = cuda.to_device(np.ones(B, dtype=np.int8))
    d_done = cuda.to_device(np.zeros(B, dtype=np.int32))
    d_fixed = cuda.to_device(np.zeros(B, dtype=np.int8))

    def draw(replicas: np.ndarray) -> None:  # the next block of each replica's stream, as the CPU path draws it
        for b in np.flatnonzero(replicas):
            o, u = draw_block(rngs[b], N, thermal)
            orders[b] = o
            if thermal:
                uniforms[b] = u

    draw(active)
    while active.any():
        n = int(min(BLOCK, max_sweeps - sweeps[active].min()))  # every running replica has run as many sweeps
        d_orders.copy_to_device(orders)  # waits for the previous launch (one stream)
        d_live.copy_to_device(active.astype(np.int8))
        if thermal:
            d_uniforms.copy_to_device(uniforms)
            kernel[B, threads](d_xi, d_off, d_K, d_S, d_M, d_orders, d_uniforms, n, 1.0 / T, d_live)
            sweeps[active] += n
            active &= sweeps < max_sweeps
            draw(active)  # while the device runs this launch
            continue
        args = (d_xi, d_off, d_K, d_S, d_M) + (() if energy.hebbian else (d_C, d_gp, d_gm))
        kernel[B, threads](*args, d_orders, n, d_live, d_done, d_fixed)
        # While the device runs: the next block of every replica still running before this launch. A replica that
        # stops in this launch never draws again, so drawing for it ahead changes no trajectory.
        draw(active & (sweeps + n < max_sweeps))
        done, fixed = d_done.copy_to_host(), d_fixed.copy_to_host()  # the one read-back of a launch
        sweeps[active] += done[active]
        reached = active & (fixed == 1)
        status[reached] = FIXED_POINT
        active &= ~reached & (sweeps < max_sweeps)
    return d_S.copy_to_host(), d_M.copy_to_host(), sweeps, status


def run_realizations(
    runs: Sequence[BinaryRun],
    seeds: Sequence[np.random.SeedSequence],
    *,
    threads: int | None = None,
    shared: bool | None = None,
) -> list[EndStates]:
    """Every realization ``runs[r]`` with seed ``seeds[r]`` in one ensemble; the end states of each (module doc).

    The runs must share :func:`launch_key` (:class:`ParameterError` otherwise, before any work); each is checked by
    :func:`check_device_run`. The result of realization ``r`` equals ``engine.run_realization(runs[r], seeds[r])``
    on the CPU backend (``M`` as the Hebbian int32 / dense int64 overlaps).
    """
    if len(runs) != len(seeds) or not runs:
        raise ParameterError(f"runs and seeds: one seed per run, at least one run (got {len(runs)}, {len(seeds)})")
    keys = {launch_key(run) for run in runs}
    if len(keys) > 1:
        raise ParameterError(f"runs of one launch share N, energy, T and sweeps; got {sorted(map(str, keys))}")
    for run in runs:
        check_device_run(run)
    xis, starts, cueds, rngs, owner = [], [], [], [], []
    for r, (run, seed) in enumerate(zip(runs, seeds, strict=True)):
        xiT = binary_patterns(child_rng(seed, 0), run.N, run.K)
        trial_rngs = [child_rng(seed, 1, t) for t in range(run.trials)]
        S, cued = cue_states(xiT, run, trial_rngs)
        xis.append(xiT)
        starts.append(S)
        cueds.append(cued)
        rngs.extend(trial_rngs)
        owner.extend([r] * run.trials)
    first = runs[0]
    S, M, sweeps, status = run_ensemble(
        xis, np.array(owner), np.concatenate(starts), rngs, first.energy, first.T, first.sweeps,
        threads=threads, shared=shared,
    )  # fmt: skip
    out, b = [], 0
    for r, run in enumerate(runs):
        sl = slice(b, b + run.trials)
        out.append(EndStates(xis[r], S[sl], M[sl, : run.K].copy(), sweeps[sl], status[sl], cueds[r]))
        b += run.trials
    return out
