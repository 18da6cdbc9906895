"""Dataset conventions and atomic writing."""

import json

import numpy as np
import pytest
import xarray as xr

from amphase.dataset import flag_attrs, provenance_attrs, sanitize_attrs, write_netcdf


def test_sanitize_attrs():
    out = sanitize_attrs({"a": True, "b": None, "c": {"x": 1}, "d": 2.5, "e": np.bool_(False)})
    assert out == {"a": 1, "c": '{"x": 1}', "d": 2.5, "e": 0}


def test_provenance():
    attrs = provenance_attrs("t", "ref", {"alpha": [0.1]})
    assert attrs["title"] == "t" and attrs["references"] == "ref"
    assert json.loads(attrs["config"]) == {"alpha": [0.1]}
    assert attrs["source"].startswith("amphase ")
    assert all(isinstance(v, str) for v in attrs.values())


def test_write_round_trip(tmp_path):
    ds = xr.Dataset(
        {"phase": (("alpha",), np.array([0, 3], dtype=np.int8), flag_attrs(["a", "b", "c", "d"], "phase"))},
        coords={"alpha": [0.0, 0.1]},
        attrs={"flag": True, "nothing": None},
    )
    path = write_netcdf(ds, tmp_path / "sub" / "x.nc")
    with xr.open_dataset(path, engine="h5netcdf") as back:
        assert back["phase"].attrs["flag_meanings"] == "a b c d"
        assert back.attrs["flag"] == 1 and "nothing" not in back.attrs
        np.testing.assert_array_equal(back["phase"], ds["phase"])


def test_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "x.nc"
    target.write_bytes(b"old")

    def broken(self, path=None, **kwargs):  # path None: the image built in memory (write_netcdf's usual way)
        if path is not None:
            with open(path, "wb") as fh:
                fh.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", broken)
    with pytest.raises(OSError, match="disk full"):
        write_netcdf(xr.Dataset({"a": ("x", [1.0])}), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.nc"]


def test_written_files_get_the_umask_mode(tmp_path):
    import os
    import stat

    umask = os.umask(0o022)
    try:
        path = write_netcdf(xr.Dataset({"a": ("x", [1.0])}), tmp_path / "x.nc")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
