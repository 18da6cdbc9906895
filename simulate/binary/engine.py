"""One binary associative-memory realization: draw patterns, cue the network, run the dynamics of an energy.

The one engine of the Hopfield network and the binary Dense Associative Memory (the presets
:mod:`amphase.simulate.hopfield.preset` and :mod:`amphase.simulate.dense.binary_preset` measure its end states). A
realization draws ``K`` unbiased ±1 patterns (:func:`amphase.simulate.patterns.binary_patterns`) and runs ``trials``
trajectories from cues on them with the energy ``E = -sum_mu F(M_mu)`` of :mod:`amphase.simulate.binary.energy`;
each trajectory has its own random stream, so its result does not depend on the backend, on batching, or on how many
trials share the realization.

Random streams (children of the task's :class:`numpy.random.SeedSequence`, keyed by extending its ``spawn_key``):
``(0,)`` the patterns, ``(1, t)`` trial ``t`` (its cue, then its dynamics, drawn in blocks of :data:`BLOCK` sweeps:
for each block the visiting orders, then, at ``T > 0``, the heat-bath uniforms). So the Hopfield network and
``polynomial(2)`` at the same ``K`` and seed draw the same patterns, cues and orders, and follow the same trajectories.

Paths: the Hebbian energies (``x^2/2``, ``x^2``) run on the exact integer kernels of
:mod:`.hebbian_kernels`/:mod:`.hebbian_batched` (and only they have the coupling form); the others on the flip tables
of :mod:`.kernels`/:mod:`.batched`. Synchronous steps of :class:`~.energy.Quadratic` (the Hopfield network) use the
exact float GEMM fields of :func:`.hebbian_batched.sync_fields` with the heat bath ``(1 + tanh(beta h_i)) / 2``; every
other energy the exact flip scores of :func:`.batched.flip_scores` (at ``T = 0`` both give the same exact signs).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, NamedTuple

import numpy as np

from amphase.params import Choice, Param
from amphase.simulate.backend import BACKENDS, Backend, get_backend
from amphase.simulate.binary import batched, hebbian_batched, hebbian_kernels, kernels
from amphase.simulate.binary.energy import BinaryEnergy, Quadratic
from amphase.simulate.declare import declared
from amphase.simulate.patterns import binary_patterns, flip_bits, mixture_state, random_spins
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

__all__ = ["BLOCK", "CUES", "STATUS", "BinaryRun", "EndStates", "cue_states", "option", "options", "run_realization"]

#: the cue kinds.
CUES = ("pattern", "random", "mixture")


def _option(spec: Param | Choice, default: Any, grid: bool = False) -> Any:
    return field(default=default, metadata={"spec": spec, "grid": grid})


@dataclass(frozen=True)
class BinaryRun:
    """Parameters of one realization (validated by the model that builds it).

    ``N`` neurons, ``K >= 1`` stored patterns and the ``energy`` of the seam, then the engine's options: each is
    declared once here (its parameter, with description, domain and default) and a preset's model declares it as
    its own field with :func:`option` (so a preset repeats no option's domain or default); :func:`options` reads them
    back from the preset's instance. ``T`` is in units of ``F'(N)`` (the Hopfield ``T`` for ``x^2/2``). A cue is a
    pattern (``t mod K``), a uniform random state, or a mixture (sign of the sum of ``n_mix`` patterns), then exactly
    ``round(noise N)`` distinct bits flipped. ``form='coupling'`` (the N x N Hebbian matrix) is for the Hebbian
    energies on the CPU only.
    """

    N: int
    K: int
    energy: BinaryEnergy
    T: float = _option(Param("T", "temperature in units of F'(N) (0: deterministic rule; > 0: heat bath)", lower=0.0,
                             long_name="temperature in units of F'(N)"), 0.0, grid=True)  # fmt: skip
    cue: str = _option(Choice("cue", "initial state", CUES, long_name="kind of initial state"), "pattern", grid=True)
    noise: float = _option(Param("noise", "fraction of cue bits flipped", lower=0.0, upper=0.5), 0.0, grid=True)
    n_mix: int = _option(Param("n_mix", "patterns in a mixture cue", lower=1, upper=99, odd=True), 3, grid=True)
    trials: int = _option(Param("trials", "trajectories per realization (cues on the same patterns)", lower=1,
                                upper=10**6, integer=True), 1)  # fmt: skip
    dynamics: str = _option(Choice("dynamics", "update schedule", ("async", "sync")), "async", grid=True)
    sweeps: int = _option(Param("sweeps", "T = 0: most sweeps before giving up; T > 0: sweeps run", lower=1,
                                upper=10**7, integer=True), 200)  # fmt: skip
    form: str = _option(Choice("form", "coupling representation", ("pattern", "coupling")), "pattern")
    backend: str = _option(Choice("backend", "array backend (see amphase.simulate.backend)", BACKENDS), "cpu")


_OPTIONS = {f.name: f for f in fields(BinaryRun) if "spec" in f.metadata}


def option(name: str, **changes: Any) -> Any:
    """The engine option ``name`` as a field of a preset's ``@model`` class, its parameter changed by ``changes``.

    For example ``T: float = option("T", long_name="temperature 1/beta")`` (see
    :func:`amphase.simulate.declare.declared`): the description, domain, default and grid flag are
    :class:`BinaryRun`'s, unless ``changes`` replaces a field of its :class:`~amphase.params.Param` or
    :class:`~amphase.params.Choice` (``choices=`` for a preset that offers fewer cue kinds).
    """
    spec = _OPTIONS[name]
    return declared(replace(spec.metadata["spec"], **changes), default=spec.default, grid=spec.metadata["grid"])


def options(preset: Any) -> dict[str, Any]:
    """The engine options a preset's instance declares (those it does not keep :class:`BinaryRun`'s defaults)."""
    return {name: getattr(preset, name) for name in _OPTIONS if hasattr(preset, name)}


class EndStates(NamedTuple):
    """What a realization leaves for the measurements.

    ``xiT`` (N, K) int8 patterns; ``S`` (trials, N) int8 end states; ``M`` (trials, K) their integer overlaps (int32 on
    the Hebbian paths, else int64); ``sweeps`` (trials,) int32; ``status`` (trials,) int8 (:data:`STATUS`); ``cued``
    (trials,) int32 the (first) cued pattern, -1 for a random cue.
    """

    xiT: np.ndarray
    S: np.ndarray
    M: np.ndarray
    sweeps: np.ndarray
    status: np.ndarray
    cued: np.ndarray


def cue_states(xiT: np.ndarray, run: BinaryRun, rngs: list[np.random.Generator]) -> tuple[np.ndarray, np.ndarray]:
    """Initial states ``(trials, N)`` int8 and the index of the (first) cued pattern ``(trials,)`` (-1: random)."""
    N, K = xiT.shape
    S = np.empty((run.trials, N), dtype=np.int8)
    cued = np.full(run.trials, -1, dtype=np.int32)
    flips = round(run.noise * N)
    for t, rng in enumerate(rngs):
        if run.cue == "random":
            S[t] = random_spins(rng, N)
            continue
        if run.cue == "pattern":
            cued[t] = t % K
            start = xiT[:, cued[t]]
        else:  # mixture of n_mix distinct patterns
            mus = [(t * run.n_mix + j) % K for j in range(run.n_mix)]
            cued[t] = mus[0]
            start = mixture_state(xiT, mus)
        S[t] = flip_bits(rng, start, flips)
    return S, cued


def _couplings(xiT: np.ndarray) -> np.ndarray:
    """``N J`` as int16 (Hebbian, ``J_ii = 0``), from an exact float GEMM."""
    N, K = xiT.shape
    xf = xiT.astype(hebbian_batched.exact_float(np, N, K))
    J = np.rint(xf @ xf.T).astype(np.int16)
    np.fill_diagonal(J, 0)
    return J


def _run_cpu(xiT: np.ndarray, S: np.ndarray, run: BinaryRun, rngs: list[np.random.Generator]) -> tuple:
    """Numba kernels, one trial at a time; returns (S, M, sweeps, status)."""
    N, K = xiT.shape
    energy = run.energy
    hebbian = energy.hebbian
    thermal = run.T > 0
    beta = 1.0 / run.T if thermal else np.inf
    J = _couplings(xiT) if run.form == "coupling" else None
    if not hebbian:
        t_ = energy.tables(N)
        args = (energy.kind, energy.mode(N, K), t_.gp_f, t_.gm_f, t_.gp_w, t_.gm_w, xiT)
    M = np.empty((len(S), K), dtype=np.int32 if hebbian else np.int64)
    sweeps = np.zeros(len(S), dtype=np.int32)
    status = np.full(len(S), THERMAL if thermal else MAX_SWEEPS, dtype=np.int8)
    for t, rng in enumerate(rngs):
        s = S[t]
        m = hebbian_kernels.overlaps(xiT, s) if hebbian else kernels.overlaps(xiT, s)
        h = J @ s.astype(np.int64) if J is not None else None
        while sweeps[t] < run.sweeps:
            orders, uniforms = draw_block(rng, N, thermal)
            n = min(BLOCK, run.sweeps - sweeps[t])
            if thermal:
                if J is not None:
                    hebbian_kernels.glauber_couplings(J, s, h, orders[:n], uniforms[:n], beta)
                elif hebbian:
                    hebbian_kernels.glauber_patterns(xiT, s, m, orders[:n], uniforms[:n], beta)
                else:
                    kernels.heat_bath_dense(*args, s, m, orders[:n], uniforms[:n], beta, energy.log_unit(N))
                sweeps[t] += n
                continue
            if J is not None:
                done, fixed = hebbian_kernels.async_couplings(J, s, h, orders[:n])
            elif hebbian:
                done, fixed = hebbian_kernels.async_patterns(xiT, s, m, orders[:n])
            else:
                done, fixed = kernels.async_dense(*args, s, m, orders[:n])
            sweeps[t] += done
            if fixed:
                status[t] = FIXED_POINT
                break
        M[t] = hebbian_kernels.overlaps(xiT, s) if J is not None else m
    return S, M, sweeps, status


def _run_batched_async(
    backend: Backend, xiT: np.ndarray, S: np.ndarray, run: BinaryRun, rngs: list[np.random.Generator]
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
            return hebbian_batched.async_sweep(xp, d_xiT, S_, M_, orders)
        return batched.async_sweep(xp, energy, d_xiT, S_, M_, orders)

    def heat_bath(S_: Any, M_: Any, orders: Any, uniforms: Any) -> None:
        if energy.hebbian:
            hebbian_batched.glauber_sweep(xp, d_xiT, S_, M_, orders, uniforms, beta)
        else:
            batched.heat_bath_sweep(xp, energy, d_xiT, S_, M_, orders, uniforms, beta)

    d_S, d_M, sweeps, status = run_batched_sequential(
        backend, d_S, d_M, rngs, run.sweeps, sweep, heat_bath if run.T > 0 else None
    )
    return backend.asnumpy(d_S), backend.asnumpy(d_M), sweeps, status


def _run_sync_fields(
    backend: Backend, xiT: np.ndarray, S: np.ndarray, run: BinaryRun, rngs: list[np.random.Generator]
) -> tuple:
    """Synchronous Hebbian dynamics for all trials at once (exact float GEMMs); fixed points and 2-cycles end T = 0."""
    xp = backend.xp
    N, K = xiT.shape
    beta = 1.0 / run.T if run.T > 0 else np.inf
    xi_f = backend.asarray(xiT).astype(hebbian_batched.exact_float(xp, N, K))

    def step(old: Any, u: Any) -> Any:
        _, H = hebbian_batched.sync_fields(xp, xi_f, old)
        if u is not None:
            return xp.where(u < 0.5 * (1.0 + xp.tanh(beta * H / N)), 1, -1).astype(xp.int8)
        return xp.where(H > 0, 1, xp.where(H < 0, -1, old)).astype(xp.int8)

    d_S, sweeps, status = run_synchronous(backend, backend.asarray(S), rngs, run.sweeps, step, run.T > 0)
    M, _ = hebbian_batched.sync_fields(xp, xi_f, d_S)
    return backend.asnumpy(d_S), np.rint(backend.asnumpy(M)).astype(np.int32), sweeps, status


def _run_sync_scores(
    backend: Backend, xiT: np.ndarray, S: np.ndarray, run: BinaryRun, rngs: list[np.random.Generator]
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


def _cuda_kernels_cover(run: BinaryRun) -> bool:
    """Whether the numba-cuda kernels (:mod:`.cuda_engine`) run ``run`` (else the CuPy batched path does)."""
    import importlib.util

    from amphase.errors import ParameterError
    from amphase.simulate.binary.cuda_engine import check_device_run

    if importlib.util.find_spec("numba_cuda") is None:  # CuPy without numba-cuda: the batched path
        return False
    try:
        check_device_run(run)
    except ParameterError:
        return False
    return True


def _cuda_realization(run: BinaryRun, seed: np.random.SeedSequence) -> EndStates:
    from amphase.simulate.binary.cuda_engine import run_realizations

    return run_realizations([run], [seed])[0]


def run_realization(run: BinaryRun, seed: np.random.SeedSequence) -> EndStates:
    """Draw the patterns, cue and run every trial (random streams in the module docstring); the end states."""
    xiT = binary_patterns(child_rng(seed, 0), run.N, run.K)
    rngs = [child_rng(seed, 1, t) for t in range(run.trials)]
    S, cued = cue_states(xiT, run, rngs)
    backend = get_backend(run.backend)
    if run.dynamics == "sync":
        sync = _run_sync_fields if isinstance(run.energy, Quadratic) else _run_sync_scores
        S, M, sweeps, status = sync(backend, xiT, S, run, rngs)
    elif backend.name == "gpu" and _cuda_kernels_cover(run):
        return _cuda_realization(run, seed)
    elif backend.batched and run.form == "pattern":
        S, M, sweeps, status = _run_batched_async(backend, xiT, S, run, rngs)
    else:
        S, M, sweeps, status = _run_cpu(xiT, S, run, rngs)
    return EndStates(xiT, S, M, sweeps, status, cued)
