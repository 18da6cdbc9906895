"""Figures of a ``diffusion.trained`` dataset: fractions against K, example samples per class, denoiser spectra.

Usage::

    python scripts/diffusion_trained_figures.py results/trained-digits.nc --out docs/figures --samples-K 2 16 256 \
        [--spectra-K 16]

Writes ``<stem>-fractions.png`` (the comparison's figure), ``<stem>-samples.png`` (network samples of each class
beside their nearest training images at the given K) and prints the comparison's table; with ``--spectra-K``, the
Jacobian spectra per class (:mod:`amphase.analysis.diffusion.trained_spectra`, needs the torch adapter).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    """Parse the arguments, draw, print."""
    import xarray as xr

    from amphase.analysis.diffusion import trained, trained_figure
    from amphase.analysis.figures import save_figure

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset")
    ap.add_argument("--out", default="docs/figures")
    ap.add_argument("--stem", default=None)
    ap.add_argument("--samples-K", type=int, nargs="+", default=[2, 16, 256])
    ap.add_argument("--spectra-K", type=int, nargs="*", default=[])
    a = ap.parse_args()
    ds = xr.load_dataset(a.dataset, engine="h5netcdf")
    stem = a.stem or Path(a.dataset).stem
    out = Path(a.out)
    res = trained.compare(ds)
    print(trained.table(res))
    save_figure(trained.plot(res, ds.attrs.get("title", "")), out / f"{stem}-fractions.png")
    Ks = [K for K in a.samples_K if K in ds["K"].values]
    trained_figure.samples_figure(ds, str(out / f"{stem}-samples.png"), Ks)
    for K in a.spectra_K:
        from amphase.analysis.diffusion import trained_spectra

        print(f"# K = {K}: eigenvalues of the symmetric part of J_D at sigma_t/s = l_nn/4")
        print(trained_spectra.summary(trained_spectra.class_spectra(ds, K)))


if __name__ == "__main__":
    main()
