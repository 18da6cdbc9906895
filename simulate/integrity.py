"""Checksums that let a checkpoint store prove what it holds (see :mod:`amphase.simulate.store`).

* A grid point's *record* (the content of its done marker) holds the SHA-256 of each variable's data at that point,
  as written (dtype, shape and the bytes in C order), and the versions of the libraries that computed and wrote it.
* The store's *manifest* (``checkpoint.json``) holds the store format and the SHA-256 of every Zarr metadata file
  (``zarr.json``: shapes, dtypes, fill values, codecs, the configuration), which never change after the store is
  created.

Both are JSON files written atomically (a temporary file, then a rename), so a marker or manifest is whole or absent.
A record that does not match the data read back, or a manifest that does not match the metadata, is damage.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from amphase.errors import CheckpointError

__all__ = [
    "FORMAT",
    "MANIFEST",
    "check_manifest",
    "damaged",
    "digest",
    "metadata_digests",
    "read_json",
    "versions",
    "write_json",
]

#: version of the store layout; a store of another format is not resumed.
FORMAT = 2

#: file name of the manifest, at the root of the store.
MANIFEST = "checkpoint.json"


def digest(values: np.ndarray) -> str:
    """SHA-256 (hex) of an array's dtype, shape and bytes in C order."""
    values = np.ascontiguousarray(values)
    h = hashlib.sha256(f"{values.dtype.str}{values.shape}".encode())
    h.update(values.data if values.size else b"")
    return h.hexdigest()


@functools.cache
def versions() -> dict[str, str]:
    """Versions of the libraries that compute and store a grid point (amphase, Python, NumPy, Numba, Zarr ...)."""
    from importlib.metadata import PackageNotFoundError, version

    import amphase

    out = {"amphase": amphase.__version__, "python": platform.python_version()}
    for lib in ("numpy", "scipy", "numba", "zarr", "numcodecs"):
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:  # pragma: no cover - every one is a dependency
            out[lib] = "absent"
    return out


def metadata_digests(root: Path) -> dict[str, str]:
    """SHA-256 of every ``zarr.json`` under ``root``, by path relative to it."""
    out = {}
    for path in sorted(root.rglob("zarr.json")):
        out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def write_json(path: Path, obj: Mapping[str, Any]) -> None:
    """Write ``obj`` as JSON to ``path`` atomically: a hidden temporary file beside it, then a rename."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, sort_keys=True)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None if it is missing, unreadable or not an object."""
    try:
        obj = json.loads(path.read_bytes())
    except (OSError, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    return obj if isinstance(obj, dict) else None


def damaged(path: Path, why: str) -> CheckpointError:
    """The error for a store at ``path`` damaged as ``why`` says."""
    return CheckpointError(f"checkpoint {path} is damaged ({why}); give --restart to discard it and start over")


def check_manifest(path: Path) -> None:
    """Check the store at ``path`` against its manifest: format, every metadata file, the ``.done/`` folder.

    Raises
    ------
    CheckpointError
        Naming what is damaged (or the other format) and ``--restart``.

    """
    manifest = read_json(path / MANIFEST)
    if manifest is None:
        if (path / MANIFEST).exists():
            raise damaged(path, f"its {MANIFEST} is unreadable")
        if (path / "zarr.json").is_file():
            raise CheckpointError(
                f"checkpoint {path} has no {MANIFEST}: it was written by an older amphase, without "
                "checksums, or damaged; give --restart to discard it and start over"
            )
        raise damaged(path, f"its {MANIFEST} and zarr.json are missing")
    expected, writer = manifest.get("metadata"), manifest.get("versions")
    if not isinstance(expected, dict) or not isinstance(writer, dict):
        raise damaged(path, f"its {MANIFEST} is unreadable")
    if manifest.get("format") != FORMAT:
        raise CheckpointError(
            f"checkpoint {path} has the store format {manifest.get('format')!r} (amphase "
            f"{writer.get('amphase', '?')}), this amphase reads {FORMAT}; give --restart to discard it and start over"
        )
    found = metadata_digests(path)
    for name in sorted(set(expected) | set(found)):
        if name not in found:
            raise damaged(path, f"its metadata {name} is missing")
        if found[name] != expected.get(name):
            raise damaged(path, f"its metadata {name} was changed")
    if not (path / ".done").is_dir():
        raise damaged(path, "its .done folder is missing")
