"""Physical classes for any score: on the exact score the line-integral energy is the exact one (an identity), and the
classes agree with those of the exact LSE energy."""

from __future__ import annotations

import numpy as np
import pytest

from amphase.analysis.diffusion.score_classes import exact_identity, field_barriers, score_classes
from amphase.simulate.descent import fixed_point_iteration, newton_polish
from amphase.simulate.diffusion.data import training_set
from amphase.simulate.diffusion.schedules import ve
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.lse_attractors import classify_attractors


@pytest.fixture(scope="module")
def toy():
    sch = ve(sigma=1.0)
    pts = training_set("circle", 9, np.random.SeedSequence(20250527))  # the paper's toy, K = 9
    sc = exact_score(pts, sch, dtype="float64")
    t = 0.05  # beta_t = 10
    en = sc.energy_at(t)
    phi = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    y = fixed_point_iteration(en, 0.95 * np.stack([np.cos(phi), np.sin(phi)], 1), tol=1e-6, max_steps=3000).x
    return sch, pts, sc, t, newton_polish(en, y, tol=1e-12).x


def test_line_integral_of_the_exact_score_is_the_exact_energy(toy) -> None:
    # along every string between neighbouring minima: E(x_i) - E(x_0) = -beta^-1 int S . dx (gradient theorem), to
    # the quadrature (4-point Gauss-Legendre per segment, 32 images); the barriers read from the line-integral profile
    # (its highest point along the polyline) and from the exact energy at the Newton-refined saddle then agree to the
    # profile's sampling (measured 3.5e-5 relative at 32 images, 1.3e-6 at 128)
    _, _, sc, t, y = toy
    ac = classify_attractors(sc.energy_at(t), y)
    mins = ac.attractors.x[ac.attractors.is_minimum]
    assert len(mins) == 5
    idn = exact_identity(sc, t, mins)
    assert idn["profile_error"] < 1e-8
    b = idn["barriers"]
    assert np.allclose(b[:, 0], b[:, 1], rtol=2e-4)
    assert b[:, 0].min() < 1 < b[:, 0].max()  # the thresholds matter here: some minima isolated, some not


def test_score_classes_of_the_exact_score_match_the_lse_classes(toy) -> None:
    sch, pts, sc, t, y = toy
    ac = classify_attractors(sc.energy_at(t), y)
    c = score_classes(sc, sch, t, y, pts)
    order = np.lexsort(c.x.T)
    ref = np.lexsort(ac.attractors.x.T)
    assert np.allclose(c.x[order], ac.attractors.x[ref], atol=1e-8) and c.is_minimum.all()
    assert np.allclose(c.own_weight[order], ac.own_weight[ref], rtol=1e-10)
    assert np.allclose(c.beta_barrier[order], ac.beta_barrier[ref], rtol=2e-4)
    assert np.array_equal(c.label[order], ac.label[ref])
    assert c.sample_counts[:, 1, 1].sum() == len(y)


def test_field_barriers_of_a_tilted_double_well() -> None:
    # E = (x^2 - 1)^2 + c x + y^2 (a gradient, so the line integral is exact): minima near x = -1 and 1, the saddle
    # near 0; barrier from each minimum = E(saddle) - E(minimum), located here by root finding in 1-d
    from scipy.optimize import brentq

    c = 0.3

    def e1(x: float) -> float:
        return (x * x - 1) ** 2 + c * x

    def d1(x: float) -> float:
        return 4 * x * (x * x - 1) + c

    xs = brentq(d1, -0.5, 0.5)
    lo, hi = brentq(d1, -1.5, -0.5), brentq(d1, 0.5, 1.5)
    grad = lambda p: np.stack([4 * p[:, 0] * (p[:, 0] ** 2 - 1) + c, 2 * p[:, 1]], 1)  # noqa: E731
    bar, neigh = field_barriers(grad, np.array([[lo, 0.0], [hi, 0.0]]), neighbours=1)
    assert list(neigh) == [1, 0]
    assert bar == pytest.approx([e1(xs) - e1(lo), e1(xs) - e1(hi)], rel=1e-6)
