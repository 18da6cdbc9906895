"""The backend seam: which array library runs an engine's batched kernels.

Every engine asks :func:`get_backend` for a :class:`Backend` and writes its batched kernels against ``backend.xp``,
the NumPy-compatible namespace (``numpy`` or ``cupy``). Names:

``"cpu"``
    Numba kernels, one replica at a time (the engines' own compiled code); ``xp`` is NumPy.
``"gpu"``
    the batched kernels on a CUDA device through CuPy (the ``gpu`` extra).
``"numpy"``
    the *same* batched kernels as ``"gpu"``, run by NumPy: this is how CI, which has no GPU, tests the GPU code.
``"auto"``
    ``"gpu"`` when CuPy can allocate on a device, ``"cpu"`` otherwise.

TF32 (:func:`tf32`): on a device with tensor cores (compute capability >= 8.0), cuBLAS may run float32 GEMMs with
inputs rounded to TF32, a 10-bit mantissa (unit roundoff ``u = 2^-11 ~ 4.9e-4``, against ``2^-24 ~ 6e-8`` for
float32), accumulating in float32. A dot product ``sum_k a_k b_k`` then carries an error up to about
``2 u sum_k |a_k b_k|`` (each factor rounded once, Higham's bound for the float32 sum on top): for the
log-sum-exp scores ``c x.xi`` this is an absolute error of about ``2^-10 |c| sum |x_k xi_k|`` in the exponent, so
the softmax weights move by that relative amount. It is never on by default: a caller asks for it explicitly.

CuPy is imported lazily; ``cupy-cuda12x`` imports without a device but raises on the first allocation, so
availability is probed with :func:`cupy.cuda.is_available` inside ``try``. Random numbers are always drawn on the
host by NumPy generators and moved to the device, so a seed gives the same draws on every backend.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from amphase.errors import ParameterError

__all__ = [
    "BACKENDS",
    "TF32_UNIT_ROUNDOFF",
    "Backend",
    "array_module",
    "get_backend",
    "gpu_available",
    "tf32",
    "to_host",
]

#: unit roundoff of TF32 inputs (10 explicit mantissa bits): 2^-11.
TF32_UNIT_ROUNDOFF = 2.0**-11

#: the backend names :func:`get_backend` accepts.
BACKENDS = ("auto", "cpu", "gpu", "numpy")


@dataclass(frozen=True)
class Backend:
    """An array backend: its name, its NumPy-compatible module, and a description of the device."""

    name: str
    xp: ModuleType
    device: str

    @property
    def batched(self) -> bool:
        """Whether engines run their batched (array) kernels rather than the per-replica Numba kernels."""
        return self.name != "cpu"

    def asarray(self, a: Any, dtype: Any = None) -> Any:
        """``a`` as an array of this backend (copied to the device for CuPy)."""
        return self.xp.asarray(a, dtype=dtype)

    def asnumpy(self, a: Any) -> np.ndarray:
        """``a`` as a NumPy array on the host."""
        if self.xp is np:
            return np.asarray(a)
        return self.xp.asnumpy(a)


def _on_device(a: Any) -> bool:
    # decided by the array's type: a failed `import cupy` costs ~0.6 s on every call where CuPy is not installed
    return type(a).__module__.startswith("cupy")


def array_module(a: Any) -> ModuleType:
    """The NumPy-compatible module of array ``a``: ``cupy`` for a CuPy array, ``numpy`` for anything else.

    CuPy is imported only when ``a`` is one of its arrays, so this costs nothing where CuPy is not installed.
    """
    if _on_device(a):
        import cupy

        return cupy
    return np


def to_host(a: Any, dtype: Any = None) -> np.ndarray:
    """``a`` as a NumPy array on the host (copied from the device for CuPy), converted to ``dtype`` if given."""
    if _on_device(a):
        a = a.get()
    return np.asarray(a, dtype=dtype)


@functools.cache
def gpu_available() -> bool:
    """Whether CuPy is installed and can allocate on a CUDA device."""
    try:
        import cupy

        if not cupy.cuda.is_available():
            return False
        cupy.zeros(1)  # imports without a device succeed; the first allocation is the real test
        return True
    except Exception:
        return False


def _gpu_description() -> str:
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    return f"{name} (CuPy {cupy.__version__})"


def get_backend(name: str = "auto") -> Backend:
    """The backend called ``name`` (one of :data:`BACKENDS`); :class:`ParameterError` if unknown or unavailable."""
    if name not in BACKENDS:
        raise ParameterError(f"backend={name!r} is unknown; allowed: {', '.join(BACKENDS)}")
    if name == "auto":
        name = "gpu" if gpu_available() else "cpu"
    if name == "gpu":
        if not gpu_available():
            raise ParameterError("backend='gpu' needs CuPy and a CUDA device (pip install 'amphase[gpu]'); none found")
        import cupy

        return Backend("gpu", cupy, _gpu_description())
    if name == "numpy":
        return Backend("numpy", np, "host CPU (NumPy, batched GPU algorithm)")
    return Backend("cpu", np, "host CPU (Numba)")


@contextlib.contextmanager
def tf32(xp: ModuleType, enabled: bool = True) -> Any:
    """Let cuBLAS run the float32 GEMMs of ``xp`` (CuPy) in TF32 for the body (module docstring: accuracy).

    A no-op on NumPy (no TF32 on the CPU) or when ``enabled`` is false. On CuPy it sets the float32 compute type of
    its matrix products to ``COMPUTE_TYPE_TF32`` (CuPy warns and keeps full float32 on a device older than
    compute capability 8.0) and restores the previous one on exit.
    """
    if xp is np or not enabled:
        yield
        return
    linalg = xp._core._routines_linalg
    previous = linalg.get_compute_type(np.float32)
    linalg.set_compute_type(np.float32, linalg.COMPUTE_TYPE_TF32)
    try:
        yield
    finally:
        linalg.set_compute_type(np.float32, previous)
