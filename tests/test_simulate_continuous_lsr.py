"""The log-sum-ReLU energy: values, gradient, Hessian, and the minima the generic finder reaches against exact counts.

Exact references: the self-consistent centroids enumerated over all subsets (as the authors' LMIN0 experiment does,
Hoover et al. 2025, arXiv:2506.10801) and the closed forms of :mod:`amphase.theory.dense.lsr`.
"""

import itertools
import math
import warnings

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.continuous import ENERGIES, make_energy
from amphase.simulate.continuous.lsr import LSREnergy
from amphase.simulate.dense.lse import MODEL, memories
from amphase.simulate.dense.minima import find_minima
from amphase.simulate.seeding import child_rng
from amphase.theory.dense.lsr import circle_minima, pair_minima, self_consistent, simplex_minima


def _direct(x, mem, beta):
    """E, grad by a dense NumPy evaluation of the definition (all memories, no tiles, no centring)."""
    d2 = ((x[:, None, :] - mem[None]) ** 2).sum(-1)
    k = np.maximum(0.0, 1.0 - beta * d2)
    g = k.sum(1)
    grad = (2 * beta * ((x[:, None, :] - mem[None]) * (beta * d2 < 1)[:, :, None]).sum(1)) / (beta * g[:, None])
    return -np.log(g) / beta, grad


def test_registered_by_being_in_the_package():
    assert ENERGIES["lsr"] is LSREnergy
    assert "lsr" in MODEL.params[0].choices  # dense.lse's energy choice, with no edit to the model


def test_energy_gradient_and_hessian_against_direct_evaluation():
    rng = np.random.default_rng(5)
    mem = rng.standard_normal((40, 3)) * 0.5 + 3.0  # off the origin: the centring must not change anything
    beta = 2.0
    e = make_energy("lsr", beta, mem, tile=7)  # several tiles
    x = mem[rng.integers(0, 40, 25)] + 0.2 * rng.standard_normal((25, 3))
    E, G = e.energy_and_grad(x)
    E0, G0 = _direct(x, mem, beta)
    np.testing.assert_allclose(E, E0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(G, G0, rtol=1e-10, atol=1e-12)
    # Hessian by central differences of the exact gradient (the active set is constant within h of x)
    h = 1e-6
    H = e.hessian(x)
    for i in range(3):
        dx = np.zeros(3)
        dx[i] = h
        fd = (e.grad(x + dx) - e.grad(x - dx)) / (2 * h)
        np.testing.assert_allclose(H[:, :, i], fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e.hessian_eigenvalues(x), np.linalg.eigvalsh(H), rtol=1e-10)
    far = np.full((1, 3), 50.0)  # outside every support: E = +inf, no gradient, and no floating-point warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Ef, Gf = e.energy_and_grad(far)
        st = e.stats(far, top=1)
        ev = e.hessian_eigenvalues(far)
    assert Ef[0] == np.inf and np.isnan(Gf).all() and st.energy[0] == np.inf and np.isnan(ev).all()


def test_one_memory_is_a_minimum_at_itself():
    xi = np.array([[0.3, -0.2]])
    e = make_energy("lsr", 4.0, xi)
    starts = xi + 0.1 * np.random.default_rng(0).standard_normal((10, 2))
    found = find_minima(e, starts)
    assert found.n_minima == 1 and found.n_unconverged == 0
    np.testing.assert_array_equal(found.x[0], xi[0])  # exact retrieval: mean shift lands on xi itself
    assert found.energy[0] == 0.0
    np.testing.assert_allclose(found.eigenvalues[0], [2.0, 2.0], rtol=1e-14)  # (2n/g) I with n = g = 1


@pytest.mark.parametrize("bd2", [0.9, 1.1, 1.5, 3.0, 3.9, 4.1, 5.0])
def test_pair_minima_through_the_model(bd2):
    # D = 1, beta = bd2: thresholds at beta D^2 = 1 (memories) and 4 (midpoint), each side of each
    params = {**MODEL.defaults, "geometry": "pair", "K": 2, "D": 1.0, "beta": bd2, "energy": "lsr"}
    out = MODEL.run(params, np.random.SeedSequence(3))
    n, at_memories, midpoint = pair_minima(bd2, 1.0)
    assert int(out["n_minima"]) == n
    assert int(out["n_saddles"]) == 0 and int(out["n_degenerate"]) == 0
    assert int(out["centroid_minimum"]) == midpoint
    assert int(out["n_memory_minima"]) == 2 * at_memories  # the midpoint is exactly half a spacing away: on neither
    if midpoint:  # E at the midpoint, -log(2 - beta D^2/2)/beta
        at_mid = np.isclose(out["fp_radius"], 0.0, atol=1e-12)
        np.testing.assert_allclose(out["fp_energy"][at_mid], -math.log(2 - bd2 / 2) / bd2, rtol=1e-13)


@pytest.mark.parametrize("bd2", [1.3, 2.0, 2.6, 3.5, 4.5, 5.0])
def test_simplex_minima_from_every_subset_centroid(bd2):
    K = 5
    mem = np.eye(K) - 1.0 / K
    mem /= np.linalg.norm(mem, axis=1, keepdims=True)
    D2 = 2 * K / (K - 1)
    beta = bd2 / D2
    starts = np.array([mem[list(S)].mean(0) for s in range(1, K + 1) for S in itertools.combinations(range(K), s)])
    found = find_minima(make_energy("lsr", beta, mem), starts)
    assert found.n_minima == simplex_minima(K, beta, math.sqrt(D2)) == len(self_consistent(mem, beta))
    assert (found.kind == 0).all()


@pytest.mark.parametrize("seed", range(4))
def test_random_sets_the_finder_reaches_exactly_the_self_consistent_centroids(seed):
    rng = np.random.default_rng(seed)
    K = 9
    mem = rng.uniform(-1, 1, (K, 2))
    beta = 3.0
    starts = np.array([mem[list(S)].mean(0) for s in range(1, K + 1) for S in itertools.combinations(range(K), s)])
    found = find_minima(make_energy("lsr", beta, mem), starts + 1e-3 * rng.standard_normal(starts.shape))
    exact = self_consistent(mem, beta)
    assert found.n_minima == len(exact) and (found.kind == 0).all()
    d = np.sqrt(((found.x[:, None] - exact[None]) ** 2).sum(-1))
    assert d.min(axis=1).max() < 1e-12  # every minimum found is an enumerated one, to rounding


def test_circle_the_finder_reaches_the_arc_count_and_never_exceeds_it():
    # K = 50 at beta = 20: starts at every run's centroid find exactly the arc enumeration's minima; the model's
    # generic starts find a subset of them (no minimum that the enumeration lacks)
    beta = 20.0
    for r in range(3):
        seed = np.random.SeedSequence(11, spawn_key=(r,))
        params = {**MODEL.defaults, "geometry": "circle", "K": 50, "beta": beta, "energy": "lsr"}
        out = MODEL.run(params, seed)
        mem = memories(params, child_rng(seed, 0))
        order = np.argsort(np.arctan2(mem[:, 1], mem[:, 0]))
        n_exact = circle_minima(np.arctan2(mem[:, 1], mem[:, 0]), beta)
        pp = np.concatenate([mem[order], mem[order]])
        runs = np.array([pp[i : i + L].mean(0) for L in range(1, 51) for i in range(50)])
        found = find_minima(make_energy("lsr", beta, mem), runs)
        assert found.n_minima == n_exact
        assert int(out["n_minima"]) <= n_exact and int(out["n_saddles"]) == 0


@pytest.mark.parametrize("K", [3, 6, 10, 13])
def test_circle_enumeration_equals_brute_force(K):
    rng = np.random.default_rng(K)
    for beta in (0.5, 2.0, 8.0, 20.0, 60.0):
        th = rng.uniform(0, 2 * math.pi, K)
        assert circle_minima(th, beta) == len(self_consistent(np.stack([np.cos(th), np.sin(th)], 1), beta))


def test_pair_and_simplex_closed_forms_equal_brute_force():
    for bd2 in (0.5, 0.99, 1.01, 2.0, 3.99, 4.01, 9.0):
        mem = np.array([[0.0, 0.0], [1.0, 0.0]])
        assert pair_minima(bd2, 1.0)[0] == len(self_consistent(mem, bd2))
    for K in (2, 3, 5, 8):
        mem = np.eye(K)  # pairwise distance sqrt(2)
        for beta in np.linspace(0.3, 4.0, 12):
            assert simplex_minima(K, beta, math.sqrt(2.0)) == len(self_consistent(mem, beta))
    # beta D^2 = 2: (s - 1)/s < 1 < (s + 1)/s for every s, so every one of the 2^K - 1 subset centroids is a minimum
    assert simplex_minima(8, 1.0, math.sqrt(2.0)) == 2**8 - 1


def test_bad_input_names_the_parameter():
    with pytest.raises(ParameterError, match="beta"):
        make_energy("lsr", -1.0, np.zeros((2, 2)))
    with pytest.raises(ParameterError, match="tile"):
        LSREnergy(1.0, np.zeros((2, 2)), tile=0)
    with pytest.raises(ParameterError, match="second"):
        make_energy("lsr", 1.0, np.zeros((2, 2))).stats(np.zeros((1, 2)), second="full")
    with pytest.raises(ParameterError, match="K=1"):
        simplex_minima(1, 1.0, 1.0)
