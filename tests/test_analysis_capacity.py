"""Critical loads from success counts: the step fit over every other dimension, and the extrapolation in size."""

import numpy as np
import xarray as xr

from amphase.analysis.capacity import critical_load
from amphase.analysis.statistics import step_probability

X0 = {100: 0.20, 400: 0.175, 1600: 0.1625, 6400: 0.15625}  # x_half(N) = 0.15 + 0.5 N^-1/2 exactly
LOADS = np.linspace(0.05, 0.30, 11)


def _counts(n_trials: float = 1e8) -> tuple[xr.DataArray, xr.DataArray]:
    """Expected counts of an erfc step (width 0.03) at each N and at two temperatures (the second: no crossing)."""
    p = np.stack([step_probability(LOADS, x0, 0.03) for x0 in X0.values()], axis=1)
    p = np.stack([p, np.ones_like(p)], axis=2)  # T=1: always successful, so no half-point
    coords = {"alpha": LOADS, "N": list(X0), "T": [0.0, 1.0]}
    n = xr.DataArray(np.full(p.shape, n_trials), dims=("alpha", "N", "T"), coords=coords)
    return (n * p).round(), n


def test_half_points_at_every_point_of_the_other_dimensions():
    k, n = _counts()
    res = critical_load(k, n, "alpha", "N")
    assert res["alpha_half"].dims == ("N", "T")
    # noise-free counts of a true erfc step: the fit returns the step's half-point, to the rounding of the counts
    np.testing.assert_allclose(res["alpha_half"].sel(T=0.0), list(X0.values()), atol=1e-6)
    np.testing.assert_allclose(res["alpha_width"].sel(T=0.0), 0.03, rtol=1e-4)
    assert np.isnan(res["alpha_half"].sel(T=1.0)).all()  # no crossing of 1/2: not resolved, NaN


def test_extrapolation_recovers_the_infinite_size_limit():
    k, n = _counts()
    res = critical_load(k, n, "alpha", "N")
    # x_half = 0.15 + 0.5 N^-1/2 exactly: the nu = 1/2 extrapolation gives 0.15, and the free-nu fit nu = 1/2
    assert abs(float(res["alpha_c_fss_nu05"].sel(T=0.0)) - 0.15) < 1e-5
    assert abs(float(res["fss_nu"].sel(T=0.0)) - 0.5) < 1e-3
    assert np.isnan(res["alpha_c_fss_nu05"].sel(T=1.0))
    assert res["alpha_c_fss"].dims == ("T",)


def test_fewer_than_three_loads_give_nothing():
    k, n = _counts()
    assert not critical_load(k.isel(alpha=[0, 1]), n.isel(alpha=[0, 1]), "alpha", "N").data_vars
