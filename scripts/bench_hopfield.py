"""Benchmark amphase's zero-temperature asynchronous Hopfield kernels against the machine's limits and plain code.

What is measured, in one process, interleaved round by round (every figure is the median over ``--repeats``
rounds, so a burst of load from other work on the machine moves few medians):

1. **Kernel throughput** in spin updates per second (one *update* = one visit of one spin, flipped or not) of
   :func:`amphase.simulate.binary.hebbian_kernels.async_patterns` (pattern form: integer overlaps ``M``, O(P) per
   visit) and :func:`~amphase.simulate.binary.hebbian_kernels.async_couplings` (coupling form: ``K = N J`` as int16,
   fields kept, O(1) per stable visit and O(N) per flip), at a few sizes ``N`` with ``P = round(alpha N)``:

   * ``fixed point``: start at a stored pattern, let it converge, then time further random-order sweeps: every visit
     costs a field evaluation and nothing flips (a Numba loop calls the kernel sweep after sweep, so Python's call
     overhead is not counted);
   * ``convergence``: whole runs from noisy cues (``--noise`` of the bits flipped) to the fixed point.

2. **Ensemble time**: :func:`amphase.simulate.hopfield.preset.run_realization` with ``trials`` trajectories from
   noisy cues, on backend ``cpu`` (Numba, one replica at a time), ``numpy`` (the batched GPU algorithm run by NumPy)
   and ``gpu`` when :func:`amphase.simulate.backend.gpu_available` (skipped otherwise). The backends must agree.

3. **Machine limits**, measured by the shared harness :mod:`amphase.bench` (:func:`harness.limit_tasks`), each
   with the thread count it ran at: read-only memory bandwidth (a Numba ``fastmath`` sum over a float64 array of
   about 1 GiB on one core and on every core, and ``np.sum`` for reference) and the GEMM rate (``a @ b`` at 2048²,
   float32 and float64, at BLAS's thread count and on one thread where BLAS threads can be limited: threadpoolctl,
   else OpenBLAS's own thread setter). The kernel rows are shown as ratios:

   * ``÷BW``: bytes/s the pattern-form kernel reads, counted as ``P`` bytes (one int8 row of ``xiT``) per visit,
     divided by the measured one-core streaming bandwidth (the kernel runs on one core). Near 1 the kernel streams
     at DRAM speed; above 1 means the rows are served from cache (``xiT`` is ``N P`` bytes: 0.1 MB at N=1000,
     1.6 MB at N=4000, 26 MB at N=16000 against 1 MiB L2 / 32 MiB L3 here);
   * ``÷GEMM``: multiply-adds per second (``P`` per visit) divided by half the float32 GEMM FLOP rate (a GEMM does one
     multiply-add per two FLOPs), i.e. the fraction of the machine's dense arithmetic peak the kernel reaches; shown
     against the GEMM at BLAS's default thread count (``÷GEMM``) and against one-thread GEMM (``÷GEMM1``, the fair
     per-core figure, as the kernel is single-threaded).

4. **The same work** (same patterns, same cue, same visiting orders) by the amphase kernels, by the plain NumPy loop a
   user would otherwise write (dense float64 ``J = xi xi^T / N`` with zero diagonal, ``h = J[i] @ s`` in a Python
   loop over spins, a zero field keeps the spin) and by neurodynex3's ``HopfieldNetwork`` (see its notes in the
   output: its default dynamics is synchronous, its asynchronous rule draws its own orders from NumPy's global
   generator and sends a zero field to +1, so only its speed on the same weights and cue is compared). The amphase
   kernels and the plain loop must reach the same end state (asserted). At the largest size the plain loop gets
   only a fraction of a sweep.

Usage::

    python scripts/bench_hopfield.py                 # full run, a few minutes on 2 cores
    python scripts/bench_hopfield.py --quick         # small sizes, seconds
    python scripts/bench_hopfield.py --repeats 7 --json bench.json
    python scripts/bench_hopfield.py --gpu --json gpu.json   # on a CUDA device: scripts/bench_hopfield_gpu.py
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

import amphase.bench as harness
from amphase.bench import Record, Task, check, fmt_rate, timed_rate
from amphase.simulate.backend import get_backend, gpu_available
from amphase.simulate.binary import hebbian_kernels as kernels
from amphase.simulate.hopfield.hopfield import HopfieldRun
from amphase.simulate.hopfield.preset import run_realization
from amphase.simulate.patterns import binary_patterns as draw_patterns

NEURODYNEX_NOTE = """\
  * neurodynex3 runs its own dynamics on the same weights (J = xi xi^T/N, zero diagonal) and cue, one step
    (N updates) per call, timed in steady state (after one untimed step). sync (its default): every spin at
    once, s <- sign(sum(W * s, axis=1)) from an N x N elementwise product (no BLAS); async: one sweep in an
    order drawn from np.random.permutation (NumPy's global generator, so not our orders), h_i = W[:, i] @ s
    (a strided column). Both send a zero field to +1; amphase and the plain loop keep the spin."""

MAX_SWEEPS = 50  # cap on sweeps of one convergence run (they converge in a handful at alpha = 0.1)


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...]
    alpha: float
    noise: float
    cues: int  # cues per convergence measurement
    plain_budget: dict[int, int]  # N -> visits of the plain NumPy loop (0 = run to the fixed point)
    neurodynex_sizes: tuple[int, ...]
    ensemble_N: int
    ensemble_trials: int
    bw_bytes: int
    gemm_n: int
    min_time: float  # seconds each timed sample lasts at least (short calls are repeated)
    repeats: int
    seed: int


def make_config(args: argparse.Namespace) -> Config:
    if args.quick:
        return Config(
            sizes=(500, 2000),
            alpha=args.alpha,
            noise=args.noise,
            cues=4,
            plain_budget={500: 0, 2000: 0},
            neurodynex_sizes=(500,),
            ensemble_N=1000,
            ensemble_trials=16,
            bw_bytes=128 * 2**20,
            gemm_n=1024,
            min_time=0.02,
            repeats=args.repeats,
            seed=args.seed,
        )
    return Config(
        sizes=(1000, 4000, 16000),
        alpha=args.alpha,
        noise=args.noise,
        cues=8,
        plain_budget={1000: 0, 4000: 0, 16000: 8000},
        neurodynex_sizes=(1000, 4000),
        ensemble_N=4000,
        ensemble_trials=64,
        bw_bytes=2**30,
        gemm_n=2048,
        min_time=0.1,
        repeats=args.repeats,
        seed=args.seed,
    )


# ---------------------------------------------------------------------------------------------------------------------
# kernels at one size


@njit(nogil=True)
def _pattern_sweeps(xiT: np.ndarray, s: np.ndarray, M: np.ndarray, orders: np.ndarray, n: int) -> int:
    """``n`` single-sweep calls of the pattern-form kernel, cycling through ``orders``; how many ended fixed."""
    fixed = 0
    for k in range(n):
        r = k % orders.shape[0]
        _, f = kernels.async_patterns(xiT, s, M, orders[r : r + 1])
        fixed += f
    return fixed


@njit(nogil=True)
def _coupling_sweeps(K: np.ndarray, s: np.ndarray, h: np.ndarray, orders: np.ndarray, n: int) -> int:
    fixed = 0
    for k in range(n):
        r = k % orders.shape[0]
        _, f = kernels.async_couplings(K, s, h, orders[r : r + 1])
        fixed += f
    return fixed


def random_orders(rng: np.random.Generator, sweeps: int, N: int) -> np.ndarray:
    return rng.permuted(np.broadcast_to(np.arange(N, dtype=np.int64), (sweeps, N)), axis=1)


def plain_numpy_async(J: np.ndarray, s: np.ndarray, orders: np.ndarray) -> tuple[int, bool]:
    """What a user would write: random-sequential sweeps over spins with a dense float J, until nothing flips.

    ``s`` is a float64 ±1 vector, updated in place. A zero field keeps the spin: fields are multiples of 1/N, so
    ``|h| < 0.5/N`` is an exact zero (float rounding of ``J[i] @ s`` cannot fake a sign).
    """
    tol = 0.5 / J.shape[0]
    for sweep, order in enumerate(orders):
        flips = 0
        for i in order.tolist():
            h = J[i] @ s
            if h > tol:
                if s[i] < 0:
                    s[i] = 1.0
                    flips += 1
            elif h < -tol and s[i] > 0:
                s[i] = -1.0
                flips += 1
        if flips == 0:
            return sweep + 1, True
    return len(orders), False


def neurodynex_network() -> Any:
    """neurodynex3's HopfieldNetwork class, or None when neurodynex3 cannot be imported."""
    try:
        from neurodynex3.hopfield_network.network import HopfieldNetwork
    except Exception:
        return None
    return HopfieldNetwork


def neurodynex_store_check(HopfieldNetwork: Any, rng: np.random.Generator, N: int = 200, P: int = 20) -> dict:
    """Time neurodynex3's store_patterns (a pure-Python O(P N^2) loop) and check it builds our J exactly."""
    xiT = draw_patterns(rng, N, P)
    net = HopfieldNetwork(N)
    t = time.perf_counter()
    net.store_patterns([xiT[:, mu].astype(np.int64) for mu in range(P)])
    elapsed = time.perf_counter() - t
    return {"N": N, "P": P, "seconds": elapsed, "same_J": bool(np.array_equal(net.weights, dense_J(xiT)))}


def coupling_matrix(xiT: np.ndarray) -> np.ndarray:
    """``K = xi xi^T`` with zero diagonal as int16 (exact: float32 sums of at most P < 2**24 terms ±1)."""
    xf = xiT.astype(np.float32)
    K = np.rint(xf @ xf.T).astype(np.int16)
    np.fill_diagonal(K, 0)
    return K


def dense_J(xiT: np.ndarray, K: np.ndarray | None = None) -> np.ndarray:
    """The user's ``J = xi xi^T / N`` with zero diagonal, float64 (bit-identical to building it in float64)."""
    if K is None:
        K = coupling_matrix(xiT)
    return K / np.float64(xiT.shape[0])


class SizeCase:
    """Patterns, cues and orders at one size, and the tasks that time the kernels on them."""

    def __init__(self, cfg: Config, N: int, HopfieldNetwork: Any) -> None:
        self.cfg = cfg
        self.N = N
        self.P = P = HopfieldRun(N=N, alpha=cfg.alpha).K
        rng = np.random.default_rng([cfg.seed, N])
        self.xiT = xiT = draw_patterns(rng, N, P)
        self.K = coupling_matrix(xiT)
        self.info: dict[str, Any] = {"N": N, "P": P, "xiT_MB": xiT.nbytes / 1e6, "K_MB": self.K.nbytes / 1e6}

        # cues: pattern c with round(noise N) distinct bits flipped; orders: MAX_SWEEPS permutations each
        flips = round(cfg.noise * N)
        self.cues = np.empty((cfg.cues, N), dtype=np.int8)
        for c in range(cfg.cues):
            self.cues[c] = xiT[:, c % P]
            self.cues[c, rng.choice(N, size=flips, replace=False)] *= -1
        self.orders = [random_orders(rng, MAX_SWEEPS, N) for _ in range(cfg.cues)]
        self.cue_M = [kernels.overlaps(xiT, cue) for cue in self.cues]
        self.cue_h = [self.K @ cue.astype(np.int64) for cue in self.cues]

        # fixed point reached from pattern 0
        self.fp_s = xiT[:, 0].copy()
        self.fp_M = kernels.overlaps(xiT, self.fp_s)
        sweeps, fixed = kernels.async_patterns(xiT, self.fp_s, self.fp_M, random_orders(rng, MAX_SWEEPS, N))
        check(fixed, f"N={N}: no fixed point near pattern 0 within {MAX_SWEEPS} sweeps")
        self.fp_h = self.K @ self.fp_s.astype(np.int64)
        self.fp_orders = random_orders(rng, 16, N)
        self.info["fixed_point"] = {"sweeps_to_reach": int(sweeps), "m": float(self.fp_M[0] / N)}

        # convergence from every cue: reference end states (pattern form), the coupling form must agree
        self.ref_end: list[np.ndarray] = []
        self.ref_sweeps: list[int] = []
        for c in range(cfg.cues):
            s, M = self.cues[c].copy(), self.cue_M[c].copy()
            sweeps, fixed = kernels.async_patterns(xiT, s, M, self.orders[c])
            s2, h2 = self.cues[c].copy(), self.cue_h[c].copy()
            sweeps2, _ = kernels.async_couplings(self.K, s2, h2, self.orders[c])
            check(np.array_equal(s, s2) and sweeps == sweeps2, f"N={N}: pattern and coupling forms disagree")
            self.ref_end.append(s)
            self.ref_sweeps.append(int(sweeps))
        self.info["convergence"] = {
            "cues": cfg.cues,
            "noise": cfg.noise,
            "sweeps": self.ref_sweeps,
            "m_end": [float(self.ref_end[c].astype(np.int32) @ xiT[:, c % P] / N) for c in range(cfg.cues)],
        }

        # the same work for the side-by-side comparison: cue 0 with its orders, to the fixed point or a budget
        budget = cfg.plain_budget.get(N, 0)
        if budget:
            self.same_orders = np.ascontiguousarray(self.orders[0][:1, :budget])
        else:
            self.same_orders = self.orders[0]
        s = self.cues[0].copy()
        M = self.cue_M[0].copy()
        sweeps, fixed = kernels.async_patterns(xiT, s, M, self.same_orders)
        self.same_updates = int(sweeps * self.same_orders.shape[1])
        self.same_end = s
        self.J = dense_J(xiT, self.K)
        s_plain = self.cues[0].astype(np.float64)
        sweeps_plain, _ = plain_numpy_async(self.J, s_plain, self.same_orders)
        same = bool(np.array_equal(s_plain.astype(np.int8), s)) and sweeps_plain == sweeps
        check(same, f"N={N}: the plain NumPy loop and the amphase kernel end in different states")
        self.info["same_work"] = {
            "cue": 0,
            "visits": self.same_updates,
            "sweeps": int(sweeps),
            "to_fixed_point": not budget,
            "same_trajectory": same,
        }

        # neurodynex3 on the same weights and cue
        self.net = None
        if HopfieldNetwork is not None and N in cfg.neurodynex_sizes:
            self.net = HopfieldNetwork(N)
            self.net.weights = self.J  # what its store_patterns builds (checked at small N), without its O(P N^2) loop
            self.nd_cue = self.cues[0].astype(np.int64)  # its pattern_tools make integer ±1 patterns
            quality: dict[str, Any] = {}
            for mode, steps in (("sync", 20), ("async", 10)):
                self.set_neurodynex(mode)
                states = self.net.run_with_monitoring(nr_steps=steps)
                moved = [not np.array_equal(a, b) for a, b in zip(states[1:], states[:-1], strict=True)]
                settled = next((k + 1 for k in range(len(moved)) if not moved[k]), None)  # steps incl. the still one
                cycle = settled is None and steps >= 2 and np.array_equal(states[-1], states[-3])
                quality[mode] = {
                    "m_end": float(np.asarray(states[-1]) @ xiT[:, 0] / N),
                    "steps_to_fixed_point": settled,
                    "two_cycle": bool(cycle),
                    "same_end_state_as_amphase": bool(np.array_equal(states[-1], self.ref_end[0])),
                }
            quality["amphase_m_end"] = self.info["convergence"]["m_end"][0]
            self.info["neurodynex3"] = quality

    def set_neurodynex(self, mode: str) -> None:
        if mode == "sync":
            self.net.set_dynamics_sign_sync()
        else:
            self.net.set_dynamics_sign_async()
        self.net.set_state_from_pattern(self.nd_cue)

    def calibrate(self, run_n: Callable[[int], float]) -> int:
        """How many calls of a short step make one sample of about ``min_time`` seconds."""
        return harness.calibrate(run_n, self.cfg.min_time)

    def tasks(self) -> list[Task]:
        N, P, xiT, K, cfg = self.N, self.P, self.xiT, self.K, self.cfg
        tag = f"N={N}"
        meta = {"N": N, "P": P}
        fp_orders = self.fp_orders

        def pattern_fp_n(n: int) -> float:
            s, M = self.fp_s.copy(), self.fp_M.copy()
            t = time.perf_counter()
            fixed = _pattern_sweeps(xiT, s, M, fp_orders, n)
            elapsed = time.perf_counter() - t
            check(fixed == n, "left the fixed point")
            return elapsed

        def coupling_fp_n(n: int) -> float:
            s, h = self.fp_s.copy(), self.fp_h.copy()
            t = time.perf_counter()
            fixed = _coupling_sweeps(K, s, h, fp_orders, n)
            elapsed = time.perf_counter() - t
            check(fixed == n, "left the fixed point")
            return elapsed

        n_pattern_fp = self.calibrate(pattern_fp_n)
        n_coupling_fp = self.calibrate(coupling_fp_n)
        S = self.cues.copy()
        Ms = np.array(self.cue_M)
        Hs = np.array(self.cue_h)

        def convergence(kernel: Callable, data: np.ndarray, state: np.ndarray, start: np.ndarray) -> Callable[[], int]:
            def step() -> int:
                done = 0
                for c in range(cfg.cues):
                    S[c] = self.cues[c]
                    state[c] = start[c]
                    sweeps, _ = kernel(data, S[c], state[c], self.orders[c])
                    done += sweeps * N
                return done

            return step

        same_orders = self.same_orders

        def same_pattern() -> int:
            s, M = self.cues[0].copy(), self.cue_M[0].copy()
            sweeps, _ = kernels.async_patterns(xiT, s, M, same_orders)
            return sweeps * same_orders.shape[1]

        def same_coupling() -> int:
            s, h = self.cues[0].copy(), self.cue_h[0].copy()
            sweeps, _ = kernels.async_couplings(K, s, h, same_orders)
            return sweeps * same_orders.shape[1]

        def same_plain() -> int:
            s = self.cues[0].astype(np.float64)
            sweeps, _ = plain_numpy_async(self.J, s, same_orders)
            return sweeps * same_orders.shape[1]

        tasks = [
            Task(
                f"{tag}/patterns/fixed_point",
                "updates/s",
                lambda: N * n_pattern_fp / pattern_fp_n(n_pattern_fp),
                {**meta, "form": "pattern", "work": "sweeps at a fixed point", "sweeps_per_sample": n_pattern_fp},
            ),
            Task(
                f"{tag}/couplings/fixed_point",
                "updates/s",
                lambda: N * n_coupling_fp / coupling_fp_n(n_coupling_fp),
                {**meta, "form": "coupling", "work": "sweeps at a fixed point", "sweeps_per_sample": n_coupling_fp},
            ),
            Task(
                f"{tag}/patterns/convergence",
                "updates/s",
                lambda: timed_rate(convergence(kernels.async_patterns, xiT, Ms, np.array(self.cue_M)), cfg.min_time),
                {**meta, "form": "pattern", "work": f"{cfg.cues} cues to their fixed points"},
            ),
            Task(
                f"{tag}/couplings/convergence",
                "updates/s",
                lambda: timed_rate(convergence(kernels.async_couplings, K, Hs, np.array(self.cue_h)), cfg.min_time),
                {**meta, "form": "coupling", "work": f"{cfg.cues} cues to their fixed points"},
            ),
            Task(f"{tag}/same/amphase_patterns", "updates/s", lambda: timed_rate(same_pattern, cfg.min_time), meta),
            Task(f"{tag}/same/amphase_couplings", "updates/s", lambda: timed_rate(same_coupling, cfg.min_time), meta),
            Task(f"{tag}/same/plain_numpy", "updates/s", lambda: timed_rate(same_plain, cfg.min_time / 2), meta),
        ]
        if self.net is not None:
            for mode in ("sync", "async"):

                def run_nd(mode: str = mode) -> float:
                    # one untimed step first: its first N x N temporary of a round can cost 10x a later one
                    self.set_neurodynex(mode)
                    self.net.run(nr_steps=1)
                    self.set_neurodynex(mode)

                    def step() -> int:
                        self.net.run(nr_steps=1)
                        return N

                    return timed_rate(step, cfg.min_time)

                tasks.append(
                    Task(f"{tag}/same/neurodynex3_{mode}", "updates/s", run_nd, {**meta, "work": "steps from cue 0"})
                )
        return tasks


# ---------------------------------------------------------------------------------------------------------------------
# ensembles through the engine


def ensemble_tasks(cfg: Config, backends: list[str]) -> tuple[list[Task], dict[str, Any]]:
    info: dict[str, Any] = {"N": cfg.ensemble_N, "alpha": cfg.alpha, "noise": cfg.noise, "trials": cfg.ensemble_trials}
    results: dict[str, dict[str, np.ndarray]] = {}
    tasks = []
    for backend in backends:
        run = HopfieldRun(
            N=cfg.ensemble_N, alpha=cfg.alpha, noise=cfg.noise, trials=cfg.ensemble_trials, backend=backend
        )
        warm = HopfieldRun(N=64, alpha=cfg.alpha, noise=cfg.noise, trials=2, backend=backend)
        run_realization(warm, np.random.SeedSequence(1))  # compile / load kernels, start the device

        def sample(run: HopfieldRun = run, backend: str = backend) -> float:
            t = time.perf_counter()
            out = run_realization(run, np.random.SeedSequence(0))
            elapsed = time.perf_counter() - t
            results[backend] = out
            return elapsed

        sample()
        out = results[backend]
        info[backend] = {
            "sweeps_total": int(out["sweeps"].sum()),
            "updates": int(out["sweeps"].sum()) * cfg.ensemble_N,
            "mean_m_cue": float(np.mean(out["m_cue"])),
            "fixed_points": int(np.sum(out["status"] == 0)),
        }
        tasks.append(Task(f"ensemble/{backend}", "s", sample, {"backend": backend, "P": run.K}))
    ref = results[backends[0]]
    for backend in backends[1:]:
        out = results[backend]
        agree = np.array_equal(out["overlap"], ref["overlap"]) and np.array_equal(out["sweeps"], ref["sweeps"])
        check(agree, f"ensemble: backend {backend} disagrees with {backends[0]}")
        info[backend]["same_as_" + backends[0]] = agree
    return tasks, info


# ---------------------------------------------------------------------------------------------------------------------
# output


def report(cfg: Config, rec: Record, machine: dict, sizes: list[SizeCase], ens_info: dict, nd: dict | None) -> dict:
    """Print the tables; return the figures (medians and derived ratios) for the JSON file."""
    med = rec.median
    bw1, sgemm, sgemm1 = med("limit/bw_1core"), med("limit/sgemm"), med("limit/sgemm_1thread")
    print(f"machine: {machine['cpu_model']}, {machine['usable_cpus']} cpus, numpy {machine['numpy']}, "
          f"numba {machine['numba']}, BLAS threads {machine['blas_threads']}, "
          f"device {machine['device'] or 'none (no GPU found)'}")  # fmt: skip
    print(f"medians over {cfg.repeats} interleaved rounds; load average at start/end {machine['loadavg']}\n")

    print("machine limits")
    print(f"  {'':<16} {'median':>8} {'unit':<8} {'[min .. max]':<18} {'threads':>7}")
    print("\n".join(harness.format_limits(rec)))
    if "limit/sgemm_1thread" not in rec.samples:
        print("  sgemm_1thread    skipped: BLAS threads cannot be limited (threadpoolctl found no BLAS loaded)")
    print()

    print("amphase T=0 asynchronous kernels (one core), spin updates per second")
    print("  ÷BW   = (updates/s x P bytes of int8 pattern row per visit) / one-core streaming bandwidth;")
    print("          > 1 means the rows come from cache, not DRAM")
    print("  ÷GEMM = (updates/s x P multiply-adds per visit) / (float32 GEMM FLOP/s / 2), GEMM at the BLAS thread")
    print("          count; ÷GEMM1 the same against one-thread GEMM (per-core peak)")
    header = f"  {'N':>6} {'P':>5} {'form':<9} {'work':<12} {'updates/s':>10} {'GB/s':>7} {'÷BW':>6} {'GMAC/s':>7} "
    print(header + f"{'÷GEMM':>6} {'÷GEMM1':>6}")
    kernel_rows = []
    for case in sizes:
        for form in ("patterns", "couplings"):
            for work in ("fixed_point", "convergence"):
                name = f"N={case.N}/{form}/{work}"
                rate = med(name)
                row = {"N": case.N, "P": case.P, "form": form, "work": work, "updates_per_s": rate}
                line = f"  {case.N:>6} {case.P:>5} {form:<9} {work:<12} {fmt_rate(rate):>10}"
                if form == "patterns":
                    gbs, gmacs = rate * case.P / 1e9, rate * case.P / 1e9
                    row |= {
                        "bytes_per_s": rate * case.P,
                        "ratio_bandwidth": gbs / bw1,
                        "macs_per_s": rate * case.P,
                        "ratio_gemm": gmacs / (sgemm / 2),
                        "ratio_gemm_1thread": gmacs / (sgemm1 / 2),
                    }
                    line += f" {gbs:7.2f} {gbs / bw1:6.2f} {gmacs:7.2f} {gmacs / (sgemm / 2):6.3f}"
                    line += f" {gmacs / (sgemm1 / 2):6.3f}"
                else:
                    line += "   (O(1) per stable visit, O(N) int16 row per flip: ratios not defined)"
                kernel_rows.append(row)
                print(line)
    print()

    print("the same work: cue 0 (10% flipped) with the same visiting orders, spin updates per second")
    print(f"  {'N':>6} {'P':>5} {'visits':>8} {'implementation':<34} {'updates/s':>10} {'vs amphase':>10}")
    same_rows = []
    labels = {
        "amphase_patterns": "amphase async_patterns",
        "amphase_couplings": "amphase async_couplings",
        "plain_numpy": "plain NumPy loop, float64 J",
        "neurodynex3_sync": "neurodynex3 sync (its default) *",
        "neurodynex3_async": "neurodynex3 async *",
    }
    for case in sizes:
        base = med(f"N={case.N}/same/amphase_patterns")
        visits = case.info["same_work"]["visits"]
        for key, label in labels.items():
            name = f"N={case.N}/same/{key}"
            if name not in rec.samples:
                if key == "neurodynex3_sync" and nd is None and case.N in cfg.neurodynex_sizes:
                    print(f"  {case.N:>6} {case.P:>5} {'':>8} neurodynex3: not installed (pip install neurodynex3)")
                continue
            rate = med(name)
            shown = visits if key in ("amphase_patterns", "amphase_couplings", "plain_numpy") else case.N
            same_rows.append({"N": case.N, "P": case.P, "implementation": key, "updates_per_s": rate, "visits": shown})
            print(f"  {case.N:>6} {case.P:>5} {shown:>8} {label:<34} {fmt_rate(rate):>10} {rate / base:>10.2g}")
        sw = case.info["same_work"]
        what = "to the fixed point" if sw["to_fixed_point"] else f"first {visits} visits of sweep 1"
        print(f"  {'':>6} {'':>5} {'':>8} same trajectory ({what}): {'yes' if sw['same_trajectory'] else 'NO'}")
    if nd is not None:
        print(NEURODYNEX_NOTE)
        print(
            f"    store_patterns is a Python O(P N^2) loop: {nd['seconds']:.2f} s at N={nd['N']}, P={nd['P']} "
            f"(≈ {nd['extrapolated_seconds_N4000']:.0f} s extrapolated to N=4000, P=400);\n"
            f"    it builds exactly our J: {'yes' if nd['same_J'] else 'NO'}, so the benchmark sets .weights directly."
        )
        for case in sizes:
            q = case.info.get("neurodynex3")
            if q:
                parts = []
                for mode in ("sync", "async"):
                    end = "fixed point" if q[mode]["steps_to_fixed_point"] is not None else "no fixed point"
                    if q[mode]["two_cycle"]:
                        end = "2-cycle"
                    same = "yes" if q[mode]["same_end_state_as_amphase"] else "no"
                    parts.append(f"{mode} m_end={q[mode]['m_end']:.3f} ({end}, same end state as amphase: {same})")
                print(f"    N={case.N}: amphase m_end={q['amphase_m_end']:.3f}")
                for part in parts:
                    print(f"      neurodynex3 {part}")
    print()

    print(f"ensembles: run_realization(HopfieldRun(N={cfg.ensemble_N}, alpha={cfg.alpha}, noise={cfg.noise}, "
          f"trials={cfg.ensemble_trials}))")  # fmt: skip
    print(f"  {'backend':<8} {'seconds':>8} {'trajectories/s':>15} {'updates/s':>10} {'sweeps':>7}  note")
    ens_rows = []
    for backend in ("cpu", "numpy", "gpu"):
        name = f"ensemble/{backend}"
        if name not in rec.samples:
            print(f"  {backend:<8} skipped: no GPU found")
            continue
        sec = med(name)
        e = ens_info[backend]
        note = {"cpu": "Numba, one replica at a time", "numpy": "batched GPU algorithm run by NumPy"}.get(backend, "")
        if backend != "cpu":
            note += f"; same result as cpu: {'yes' if e.get('same_as_cpu') else 'NO'}"
        rate = e["updates"] / sec
        ens_rows.append({"backend": backend, "seconds": sec, "updates_per_s": rate, **e})
        print(f"  {backend:<8} {sec:8.3f} {cfg.ensemble_trials / sec:15.1f} {fmt_rate(rate):>10} "
              f"{e['sweeps_total']:>7}  {note}")  # fmt: skip
    return {"kernels": kernel_rows, "same_work": same_rows, "ensembles": ens_rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, finishes in seconds (smoke run)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds; medians are reported (default 5)")
    parser.add_argument("--json", metavar="PATH", help="write every figure and the machine description as JSON")
    parser.add_argument("--alpha", type=float, default=0.1, help="load P/N (default 0.1)")
    parser.add_argument("--noise", type=float, default=0.1, help="fraction of cue bits flipped (default 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the patterns, cues and orders (default 0)")
    parser.add_argument("--gpu", action="store_true", help="the device benchmark (scripts/bench_hopfield_gpu.py)")
    args, rest = parser.parse_known_args(argv)
    if args.gpu:  # the CUDA kernel against the device's bandwidth; its own options (--sizes, --replicas ...) follow
        import bench_hopfield_gpu

        shared = ["--alpha", str(args.alpha), "--noise", str(args.noise), "--seed", str(args.seed)]
        return bench_hopfield_gpu.main(shared + (["--json", args.json] if args.json else []) + rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.repeats < 1 or not 0 < args.alpha < 1 or not 0 <= args.noise < 0.5:
        print("bench_hopfield: error: need --repeats >= 1, 0 < --alpha < 1, 0 <= --noise < 0.5", file=sys.stderr)
        return 2
    cfg = make_config(args)
    start = time.perf_counter()
    machine = harness.machine_info(packages=("numba", "neurodynex3"))
    machine["loadavg"] = [harness.loadavg()]
    rng = np.random.default_rng([cfg.seed, 1])

    HopfieldNetwork = neurodynex_network()
    nd = None
    if HopfieldNetwork is not None:
        nd = neurodynex_store_check(HopfieldNetwork, rng)
        nd["extrapolated_seconds_N4000"] = nd["seconds"] * (4000 / nd["N"]) ** 2 * (400 / nd["P"])
    backends = ["cpu", "numpy"]
    machine["device"] = None
    if gpu_available():
        backends.append("gpu")
        machine["device"] = get_backend("gpu").device

    tasks = harness.limit_tasks(cfg.bw_bytes, cfg.gemm_n, rng)
    sizes = [SizeCase(cfg, N, HopfieldNetwork) for N in cfg.sizes]
    for case in sizes:
        tasks += case.tasks()
    ens, ens_info = ensemble_tasks(cfg, backends)
    tasks += ens
    setup = time.perf_counter() - start
    rec = harness.run_rounds(tasks, cfg.repeats)  # interleaved: every measurement once per round
    machine["loadavg"].append(harness.loadavg())
    figures = report(cfg, rec, machine, sizes, ens_info, nd)
    total = time.perf_counter() - start
    print(f"\nsetup {setup:.1f} s, total {total:.1f} s")

    if args.json:
        out = {
            "machine": machine,
            "config": {
                k: ({str(a): b for a, b in v.items()} if isinstance(v, dict) else v) for k, v in vars(cfg).items()
            },
            "medians": rec.medians(),
            "samples": rec.samples,
            "meta": rec.meta,
            "sizes": [case.info for case in sizes],
            "ensembles": ens_info,
            "neurodynex3": nd
            if nd is not None
            else {"installed": False, "note": "neurodynex3: not installed (pip install neurodynex3)"},
            "derived": figures,
            "seconds": {"setup": setup, "total": total},
        }
        harness.write_json(args.json, out)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
