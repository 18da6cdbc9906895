"""One run per output: a second run refuses (or waits), the lock survives no holder, and leaves no file behind."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import xarray as xr

from amphase.errors import AmphaseError, ParameterError
from amphase.simulate.config import apply_overrides, load_config, resolve
from amphase.simulate.locking import OutputLock, OutputLockedError, lock_path
from amphase.simulate.sweep import RUN_ATTRS, run_sweep, store_path

REPO = Path(__file__).resolve().parents[1]
TINY = ["hopfield-capacity", "N=300,400", "alpha=0.05,0.1,0.14", "realizations=2", "params.trials=2"]


def data(ds):
    ds = ds.copy()
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in RUN_ATTRS}
    return ds


def config_of(args):
    return resolve(apply_overrides(load_config(args[0])[1], args[1:]))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "ref.nc"
    return data(run_sweep(config_of(TINY), out, executor="serial", progress=False))


def test_the_lock_names_its_holder_and_is_removed_at_the_end(tmp_path):
    out = tmp_path / "sub" / "x.nc"
    with OutputLock(out) as lock:
        assert lock.held and lock_path(out) == tmp_path / "sub" / "x.nc.lock"
        assert f"pid={os.getpid()} host={socket.gethostname()} " in lock_path(out).read_text()
        with pytest.raises(OutputLockedError, match=rf"being written by another run \(PID {os.getpid()} on host "):
            OutputLock(out).acquire()  # another open file description: flock excludes it, even in this process
        assert issubclass(OutputLockedError, AmphaseError)
    assert not lock.held
    assert not any(tmp_path.iterdir())  # the lock file, and the folder it made for it, are gone


def test_waiting_for_the_lock(tmp_path):
    out = tmp_path / "x.nc"
    notes, order = [], []
    holder = OutputLock(out).acquire()

    def waiter():
        with OutputLock(out, wait=True, notify=notes.append):
            order.append("waiter")

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive() and len(notes) == 1
    assert notes[0].startswith(f"{out} is being written by another run (PID {os.getpid()} on host ")
    assert notes[0].endswith("); waiting for it")
    order.append("holder")
    holder.release()
    thread.join(5)
    assert order == ["holder", "waiter"] and not thread.is_alive()
    assert not lock_path(out).exists()


def test_removal_races_with_waiters_but_only_one_holder_at_a_time(tmp_path):
    # every waiter that locked the file a holder has just removed must notice it and lock the new one
    out = tmp_path / "x.nc"
    inside, overlaps, rounds = [], [], 25

    def contend():
        for _ in range(rounds):
            with OutputLock(out, wait=True, notify=None) as lock:
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(len(inside))
                named, held = os.stat(lock.path), os.fstat(lock._fd)
                assert (named.st_ino, named.st_dev) == (held.st_ino, held.st_dev)
                time.sleep(0.001)
                inside.pop()

    threads = [threading.Thread(target=contend) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not overlaps
    assert not lock_path(out).exists()


def test_a_second_run_on_the_same_output_refuses_in_one_line(tmp_path):
    out = tmp_path / "x.nc"
    cmd = [sys.executable, "-m", "amphase", "run", *TINY, "--out", str(out), "--no-progress", "--executor", "serial"]
    with OutputLock(out):  # this process plays the first run
        before = sorted(tmp_path.iterdir())
        refused = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2
        assert refused.stderr.count("\n") == 1
        assert refused.stderr.startswith(f"amphase: error: {out} is being written by another run (PID {os.getpid()}")
        assert f"on host {socket.gethostname()}" in refused.stderr and "--wait" in refused.stderr
        assert sorted(tmp_path.iterdir()) == before  # no store, no output; the lock file is still ours
    assert not any(tmp_path.iterdir())


def checkpoint(config, out, points=None):
    """The checkpoint store of an interrupted sweep, with ``points`` (default: all) finished."""
    from amphase.simulate.models import get_model
    from amphase.simulate.store import CheckpointStore
    from amphase.simulate.sweep import run_point

    model = get_model(config["model"])
    store = CheckpointStore.open_or_create(store_path(out), config, model.variables(config), model.sizes(config))
    for index in store.pending() if points is None else points:
        store.write(*run_point(config, index))
    return store


def test_wait_waits_for_the_first_run_then_resumes_its_checkpoint(tmp_path, reference, capfd):
    out = tmp_path / "x.nc"
    config = config_of(TINY)
    checkpoint(config, out)  # every point finished, the dataset not yet written: what the waiting run resumes
    results = []
    holder = OutputLock(out).acquire()
    thread = threading.Thread(target=lambda: results.append(run_sweep(config, out, executor="serial", wait=True)))
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive() and not out.exists()
    holder.release()
    thread.join(60)
    assert results[0].attrs["resumed_points"] == 6
    xr.testing.assert_identical(data(results[0]), reference)
    assert "is being written by another run" in capfd.readouterr().err
    assert not lock_path(out).exists()


def test_the_cli_waits_with_wait(tmp_path, reference):
    out = tmp_path / "x.nc"
    cmd = [sys.executable, "-m", "amphase", "run", *TINY, "--out", str(out), "--no-progress", "--executor", "serial"]
    holder = OutputLock(out).acquire()
    with subprocess.Popen([*cmd, "--wait"], cwd=REPO, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert "waiting for it" in proc.stderr.readline()
            assert proc.poll() is None
        finally:
            holder.release()
        assert proc.wait(120) == 0
    xr.testing.assert_identical(data(xr.load_dataset(out, engine="h5netcdf")), reference)
    assert not lock_path(out).exists()


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path):
    out = tmp_path / "x.nc"
    code = f"from amphase.simulate.locking import OutputLock; OutputLock({str(out)!r}).acquire(); print(1, flush=True)"
    cmd = [sys.executable, "-c", code + "; import time; time.sleep(60)"]
    with subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout.readline() == "1\n"
            with pytest.raises(OutputLockedError, match=f"PID {holder.pid} on host"):
                OutputLock(out).acquire()
        finally:
            holder.kill()
    assert lock_path(out).exists()  # kill -9 removes nothing, but the kernel released the lock
    with OutputLock(out):
        pass
    assert not lock_path(out).exists()


def test_an_error_exit_leaves_no_lock_file(tmp_path):
    out = tmp_path / "x.nc"
    checkpoint(config_of([*TINY[:1], "N=100", "alpha=0.05", "realizations=1"]), out)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(ParameterError, match="different configuration"):
        run_sweep(config_of([*TINY[:1], "N=100", "alpha=0.1", "realizations=1"]), out, executor="serial")
    assert sorted(tmp_path.iterdir()) == before and not lock_path(out).exists()
    assert store_path(out).is_dir()


def test_wait_on_an_output_written_meanwhile(tmp_path, reference):
    # issue 17: --wait exited 2 after the run it waited for wrote the same output; now: nothing left to do (exit 0),
    # and another configuration written meanwhile is refused with what differs
    written = tmp_path / "first.nc"
    run_sweep(config_of(TINY), written, executor="serial", progress=False).close()
    out = tmp_path / "x.nc"
    cmd = [sys.executable, "-m", "amphase", "run", *TINY, "--out", str(out), "--no-progress", "--executor", "serial"]
    for argv, status, said in [
        (cmd, 0, f"amphase: {out} was written by the run this one waited for, with the same configuration: nothing"),
        ([*cmd, "seed=5"], 2, f"amphase: error: {out} was written meanwhile by the run this one waited for, with "),
    ]:
        holder = OutputLock(out).acquire()
        with subprocess.Popen([*argv, "--wait"], cwd=REPO, stderr=subprocess.PIPE, text=True) as proc:
            try:
                assert "waiting for it" in proc.stderr.readline()
                out.write_bytes(written.read_bytes())  # what the run it waits for writes
            finally:
                holder.release()
            assert proc.wait(120) == status
            rest = proc.stderr.read()
        assert rest.startswith(said) and rest.count("\n") == 1, rest
        assert out.read_bytes() == written.read_bytes() and not store_path(out).exists()
        assert not lock_path(out).exists()
        out.unlink()
    assert "(differs in seed)" in rest
