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


# ---------------------------------------------------------------- fixed parameters as scalar coordinates (issue 18)
from amphase.dataset import (  # noqa: E402
    fixed_param,
    param_coords,
    param_dims,
    upgrade,
    without_fixed_coords,
    without_param_coords,
)


def _old(**params):
    """A dataset in the layout written before issue 18: fixed parameters as ``param_X`` global attributes."""
    ds = xr.Dataset(
        {"m": (("alpha", "realization"), np.arange(6.0).reshape(3, 2)), "K": ("alpha", [1, 2, 3])},
        coords={"alpha": [0.05, 0.1, 0.15], "realization": [0, 1]},
        attrs={"title": "old", "model": "hopfield"},
    )
    ds.attrs.update({f"param_{k}": v for k, v in params.items()})
    return ds


def test_param_coords_scalars_with_attrs_and_netcdf_rules():
    coords = param_coords(
        {"N": 100, "T": 0.5, "cue": "pattern", "flag": True, "spec": {"a": 1}, "none": None, "seq": [1, 2], "P": 3},
        attrs=lambda name: {"long_name": f"the {name}"},
        taken={"P"},
    )
    assert sorted(coords) == ["N", "T", "cue", "flag", "spec"]  # None, a sequence and a taken name stay attributes
    assert coords["N"].dims == () and coords["N"].values.item() == 100 and coords["N"].attrs == {"long_name": "the N"}
    assert coords["flag"].values.item() == 1 and coords["flag"].dtype.kind == "i"  # netCDF has no bool
    assert json.loads(coords["spec"].values.item()) == {"a": 1}


def test_upgrade_turns_old_param_attrs_into_scalar_coords_and_is_idempotent():
    old = _old(N=200, T=0.0, cue="pattern", K=7)
    new = upgrade(old)
    assert new["N"].dims == () and new["N"].values.item() == 200 and new["cue"].values.item() == "pattern"
    assert new["K"].dims == ("alpha",)  # a variable named like a parameter keeps its name: the parameter stays an attr
    # the param_X attributes that became coordinates are gone; the one a variable's name took stays (fixed_param)
    assert new.attrs == {"title": "old", "model": "hopfield", "param_K": 7} and fixed_param(new, "K") == 7
    assert old.coords.keys() == {"alpha", "realization"}  # the input is not modified
    xr.testing.assert_identical(upgrade(new), new)
    # what the sweep writes now (coordinates and attributes) is what upgrade makes of the old file, values included
    written = old.assign_coords(param_coords({"N": 200, "T": 0.0, "cue": "pattern", "K": 7}, taken=set(old.variables)))
    written.attrs = {"title": "old", "model": "hopfield", "config": json.dumps({"params": {"K": 7}})}
    xr.testing.assert_identical(new.drop_attrs(), written.drop_attrs())
    assert fixed_param(written, "K") == 7  # a sweep writes the requested K in its configuration only


def test_upgrade_survives_netcdf(tmp_path):
    old = _old(N=200, T=0.25, cue="random", flag=1)
    write_netcdf(old, tmp_path / "old.nc")
    new = upgrade(xr.load_dataset(tmp_path / "old.nc"))
    assert float(new["T"]) == 0.25 and str(new["cue"].values) == "random" and int(new["flag"]) == 1
    write_netcdf(new, tmp_path / "new.nc")
    xr.testing.assert_identical(upgrade(xr.load_dataset(tmp_path / "new.nc")), xr.load_dataset(tmp_path / "new.nc"))


def test_without_param_coords_restores_the_old_form_exactly():
    old = _old(N=200, T=0.0, cue="pattern")
    xr.testing.assert_identical(without_param_coords(upgrade(old)), old)
    # a file written now: the fixed parameters as scalar coordinates, the one named like a variable in the config
    now = upgrade(old)
    now.attrs = {"title": "old", "model": "hopfield", "config": json.dumps({"params": {"N": 200, "T": 0.0, "K": 7}})}
    back = without_param_coords(now)
    assert back.attrs["param_K"] == 7 and back.attrs["param_N"] == 200 and "N" not in back.coords
    assert not [n for n, c in back.coords.items() if c.ndim == 0]


def test_fixed_param_reads_coordinate_then_attribute_then_default():
    ds = upgrade(_old(N=200, K=7))
    assert fixed_param(ds, "N") == 200 and isinstance(fixed_param(ds, "N"), int)
    assert fixed_param(ds, "K") == 7  # attribute only: a variable has the name
    assert fixed_param(ds, "noise", 0.0) == 0.0
    # a file written now: no param_X attribute; a parameter without a coordinate is read from the configuration
    ds.attrs = {"config": json.dumps({"params": {"K": 9, "seq": [1, 2]}}), "model": "hopfield"}
    assert fixed_param(ds, "K") == 9 and fixed_param(ds, "seq") == [1, 2] and fixed_param(ds, "N") == 200
    # an older configuration names a renamed parameter by its old name (amphase.renames)
    old_cfg = xr.Dataset(attrs={"config": json.dumps({"params": {"n": 64}}), "model": "diffusion.clones"})
    assert fixed_param(old_cfg, "K") == 64 and fixed_param(old_cfg, "n") == 64
    with pytest.raises(KeyError, match="param_noise"):
        fixed_param(ds, "noise")


def test_param_dims_promotes_named_parameters_and_drops_the_others():
    ds = upgrade(_old(N=200, T=0.0, cue="pattern", K=7, sweeps=50))
    out = param_dims(ds, ("N", "alpha", "cue"))
    assert out.sizes["N"] == 1 and out["N"].values.tolist() == [200]
    assert out["cue"].values.tolist() == ["pattern"] and out.sizes["alpha"] == 3
    # a dataset that was not upgraded: the value comes from the attribute
    assert param_dims(_old(T=0.5), ("T",))["T"].values.tolist() == [0.5]
    assert "T" not in out.coords and "sweeps" not in out.coords  # the others do not travel into results
    # the same as the old form expanded by hand (what the four _standard copies did)
    by_hand = _old(N=200, T=0.0, cue="pattern", K=7, sweeps=50).expand_dims({"N": [200]}).expand_dims(cue=["pattern"])
    xr.testing.assert_equal(out["m"].squeeze(drop=True), by_hand["m"].squeeze(drop=True))
    with pytest.raises(KeyError, match="param_noise"):
        param_dims(ds, ("noise",))


# ------------------------------------------------------------------------ names renamed by issue 18 (P -> K)
from amphase.dataset import RENAMED  # noqa: E402


def _binary_old(model: str, **params):
    """An older binary dataset of ``model``: the stored count in a variable ``P``, fixed parameters as attributes."""
    ds = _old(**params).rename(K="P")
    ds.attrs["model"] = model
    return ds


@pytest.mark.parametrize("model", ["hopfield", "dense.binary", "dense.sequence"])
def test_upgrade_renames_the_stored_count_P_to_K(model):
    old = _binary_old(model, N=200)
    new = upgrade(old)
    assert "P" not in new.variables and new["K"].values.tolist() == [1, 2, 3] and new["K"].dims == ("alpha",)
    assert "P" in old.variables and "K" not in old.variables  # the input is not modified
    xr.testing.assert_identical(upgrade(new), new)  # idempotent
    assert RENAMED[model]["P"] == "K"  # dense.sequence also renamed its degree d -> n


def test_upgrade_renames_the_sequence_length_parameter():
    # dense.sequence: the parameter P (0: from alpha) is K now, beside the variable K (the stored count)
    new = upgrade(_binary_old("dense.sequence", N=200, P=0))
    assert "param_P" not in new.attrs and new.attrs["param_K"] == 0 and fixed_param(new, "K") == 0
    assert new["K"].dims == ("alpha",)  # the variable keeps the name: the parameter stays an attribute


def test_upgrade_drops_a_scalar_coordinate_the_renamed_variable_takes():
    # dense.binary files of the scalar-coordinate layout: a coordinate K (the requested count, 0: from alpha) and
    # the variable P (the stored count); the variable takes the name, the parameter stays the attribute param_K
    old = _binary_old("dense.binary", N=200, K=0)
    old = old.assign_coords(param_coords({"N": 200, "K": 0}, taken=set(old.variables)))
    assert old["K"].dims == () and "P" in old.variables
    new = upgrade(old)
    assert new["K"].values.tolist() == [1, 2, 3] and new.attrs["param_K"] == 0 and fixed_param(new, "K") == 0


def test_upgrade_leaves_other_models_names_alone():
    old = _binary_old("dense.exp_retrieval", N=200)
    assert "P" in upgrade(old).variables


@pytest.mark.parametrize("model", ["hopfield", "dense.binary", "dense.sequence"])
def test_an_old_layout_file_compares_with_the_same_table(model, tiny_dataset, tmp_path, capsys):
    # a file as written before issue 18 (no scalar coordinates, the stored count named P, dense.sequence's length
    # parameter param_P) prints the same comparison as the file written now
    from amphase.cli import main

    _, _, ds, path = tiny_dataset(model)
    old = without_param_coords(ds).rename(K="P")
    if model == "dense.sequence":
        old.attrs["param_P"] = old.attrs.pop("param_K")
    assert "K" not in old.variables and not [n for n in old.coords if old[n].ndim == 0]
    write_netcdf(old, tmp_path / path.name)
    tables = []
    for file in (path, tmp_path / path.name):
        assert main(["compare", str(file)]) == 0
        tables.append(capsys.readouterr().out.replace(str(file.parent), "FOLDER"))
    assert tables[0] == tables[1] and len(tables[0].splitlines()) > 3


def test_without_fixed_coords_drops_only_what_the_fixed_parameters_carried_into_results():
    ds = upgrade(_old(N=100, T=0.2))
    ds.attrs = {k: v for k, v in ds.attrs.items() if not k.startswith("param_")}  # coordinates only: no attrs needed
    res = xr.Dataset({"m": ds["m"].mean("realization"), "K": ds["K"]})
    assert set(res.coords) == {"alpha", "N", "T"}  # the scalar coordinates travelled with the variables
    at = without_fixed_coords(res.sel(alpha=0.1), ds)
    assert set(at.coords) == {"alpha"}  # a .sel's 0-d coordinate of a dimension stays
    gridded = res.expand_dims("N")  # a fixed parameter the comparison made a dimension stays
    assert set(without_fixed_coords(gridded, ds).coords) == {"alpha", "N", "T"} - {"T"}
    xr.testing.assert_identical(without_fixed_coords(res, ds), res.drop_vars(["N", "T"]))


# ------------------------------------------------------------------------ names renamed by issue 18 (n -> K)


def _pre_rename(ds: xr.Dataset) -> xr.Dataset:
    """A diffusion.collapse/clones file as written before issue 18: ``n`` for K, fixed parameters as ``param_X``."""
    old = without_param_coords(ds)
    if "K" in old.dims:
        old = old.rename(K="n")
    old.attrs = {("param_n" if k == "param_K" else k): v for k, v in old.attrs.items()}
    config = json.loads(old.attrs["config"])
    for part in ("grid", "params"):
        config[part] = {("n" if k == "K" else k): v for k, v in config[part].items()}
    old.attrs["config"] = json.dumps(config)
    return old


@pytest.mark.parametrize("model", ["diffusion.collapse", "diffusion.clones"])
def test_an_old_collapse_or_clones_file_compares_with_the_same_table(model, tiny_dataset, tmp_path, capsys):
    # collapse: K a grid dimension (was the dimension n); clones: K fixed (was the attribute param_n)
    from amphase.cli import main

    if model == "diffusion.collapse":
        _, _, ds, path = tiny_dataset(model)
    else:  # the exact score, whose table names K, at a fixed K
        from amphase.simulate.config import resolve
        from amphase.simulate.sweep import run_sweep

        raw = {"model": model, "seed": 4, "realizations": 2, "grid": {"d": [16]},
               "params": {"score": "exact", "K": 8, "n_pairs": 20, "steps": 400, "t_min": 0.01, "t_max": 4.0,
                          "start": "marginal", "n_times": 2, "n_draws": 50}}  # fmt: skip
        path = tmp_path / "clones.nc"
        run_sweep(resolve(raw), path, executor="serial", progress=False, notify=None)
        ds = xr.load_dataset(path, engine="h5netcdf")
        path = tmp_path / "new" / "clones.nc"
        path.parent.mkdir()
        write_netcdf(ds, path)
    assert ("K" in ds.dims) == (model == "diffusion.collapse") and "K" in ds.coords
    old = _pre_rename(ds)
    assert "K" not in old.variables and ("n" in old.dims or "param_n" in old.attrs)
    assert RENAMED[model] == {"n": "K"}
    write_netcdf(old, tmp_path / path.name)
    new = upgrade(xr.load_dataset(tmp_path / path.name))
    assert "n" not in new.variables and int(fixed_param(new, "K") if "K" not in new.dims else new["K"][0]) >= 2
    tables = []
    for file in (path, tmp_path / path.name):
        assert main(["compare", str(file)]) == 0
        tables.append(capsys.readouterr().out.replace(str(file.parent), "FOLDER"))
    assert tables[0] == tables[1] and len(tables[0].splitlines()) > 3
    assert ("K = 8" if model == "diffusion.clones" else " K ") in tables[0]  # K in the table, read from the old n


def test_upgrade_renames_the_measured_sample_count_away_from_its_parameter():
    # diffusion.exact stored the count of generated samples as a variable n_samples, the name of its parameter: the
    # parameter had no scalar coordinate, and a grid over it replaced the variable. Now the variable is n_generated.
    old = xr.Dataset(
        {"n_generated_old": ("realization", np.array([8, 8], dtype=np.int32))},
        coords={"realization": [0, 1]},
        attrs={"model": "diffusion.exact", "param_n_samples": 8, "param_beta": 10.0},
    ).rename_vars(n_generated_old="n_samples")
    new = upgrade(old)
    assert new["n_generated"].values.tolist() == [8, 8] and "n_samples" not in new.data_vars
    assert new["n_samples"].dims == () and int(new["n_samples"]) == 8 and "param_n_samples" not in new.attrs
    assert float(new["beta"]) == 10.0
    xr.testing.assert_identical(upgrade(new), new)
    assert RENAMED.get("diffusion.exact", {}) == {}  # the parameter n_samples kept its name
    gridded = old.drop_vars("n_samples").expand_dims(n_samples=[8, 16])  # the layout a grid over it wrote
    assert "n_samples" in upgrade(gridded).dims and "n_generated" not in upgrade(gridded)
