"""The pair-rule onset from a reference draw (analysis/diffusion/onset.py) and its wiring into the compare."""

from __future__ import annotations

import importlib.util
import itertools
import math

import numpy as np
import pytest
import xarray as xr

from amphase import theory
from amphase.analysis.diffusion.class_predictions import predicted_half, predicted_onset
from amphase.analysis.diffusion.classify import CLASSES
from amphase.analysis.diffusion.compare import compare, plot, table
from amphase.analysis.diffusion.onset import (
    dataset_pair_probability,
    empirical_onset,
    memorized_onset,
    pair_counts,
    pair_fraction,
)
from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.diffusion.data import circle
from amphase.simulate.sweep import run_sweep
from amphase.theory import lse_merging as lm

HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None


def test_pair_counts_is_the_brute_force_count() -> None:
    y = np.random.default_rng(3).standard_normal((57, 4))
    radii = np.array([0.5, 1.5, 2.5])
    d = np.sqrt(((y[:, None] - y[None]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    expect = np.stack([(d < r).sum(1) for r in radii])
    assert np.array_equal(pair_counts(y, radii, tile=10), expect)


def test_population_fraction_is_exact() -> None:
    # two training points drawn without replacement from a finite set are a uniform pair of distinct points
    y = np.random.default_rng(4).uniform(size=(30, 3))
    close = sum(np.linalg.norm(a - b) < 0.4 for a, b in itertools.combinations(y, 2))
    p, err = pair_fraction(y, 0.4, population=True)
    assert p == pytest.approx(close / math.comb(30, 2), rel=1e-14) and err == 0.0


def test_circle_data_reproduce_the_exact_circle_onset() -> None:
    # uniform circle points: p(D) = chord_angle(D)/pi exactly (diffusion.spurious_onset), so the estimate from a
    # reference draw must agree within its standard error (n = 3000: ~0.14 % on p)
    y = circle(3000, np.random.default_rng(20261207))
    exact = theory.get("diffusion.spurious_onset")(beta=20.0, manifold="circle")
    e = empirical_onset(y, 20.0)
    assert e.D_merge == exact["D_merge"]
    assert abs(e.p_merge - exact["p_merge"]) < 3 * e.p_merge_error
    assert abs(e.K_onset - exact["K_onset"]) < 3 * e.K_onset_error
    assert abs(e.K_half - exact["K_half"]) < 3 * e.K_half_error
    # on the circle h_1 is constant (zeta_1 = 0): the error is the pairwise-independent one, 2 p (1 - p)/(n (n - 1))
    p = exact["p_merge"]
    assert e.p_merge_error == pytest.approx(math.sqrt(2 * p * (1 - p) / (3000 * 2999)), rel=0.02)


def test_u_statistic_error_is_calibrated_on_gaussian_data() -> None:
    # 40 independent reference draws of anisotropic Gaussian data (zeta_1 > 0); p exact (generalized chi-square).
    # z = (p_hat - p)/se: sum z^2 ~ chi^2_40, whose 0.1 % and 99.9 % points are 17.9 and 73.4
    var = np.array([1.0, 0.25])
    D = 0.5
    p = lm.gaussian_merge_probability(D, var)
    rng = np.random.default_rng(11)
    z = []
    for _ in range(40):
        y = rng.standard_normal((300, 2)) * np.sqrt(var)
        ph, se = pair_fraction(y, D)
        z.append((ph - p) / se)
    assert 17.9 < float(np.sum(np.square(z))) < 73.4


def test_gaussian_reference_agrees_with_gaussian_onset() -> None:
    q = theory.get("diffusion.gaussian_onset")(beta=0.3, n1=3, s1=1.0, n2=2, s2=0.5, n3=0)
    y = np.random.default_rng(5).standard_normal((2500, 5)) * np.array([1, 1, 1, 0.5, 0.5])
    e = empirical_onset(y, 0.3)
    assert abs(e.p_merge - q["p_merge"]) < 3 * e.p_merge_error
    assert abs(e.K_onset - q["K_onset"]) < 3 * e.K_onset_error


def test_dataset_pair_probability_and_memorized_onset() -> None:
    assert dataset_pair_probability("circle", 0.3) == lm.merge_probability(0.3, "circle")
    assert dataset_pair_probability("sphere", 0.3, 4) == lm.merge_probability(0.3, "sphere", n=3)
    q = theory.get("diffusion.gaussian_onset")(beta=1.0)
    assert dataset_pair_probability("linear", q["D_merge"]) == q["p_merge"]
    # the memorized-label rule: partners within (2 delta, D_delta), then the pair rule with p_own = p_delta
    m = memorized_onset("circle", 20.0, 0.005)
    p = lm.merge_probability(m.D_delta, "circle") - lm.merge_probability(0.01, "circle")
    assert m.D_delta == lm.memorized_distance(20.0, 0.005) and m.p_delta == pytest.approx(p, rel=1e-14)
    assert (m.K_onset, m.K_half) == (lm.pair_rule_onset(p, p).K_onset, lm.pair_rule_onset(p, p).K_half)
    with pytest.raises(ParameterError, match="mixture"):
        dataset_pair_probability("mixture", 1.0)
    with pytest.raises(ParameterError, match="d="):
        dataset_pair_probability("sphere", 1.0, 1)


def test_bad_input() -> None:
    y = np.zeros((5, 2))
    with pytest.raises(ParameterError, match="reference"):
        empirical_onset(np.zeros(5), 1.0)
    with pytest.raises(ParameterError, match="reference"):
        empirical_onset(np.zeros((1, 2)), 1.0)
    with pytest.raises(ParameterError, match="finite"):
        empirical_onset(np.full((3, 2), np.nan), 1.0)
    with pytest.raises(ParameterError, match="beta"):
        empirical_onset(y, 0.0)
    with pytest.raises(ParameterError, match="own_weight"):
        empirical_onset(y, 1.0, own_weight=1.0)
    with pytest.raises(ParameterError, match="D="):
        pair_fraction(y, -1.0)


# ---------------------------------------------------------------- the compare wiring


def test_predicted_onset_for_linear_and_digits() -> None:
    lin = theory.get("diffusion.gaussian_onset")(beta=1.0)  # defaults: the model's linear manifold
    assert predicted_onset(1.0, 30, "linear") == (lin["K_onset"], lin["K_peak"])
    assert predicted_half(1.0, 30, "linear") == lin["K_half"]
    assert all(math.isnan(v) for v in predicted_onset(1.0, 5, "mixture"))
    assert all(math.isnan(v) for v in predicted_onset(1.0, 30, "linear", even=True))
    if HAVE_SKLEARN:
        from amphase.simulate.diffusion.data import digits

        e = empirical_onset(digits(), 0.5, population=True)
        assert predicted_onset(0.5, 64, "digits") == (e.K_onset, e.K_peak) and e.K_onset_error == 0.0
        assert predicted_half(0.5, 64, "digits") == e.K_half


def _fake(dataset: str, d: int, coord: int, beta: float = 1.0) -> xr.Dataset:
    """A dataset shaped like diffusion.exact output: K = 2, 4, two realizations, training points in d of coord."""
    K, R = [2, 4], 2
    count = np.array([[[3, 1, 0], [2, 2, 0]], [[1, 2, 1], [0, 3, 1]]], dtype=np.int32)
    train = np.full((2, R, 4, coord), np.nan)
    train[..., :d] = 0.5
    zeros = (("K", "realization"), np.zeros((2, R)))
    return xr.Dataset(
        {"count": (("K", "realization", "class"), count), "n_spurious_attractors": zeros,
         "data_scale": (("K", "realization"), np.array([[3.0, 3.2], [3.0, 3.2]])),
         "n_memorized_points": zeros, "n_unconverged": zeros,
         "train_x": (("K", "realization", "train_point", "coord"), train)},
        coords={"K": K, "realization": np.arange(R), "class": list(CLASSES)},
        attrs={"param_dataset": dataset, "param_beta": beta, "param_d": 99, "param_delta_m": 0.005},
    )  # fmt: skip


def test_compare_reads_the_dimension_and_draws_the_prediction() -> None:
    lin = compare(_fake("linear", 30, 30))
    q = theory.get("diffusion.gaussian_onset")(beta=1.0)
    assert float(lin["K_onset_theory"]) == q["K_onset"] and float(lin["K_half_theory"]) == q["K_half"]
    assert f"onset K = {q['K_onset']:.1f}" in table(lin)
    mem = memorized_onset("linear", 1.0, 0.005 * 3.1)  # delta = delta_m x the mean data scale
    assert float(lin["K_onset_delta_theory"]) == pytest.approx(mem.K_onset, rel=1e-12)
    assert float(lin["K_half_delta_theory"]) == pytest.approx(mem.K_half, rel=1e-12)
    # the sphere's prediction depends on d, read from the stored training points (3 used of 5 coordinates: S^2),
    # not from the attribute param_d
    sph = compare(_fake("sphere", 3, 5))
    s2 = theory.get("diffusion.spurious_onset")(beta=1.0, manifold="sphere", n=2)
    assert float(sph["K_onset_theory"]) == s2["K_onset"] and float(sph["K_half_theory"]) == s2["K_half"]
    # within a factor 4 of the K range the onset is drawn as a vertical line at its K; farther, named in the legend
    lines = {ln.get_label(): ln for ln in plot(sph, "t").axes[0].lines}
    onset = next(ln for lab, ln in lines.items() if lab.startswith("predicted onset"))
    assert s2["K_onset"] < 16 and np.allclose(onset.get_xdata(), s2["K_onset"])
    assert any(lab.startswith("predicted onset") and "off the axis" in lab for lab in _labels(plot(lin, "t")))


def _labels(fig: object) -> list[str]:
    return [ln.get_label() for ln in fig.axes[0].lines]


@pytest.mark.slow
def test_compare_on_a_real_linear_run(tmp_path) -> None:
    raw = {
        "model": "diffusion.exact",
        "seed": 3,
        "realizations": 1,
        "grid": {"K": [2, 4]},
        "params": {"dataset": "linear", "beta": 1.0, "sigma": 10.0, "n_samples": 4, "steps": 5, "max_steps": 20,
                   "max_stored": 4},
    }  # fmt: skip
    res = compare(run_sweep(resolve(raw), tmp_path / "l.nc", executor="serial", progress=False))
    assert float(res["K_onset_theory"]) == theory.get("diffusion.gaussian_onset")(beta=1.0)["K_onset"]
