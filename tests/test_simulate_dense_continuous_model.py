"""The continuous LSE DenseAM: minima finder against exact thresholds, the ring of minima, the sweep model."""

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import i0e, i1e

from amphase.analysis.dense.lse import compare, ring_tolerance, table
from amphase.errors import ParameterError
from amphase.params import Param
from amphase.simulate.config import load_config, resolve
from amphase.simulate.dense.lse import MODEL, memories
from amphase.simulate.dense.minima import KINDS, find_minima, starts
from amphase.simulate.lse import lse
from amphase.simulate.sweep import run_sweep
from amphase.theory import registry
from amphase.theory.registry import CHEAP, Result, quantity


def ring_radius(beta):
    """R = I1(2 beta R) / I0(2 beta R), the continuum ring (beta > 1)."""
    return brentq(lambda r: r - i1e(2 * beta * r) / i0e(2 * beta * r), 1e-9, 1.0)


def simplex(K):
    mem = np.eye(K) - 1.0 / K
    return mem / np.linalg.norm(mem, axis=1, keepdims=True)


@pytest.mark.parametrize("D", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("factor", [0.95, 1.05])
def test_pair_midpoint_is_a_minimum_below_two_over_D_squared(D, factor):
    mem = np.array([[0.3, -0.2], [0.3 + D, -0.2]])
    beta = factor * 2 / D**2
    found = find_minima(lse(beta, mem), starts(mem, np.random.default_rng(1)))
    mid = mem.mean(axis=0)
    assert found.n_unconverged == 0
    if factor < 1:
        assert found.n_minima == 1 and len(found.x) == 1
        np.testing.assert_allclose(found.x[0], mid, atol=1e-8 * D)
    else:
        assert found.n_minima == 2
        m = found.x[found.is_minimum]
        np.testing.assert_allclose(m.mean(axis=0), mid, atol=1e-8 * D)  # symmetric about the midpoint
        assert set(found.nearest[found.is_minimum]) == {0, 1} and found.on_memory[found.is_minimum].all()
        saddle = found.kind == KINDS.index("saddle")
        assert saddle.sum() == 1 and np.allclose(found.x[saddle][0], mid, atol=1e-8 * D)
        # Hessian at the midpoint: 2 - 4 beta D^2 / 4 along the pair, 2 across it
        np.testing.assert_allclose(found.eigenvalues[saddle][0], [2 - beta * D**2, 2.0], atol=1e-9)


@pytest.mark.parametrize("K", [3, 4, 6])
@pytest.mark.parametrize("factor", [0.95, 1.05])
def test_simplex_centroid_threshold(K, factor):
    beta_c = (K - 1) / 2  # Hessian 2 - 4 beta / (K - 1) on the simplex's span at the centroid (unit radius)
    mem = simplex(K)
    found = find_minima(lse(factor * beta_c, mem), starts(mem, np.random.default_rng(2), random=16, centroids=8))
    at_centre = np.linalg.norm(found.x - mem.mean(axis=0), axis=1) < 1e-8
    assert at_centre.sum() == 1
    ev = found.eigenvalues[at_centre][0]
    np.testing.assert_allclose(ev[: K - 1], 2 - 4 * factor * beta_c / (K - 1), atol=1e-9)
    assert found.kind[at_centre][0] == KINDS.index("minimum" if factor < 1 else "saddle")
    if factor > 1:
        assert found.n_minima >= K  # the minima near the memories


def test_memories_on_a_circle_form_the_continuum_ring():
    K, beta = 300, 5.0
    rng = np.random.default_rng(3)
    mem = memories({"geometry": "circle", "K": K}, rng)
    x0 = starts(mem, rng, random=16, centroids=8)
    x0 = np.concatenate([x0[rng.choice(K, 48, replace=False)], x0[K:]])
    found = find_minima(lse(beta, mem), x0)
    R = ring_radius(beta)
    r = np.linalg.norm(found.x[found.is_minimum], axis=1)
    assert found.n_minima >= 1 and found.n_memory_minima == 0  # merged: no memory keeps its own minimum
    tol = ring_tolerance(K, beta, R)
    assert 0 < tol < 0.05
    assert np.all(np.abs(r - R) < 4 * tol), (r, R, tol)


def test_few_memories_on_a_circle_keep_their_own_minima():
    mem = memories({"geometry": "circle", "K": 5}, np.random.default_rng(0))
    found = find_minima(lse(200.0, mem), starts(mem, np.random.default_rng(1)))
    assert found.n_minima == 5 and found.n_memory_minima == 5 and found.n_spurious == 0
    assert np.all(found.distance[found.is_minimum] < 0.01)


@pytest.fixture
def dense_theory():
    """The three dense.* predictions, registered here where theory/dense does not provide them yet."""
    registry._load_families()  # the real ones where theory/dense provides them; test stand-ins for the rest
    made = []

    def add(name, params, func):
        if name not in registry.REGISTRY:
            quantity(name, params=params, results=[Result("value", name)], reference="test", cost=CHEAP)(func)
            made.append(name)

    def circle_ring(beta: float) -> float:
        """Ring radius."""
        return ring_radius(beta) if beta > 1 else 0.0

    def pair_midpoint_beta(D: float) -> float:
        """2 / D^2."""
        return 2 / D**2

    def simplex_centroid_beta(K: int, r: float = 1.0) -> float:
        """(K - 1) / (2 r^2)."""
        return (K - 1) / (2 * r * r)

    add("dense.circle_ring", [Param("beta", "b", lower=0.0)], circle_ring)
    add("dense.pair_midpoint_beta", [Param("D", "D", lower=0.0)], pair_midpoint_beta)
    add(
        "dense.simplex_centroid_beta",
        [Param("K", "K", lower=2, integer=True), Param("r", "r", lower=0.0, lower_open=True)],
        simplex_centroid_beta,
    )
    yield
    for name in made:
        registry.REGISTRY.pop(name, None)


def _sweep(tmp_path, name, **override):
    _, raw = load_config(name)
    raw = {**raw, **override}
    return run_sweep(resolve(raw), tmp_path / f"{name}.nc", executor="serial", progress=False)


def test_pair_sweep_and_comparison(tmp_path, dense_theory):
    ds = _sweep(tmp_path, "dense-pair", realizations=1, grid={"beta": [1.9, 2.1]})
    res = compare(ds)
    assert list(res["centroid_fraction"].values) == [1, 0]
    assert float(res["beta_theory"]) == 2.0 and int(res["inside"]) == 1
    assert "inside" in table(res)


def test_circle_sweep_and_comparison(tmp_path, dense_theory):
    ds = _sweep(
        tmp_path,
        "dense-circle",
        realizations=2,
        grid={"K": [3, 120]},
        params={"geometry": "circle", "beta": 20.0, "noisy_memories": 24, "random": 8, "centroids": 4},
    )
    res = compare(ds)
    # K = 3 at beta = 20: most memories keep their own minimum; K = 200: they have merged into the ring
    assert float(res["memory_fraction"].sel(K=3)) > 0.5 > float(res["memory_fraction"].sel(K=120))
    assert abs(float(res["R_deviation"].sel(K=120))) < 4
    assert math.isclose(float(res["R_theory"]), ring_radius(20.0))
    assert "K where half" in table(res)


def test_model_checks():
    with pytest.raises(ParameterError, match="K = 2"):
        MODEL.check({**MODEL.defaults, "geometry": "pair", "K": 3, "beta": 1.0})
    with pytest.raises(ParameterError, match="d = 2"):
        MODEL.check({**MODEL.defaults, "geometry": "circle", "K": 3, "d": 3, "beta": 1.0})


def test_merged_pair_is_owned_by_neither_memory():
    # two memories at D: minima carry w = (1 + u)/2, u = tanh(beta D^2 u/2); owned (w > 0.6) iff beta D^2/2 > 1.0137
    mem = np.array([[0.0, 0.0], [1.0, 0.0]])
    for beta, own in ((1.9, 0), (2.0 * 1.05, 2)):  # midpoint w = 1/2 below the merging; u = 0.37 at g = 1.05
        found = find_minima(lse(beta, mem), starts(mem, np.random.default_rng(4)))
        assert found.n_own_minima == own
        np.testing.assert_allclose(found.weight[found.is_minimum], 0.5 if own == 0 else (1 + 0.3708) / 2, atol=2e-3)


def test_circle_counts_agree_with_the_ring_profile_model():
    # K = 10 at beta = 20: 40 realizations against dense.circle_minima (Monte Carlo model, 2000 draws); the allowed
    # deviation, 4 combined standard errors, is set by the sample sizes
    from amphase import theory

    params = {**MODEL.defaults, "geometry": "circle", "K": 10, "beta": 20.0}
    out = [MODEL.run(params, np.random.SeedSequence(99, spawn_key=(r,))) for r in range(40)]
    pred = theory.get("dense.circle_minima")(beta=20.0, K=10, draws=2000)
    n_min = np.array([o["n_minima"] for o in out], float)
    n_own = np.array([o["n_own_minima"] for o in out], float)
    for measured, key in ((n_min, "minima"), (n_own, "own"), (n_min - n_own, "spurious")):
        se = math.hypot(measured.std(ddof=1) / math.sqrt(len(measured)), pred[f"{key}_error"])
        assert abs(measured.mean() - pred[key]) < 4 * se, (key, measured.mean(), pred[key], se)
