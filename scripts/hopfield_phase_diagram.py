"""Reproduce the replica-symmetric phase diagram of the Hopfield model (AGS 1985; AGS 1987).

Computes the phases, the retrieval overlap and the lines T_g, T_M, T_c (both with their reentrant lower branches), T_R
and alpha_c(T) on an (alpha, T) grid from theory, writes them as a netCDF dataset and a figure, and prints the
landmark numbers beside their published values.

    python scripts/hopfield_phase_diagram.py --out results
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from amphase import theory
from amphase.analysis.figures import save_figure
from amphase.analysis.hopfield.phase_diagram import plot_phase_diagram
from amphase.dataset import write_netcdf
from amphase.errors import AmphaseError
from amphase.theory.hopfield import lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--alpha-points", type=int, default=36, help="grid points in alpha on [0, 0.175]")
    parser.add_argument(
        "--T-points", type=int, default=36, help="grid points in T on [0, 1.5], a third of them below 0.2"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    args = parser.parse_args(argv)
    if args.alpha_points < 2 or args.T_points < 2 or args.workers < 1:
        print(
            "hopfield_phase_diagram: error: --alpha-points and --T-points must be >= 2, --workers >= 1", file=sys.stderr
        )
        return 2
    alpha = np.linspace(0.0, 0.175, args.alpha_points)
    low = args.T_points // 3  # the AT line and the reentrant T_c live below T = 0.2
    temp = np.concatenate((np.linspace(0.0, 0.2, low, endpoint=False), np.linspace(0.2, 1.5, args.T_points - low)))
    start = time.perf_counter()
    quantity = theory.get("hopfield.phase_diagram")
    try:
        with ProcessPoolExecutor(args.workers) as pool:
            ds = quantity.grid(alpha=alpha, T=temp, map_fn=pool.map)
    except AmphaseError as err:
        print(f"hopfield_phase_diagram: error: {err}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    nc = write_netcdf(ds, os.path.join(args.out, "hopfield_phase_diagram.nc"))
    png = save_figure(plot_phase_diagram(ds), os.path.join(args.out, "hopfield_phase_diagram.png"))

    a_c, m_c = theory.get("hopfield.alpha_c")(T=0.0).values()
    a_0 = theory.get("hopfield.alpha_0")()["alpha_0"]
    t_max, a_max = lines.alpha_c_maximum()
    print(
        f"phase diagram on {alpha.size} x {temp.size} (alpha, T) points in {elapsed:.1f} s with {args.workers} workers"
    )
    print(f"  alpha_c(T=0) = {a_c:.5f}  (AGS 1985: 0.138; Steffan & Kuehn 1994: 0.137905)")
    print(f"  m(alpha_c)   = {m_c:.5f}  (AGS: 0.967)")
    print(f"  alpha_0      = {a_0:.5f}  (T=0 retrieval/spin-glass energy crossing; AGS 1985: 0.05)")
    print(f"  max alpha_c  = {a_max:.7f} at T = {t_max:.5f}  (RS reentrance: T_M_lower > 0 above alpha_c(0))")
    print(
        f"  T_M(0.05)    = {float(ds['T_M'].sel(alpha=0.05, method='nearest')):.4f} at alpha = "
        f"{float(ds['alpha'].sel(alpha=0.05, method='nearest')):.4f}"
    )
    print(f"wrote {nc}\nwrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
