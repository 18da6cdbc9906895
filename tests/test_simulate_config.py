"""Sweep configurations: built-in files, overrides, and errors that name the parameter and its range."""

import importlib.util

import pytest

from amphase.errors import ParameterError
from amphase.families import families
from amphase.simulate.config import apply_overrides, builtin_configs, load_config, resolve

RAW = {"model": "hopfield", "grid": {"N": [100, 200], "alpha": [0.05, 0.1]}, "params": {"noise": 0.1}}


def test_builtin_configs_resolve():
    names = builtin_configs()
    assert {"hopfield-capacity", "hopfield-spurious", "hopfield-fss"} <= set(names)
    models = {m for family in families() for m in family.models}
    have_sklearn = importlib.util.find_spec("sklearn") is not None
    for name in names:
        raw = load_config(name)[1]
        if raw.get("params", {}).get("dataset") == "digits" and not have_sklearn:
            with pytest.raises(ParameterError, match="needs scikit-learn"):  # refused before any work
                resolve(raw)
            continue
        cfg = resolve(raw)
        assert cfg["model"] in models
        assert cfg["realizations"] >= 1


def test_capacity_config_covers_the_issue_requirements():
    cfg = resolve(load_config("hopfield-fss")[1])
    assert len(cfg["grid"]["N"]) >= 4 and max(cfg["grid"]["N"]) >= 16000


def test_defaults_are_filled_and_values_converted():
    cfg = resolve(RAW)
    assert cfg["grid"] == {"N": [100, 200], "alpha": [0.05, 0.1]}
    assert cfg["params"]["noise"] == 0.1 and cfg["params"]["T"] == 0.0 and cfg["params"]["cue"] == "pattern"
    assert isinstance(cfg["grid"]["N"][0], int)


def test_overrides():
    cfg = resolve(apply_overrides(RAW, ["realizations=3", "N=300", "noise=0,0.2", "params.trials=2", "cue=random"]))
    assert cfg["realizations"] == 3
    assert cfg["grid"]["N"] == [300]  # stays a dimension
    assert cfg["grid"]["noise"] == [0.0, 0.2]  # a list makes a new dimension
    assert cfg["params"]["trials"] == 2 and cfg["params"]["cue"] == "random"
    cfg = resolve(apply_overrides(RAW, ["grid.T=0:0.2:3", "alpha=0.07"]))
    assert cfg["grid"]["T"] == [0.0, 0.1, 0.2]
    assert cfg["grid"]["alpha"] == [0.07]


def test_grid_ranges():
    cfg = resolve({"model": "hopfield", "grid": {"alpha": {"start": 0.1, "stop": 0.2, "num": 3}}, "params": {"N": 50}})
    assert cfg["grid"]["alpha"] == pytest.approx([0.1, 0.15, 0.2])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (["noise=0.7"], "noise=0.7 is outside its domain; allowed: 0 <= noise <= 0.5"),
        (["N=1.5"], "N=1.5 is outside its domain; allowed: 2 <= integer N <= 10000000"),
        (["alpha=0"], "alpha=0 is outside its domain; allowed: 0 < alpha <= 10"),
        (["cue=noisy"], "cue='noisy' is not allowed; allowed: cue in {pattern, random, mixture}"),
        (["n_mix=4"], "n_mix=4 is outside its domain; allowed: 1 <= odd integer n_mix <= 99"),
        (["noize=0.1"], "has no parameter 'noize' (did you mean noise?)"),
        (["realizations=0"], "realizations=0 is not allowed; allowed: integer 1 <= realizations <= 1000000"),
        (["trials=2", "sweeps=-1"], "sweeps=-1 is outside its domain"),
        (["backend=tpu"], "backend='tpu' is not allowed"),
        (["grid.form=pattern,coupling"], "form cannot be a grid dimension"),
        (["form=coupling", "backend=numpy"], "form='coupling' runs on backend='cpu' only"),
        (["cue=mixture", "n_mix=7", "N=50", "alpha=0.1"], "n_mix=7 exceeds the K=5 patterns"),
        (["x.y=1"], "a dotted key starts with grid. or params."),
        (["N=1:2"], "a grid is start:stop:num"),
    ],
)
def test_bad_values_name_the_parameter_and_its_range(override, message):
    with pytest.raises(ParameterError, match=None) as err:
        resolve(apply_overrides(RAW, override))
    assert message in str(err.value)


def test_bad_files(tmp_path):
    with pytest.raises(ParameterError, match="no such file or built-in configuration"):
        load_config(str(tmp_path / "missing.toml"))
    bad = tmp_path / "bad.toml"
    bad.write_text("model = [")
    with pytest.raises(ParameterError, match="not valid TOML"):
        load_config(str(bad))
    with pytest.raises(ParameterError, match="model='ising' is unknown"):
        resolve({"model": "ising"})
    with pytest.raises(ParameterError, match="config key 'grids' is unknown"):
        resolve({"model": "hopfield", "grids": {}})
    with pytest.raises(ParameterError, match="missing parameter N"):
        resolve({"model": "hopfield", "params": {"alpha": 0.1}})
