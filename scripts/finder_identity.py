"""The exact score's attractors by the one finder against ``find_attractors`` of an earlier commit (issue 18).

    python scripts/finder_identity.py                    # against main at 1160f37, tol 1e-7 (the toy's default)
    python scripts/finder_identity.py --tol 1e-9         # the basins model's tol
    python scripts/finder_identity.py --base REV
    python scripts/finder_identity.py --basins           # the diffusion.basins model, base finder against the one
    python scripts/finder_identity.py --sorted results/snap-main results/snap-new dense-pair dense-simplex

Loads ``simulate/diffusion/attractors.py`` as it was at ``--base`` (``git show``) beside today's, and runs both on the
circle toy's landscapes (K random training points on the unit circle, VE with sigma = 1, a 30 x 30 grid of starts
over [-1.5, 1.5]^2 plus every training point when K <= 50; the built-in diffusion-toy's) for K in 2, 3, 9, 30, 100,
1000, t in 0.01, 0.025, 0.05, 0.15, 0.2 and two draws each. Per landscape: the same set (same number of fixed points,
same kinds, and positions, sorted by kind and coordinates, within the finders' own ``merge`` radius, 1e-3 data
scales: what both call one fixed point), the largest position difference, and the same order and basins. Prints the
landscapes that differ and one summary line; exit status 1 when a set differs.

``--basins``: the ``diffusion.basins`` model (:mod:`amphase.simulate.diffusion.basins`) at its built-in
parameters (``voronoi_draws=200``), two draws per K of its grid, once with the base commit's ``find_attractors``
patched into :mod:`amphase.simulate.diffusion.basin_attractors` and once with the one finder: whether the attractors
are the same set, and which variables differ (rtol 1e-6, atol 1e-12: the relative energies of a symmetric pair are
0 to rounding). The trials of an attractor are seeded by its index, so an attractor order that differs changes every
variable downstream of it.

``--sorted BEFORE AFTER NAME...``: two folders of ``scripts/config_snapshots.py`` whose ``dense.lse`` datasets differ
only in the order of the fixed points (the one finder orders ties of equal energy by coordinates): per realization,
the rows of every ``fp_*`` variable sorted lexicographically (values rounded to 8 digits for the sort only) and
compared exactly.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from amphase.simulate.diffusion.attractors import find_attractors, grid_starts
from amphase.simulate.diffusion.schedules import ve
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.diffusion.training_set import training_points

ROOT = Path(__file__).resolve().parent.parent


def load_base(rev: str):
    """``simulate/diffusion/attractors.py`` at ``rev``, imported as a module of its own."""
    text = subprocess.run(["git", "show", f"{rev}:simulate/diffusion/attractors.py"], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "base_attractors.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("base_attractors", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["base_attractors"] = mod
    spec.loader.exec_module(mod)
    return mod


def canonical(a) -> tuple[np.ndarray, np.ndarray]:
    """Positions and kinds sorted by kind, then coordinates."""
    o = np.lexsort((a.x[:, 1], a.x[:, 0], a.kind))
    return a.x[o], a.kind[o]


def basins_check(base) -> int:
    """``--basins`` (module docstring)."""
    import amphase.simulate.diffusion.basin_attractors as basins
    from amphase.simulate.config import apply_overrides, load_config, resolve
    from amphase.simulate.diffusion.basins import MODEL
    from amphase.simulate.sweep import grid_points

    one = basins.find_attractors
    config = resolve(apply_overrides(load_config("diffusion-basins")[1], ["voronoi_draws=200"]))
    failed = 0
    for _, params in grid_points(config):
        for r in range(2):
            seed = np.random.SeedSequence(20261207, spawn_key=(params["K"], r))
            out = {}
            for name, finder in (("base", base.find_attractors), ("one", one)):
                basins.find_attractors = finder
                out[name] = MODEL.run(params, seed)
            basins.find_attractors = one
            a, b = out["base"], out["one"]
            differ = [k for k in a if np.shape(a[k]) != np.shape(b[k])
                      or not np.allclose(a[k], b[k], rtol=1e-6, atol=1e-12, equal_nan=True)]  # fmt: skip
            xa, xb = (np.asarray(o["attractor_x"]) for o in (a, b))
            xa, xb = xa[np.isfinite(xa[:, 0])], xb[np.isfinite(xb[:, 0])]
            xa, xb = xa[np.lexsort(xa.T[::-1])], xb[np.lexsort(xb.T[::-1])]
            same = xa.shape == xb.shape and np.allclose(xa, xb, rtol=0, atol=1e-6)
            failed += not same
            print(f"K={params['K']} draw {r}: {len(xa)} attractors, same set {same}; variables that differ: "
                  f"{', '.join(differ) or 'none'}", flush=True)  # fmt: skip
    return int(failed > 0)


def sorted_check(before: str, after: str, names: list[str]) -> int:
    """``--sorted`` (module docstring)."""
    import xarray as xr

    failed = 0
    for name in names:
        a, b = (xr.load_dataset(Path(f) / f"{name}.nc", engine="h5netcdf") for f in (before, after))
        fp = sorted(v for v in a.data_vars if v.startswith("fp_"))
        if not fp:
            print(f"{name}: no fp_* variables (not a dense.lse dataset)")
            continue
        point = a[fp[0]].dims[-1]
        rows = [np.stack([ds[v].transpose(..., point).values.astype(float) for v in fp], -1) for ds in (a, b)]
        ra, rb = (r.reshape(-1, *r.shape[-2:]) for r in rows)  # (realizations, points, variables)
        same = 0
        for x, y in zip(ra, rb, strict=True):
            xs, ys = (z[np.lexsort(tuple(np.round(z[:, j], 8) for j in range(z.shape[1]))[::-1])] for z in (x, y))
            same += bool(np.array_equal(xs, ys, equal_nan=True))
        failed += same < len(ra)
        print(f"{name}: {same} of {len(ra)} realizations hold the same fixed points after sorting ({', '.join(fp)})")
    return int(failed > 0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="1160f37", help="the commit whose find_attractors is compared (default 1160f37)")
    ap.add_argument("--tol", type=float, default=1e-7, help="fixed point: |F(y) - y| <= tol * data scale")
    ap.add_argument("--basins", action="store_true", help="compare the diffusion.basins model instead")
    ap.add_argument("--sorted", nargs="+", metavar="ARG", help="BEFORE AFTER NAME...: snapshots equal after sorting?")
    args = ap.parse_args()
    if args.sorted:
        if len(args.sorted) < 3:
            ap.error("--sorted BEFORE AFTER NAME...: two folders and at least one configuration")
        return sorted_check(args.sorted[0], args.sorted[1], args.sorted[2:])
    base = load_base(args.base)
    if args.basins:
        return basins_check(base)
    n = same_set = same_order = 0
    worst = 0.0
    for K in (2, 3, 9, 30, 100, 1000):
        for t in (0.01, 0.025, 0.05, 0.15, 0.2):
            for r in range(2):
                key = np.random.SeedSequence(7, spawn_key=(K, r))
                pts, _ = training_points({"dataset": "circle", "even": 0, "K": K}, key)
                sched = ve(1.0, t_max=1.0)
                ex = exact_score(pts, sched, dtype="float64")
                starts = np.concatenate([grid_starts(-1.5, 1.5, 30), pts if K <= 50 else np.zeros((0, 2))])
                a = base.find_attractors(ex, sched, t, starts, pts, tol=args.tol)
                b = find_attractors(ex, sched, t, starts, pts, tol=args.tol)
                n += 1
                (ax, ak), (bx, bk) = canonical(a), canonical(b)
                ok = len(ax) == len(bx) and (ak == bk).all()
                dx = float(np.abs(ax - bx).max()) if ok and len(ax) else 0.0
                ok = ok and dx <= 1e-3
                worst = max(worst, dx)
                same_set += ok
                ordered = ok and np.abs(a.x - b.x).max(initial=0.0) <= 1e-3 and (a.basin == b.basin).all()
                same_order += ordered
                if not ordered:
                    print(f"K={K} t={t} draw {r}: {'same set, ' if ok else 'DIFFERENT SET, '}basins "
                          f"{a.basin.tolist()} (base) / {b.basin.tolist()} (one finder)")  # fmt: skip
    print(f"{n} landscapes at tol {args.tol:g}: same set {same_set}, same order and basins {same_order}; largest "
          f"position difference {worst:.1e} (data scales)")  # fmt: skip
    return 0 if same_set == n else 1


if __name__ == "__main__":
    sys.exit(main())
