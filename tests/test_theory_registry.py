"""The theory registry: domains, grids, datasets and registration rules."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amphase import theory
from amphase.errors import ParameterError
from amphase.theory.registry import CHEAP, REGISTRY, Param, Result, quantity


@given(st.floats(max_value=-1e-300, allow_nan=False))
@settings(deadline=None)  # the first call imports the theory family
def test_negative_load_is_rejected_with_its_range(alpha):
    with pytest.raises(ParameterError, match=r"alpha=.* is outside its domain; allowed: 0 <= alpha"):
        theory.get("hopfield.T_g")(alpha=alpha)


def test_param_domains_in_words():
    assert Param("T", "", lower=0.0, upper=1.0, upper_open=True).domain() == "0 <= T < 1"
    assert Param("n", "", lower=1, odd=True).domain() == "1 <= odd integer n"
    assert Param("x", "").domain() == "real x"
    assert Param("N", "", lower=3, integer=True).check(7.0) == 7
    with pytest.raises(ParameterError, match="missing parameter N"):
        Param("N", "", lower=3, integer=True).check(None)
    with pytest.raises(ParameterError, match=r"T='abc' \(a str\) is not a number; allowed: real T"):
        Param("T", "").check("abc")
    with pytest.raises(ParameterError, match=r"T=True \(a bool\) is not a number"):  # issue 8: True is not 1
        Param("T", "").check(True)
    with pytest.raises(ParameterError, match=r"N='100' \(a str\) is not a number"):  # issue 8: N = "100" in TOML
        Param("N", "", lower=3, integer=True).check("100")


def test_unknown_names_and_parameters():
    with pytest.raises(ParameterError, match=r"did you mean hopfield\.alpha_c"):
        theory.get("hopfield.alpha_cc")
    with pytest.raises(ParameterError, match="takes no parameter 'beta'; its parameters: alpha, T"):
        theory.get("hopfield.overlap")(alpha=0.1, beta=2)


def test_grid_checks_every_value_before_work():
    q = theory.get("hopfield.T_M")
    with pytest.raises(ParameterError, match=r"alpha=-0\.1"):
        q.grid(alpha=[0.1, 0.05, -0.1], map_fn=lambda *a: pytest.fail("work started"))


def test_grid_dataset():
    ds = theory.get("hopfield.overlap").grid(alpha=[0.05, 0.2], T=[0.0, 0.1, 0.2])
    assert ds["m"].dims == ("alpha", "T") and ds["m"].shape == (2, 3)
    assert np.all(np.isnan(ds["m"].sel(alpha=0.2))) and ds.attrs["no_solution_points"] == 3
    assert ds["m"].sel(alpha=0.05, T=0.1).item() == theory.get("hopfield.overlap")(alpha=0.05, T=0.1)["m"]
    assert ds["alpha"].attrs["units"] == "1" and "load" in ds["alpha"].attrs["long_name"]
    assert ds.attrs["quantity"] == "hopfield.overlap"
    assert json.loads(ds.attrs["config"])["alpha"] == [0.05, 0.2]
    for key in ("title", "source", "history", "references", "git_commit", "amphase_version", "created"):
        assert key in ds.attrs


def test_pointwise_call_rejects_arrays():
    with pytest.raises(ParameterError, match=r"alpha is an array: evaluate hopfield\.T_M over arrays with \.grid\(\)"):
        theory.get("hopfield.T_M")(alpha=[0.1, 0.2])


def test_grid_with_a_fixed_parameter():
    ds = theory.get("hopfield.mixture").grid(n=[1, 3, 5], T=0.2)
    assert ds["overlap"].dims == ("n",) and ds["T"].dims == () and float(ds["T"]) == 0.2  # a scalar coordinate
    assert ds["T"].attrs["long_name"] and not [k for k in ds.attrs if k.startswith("param_")]  # no param_X (issue 18)
    assert ds["overlap"].values[0] > ds["overlap"].values[1] > ds["overlap"].values[2]


def test_registration_rules():
    with pytest.raises(TypeError, match="signature"):

        @quantity("test.bad", params=[Param("x", "")], results=[Result("y", "")], reference="", cost=CHEAP)
        def bad(z: float) -> float:  # pragma: no cover
            return z

    with pytest.raises(ValueError, match="registered twice"):

        @quantity("hopfield.T_g", params=[Param("alpha", "")], results=[Result("T_g", "")], reference="", cost=CHEAP)
        def again(alpha: float) -> float:  # pragma: no cover
            return alpha

    with pytest.raises(TypeError, match="cost"):  # every quantity declares its cost

        @quantity("test.nocost", params=[Param("x", "")], results=[Result("y", "")], reference="")
        def nocost(x: float) -> float:  # pragma: no cover
            return x

    assert "test.bad" not in REGISTRY and "test.nocost" not in REGISTRY


def test_every_quantity_cites_a_source_and_documents_itself():
    for name in theory.names():
        q = theory.get(name)
        assert q.reference and q.summary and q.results
        assert name.split(".")[0] in ("hopfield", "dense", "diffusion")
        doc = q.func.__doc__ or ""
        tags = ("AGS", "MPRV", "Amit", "KH 2016", "DHLUV", "LM 2024", "Ramsauer", "Hoover", "Chaudhry", "derived")
        tags += ("Pham 2025", "Biroli", "Achilli", "Raya & Ambrogioni")
        assert any(tag in doc for tag in tags), name


def test_nan_parameter_rejected():
    with pytest.raises(ParameterError):
        theory.get("hopfield.T_g")(alpha=math.inf)


def test_a_result_named_like_a_gridded_parameter_is_kept_beside_its_coordinate():
    # diffusion.spurious_onset returns the beta it used; gridding beta made xarray refuse a variable named like its
    # coordinate (a traceback from `amphase theory diffusion.spurious_onset beta=5,10`)
    ds = theory.get("diffusion.spurious_onset").grid(beta=[5.0, 10.0], spread=[0.5, 1.0])
    assert list(ds["beta"].values) == [5.0, 10.0]
    assert (ds["beta_result"] == ds["beta"]).all()  # the beta used is the beta given
    # K_flat scales as spread^4 (lse_landscape.ring_flatness)
    ratio = ds["K_flat"].sel(spread=1.0) / ds["K_flat"].sel(spread=0.5)
    assert np.allclose(ratio, 16.0, rtol=1e-12)


def test_a_renamed_parameter_names_its_new_name():
    # issue 18: K for the number of stored patterns and of training points; the old names answer with the new one
    # (amphase.renames, the table dataset.upgrade reads too), by the registry and by a direct Python call alike
    with pytest.raises(ParameterError, match=r"^dense\.simplex_centroid_beta: P was renamed K"):
        theory.get("dense.simplex_centroid_beta")(P=3)
    with pytest.raises(ParameterError, match=r"diffusion\.collapse_time: n was renamed K"):
        theory.get("diffusion.collapse_time").grid(n=[16, 32], d=8)
    from amphase.theory.diffusion import collapse_time

    with pytest.raises(ParameterError, match="n was renamed K"):
        collapse_time(n=16, d=8)
    with pytest.raises(ParameterError, match="takes no parameter 'n'"):  # n is no old name of dense.* (degree n)
        theory.get("dense.simplex_centroid_beta")(n=3)
