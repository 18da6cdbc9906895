"""Capacity curves of the binary polynomial DenseAM, n = 2, 3, 4: measured one-step stability against theory.

Reads the datasets of ``amphase run dense-capacity-n2`` / ``dense-capacity`` / ``dense-capacity-n4`` (default
``results/<config>.nc``), compares each (:func:`amphase.analysis.dense.binary.compare`), prints one table row per
``(n, N)`` (measured ``alpha_1/2`` from the erfc fit ± its error, the finite-N prediction ``dense.poly_half_load``, the
same prediction read by the erfc fit, the asymptotic signal-to-noise ``dense.poly_capacity``, and the chi^2 of the
measured stable counts against ``dense.poly_stability``) and draws the three ``n`` side by side: measured stable
fractions (1-sigma Wilson bars), the finite-N curve (solid) and the asymptotic capacity (dashed).

Two estimators of the half-point, each named: the maximum-likelihood erfc step in alpha (the comparison's
``alpha_stable_half``) and a logistic step in ln K (:func:`amphase.analysis.statistics.fit_step` with
``shape="logistic"`` on ln K). The stable fraction falls asymmetrically (slowly above its half-point), so each
symmetric step reads a biased half-point; each estimator's bias is measured on the prediction itself: the same fit
applied to the expected counts (``dense.poly_stability`` times the trials at every simulated K) minus the exact load
where ``P_stable = 1/2``. The second table prints both estimators, their bias, and the deviation of the measurement
from the prediction read by the same estimator.

    PYTHONPATH=. python scripts/dense_capacity_curves.py [--results DIR] [--figure docs/figures/dense-capacity.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import xarray as xr

from amphase.analysis.dense.binary import compare
from amphase.analysis.figures import new_figure
from amphase.analysis.statistics import fit_step
from amphase.theory.dense import finite_size

CONFIGS = (("dense-capacity-n2", 2), ("dense-capacity", 3), ("dense-capacity-n4", 4))
COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#e377c2"]


def curve(N: int, n: int, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The finite-N stable probability at the integer ``K`` of a fine load grid."""
    Ks = np.unique(np.maximum(2, np.rint(alphas * float(N) ** (n - 1)).astype(int)))
    return Ks / float(N) ** (n - 1), np.array([finite_size.stability(N, n, int(K)).P_stable for K in Ks])


def estimators(p: xr.Dataset, n: int, N: int) -> dict[str, float]:
    """Both half-point estimators on the measured and on the expected counts of one (n, N) (module docstring)."""
    alpha = p["alpha"].values.astype(float)
    tot = p["stable_total"].values.astype(float)
    k = p["stable_count"].values.astype(float)
    expected = tot * p["stable_finite"].values
    ok = (tot > 0) & np.isfinite(expected)
    lnK = np.log(np.rint(alpha * float(N) ** (n - 1)))
    scale = float(N) ** (n - 1)
    out = {"exact": float(p["alpha_half_finite"])}
    m, e = fit_step(alpha[ok], k[ok], tot[ok]), fit_step(alpha[ok], expected[ok], tot[ok])
    out.update(erfc=m.x0, erfc_err=m.x0_error, erfc_read=e.x0)
    m, e = fit_step(lnK[ok], k[ok], tot[ok], "logistic"), fit_step(lnK[ok], expected[ok], tot[ok], "logistic")
    half = np.exp(m.x0) / scale
    out.update(logistic=half, logistic_err=half * m.x0_error, logistic_read=np.exp(e.x0) / scale)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results")
    parser.add_argument("--figure", default="docs/figures/dense-capacity.png")
    args = parser.parse_args()
    fig = new_figure(15.0, 4.6)
    axes = fig.subplots(1, 3)
    print(f"{'n':>2} {'N':>5} {'measured a_1/2':>16} {'finite-N':>9} {'erfc-read':>9} {'asympt.':>8} {'chi2/pts':>9}")
    rows = []
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
            rows.append((n, int(N), estimators(p, n, int(N))))
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
    print("# half-point estimators: erfc step in alpha, logistic step in ln K; bias = the estimator on the expected")
    print("# counts minus the exact P_stable = 1/2 load (finite-N); dev = (measured - read)/s.e.")
    print(f"{'n':>2} {'N':>5} {'exact':>8} {'erfc: measured':>17} {'read':>8} {'bias':>7} {'dev':>5} "
          f"{'logistic ln K: measured':>23} {'read':>8} {'bias':>7} {'dev':>5} {'erfc-logistic':>14}")  # fmt: skip
    for n, N, r in rows:
        cells = []
        for name in ("erfc", "logistic"):
            bias = r[f"{name}_read"] / r["exact"] - 1
            dev = (r[name] - r[f"{name}_read"]) / r[f"{name}_err"]
            cells.append(
                f"{r[name]:>9.4f}({r[f'{name}_err']:.4f}) {r[f'{name}_read']:>8.4f} {bias:>+7.1%} {dev:>+5.1f}"
            )
        gap = (r["erfc"] - r["logistic"]) / r["erfc_err"]
        print(f"{n:>2} {N:>5} {r['exact']:>8.4f} {cells[0]:>33} {cells[1]:>39} {gap:>+10.1f} s.e.")
    fig.tight_layout()
    Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.figure, dpi=80)
    print(f"wrote {args.figure}")


if __name__ == "__main__":
    main()
