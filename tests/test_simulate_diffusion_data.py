"""Training sets: shapes and scales, nesting in K, reproducibility, user arrays, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.diffusion.data import load_array, nested_seed, training_set
from amphase.simulate.seeding import point_seed


@pytest.mark.parametrize(
    ("name", "kw", "d"),
    [("circle", {}, 2), ("sphere", {"d": 4}, 4), ("mixture", {"d": 3}, 3), ("linear", {}, 30)],
)
def test_nested_and_reproducible(name: str, kw: dict, d: int) -> None:
    s = np.random.SeedSequence(5, spawn_key=(1, 2))
    small = training_set(name, 7, s, **kw)
    big = training_set(name, 50, s, **kw)
    assert small.shape == (7, d) and big.shape == (50, d)
    assert np.array_equal(big[:7], small)  # the subset for a larger K contains the smaller one
    assert np.array_equal(small, training_set(name, 7, s, **kw))
    assert not np.array_equal(small, training_set(name, 7, np.random.SeedSequence(6, spawn_key=(1, 2)), **kw))


def test_geometry() -> None:
    s = np.random.SeedSequence(1)
    c = training_set("circle", 100, s, radius=2.0)
    assert np.allclose(np.linalg.norm(c, axis=1), 2.0)
    e = training_set("circle", 8, s, even=True)
    ang = np.sort(np.mod(np.arctan2(e[:, 1], e[:, 0]), 2 * np.pi))
    assert np.allclose(np.diff(ang), 2 * np.pi / 8)
    assert np.allclose(np.linalg.norm(training_set("sphere", 50, s, d=5), axis=1), 1.0)
    lin = training_set("linear", 20000, s)
    std = lin.std(axis=0)
    # per-direction std within 4 standard errors (std / sqrt(2 n)) of 1, 0.3, 0.01
    want = np.repeat([1.0, 0.3, 0.01], 10)
    assert np.all(np.abs(std - want) < 4 * want / np.sqrt(2 * 20000))


def test_nested_seed_ignores_K_but_not_realization() -> None:
    a = point_seed(3, {"K": 10.0}, 0)
    b = point_seed(3, {"K": 20.0}, 0)
    c = point_seed(3, {"K": 10.0}, 1)
    key = {"dataset": "circle", "even": 0}
    assert nested_seed(a, key).spawn_key == nested_seed(b, key).spawn_key
    assert nested_seed(a, key).spawn_key != nested_seed(c, key).spawn_key
    assert nested_seed(a, key).spawn_key != nested_seed(a, {"dataset": "sphere", "d": 3}).spawn_key


def test_user_arrays(tmp_path) -> None:
    import xarray as xr

    a = np.arange(30.0).reshape(10, 3)
    np.save(tmp_path / "a.npy", a)
    xr.Dataset({"pts": (("n", "d"), a)}).to_netcdf(tmp_path / "a.nc", engine="h5netcdf")
    assert np.array_equal(load_array(tmp_path / "a.npy"), a)
    assert np.array_equal(load_array(tmp_path / "a.nc"), a)
    sub = training_set("array", 4, np.random.SeedSequence(2), path=str(tmp_path / "a.npy"))
    assert sub.shape == (4, 3) and all(any(np.array_equal(r, x) for x in a) for r in sub)
    with pytest.raises(ParameterError, match="has 10 points"):
        training_set("array", 11, np.random.SeedSequence(2), path=str(tmp_path / "a.npy"))


def test_digits_or_clear_error() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        with pytest.raises(ParameterError, match="scikit-learn"):
            training_set("digits", 5, np.random.SeedSequence(1))
        return
    x = training_set("digits", 5, np.random.SeedSequence(1))
    assert x.shape == (5, 64) and x.min() >= -1 and x.max() <= 1


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: training_set("torus", 3, np.random.SeedSequence(1)), "dataset"),
        (lambda: training_set("circle", 0, np.random.SeedSequence(1)), "K="),
        (lambda: training_set("circle", 3, np.random.SeedSequence(1), radius=-1.0), "radius"),
        (lambda: training_set("sphere", 3, np.random.SeedSequence(1), d=1), "d="),
        (lambda: training_set("mixture", 3, np.random.SeedSequence(1), width=0.0), "width"),
        (lambda: training_set("array", 3, np.random.SeedSequence(1)), "path"),
        (lambda: load_array("/nonexistent.npy"), "no such file"),
    ],
)
def test_bad_input(call, word: str) -> None:
    with pytest.raises(ParameterError, match=word):
        call()


def test_digits_without_scikit_learn_is_refused_before_any_store(tmp_path, monkeypatch) -> None:
    import importlib.util

    from amphase.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a))
    out = tmp_path / "dg.nc"
    assert main(["run", "diffusion-digits", "--out", str(out), "--no-progress"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no dataset, no checkpoint store, no lock
