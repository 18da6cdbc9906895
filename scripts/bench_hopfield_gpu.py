"""The ``--gpu`` part of ``scripts/bench_hopfield.py``: the CUDA kernel's spin updates per second against the device's
measured bandwidth, beside the Numba kernel on one CPU core and on every core of the same machine.

For each N (default 1000, 4000, 16000, 64000) with ``K = round(alpha N)`` patterns, one realization's patterns and
``--replicas`` replicas (default 4096) cued on noisy copies of the patterns:

* **device**: :func:`amphase.simulate.binary.cuda_kernels.hebbian_kernel` runs one sweep of every replica per launch
  (orders drawn once on the host and uploaded before the clock starts), timed with ``cuda.synchronize()`` over
  ``--gpu-sweeps`` launches; *updates* are visits (R N per sweep), flipped or not;
* **bandwidth**: a CuPy copy ``dst[...] = src`` of 1 GiB, ``2 x bytes / time`` (read + write), median of 5; the
  kernel's DRAM traffic is counted as one int8 pattern row (K bytes) per visit (the overlaps sit in shared memory),
  so ``updates/s x K / bandwidth`` is the fraction of the device's bandwidth the kernel uses;
* **CPU**: :func:`amphase.simulate.binary.hebbian_kernels.async_patterns` on one core (one replica, one sweep at a
  time) and on every core (a thread per core, each its own replicas: the kernel releases the GIL), same N and K.

Every figure is printed with the device's name and written with ``--json``. Under the CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``, no CuPy) the script runs as a smoke test at tiny sizes (``--sizes 64 --replicas 4
--threads 4``): its numbers then mean nothing and are labelled so.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

import amphase.bench as harness
from amphase.simulate.binary import hebbian_kernels
from amphase.simulate.patterns import binary_patterns


def _cupy() -> Any:
    try:
        import cupy

        cupy.zeros(1)
        return cupy
    except Exception:
        return None


def device_bandwidth(cupy: Any, nbytes: int = 2**30, repeats: int = 5) -> float:
    """Bytes per second of a device copy (read + write) of ``nbytes``, median of ``repeats``."""
    src = cupy.ones(nbytes // 4, dtype=cupy.float32)
    dst = cupy.empty_like(src)
    dst[...] = src
    cupy.cuda.Device().synchronize()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        dst[...] = src
        cupy.cuda.Device().synchronize()
        times.append(time.perf_counter() - t)
    return 2 * src.nbytes / float(np.median(times))


def device_rate(
    N: int, K: int, R: int, sweeps: int, threads: int, noise: float, seed: int, cupy: Any = None
) -> dict[str, Any]:
    """Spin updates per second of the CUDA Hebbian kernel: R replicas, one sweep per launch.

    Replica ``b`` visits in order ``b mod 64`` of 64 host permutations (the rate does not depend on the orders being
    independent); with CuPy the overlaps are one exact float32 GEMM on the device (``|M| <= N < 2^24``).
    """
    from numba import cuda

    from amphase.simulate.binary import cuda_kernels as ck

    rng = np.random.default_rng([seed, N])
    xiT = binary_patterns(rng, N, K)
    S = np.repeat(xiT[:, :1].T, R, axis=0)
    S[rng.random((R, N)) < noise] *= -1
    perms = np.argsort(rng.random((64, N)), axis=1).astype(np.int32)
    orders = np.ascontiguousarray(perms[np.arange(R) % 64][:, None, :])
    if cupy is not None:
        d_S, d_xi = cupy.asarray(S), cupy.asarray(xiT)
        d_M = cupy.rint(d_S.astype(cupy.float32) @ d_xi.astype(cupy.float32)).astype(cupy.int32)
        M = d_M
    else:
        M = np.ascontiguousarray(S.astype(np.int32) @ xiT.astype(np.int32))
    cap = ck.shared_capacity(K, 4, 1, threads)
    kernel = ck.hebbian_kernel(cap, threads)
    d = {name: cuda.to_device(a) for name, a in dict(
        xi=np.ascontiguousarray(xiT).ravel(), off=np.zeros(R, np.int64), K=np.full(R, K, np.int32), S=S,
        orders=orders, live=np.ones(R, np.int8), done=np.zeros(R, np.int32), fixed=np.zeros(R, np.int8),
    ).items()}  # fmt: skip
    d["M"] = cuda.as_cuda_array(M) if cupy is not None else cuda.to_device(M)  # CuPy's array, no copy
    args = (d["xi"], d["off"], d["K"], d["S"], d["M"], d["orders"], 1, d["live"], d["done"], d["fixed"])
    kernel[R, threads](*args)  # compile and warm
    cuda.synchronize()
    t = time.perf_counter()
    for _ in range(sweeps):
        kernel[R, threads](*args)
    cuda.synchronize()
    seconds = time.perf_counter() - t
    checked = check_replicas(xiT, S, orders, d["S"].copy_to_host(), sweeps + 1)
    return {"N": N, "K": K, "replicas": R, "sweeps": sweeps, "threads": threads, "shared": bool(cap),
            "seconds": seconds, "updates_per_s": R * N * sweeps / seconds, "checked_replicas": checked}  # fmt: skip


def check_replicas(xiT: np.ndarray, S0: np.ndarray, orders: np.ndarray, S_dev: np.ndarray, launches: int) -> int:
    """The first replicas' end states equal the Numba kernel's after the same launches (one sweep each, one order)."""
    n = min(len(S0), 8)
    for b in range(n):
        s = S0[b].copy()
        m = hebbian_kernels.overlaps(xiT, s)
        hebbian_kernels.async_patterns(xiT, s, m, np.repeat(orders[b].astype(np.int64), launches, axis=0))
        harness.check(np.array_equal(s, S_dev[b]), f"replica {b}: the device's end state differs from Numba's")
    return n


def cpu_rate(N: int, K: int, workers: int, sweeps: int, seed: int) -> float:
    """Spin updates per second of the Numba pattern-form kernel on ``workers`` threads (a replica each), at a fixed
    point (every visit evaluates a field, nothing flips: the steady-state cost of a visit)."""
    rng = np.random.default_rng([seed, N, 1])
    xiT = binary_patterns(rng, N, K)
    states = [xiT[:, w % K].copy() for w in range(workers)]
    Ms = [hebbian_kernels.overlaps(xiT, s) for s in states]
    orders = np.argsort(rng.random((sweeps, N)), axis=1)
    for s, m in zip(states, Ms, strict=True):  # compile, and reach the fixed point
        hebbian_kernels.async_patterns(xiT, s, m, orders[:4])

    def one(w: int) -> None:
        for k in range(sweeps):
            hebbian_kernels.async_patterns(xiT, states[w], Ms[w], orders[k : k + 1])

    t = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(workers)))
    return workers * N * sweeps / (time.perf_counter() - t)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,4000,16000,64000", help="comma-separated N")
    p.add_argument("--alpha", type=float, default=0.1)
    p.add_argument("--replicas", type=int, default=4096)
    p.add_argument("--gpu-sweeps", type=int, default=3, help="timed launches (one sweep each) per size")
    p.add_argument("--cpu-sweeps", type=int, default=2, help="timed sweeps per CPU replica")
    p.add_argument("--threads", type=int, default=128, help="threads per block (a power of two)")
    p.add_argument("--noise", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args(argv)
    simulated = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
    cupy = None if simulated else _cupy()
    machine = harness.machine_info(packages=("numba", "numba-cuda", "cupy-cuda12x", "cupy-cuda13x"))
    cores = harness.usable_cpus()
    device = "CUDA simulator (numbers mean nothing)" if simulated else "no CuPy device"
    bandwidth = None
    if cupy is not None:
        props = cupy.cuda.runtime.getDeviceProperties(0)
        device = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
        bandwidth = device_bandwidth(cupy)
    print(f"# device: {device}; bandwidth (CuPy copy): {harness.fmt_rate(bandwidth) + 'B/s' if bandwidth else 'n/a'}")
    print(f"# host: {machine['cpu_model']}, {cores} usable CPUs")
    rows = []
    for N in (int(n) for n in args.sizes.split(",")):
        K = max(1, round(args.alpha * N))
        dev = device_rate(N, K, args.replicas, args.gpu_sweeps, args.threads, args.noise, args.seed, cupy)
        one = cpu_rate(N, K, 1, args.cpu_sweeps, args.seed)
        allc = cpu_rate(N, K, cores, args.cpu_sweeps, args.seed)
        row = {**dev, "cpu_one_core": one, "cpu_all_cores": allc, "cores": cores}
        if bandwidth:
            row["bandwidth_fraction"] = dev["updates_per_s"] * K / bandwidth
        rows.append(row)
        frac = f", {row['bandwidth_fraction']:.2f} of bandwidth" if bandwidth else ""
        print(
            f"N={N} K={K} R={args.replicas}: device {dev['updates_per_s']:.3g} updates/s{frac} "
            f"({'shared' if dev['shared'] else 'global'} overlaps); CPU one core {one:.3g}, {cores} cores {allc:.3g}: "
            f"device / all cores {dev['updates_per_s'] / allc:.2f}",
            flush=True,
        )
    if args.json:
        harness.write_json(args.json, {"machine": machine, "device": device, "bandwidth": bandwidth, "rows": rows,
                                       "simulated": simulated})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
