"""Minima of the log-sum-ReLU and log-sum-exp DenseAM energies on the unit circle, per K (issue 18, seam proof).

For each K and realization: K memories at uniform random angles on the unit circle (``dense.lse``'s ``circle``
geometry), then

* ``lse``: the minima ``dense.lse`` finds with the log-sum-exp energy (its default starts, as in ``dense-circle``);
* ``lsr``: the minima the same model and starts find with ``energy = "lsr"`` (Hoover et al. 2025, arXiv:2506.10801);
* ``lsr_exact``: the exact number of LSR minima of the same draw (:func:`amphase.theory.dense.lsr.circle_minima`,
  enumeration of runs of consecutive memories), independent of any descent.

Means and standard errors over the realizations (seed ``SeedSequence(seed, spawn_key=(K, r))``).

    OPENBLAS_NUM_THREADS=1 nice python scripts/lsr_circle_minima.py --K 5 12 30 50 100 200 --realizations 16
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np

from amphase.simulate.dense.lse import MODEL, memories
from amphase.simulate.seeding import child_rng
from amphase.theory.dense.lsr import circle_minima


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--K", type=int, nargs="+", default=[5, 12, 30, 50, 100, 200])
    ap.add_argument("--beta", type=float, default=20.0)
    ap.add_argument("--realizations", type=int, default=16)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--out", default="results/lsr_circle_minima.json")
    args = ap.parse_args()
    rows = []
    print("| K | LSE minima (finder) | LSR minima (exact) | LSR minima (finder) | LSR found / exact | s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for K in args.K:
        t0 = time.perf_counter()
        n = {"lse": [], "lsr": [], "lsr_exact": []}
        for r in range(args.realizations):
            seed = np.random.SeedSequence(args.seed, spawn_key=(K, r))
            params = {**MODEL.defaults, "geometry": "circle", "K": K, "beta": args.beta}
            for energy in ("lse", "lsr"):
                n[energy].append(int(MODEL.run({**params, "energy": energy}, seed)["n_minima"]))
            mem = memories(params, child_rng(seed, 0))
            n["lsr_exact"].append(circle_minima(np.arctan2(mem[:, 1], mem[:, 0]), args.beta))
        wall = time.perf_counter() - t0
        stat = {k: (float(np.mean(v)), float(np.std(v, ddof=1) / math.sqrt(len(v)))) for k, v in n.items()}
        frac = float(np.sum(n["lsr"]) / np.sum(n["lsr_exact"]))
        rows.append({"K": K, "counts": n, "wall_s": wall, "found_fraction": frac})
        cell = {k: f"{m:.2f} ± {s:.2f}" for k, (m, s) in stat.items()}
        print(f"| {K} | {cell['lse']} | {cell['lsr_exact']} | {cell['lsr']} | {frac:.3f} | {wall:.0f} |", flush=True)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"beta": args.beta, "realizations": args.realizations, "seed": args.seed, "rows": rows}, f)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
