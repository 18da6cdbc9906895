"""Every built-in configuration at a small size, and whether two such snapshots hold identical data.

    python scripts/config_snapshots.py results/snap-main                 # run them all into a folder
    python scripts/config_snapshots.py results/snap-new --compare results/snap-main
    python scripts/config_snapshots.py results/snap-new --compare results/snap-main --no-run   # compare only
    python scripts/config_snapshots.py results/snap --only hopfield-capacity dense-pair --jobs 2
    python scripts/config_snapshots.py BEFORE.nc --compare AFTER.nc       # two datasets

Made for refactors that must leave results unchanged (issue 18, "One way down"): run it on main before, on the
branch after, and compare. Each configuration of ``amphase run --list`` runs through the command line (the interface
a refactor keeps) with the overrides of :data:`SMALL` (a one- or two-point grid, few realizations and samples), the
serial executor and one BLAS/Numba thread, so the floating-point reductions are the same on both sides. Seeds are
keyed by grid values and realization, so a small grid is a subset of the full sweep. A configuration that
:data:`SMALL` does not know runs at the first value of each numeric grid dimension with two realizations, and says so.
``FOLDER/snapshots.json`` records the overrides, the commit and the wall time of each run.

The comparison loads both datasets and, before :func:`xarray.testing.assert_identical` on data variables and
coordinates (values, dims, dtypes and their attributes):

* drops the provenance attributes that differ between identical runs (:data:`PROVENANCE`: command line, commit,
  library versions, timings, executor);
* turns the fixed parameters stored as global attributes ``param_X`` into scalar coordinates ``X`` on both sides,
  so a dataset that already stores them as scalar coordinates (issue 18's target) compares equal to one that
  does not;
* renames on the first side what ``--rename old=new`` says (e.g. ``--rename n=K`` for a renamed dimension);
* leaves out of the comparison a fixed parameter that only one side has (a new parameter at its default), naming it.

One line a configuration: ``identical``, ``identical values, attributes differ: ...`` (dims, coordinates and data
equal, some ``units``/``long_name``/global attribute changed), ``DIFFERENT: ...`` (which variables, and the largest
difference), or why it could not be compared; with ``--rtol R``, ``close within rtol=R: ...`` for values that differ
by no more than R (relative), which then pass. Exit status 0 when every configuration has identical (or, with
``--rtol``, close) values, 1 otherwise (2 on bad arguments).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

ROOT = Path(__file__).resolve().parent.parent

#: overrides that make each built-in configuration small: one- or two-point numeric grids (categorical grids kept
#: whole where they select code paths), two realizations, few samples. Measured: the whole set in a few minutes.
SMALL: dict[str, list[str]] = {
    "hopfield-capacity": ["grid.N=200", "grid.alpha=0.05,0.14", "realizations=2", "trials=2"],
    "hopfield-fss": ["grid.N=300", "grid.alpha=0.14", "realizations=2", "trials=2"],
    "hopfield-spurious": ["grid.cue=random,pattern,mixture", "grid.alpha=0.02", "N=400", "realizations=2", "trials=2"],
    "dense-capacity": ["grid.N=60", "grid.alpha=0.04", "realizations=2", "trials=2"],
    "dense-capacity-n2": ["grid.N=200", "grid.alpha=0.1,0.14", "realizations=2", "trials=2"],
    "dense-capacity-n4": ["grid.N=30", "grid.alpha=0.01", "realizations=2", "trials=2"],
    "dense-circle": ["grid.K=3,20", "realizations=2", "noisy_memories=16", "random=8", "centroids=4"],
    "dense-circle-lsr": ["grid.K=3,20", "realizations=2", "noisy_memories=16", "random=8", "centroids=4"],
    "dense-lse-threshold": ["grid.lam=0.5", "grid.N=12", "grid.load=0.5", "realizations=2", "cues=4"],
    "dense-pair": ["grid.beta=1.9,2.1", "realizations=2"],
    "dense-sequence": ["grid.N=50", "grid.alpha=0.03", "realizations=2"],
    "dense-sequence-exp": ["grid.N=10", "grid.alpha=0.1", "realizations=2"],
    "dense-simplex": ["grid.beta=1.3,1.6", "realizations=2"],
    "diffusion-basins": [
        "grid.K=4",
        "realizations=2",
        "n_starts=16",
        "n_levels=4",
        "n_noise=8",
        "voronoi_draws=200",
    ],
    "diffusion-circle": ["grid.K=4,16", "realizations=2", "n_samples=32"],
    "diffusion-circle-random": ["grid.K=8", "realizations=2", "n_samples=32"],
    "diffusion-clones": ["grid.d=16", "realizations=2", "n_pairs=50", "steps=100"],
    "diffusion-clones-exact": ["grid.K=16,128", "realizations=2", "n_pairs=20", "n_draws=200"],
    "diffusion-collapse": ["grid.d=4", "grid.K=16", "realizations=2", "n_traj=16", "steps=100", "n_draws=32"],
    "diffusion-digits": ["grid.K=8", "realizations=2", "n_samples=16"],
    "diffusion-directions": ["grid.K=100", "realizations=2", "n_probes=16", "n_times=9"],
    "diffusion-directions-spectrum": ["grid.K=100", "realizations=2", "n_probes=8", "n_times=9"],
    "diffusion-linear": ["grid.K=8", "realizations=2", "n_samples=16"],
    "diffusion-phase-diagram": ["grid.beta=5,10", "grid.K=8", "realizations=2", "n_samples=16"],
    "diffusion-trained-digits": ["grid.K=2", "realizations=2", "train_steps=20", "width=16", "T=100", "max_stored=4"],
    "diffusion-toy": ["grid.K=9", "grid.t=0.05", "realizations=2", "starts=10", "point_starts=10", "energy_grid=30"],
}

#: global attributes that say how, when and with what a dataset was made, not what it holds.
PROVENANCE = frozenset(
    {
        "created",
        "history",
        "executor",
        "workers",
        "scheduler",
        "resumed_points",
        "wall_time_s",
        "git_commit",
        "source",
        "device",
    }
)
#: one thread everywhere: the same reduction order on both sides of a comparison, and a light load on the machine.
THREADS = {v: "1" for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")}


# ---------------------------------------------------------------------------------------------------------- running
def builtin_names() -> list[str]:
    """The built-in configurations, as ``amphase run --list`` prints them."""
    out = subprocess.run(
        [sys.executable, "-m", "amphase", "run", "--list"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return [line.split()[0] for line in out.stdout.splitlines() if line.strip()]


def fallback(name: str) -> list[str]:
    """Overrides for a configuration :data:`SMALL` does not know: first value of each numeric grid dimension."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from amphase.simulate.config import builtin_configs; print(builtin_configs()[{name!r}])",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    grid = tomllib.loads(Path(out.stdout.strip()).read_text(encoding="utf-8")).get("grid", {})
    small = []
    for dim, values in grid.items():
        if isinstance(values, dict):  # a {start, stop, num} table
            small.append(f"grid.{dim}={values['start']}")
        elif values and not isinstance(values[0], str):
            small.append(f"grid.{dim}={values[0]}")
    return [*small, "realizations=2"]


def run_one(name: str, folder: Path, overrides: list[str], timeout: float) -> dict[str, Any]:
    """Run configuration ``name`` with ``overrides`` into ``folder/name.nc``; its record for ``snapshots.json``."""
    cmd = [sys.executable, "-m", "amphase", "run", name, *overrides]
    cmd += ["--out", str(folder / f"{name}.nc"), "--executor", "serial", "--no-progress", "--overwrite", "--restart"]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **THREADS})
        rc, err = proc.returncode, proc.stderr.strip().splitlines()
    except subprocess.TimeoutExpired:
        rc, err = -1, [f"timed out after {timeout:.0f} s"]
    seconds = round(time.perf_counter() - start, 1)
    return {"overrides": overrides, "rc": rc, "seconds": seconds, "message": err[-1] if err else ""}


def run_all(folder: Path, names: list[str], jobs: int, timeout: float) -> dict[str, dict[str, Any]]:
    """Run every configuration of ``names`` into ``folder``; print a line each and write ``snapshots.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    plan = {}
    for name in names:
        if name in SMALL:
            plan[name] = SMALL[name]
        else:
            plan[name] = fallback(name)
            print(f"{name}: not in SMALL; running at {' '.join(plan[name])}", flush=True)
    start = time.perf_counter()
    records: dict[str, dict[str, Any]] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {name: pool.submit(run_one, name, folder, plan[name], timeout) for name in names}
        for name, fut in futures.items():
            rec = records[name] = fut.result()
            state = "ok" if rec["rc"] == 0 else f"FAILED (exit {rec['rc']}): {rec['message']}"
            print(f"{name:<32} {rec['seconds']:>7.1f} s  {state}", flush=True)
    wall = round(time.perf_counter() - start, 1)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    path = folder / "snapshots.json"  # an --only run updates the records of the configurations it ran
    earlier = json.loads(path.read_text(encoding="utf-8"))["configs"] if path.is_file() else {}
    manifest = {
        "commit": commit + ("-dirty" if dirty.stdout.strip() else ""),
        "jobs": jobs,
        "threads": THREADS,
        "wall_s": wall,
        "last_run": sorted(records),
        "configs": {**earlier, **records},
    }
    path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    failed = sum(r["rc"] != 0 for r in records.values())
    print(f"{len(records)} configurations in {wall:.1f} s wall ({jobs} at a time), {failed} failed -> {folder}")
    return records


# -------------------------------------------------------------------------------------------------------- comparing
def normalise(ds: xr.Dataset, rename: dict[str, str] | None = None) -> xr.Dataset:
    """``ds`` with names renamed, without provenance attributes, fixed parameters ``param_X`` as scalar coordinates.

    A rename applies to variables, dimensions and ``param_X`` attributes alike; it comes first, so that a parameter
    whose name a renamed variable takes (``dense.binary``'s ``K`` beside its stored count ``P`` -> ``K``) is left out
    as the writer leaves it out (a parameter named like a variable stays an attribute).
    """
    ds = ds.copy()
    if rename:
        ds = ds.rename({k: v for k, v in rename.items() if k in ds.variables or k in ds.dims})
        ds.attrs = {
            (f"param_{rename[k[6:]]}" if k.startswith("param_") and k[6:] in rename else k): v
            for k, v in ds.attrs.items()
        }
    for key in list(ds.attrs):
        value = ds.attrs[key]
        if key in PROVENANCE or key.endswith("_version"):
            del ds.attrs[key]
        elif key.startswith("param_"):
            name = key.removeprefix("param_")
            del ds.attrs[key]
            if name not in ds.variables:
                ds.coords[name] = value
    return ds


def _largest_difference(a: xr.DataArray, b: xr.DataArray) -> str:
    if a.dims != b.dims or a.shape != b.shape:
        return f"dims {a.dims}{a.shape} vs {b.dims}{b.shape}"
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} vs {b.dtype}"
    if a.dtype.kind in "fc":
        diff = np.abs(a.values - b.values)
        nan = np.isnan(a.values) != np.isnan(b.values)
        worst = float(np.nanmax(diff)) if np.isfinite(diff).any() else 0.0
        return f"max |diff| {worst:.3g}" + (f", NaN in {int(nan.sum())} places on one side only" if nan.any() else "")
    return f"{int((a.values != b.values).sum())} of {a.size} values differ"


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return np.array_equal(np.asarray(x), np.asarray(y))
    return bool(x == y)


def _same_attrs(x: dict[str, Any], y: dict[str, Any]) -> bool:
    return set(x) == set(y) and all(_same(x[k], y[k]) for k in x)


def verdict(a: xr.Dataset, b: xr.Dataset, rtol: float = 0.0) -> tuple[bool, str]:
    """``(values identical, one-line verdict)`` for two normalised datasets.

    A scalar coordinate on one side only (a fixed parameter one side added or dropped, e.g. a new parameter at its
    default) is named in the verdict and left out of the comparison of values. With ``rtol > 0``, values that differ
    by no more than ``rtol`` (relative) count as the same and are named as such.
    """
    notes = []
    for one, other, label in ((a, b, "first"), (b, a, "second")):
        alone = [n for n in one.coords if one[n].ndim == 0 and n not in other.variables]
        if alone:
            notes.append(f"fixed parameters only in {label}: " + ", ".join(f"{n}={one[n].values}" for n in alone))
    a = a.drop_vars([n for n in a.coords if a[n].ndim == 0 and n not in b.variables])
    b = b.drop_vars([n for n in b.coords if b[n].ndim == 0 and n not in a.variables])
    data_a, data_b = a.copy(), b.copy()
    data_a.attrs, data_b.attrs = {}, {}
    attrs = sorted(k for k in set(a.attrs) | set(b.attrs) if not _same(a.attrs.get(k), b.attrs.get(k)))
    suffix = "".join(f"; {n}" for n in notes)
    try:
        xr.testing.assert_identical(data_a, data_b)
        head = "identical" if not attrs else f"identical values, global attributes differ: {', '.join(attrs)}"
        return True, head + suffix
    except AssertionError:
        pass
    try:
        xr.testing.assert_equal(data_a, data_b)
        shared = sorted(set(data_a.variables) & set(data_b.variables))
        changed = [n for n in shared if not _same_attrs(data_a[n].attrs, data_b[n].attrs)]
        changed += [f"(global) {k}" for k in attrs]
        return True, f"identical values, attributes differ: {', '.join(changed)}" + suffix
    except AssertionError:
        pass
    if rtol > 0:
        try:
            xr.testing.assert_allclose(data_a, data_b, rtol=rtol, atol=0.0)
            shared = sorted(set(data_a.variables) & set(data_b.variables))
            moved = [
                f"{n} ({_largest_difference(a[n], b[n])})" for n in shared if not a[n].variable.equals(b[n].variable)
            ]
            return True, f"close within rtol={rtol:g}: {', '.join(moved)}" + suffix
        except AssertionError:
            pass
    parts = []
    for label, names in (
        ("only in first", set(a.variables) - set(b.variables)),
        ("only in second", set(b.variables) - set(a.variables)),
    ):
        if names:
            parts.append(f"{label}: {', '.join(sorted(names))}")
    for n in sorted(set(a.variables) & set(b.variables)):
        if not a[n].variable.equals(b[n].variable):
            parts.append(f"{n} ({_largest_difference(a[n], b[n])})")
    return False, "DIFFERENT: " + "; ".join(parts or ["coordinates or dims differ"]) + suffix


def compare_files(
    first: Path, second: Path, rename: dict[str, str] | None = None, rtol: float = 0.0
) -> tuple[bool, str]:
    """Compare two datasets; ``(values identical, verdict)``."""
    for path in (first, second):
        if not path.is_file():
            return False, f"missing: {path}"
    a = normalise(xr.load_dataset(first, engine="h5netcdf"), rename)
    b = normalise(xr.load_dataset(second, engine="h5netcdf"))
    return verdict(a, b, rtol)


def compare_folders(first: Path, second: Path, rename: dict[str, str] | None = None, rtol: float = 0.0) -> bool:
    """One line per configuration found in either folder; ``True`` when every one has identical values."""
    manifests = []
    for folder in (first, second):
        path = folder / "snapshots.json"
        manifests.append(json.loads(path.read_text(encoding="utf-8"))["configs"] if path.is_file() else {})
    names = sorted({p.stem for f in (first, second) for p in f.glob("*.nc")} | set(manifests[0]) | set(manifests[1]))
    print(f"comparing {first} with {second}: {len(names)} configurations")
    all_same = True
    for name in names:
        ma, mb = manifests[0].get(name), manifests[1].get(name)
        if ma and mb and ma["overrides"] != mb["overrides"]:
            same, line = False, f"not comparable: overrides differ ({ma['overrides']} vs {mb['overrides']})"
        else:
            same, line = compare_files(first / f"{name}.nc", second / f"{name}.nc", rename, rtol)
        print(f"{name:<32} {line}")
        all_same &= same
    print("every configuration has identical values" if all_same else "some configurations DIFFER")
    return all_same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the datasets go (or a .nc file, with --compare)")
    parser.add_argument("--compare", type=Path, metavar="OTHER", help="compare with this folder (or .nc file)")
    parser.add_argument("--no-run", action="store_true", help="with --compare: compare the folders as they are")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these configurations only")
    parser.add_argument("--jobs", type=int, default=1, help="configurations run at a time (default 1)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per configuration (default 600)")
    parser.add_argument("--rename", nargs="+", default=[], metavar="OLD=NEW", help="names renamed on OTHER's side")
    parser.add_argument("--rtol", type=float, default=0.0, help="values within this relative difference pass (named)")
    args = parser.parse_args(argv)
    try:
        rename = dict(r.split("=", 1) for r in args.rename)
    except ValueError:
        parser.error("--rename takes OLD=NEW")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.compare is not None and args.folder.suffix == ".nc":
        same, line = compare_files(args.compare, args.folder, rename, args.rtol)
        print(line)
        return 0 if same else 1
    if not (args.no_run and args.compare is not None):
        names = builtin_names()
        unknown = sorted(set(args.only or []) - set(names))
        if unknown:
            parser.error(f"unknown configuration {', '.join(unknown)}; allowed: {', '.join(names)}")
        records = run_all(args.folder, args.only or names, args.jobs, args.timeout)
        if any(r["rc"] != 0 for r in records.values()) and args.compare is None:
            return 1
    if args.compare is None:
        return 0
    return 0 if compare_folders(args.compare, args.folder, rename, args.rtol) else 1


if __name__ == "__main__":
    sys.exit(main())
