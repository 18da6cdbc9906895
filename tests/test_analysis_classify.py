"""End-state classification and binomial error bars."""

import numpy as np
import pytest
import xarray as xr

from amphase.analysis.classify import (
    STATES,
    classify,
    classify_overlaps,
    clipped_noise_threshold,
    noise_threshold,
    state_fractions,
)
from amphase.dataset import flag_attrs

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


def test_noise_threshold():
    # sigma (sqrt(2 ln n) + z); no noise overlap left (NaN sigma): 0, the floor decides
    sigma, n = 0.03, 100
    assert noise_threshold(np.array([sigma]), np.array([n]))[0] == pytest.approx(sigma * (np.sqrt(2 * np.log(n)) + 3))
    assert noise_threshold(np.array([np.nan]), np.array([0]))[0] == 0.0


def test_clipped_noise_threshold_ignores_macroscopic_overlaps():
    rng = np.random.default_rng(0)
    m = rng.normal(0, 0.02, 20000)
    m[:5] = 0.5  # a 5-mixture
    t, n = clipped_noise_threshold(m[None])
    # clipping at 0.02 (sqrt(2 ln n) + 3) = 0.147 = 7.4 sigma keeps all the noise: the rms is the sample's own
    expected = np.sqrt(np.mean(m[5:] ** 2)) * (np.sqrt(2 * np.log(19995)) + 3.0)
    assert n[0] == 19995 and t[0] == pytest.approx(expected, rel=1e-12)


def test_a_mixture_of_most_patterns_is_not_noise():
    # issue 8: at N = 1000, alpha = 0.005 (P = 5) the median of |m| over (0.5, 0.5, 0.5, 0.03, 0.02) is 0.5, and the
    # old median estimate put the threshold above every overlap: "spin glass". Clipping finds the two noise overlaps.
    top = np.array([[0.5, -0.5, 0.5, 0.03, -0.02]])
    t, n = clipped_noise_threshold(top)
    sigma = np.sqrt((0.03**2 + 0.02**2) / 2)
    assert n[0] == 2 and t[0] == pytest.approx(sigma * (np.sqrt(2 * np.log(2)) + 3), rel=1e-12)  # 0.1065
    ds = xr.Dataset(
        {"overlap": (("trial", "pattern"), top), "N": 1000, "K": 5},
    )
    c = classify(ds)
    assert STATES[int(c["state"][0])] == "symmetric_mixture" and int(c["n_macro"][0]) == 3
    # the noise rests on two overlaps only, and the floor 0.1 is below (sqrt(2 ln 5) + 3) / sqrt(1000) = 0.15, the
    # largest noise overlap of a random state: the class is right but flagged as unreliable
    assert int(c["reliable"][0]) == 0


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
    added = {"state", "n_macro", "theta_state", "macro_pattern", "reliable"}
    assert set(c.data_vars) == {"overlap", "top_overlap", *added}
    assert c["reliable"].values.tolist() == [1, 1]  # hundreds of noise overlaps measured


def test_top_overlaps_use_the_noise_scale_of_the_engine():
    # only the 3 largest overlaps stored; the engine's noise_rms (rms of the other P - 3) sets the threshold
    top = np.array([[0.3, 0.05, 0.04], [0.3, 0.05, 0.04]])
    ds = xr.Dataset(
        {
            "top_overlap": (("trial", "rank"), top),
            "noise_rms": ("trial", [0.02, 0.05]),
            "K": 403,
            "N": 10000,
        }
    )
    c = classify(ds)
    # thresholds 0.02 (sqrt(2 ln 400) + 3) = 0.18 and 0.05 (...) = 0.46: correlated, then spin glass
    expected = np.array([0.02, 0.05]) * (np.sqrt(2 * np.log(400)) + 3)
    np.testing.assert_allclose(c["theta_state"], expected, rtol=1e-12)
    assert [STATES[s] for s in c["state"].values] == ["correlated", "spin_glass"]


def test_unconverged_overrides_and_thresholds_are_checked():
    state, _ = classify_overlaps(np.array([[0.99, 0.0]]), np.array([True]))
    assert STATES[state[0]] == "unconverged"
    with pytest.raises(ValueError, match="0 < theta < m_retrieval"):
        classify_overlaps(np.zeros((1, 2)), theta=0.9, m_retrieval=0.8)


def test_fractions_over_a_dataset():
    top = np.array([[[0.99, 0.0], [0.5, 0.5]], [[0.05, 0.0], [0.3, 0.0]]])  # (alpha, trial, rank)
    status = np.zeros((2, 2), dtype=np.int8)
    status[1, 1] = 2
    ds = xr.Dataset(
        {
            "top_overlap": (("alpha", "trial", "rank"), top),
            "status": (
                ("alpha", "trial"),
                status,
                {"flag_meanings": "fixed_point two_cycle max_sweeps thermal", "unconverged_flags": "max_sweeps"},
            ),
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


def test_fractions_read_the_classes_of_any_family():
    # a family brings its own states: the classes come from the variable's flag_meanings; fill values are not counted
    states = ["memorized", "spurious", "generalized"]
    labels = np.array([[0, 0, 1, 2, -1], [2, 2, 2, 1, 0]], dtype=np.int8)
    ds = xr.Dataset(
        {"label": (("K", "sample"), labels, flag_attrs(states, "class of a generated sample"))}, coords={"K": [2, 9]}
    )
    f = state_fractions(ds, over=("sample",), var="label")
    assert f["state"].values.tolist() == states
    assert f["total"].values.tolist() == [4, 5]
    np.testing.assert_array_equal(f["count"].sel(K=2).values, [2, 1, 1])
    assert float(f["fraction"].sel(K=9, state="generalized")) == 3 / 5


def test_status_without_unconverged_flags_marks_nothing_unconverged():
    ds = xr.Dataset(
        {
            "top_overlap": (("trial", "rank"), [[0.99, 0.0]]),
            "status": ("trial", np.array([2], dtype=np.int8), {"flag_meanings": "fixed_point two_cycle max_sweeps"}),
        }
    )
    assert STATES[int(classify(ds)["state"][0])] == "retrieval"
