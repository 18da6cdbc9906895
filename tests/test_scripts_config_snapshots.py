import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("config_snapshots", ROOT / "scripts" / "config_snapshots.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


cs = _script()


def _dataset(**attrs):
    rng = np.random.default_rng(7)
    ds = xr.Dataset(
        {
            "m": (("N", "realization"), rng.normal(size=(2, 3)), {"long_name": "overlap"}),
            "status": (("N", "realization"), np.zeros((2, 3), dtype=np.int8), {"flag_values": np.arange(2)}),
        },
        coords={"N": ("N", [100, 200], {"units": "1"}), "realization": [0, 1, 2]},
    )
    ds.attrs.update(
        title="t", model="hopfield", history="amphase run x", git_commit="abc", wall_time_s=1.5, created="now",
        numpy_version="2.4", param_T=0.0, param_cue="pattern",
    )  # fmt: skip
    ds.attrs.update(attrs)
    return ds


def _write(folder, name, ds):
    folder.mkdir(exist_ok=True)
    ds.to_netcdf(folder / f"{name}.nc", engine="h5netcdf")


def test_provenance_is_ignored_and_fixed_parameters_become_scalar_coordinates():
    a = cs.normalise(_dataset())
    assert set(a.attrs) == {"title", "model"}
    assert float(a["T"]) == 0.0 and str(a["cue"].values) == "pattern" and a["T"].ndim == 0
    b = cs.normalise(_dataset(history="other", git_commit="def", wall_time_s=9.0, numpy_version="2.5"))
    assert cs.verdict(a, b) == (True, "identical")


def test_parameters_as_attrs_equal_parameters_as_scalar_coordinates():
    # issue 18 moves param_X attrs to scalar coordinates: before and after compare equal
    before = _dataset()
    after = _dataset()
    for key in ("param_T", "param_cue"):
        del after.attrs[key]
    after = after.assign_coords(T=0.0, cue="pattern")
    assert cs.verdict(cs.normalise(before), cs.normalise(after)) == (True, "identical")


def test_a_changed_value_is_found_and_measured():
    a, b = _dataset(), _dataset()
    b["m"][1, 2] += 1e-12
    same, line = cs.verdict(cs.normalise(a), cs.normalise(b))
    assert not same and line.startswith("DIFFERENT: m (max |diff| 1e-12)")
    same, line = cs.verdict(cs.normalise(a), cs.normalise(b), rtol=1e-6)
    assert same and line.startswith("close within rtol=1e-06: m")


def test_a_changed_fixed_parameter_is_a_difference():
    same, line = cs.verdict(cs.normalise(_dataset()), cs.normalise(_dataset(param_T=0.5)))
    assert not same and "T (max |diff| 0.5)" in line


def test_attribute_changes_keep_identical_values_apart():
    a, b = _dataset(), _dataset(title="new title")
    b["m"].attrs["long_name"] = "end-state overlap"
    same, line = cs.verdict(cs.normalise(a), cs.normalise(b))
    assert same and line == "identical values, attributes differ: m, (global) title"


def test_a_new_parameter_at_its_default_is_named_not_failed():
    same, line = cs.verdict(cs.normalise(_dataset()), cs.normalise(_dataset(param_kernel="lse")))
    assert same and line == "identical; fixed parameters only in second: kernel=lse"
    same, line = cs.verdict(cs.normalise(_dataset(param_kernel="lse")), cs.normalise(_dataset()))
    assert same and line == "identical; fixed parameters only in first: kernel=lse"


def test_renamed_dimension(tmp_path):
    before = _dataset().rename(N="n")
    _write(tmp_path / "a", "x", before)
    _write(tmp_path / "b", "x", _dataset())
    assert cs.compare_files(tmp_path / "a" / "x.nc", tmp_path / "b" / "x.nc")[0] is False
    assert cs.compare_files(tmp_path / "a" / "x.nc", tmp_path / "b" / "x.nc", {"n": "N"}) == (True, "identical")


def test_folders_one_line_per_configuration(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    _write(a, "one", _dataset())
    _write(b, "one", _dataset())
    _write(a, "two", _dataset())
    changed = _dataset()
    changed["status"][0, 0] = 1
    _write(b, "two", changed)
    _write(a, "three", _dataset())
    assert cs.compare_folders(a, b) is False
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["one", "identical"]
    assert out[2].split()[:2] == ["three", "missing:"]
    assert out[3].split()[:4] == ["two", "DIFFERENT:", "status", "(1"]
    assert out[-1] == "some configurations DIFFER"
    # the same overrides are required of both sides
    for folder, overrides in ((a, ["N=1"]), (b, ["N=2"])):
        (folder / "snapshots.json").write_text(json.dumps({"configs": {"one": {"overrides": overrides}}}))
    cs.compare_folders(a, b)
    assert "not comparable: overrides differ" in capsys.readouterr().out


def test_every_builtin_configuration_has_a_small_size():
    # a configuration added without an entry in SMALL runs at a generic size (and says so); keep SMALL complete
    configs = {p.stem for p in ROOT.glob("simulate/*/configs/*.toml")}
    assert configs == set(cs.SMALL)


@pytest.mark.slow
def test_the_same_run_twice_is_identical(tmp_path):
    for folder in ("a", "b"):
        assert cs.main([str(tmp_path / folder), "--only", "dense-pair"]) == 0
    assert cs.main([str(tmp_path / "b"), "--compare", str(tmp_path / "a"), "--no-run"]) == 0
