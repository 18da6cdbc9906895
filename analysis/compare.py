"""``amphase compare``: put a simulation dataset beside the theory, dispatching on the model family it holds.

Each family registers its comparison in :data:`COMPARISONS` as ``"module:compare,table,plot"``: ``compare(ds)``
returns a comparison dataset, ``table(res)`` its text, ``plot(res, title)`` a figure.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import xarray as xr

from amphase.errors import ParameterError

__all__ = ["COMPARISONS", "compare_file"]

#: comparisons by the ``model`` attribute of a dataset.
COMPARISONS: dict[str, tuple[str, str, str]] = {
    "hopfield": (
        "amphase.analysis.hopfield_compare:compare",
        "amphase.analysis.hopfield_compare:table",
        "amphase.analysis.hopfield_figures:plot_comparison",
    ),
}


def _load(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def compare_file(
    dataset: str | os.PathLike[str],
    figure: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
) -> str:
    """Compare the dataset at ``dataset`` with the theory; write the figure (and ``out``); return the table text."""
    from amphase.analysis.figures import save_figure
    from amphase.dataset import provenance_attrs, write_netcdf

    path = Path(dataset)
    if not path.is_file():
        raise ParameterError(f"dataset {path}: no such file")
    if out is not None and Path(out).suffix != ".nc":
        raise ParameterError(f"--out {out}: the output file must end in .nc (netCDF)")
    figure = Path(figure) if figure else path.with_name(path.stem + "_comparison.png")
    try:
        ds = xr.load_dataset(path, engine="h5netcdf")
    except Exception as err:
        raise ParameterError(f"dataset {path}: cannot read it as netCDF ({err})") from None
    model = ds.attrs.get("model")
    if model not in COMPARISONS:
        known = ", ".join(sorted(COMPARISONS))
        raise ParameterError(f"dataset {path}: no comparison for model={model!r} (datasets of amphase run: {known})")
    compare, table, plot = (_load(p) for p in COMPARISONS[model])
    res = compare(ds)
    text = table(res)
    save_figure(plot(res, ds.attrs.get("title", "")), figure)
    if out is not None:
        res.attrs.update(
            provenance_attrs(f"comparison with theory: {ds.attrs.get('title', '')}", ds.attrs.get("references", ""))
        )
        res.attrs["compared_dataset"] = str(path)
        write_netcdf(res, out)
    return text + f"\n# figure: {figure}"
