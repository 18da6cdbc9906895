"""Where the tasks of a sweep run: in this process, in local processes, or on a Dask cluster.

An executor is a context manager with two methods: ``imap_unordered(fn, items)`` yields ``fn(item)`` for every item
as each finishes, ``map(fn, items)`` in the order of the items (as the built-in ``map``). The sweep runner does not
know which executor it uses; results do not depend on it, because every task carries its own seed.

* ``serial``: in this process, in order.
* ``processes``: a :class:`concurrent.futures.ProcessPoolExecutor` with ``workers`` processes, started by a fork
  server (forking a process that runs threads, as a Dask client or a progress bar do, can deadlock); or, asked
  (``fork=True``) by a process that runs no other thread, forked from it (no start-up imports: theory grids).
* ``device``: one worker driving the CUDA device, with CPU threads preparing the next tasks' draws
  (:class:`amphase.simulate.device_executor.DeviceExecutor`; for ``backend='gpu'``).
* ``dask``: a :class:`distributed.Client`; with ``scheduler`` (an address such as ``tcp://host:8786``) it joins a
  running cluster, otherwise it starts an embedded local cluster with ``workers`` threads (the kernels release the
  GIL). A cluster left with no worker for :data:`WORKERS_GONE_S` seconds (all killed, or never started) fails the
  run with one line (:class:`ExecutorError`) instead of waiting forever; the finished points stay in the checkpoint.

Interruption (Ctrl-C, SIGTERM, any exception) never hangs and never leaves a process behind:

* worker processes ignore SIGINT from birth (the fork server is started with SIGINT ignored, and the pool's
  initializer ignores it again; a worker forked from the main process is forked with SIGINT and SIGTERM blocked,
  until its initializer has ignored the one and reset the other), so a Ctrl-C to the whole foreground process
  group reaches only the main process;
* each worker runs a watchdog thread that blocks on a pipe whose only write end the main process holds: when the
  main process is gone (even after ``kill -9``) or aborts, the read returns end-of-file and the worker exits at once;
* when the body of :func:`make_executor` raises, the pool is aborted, not drained: pending tasks are cancelled, the
  workers are terminated (killed after a grace period) and the pool is shut down without waiting for running tasks;
  an embedded Dask cluster is closed without waiting for its running threads;
* while an executor is open, the first SIGINT (or SIGTERM, where a Python handler is installed for it) raises
  :class:`KeyboardInterrupt` as usual, and further ones are ignored until the clean-up is done
  (:class:`InterruptGuard`), so a second Ctrl-C cannot break the clean-up half-way;
* the resource tracker of multiprocessing, which removes the pool's semaphores after a ``kill -9``, does so without
  its warning about "leaked semaphore objects" (:func:`_start_resource_tracker`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing.connection import Connection
from types import FrameType
from typing import Any

from amphase.errors import AmphaseError, ParameterError

__all__ = [
    "EXECUTORS",
    "Executor",
    "ExecutorError",
    "InterruptGuard",
    "check_executor",
    "make_executor",
]

#: executor names.
EXECUTORS = ("serial", "processes", "dask", "device")

#: seconds a terminated worker process gets to exit before it is killed.
TERMINATE_GRACE_S = 2.0

#: exit status of a worker process whose main process is gone.
ORPHAN_EXIT_STATUS = 70

#: seconds a Dask run waits with no worker at all before it fails (:class:`ExecutorError`).
WORKERS_GONE_S = 60.0

#: seconds between two looks at a Dask cluster while no task finishes.
POLL_S = 0.2


class ExecutorError(AmphaseError):
    """The executor cannot run the tasks any more (every Dask worker gone, a task that kills its workers)."""


class InterruptGuard:
    """Turn the first SIGINT/SIGTERM into :class:`KeyboardInterrupt` and ignore the later ones, while active.

    A context manager for the main thread (elsewhere it does nothing). The first of ``signals`` that arrives raises
    :class:`KeyboardInterrupt` and is recorded in :attr:`signum`; every later one is ignored, so the clean-up that
    the exception triggers cannot itself be interrupted.

    Parameters
    ----------
    signals : iterable of int
        The signals to handle; a signal whose handler is ``SIG_IGN`` is left alone.
    chain : bool
        If true, handle only the signals that have a Python handler (such as Python's default SIGINT handler, or an
        outer guard) and call that handler for the first signal; it decides whether to raise. If false, raise
        :class:`KeyboardInterrupt` for every handled signal, ``SIG_DFL`` ones included (a program's top level).
    restore : bool
        Restore the previous handlers on exit. A program's top level may keep ignoring the signals after an
        interruption, until it has exited.

    """

    def __init__(
        self, signals: Iterable[int] = (signal.SIGINT, signal.SIGTERM), *, chain: bool = True, restore: bool = True
    ) -> None:
        self.signals, self.chain, self.restore = tuple(signals), chain, restore
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}
        self._deferring = 0
        self._deferred: int | None = None

    def __enter__(self) -> InterruptGuard:
        self.signum = None
        if threading.current_thread() is not threading.main_thread():
            return self
        for sig in self.signals:
            previous = signal.getsignal(sig)
            if previous is None or previous == signal.SIG_IGN or (self.chain and not callable(previous)):
                continue
            self._previous[sig] = previous
            signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:  # already stopping: the clean-up must not be interrupted
            return
        if self._deferring:
            self._deferred = self._deferred or signum
            return
        self._fire(signum, frame)

    def _fire(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        if not self.chain:
            raise KeyboardInterrupt
        self._previous[signum](signum, frame)  # raises KeyboardInterrupt, as Python's default SIGINT handler does
        self.signum = None  # the outer handler chose not to stop

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold the first signal back while the body runs, and act on it when the body has finished.

        For steps that must not be cut in half, such as starting a worker process. If the body fails, as it may
        because the same signal reached a process it talks to (a SIGTERM to the process group kills the fork
        server), the signal still acts: its :class:`KeyboardInterrupt` replaces the error.
        """
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
            if not self._deferring and self._deferred is not None:
                signum, self._deferred = self._deferred, None
                self._fire(signum, None)

    def ignore(self) -> None:
        """Ignore every later signal, as after the first one."""
        if self.signum is None:
            self.signum = 0

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self._previous.items():
            if self.restore:
                signal.signal(sig, previous)
            elif self.signum is not None:
                # Stopping for good: ignore the signals in the kernel, since the interpreter puts the default
                # actions back in place of Python handlers when it finalizes, and a second Ctrl-C there would kill
                # the process by SIGINT after it has printed its message.
                signal.signal(sig, signal.SIG_IGN)
        self._previous.clear()


class Executor:
    """Runs tasks somewhere; see the module docstring."""

    name = "serial"
    workers = 1
    address = ""

    def imap_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(item)`` for each item, in the order they finish."""
        for item in items:
            yield fn(item)

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(item)`` for each item, in the order of the items."""
        return map(fn, items)


class _Processes(Executor):
    name = "processes"

    def __init__(self, pool: ProcessPoolExecutor, workers: int, guard: InterruptGuard) -> None:
        self.pool, self.workers, self.guard = pool, workers, guard

    def _submit(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        # submit() starts worker processes: a start cut in half leaves a stray worker; and a forked worker has this
        # process's signal handlers until its initializer runs: meanwhile the signals wait, blocked
        with self.guard.deferred(), _blocked(signal.SIGINT, signal.SIGTERM):
            return [self.pool.submit(fn, item) for item in items]

    def imap_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        futures = self._submit(fn, items)
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        return self._in_order(self._submit(fn, items))  # submitted now, before the caller starts a progress bar

    @staticmethod
    def _in_order(futures: list[Any]) -> Iterator[Any]:
        try:
            for future in futures:
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
            done = dask_completed(futures, loop=self.client.loop)  # not the default client: there is none
            gone_since: float | None = None
            while not done.is_empty():
                batch = done.next_batch(block=False)
                for future in batch:
                    yield self._result(future)
                if batch:
                    gone_since = None
                    continue
                gone_since = self._check_workers(gone_since)
                time.sleep(POLL_S)
        finally:
            self.client.cancel(futures)

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        futures = [self.client.submit(fn, item, pure=False) for item in items]
        try:
            for future in futures:
                yield self._result(future)
        finally:
            self.client.cancel(futures)

    def _result(self, future: Any) -> Any:
        """The result of a finished future; its data may have died with a worker, and wait for one to recompute it."""
        from distributed import KilledWorker

        gone_since: float | None = None
        while True:
            try:
                return future.result(timeout=POLL_S * 5)
            except TimeoutError:
                gone_since = self._check_workers(gone_since)
            except KilledWorker as err:
                raise ExecutorError(
                    f"Dask cluster {self.address}: a task killed every worker that ran it ({err}); the finished grid "
                    "points are in the checkpoint"
                ) from None

    def _check_workers(self, gone_since: float | None) -> float | None:
        """Raise :class:`ExecutorError` once the cluster has had no worker for :data:`WORKERS_GONE_S` seconds."""
        try:
            alive = len(self.client.nthreads())
        except OSError:  # the scheduler itself is unreachable: as good as no worker
            alive = 0
        if alive:
            return None
        now = time.monotonic()
        if gone_since is None:
            return now
        if now - gone_since >= WORKERS_GONE_S:
            raise ExecutorError(
                f"Dask cluster {self.address}: every worker is gone (none for {WORKERS_GONE_S:g} s); the finished "
                "grid points are in the checkpoint: start workers and run the same command again to resume"
            )
        return gone_since


def check_executor(name: str, workers: int | None, scheduler: str | None) -> None:
    """Raise :class:`ParameterError` for an unknown executor, a worker count below 1, or a misplaced scheduler."""
    if name not in EXECUTORS:
        raise ParameterError(f"executor={name!r} is unknown; allowed: {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise ParameterError(f"workers={workers} is not allowed; allowed: integer workers >= 1")
    if scheduler and name != "dask":
        raise ParameterError("--scheduler joins a Dask cluster: use it with --executor dask")


@contextlib.contextmanager
def make_executor(
    name: str = "processes", workers: int | None = None, scheduler: str | None = None, *, fork: bool = False
):
    """An executor by name (one of :data:`EXECUTORS`); ``workers`` defaults to the number of CPUs.

    With ``fork``, worker processes are forked from this process rather than from the fork server, when it runs no
    other thread: they start at once, with every module it imported (a worker of the fork server imports them anew,
    seconds), which suits short evaluations such as a theory grid. They ignore SIGINT just the same.
    If the body raises (:class:`KeyboardInterrupt` included), running tasks are abandoned, not waited for: see the
    module docstring.
    """
    check_executor(name, workers, scheduler)
    if workers is None:
        workers = os.cpu_count() or 1
    if name == "serial" or (name == "processes" and workers == 1):
        yield Executor()
    elif name == "device":  # the device worker is this thread; the other cores prepare draws
        from amphase.simulate.device_executor import DeviceExecutor

        with DeviceExecutor(prepare_threads=max(1, workers - 1)) as ex:
            yield ex
    elif name == "processes":
        with _process_pool(workers, fork) as (pool, guard):
            yield _Processes(pool, workers, guard)
    elif scheduler:
        from distributed import Client
        from distributed.comm.addressing import parse_address, parse_host_port

        try:  # an address at all? (checked before a Client exists: a failed one can linger as the default)
            scheme, location = parse_address(scheduler)
            if scheme != "inproc":  # network addresses need a host and a port
                parse_host_port(location)
        except (ValueError, TypeError) as err:
            raise ParameterError(f"--scheduler {scheduler}: not an address like tcp://host:8786 ({err})") from None
        try:
            client = Client(scheduler, timeout="10s", set_as_default=False)  # never the process default
        except OSError as err:
            raise ParameterError(f"--scheduler {scheduler}: cannot connect ({err})") from None
        with InterruptGuard(), client:
            yield _Dask(client, sum(client.nthreads().values()), scheduler)
    else:
        with _local_cluster(workers) as client:
            yield _Dask(client, workers, "embedded local cluster")


# -- local processes ----------------------------------------------------------------------------------------------
#: the warnings filter the resource tracker starts with (see :func:`_start_resource_tracker`)
TRACKER_WARNINGS = "ignore::UserWarning:multiprocessing.resource_tracker"


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (if it is not running) without its warnings about leaks.

    The tracker removes the named semaphores of the worker pool when the main process died without doing it
    (``kill -9``), and then warns "There appear to be N leaked semaphore objects to clean up at shutdown" on the
    terminal, seconds after the run is gone: the clean-up is its job and is done, the warning only noise. So it
    starts with ``PYTHONWARNINGS`` extended by :data:`TRACKER_WARNINGS`, which ignores its own UserWarnings and
    nothing else; the variable is restored at once (the fork server and the workers start without it).
    """
    from multiprocessing import resource_tracker

    previous = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = f"{previous},{TRACKER_WARNINGS}" if previous else TRACKER_WARNINGS
    try:
        resource_tracker.ensure_running()
    finally:
        if previous is None:
            del os.environ["PYTHONWARNINGS"]
        else:
            os.environ["PYTHONWARNINGS"] = previous


def _start_fork_server() -> None:
    """Start the fork server (if it is not running) with SIGINT ignored: its children inherit that from birth."""
    from multiprocessing import forkserver

    _start_resource_tracker()  # the fork server would start it, with the warnings
    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a SIGINT in these few milliseconds is lost
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def _worker_init(watch: Connection, inherited: Connection | None = None) -> None:
    """Initializer of a worker process: ignore SIGINT, and exit as soon as ``watch`` reaches end-of-file.

    A worker forked from the main process also got its SIGTERM handler, its blocked signals (see
    :meth:`_Processes._submit`) and ``inherited``, the write end of the watch pipe: the default action, unblocked
    (a Ctrl-C that came meanwhile is dropped), and closed.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if inherited is not None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        inherited.close()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGINT, signal.SIGTERM))
    threading.Thread(target=_exit_when_closed, args=(watch,), name="amphase-watchdog", daemon=True).start()


@contextlib.contextmanager
def _blocked(*signals: int) -> Iterator[None]:
    """Block ``signals`` in the main thread for the body (they are delivered after it); elsewhere nothing."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _exit_when_closed(watch: Connection) -> None:
    with contextlib.suppress(BaseException):  # end-of-file (EOFError) is the expected way out
        watch.recv_bytes()  # nothing is ever sent: this returns when every write end is closed
    os._exit(ORPHAN_EXIT_STATUS)


@contextlib.contextmanager
def _process_pool(workers: int, fork: bool = False) -> Iterator[tuple[ProcessPoolExecutor, InterruptGuard]]:
    fork = fork and threading.active_count() == 1  # forking a process that runs threads can deadlock
    ctx = multiprocessing.get_context("fork" if fork else "forkserver")
    if not fork:
        _start_fork_server()
    watch_r, watch_w = ctx.Pipe(duplex=False)  # the main process holds the only write end
    try:
        initargs = (watch_r, watch_w) if fork else (watch_r,)
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init, initargs=initargs)
        with InterruptGuard() as guard, _manager_errors_held(pool) as held:
            finished = False
            try:
                yield pool, guard
                pool.shutdown(wait=True)  # every task has finished: this returns at once
                finished = True
            finally:
                if not finished:
                    with guard.deferred():  # a first signal during an abort for an error waits for its end
                        _abort_pool(pool, watch_w)
                    held.clear()  # the abort's own consequence (see _manager_errors_held)
    finally:
        watch_w.close()
        watch_r.close()


@contextlib.contextmanager
def _manager_errors_held(pool: ProcessPoolExecutor) -> Iterator[list[Any]]:
    """Hold back uncaught exceptions of ``pool``'s manager thread until the pool is closed.

    A SIGTERM to the process group kills the workers at the moment it reaches the main process, so the pool's manager
    thread may find the pool broken, and fail while tearing it down beside :func:`_abort_pool`, before the main
    thread has acted on the signal; Python would print that thread's traceback under ``amphase: interrupted``. The
    exceptions are held here; the caller clears them when it aborts the pool (they are the abort's consequence) and
    any left are reported as usual on exit. A broken pool still reaches the caller as ``BrokenProcessPool`` from
    its futures.
    """
    held: list[Any] = []
    previous = threading.excepthook

    def hook(args: Any) -> None:
        if args.thread is not None and args.thread is getattr(pool, "_executor_manager_thread", None):
            held.append(args)
        else:
            previous(args)

    threading.excepthook = hook
    try:
        yield held
    finally:
        manager = getattr(pool, "_executor_manager_thread", None)
        if manager is None or not manager.is_alive():
            threading.excepthook = previous  # else keep holding: the thread may still fail while it ends
        for args in held:
            previous(args)


def _abort_pool(pool: ProcessPoolExecutor, watch_w: Connection) -> None:
    """Stop ``pool`` now: cancel what is pending, end the workers, do not wait for running tasks."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    result_queue = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    watch_w.close()  # every worker's watchdog exits it, even one whose start was interrupted
    for p in processes:
        p.terminate()
    deadline = time.monotonic() + TERMINATE_GRACE_S
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in processes:
        if p.exitcode is None:
            p.kill()
            p.join(1.0)
    if result_queue is not None:
        # With every worker gone, closing this process's unused write end lets a read of a result that a worker
        # was killed while sending end (end-of-file) instead of waiting forever; the pool's manager thread then
        # finishes, and the interpreter's exit does not wait on it.
        with contextlib.suppress(OSError):
            result_queue._writer.close()
    if manager is not None:
        manager.join(TERMINATE_GRACE_S)


# -- embedded Dask cluster ----------------------------------------------------------------------------------------
@contextlib.contextmanager
def _local_cluster(workers: int) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with InterruptGuard() as guard:
        # The scheduler serves HTTP even without a dashboard, by default on port 8787; where another cluster holds
        # that port it warns (an error under -W error). A free port on the loopback interface avoids both.
        cluster = LocalCluster(
            n_workers=1, threads_per_worker=workers, processes=False, dashboard_address="127.0.0.1:0"
        )
        finished = False
        try:
            client = Client(cluster, set_as_default=False)
            try:
                yield client
                finished = True
            finally:
                if not finished:  # the running tasks are threads of this process: close without waiting for them
                    with guard.deferred(), _quiet("distributed"):
                        for worker in list(cluster.workers.values()):
                            with contextlib.suppress(Exception):
                                cluster.sync(worker.close, executor_wait=False, reason="amphase: interrupted")
                        client.close(timeout=2)
                else:
                    client.close()
        finally:
            with _quiet("distributed") if not finished else contextlib.nullcontext():
                cluster.close(timeout=None if finished else 2)


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """Silence the warnings of ``logger`` (Dask's, about the tasks an abort cancels) for the body."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)
