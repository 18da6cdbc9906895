"""Compare the data variables of two amphase datasets: identical values, or where and how they differ.

    python scripts/same_data.py BEFORE.nc AFTER.nc

Prints, for every data variable the two share, whether its values (and dims) are identical, and lists the variables
and coordinates only one of them has. Exit status 0 when every shared variable is identical, 1 otherwise. Used to
check that a refactoring leaves a sweep's results unchanged (same configuration, same seeds).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import xarray as xr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    args = parser.parse_args(argv)
    a = xr.load_dataset(args.before, engine="h5netcdf")
    b = xr.load_dataset(args.after, engine="h5netcdf")
    same = True
    for name in sorted(set(a.data_vars) & set(b.data_vars)):
        va, vb = a[name], b[name]
        if va.dims != vb.dims or va.shape != vb.shape:
            print(f"{name:<14} DIFFERENT dims {va.dims} {va.shape} vs {vb.dims} {vb.shape}")
            same = False
            continue
        equal = np.array_equal(va.values, vb.values, equal_nan=va.dtype.kind == "f")
        for dim in va.dims:
            if dim in a.coords and dim in b.coords and not np.array_equal(a[dim].values, b[dim].values):
                equal = False
        print(f"{name:<14} {'identical' if equal else 'DIFFERENT'}  {va.dims} {va.dtype}")
        same &= equal
    for label, names in (
        ("only in before", set(a.data_vars) - set(b.data_vars)),
        ("only in after", set(b.data_vars) - set(a.data_vars)),
    ):
        if names:
            print(f"{label}: {', '.join(sorted(names))}")
    for label, names in (
        ("coords only in before", set(a.coords) - set(b.coords)),
        ("coords only in after", set(b.coords) - set(a.coords)),
    ):
        if names:
            print(f"{label}: {', '.join(sorted(names))}")
    print("shared data variables identical" if same else "shared data variables DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
