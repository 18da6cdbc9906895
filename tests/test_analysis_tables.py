"""The shared table helpers: exact strings (the formats the comparison tables printed before they were shared)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from amphase.analysis.tables import fixed, fmt, labels, pm


def test_fmt_fixed_point_right_aligned():
    assert fmt(0.123456, 5, 9) == "  0.12346"
    assert fmt(np.float64(-1.5), 1, 6) == "  -1.5"
    assert fmt(3, 2) == "3.00"  # an integer is printed as a number with decimals
    assert fmt(xr.DataArray(0.25), 3, 6) == " 0.250"  # a 0-d DataArray (a point of a comparison)


@pytest.mark.parametrize("value", [None, math.nan, np.inf, -np.inf, np.float32("nan")])
def test_fmt_missing_values_print_nan_in_the_field(value):
    assert fmt(value, 4, 7) == "    nan"
    assert fmt(value) == "nan"
    assert fmt(value, 2, 3, nan="—") == "  —"


def test_fmt_auto_switches_to_g_only_outside_1e_3_to_1e4():
    assert fmt(1234.5, 4, 9, style="auto") == "1234.5000"
    assert fmt(12345.0, 4, 9, style="auto") == "1.234e+04"
    assert fmt(0.00012, 3, 9, style="auto") == "  0.00012"
    assert fmt(0.0, 3, 6, style="auto") == " 0.000"  # zero stays fixed point
    assert fmt(0.002, 3, 6, style="auto") == " 0.002"


def test_fmt_g_form_always():
    assert fmt(0.012345, 3, style="g") == "0.0123"  # significant digits, not decimals
    assert fmt(123456.0, 3, 9, style="g") == " 1.23e+05"
    assert fmt(2.0, 3, style="g") == "2"
    assert fmt(math.inf, 3, style="g", nan="-") == "-"


def test_fmt_unknown_style_is_refused():
    with pytest.raises(ValueError, match="style"):
        fmt(1.0, style="e")


def test_pm_value_and_error():
    assert pm(0.5, 0.01) == "0.500±0.010"
    assert pm(0.5, math.nan) == "0.500"
    assert pm(math.nan, 0.1) == "nan"
    assert pm(math.nan, 0.1, nan="—") == "—"
    # one more decimal below finer_below (regimes' small collapse times)
    assert pm(0.05, 0.004, 3, finer_below=0.1) == "0.0500±0.0040"
    assert pm(0.5, 0.004, 3, finer_below=0.1) == "0.500±0.004"


def test_fixed_names_length_one_dims_and_scalar_coordinates_in_order():
    res = xr.Dataset(
        {"x": (("N", "T"), np.zeros((2, 1)))},
        coords={"N": [10, 20], "T": [0.5], "cue": "pattern", "noise": 0.1},
    )
    assert fixed(res, ("cue", "T", "N", "noise", "absent")) == ["cue=pattern", "T=0.5", "noise=0.1"]


def test_labels_name_only_the_varying_levels():
    res = xr.Dataset({"x": (("N", "T"), np.arange(2.0).reshape(2, 1))}, coords={"N": [10, 20], "T": [0.5]})
    frame = res.to_dataframe()
    assert labels(frame, res) == ["N=10", "N=20"]
    one = res.isel(N=[0])
    assert labels(one.to_dataframe(), one) == [""]
    flat = pd.DataFrame({"x": [1.0]}, index=pd.Index([3], name="K"))
    assert labels(flat, xr.Dataset(coords={"K": [3, 4]})) == ["K=3"]
