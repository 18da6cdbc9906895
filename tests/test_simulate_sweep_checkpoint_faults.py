"""Damaged checkpoints, injected at random (seeded): a resume gives the dataset of an uninterrupted run or one line
that names --restart, never a dataset that differs.

Each case interrupts a sweep after k of its 6 grid points (an executor that raises KeyboardInterrupt, as Ctrl-C
does), damages one file of the checkpoint store at random (a chunk of a finished point, a done marker, a metadata
file, the manifest), and resumes with ``amphase run``. The resumed dataset must be identical (``xarray.testing``) to
the uninterrupted one; where the resume refuses, its standard error is one line naming --restart, and the run with
--restart gives the identical dataset. The tally of outcomes is printed (``-s``).
"""

import contextlib
import io
import random
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import zarr

from amphase.cli import main
from amphase.errors import CheckpointError
from amphase.simulate.executors import Executor
from amphase.simulate.sweep import RUN_ATTRS, run_sweep, store_path

CONFIG = """model = "hopfield"
seed = 17
realizations = 2
[grid]
N = [100, 160]
alpha = [0.05, 0.1, 0.15]
[params]
trials = 2
noise = 0.1
top = 3
"""

KINDS = (
    "bitflip-chunk",
    "truncate-chunk",
    "delete-chunk",
    "rewrite-chunk",  # a valid chunk with other numbers: only the checksum sees it
    "bitflip-marker",
    "truncate-marker",
    "delete-marker",
    "bitflip-metadata",
    "truncate-metadata",
    "delete-metadata",
)


def data(ds):
    ds = ds.copy()
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in RUN_ATTRS}
    return ds


class Interrupted(Executor):
    """Runs the first ``after`` tasks, then raises KeyboardInterrupt (as Ctrl-C does in the sweep's loop)."""

    def __init__(self, after):
        self.after = after

    def imap_unordered(self, fn, items):
        for i, item in enumerate(items):
            if i == self.after:
                raise KeyboardInterrupt
            yield fn(item)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    config = folder / "c.toml"
    config.write_text(CONFIG)
    reference = data(run_sweep(config, folder / "reference.nc", executor="serial", progress=False))
    return config, reference


def flip_bit(path, rng):
    raw = bytearray(path.read_bytes())
    if not raw:
        return False
    i = rng.randrange(len(raw))
    raw[i] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(raw))
    return True


def damage(store, kind, rng):
    """Damage one file of ``store`` as ``kind`` says, chosen with ``rng``; a description, or None if none fits."""
    markers = sorted(p for p in (store / ".done").iterdir() if p.name.startswith("p"))
    if kind.endswith("-chunk") or kind.endswith("-marker"):
        if not markers:
            return None
        marker = rng.choice(markers)
        index = tuple(int(i) for i in marker.name.split("_")[1:])
        if kind.endswith("-marker"):
            target = marker
        else:
            name = rng.choice(sorted(p.name for p in store.iterdir() if (p / "zarr.json").is_file()))
            chunks = sorted((store / name).glob("c." + ".".join(map(str, index)) + ".*"))
            if not chunks:  # all fill values: zarr wrote no chunk
                return None
            target = chunks[0]
            if kind == "rewrite-chunk":
                arr = zarr.open_array(str(store / name), mode="r+")
                values = np.asarray(arr[index])
                flat = values.reshape(-1)
                j = rng.randrange(flat.size)
                flat[j] = flat[j] + 1 if flat.dtype.kind in "iu" else (0.5 if flat[j] != 0.5 else -0.5)
                arr[index] = values
                return f"rewrite {target.relative_to(store)}"
    else:
        metadata = [*sorted(store.rglob("zarr.json")), store / "checkpoint.json"]
        target = rng.choice([*metadata, store / ".done"] if kind == "delete-metadata" else metadata)
    action = kind.split("-")[0]
    if action == "delete":
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    elif action == "truncate":
        size = target.stat().st_size
        with open(target, "r+b") as f:
            f.truncate(rng.randrange(size))
    elif not flip_bit(target, rng):
        return None
    return f"{action} {target.relative_to(store)}"


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, err.getvalue()


def one_case(seed, folder, setup):
    """One damaged checkpoint and its resume; returns the outcome's name (or fails the test)."""
    config, reference = setup
    rng = random.Random(seed)
    kind = KINDS[seed % len(KINDS)]
    out = folder / f"case{seed}.nc"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(config, out, executor=Interrupted(rng.randrange(1, 6)), progress=False)
    store = store_path(out)
    what = damage(store, kind, rng)
    if what is None:
        shutil.rmtree(store)
        return "no such file"
    argv = ["run", str(config), "--out", str(out), "--executor", "serial", "--no-progress"]
    status, err = run_cli(argv)
    context = f"seed {seed}: {what}: {err}"
    if status == 0:
        with xr.open_dataset(out, engine="h5netcdf") as ds:
            xr.testing.assert_identical(data(ds.load()), reference)
        assert not store.exists(), context
        if "failed verification" in err:
            assert re.search(r"damaged ones? (was|were) computed again\)$", err.splitlines()[-1]), context
            return "recomputed: failed verification"
        if kind == "delete-marker":
            return "recomputed: no done marker"
        return "data unchanged by the damage"
    assert status == 2, context
    assert err.count("\n") == 1 and err.startswith("amphase: error: ") and "--restart" in err, context
    assert not out.exists(), context
    status, err = run_cli([*argv, "--restart"])
    assert status == 0, f"seed {seed}: {what}: after --restart: {err}"
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        xr.testing.assert_identical(data(ds.load()), reference)
    return "refused, naming --restart"


#: the outcomes each kind of damage may have: metadata are checked against the manifest, data against the markers
EXPECTED = {
    "metadata": {"refused, naming --restart"},
    "rewrite-chunk": {"recomputed: failed verification"},
    "truncate-chunk": {"recomputed: failed verification"},
    "delete-chunk": {"recomputed: failed verification"},
    "truncate-marker": {"recomputed: failed verification"},
    "delete-marker": {"recomputed: no done marker"},
    # a flipped bit may leave the data as they were (a compressed block's unused bit, a version string)
    "bitflip-chunk": {"recomputed: failed verification", "data unchanged by the damage"},
    "bitflip-marker": {"recomputed: failed verification", "data unchanged by the damage"},
}


def tally(cases, tmp_path, setup):
    counts = Counter()
    for seed in cases:
        kind = KINDS[seed % len(KINDS)]
        outcome = one_case(seed, tmp_path, setup)
        assert outcome in EXPECTED["metadata" if kind.endswith("metadata") else kind] | {"no such file"}, (seed, kind)
        counts[(kind, outcome)] += 1
    print(f"\n{len(cases)} damaged checkpoints:")
    for (kind, outcome), n in sorted(counts.items()):
        print(f"  {kind:<18} {outcome:<26} {n}")
    return counts


def test_damaged_checkpoints_resume_to_the_uninterrupted_dataset_or_name_restart(tmp_path, setup):
    tally([0, 2, 3, 5, 9], tmp_path, setup)  # a bit flip, a deleted and a rewritten chunk, a marker, metadata


@pytest.mark.slow
def test_each_kind_of_damage(tmp_path, setup):
    tally(range(len(KINDS)), tmp_path, setup)


@pytest.mark.slow
def test_damaged_checkpoints_many(tmp_path, setup):
    tally(range(30, 230), tmp_path, setup)


def test_a_point_damaged_during_the_run_is_never_written_to_the_dataset(tmp_path, setup):
    # the chunk of a finished point changes on disk while the sweep runs: the dataset is refused, not written, and
    # the same command computes that point again
    config, reference = setup
    out = tmp_path / "during.nc"
    store = store_path(out)

    class Scribbling(Executor):
        def imap_unordered(self, fn, items):
            for i, item in enumerate(items):
                if i == 3:
                    marker = sorted((store / ".done").iterdir())[0]
                    index = tuple(int(j) for j in marker.name.split("_")[1:])
                    arr = zarr.open_array(str(store / "m_cue"), mode="r+")
                    arr[index] = np.asarray(arr[index]) * 0.5
                yield fn(item)

    with pytest.raises(CheckpointError, match=r"1 grid points .* failed their checksums .*m_cue differs.* again"):
        run_sweep(config, out, executor=Scribbling(), progress=False)
    assert not out.exists() and len(list((store / ".done").iterdir())) == 5
    status, err = run_cli(["run", str(config), "--out", str(out), "--executor", "serial", "--no-progress"])
    assert status == 0 and "(5 grid points were already in the checkpoint)" in err
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        xr.testing.assert_identical(data(ds.load()), reference)


def test_a_checkpoint_of_the_old_format_names_restart(tmp_path, setup):
    config, _ = setup
    out = tmp_path / "old.nc"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(config, out, executor=Interrupted(2), progress=False)
    (store_path(out) / "checkpoint.json").unlink()  # what amphase before checksums left: no manifest
    for marker in (store_path(out) / ".done").iterdir():
        marker.write_text("")
    argv = ["run", str(config), "--out", str(out), "--executor", "serial", "--no-progress"]
    status, err = run_cli(argv)
    assert status == 2 and err.count("\n") == 1
    assert "written by an older amphase, without checksums" in err and "--restart" in err
    assert run_cli([*argv, "--restart"])[0] == 0


def test_restart_still_refuses_what_is_not_a_checkpoint(tmp_path, setup):
    config, _ = setup
    out = tmp_path / "mine.nc"
    folder = store_path(out)
    folder.mkdir()
    (folder / "zarr.json").write_text("{}")  # someone's own Zarr store, named like ours
    status, err = run_cli(["run", str(config), "--out", str(out), "--executor", "serial", "--restart"])
    assert status == 2 and "is not an amphase checkpoint store" in err
    assert (folder / "zarr.json").read_text() == "{}"
    assert Path(folder).is_dir()
