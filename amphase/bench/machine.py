"""A description of the machine a benchmark ran on: CPU, memory, versions, BLAS and its threads."""

from __future__ import annotations

import importlib.metadata
import os
import platform
from collections.abc import Sequence
from typing import Any

import numpy as np

from amphase.bench.blas import blas_info, blas_thread_control, usable_cpus

__all__ = ["loadavg", "machine_info", "package_version", "torch_probe"]


def package_version(name: str) -> str | None:
    """The installed version of distribution ``name``, or None when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def torch_probe() -> tuple[dict[str, Any] | None, str]:
    """Whether PyTorch can be used: ``(info, reason)``; ``info`` None (with the reason) when it cannot.

    ``info`` has torch's version, its CPU thread count, whether CUDA is usable and the device name. Importing torch
    takes seconds: call this only in benchmarks that would use it.
    """
    try:
        import torch
    except Exception as exc:  # ImportError, or a broken install raising anything at import
        return None, f"torch not importable: {type(exc).__name__}: {exc}"
    info: dict[str, Any] = {"version": torch.__version__, "cpu_threads": torch.get_num_threads()}
    try:
        cuda = bool(torch.cuda.is_available())
        info["cuda"] = cuda
        info["device"] = torch.cuda.get_device_name(0) if cuda else None
    except Exception as exc:
        info["cuda"] = False
        info["device"] = None
        info["cuda_error"] = f"{type(exc).__name__}: {exc}"
    reason = f"torch {info['version']}, " + (f"CUDA device {info['device']}" if info["cuda"] else "CPU only")
    return info, reason


def loadavg() -> float | None:
    """The one-minute load average, rounded to 0.01 (None where the platform has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _cpu_model() -> str:
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return model


def _memory_bytes() -> int:
    import psutil

    return int(psutil.virtual_memory().total)


def machine_info(packages: Sequence[str] = ("numba",)) -> dict[str, Any]:
    """CPU model, cores, memory, Python/NumPy/``packages`` versions (None: not installed), BLAS and its threads.

    Keys: ``cpu_model``, ``logical_cpus``, ``usable_cpus``, ``memory_bytes``, ``python``, ``numpy``, one per package,
    ``blas_threads``, ``blas`` (one entry per loaded BLAS), ``blas_thread_control``, ``threadpoolctl`` (its version or
    None), ``numba_threads`` (when Numba is installed), ``platform``.
    """
    threads, blas = blas_info()
    info: dict[str, Any] = {
        "cpu_model": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "memory_bytes": _memory_bytes(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    for name in packages:
        info[name] = package_version(name)
    info |= {
        "blas_threads": threads,
        "blas": [{k: b.get(k) for k in ("internal_api", "version", "num_threads", "architecture")} for b in blas],
        "blas_thread_control": blas_thread_control(),
        "threadpoolctl": package_version("threadpoolctl"),
    }
    if package_version("numba") is not None:
        import numba

        info["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    info["platform"] = platform.platform()
    return info
