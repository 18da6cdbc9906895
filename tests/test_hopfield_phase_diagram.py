"""The phase-diagram dataset: labels consistent with the lines computed independently."""

import math

import numpy as np
import pytest

from amphase.theory import hopfield
from amphase.theory.hopfield import lines
from amphase.theory.hopfield.phase_diagram import PHASES


@pytest.fixture(scope="module")
def ds():
    return hopfield.phase_diagram(alpha=[0.0, 0.03, 0.0525, 0.1, 0.15], T=[0.0, 0.1, 0.4, 0.9, 1.2, 1.4])


def test_labels_follow_the_lines(ds):
    assert ds["phase"].attrs["flag_meanings"].split() == PHASES
    for a in ds["alpha"].values:
        for t in ds["T"].values:
            label = PHASES[int(ds["phase"].sel(alpha=a, T=t))]
            if t >= lines.T_g(a):
                expected = "paramagnetic"
            elif t < 1 and a <= lines.alpha_c(t)[0]:
                try:
                    low, high = lines.T_c_crossings(a)
                    glob = low <= t < high
                except Exception:
                    glob = False
                expected = "retrieval_global" if glob else "retrieval_metastable"
            else:
                expected = "spin_glass"
            assert label == expected, (a, t)


def test_lines_match_pointwise_functions(ds):
    assert ds["T_M"].sel(alpha=0.03).item() == lines.T_M(0.03)
    assert ds["T_c_lower"].sel(alpha=0.0525).item() > 0
    assert math.isnan(ds["T_M"].sel(alpha=0.15).item())
    assert ds["alpha_c"].sel(T=0.0).item() == lines.alpha_c(0.0)[0]
    np.testing.assert_array_equal(ds["alpha_c"].sel(T=[1.2, 1.4]), 0.0)
    assert ds["alpha_global"].sel(T=0.1).item() == pytest.approx(lines.alpha_global(0.1), rel=1e-12)
    assert ds["T_g"].values.tolist() == [1 + math.sqrt(a) for a in ds["alpha"].values]


def test_overlap_only_where_retrieval_exists(ds):
    m = ds["m"]
    exists = ds["phase"] >= 2
    assert bool(np.all(np.isfinite(m.where(exists, 0.0)))) and bool(np.all(np.isnan(m.where(~exists))))
