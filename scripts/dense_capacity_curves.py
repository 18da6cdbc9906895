"""Capacity curves of the binary polynomial DenseAM, n = 2, 3, 4: measured one-step stability against theory.

Reads the datasets of ``amphase run dense-capacity-n2`` / ``dense-capacity`` / ``dense-capacity-n4`` (default
``results/<config>.nc``), compares each (:func:`amphase.analysis.dense.compare.compare`), prints one table row per
``(n, N)`` (measured ``alpha_1/2`` from the erfc fit ± its error, the finite-N prediction ``dense.poly_half_load``, the
same prediction read by the erfc fit, the asymptotic signal-to-noise ``dense.poly_capacity``, and the chi^2 of the
measured stable counts against ``dense.poly_stability``) and draws the three ``n`` side by side: measured stable
fractions (1-sigma Wilson bars), the finite-N curve (solid) and the asymptotic capacity (dashed).

    PYTHONPATH=. python scripts/dense_capacity_curves.py [--results DIR] [--figure docs/figures/dense-capacity.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import xarray as xr

from amphase.analysis.dense.compare import compare
from amphase.analysis.figures import new_figure
from amphase.theory.dense import finite_size

CONFIGS = (("dense-capacity-n2", 2), ("dense-capacity", 3), ("dense-capacity-n4", 4))
COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#e377c2"]


def curve(N: int, n: int, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The finite-N stable probability at the integer ``K`` of a fine load grid."""
    Ks = np.unique(np.maximum(2, np.rint(alphas * float(N) ** (n - 1)).astype(int)))
    return Ks / float(N) ** (n - 1), np.array([finite_size.stability(N, n, int(K)).P_stable for K in Ks])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results")
    parser.add_argument("--figure", default="docs/figures/dense-capacity.png")
    args = parser.parse_args()
    fig = new_figure(15.0, 4.6)
    axes = fig.subplots(1, 3)
    print(f"{'n':>2} {'N':>5} {'measured a_1/2':>16} {'finite-N':>9} {'erfc-read':>9} {'asympt.':>8} {'chi2/pts':>9}")
    for ax, (config, n) in zip(axes, CONFIGS, strict=True):
        res = compare(xr.open_dataset(Path(args.results) / f"{config}.nc"))
        r = res.isel({d: 0 for d in ("n", "F", "T", "cue", "noise") if d in res.dims})
        x = r["alpha"].values.astype(float)
        fine = np.linspace(0.8 * x.min(), 1.05 * x.max(), 40)
        for c, N in enumerate(r["N"].values):
            p = r.sel(N=N)
            colour = COLOURS[c % len(COLOURS)]
            f = p["stable_fraction"].values
            yerr = np.clip(np.nan_to_num([f - p["stable_lo"].values, p["stable_hi"].values - f]), 0.0, None)
            ax.errorbar(x, f, yerr=yerr, fmt="o", ms=3, color=colour, label=f"N={int(N)}")
            ax.plot(*curve(int(N), n, fine), color=colour, lw=1.2)
            ax.axvline(float(p["alpha_theory"]), color=colour, ls="--", lw=0.8)
            print(
                f"{n:>2} {int(N):>5} {float(p['alpha_stable_half']):>9.4f}({float(p['alpha_stable_half_error']):.4f})"
                f" {float(p['alpha_half_finite']):>9.4f} {float(p['alpha_half_finite_fit']):>9.4f}"
                f" {float(p['alpha_theory']):>8.4f} {float(p['stable_chi2']):>5.1f}/{int(p['stable_dof'])}"
            )
        ax.set_title(f"F(x) = x^{n}")
        ax.set_xlabel(f"alpha = K / N^{n - 1}")
        ax.set_ylabel("fraction of stored patterns one-step stable")
        ax.set_ylim(-0.03, 1.03)
        ax.legend(
            fontsize=8,
            loc="lower left",
            title="points: measured\nsolid: finite-N\ndashed: asymptotic SNR",
            title_fontsize=7,
        )
    fig.tight_layout()
    Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.figure, dpi=80)
    print(f"wrote {args.figure}")


if __name__ == "__main__":
    main()
