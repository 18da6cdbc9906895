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
  ``long_name`` (:func:`param_coords`), where no variable or dimension has its name already (``dense.binary``'s
  requested ``K`` beside the stored count ``K``: a measured variable named like the parameter keeps the name) and
  its value is a scalar. Such a parameter, like every other, is in the ``config`` attribute (the resolved
  configuration). Files written before issue 18 held the fixed parameters as global attributes ``param_X`` only:
  :func:`upgrade` turns those into scalar coordinates, and :func:`fixed_param` reads a fixed parameter from the
  coordinate, an older file's ``param_X`` attribute or the configuration, so every reader goes through it.

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
from amphase.renames import RENAMES, dataset_renames, renamed_variables

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

#: names a model's datasets changed (issue 18: one name per quantity; ``K`` for the number of stored patterns and of
#: training points), per ``model`` attribute: ``{old: new}``, from the one table :data:`amphase.renames.RENAMES`.
#: :func:`upgrade` renames them in an older file's variables, dimensions and fixed parameters.
RENAMED: dict[str, dict[str, str]] = {
    model: dataset_renames(model) for r in RENAMES if not r.variable_only for model in r.models
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
    (``None``, a sequence) get no coordinate: :func:`fixed_param` reads them from the ``config`` attribute.
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
    its ``param_X`` attribute (and the configuration), as :func:`param_coords` leaves a parameter named like a
    variable (``dense.binary``'s requested ``K`` beside the stored count ``K``, formerly ``P``).
    """
    model = str(ds.attrs.get("model", ""))
    data = {old: new for old, new in renamed_variables(model).items() if old in ds.data_vars}
    if data:  # a measured variable renamed away from its parameter's name (diffusion.exact's n_samples)
        ds = ds.rename_vars(data)
    names = RENAMED.get(model, {})
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
    parameter ``param_X`` becomes a scalar coordinate ``X`` (its attribute is then dropped). A parameter named like a
    variable or dimension of ``ds``, or without a scalar value, keeps its ``param_X`` attribute, which
    :func:`fixed_param` reads. A dataset already in the current form comes back unchanged (the function is
    idempotent).
    """
    ds = _renamed(ds)
    params = {k.removeprefix(PARAM_PREFIX): v for k, v in ds.attrs.items() if k.startswith(PARAM_PREFIX)}
    new = param_coords(params, taken=_taken(ds))
    if not new:
        return ds
    ds = ds.assign_coords(new)
    ds.attrs = {k: v for k, v in ds.attrs.items() if not (k.startswith(PARAM_PREFIX) and k[len(PARAM_PREFIX) :] in new)}
    return ds


def _fixed_coords(ds: xr.Dataset) -> list[str]:
    """The scalar coordinates of ``ds`` that are not dimensions: its fixed parameters (and what a ``.sel`` left)."""
    return [str(n) for n, c in ds.coords.items() if c.ndim == 0 and n not in ds.dims]


def without_param_coords(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` in the layout before issue 18: every fixed parameter a global attribute ``param_X``, none a coordinate.

    The scalar coordinates of the fixed parameters become ``param_X`` attributes, and so does every other parameter
    of the ``config`` attribute that had one then (a parameter named like a variable, a sequence). For a comparison
    written for that layout (``Comparison(coords=False)``; every built-in one now reads :func:`fixed_param`), and for
    tests that make an older file.
    """
    names = _fixed_coords(ds)
    attrs = dict(ds.attrs)
    for key, value in _config_params(ds).items():
        if value is not None:
            attrs.setdefault(PARAM_PREFIX + key, value)
    attrs.update({PARAM_PREFIX + n: ds[n].values.item() for n in names})
    out = ds.drop_vars(names) if names else ds.copy()
    out.attrs = attrs
    return out


def param_dims(ds: xr.Dataset, names: Collection[str]) -> xr.Dataset:
    """``ds`` with each of ``names`` a dimension: a fixed parameter becomes a length-1 dimension.

    For comparisons that index every parameter as a dimension. The value comes from :func:`fixed_param` (the scalar
    coordinate, else an older file's ``param_X`` attribute or the configuration: a name a variable has taken); the
    other fixed parameters' scalar coordinates are dropped, so that they do not travel into the comparison's results.

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
            ds = ds.expand_dims({name: [fixed_param(ds, name)]})
    names = _fixed_coords(ds)
    return ds.drop_vars(names) if names else ds


_MISSING = object()


def _config_params(ds: xr.Dataset) -> dict[str, Any]:
    """The fixed parameters in the ``config`` attribute (the resolved configuration); empty without one."""
    try:
        params = json.loads(ds.attrs.get("config", "{}")).get("params", {})
    except (TypeError, ValueError, AttributeError):
        return {}
    return params if isinstance(params, dict) else {}


def _configured(ds: xr.Dataset, name: str) -> Any:
    """Parameter ``name`` in the ``config`` attribute (a renamed one under its old name in an older file)."""
    params = _config_params(ds)
    if name in params:
        return params[name]
    old = {new: old for old, new in RENAMED.get(str(ds.attrs.get("model", "")), {}).items()}.get(name)
    return params.get(old, _MISSING) if old is not None else _MISSING


def fixed_param(ds: xr.Dataset, name: str, default: Any = _MISSING) -> Any:
    """The fixed parameter ``name`` of ``ds``: scalar coordinate, ``param_X`` attribute, configuration, ``default``.

    The first found, in that order. The attribute is an older file's (before issue 18; :func:`upgrade` keeps it only
    for a parameter named like a variable); the configuration holds every parameter, also one named like a variable
    or with a sequence value.

    Raises
    ------
    KeyError
        ``param_X``, where the dataset has none of them and no default is given.

    """
    if name in ds.coords and ds[name].ndim == 0:
        return ds[name].values.item()
    key = f"{PARAM_PREFIX}{name}"
    if key in ds.attrs:
        return ds.attrs[key]
    value = _configured(ds, name)
    if value is not _MISSING:
        return value
    if default is _MISSING:
        raise KeyError(key)
    return default


def without_fixed_coords(res: xr.Dataset, ds: xr.Dataset) -> xr.Dataset:
    """``res`` without the scalar coordinates that the fixed parameters of ``ds`` (its 0-d coordinates) carried in.

    For a comparison computed from ``ds`` whose results should hold only what varies (the fixed parameters are
    read with :func:`fixed_param` and recorded as attributes). A 0-d coordinate of ``res`` that is a dimension of
    ``ds`` (left by a ``.sel``) stays, and so does a fixed parameter that the comparison made a dimension.
    """
    names = [n for n in _fixed_coords(ds) if n in res.coords and res[n].ndim == 0]
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
