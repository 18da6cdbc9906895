"""A full disk is an ordinary error: one line, a non-zero status, nothing half-written, the checkpoint resumable.

``ENOSPC`` is injected at each place ``run``, ``theory --out`` and ``compare`` write (the checkpoint store's creation,
a grid point's chunk, its done marker, the netCDF file, the figure), each write failing half-way as a real one does;
then the same command, with space "freed" (the injection removed), completes. Where the test can mount a small
tmpfs (``unshare`` into a user and mount namespace), the same commands also run on a real full file system, with
the disk filled by another process in the middle of a run.
"""

import contextlib
import errno
import io
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import xarray as xr

import amphase.dataset as dataset_module
import amphase.simulate.diskspace as diskspace
import amphase.simulate.integrity as integrity
from amphase.cli import main
from amphase.simulate.sweep import RUN_ATTRS, run_sweep, store_path

REPO = Path(__file__).resolve().parents[1]
CONFIG = textwrap.dedent(
    """\
    model = "hopfield"
    seed = 3
    realizations = 2
    [grid]
    N = [100, 160]
    alpha = [0.05, 0.1, 0.15]
    [params]
    trials = 2
    """
)
THEORY = ["theory", "hopfield.T_M", "alpha=0:0.14:8"]


def enospc():
    return OSError(errno.ENOSPC, "No space left on device")


def data(ds):
    ds = ds.copy()
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in RUN_ATTRS}
    return ds


def cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


def one_line(status, err, *words):
    assert status == 2, err
    lines = err.splitlines()
    # one error line, last; anything before it is an amphase note (a cost estimate announced before the work)
    assert lines and lines[-1].startswith("amphase: error: ") and err.endswith("\n"), err
    assert sum(line.startswith("amphase: error: ") for line in lines) == 1, err
    assert all(line.startswith("amphase: ") for line in lines), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    (folder / "c.toml").write_text(CONFIG)
    return data(run_sweep(folder / "c.toml", folder / "r.nc", executor="serial", progress=False))


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "c.toml").write_text(CONFIG)
    return tmp_path


def run_args(folder):
    return ["run", folder / "c.toml", "--out", folder / "o.nc", "--executor", "serial", "--no-progress"]


def resumes(folder, reference, done):
    """The same command, with space freed, completes from the checkpoint: the uninterrupted dataset."""
    status, _, err = cli(run_args(folder))
    assert status == 0, err
    assert (f"({done} grid points were already in the checkpoint)" in err) if done else "already" not in err
    with xr.open_dataset(folder / "o.nc", engine="h5netcdf") as ds:
        xr.testing.assert_identical(data(ds.load()), reference)
    assert listing(folder) == ["c.toml", "o.nc"]


class HalfWritten(io.FileIO):
    """A file whose first write stores half of its bytes, then fails as a full disk does."""

    def write(self, b):
        super().write(bytes(b)[: len(b) // 2])
        raise enospc()


# -- run --------------------------------------------------------------------------------------------------------------
def test_run_refused_before_any_work_when_the_estimate_does_not_fit(folder, monkeypatch, reference):
    monkeypatch.setattr(diskspace, "free_bytes", lambda path: 100 * 1024)
    status, _, err = cli(run_args(folder))
    one_line(status, err, "the sweep needs about", "checkpoint store", "100.00 kiB free")
    assert listing(folder) == ["c.toml"]
    monkeypatch.undo()
    resumes(folder, reference, done=0)


def test_run_full_while_creating_the_checkpoint(folder, monkeypatch, reference):
    import zarr.storage._local as local

    real = local._put

    def full(path, value, exclusive=False):
        if path.name == "zarr.json" and "K" in path.parts[-2:]:  # the second metadata file: half a store made
            raise enospc()
        return real(path, value, exclusive)

    monkeypatch.setattr(local, "_put", full)
    status, _, err = cli(run_args(folder))
    one_line(status, err, "o.zarr: no space left on its device; nothing was kept")
    assert listing(folder) == ["c.toml"]  # no store, no temporary folder, no lock file
    monkeypatch.undo()
    resumes(folder, reference, done=0)


def test_run_full_while_writing_a_chunk(folder, monkeypatch, reference):
    import zarr.storage._local as local

    real, chunks = local._put, []

    def full(path, value, exclusive=False):
        if path.name.startswith("c."):
            chunks.append(path)
            if len(chunks) == 2 * 9 + 4:  # the fifth chunk of the third grid point (nine variables a point)
                with local._atomic_write(path, "wb") as f:
                    f.write(bytes(value.as_buffer_like())[:10])
                    raise enospc()
        return real(path, value, exclusive)

    monkeypatch.setattr(local, "_put", full)
    status, _, err = cli(run_args(folder))
    one_line(status, err, "o.zarr: no space left on its device; the checkpoint keeps 2 finished grid points")
    store = store_path(folder / "o.nc")
    assert len(list((store / ".done").iterdir())) == 2
    assert not [p for p in store.rglob("*") if p.name.endswith(".partial") or p.name.startswith(".p")]
    assert not (folder / "o.nc").exists() and not (folder / "o.nc.lock").exists()
    monkeypatch.undo()
    resumes(folder, reference, done=2)


def test_run_full_while_writing_a_done_marker(folder, monkeypatch, reference):
    markers = []

    class Json:
        loads = staticmethod(json.loads)

        @staticmethod
        def dump(obj, f, **kw):
            if "sha256" in obj:
                markers.append(obj)
                if len(markers) == 4:
                    f.write('{"sha256": {')
                    raise enospc()
            json.dump(obj, f, **kw)

    monkeypatch.setattr(integrity, "json", Json)
    status, _, err = cli(run_args(folder))
    one_line(status, err, "the checkpoint keeps 3 finished grid points: free some space")
    done = store_path(folder / "o.nc") / ".done"
    assert sorted(p.name.startswith("p_") for p in done.iterdir()) == [True] * 3  # no temporary marker left
    monkeypatch.undo()
    resumes(folder, reference, done=3)


def test_run_full_while_writing_the_dataset(folder, monkeypatch, reference):
    monkeypatch.setattr(dataset_module, "open", HalfWritten, raising=False)
    status, _, err = cli(run_args(folder))
    one_line(status, err, "cannot write", "o.nc: no space left on its device; nothing was written")
    assert "the checkpoint" in err and "keeps all 6 grid points" in err
    assert listing(folder) == sorted(
        ["c.toml", *(str(p.relative_to(folder)) for p in (folder / "o.zarr").rglob("*")), "o.zarr"]
    )
    monkeypatch.undo()
    resumes(folder, reference, done=6)


# -- theory -----------------------------------------------------------------------------------------------------------
def test_theory_prints_its_table_then_fails_in_one_line(tmp_path, monkeypatch):
    out = tmp_path / "sub" / "tm.nc"
    monkeypatch.setattr(dataset_module, "open", HalfWritten, raising=False)
    status, text, err = cli([*THEORY, "--out", out])
    one_line(status, err, f"cannot write {out}: no space left on its device; nothing was written")
    assert "T_M" in text and "0.02" in text  # the table came first
    assert listing(tmp_path) == []  # neither the file, nor its temporary, nor the folder made for it
    monkeypatch.undo()
    status, again, err = cli([*THEORY, "--out", out])
    told = [line for line in err.splitlines() if "estimated about" not in line]  # the announced cost may come first
    assert status == 0 and again == text and told == [f"wrote {out} (created the folder {out.parent})"], err


def test_theory_refuses_to_start_writing_what_cannot_fit(tmp_path, monkeypatch):
    import amphase.atomic as atomic

    monkeypatch.setattr(atomic.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    status, text, err = cli([*THEORY, "--out", tmp_path / "tm.nc"])
    one_line(status, err, "it needs about", "and its device has 0.98 kiB free; nothing was written")
    assert text and listing(tmp_path) == []


# -- compare ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dataset(tmp_path_factory, reference):
    folder = tmp_path_factory.mktemp("compare")
    path = folder / "d.nc"
    dataset_module.write_netcdf(reference, path)
    return path


def test_compare_full_while_saving_the_figure(tmp_path, monkeypatch, dataset):
    from matplotlib.figure import Figure

    def full(self, fname, **kw):
        Path(fname).write_bytes(b"\x89PNG half")
        raise enospc()

    figure = tmp_path / "f.png"
    monkeypatch.setattr(Figure, "savefig", full)
    status, text, err = cli(["compare", dataset, "--figure", figure])
    one_line(status, err, f"cannot write {figure}: no space left on its device")
    assert text == "" and listing(tmp_path) == []
    monkeypatch.undo()
    status, text, _ = cli(["compare", dataset, "--figure", figure])
    assert status == 0 and figure.stat().st_size > 1000


def test_compare_full_while_writing_its_table_writes_neither(tmp_path, monkeypatch, dataset):
    figure, out = tmp_path / "f.png", tmp_path / "c.nc"
    monkeypatch.setattr(dataset_module, "open", HalfWritten, raising=False)
    status, _, err = cli(["compare", dataset, "--figure", figure, "--out", out])
    one_line(status, err, f"cannot write {out}: no space left on its device")
    assert listing(tmp_path) == []  # the figure made by this command is gone too: the same command runs again
    monkeypatch.undo()
    assert cli(["compare", dataset, "--figure", figure, "--out", out])[0] == 0
    assert listing(tmp_path) == ["c.nc", "f.png"]


# -- a real full file system -------------------------------------------------------------------------------------------
SCENARIO = r'''
import json, os, subprocess, sys, time
from pathlib import Path

mnt, report = Path(sys.argv[1]), Path(sys.argv[2])
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "none", str(mnt)], check=True)
AMPHASE = [sys.executable, "-m", "amphase"]
results = {}


def amphase(*args):
    p = subprocess.run([*AMPHASE, *map(str, args)], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def fill(leave=0):
    """Fill the file system but ``leave`` bytes (a ballast file of 4 KiB blocks)."""
    with open(mnt / "ballast", "ab") as f:
        while os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize > leave:
            try:
                f.write(b"\0" * 4096)
                f.flush()
            except OSError:
                break


def free():
    (mnt / "ballast").unlink()


def files():
    return sorted(str(p.relative_to(mnt)) for p in mnt.rglob("*") if p.name != "ballast")


(mnt / "c.toml").write_text(Path(sys.argv[3]).read_text())
run = ["run", mnt / "c.toml", "--out", mnt / "o.nc", "--executor", "serial", "--no-progress"]

# theory: too little space for the file
fill(leave=64 * 1024)
theory = ["theory", "hopfield.overlap", "alpha=0:0.13:400", "T=0:0.1:10", "--out", mnt / "big.nc"]
results["theory"] = amphase(*theory)
results["theory_files"] = files()
free()
results["theory_again"] = amphase(*theory)
(mnt / "big.nc").unlink()

# run: refused up front, then the disk fills while it runs
fill(leave=96 * 1024)
results["run_refused"] = amphase(*run)
results["run_refused_files"] = files()
free()
proc = subprocess.Popen([*AMPHASE, *map(str, run)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
done = mnt / "o.zarr" / ".done"
while proc.poll() is None and not (done.is_dir() and any(done.iterdir())):
    time.sleep(0.005)
fill(leave=0)
out, err = proc.communicate()
results["run_full"] = (proc.returncode, out, err)
results["run_full_files"] = files()
results["run_full_done"] = len(list(done.iterdir())) if done.is_dir() else -1
free()
results["run_again"] = amphase(*run)
results["run_again_files"] = files()

# compare: no room for the figure
fill(leave=0)
results["compare"] = amphase("compare", mnt / "o.nc", "--figure", mnt / "f.png")
results["compare_files"] = files()
free()
results["compare_again"] = amphase("compare", mnt / "o.nc", "--figure", mnt / "f.png")
subprocess.run(["cp", str(mnt / "o.nc"), sys.argv[4]], check=True)
report.write_text(json.dumps(results))
'''


def can_mount_tmpfs(tmp_path):
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    cmd = ["unshare", "-Urm", "mount", "-t", "tmpfs", "-o", "size=64k", "none", str(probe)]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.slow
def test_on_a_full_tmpfs(tmp_path):
    if not can_mount_tmpfs(tmp_path):
        pytest.skip("cannot mount a tmpfs here (needs unshare into a user and mount namespace)")
    # grid points of a fraction of a second each: the disk fills while the run is in the middle of them
    (tmp_path / "c.toml").write_text(CONFIG.replace("[100, 160]", "[1500, 2000]"))
    reference = data(run_sweep(tmp_path / "c.toml", tmp_path / "r.nc", executor="serial", progress=False))
    (tmp_path / "mnt").mkdir()
    (tmp_path / "scenario.py").write_text(SCENARIO)
    args = [tmp_path / "mnt", tmp_path / "report.json", tmp_path / "c.toml", tmp_path / "o.nc"]
    proc = subprocess.run(
        ["unshare", "-Urm", sys.executable, tmp_path / "scenario.py", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    r = json.loads((tmp_path / "report.json").read_text())

    status, text, err = r["theory"]
    one_line(status, err, "big.nc: it needs about", "nothing was written")
    assert "m" in text and r["theory_files"] == ["c.toml"]  # the table, no file
    assert r["theory_again"][0] == 0

    status, _, err = r["run_refused"]
    one_line(status, err, "the sweep needs about")
    assert r["run_refused_files"] == ["c.toml"]

    status, _, err = r["run_full"]
    print("\non a full tmpfs:", r["theory"][2], r["run_refused"][2], err, r["compare"][2], sep="\n")
    one_line(status, err, "no space left on its device")
    assert "the checkpoint" in err and "run the same command again" in err
    assert r["run_full_done"] >= 1 and "o.nc" not in r["run_full_files"] and "o.nc.lock" not in r["run_full_files"]
    assert not [f for f in r["run_full_files"] if f.endswith((".partial", ".tmp")) or "/.p" in f]
    status, _, err = r["run_again"]
    assert status == 0 and "already in the checkpoint" in err, err
    assert r["run_again_files"] == ["c.toml", "o.nc"]
    with xr.open_dataset(tmp_path / "o.nc", engine="h5netcdf") as ds:
        xr.testing.assert_identical(data(ds.load()), reference)

    status, text, err = r["compare"]
    one_line(status, err, "f.png: no space left on its device")
    assert r["compare_files"] == ["c.toml", "o.nc"]
    assert r["compare_again"][0] == 0, r["compare_again"][2]
