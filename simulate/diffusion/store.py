"""Large sample sets on disk: a chunked Zarr store written once, read lazily (Dask) for analysis.

:func:`write_samples` writes an (n, d) array of samples (and optional per-sample labels) as a Zarr group with chunks
of ``chunk`` samples; :func:`open_samples` opens it as an :class:`xarray.Dataset` backed by Dask arrays, so 1e5-1e6
samples x d are analysed chunk by chunk (e.g. :func:`amphase.analysis.diffusion.classify.nearest` on one chunk of
queries at a time). Variables: ``x`` (sample, coord), ``label`` (sample; -1 = not classified).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from amphase.dataset import sanitize_attrs
from amphase.errors import ParameterError

__all__ = ["open_samples", "write_samples"]


def write_samples(
    path: str | os.PathLike[str],
    x: Any,
    *,
    labels: Any = None,
    chunk: int = 65_536,
    attrs: Mapping[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write samples ``x`` (n, d) (NumPy or CuPy) to a Zarr store at ``path`` in chunks of ``chunk`` samples."""
    p = Path(path)
    if p.exists() and not overwrite:
        raise ParameterError(f"sample store {p} exists: pass overwrite=True to replace it")
    if isinstance(chunk, bool) or int(chunk) != chunk or chunk < 1:
        raise ParameterError(f"chunk={chunk!r}: a whole number >= 1")
    if type(x).__module__.startswith("cupy"):
        x = x.get()
    x = np.asarray(x)
    if x.ndim != 2:
        raise ParameterError(f"samples of shape {x.shape}: expected (n, d)")
    lab = np.full(len(x), -1, dtype=np.int8) if labels is None else np.asarray(labels, dtype=np.int8)
    if lab.shape != (len(x),):
        raise ParameterError(f"labels of shape {lab.shape}: expected ({len(x)},)")
    ds = xr.Dataset({"x": (("sample", "coord"), x), "label": (("sample",), lab)})
    ds.attrs.update(sanitize_attrs(dict(attrs or {})))
    enc = {"x": {"chunks": (int(chunk), x.shape[1])}, "label": {"chunks": (int(chunk),)}}
    ds.to_zarr(p, mode="w", encoding=enc, consolidated=False)
    return p


def open_samples(path: str | os.PathLike[str]) -> xr.Dataset:
    """The sample store at ``path`` as a lazily loaded (Dask-backed) dataset."""
    p = Path(path)
    if not p.exists():
        raise ParameterError(f"sample store {p}: no such store")
    return xr.open_zarr(p, consolidated=False)
