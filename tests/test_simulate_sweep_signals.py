"""Interrupting `amphase run` with real signals: prompt exit, no process left behind, an identical resume.

Each run is started in its own session (like a terminal's foreground job); its descendants are found by walking the
``ppid`` links in ``/proc`` while it runs (the fork server, the resource tracker and the workers), and every one of
them must be gone a few seconds after the main process exits. Timings are printed (run with ``-s`` to see them).
"""

import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import xarray as xr

from amphase.simulate.config import apply_overrides, load_config, resolve
from amphase.simulate.locking import lock_path
from amphase.simulate.sweep import RUN_ATTRS, run_sweep, store_path

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="walks /proc")

#: a sweep of six small grid points: about two seconds on two worker processes, most of it their start-up
TINY = ["hopfield-capacity", "N=300,400", "alpha=0.05,0.1,0.14", "realizations=2", "params.trials=2"]
#: two grid points of about 15 s each: a run that is stopped must not wait for them
LONG = ["hopfield-capacity", "N=2000", "alpha=0.05,0.1", "T=0.3", "sweeps=16000", "realizations=2", "params.trials=2"]

EXIT_LIMIT_S = 8.0  # from the (first) signal to the exit of the main process
GONE_LIMIT_S = 5.0  # from that exit to the end of its last descendant
TIMINGS: dict[str, list[float]] = {}


def data(ds):
    ds = ds.copy()
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in RUN_ATTRS}
    return ds


def config_of(args):
    return resolve(apply_overrides(load_config(args[0])[1], args[1:]))


# -- processes ------------------------------------------------------------------------------------------------------
def _stat(pid):
    """(state, ppid) of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def running(pid):
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has exited


def descendants(root):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(entry)) is not None:
            children.setdefault(stat[1], []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


class Run:
    """`amphase run` in a session of its own, with every descendant it had recorded."""

    def __init__(self, out, args=TINY, executor="processes", extra=()):
        self.out = Path(out)
        cmd = [sys.executable, "-m", "amphase", "run", *args, "--out", str(out), "--no-progress"]
        cmd += ["--executor", executor, "--workers", "2", *extra]
        # standard error goes to a file, not a pipe: a worker left behind would hold a pipe open, and reading it
        # would wait for that worker
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=self.err, text=True, start_new_session=True
        )
        self.seen = set()
        self.exit_s = self.gone_s = None

    def watch(self, until=lambda: False, timeout=60.0):
        """Record descendants until ``until()`` holds or the run ends; False if it ended first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            self.seen |= descendants(self.proc.pid)
            if until():
                return True
            time.sleep(0.02)
        return False

    def started(self):
        return store_path(self.out).is_dir()

    def send(self, sig, group):
        self.seen |= descendants(self.proc.pid)
        try:
            os.killpg(self.proc.pid, sig) if group else os.kill(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def finish(self, since, timeout=30.0):
        """Wait for the exit (recording descendants); the status and standard error."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.seen |= descendants(self.proc.pid)
            time.sleep(0.01)
        self.exit_s = time.monotonic() - since
        if self.proc.poll() is None:
            self.kill_all()
            pytest.fail(f"hang: the run did not exit within {timeout} s of the signal")
        ended = time.monotonic()
        self.err.seek(0)
        err = self.err.read()
        while any(running(p) for p in self.seen) and time.monotonic() - ended < GONE_LIMIT_S:
            time.sleep(0.01)
        self.gone_s = time.monotonic() - ended
        return self.proc.returncode, err

    def leftovers(self):
        return sorted(p for p in self.seen if running(p))

    def kill_all(self):
        for pid in [self.proc.pid, *self.seen]:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()
        self.err.close()


@pytest.fixture
def cleanup():
    runs = []
    yield runs.append
    for run in runs:  # a failed test must not leave its processes behind either
        if run.proc.poll() is None or run.leftovers():
            run.kill_all()
        run.err.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "ref.nc"
    return data(run_sweep(config_of(TINY), out, executor="serial", progress=False))


def record(name, run):
    TIMINGS.setdefault(f"{name} exit", []).append(run.exit_s)
    TIMINGS.setdefault(f"{name} gone", []).append(run.gone_s)
    t = TIMINGS[f"{name} exit"]
    print(
        f"\n{name}: {len(t)} runs; signal -> exit min/median/max {min(t):.2f}/{statistics.median(t):.2f}/{max(t):.2f} s"
        f"; exit -> last descendant gone max {max(TIMINGS[f'{name} gone']):.2f} s"
    )


# -- the interrupted run and its resume -------------------------------------------------------------------------
MODES = {
    # name: (signal, to the whole process group, a second signal during the shutdown)
    "SIGINT-pid": (signal.SIGINT, False, False),
    "SIGINT-group": (signal.SIGINT, True, False),
    "SIGINTx2-pid": (signal.SIGINT, False, True),
    "SIGINTx2-group": (signal.SIGINT, True, True),
    "SIGTERM-pid": (signal.SIGTERM, False, False),
    "SIGTERM-group": (signal.SIGTERM, True, False),
    "SIGTERMx2-group": (signal.SIGTERM, True, True),
}


def interrupt_and_resume(mode, seed, tmp_path, reference, cleanup):
    sig, group, twice = MODES[mode]
    rng = random.Random(seed)
    out = tmp_path / "x.nc"
    run = Run(out)
    cleanup(run)
    assert run.watch(run.started), "the run ended before its sweep started"
    run.watch(timeout=rng.uniform(0.0, 1.5))  # a random moment: workers starting, computing, writing
    assert run.proc.poll() is None, "the run finished before the signal"
    run.send(sig, group)
    sent = time.monotonic()
    if twice:
        time.sleep(rng.uniform(0.01, 0.3))
        run.send(sig, group)
    status, err = run.finish(sent)
    record(mode, run)
    assert status == 128 + sig, err
    assert err == "amphase: interrupted\n"
    assert run.exit_s < EXIT_LIMIT_S
    assert not run.leftovers(), f"processes left behind: {run.leftovers()} of {sorted(run.seen)}"
    assert len(run.seen) >= 2  # at least the fork server and the resource tracker were recorded
    assert not out.exists() and not lock_path(out).exists()
    resumed = run_sweep(config_of(TINY), out, executor="serial", progress=False)
    xr.testing.assert_identical(data(resumed), reference)


@pytest.mark.parametrize("mode", list(MODES))
def test_an_interrupted_run_exits_at_once_leaves_no_process_and_resumes(mode, tmp_path, reference, cleanup):
    interrupt_and_resume(mode, hash((mode, os.getpid())), tmp_path, reference, cleanup)


@pytest.mark.slow
@pytest.mark.parametrize("rep", range(8))
@pytest.mark.parametrize("mode", list(MODES))
def test_an_interrupted_run_many_times(mode, rep, tmp_path, reference, cleanup):
    interrupt_and_resume(mode, hash((mode, rep, os.getpid())), tmp_path, reference, cleanup)


@pytest.mark.parametrize(("executor", "group"), [("processes", False), ("dask", True)])
def test_an_interrupt_does_not_wait_for_running_grid_points(executor, group, tmp_path, cleanup):
    # two grid points of ~15 s each are running (in worker processes, or in the threads of an embedded Dask
    # cluster): the run must stop within seconds, not when they finish
    out = tmp_path / "long.nc"
    run = Run(out, LONG, executor=executor)
    cleanup(run)
    assert run.watch(run.started)
    run.watch(timeout=2.5)  # the workers have started their grid points
    assert run.proc.poll() is None
    run.send(signal.SIGINT, group)
    status, err = run.finish(time.monotonic())
    record(f"long-{executor}", run)
    assert status == 130, err
    assert err == "amphase: interrupted\n"
    assert run.exit_s < EXIT_LIMIT_S
    assert not run.leftovers()
    assert not any((store_path(out) / ".done").iterdir()) and not lock_path(out).exists()


def kill9_and_resume(seed, tmp_path, reference, cleanup):
    rng = random.Random(seed)
    out = tmp_path / "k.nc"
    run = Run(out)
    cleanup(run)
    assert run.watch(run.started)
    run.watch(timeout=rng.uniform(0.3, 1.5))
    assert run.proc.poll() is None, "the run finished before the signal"
    run.send(signal.SIGKILL, group=False)  # only the main process: its workers must notice
    status, _ = run.finish(time.monotonic())
    record("SIGKILL-pid", run)
    assert status == -signal.SIGKILL
    assert not run.leftovers(), f"processes left behind: {run.leftovers()} of {sorted(run.seen)}"
    run.err.seek(0)
    assert run.err.read() == ""  # issue 17: the resource tracker warned of "leaked semaphore objects" here
    resumed = run_sweep(config_of(TINY), out, executor="serial", progress=False)  # the kernel released the lock
    xr.testing.assert_identical(data(resumed), reference)
    assert not lock_path(out).exists()


def test_kill_9_leaves_no_worker_behind(tmp_path, reference, cleanup):
    kill9_and_resume(hash(("kill", os.getpid())), tmp_path, reference, cleanup)


@pytest.mark.slow
@pytest.mark.parametrize("rep", range(8))
def test_kill_9_many_times(rep, tmp_path, reference, cleanup):
    kill9_and_resume(hash(("kill", rep, os.getpid())), tmp_path, reference, cleanup)


# -- Ctrl-C on a theory grid evaluated by worker processes (issue 17: a child's traceback, 1 of 7 tries) --------------
# 6 s on two quiet cores with 80 x 6 points, so a signal up to 2 s after the workers start could come after the end
# (a CI run found the process gone, killed by the SIGINT while it finalized): 800 x 6 points take about a minute
THEORY = ["theory", "hopfield.overlap", "alpha=0.005:0.13:800", "T=0:0.1:6", "--workers", "2"]


def interrupt_theory(seed, cleanup):
    rng = random.Random(seed)
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "amphase", *THEORY],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=err,
        start_new_session=True,
    )
    run = Run.__new__(Run)  # the bookkeeping of Run, around this command
    run.proc, run.err, run.seen, run.out = proc, err, set(), None
    cleanup(run)
    assert run.watch(lambda: len(descendants(proc.pid)) >= 2), "ended before its worker processes started"
    run.watch(timeout=rng.uniform(0.0, 2.0))  # workers starting, importing, evaluating
    assert proc.poll() is None, "the grid was evaluated before the signal"
    run.send(signal.SIGINT, group=True)  # Ctrl-C: the whole foreground process group
    status, text = run.finish(time.monotonic())
    record("theory SIGINT-group", run)
    *notes, last = text.splitlines()
    assert status == 130 and last == "amphase: interrupted", text
    assert all(note.startswith("amphase: hopfield.overlap: estimated about") for note in notes), text
    assert not run.leftovers()


def test_ctrl_c_on_a_theory_grid_in_processes(cleanup):
    interrupt_theory(hash(("theory", os.getpid())), cleanup)


@pytest.mark.slow
@pytest.mark.parametrize("rep", range(24))
def test_ctrl_c_on_a_theory_grid_many_times(rep, cleanup):
    interrupt_theory(hash(("theory", rep, os.getpid())), cleanup)
