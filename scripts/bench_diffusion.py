"""Benchmark one reverse-sampler step with the exact score of K training points, against GEMM and plain PyTorch.

One *step* is one Euler–Maruyama step of the reverse SDE (:func:`amphase.simulate.diffusion.samplers.reverse_sde`,
``steps=1``) for B samples in dimension d with the analytic score of K training points
(:func:`amphase.simulate.diffusion.score.exact_score`, the streaming log-sum-exp kernel of
:mod:`amphase.simulate.lse`): the score evaluation is two GEMMs of ``2 B K d`` FLOPs each (squared-distance scores
``x . xi``, then ``w @ xi``), ``4 B K d`` in all, plus ``B K`` exponentials; the update adds O(B d) work and one
draw of B x d normals. Paper scale (Pham et al. 2025, arXiv:2505.21777; CIFAR-10-sized): B = 1024 samples,
K = 50000 training points, d = 3072.

Measured in one process, interleaved round by round (:mod:`amphase.bench`), medians over ``--repeats`` rounds:

* **the limit**: the GEMM rate of the step's own GEMM shape ``(B x d) @ (d x tile)`` in the same dtype, at BLAS's
  thread count, alternating with the step (:func:`harness.limit_vs_kernel`); the step's rate is ``4 B K d`` FLOPs over
  its wall time, so the ratio counts everything the step does (exponentials, the update, the normals) against the
  GEMM alone;
* **the same step in plain NumPy** as a user would write it (the whole (B, K) matrix of squared distances,
  ``max``/``exp``/``sum``, ``w @ xi``, the Euler–Maruyama update), checked against amphase's step with the same
  normals;
* **the same step in plain PyTorch** (``torch.cdist``-free: ``x @ xi.T``, ``torch.softmax``) when torch imports
  (``--torch``): on the CPU here, and on CUDA in float32 and with TF32 when a device is present;
* **CuPy** (``--gpu``): amphase's step on the device (data on the GPU, normals drawn there), timed with device
  synchronisation, in float32 and with TF32 GEMMs (:func:`amphase.simulate.backend.tf32`), and a whole
  ``--sampler-steps`` (1000) step reverse-SDE sampler at that scale in both;
* **peak memory** of amphase's step and of the plain NumPy step at two K (:func:`harness.peak_memory`): amphase's is
  bounded by the tile, O(B x tile + B x d); the plain step's grows with K.

Usage::

    python scripts/bench_diffusion.py                        # B=1024, K=50000, d=3072, float32
    python scripts/bench_diffusion.py --quick                # K = 5000
    python scripts/bench_diffusion.py --torch --json bench_diffusion.json
    python scripts/bench_diffusion.py --gpu --torch          # on a machine with a CUDA device and CuPy
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import numpy as np

import amphase.bench as harness
from amphase.bench import fmt_bytes, gemm_flops
from amphase.simulate.backend import tf32 as device_tf32
from amphase.simulate.diffusion.samplers import reverse_sde
from amphase.simulate.diffusion.schedules import ve
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.lse import DEFAULT_TILE

#: the noise level of the timed step: t = T_STEP of a VE schedule with sigma = SIGMA (sigma_t = 0.5, beta_t = 2,
#: data of unit norm per point: a mid-trajectory step where the weights are neither uniform nor one-hot).
SIGMA, T_STEP = 1.0, 0.25
#: the seed of the step's normals: amphase's sampler given ``default_rng(NORMALS_SEED)`` draws exactly ``z``.
NORMALS_SEED = 5


def make_data(B: int, K: int, d: int, dtype: Any, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training points and samples (unit-norm standard normals), and the normals of the Euler–Maruyama step."""
    rng = np.random.default_rng(seed)
    xi = (rng.standard_normal((K, d), dtype=np.float32) / np.sqrt(d)).astype(dtype)
    x = (rng.standard_normal((B, d), dtype=np.float32) / np.sqrt(d)).astype(dtype)
    z = np.random.default_rng(NORMALS_SEED).standard_normal((B, d), dtype=dtype)  # what the sampler draws first
    return xi, x, z


def _step_coefficients(t: float, t_next: float) -> tuple[float, float, float]:
    """(h, g^2, variance) of the VE step from t to t_next (drift a = 0)."""
    sched = ve(SIGMA)
    return t - t_next, float(sched.g2(t)), float(sched.variance(t))


def plain_numpy_step(x: np.ndarray, xi: np.ndarray, z: np.ndarray, t: float, t_next: float) -> np.ndarray:
    """The reverse-SDE step written plainly: the (B, K) matrix of squared distances, softmax, score, update."""
    h, g2, var = _step_coefficients(t, t_next)
    beta = 0.5 / var
    d2 = (x * x).sum(axis=1)[:, None] - 2 * (x @ xi.T) + (xi * xi).sum(axis=1)[None, :]
    s = -beta * d2
    w = np.exp(s - s.max(axis=1, keepdims=True))
    m = (w @ xi) / w.sum(axis=1, keepdims=True)
    score = (m - x) / var
    return x + h * g2 * score + math.sqrt(g2 * h) * z


def torch_step(torch: Any, x: Any, xi: Any, z: Any, t: float, t_next: float) -> Any:
    """The same plain step in PyTorch."""
    h, g2, var = _step_coefficients(t, t_next)
    beta = 0.5 / var
    d2 = (x * x).sum(1)[:, None] - 2 * (x @ xi.T) + (xi * xi).sum(1)[None, :]
    m = torch.softmax(-beta * d2, 1) @ xi
    return x + h * g2 * (m - x) / var + math.sqrt(g2 * h) * z


def amphase_step(score: Any, x: Any, t: float, t_next: float, rng: Any) -> Any:
    """One reverse-SDE step of amphase's sampler from t to t_next."""
    return reverse_sde(score, ve(SIGMA), x, steps=1, t_start=t, t_stop=t_next, rng=rng, spacing="uniform")


def timed(fn: Any, sync: Any = None) -> float:
    """Seconds of one call (``sync()`` after it, for a device)."""
    t = time.perf_counter()
    fn()
    if sync is not None:
        sync()
    return time.perf_counter() - t


def bench_cpu(B: int, K: int, d: int, dtype: Any, args: argparse.Namespace, torch: Any) -> dict[str, Any]:
    """Every CPU measurement of one (B, K, d, dtype) case."""
    dt = np.dtype(dtype)
    xi, x, z = make_data(B, K, d, dt)
    tile = min(args.tile, K)
    score = exact_score(xi, ve(SIGMA), tile=tile)
    t, t_next = T_STEP, T_STEP * 0.95
    flops = 2 * gemm_flops(B, K, d)
    rng = np.random.default_rng(1)

    def kernel() -> float:
        return flops / timed(lambda: amphase_step(score, x, t, t_next, rng)) / 1e9

    kernel()  # warm: page in the training points, BLAS threads
    with harness.blas_thread_limit(None) as threads:
        pass
    limit = harness.gemm_task(B, tile, d, dt, name=f"limit/gemm_{dt.name}_step_shape")
    lk = harness.limit_vs_kernel(limit.run, kernel, args.repeats, unit="GFLOP/s", threads={"blas": threads})
    out: dict[str, Any] = {"B": B, "K": K, "d": d, "dtype": dt.name, "tile": tile, "t": t, "kernel": lk}
    out["kernel_seconds"] = flops / lk["kernel"]["median"] / 1e9
    ours = amphase_step(score, x, t, t_next, np.random.default_rng(NORMALS_SEED))
    tol = 2e-3 if dt == np.float32 else 1e-9
    if args.numpy_rounds > 0:
        ref = plain_numpy_step(x, xi, z, t, t_next)
        err = float(np.abs(ours - ref).max() / np.abs(ref).max())
        harness.check(err < tol, f"amphase's step and the plain NumPy step differ by {err:.3g} (relative)")
        times = [timed(lambda: plain_numpy_step(x, xi, z, t, t_next)) for _ in range(args.numpy_rounds)]
        out["numpy_seconds"] = float(np.median(times))
        out["numpy_rel_diff"] = err
    if torch is not None:
        tx, txi, tz = (torch.from_numpy(a) for a in (x, xi, z))
        ref = torch_step(torch, tx, txi, tz, t, t_next).numpy()
        err = float(np.abs(ours - ref).max() / np.abs(ref).max())
        harness.check(err < tol, f"amphase's step and the PyTorch step differ by {err:.3g} (relative)")
        torch_step(torch, tx, txi, tz, t, t_next)
        times = [timed(lambda: torch_step(torch, tx, txi, tz, t, t_next)) for _ in range(max(args.numpy_rounds, 1))]
        out["torch_seconds"] = float(np.median(times))
        out["torch_threads"] = torch.get_num_threads()
    return out


def _device_name(cupy: Any) -> str:
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def bench_gpu(B: int, K: int, d: int, args: argparse.Namespace, torch: Any) -> dict[str, Any]:
    """amphase's step on CuPy (float32) and, where torch has CUDA, plain PyTorch in float32 and TF32."""
    import cupy

    xi, x, z = make_data(B, K, d, np.float32)
    gxi, gx = cupy.asarray(xi), cupy.asarray(x)
    score = exact_score(gxi, ve(SIGMA), tile=min(args.gpu_tile, K))
    t, t_next = T_STEP, T_STEP * 0.95
    flops = 2 * gemm_flops(B, K, d)
    sync = cupy.cuda.Device().synchronize
    ss = np.random.SeedSequence(1)
    amphase_step(score, gx, t, t_next, ss)
    sync()
    reps = max(args.repeats, 3)
    ours = float(np.median([timed(lambda: amphase_step(score, gx, t, t_next, ss), sync) for _ in range(reps)]))
    a, b = cupy.ones((8192, 8192), dtype=cupy.float32), cupy.ones((8192, 8192), dtype=cupy.float32)
    a @ b
    sync()
    gemm = float(np.median([timed(lambda: a @ b, sync) for _ in range(reps)]))
    out: dict[str, Any] = {
        "B": B, "K": K, "d": d, "dtype": "float32", "cupy_seconds": ours, "cupy_gflops": flops / ours / 1e9,
        "sgemm_8192_gflops": gemm_flops(8192, 8192, 8192) / gemm / 1e9, "device": _device_name(cupy),
    }  # fmt: skip
    n = 10**8
    g = cupy.random.default_rng(2)
    g.standard_normal(n, dtype=cupy.float32)
    sync()
    out["cupy_normals_per_s"] = n / float(np.median([timed(lambda: g.standard_normal(n, dtype=cupy.float32), sync)]))
    with device_tf32(cupy):  # the score's GEMMs with TF32 inputs (10-bit mantissa: amphase.simulate.backend.tf32)
        amphase_step(score, gx, t, t_next, ss)
        sync()
        out["cupy_tf32_seconds"] = float(
            np.median([timed(lambda: amphase_step(score, gx, t, t_next, ss), sync) for _ in range(reps)])
        )
    for name, fast in (("fp32", False), ("tf32", True)):  # a whole sampler at this scale, normals on the device
        if args.sampler_steps > 0:
            out[f"sampler_{name}_seconds"] = timed(
                lambda fast=fast: reverse_sde(score, ve(SIGMA), gx, steps=args.sampler_steps, rng=ss, tf32=fast), sync
            )
    out["sampler_steps"] = args.sampler_steps
    if torch is not None and torch.cuda.is_available():
        tx, txi, tz = (torch.from_numpy(v).cuda() for v in (x, xi, z))
        for name, tf32 in (("torch_fp32", False), ("torch_tf32", True)):
            torch.backends.cuda.matmul.allow_tf32 = tf32
            torch_step(torch, tx, txi, tz, t, t_next)
            torch.cuda.synchronize()
            secs = [
                timed(lambda: torch_step(torch, tx, txi, tz, t, t_next), torch.cuda.synchronize) for _ in range(reps)
            ]
            out[f"{name}_seconds"] = float(np.median(secs))
        torch.backends.cuda.matmul.allow_tf32 = False
    return out


def peak_case(B: int, K: int, d: int, args: argparse.Namespace) -> dict[str, Any]:
    """Peak memory of amphase's step and of the plain NumPy step at one K (inputs excluded), float32."""
    xi, x, z = make_data(B, K, d, np.float32)
    score = exact_score(xi, ve(SIGMA), tile=args.peak_tile)
    rng = np.random.default_rng(NORMALS_SEED)
    _, ours = harness.peak_memory(amphase_step, score, x, T_STEP, T_STEP * 0.95, rng)
    _, plain = harness.peak_memory(plain_numpy_step, x, xi, z, T_STEP, T_STEP * 0.95)
    return {"K": K, "tile": args.peak_tile, "amphase": ours, "numpy": plain}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="K = 5000 instead of 50000")
    parser.add_argument("--B", type=int, default=1024, help="samples")
    parser.add_argument("--d", type=int, default=3072, help="dimension")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds (medians)")
    parser.add_argument("--numpy-rounds", type=int, default=1, help="timed calls of the plain NumPy step (0: none)")
    parser.add_argument("--tile", type=int, default=DEFAULT_TILE)
    parser.add_argument("--gpu-tile", type=int, default=16384, help="tile on the GPU")
    parser.add_argument("--peak-tile", type=int, default=1250, help="tile of the peak-memory runs (divides both K)")
    parser.add_argument("--float64", action="store_true", help="also a float64 case")
    parser.add_argument("--no-peak", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--torch", action="store_true", help="add PyTorch rows where torch imports")
    parser.add_argument("--gpu", action="store_true", help="add the CuPy (and CUDA PyTorch) rows")
    parser.add_argument("--no-cpu", action="store_true", help="skip the CPU cases (with --gpu)")
    parser.add_argument("--sampler-steps", type=int, default=1000, help="steps of the timed GPU sampler (0: none)")
    parser.add_argument("--json", metavar="PATH", help="write every figure and the machine description as JSON")
    args = parser.parse_args(argv)
    K = 5000 if args.quick else 50_000
    B, d = args.B, args.d
    machine = harness.machine_info(packages=("numba", "torch", "cupy-cuda12x"))
    machine["loadavg"] = [harness.loadavg()]
    torch = None
    if args.torch:
        info, reason = harness.torch_probe()
        machine["torch_probe"] = reason
        print(f"# {reason}")
        if info is not None:
            import torch
    print(f"# {machine['cpu_model']}, {machine['usable_cpus']} usable CPUs, BLAS threads {machine['blas_threads']}")
    results: list[dict[str, Any]] = []
    if not args.no_cpu:
        limits = harness.run_rounds([harness.gemm_task(2048, 2048, 2048, np.float32, name="limit/sgemm")], args.repeats)
        print("# machine limits (median [min .. max], threads):")
        print("\n".join(harness.format_limits(limits)))
        for dt in [np.float32, np.float64] if args.float64 else [np.float32]:
            r = bench_cpu(B, K, d, dt, args, torch)
            results.append(r)
            lk = r["kernel"]
            line = (
                f"reverse-SDE step {np.dtype(dt).name} B={B} K={K} d={d}: amphase {r['kernel_seconds'] * 1e3:.0f} ms "
                f"= {lk['kernel']['median']:.1f} GFLOP/s (4BKd), GEMM at its shape {lk['limit']['median']:.1f} "
                f"GFLOP/s: {lk['ratio']:.2f} (per round {lk['ratio_per_round']:.2f})"
            )
            if "numpy_seconds" in r:
                line += f"; plain NumPy {r['numpy_seconds'] * 1e3:.0f} ms"
            if "torch_seconds" in r:
                line += f"; plain PyTorch ({r['torch_threads']} threads) {r['torch_seconds'] * 1e3:.0f} ms"
            print(line, flush=True)
    gpu: dict[str, Any] | None = None
    if args.gpu:
        gpu = bench_gpu(B, K, d, args, torch)
        line = (
            f"GPU {gpu['device']} float32 B={B} K={K} d={d}: amphase (CuPy) {gpu['cupy_seconds'] * 1e3:.2f} ms = "
            f"{gpu['cupy_gflops']:.0f} GFLOP/s, SGEMM 8192^3 {gpu['sgemm_8192_gflops']:.0f} GFLOP/s: "
            f"{gpu['cupy_gflops'] / gpu['sgemm_8192_gflops']:.2f}; CuPy normals {gpu['cupy_normals_per_s']:.3g}/s"
        )
        line += f"; amphase TF32 {gpu['cupy_tf32_seconds'] * 1e3:.2f} ms"
        for name in ("torch_fp32", "torch_tf32"):
            if f"{name}_seconds" in gpu:
                line += f"; plain PyTorch {name[6:]} {gpu[f'{name}_seconds'] * 1e3:.2f} ms"
        for name in ("fp32", "tf32"):
            if f"sampler_{name}_seconds" in gpu:
                line += f"; {gpu['sampler_steps']}-step sampler {name} {gpu[f'sampler_{name}_seconds']:.1f} s"
        print(line, flush=True)
    peaks = []
    for k in () if args.no_peak or args.no_cpu else (K // 4, K):
        p = peak_case(B, k, 256, args)
        peaks.append(p)
        print(
            f"peak memory, B={B} d=256 float32 K={k}: amphase (tile {args.peak_tile}) "
            f"{fmt_bytes(p['amphase']['tracemalloc_peak'])} (rss {fmt_bytes(p['amphase']['rss_peak'])}), "
            f"plain NumPy {fmt_bytes(p['numpy']['tracemalloc_peak'])} (rss {fmt_bytes(p['numpy']['rss_peak'])})"
        )
    machine["loadavg"].append(harness.loadavg())
    print(f"# load average before/after: {machine['loadavg']}")
    if args.json:
        harness.write_json(args.json, {"machine": machine, "cases": results, "gpu": gpu, "peak_memory": peaks})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
