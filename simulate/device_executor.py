"""The device executor: one worker per device, CPU threads preparing the next tasks' random draws meanwhile.

A device runs one task at a time well (a task fills it with the replicas of many realizations:
:mod:`amphase.simulate.binary.cuda_engine`), and the host's work of a task (patterns, cues, the first blocks of
visiting orders, all drawn by NumPy from the task's seeds) can overlap the device's work of the previous one. So
:class:`DeviceExecutor` runs a task function in two phases when it offers them:

* ``fn.prepare(item) -> prepared``: host work, run by ``prepare_threads`` CPU threads, at most ``depth`` tasks ahead
  of the device (NumPy's generators release the GIL while they fill large arrays);
* ``fn.launch(prepared) -> result``: device work, run by the one device worker (the calling thread), in the order of
  the items.

A plain function (no ``prepare``/``launch``) runs whole on the device worker, one item after the other. Results do
not depend on the executor: every task carries its own seed.

Which executor fits which backend (:func:`check_backend_executor`, called before any work): a device is driven by
one process, so ``backend='gpu'`` refuses ``processes`` and ``dask`` (several processes would each create a context
on the one device and compete for its memory); ``executor='device'`` needs ``backend='gpu'`` and a device (or the
CUDA simulator, ``NUMBA_ENABLE_CUDASIM=1``, where it runs the same code on the CPU).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from amphase.errors import ParameterError
from amphase.simulate.executors import Executor

__all__ = ["DEVICE_BACKENDS", "DeviceExecutor", "check_backend_executor", "device_present"]

#: backends whose work runs on a device.
DEVICE_BACKENDS = ("gpu",)


def device_present() -> bool:
    """Whether a CUDA device can be used (CuPy allocates on one) or the CUDA simulator is selected."""
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return True
    from amphase.simulate.backend import gpu_available

    return gpu_available()


def check_backend_executor(backends: Iterable[str], executor: str) -> None:
    """:class:`ParameterError` when the ``backends`` of a sweep and its ``executor`` do not fit (module docstring).

    ``backends``: every backend name the sweep's grid points use (``'auto'`` counts as ``'gpu'`` where a device
    is present).
    """
    names = set(backends)
    if "auto" in names:
        names.discard("auto")
        names.add("gpu" if device_present() else "cpu")
    on_device = names & set(DEVICE_BACKENDS)
    if on_device and executor in ("processes", "dask"):
        raise ParameterError(
            f"backend='gpu' with executor={executor!r}: one process drives the device; use executor='device' "
            "(or 'serial')"
        )
    if executor == "device":
        if names - set(DEVICE_BACKENDS):
            others = ", ".join(sorted(names - set(DEVICE_BACKENDS)))
            raise ParameterError(f"executor='device' runs backend='gpu'; this sweep uses backend {others}")
        if not device_present():
            raise ParameterError("executor='device' needs a CUDA device (CuPy and numba-cuda, the gpu extra); none")


class DeviceExecutor(Executor):
    """One device worker, ``prepare_threads`` host threads preparing up to ``depth`` tasks ahead (module doc).

    A context manager with the executor protocol of :mod:`amphase.simulate.executors` (``imap_unordered``, ``map``,
    ``name``, ``workers``, ``address``).
    """

    name = "device"
    workers = 1
    address = ""

    def __init__(self, prepare_threads: int = 2, depth: int = 2) -> None:
        if prepare_threads < 1 or depth < 1:
            raise ParameterError(f"prepare_threads={prepare_threads}, depth={depth}: integers >= 1")
        self.prepare_threads, self.depth = int(prepare_threads), int(depth)
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> DeviceExecutor:
        self._pool = ThreadPoolExecutor(self.prepare_threads, thread_name_prefix="amphase-prepare")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._pool is not None
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(item)`` for each item, in order (prepared ahead when ``fn`` has two phases)."""
        prepare = getattr(fn, "prepare", None)
        launch = getattr(fn, "launch", None)
        if prepare is None or launch is None:
            for item in items:
                yield fn(item)
            return
        if self._pool is None:
            raise RuntimeError("DeviceExecutor: use it as a context manager (with DeviceExecutor() as ex: ...)")
        ahead: deque[Any] = deque()
        it = iter(items)
        try:
            for item in it:
                ahead.append(self._pool.submit(prepare, item))
                if len(ahead) > self.depth:
                    yield launch(ahead.popleft().result())
            while ahead:
                yield launch(ahead.popleft().result())
        finally:
            for future in ahead:
                future.cancel()

    def imap_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """As :meth:`map`: one device runs its tasks in order."""
        return self.map(fn, items)
