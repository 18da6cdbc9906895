"""Benchmark: binary DenseAM update rate (energy seam kernels) against the Hopfield pattern-form kernel.

For each N and each energy (polynomial n = 2, 3, 4, exponential) the Numba kernel
:func:`amphase.simulate.binary.kernels.async_dense` runs zero-temperature asynchronous sweeps on ``K = round(load N)``
patterns (the same K for every energy, so every update costs one O(K) dot product), and
:func:`amphase.simulate.binary.hebbian_kernels.async_patterns` runs the same sweeps for reference. Two regimes:

* ``fixed``: sweeps at a stored pattern (a fixed point at this load): every visit is a dot product and no flip;
* ``cue``: from the pattern with 20 % of its bits flipped to the fixed point: flips recompute the coefficients (O(K)).

Rates are spin updates (visits) per second, one thread, medians over interleaved rounds (:mod:`amphase.bench`),
with the machine's bandwidth and GEMM limits measured in the same process (``--limits``).

    python scripts/bench_dense_binary.py --N 1000 4000 --json bench_dense_binary.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import amphase.bench as harness
from amphase.simulate.binary import energy as en
from amphase.simulate.binary import hebbian_kernels as hopfield_kernels
from amphase.simulate.binary import kernels
from amphase.simulate.patterns import binary_patterns, flip_bits

ENERGIES = {
    "polynomial(2)": en.Polynomial(2),
    "polynomial(3)": en.Polynomial(3),
    "polynomial(4)": en.Polynomial(4),
    "exponential": en.Exponential(),
}


MODES = {en.INT_EXACT: "int64", en.CERTIFIED: "certified float64", en.INT32: "int32 coefficients"}


def _dense_step(energy: en.BinaryEnergy, xiT: np.ndarray, start: np.ndarray, orders: np.ndarray):
    N, K = xiT.shape
    t = energy.tables(N)
    args = (energy.kind, energy.mode(N, K), t.gp_f, t.gm_f, t.gp_w, t.gm_w, xiT)
    M0 = kernels.overlaps(xiT, start)

    def step() -> float:
        s, M = start.copy(), M0.copy()  # the overlaps are not part of the timed sweeps
        done, _ = kernels.async_dense(*args, s, M, orders)
        return float(done * N)

    return step


def _hopfield_step(xiT: np.ndarray, start: np.ndarray, orders: np.ndarray):
    N = xiT.shape[0]
    M0 = hopfield_kernels.overlaps(xiT, start)

    def step() -> float:
        s, M = start.copy(), M0.copy()
        done, _ = hopfield_kernels.async_patterns(xiT, s, M, orders)
        return float(done * N)

    return step


def bench_binary(
    Ns: tuple[int, ...] = (1000, 4000),
    load: float = 0.1,
    min_time: float = 0.2,
    rounds: int = 5,
    seed: int = 0,
    limits: bool = False,
) -> dict[str, Any]:
    """Updates per second of each energy and of the Hopfield kernel at each N (see the module docstring)."""
    rng = np.random.default_rng(seed)
    tasks: list[harness.Task] = []
    for N in Ns:
        K = max(1, round(load * N))
        xiT = binary_patterns(rng, N, K)
        orders = rng.permuted(np.broadcast_to(np.arange(N, dtype=np.int64), (100, N)), axis=1)
        starts = {"fixed": xiT[:, 0].copy(), "cue": flip_bits(rng, xiT[:, 0], round(0.2 * N))}
        for regime, start in starts.items():
            steps = {"hopfield": _hopfield_step(xiT, start, orders)}
            steps |= {name: _dense_step(e, xiT, start, orders) for name, e in ENERGIES.items()}
            for name, step in steps.items():
                step()  # compile, warm the caches
                mode = "hebbian int32" if name == "hopfield" else MODES[ENERGIES[name].mode(N, K)]
                tasks.append(
                    harness.Task(
                        f"{regime}/N={N}/{name}",
                        "updates/s",
                        (lambda st=step: harness.timed_rate(st, min_time)),
                        {"threads": 1, "N": N, "K": K, "regime": regime, "kernel": name, "arithmetic": mode},
                    )
                )
    if limits:
        tasks += harness.limit_tasks(2**27, 1024, rng)
    started = time.perf_counter()
    rec = harness.run_rounds(tasks, rounds)
    return {
        "machine": harness.machine_info(("numba",)),
        "medians": rec.medians(),
        "samples": rec.samples,
        "meta": rec.meta,
        "load": load,
        "wall_s": time.perf_counter() - started,
    }


def report(result: dict[str, Any]) -> list[str]:
    """Table lines: updates/s per energy, and relative to the Hopfield kernel at the same N and regime."""
    med, meta = result["medians"], result["meta"]
    lines = [f"{'regime':<6} {'N':>6} {'K':>5} {'kernel':<14} {'arithmetic':<18} {'updates/s':>10} {'/ Hopfield':>10}"]
    for name, value in med.items():
        if name.startswith("limit/"):
            continue
        m = meta[name]
        ref = med[f"{m['regime']}/N={m['N']}/hopfield"]
        lines.append(
            f"{m['regime']:<6} {m['N']:>6} {m['K']:>5} {m['kernel']:<14} {m['arithmetic']:<18} "
            f"{value:10.3g} {value / ref:10.2f}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--N", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--load", type=float, default=0.1, help="K = round(load N) patterns for every energy")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.2)
    parser.add_argument("--limits", action="store_true", help="also measure bandwidth and GEMM limits")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = bench_binary(tuple(args.N), args.load, args.min_time, args.rounds, limits=args.limits)
    print("\n".join(report(result)))
    if args.limits:
        print("limits:")
        print("\n".join(harness.format_limits(harness.Record(result["samples"], result["meta"]))))
    if args.json:
        harness.write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
