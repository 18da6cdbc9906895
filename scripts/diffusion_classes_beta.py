"""The physical classes of the main job at several stopping noise levels, side by side (the README's beta figure).

    amphase run diffusion-circle-random --out results/diffusion-circle-random.nc
    amphase run diffusion-circle-random grid.beta=20,40 --out results/diffusion-circle-random-beta.nc
    python scripts/diffusion_classes_beta.py results/diffusion-circle-random.nc \
        results/diffusion-circle-random-beta.nc --out docs/figures/diffusion-classes-beta.png

Each dataset is compared by amphase.analysis.diffusion.exact (one comparison per beta of a beta grid); the
figure has one panel per class: the fraction of samples against K at each beta, with its band over the thresholds
(owning weight 0.4 / 0.5 / 0.6 x beta_t DeltaE 1/2 / 1 / 2) and its standard error over training sets.
"""

from __future__ import annotations

import argparse
import sys

import xarray as xr

from amphase.analysis.diffusion.exact import compare
from amphase.analysis.figures import new_figure, save_figure
from amphase.atomic import check_output
from amphase.dataset import fixed_param, upgrade
from amphase.errors import ParameterError
from amphase.simulate.lse_attractors import CLASSES


def comparisons(paths: list[str]) -> dict[float, xr.Dataset]:
    """One comparison per beta found in the datasets (a grid over beta is split)."""
    out = {}
    for p in paths:
        ds = upgrade(xr.open_dataset(p))  # fixed parameters as scalar coordinates, older files too
        if "class_count" not in ds:
            raise ParameterError(f"{p}: no physical classes (run with neighbours > 0)")
        betas = ds["beta"].values if "beta" in ds.dims else [float(fixed_param(ds, "beta"))]
        for b in betas:
            one = ds.sel(beta=b) if "beta" in ds.dims else ds  # beta: a scalar coordinate either way
            out[float(b)] = compare(one)
    return dict(sorted(out.items()))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("datasets", nargs="+")
    p.add_argument("--out", default="results/diffusion-classes-beta.png")
    a = p.parse_args(argv)
    try:
        out = check_output(a.out, overwrite=True, suffix=".png")
        res = comparisons(a.datasets)
    except (ParameterError, OSError) as err:
        print(f"diffusion_classes_beta: error: {err}", file=sys.stderr)
        return 2
    fig = new_figure(16, 4.8)
    axes = fig.subplots(1, 3, sharey=True)
    for ax, c in zip(axes, CLASSES, strict=True):
        for i, (beta, r) in enumerate(res.items()):
            K, sel, col = r["K"].values, {"class": c}, f"C{i}"
            ax.fill_between(K, r["class_fraction_low"].sel(sel), r["class_fraction_high"].sel(sel), color=col,
                            alpha=0.15, lw=0)  # fmt: skip
            ax.errorbar(K, r["class_fraction"].sel(sel), yerr=r["class_fraction_error"].sel(sel).fillna(0),
                        marker="o", ms=3, capsize=2, color=col, label=f"beta_t = {beta:g}")  # fmt: skip
            f = r["class_fraction"].sel(sel).values
            print(f"beta = {beta:g}, {c}: " + " ".join(f"{int(k)}:{v:.2f}" for k, v in zip(K, f, strict=True)))
        ax.set(xscale="log", xlabel="K (training points)", title=c, ylim=(-0.02, 1.02))
        ax.set_xticks(K[::2], [str(int(k)) for k in K[::2]])
        ax.minorticks_off()
    axes[0].set_ylabel("fraction of samples (band: thresholds 0.4-0.6 x 1/2-2)")
    axes[0].legend(fontsize="small")
    fig.suptitle("physical classes of the main job at three stopping noise levels (8 training sets x 256 samples)")
    save_figure(fig, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
