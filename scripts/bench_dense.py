"""Benchmark the streaming log-sum-exp (LSE) step against this machine's GEMM and exp rates and against plain NumPy.

One *LSE step* at B queries, K memories, dimension d: per query the LSE value, the softmax-weighted mean
``sum_mu w_mu xi^mu`` (the DenseAM fixed-point map, the analytic diffusion denoiser) from
:func:`amphase.simulate.lse.lse_stats`. Its arithmetic is two GEMMs of ``2 B K d`` FLOPs each (scores ``x . xi``,
then ``w @ xi``), ``4 B K d`` in all, plus ``B K`` exponentials.

Measured, in one process, interleaved round by round, medians over ``--repeats`` rounds:

* **the limits** (:mod:`amphase.bench`): the single- and double-precision GEMM rate at the kernel's own GEMM shape
  ``(B x d) @ (d x tile)`` and at 2048², at BLAS's thread count (recorded), and ``np.exp`` throughput (one thread);
* **the kernel** in GFLOP/s (``4 B K d`` per step) and its ratio to the GEMM rate of the same dtype measured in the
  same rounds (:func:`harness.limit_vs_kernel`, alternating order); in the low-d case, where the exponentials and not
  the GEMMs dominate, also ``B K`` / time against the exp rate;
* **the same step in plain NumPy**, as a user would write it: the full (B, K) matrix of squared distances
  ``|x|^2 - 2 x xi^T + |xi|^2``, ``max``, ``exp``, ``sum``, ``w @ xi``, in the same dtype; checked against the kernel;
* **PyTorch** (the same plain formulation with ``torch`` ops) when :func:`harness.torch_probe` finds it;
* **peak memory** of the kernel and of the plain NumPy step at two K (:func:`harness.peak_memory`): the kernel's is
  bounded by the tile (O(B x tile + B x d)), the plain step's grows with K.

Usage::

    python scripts/bench_dense.py                    # 1024 x 50000 x 3072 and a low-d case, float32 and float64
    python scripts/bench_dense.py --quick            # K = 5000: seconds to a minute
    python scripts/bench_dense.py --repeats 5 --json bench_dense.json
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import amphase.bench as harness
from amphase.bench import fmt_bytes, gemm_flops
from amphase.simulate.lse import DEFAULT_TILE, lse_stats


def make_data(B: int, K: int, d: int, dtype: Any, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Queries and memories (standard normals scaled to unit norm per vector), and the float64 ``|xi|^2``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, d), dtype=np.float32) / np.sqrt(d)
    xi = rng.standard_normal((K, d), dtype=np.float32) / np.sqrt(d)
    x, xi = x.astype(dtype), xi.astype(dtype)
    x64 = xi.astype(np.float64)
    return x, xi, np.einsum("kd,kd->k", x64, x64)


def plain_numpy(x: np.ndarray, xi: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """The LSE step written plainly: the whole (B, K) score matrix at once; returns (lse, weighted mean)."""
    d2 = (x * x).sum(axis=1)[:, None] - 2 * (x @ xi.T) + (xi * xi).sum(axis=1)[None, :]
    s = -beta * d2
    m = s.max(axis=1, keepdims=True)
    w = np.exp(s - m)
    z = w.sum(axis=1, keepdims=True)
    return (m + np.log(z))[:, 0], (w @ xi) / z


def torch_step(torch: Any, x: Any, xi: Any, beta: float) -> tuple[Any, Any]:
    """The same plain step in PyTorch (``torch.logsumexp``, ``softmax``)."""
    d2 = (x * x).sum(1)[:, None] - 2 * (x @ xi.T) + (xi * xi).sum(1)[None, :]
    s = -beta * d2
    return torch.logsumexp(s, 1), torch.softmax(s, 1) @ xi


def timed(fn: Any) -> float:
    """Seconds of one call."""
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_case(name: str, B: int, K: int, d: int, dtype: Any, args: argparse.Namespace, torch: Any) -> dict[str, Any]:
    """Every measurement of one (B, K, d, dtype) case; prints its lines and returns its figures."""
    dt = np.dtype(dtype)
    x, xi, sq = make_data(B, K, d, dt)
    beta = args.beta
    flops = 2 * gemm_flops(B, K, d)  # two GEMMs per step
    tile = min(args.tile, K)

    def kernel() -> float:
        return flops / timed(lambda: lse_stats(x, xi, beta, sq_norms=sq, tile=tile)) / 1e9

    limit_task = harness.gemm_task(B, tile, d, dt, name=f"limit/gemm_{dt.name}_kernel_shape")
    with harness.blas_thread_limit(None) as threads:
        pass
    kernel()  # warm: page in the memories, BLAS threads
    lk = harness.limit_vs_kernel(limit_task.run, kernel, args.repeats, unit="GFLOP/s", threads={"blas": threads})
    seconds = flops / lk["kernel"]["median"] / 1e9
    out: dict[str, Any] = {"B": B, "K": K, "d": d, "dtype": dt.name, "tile": tile, "beta": beta, "kernel": lk}
    out["kernel_seconds"] = seconds
    out["exp_per_s"] = B * K / seconds
    # plain NumPy: fewer rounds (it holds several (B, K) arrays); same results
    if args.numpy_rounds > 0:
        ref = plain_numpy(x, xi, beta)
        st = lse_stats(x, xi, beta, sq_norms=sq, tile=tile)
        tol = 1e-3 if dt == np.float32 else 1e-9
        harness.check(np.allclose(st.mean, ref[1], atol=tol), f"{name}: kernel and plain NumPy disagree")
        times = [timed(lambda: plain_numpy(x, xi, beta)) for _ in range(args.numpy_rounds)]
        out["numpy_seconds"] = float(np.median(times))
        out["numpy_gflops"] = flops / out["numpy_seconds"] / 1e9
    if torch is not None:
        tx, txi = torch.from_numpy(x), torch.from_numpy(xi)
        torch_step(torch, tx, txi, beta)
        times = [timed(lambda: torch_step(torch, tx, txi, beta)) for _ in range(max(args.numpy_rounds, 1))]
        out["torch_seconds"] = float(np.median(times))
        out["torch_gflops"] = flops / out["torch_seconds"] / 1e9
    return out


def peak_case(B: int, K: int, d: int, dtype: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Peak memory of the kernel and of the plain NumPy step at one K (inputs excluded)."""
    x, xi, sq = make_data(B, K, d, dtype)
    _, kern = harness.peak_memory(lse_stats, x, xi, args.beta, sq_norms=sq, tile=args.peak_tile)
    _, plain = harness.peak_memory(plain_numpy, x, xi, args.beta)
    return {"K": K, "tile": args.peak_tile, "kernel": kern, "numpy": plain}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="K = 5000 instead of 50000")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds (medians)")
    parser.add_argument("--numpy-rounds", type=int, default=1, help="timed calls of the plain NumPy step (0: none)")
    parser.add_argument("--tile", type=int, default=DEFAULT_TILE)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--peak-tile", type=int, default=1250, help="tile of the peak-memory runs (divides both K)")
    parser.add_argument("--low-d", type=int, default=16, help="dimension of the low-d case")
    parser.add_argument("--no-float64", action="store_true", help="float32 cases only")
    parser.add_argument("--case", choices=("all", "large", "low-d"), default="all", help="which cases to run")
    parser.add_argument("--no-peak", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--torch", action="store_true", help="add a PyTorch row where torch imports")
    parser.add_argument("--json", metavar="PATH", help="write every figure and the machine description as JSON")
    args = parser.parse_args(argv)
    K = 5000 if args.quick else 50_000
    machine = harness.machine_info(packages=("numba", "torch"))
    machine["loadavg"] = [harness.loadavg()]
    torch = None
    if args.torch:
        info, reason = harness.torch_probe()
        machine["torch_probe"] = reason
        if info is not None:
            import torch
    print(f"# {machine['cpu_model']}, {machine['usable_cpus']} usable CPUs, BLAS threads {machine['blas_threads']}")
    limits = harness.run_rounds(
        [harness.gemm_task(2048, 2048, 2048, np.float32, name="limit/sgemm"),
         harness.gemm_task(2048, 2048, 2048, np.float64, name="limit/dgemm"),
         harness.exp_task(2**22, np.float32), harness.exp_task(2**22, np.float64)],
        args.repeats,
    )  # fmt: skip
    print("# machine limits (median [min .. max], threads):")
    print("\n".join(harness.format_limits(limits)))
    dtypes = [np.float32] if args.no_float64 else [np.float32, np.float64]
    cases = [("large", 1024, K, 3072), ("low-d", 1024, K, args.low_d)]
    cases = [c for c in cases if args.case in ("all", c[0])]
    results = []
    for name, B, k, d in cases:
        for dt in dtypes:
            r = bench_case(name, B, k, d, dt, args, torch)
            r["case"] = name
            results.append(r)
            lk = r["kernel"]
            exp_lim = limits.median(f"limit/exp_{np.dtype(dt).name}") * 1e9
            line = (
                f"{name:>6} {np.dtype(dt).name:>7} B={B} K={k} d={d}: kernel {lk['kernel']['median']:.1f} GFLOP/s "
                f"({r['kernel_seconds'] * 1e3:.0f} ms), GEMM at its shape {lk['limit']['median']:.1f} GFLOP/s: "
                f"{lk['ratio']:.2f} (per round {lk['ratio_per_round']:.2f}); {r['exp_per_s'] / 1e9:.3g} G exp/s = "
                f"{r['exp_per_s'] / exp_lim:.3g} of np.exp"
            )
            if "numpy_seconds" in r:
                line += f"; plain NumPy {r['numpy_gflops']:.1f} GFLOP/s ({r['numpy_seconds'] * 1e3:.0f} ms)"
            if "torch_seconds" in r:
                line += f"; PyTorch {r['torch_gflops']:.1f} GFLOP/s ({r['torch_seconds'] * 1e3:.0f} ms)"
            print(line, flush=True)
    peaks = []
    for k in () if args.no_peak else (K // 4, K):
        p = peak_case(1024, k, 256, np.float32, args)
        peaks.append(p)
        print(
            f"peak memory, B=1024 d=256 float32 K={k}: kernel (tile {args.peak_tile}) "
            f"{fmt_bytes(p['kernel']['tracemalloc_peak'])} "
            f"(rss {fmt_bytes(p['kernel']['rss_peak'])}), plain NumPy {fmt_bytes(p['numpy']['tracemalloc_peak'])} "
            f"(rss {fmt_bytes(p['numpy']['rss_peak'])})"
        )
    machine["loadavg"].append(harness.loadavg())
    print(f"# load average before/after: {machine['loadavg']}")
    if args.json:
        data = {"machine": machine, "limits": limits.medians(), "limit_meta": limits.meta, "cases": results}
        data["peak_memory"] = peaks
        harness.write_json(args.json, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
