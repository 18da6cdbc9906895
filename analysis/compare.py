"""``amphase compare``: put a simulation dataset beside the theory, dispatching on the model that made it.

Each family registers, per model, a :class:`Comparison` in :mod:`amphase.families`: ``compare(ds)`` returns a
comparison dataset (theory and measurement at the same coordinates), ``table(res)`` its text, ``plot(res, title)`` a
matplotlib figure. This module knows no family.

A dataset is read in its current form (:func:`amphase.dataset.upgrade`: the fixed parameters of a file written
before issue 18 become scalar coordinates, renamed names take their new ones), so older result files still compare.
Every built-in comparison reads the fixed parameters with :func:`amphase.dataset.fixed_param`; one written for the
older layout (``coords=False``) gets the dataset in that layout (``param_X`` attributes, no scalar coordinates).
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
    """How a model's datasets are compared with the theory: a dataset, its table, its figure.

    ``coords``: the comparison reads the fixed parameters from scalar coordinates (True), or only from the
    ``param_X`` attributes (False: it is given the dataset without those coordinates).
    """

    compare: Callable[[xr.Dataset], xr.Dataset]
    table: Callable[[xr.Dataset], str]
    plot: Callable[[xr.Dataset, str], Any]
    coords: bool = False


def compare_file(
    dataset: str | os.PathLike[str],
    figure: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    *,
    overwrite: bool = False,
    as_json: bool = False,
) -> str:
    """Compare the dataset at ``dataset`` with the theory; write the figure (and ``out``); return the table text.

    Every check (the dataset, the output names and folders, existing files unless ``overwrite``, an output that is
    the dataset itself) comes before the work; the figure and ``out`` are written atomically, and a full disk leaves
    neither half-written (:class:`~amphase.errors.DiskFullError`). With ``as_json``, the text returned is one JSON
    object (:func:`amphase.cli_output.comparison_json`) instead of the table.
    """
    from amphase.analysis.figures import save_figure
    from amphase.dataset import provenance_attrs, upgrade, without_param_coords, write_netcdf
    from amphase.families import comparison_for, families, load

    path = Path(dataset)
    _check_dataset_path(path)
    if figure is not None and not str(figure).strip():
        raise ParameterError("--figure is empty: give a file name ending in one of " + ", ".join(FIGURE_FORMATS))
    figure = Path(figure) if figure is not None else path.with_name(path.stem + "_comparison.png")
    if figure.suffix not in FIGURE_FORMATS:
        raise ParameterError(f"--figure {figure}: the figure format is set by the suffix, one of {FIGURE_FORMATS}")
    check_output(figure, overwrite=overwrite, suffix=figure.suffix, option="--figure")
    if out is not None:
        check_distinct(out, {"dataset": path})
        check_output(out, overwrite=overwrite)
    ds = upgrade(_read_dataset(path))
    model = ds.attrs.get("model")
    target = comparison_for(str(model))
    if target is None:
        known = ", ".join(sorted(m for f in families() for m in f.comparisons))
        raise ParameterError(f"dataset {path}: no comparison for model={model!r} (datasets of amphase run: {known})")
    comparison: Comparison = load(target)
    if not comparison.coords:
        ds = without_param_coords(ds)
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
    if as_json:
        import json

        from amphase.cli_output import comparison_json, jsonable

        return json.dumps(jsonable(comparison_json(res, str(path), str(figure), text)))
    return text + f"\n# figure: {figure}"


def _check_dataset_path(path: Path) -> None:
    """A dataset must be a file: say what a folder or a missing name is instead (a run's store, a typo)."""
    if path.is_file():
        return
    if path.is_dir():
        if (path / "zarr.json").is_file() or path.suffix == ".zarr":
            raise ParameterError(
                f"dataset {path} is a folder: the checkpoint store of a run that has not finished; run the same "
                f"`amphase run` command again to finish it, then compare {path.with_suffix('.nc')}"
            )
        raise ParameterError(f"dataset {path} is a folder; give the netCDF file (.nc) written by amphase run")
    raise ParameterError(f"dataset {path}: no such file")


#: the first bytes of a netCDF-3 (classic, 64-bit offset, 64-bit data) file and of an HDF5 (netCDF-4) one.
_NETCDF3_MAGIC = (b"CDF\x01", b"CDF\x02", b"CDF\x05")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _read_dataset(path: Path) -> xr.Dataset:
    """Read a netCDF-4 (HDF5) file, or a netCDF-3 one (SciPy's reader); one clear error for anything else."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:4] in _NETCDF3_MAGIC:
        engine, kind = "scipy", "netCDF-3"
    elif head == _HDF5_MAGIC:
        engine, kind = "h5netcdf", "netCDF-4"
    else:
        raise ParameterError(
            f"dataset {path} is not a netCDF file (it starts with {head[:4]!r}); give the .nc file written by "
            "amphase run"
        )
    try:
        return xr.load_dataset(path, engine=engine)
    except Exception as err:
        raise ParameterError(f"dataset {path}: cannot read it as {kind} ({type(err).__name__}: {err})") from None
