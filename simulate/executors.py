"""Where the tasks of a sweep run: in this process, in local processes, or on a Dask cluster.

An executor is a context manager with one method, ``imap_unordered(fn, items)``, that yields ``fn(item)`` for every
item as each finishes. The sweep runner does not know which executor it uses; results do not depend on it, because
every task carries its own seed.

* ``serial``: in this process, in order.
* ``processes``: a :class:`concurrent.futures.ProcessPoolExecutor` with ``workers`` processes, started by a fork
  server (forking a process that runs threads, as a Dask client or a progress bar do, can deadlock).
* ``dask``: a :class:`distributed.Client`; with ``scheduler`` (an address such as ``tcp://host:8786``) it joins a
  running cluster, otherwise it starts an embedded local cluster with ``workers`` threads (the kernels release the
  GIL).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from amphase.errors import ParameterError

__all__ = ["EXECUTORS", "Executor", "check_executor", "make_executor"]

#: executor names.
EXECUTORS = ("serial", "processes", "dask")


class Executor:
    """Runs tasks somewhere; see the module docstring."""

    name = "serial"
    workers = 1
    address = ""

    def imap_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(item)`` for each item, in the order they finish."""
        for item in items:
            yield fn(item)


class _Processes(Executor):
    name = "processes"

    def __init__(self, pool: ProcessPoolExecutor, workers: int) -> None:
        self.pool, self.workers = pool, workers

    def imap_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        futures = [self.pool.submit(fn, item) for item in items]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


class _Dask(Executor):
    name = "dask"

    def __init__(self, client: Any, workers: int, address: str) -> None:
        self.client, self.workers, self.address = client, workers, address

    def imap_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed as dask_completed

        futures = [self.client.submit(fn, item, pure=False) for item in items]
        try:
            for future in dask_completed(futures):
                yield future.result()
        finally:
            self.client.cancel(futures)


def check_executor(name: str, workers: int | None, scheduler: str | None) -> None:
    """Raise :class:`ParameterError` for an unknown executor, a worker count below 1, or a misplaced scheduler."""
    if name not in EXECUTORS:
        raise ParameterError(f"executor={name!r} is unknown; allowed: {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise ParameterError(f"workers={workers} is not allowed; allowed: integer workers >= 1")
    if scheduler and name != "dask":
        raise ParameterError("--scheduler joins a Dask cluster: use it with --executor dask")


@contextlib.contextmanager
def make_executor(name: str = "processes", workers: int | None = None, scheduler: str | None = None):
    """An executor by name (one of :data:`EXECUTORS`); ``workers`` defaults to the number of CPUs."""
    check_executor(name, workers, scheduler)
    if workers is None:
        workers = os.cpu_count() or 1
    if name == "serial" or (name == "processes" and workers == 1):
        yield Executor()
    elif name == "processes":
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
            yield _Processes(pool, workers)
    else:
        from distributed import Client, LocalCluster

        if scheduler:
            from distributed.comm.addressing import parse_address, parse_host_port

            try:  # an address at all? (checked before a Client exists: a failed one can linger as the default)
                scheme, location = parse_address(scheduler)
                if scheme != "inproc":  # network addresses need a host and a port
                    parse_host_port(location)
            except (ValueError, TypeError) as err:
                raise ParameterError(f"--scheduler {scheduler}: not an address like tcp://host:8786 ({err})") from None
            try:
                client = Client(scheduler, timeout="10s")
            except OSError as err:
                raise ParameterError(f"--scheduler {scheduler}: cannot connect ({err})") from None
            with client:
                yield _Dask(client, sum(client.nthreads().values()), scheduler)
        else:
            with (
                LocalCluster(
                    n_workers=1, threads_per_worker=workers, processes=False, dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                yield _Dask(client, workers, "embedded local cluster")
