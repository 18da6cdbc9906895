"""The phase-diagram dataset: labels consistent with the lines computed independently."""

import math

import numpy as np
import pytest

from amphase import theory
from amphase.cli import main
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
    # changed (was 0): no retrieval state at any load for T >= 1, the reason recorded
    assert np.all(np.isnan(ds["alpha_c"].sel(T=[1.2, 1.4])))
    assert "T=1.2: no retrieval state at any load for T >= 1" in ds["alpha_c"].attrs["absent"]
    assert ds["alpha_global"].sel(T=0.1).item() == pytest.approx(lines.alpha_global(0.1), rel=1e-12)
    assert ds["T_g"].values.tolist() == [1 + math.sqrt(a) for a in ds["alpha"].values]


def test_overlap_only_where_retrieval_exists(ds):
    m = ds["m"]
    exists = ds["phase"] >= 2
    assert bool(np.all(np.isfinite(m.where(exists, 0.0)))) and bool(np.all(np.isnan(m.where(~exists))))


def test_retrieval_exists_exactly_inside_the_T_M_window():
    # every grid point: a retrieval phase exactly where T_M_lower <= T < T_M, the reentrant loads included (the old
    # dataset had no T_M_lower and T_M = NaN at alpha = 0.138, where retrieval_metastable points exist)
    alpha = [0.02, 0.1379, 0.138, 0.1381, 0.13818, 0.1382]
    temps = [0.0, 0.003, 0.005, 0.015, 0.0228, 0.03, 0.045, 0.5, 0.99]
    ds = hopfield.phase_diagram(alpha=alpha, T=temps)
    assert ds["T_M_lower"].sel(alpha=0.138).item() > 0 and np.isfinite(ds["T_M"].sel(alpha=0.138).item())
    for a in alpha:
        low, high = ds["T_M_lower"].sel(alpha=a).item(), ds["T_M"].sel(alpha=a).item()
        for t in temps:
            exists = int(ds["phase"].sel(alpha=a, T=t)) >= 2
            inside = low <= t < high if np.isfinite(high) else False
            assert exists == inside, (a, t, low, high)
    assert "alpha=0.1382: no retrieval state" in ds["T_M"].attrs["absent"]


ONE_MINUS = math.nextafter(1.0, 0.0)
ONE_PLUS = math.nextafter(1.0, 2.0)


def test_grid_through_T_1_and_alpha_0():
    # the old code raised ZeroDivisionError at T = 1 - 2^-53 (alpha_c ~ 1e-30 there, 1 - C rounded to 0)
    ds = theory.get("hopfield.phase_diagram").grid(
        alpha=[0.0, 5e-324, 1e-300, 1e-30, 0.02, 0.16], T=[0.0, 0.5, ONE_MINUS, 1.0, ONE_PLUS, 1.2]
    )
    assert np.all(np.isfinite(ds["f_spin_glass"])) and np.all(ds["q_spin_glass"] >= 0)
    assert np.all(np.isnan(ds["alpha_c"].sel(T=[1.0, ONE_PLUS, 1.2])))
    assert PHASES[int(ds["phase"].sel(alpha=0.02, T=ONE_MINUS))] == "spin_glass"
    assert PHASES[int(ds["phase"].sel(alpha=0.0, T=1.0))] == "paramagnetic"
    assert PHASES[int(ds["phase"].sel(alpha=1e-30, T=1.0))] == "spin_glass"  # T_g = 1 + 1e-15 > 1
    assert PHASES[int(ds["phase"].sel(alpha=1e-30, T=0.5))] == "retrieval_global"


def test_cli_phase_diagram_grid_with_T_next_to_1(capsys):
    # alpha=0:0.16:9 T=0:1.2:7 gives T = 0.9999999999999999: the old CLI crashed with a ZeroDivisionError
    assert main(["theory", "hopfield.phase_diagram", "alpha=0:0.16:9", "T=0:1.2:7"]) == 0
    assert "T_M_lower" in capsys.readouterr().out
