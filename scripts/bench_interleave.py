"""The pattern-form Hopfield kernel against one-core memory bandwidth: plain, prefetching, and R replicas interleaved.

Issue 20 ("the CPU kernel while you are in it"): the zero-temperature pattern-form kernel reads one int8 row of the
patterns (``P`` bytes) per visited spin, at a random address. This script times, in one process and interleaved round
by round with the one-core read bandwidth of :func:`amphase.bench.bandwidth_tasks` (so a burst of load from other work
moves both), at a fixed point (every visit a field evaluation, nothing flips; ``alpha = P/N``):

* ``plain``: :func:`amphase.simulate.binary.hebbian_kernels.async_patterns` with ``prefetch=0`` (the kernel as it was
  before issue 20);
* ``prefetch``: the same with ``prefetch=1``: the row of the visit ``AHEAD`` visits later is prefetched;
* ``R=k`` (``R=k prefetch``): :func:`~amphase.simulate.binary.hebbian_kernels.async_patterns_interleaved`, ``k``
  replicas (each at its own fixed point, its own orders) in lock-step in one thread, without (with) prefetching.

Updates/s count visits (all replicas); ``÷BW`` = updates/s x ``P`` bytes / the one-core bandwidth, both medians over
the rounds (the best sample of each is shown too). Before timing, every kernel follows the same trajectory from noisy
cues (end states and sweep counts equal; checked).

Usage::

    python scripts/bench_interleave.py                          # N = 4000, 16000, 64000; a few minutes
    python scripts/bench_interleave.py --sizes 1000 4000 --repeats 3 --json results/interleave.json
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np
from numba import njit

import amphase.bench as harness
from amphase.bench import Task, check, fmt_rate
from amphase.simulate.binary import hebbian_kernels as hk
from amphase.simulate.patterns import binary_patterns, flip_bits

REPLICAS = (2, 4, 8)


@njit(nogil=True)
def _single_sweeps(xiT: np.ndarray, s: np.ndarray, M: np.ndarray, orders: np.ndarray, n: int, prefetch: int) -> int:
    """``n`` one-sweep calls at a fixed point, cycling through ``orders``; how many ended fixed."""
    fixed = 0
    for k in range(n):
        r = k % orders.shape[0]
        _, f = hk.async_patterns(xiT, s, M, orders[r : r + 1], prefetch)
        fixed += f
    return fixed


@njit(nogil=True)
def _interleaved_sweeps(
    xiT: np.ndarray, S: np.ndarray, M: np.ndarray, orders: np.ndarray, n: int, prefetch: int
) -> int:
    """``n`` one-sweep calls of the interleaved kernel at fixed points; how many replica sweeps ended fixed."""
    fixed = 0
    R = S.shape[0]
    one = np.ones(R, dtype=np.int64)
    for k in range(n):
        r = k % orders.shape[1]
        _, f = hk.async_patterns_interleaved(xiT, S, M, orders[:, r : r + 1], one, prefetch)
        fixed += f.sum()
    return fixed


def orders_for(rng: np.random.Generator, sweeps: int, N: int) -> np.ndarray:
    return rng.permuted(np.broadcast_to(np.arange(N, dtype=np.int64), (sweeps, N)), axis=1)


def size_tasks(N: int, alpha: float, min_time: float, seed: int) -> tuple[list[Task], dict[str, Any]]:
    """Patterns, fixed points and orders at size ``N``; the trajectory check; the timing tasks."""
    P = round(alpha * N)
    rng = np.random.default_rng([seed, N])
    xiT = binary_patterns(rng, N, P)
    R = max(REPLICAS)
    starts = np.stack([flip_bits(rng, xiT[:, r % P], round(0.1 * N)) for r in range(R)])
    cue_orders = np.stack([orders_for(rng, 50, N) for _ in range(R)])

    # the same trajectories: plain and prefetching kernels, one replica at a time, and R replicas interleaved
    S_ref, sweeps_ref = starts.copy(), []
    for r in range(R):
        M = hk.overlaps(xiT, S_ref[r])
        done, fixed = hk.async_patterns(xiT, S_ref[r], M, cue_orders[r], 0)
        s, M2 = starts[r].copy(), hk.overlaps(xiT, starts[r])
        done2, _ = hk.async_patterns(xiT, s, M2, cue_orders[r], 1)
        check(fixed and np.array_equal(s, S_ref[r]) and done == done2, f"N={N}: prefetching changed a trajectory")
        sweeps_ref.append(int(done))
    S = starts.copy()
    M = np.stack([hk.overlaps(xiT, s) for s in S])
    done, fixed = hk.async_patterns_interleaved(xiT, S, M, cue_orders, np.full(R, 50), 1)
    check(np.array_equal(S, S_ref) and list(done) == sweeps_ref, f"N={N}: interleaving changed a trajectory")

    fp_S, fp_M = S, M  # R fixed points (one per cue), and their orders for the timed sweeps
    fp_orders = np.stack([orders_for(rng, 8, N) for _ in range(R)])
    info = {"N": N, "P": P, "xiT_MB": xiT.nbytes / 1e6, "sweeps_to_fixed_point": sweeps_ref}
    meta = {"N": N, "P": P}

    def single(prefetch: int) -> Any:
        def run_n(n: int) -> float:
            s, m = fp_S[0].copy(), fp_M[0].copy()
            t = time.perf_counter()
            fixed = _single_sweeps(xiT, s, m, fp_orders[0], n, prefetch)
            elapsed = time.perf_counter() - t
            check(fixed == n, "left the fixed point")
            return elapsed

        n = harness.calibrate(run_n, min_time)
        return lambda: N * n / run_n(n)

    def interleaved(k: int, prefetch: int) -> Any:
        def run_n(n: int) -> float:
            S_, M_ = fp_S[:k].copy(), fp_M[:k].copy()
            t = time.perf_counter()
            fixed = _interleaved_sweeps(xiT, S_, M_, fp_orders[:k], n, prefetch)
            elapsed = time.perf_counter() - t
            check(fixed == k * n, "left the fixed point")
            return elapsed

        n = harness.calibrate(run_n, min_time)
        return lambda: k * N * n / run_n(n)

    tasks = [
        Task(f"N={N}/plain", "updates/s", single(0), {**meta, "kernel": "async_patterns, prefetch=0 (as before)"}),
        Task(f"N={N}/prefetch", "updates/s", single(1), {**meta, "kernel": "async_patterns, prefetch=1"}),
    ]
    for k in REPLICAS:
        for pf in (0, 1):
            name = f"N={N}/R={k}" + (" prefetch" if pf else "")
            tasks.append(Task(name, "updates/s", interleaved(k, pf), {**meta, "replicas": k, "prefetch": pf}))
    return tasks, info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[4000, 16000, 64000], help="N (default 4000 16000 64000)"
    )
    parser.add_argument("--alpha", type=float, default=0.1, help="load P/N (default 0.1)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds; medians reported (default 5)")
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per sample (default 0.2)")
    parser.add_argument("--bw-bytes", type=int, default=2**30, help="bytes of the bandwidth probe (default 1 GiB)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="write the samples and medians as JSON")
    args = parser.parse_args(argv)
    bad = {
        "--repeats": (args.repeats >= 1, ">= 1"),
        "--alpha": (0 < args.alpha < 1, "in (0, 1)"),
        "--sizes": (min(args.sizes) >= 16, "each >= 16"),
        "--min-time": (args.min_time > 0, "> 0"),
        "--bw-bytes": (args.bw_bytes >= 2**20, ">= 1048576"),
    }
    for name, (ok, allowed) in bad.items():
        if not ok:
            print(f"bench_interleave: error: {name} {getattr(args, name[2:].replace('-', '_'))}: allowed {allowed}",
                  file=sys.stderr)  # fmt: skip
            return 2
    start = time.perf_counter()
    machine = harness.machine_info(packages=("numba",))
    machine["loadavg"] = [harness.loadavg()]
    tasks = harness.bandwidth_tasks(args.bw_bytes)
    infos = []
    for N in args.sizes:
        t, info = size_tasks(N, args.alpha, args.min_time, args.seed)
        tasks += t
        infos.append(info)
    rec = harness.run_rounds(tasks, args.repeats)
    machine["loadavg"].append(harness.loadavg())

    bw = rec.median("limit/bw_1core")
    bw_best = max(rec.samples["limit/bw_1core"])
    print(f"machine: {machine['cpu_model']}, {machine['usable_cpus']} cpus, numba {machine['numba']}; "
          f"load average at start/end {machine['loadavg']}")  # fmt: skip
    print(f"medians over {args.repeats} interleaved rounds (best sample in brackets)\n")
    print("\n".join(harness.format_limits(rec)))
    print(f"\n  {'N':>6} {'P':>5} {'xiT MB':>7} {'kernel':<18} {'updates/s':>10} {'GB/s':>6} {'÷BW':>5}   "
          f"{'[best':>6} {'÷best BW]':>9}")  # fmt: skip
    rows = []
    for info in infos:
        N, P = info["N"], info["P"]
        for name in rec.samples:
            if not name.startswith(f"N={N}/"):
                continue
            rate, best = rec.median(name), max(rec.samples[name])
            label = name.split("/", 1)[1]
            rows.append({"N": N, "P": P, "kernel": label, "updates_per_s": rate, "best": best,
                         "ratio_bandwidth": rate * P / 1e9 / bw, "ratio_best": best * P / 1e9 / bw_best})  # fmt: skip
            print(f"  {N:>6} {P:>5} {info['xiT_MB']:>7.1f} {label:<18} {fmt_rate(rate):>10} {rate * P / 1e9:6.2f} "
                  f"{rate * P / 1e9 / bw:5.2f}   [{fmt_rate(best):>6} {best * P / 1e9 / bw_best:9.2f}]")  # fmt: skip
    print(f"\ntotal {time.perf_counter() - start:.1f} s")
    if args.json:
        harness.write_json(args.json, {"machine": machine, "args": vars(args), "sizes": infos, "rows": rows,
                                       "medians": rec.medians(), "samples": rec.samples, "meta": rec.meta})  # fmt: skip
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
