"""Dataset conventions shared by every amphase dataset, and atomic writing.

Conventions (written down once, used by theory, simulation and analysis alike):

* dimensions are named for the physics (``alpha``, ``T``, ``N``, ``realization``, ``trial``, ``pattern``, ``rank``,
  ``step`` ...); each coordinate carries ``units`` (names excepted) and ``long_name``: a parameter's from its
  :class:`~amphase.params.Param`, the others' from :data:`COORDINATES`;
* categorical variables are small integers with CF ``flag_values`` / ``flag_meanings``;
* global attributes: ``title``, ``source`` (amphase and its version), ``history`` (the command line),
  ``references``, ``Conventions``, and provenance: ``amphase_version``, ``git_commit``, ``python_version``,
  library versions, ``created``, ``config`` (the resolved configuration as a JSON string);
* netCDF attributes are str, numbers or arrays only: booleans become 0/1, ``None`` is dropped, dicts become JSON;
* a fixed parameter (one that is not a grid dimension) is a scalar coordinate named for it, with its ``units`` and
  ``long_name`` (:func:`param_coords`), where no variable or dimension has its name already (``K``, ``sweeps``:
  a measured variable named like the parameter keeps the name). It is also kept, as before issue 18, as the global
  attribute ``param_X``, which some readers still use (the diffusion.collapse/clones and dense.lse comparisons,
  scripts/diffusion_classes_beta.py) and which alone holds a parameter named like a variable (``n_samples`` of
  diffusion.exact) or whose value is a sequence; :func:`upgrade` gives a file written before
  the scalar coordinates the same form, :func:`fixed_param` reads a fixed parameter from either.

Finished results are written as netCDF (h5netcdf engine) through :func:`write_netcdf`, which writes a temporary file
beside the target and renames it, so a reader never sees half a file. A full disk is an ordinary error
(:class:`~amphase.errors.DiskFullError`): HDF5 does not survive a failed write (its file is left in a state that
crashes the interpreter when it is closed again), so a dataset held in memory is built as a netCDF image in memory
and written by plain file I/O, after a check that it fits; a dataset backed by Dask arrays (too large for that) is
checked against the free space (:func:`netcdf_bytes`) and written by HDF5 directly.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from amphase.atomic import atomic_output, check_free

__all__ = [
    "COORDINATES",
    "PARAM_PREFIX",
    "RENAMED",
    "fixed_param",
    "flag_attrs",
    "netcdf_bytes",
    "param_coords",
    "param_dims",
    "provenance_attrs",
    "sanitize_attrs",
    "upgrade",
    "without_fixed_coords",
    "without_param_coords",
    "write_netcdf",
]

#: prefix of the global attributes that held the fixed parameters before they became scalar coordinates.
PARAM_PREFIX = "param_"

#: names a model's datasets changed (issue 18: one name per quantity; ``K`` for the number of stored patterns), per
#: ``model`` attribute: ``{old: new}``. :func:`upgrade` renames them in an older file's variables, dimensions and
#: ``param_X`` attributes.
RENAMED: dict[str, dict[str, str]] = {
    "hopfield": {"P": "K"},
    "dense.binary": {"P": "K"},
    "dense.sequence": {"P": "K", "d": "n"},  # n: the degree of f(x) = x^n, as dense.binary's (issue 18)
}

#: units and long names of the dimensions that are not parameters, which every model family may use. A parameter's
#: own labels come from its :class:`~amphase.params.Param` (a family's meaning always wins).
COORDINATES: dict[str, dict[str, str]] = {
    "realization": {"units": "1", "long_name": "independent realization of patterns and dynamics"},
    "pattern": {"units": "1", "long_name": "index of a stored pattern"},
    "step": {"units": "1", "long_name": "update step"},
    "trial": {"units": "1", "long_name": "trajectory within a realization (cues on the same patterns)"},
    "rank": {"units": "1", "long_name": "rank of an overlap by absolute value (0: largest)"},
}


def flag_attrs(meanings: list[str], long_name: str) -> dict[str, Any]:
    """CF attributes of a categorical variable whose values are ``0 .. len(meanings) - 1``."""
    return {
        "long_name": long_name,
        "flag_values": np.arange(len(meanings), dtype=np.int8),
        "flag_meanings": " ".join(meanings),
    }


def _git_commit() -> str:
    """Commit of the source checkout amphase runs from (``-dirty`` if modified), or why there is none."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file() or not (root / "theory").is_dir():
        return "none (installed package)"

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return "unknown"
    return commit + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def provenance_attrs(title: str, references: str = "", config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Global attributes of a dataset made by amphase now, by this process."""
    from importlib.metadata import PackageNotFoundError, version

    import amphase

    libs = {}
    for lib in ("numpy", "scipy", "sympy", "xarray", "numba"):
        try:
            libs[f"{lib}_version"] = version(lib)
        except PackageNotFoundError:
            libs[f"{lib}_version"] = "absent"
    return {
        "title": title,
        "source": f"amphase {amphase.__version__}",
        "history": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "references": references,
        "Conventions": "CF-1.10",
        "amphase_version": amphase.__version__,
        "git_commit": _git_commit(),
        "python_version": platform.python_version(),
        **libs,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "config": json.dumps(dict(config or {}), sort_keys=True, default=str),
    }


def sanitize_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes netCDF can hold: booleans as 0/1, mappings as JSON, ``None`` dropped."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, bool | np.bool_):
            out[key] = int(value)
        elif isinstance(value, Mapping):
            out[key] = json.dumps(dict(value), sort_keys=True, default=str)
        else:
            out[key] = value
    return out


def _scalar(value: Any) -> Any:
    """A fixed parameter's value in a form a netCDF scalar holds (:func:`sanitize_attrs`' rules); ``None``: none."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, Mapping):
        return json.dumps(dict(value), sort_keys=True, default=str)
    if np.ndim(value) != 0:
        return None
    return value


def param_coords(
    params: Mapping[str, Any],
    attrs: Callable[[str], Mapping[str, str]] | None = None,
    taken: Collection[str] = (),
) -> dict[str, xr.Variable]:
    """The fixed parameters ``params`` as scalar coordinates, ``attrs(name)`` (units, long_name) on each.

    A name in ``taken`` (the variables and dimensions a dataset already has) and a value without a scalar form
    (``None``, a sequence) get no coordinate: they stay in the ``param_X`` attributes only.
    """
    out = {}
    for name, value in params.items():
        v = _scalar(value)
        if v is None or name in taken:
            continue
        out[name] = xr.Variable((), v, dict(attrs(name)) if attrs else {})
    return out


def _taken(ds: xr.Dataset) -> set[str]:
    return {str(n) for n in ds.variables} | {str(d) for d in ds.dims}


def _renamed(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with the names :data:`RENAMED` lists for its ``model`` renamed (variables, dimensions, ``param_X``).

    A fixed parameter's scalar coordinate that a renamed variable takes the name of is dropped: the parameter stays in
    its ``param_X`` attribute, as :func:`param_coords` writes a parameter named like a variable (``dense.binary``'s
    requested ``K`` beside the stored count ``K``, formerly ``P``).
    """
    names = RENAMED.get(str(ds.attrs.get("model", "")), {})
    names = {old: new for old, new in names.items() if old in _taken(ds) or PARAM_PREFIX + old in ds.attrs}
    if not names:
        return ds
    moved = {old: new for old, new in names.items() if old in _taken(ds)}
    clash = [new for new in moved.values() if new in ds.coords and ds[new].ndim == 0 and new not in ds.dims]
    ds = ds.drop_vars(clash).rename(moved)
    attrs = {}
    for key, value in ds.attrs.items():
        name = key.removeprefix(PARAM_PREFIX)
        attrs[PARAM_PREFIX + names[name] if key.startswith(PARAM_PREFIX) and name in names else key] = value
    ds.attrs = attrs
    return ds


def upgrade(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` in the current form: names renamed since (:data:`RENAMED`), fixed parameters as scalar coordinates.

    An older file's renamed variables, dimensions and ``param_X`` attributes take their new names, and each fixed
    parameter ``param_X`` becomes also a scalar coordinate ``X``. A dataset already in that form comes back
    unchanged (the function is idempotent); the ``param_X`` attributes stay (some readers still use them).
    A parameter named like a variable or dimension of ``ds`` stays an attribute only, as :func:`param_coords` writes it.
    """
    ds = _renamed(ds)
    params = {k.removeprefix(PARAM_PREFIX): v for k, v in ds.attrs.items() if k.startswith(PARAM_PREFIX)}
    new = param_coords(params, taken=_taken(ds))
    return ds.assign_coords(new) if new else ds


def without_param_coords(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` without the scalar coordinates of its fixed parameters (those with a ``param_X`` attribute).

    The form every dataset had before issue 18, for code that reads the fixed parameters from the attributes and
    would carry the scalar coordinates into its results (the diffusion comparisons, until they read coordinates).
    """
    names = [
        name
        for name, coord in ds.coords.items()
        if coord.ndim == 0 and f"{PARAM_PREFIX}{name}" in ds.attrs and str(name) not in ds.dims
    ]
    return ds.drop_vars(names) if names else ds


def param_dims(ds: xr.Dataset, names: Collection[str]) -> xr.Dataset:
    """``ds`` with each of ``names`` a dimension: a fixed parameter becomes a length-1 dimension.

    For comparisons that index every parameter as a dimension. The value comes from the scalar coordinate, else
    from the ``param_X`` attribute (a name a variable has taken); the other fixed parameters' scalar coordinates are
    dropped, so that they do not travel into the comparison's results.

    Raises
    ------
    KeyError
        ``param_X``, for a name that is neither a dimension nor a fixed parameter of ``ds``.

    """
    for name in names:
        if name in ds.dims:
            continue
        if name in ds.coords and ds[name].ndim == 0:
            ds = ds.expand_dims(name)
        else:
            ds = ds.expand_dims({name: [ds.attrs[f"{PARAM_PREFIX}{name}"]]})
    return without_param_coords(ds)


_MISSING = object()


def fixed_param(ds: xr.Dataset, name: str, default: Any = _MISSING) -> Any:
    """The fixed parameter ``name`` of ``ds``: its scalar coordinate, else its ``param_X`` attribute, else ``default``.

    Raises
    ------
    KeyError
        ``param_X``, where the dataset has neither and no default is given.

    """
    if name in ds.coords and ds[name].ndim == 0:
        return ds[name].values.item()
    key = f"{PARAM_PREFIX}{name}"
    if key in ds.attrs:
        return ds.attrs[key]
    if default is _MISSING:
        raise KeyError(key)
    return default


def without_fixed_coords(res: xr.Dataset, ds: xr.Dataset) -> xr.Dataset:
    """``res`` without the scalar coordinates that the fixed parameters of ``ds`` (its 0-d coordinates) carried in.

    For a comparison computed from ``ds`` whose results should hold only what varies (the fixed parameters are
    read with :func:`fixed_param` and recorded as attributes). A 0-d coordinate of ``res`` that is a dimension of
    ``ds`` (left by a ``.sel``) stays, and so does a fixed parameter that the comparison made a dimension.
    """
    fixed = [n for n, c in ds.coords.items() if c.ndim == 0 and n not in ds.dims]
    names = [n for n in fixed if n in res.coords and res[n].ndim == 0]
    return res.drop_vars(names) if names else res


def netcdf_bytes(data_bytes: float, variables: int, attrs: Mapping[str, Any] | None = None) -> int:
    """An upper estimate of the size of a netCDF-4 file holding ``data_bytes`` of data in ``variables`` variables.

    HDF5 adds about 20 KiB to any file, a few hundred bytes per variable and about 110 bytes per attribute beside
    its text (measured with h5py 3.16 / HDF5 1.14 on the datasets of amphase: at most 26 KiB in all for a sweep of 16
    variables); this allows 32 KiB, 1 KiB per variable, 128 bytes per attribute and twice the attribute text.
    """
    attrs = attrs or {}
    text = sum(len(str(k)) + len(json.dumps(v, default=str)) for k, v in attrs.items())
    return int(data_bytes) + 32 * 1024 + 1024 * variables + 128 * len(attrs) + 2 * text


def _dataset_bytes(ds: xr.Dataset) -> int:
    attrs: dict[str, Any] = dict(ds.attrs)
    for name, var in ds.variables.items():
        attrs.update({f"{name}.{k}": v for k, v in var.attrs.items()})
    return netcdf_bytes(ds.nbytes, len(ds.variables), attrs)


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write ``ds`` to ``path`` as netCDF-4 (h5netcdf), atomically (:func:`amphase.atomic.atomic_output`).

    Raises
    ------
    DiskFullError
        If the file does not fit on its device; nothing is written then (see the module docstring).

    """
    ds = ds.copy()
    ds.attrs = sanitize_attrs(ds.attrs)
    for var in ds.variables.values():
        var.attrs = sanitize_attrs(var.attrs)
    path = Path(path)
    lazy = any(var.chunks is not None for var in ds.variables.values())
    with atomic_output(path) as tmp:
        if lazy:
            check_free(path, _dataset_bytes(ds), "nothing was written")
            ds.to_netcdf(tmp, engine="h5netcdf")
        else:
            image = ds.to_netcdf(engine="h5netcdf")  # in memory: HDF5 never meets a full disk
            check_free(path, len(image), "nothing was written")
            with open(tmp, "wb") as f:
                f.write(image)
                f.flush()
                os.fsync(f.fileno())
    return path
