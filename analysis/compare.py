"""``amphase compare``: put a simulation dataset beside the theory, dispatching on the model that made it.

Each family registers, per model, a :class:`Comparison` in :mod:`amphase.families`: ``compare(ds)`` returns a
comparison dataset (theory and measurement at the same coordinates), ``table(res)`` its text, ``plot(res, title)`` a
matplotlib figure. This module knows no family.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from amphase.atomic import check_distinct, check_output
from amphase.errors import ParameterError

__all__ = ["FIGURE_FORMATS", "Comparison", "compare_file"]

#: figure formats ``--figure`` accepts (by suffix).
FIGURE_FORMATS = (".png", ".pdf", ".svg")


@dataclass(frozen=True)
class Comparison:
    """How a model's datasets are compared with the theory: a dataset, its table, its figure."""

    compare: Callable[[xr.Dataset], xr.Dataset]
    table: Callable[[xr.Dataset], str]
    plot: Callable[[xr.Dataset, str], Any]


def compare_file(
    dataset: str | os.PathLike[str],
    figure: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    *,
    overwrite: bool = False,
) -> str:
    """Compare the dataset at ``dataset`` with the theory; write the figure (and ``out``); return the table text.

    Every check (the dataset, the output names and folders, existing files unless ``overwrite``, an output that is
    the dataset itself) comes before the work; the figure and ``out`` are written atomically, and a full disk leaves
    neither half-written (:class:`~amphase.errors.DiskFullError`).
    """
    from amphase.analysis.figures import save_figure
    from amphase.dataset import provenance_attrs, write_netcdf
    from amphase.families import comparison_for, families, load

    path = Path(dataset)
    if not path.is_file():
        raise ParameterError(f"dataset {path}: no such file")
    if figure is not None and not str(figure).strip():
        raise ParameterError("--figure is empty: give a file name ending in one of " + ", ".join(FIGURE_FORMATS))
    figure = Path(figure) if figure is not None else path.with_name(path.stem + "_comparison.png")
    if figure.suffix not in FIGURE_FORMATS:
        raise ParameterError(f"--figure {figure}: the figure format is set by the suffix, one of {FIGURE_FORMATS}")
    check_output(figure, overwrite=overwrite, suffix=figure.suffix, option="--figure")
    if out is not None:
        check_distinct(out, {"dataset": path})
        check_output(out, overwrite=overwrite)
    try:
        ds = xr.load_dataset(path, engine="h5netcdf")
    except Exception as err:
        raise ParameterError(f"dataset {path}: cannot read it as netCDF ({err})") from None
    model = ds.attrs.get("model")
    target = comparison_for(str(model))
    if target is None:
        known = ", ".join(sorted(m for f in families() for m in f.comparisons))
        raise ParameterError(f"dataset {path}: no comparison for model={model!r} (datasets of amphase run: {known})")
    comparison: Comparison = load(target)
    try:
        res = comparison.compare(ds)
    except KeyError as err:  # an attribute or variable that every dataset of amphase run has
        raise ParameterError(
            f"dataset {path}: it lacks {err} that the comparison for model={model!r} needs; "
            "is it a dataset written by amphase run?"
        ) from None
    text = comparison.table(res)
    new_figure = not figure.exists()
    save_figure(comparison.plot(res, ds.attrs.get("title", "")), figure)
    if out is not None:
        res.attrs.update(
            provenance_attrs(f"comparison with theory: {ds.attrs.get('title', '')}", ds.attrs.get("references", ""))
        )
        res.attrs["compared_dataset"] = str(path)
        try:
            write_netcdf(res, out)
        except BaseException:  # all or nothing: the same command runs again without --overwrite
            if new_figure:
                figure.unlink(missing_ok=True)
            raise
    return text + f"\n# figure: {figure}"
