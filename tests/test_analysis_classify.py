"""End-state classification and binomial error bars."""

import numpy as np
import pytest
import xarray as xr

from amphase.analysis.classify import (
    STATES,
    classify,
    classify_overlaps,
    noise_threshold,
    robust_noise_threshold,
    state_fractions,
    wilson_interval,
)

NAN = np.nan


@pytest.mark.parametrize(
    ("top", "noise", "expected", "n_macro"),
    [
        ([0.99, 0.05, 0.04, 0.03], 0.0, "retrieval", 1),
        ([-0.97, 0.1, 0.0, 0.0], 0.15, "retrieval", 1),  # the mirror image of a pattern
        ([0.5, 0.5, -0.5, 0.02], 0.0, "symmetric_mixture", 3),  # AGS 3-mixture
        ([0.375, -0.375, 0.375, 0.375, 0.375, 0.05], 0.0, "symmetric_mixture", 5),
        ([0.52, 0.49, 0.45, 0.02], 0.0, "symmetric_mixture", 3),  # within delta = 0.1
        ([0.7, 0.3, 0.28, 0.05], 0.0, "asymmetric_mixture", 3),
        ([0.5, 0.5, 0.05, 0.0], 0.0, "asymmetric_mixture", 2),  # an even mixture is never symmetric
        ([0.35, 0.08, 0.05, 0.0], 0.0, "correlated", 1),
        ([0.3, 0.29, 0.28, 0.27], 0.35, "spin_glass", 0),  # overlaps O(1/sqrt P) everywhere: below the state's noise
        ([0.09, NAN, NAN, NAN], 0.0, "spin_glass", 0),  # fewer patterns than ranks
    ],
)
def test_classes(top, noise, expected, n_macro):
    state, n = classify_overlaps(np.array([top]), noise=np.array([noise]))
    assert STATES[state[0]] == expected
    assert n[0] == n_macro


def test_noise_threshold_from_the_energy_identity():
    # sum_mu m_mu^2 = (top overlaps)^2 + (P - k) sigma^2: the threshold is sigma (sqrt(2 ln(P - k)) + z)
    P, sigma = 102, 0.03
    top = np.array([[0.5, 0.1]])
    sum_m2 = np.array([0.25 + 0.01 + 100 * sigma**2])
    expected = sigma * (np.sqrt(2 * np.log(100)) + 3.0)
    assert noise_threshold(top, sum_m2, np.array([P]))[0] == pytest.approx(expected, rel=1e-12)
    assert noise_threshold(np.array([[0.5, 0.1]]), np.array([0.26]), np.array([2]))[0] == 0.0  # nothing left over


def test_robust_noise_threshold_ignores_a_few_macroscopic_overlaps():
    rng = np.random.default_rng(0)
    m = rng.normal(0, 0.02, 20000)
    m[:5] = 0.5  # a 5-mixture does not move the median
    expected = 0.02 * (np.sqrt(2 * np.log(20000)) + 3.0)
    assert robust_noise_threshold(m[None])[0] == pytest.approx(expected, rel=0.03)  # median error ~ 1/sqrt(P)


def test_classification_with_every_overlap():
    rng = np.random.default_rng(1)
    P = 400
    mixture = rng.normal(0, 0.01, P)
    mixture[[3, 17, 40]] = [0.5, -0.49, 0.51]
    glassy = rng.normal(0, 0.08, P)  # large noise overlaps everywhere (AGS spin-glass state at small alpha)
    glassy[0] = 0.3
    ds = xr.Dataset(
        {
            "overlap": (("trial", "pattern"), np.stack([mixture, glassy])),
            "top_overlap": (("trial", "rank"), np.zeros((2, 3))),  # ignored when every overlap is there
        }
    )
    c = classify(ds)
    assert [STATES[s] for s in c["state"].values] == ["symmetric_mixture", "spin_glass"]
    assert c["n_macro"].values.tolist() == [3, 0]
    assert c["macro_pattern"].values.tolist() == [[40, 3, 17], [-1, -1, -1]]  # which patterns, by |m|
    assert set(c.data_vars) == {"overlap", "top_overlap", "state", "n_macro", "theta_state", "macro_pattern"}


def test_unconverged_overrides_and_thresholds_are_checked():
    state, _ = classify_overlaps(np.array([[0.99, 0.0]]), np.array([True]))
    assert STATES[state[0]] == "unconverged"
    with pytest.raises(ValueError, match="0 < theta < m_retrieval"):
        classify_overlaps(np.zeros((1, 2)), theta=0.9, m_retrieval=0.8)


def test_wilson_interval_exact_values():
    # k = 0: [0, z^2/(n + z^2)]; k = n: [n/(n + z^2), 1]; symmetric about 1/2 at k = n/2
    lo, hi = wilson_interval(np.array([0, 10, 5]), np.array([10, 10, 10]))
    np.testing.assert_allclose([lo[0], hi[0]], [0, 1 / 11], atol=1e-15)
    np.testing.assert_allclose([lo[1], hi[1]], [10 / 11, 1], atol=1e-15)
    assert lo[2] + hi[2] == pytest.approx(1.0)
    # large n: close to p -/+ sqrt(p (1 - p) / n)
    lo, hi = wilson_interval(3000, 10000)
    assert (hi - lo) / 2 == pytest.approx(np.sqrt(0.21 / 10000), rel=1e-3)


def test_fractions_over_a_dataset():
    top = np.array([[[0.99, 0.0], [0.5, 0.5]], [[0.05, 0.0], [0.3, 0.0]]])  # (alpha, trial, rank)
    status = np.zeros((2, 2), dtype=np.int8)
    status[1, 1] = 2
    ds = xr.Dataset(
        {
            "top_overlap": (("alpha", "trial", "rank"), top),
            "status": (("alpha", "trial"), status, {"flag_meanings": "fixed_point two_cycle max_sweeps thermal"}),
        },
        coords={"alpha": [0.05, 0.2]},
    )
    c = classify(ds)
    assert "macro_pattern" not in c  # no pattern indices in this dataset
    assert [STATES[s] for s in c["state"].values.ravel()] == [
        "retrieval",
        "asymmetric_mixture",
        "spin_glass",
        "unconverged",
    ]
    f = state_fractions(c, over=("trial",))
    assert f["fraction"].sel(alpha=0.05, state="retrieval") == 0.5
    assert f["total"].values.tolist() == [2, 2]
    np.testing.assert_allclose(f["fraction"].sum("state"), 1.0)
    assert (f["fraction_lo"] <= f["fraction"]).all() and (f["fraction"] <= f["fraction_hi"]).all()
    assert f.attrs["theta"] == 0.1
