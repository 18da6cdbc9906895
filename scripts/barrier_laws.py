"""The threshold-free laws of the circle's landscape against K: minima (Rice), median barrier and curvature (K^-1/2).

For each beta (--betas) and K from 2 to --K-max, the theory's Monte Carlo of the fixed-radius profile
(diffusion.barrier_law, --draws landscapes) beside its limits: the sparse side (every point its own minimum, curvature
2; the fraction of minima with beta*DeltaE < 1 to first order in nu, lse_barriers.sparse_fraction) and the dense side
(minima -> the Rice limit, median beta*DeltaE -> h_1/2(kappa)/sqrt(K), median curvature -> ring_flatness, the
fraction -> P(h < sqrt(K)) of the ring field). With --landscape (the dataset of scripts/barrier_landscape.py) the
measured landscape's points are drawn on top.

    python scripts/barrier_laws.py --figure docs/figures/barrier_laws.png --landscape results/barrier_landscape.nc
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.ticker import NullFormatter

from amphase.analysis.figures import new_figure, save_figure
from amphase.atomic import atomic_output, check_output
from amphase.errors import ParameterError
from amphase.theory import lse_barrier_sample as bs
from amphase.theory import lse_barriers as lb
from amphase.theory import lse_circle_counts as lc

COLOURS = ("tab:purple", "tab:green", "tab:orange", "tab:brown")


def laws(beta: float, Ks: list[int], draws: int) -> dict:
    """Monte Carlo values with errors and the two limits at each K."""
    kappa = 2.0 * beta * lb.shell_radius(beta)
    field = lb.ring_dense_barriers(kappa, draws=4000, seed=3)
    vol = lb.scaled_density(1.0, beta, "circle").volume
    rows = []
    for K in Ks:
        s = bs.sample_landscapes(K, beta, draws=draws, seed=1)
        med, med_e = bs.median_barrier(s)
        cur, cur_e = bs.median_barrier(s, s.curvature)
        f, f_e = bs.fraction_below(s, 1.0)
        rows.append({
            "K": K, "nu": K / vol, "minima": float(s.counts.mean()),
            "minima_error": float(s.counts.std(ddof=1) / math.sqrt(draws)),
            "median_barrier": med, "median_barrier_error": med_e,
            "median_curvature": cur, "median_curvature_error": cur_e,
            "fraction": f, "fraction_error": f_e, "dense_barrier": field.median / math.sqrt(K),
            "dense_curvature": lc.ring_flatness(K, beta, 1.0).median_curvature,
            "dense_fraction": float(np.mean(field.h < math.sqrt(K))),
            "sparse_fraction": lb.sparse_fraction(K / vol, 1.0),
        })  # fmt: skip
    return {"beta": beta, "kappa": kappa, "rice": lc.ring_maxima_limit(kappa), "h_half": field.median, "rows": rows}


def plot(all_laws: list[dict], landscape: xr.Dataset | None) -> object:
    fig = new_figure(13.0, 3.6)
    ax = fig.subplots(1, 4)
    for c, lw in zip(COLOURS, all_laws, strict=False):
        r = {k: np.array([row[k] for row in lw["rows"]]) for k in lw["rows"][0]}
        b = lw["beta"]
        ax[0].errorbar(r["K"], r["minima"], yerr=r["minima_error"], fmt="o-", ms=3, color=c, label=f"β = {b:g}")
        ax[0].axhline(lw["rice"], color=c, ls="--", lw=1)
        ax[1].errorbar(r["K"], r["median_barrier"], yerr=r["median_barrier_error"], fmt="o", ms=3, color=c)
        ax[1].plot(r["K"], r["dense_barrier"], "--", color=c, lw=1)
        ax[2].errorbar(r["K"], r["median_curvature"], yerr=r["median_curvature_error"], fmt="o", ms=3, color=c)
        ax[2].plot(r["K"], r["dense_curvature"], "--", color=c, lw=1)
        ax[3].errorbar(r["nu"], r["fraction"], yerr=r["fraction_error"], fmt="o", ms=3, color=c)
        ax[3].plot(r["nu"], r["dense_fraction"], "--", color=c, lw=1)
        if landscape is not None and b in landscape.beta.values:
            m = landscape.sel(beta=b)
            kw = {"fmt": "x", "ms": 5, "color": c}
            ax[0].errorbar(m.K, m.minima, yerr=m.minima_error, **kw)
            ax[1].errorbar(m.K, m.median_barrier, yerr=m.median_barrier_error, **kw)
            ax[2].plot(m.K, m.median_curvature, "x", ms=5, color=c)
            q = m.sel(tau=1.0)
            ax[3].errorbar(m.K / lb.scaled_density(1.0, b, "circle").volume, q.fraction, yerr=q.fraction_error, **kw)
    nu = np.geomspace(0.02, 0.5, 20)
    ax[3].plot(nu, [lb.sparse_fraction(v, 1.0) for v in nu], "k:", lw=1.2, label="sparse limit (first order)")
    ax[0].plot([2, 8], [2, 8], "k:", lw=1, label="K (every point its own)")
    ax[2].axhline(2.0, color="k", ls=":", lw=1, label="2: a point's own minimum")
    titles = ("minima per landscape (dashed: Rice limit)", "median β·ΔE (dashed: h½(κ)/√K)",
              "median lowest tangential curvature (dashed: Rice, ∝ K^−½)",
              "fraction with β·ΔE < 1 (dashed: dense law)")  # fmt: skip
    for a, t in zip(ax, titles, strict=True):
        a.set_xscale("log")
        a.xaxis.set_minor_formatter(NullFormatter())
        a.set_title(t, fontsize=8)
        a.set_xlabel("K" if a is not ax[3] else "ν = K/(2π√(κ/2))")
    for a in ax[1:3]:
        a.set_yscale("log")
        a.yaxis.set_minor_formatter(NullFormatter())
    ax[3].set_ylim(0, 1.02)
    ax[0].legend(fontsize=7)
    ax[2].legend(fontsize=7)
    ax[3].legend(fontsize=7)
    fig.suptitle(
        "Circle: theory (o, Monte Carlo of the profile), its limits (lines), the exact landscape (x)", fontsize=9
    )
    return fig


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--betas", type=float, nargs="+", default=[5.0, 20.0, 80.0])
    p.add_argument("--K-max", type=int, default=16384)
    p.add_argument("--draws", type=int, default=400)
    p.add_argument("--landscape", default=None, help="dataset of scripts/barrier_landscape.py (optional)")
    p.add_argument("--figure", default="results/barrier_laws.png")
    p.add_argument("--overwrite", action="store_true")
    a = p.parse_args(argv)
    start = time.perf_counter()
    try:
        if a.draws < 2 or a.K_max < 2 or any(not 1 < b < 1e4 for b in a.betas):
            raise ParameterError("--draws >= 2, --K-max >= 2, every --betas in (1, 1e4)")
        fig_path = check_output(a.figure, overwrite=a.overwrite, suffix=".png", option="--figure")
        js = check_output(Path(a.figure).with_suffix(".json"), overwrite=a.overwrite, suffix=".json")
        land = None
        if a.landscape:
            if not Path(a.landscape).is_file():
                raise ParameterError(f"--landscape {a.landscape}: no such file")
            land = xr.load_dataset(a.landscape)
        Ks = sorted({int(k) for k in np.geomspace(2, a.K_max, 14).round()})
        all_laws = [laws(b, Ks, a.draws) for b in a.betas]
        save_figure(plot(all_laws, land), fig_path)
        wall = time.perf_counter() - start
        with atomic_output(js) as tmp:
            tmp.write_text(json.dumps({"laws": all_laws, "wall_seconds": wall, "draws": a.draws}, indent=1))
        for lw in all_laws:
            last = lw["rows"][-1]
            print(f"beta {lw['beta']:g}: kappa {lw['kappa']:.2f}, Rice {lw['rice']:.3f}, h_1/2 {lw['h_half']:.3f}; "
                  f"at K = {last['K']}: minima {last['minima']:.3f} ± {last['minima_error']:.3f}, "
                  f"sqrt(K) median beta*DeltaE {math.sqrt(last['K']) * last['median_barrier']:.3f} ± "
                  f"{math.sqrt(last['K']) * last['median_barrier_error']:.3f}, median curvature / Rice law "
                  f"{last['median_curvature'] / last['dense_curvature']:.3f} ± "
                  f"{last['median_curvature_error'] / last['dense_curvature']:.3f}")  # fmt: skip
        print(f"wrote {fig_path} and {js} in {wall:.0f} s")
    except ParameterError as err:
        print(f"barrier_laws: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
