"""The (K, beta) phase diagram's comparison: predicted lines at the theory's values, crossings where they lie.

A synthetic dataset with the variables of ``diffusion.exact`` (neighbours > 0), fractions chosen so that each
crossing is known by hand; the predicted lines must be the registered theory's values at the same (manifold, beta),
in the comparison dataset and in the figure.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from amphase import theory
from amphase.analysis.diffusion import phase_diagram
from amphase.analysis.diffusion.exact import compare, plot, table
from amphase.analysis.diffusion.phase_diagram import crossing
from amphase.theory.diffusion.generalization import dense_laws

BETAS = [2.0, 5.0]
KS = [2, 4, 8, 16]
#: memorized / spurious / generalized per K, out of 8 samples, the same in both realizations but the second shifted
#: by one sample from memorized to generalized at K = 4 and 8 (a nonzero standard error there)
COUNTS = np.array([[8, 0, 0], [6, 1, 1], [2, 2, 4], [0, 0, 8]])


def _dataset() -> xr.Dataset:
    nb, nk, R, A = len(BETAS), len(KS), 2, 3
    c = np.broadcast_to(COUNTS[None, :, None, :, None, None], (nb, nk, R, 3, 3, 3)).copy()
    c[:, 1:3, 1, 0] -= 1
    c[:, 1:3, 1, 2] += 1
    dims = ("beta", "K", "realization")
    att = (*dims, "attractor")
    w = np.broadcast_to(np.array([0.95, 0.5, 0.45]), (nb, nk, R, A))
    eig = np.broadcast_to(np.array([[0.2, 2.0], [0.4, 2.0], [0.9, 1.9]]), (nb, nk, R, A, 2))
    ds = xr.Dataset(
        {
            "class_count": ((*dims, "class", "own_threshold", "isolation_threshold"), c),
            "class_attractor_count": ((*dims, "class", "own_threshold", "isolation_threshold"), c),
            "attractor_is_minimum": (att, np.broadcast_to(np.array([1, 1, 0], dtype=np.int8), (nb, nk, R, A))),
            "attractor_beta_barrier": (att, np.broadcast_to(np.array([0.3, np.inf, 0.0]), (nb, nk, R, A))),
            "attractor_own_weight": (att, w),
            "attractor_basin": (att, np.broadcast_to(np.array([5, 3, 0], dtype=np.int32), (nb, nk, R, A))),
            "attractor_eig": ((*att, "coord"), eig),
        },
        coords={
            "beta": BETAS,
            "K": KS,
            "realization": [0, 1],
            "class": ["memorized", "spurious", "generalized"],
            "own_threshold": [0.4, 0.5, 0.6],
            "isolation_threshold": [0.5, 1.0, 2.0],
        },
        attrs={"param_dataset": "circle", "param_n_samples": 8, "title": "synthetic"},
    )
    return ds


def test_crossing_is_linear_in_log_k() -> None:
    assert crossing(np.array(KS), np.array([1.0, 0.75, 0.25, 0.0]), rising=False) == pytest.approx(4 * math.sqrt(2))
    assert crossing(np.array(KS), np.array([0.0, 0.1, 0.5, 0.9]), rising=True) == pytest.approx(8.0)
    assert math.isnan(crossing(np.array(KS), np.array([0.0, 0.1, 0.2, 0.3]), rising=True))  # beyond the grid


def test_predicted_lines_are_the_theory_values_at_the_same_coordinates(monkeypatch) -> None:
    monkeypatch.setitem(phase_diagram.THEORY_DRAWS, "circle", (40, 40, 40))  # fewer landscapes: faster
    phase_diagram.predicted_lines.cache_clear()
    res = compare(_dataset())
    phase_diagram.predicted_lines.cache_clear()
    assert "K_gen" in res and res["K_gen"].dims == ("dataset", "beta")
    for beta in BETAS:
        gen = theory.get("diffusion.generalization_onset")(beta=beta, manifold="circle", draws=40)
        r = res.sel(dataset="circle", beta=beta)
        for key in ("K_gen", "K_gen_error", "K_merge", "K_memory_half", "minima_limit"):
            assert float(r[key]) == pytest.approx(float(gen[key]), rel=1e-12), key
        law = theory.get("diffusion.barrier_law")(K=16, beta=beta, manifold="circle", draws=20)
        assert float(r["dense_median_curvature"].sel(K=16)) == pytest.approx(float(law["dense_median_curvature"]))
        assert float(r["dense_median_barrier"].sel(K=16)) == pytest.approx(dense_laws(16, beta).median_barrier)
        # measured: memorized (1, 0.6875, 0.1875, 0) crosses 1/2 between K = 4 and 8 (ln-linear), the generalized
        # attractors (0, 0.1875, 0.5625, 1) between 4 and 8
        f = np.array([1.0, 0.6875, 0.1875, 0.0])
        assert float(r["K_memorized_half"]) == pytest.approx(crossing(np.array(KS), f, rising=False))
        assert float(r["K_memorized_half"]) == pytest.approx(4 * 2 ** (0.1875 / 0.5))
        assert float(r["K_generalized_half"]) == pytest.approx(4 * 2 ** (0.3125 / 0.375))
        lo, hi = r["K_memorized_half_interval"].values
        assert lo < float(r["K_memorized_half"]) < hi
        # threshold-free: two minima per realization (the third end point is no minimum), median lowest eigenvalue
        # of the minima (0.2, 0.4) and median beta*DeltaE of (0.3, inf); one minimum of two in the owning band,
        # holding 3 of 8 samples
        assert float(r["minima_reached"].sel(K=2)) == 2.0
        assert float(r["median_curvature"].sel(K=2)) == pytest.approx(0.3)
        assert float(r["tie_attractors"].sel(K=2)) == 2 and float(r["tie_samples"].sel(K=2)) == pytest.approx(3 / 8)
    text = table(res)
    assert "K_gen" in text and f"{float(res.K_gen.sel(dataset='circle', beta=5.0)):.3g}" in text
    # the figure draws each predicted line at the theory's K for each beta
    fig = plot(res)
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    drawn = lines["generalization: half the minima beta*DeltaE < 1 (barrier law)"]
    assert np.allclose(drawn.get_xdata(), res["K_gen"].sel(dataset="circle").values)
    assert np.allclose(drawn.get_ydata(), BETAS)
    drawn = lines["spurious onset: one merged pair (pair rule)"]
    assert np.allclose(drawn.get_xdata(), res["K_merge"].sel(dataset="circle").values)


def test_cell_edges_of_log_axes_including_a_single_value():
    # the (K, beta) map's cells: edges at the geometric midpoints, the outer ones mirrored in log; one value (a
    # one-point grid, e.g. the small snapshot of diffusion-phase-diagram) gets [v/sqrt 2, v*sqrt 2] instead of failing
    from amphase.analysis.diffusion.phase_figure import _edges

    np.testing.assert_allclose(_edges(np.array([1.0, 4.0, 16.0])), [0.5, 2.0, 8.0, 32.0])
    np.testing.assert_allclose(_edges(np.array([8.0])), [8 / np.sqrt(2), 8 * np.sqrt(2)])
