"""One Hopfield realization: cues, seeding, measurements, and the retrieval overlap against the RS theory."""

import numpy as np
import pytest

from amphase import theory
from amphase.analysis.statistics import clustered_mean
from amphase.simulate.binary.engine import cue_states
from amphase.simulate.hopfield.hopfield import HopfieldRun
from amphase.simulate.hopfield.preset import STATUS, run_realization
from amphase.simulate.patterns import binary_patterns as draw_patterns
from amphase.simulate.seeding import child_rng


def test_pattern_cue_flips_exactly_the_requested_fraction():
    xiT = draw_patterns(np.random.default_rng(0), 1000, 50)
    run = HopfieldRun(N=1000, alpha=0.05, noise=0.137, trials=5)
    S, cued = cue_states(xiT, run.binary, [np.random.default_rng(t) for t in range(5)])
    assert cued.tolist() == [0, 1, 2, 3, 4]
    for t in range(5):
        assert np.count_nonzero(S[t] != xiT[:, t]) == 137


def test_mixture_cue_is_the_sign_of_the_pattern_sum():
    xiT = draw_patterns(np.random.default_rng(1), 2001, 40)
    run = HopfieldRun(N=2001, alpha=0.02, cue="mixture", n_mix=3, trials=2)
    S, cued = cue_states(xiT, run.binary, [np.random.default_rng(t) for t in range(2)])
    assert cued.tolist() == [0, 3]
    assert np.array_equal(S[1], np.sign(xiT[:, 3:6].sum(axis=1)))
    # each of the three overlaps of the 3-mixture is 1/2 on average (AGS 1985): binomial error sqrt(3/4 / N)
    m = xiT[:, 3:6].T.astype(float) @ S[1] / 2001
    assert np.all(np.abs(m - 0.5) < 4 * np.sqrt(0.75 / 2001))


def test_child_streams_do_not_depend_on_spawning_history():
    seed = np.random.SeedSequence(5, spawn_key=(2,))
    a = child_rng(seed, 1, 3).random(4)
    seed.spawn(3)  # spawning children must not shift the keyed streams
    assert np.array_equal(a, child_rng(seed, 1, 3).random(4))
    assert not np.array_equal(a, child_rng(seed, 1, 4).random(4))


@pytest.mark.parametrize("backend", ["cpu", "numpy"])
def test_trials_are_independent_of_how_many_share_a_realization(backend):
    seed = np.random.SeedSequence(9)
    two = run_realization(HopfieldRun(N=300, alpha=0.14, noise=0.2, trials=2, backend=backend), seed)
    five = run_realization(HopfieldRun(N=300, alpha=0.14, noise=0.2, trials=5, backend=backend), seed)
    for key in ("overlap", "energy", "sweeps", "status", "top_overlap"):
        np.testing.assert_array_equal(two[key], five[key][:2])


def test_measurements_match_direct_computations():
    seed = np.random.SeedSequence(3)
    run = HopfieldRun(N=400, alpha=0.1, noise=0.3, trials=3, top=4)
    out = run_realization(run, seed)
    m = out["overlap"].astype(np.float64)  # stored as float32: exact to 1e-7
    np.testing.assert_allclose(out["energy"], -0.5 * (m**2).sum(axis=1) + 40 / 800, atol=1e-6)
    assert out["K"] == 40
    np.testing.assert_allclose(np.abs(out["top_overlap"][:, 0]), np.abs(m).max(axis=1), atol=1e-7)
    assert np.all(np.diff(np.abs(out["top_overlap"]), axis=1) <= 0)
    np.testing.assert_allclose(np.take_along_axis(m, out["top_pattern"], 1), out["top_overlap"], atol=1e-7)
    np.testing.assert_allclose(out["m_cue"], m[np.arange(3), out["cue_pattern"]], atol=1e-7)
    assert set(out["status"]) <= {STATUS.index("fixed_point")}
    # overlaps are multiples of 1/N
    np.testing.assert_allclose(out["top_overlap"] * 400, np.rint(out["top_overlap"] * 400), atol=1e-9)


def test_energy_formula_against_the_dense_hamiltonian():
    rng = np.random.default_rng(4)
    N, P = 250, 20
    xiT = draw_patterns(rng, N, P)
    s = (2 * rng.integers(0, 2, N) - 1).astype(np.int8)
    from amphase.simulate.hopfield.preset import measure

    M = (xiT.T.astype(np.int64) @ s).astype(np.int32)[None]
    e = measure(M, N, np.array([-1]), np.array([0]), np.array([0]), 3)["energy"][0]
    J = xiT.astype(float) @ xiT.T.astype(float) / N
    np.fill_diagonal(J, 0)
    assert e == pytest.approx(-0.5 * s @ J @ s / N, abs=1e-13)


def test_sweep_limit_is_reported():
    out = run_realization(HopfieldRun(N=300, alpha=0.3, cue="random", sweeps=1, trials=4), np.random.SeedSequence(0))
    assert np.all(out["sweeps"] == 1)
    assert np.all(out["status"] == STATUS.index("max_sweeps"))  # one sweep from a random state never suffices here


def test_the_pattern_dimension_and_overlap_exist_only_when_every_overlap_is_stored():
    """overlaps="top" (hopfield-capacity, hopfield-fss) writes no overlap variable and so no pattern dimension; with
    "all" the dimension holds the most patterns over the grid, P = round(alpha N) = round(0.15 * 300) = 45."""
    config = {"params": {**HopfieldRun.MODEL.defaults, "trials": 2, "top": 3}, "grid": {"N": [100, 300],
              "alpha": [0.05, 0.15]}}  # fmt: skip
    assert HopfieldRun.MODEL.sizes(config) == {"trial": 2, "rank": 3, "pattern": 45}
    assert "overlap" in HopfieldRun.MODEL.variables(config)
    config["params"]["overlaps"] = "top"
    assert HopfieldRun.MODEL.sizes(config) == {"trial": 2, "rank": 3}
    assert set(HopfieldRun.MODEL.coords(config)) == {"trial", "rank"}
    assert "overlap" not in HopfieldRun.MODEL.variables(config)
    out = HopfieldRun(N=100, alpha=0.05, trials=2, top=3, overlaps="top").run(np.random.SeedSequence(0))
    assert "overlap" not in out and out["top_overlap"].shape == (2, 3)


@pytest.mark.parametrize("alpha", [0.06, 0.1])
def test_retrieval_overlap_agrees_with_replica_symmetric_theory(alpha):
    # end states from the stored patterns at N = 2000; the error is the realization-clustered standard error of 24
    # trajectories (6 pattern sets x 4 patterns); RS m(0.06) = 0.99990, m(0.1) = 0.99800 (AGS 1987)
    m = np.array(
        [
            run_realization(HopfieldRun(N=2000, alpha=alpha, trials=4), np.random.SeedSequence(100 + r))["m_cue"]
            for r in range(6)
        ]
    )
    mean, err, n = clustered_mean(m, np.ones_like(m, dtype=bool))
    err = max(err, 2 / (2000 * n))  # the resolution of one flipped spin among all end states
    m_rs = theory.get("hopfield.overlap")(alpha=alpha)["m"]
    assert abs(mean - m_rs) < 3 * err


@pytest.mark.parametrize(("alpha", "T"), [(0.0005, 0.5), (0.05, 0.3)])
def test_heat_bath_overlap_agrees_with_replica_symmetric_theory(alpha, T):
    # Glauber dynamics from the patterns, 40 sweeps at N = 2000; the end-state overlap fluctuates around the thermal
    # average. alpha = 0.0005 is one pattern: Curie-Weiss, m = tanh(m / T) = 0.95725 at T = 0.5; at alpha = 0.05,
    # T = 0.3 the RS overlap is 0.99116 (AGS 1987). 24 trajectories, error clustered by realization.
    m = np.array(
        [
            run_realization(
                HopfieldRun(N=2000, alpha=alpha, T=T, sweeps=40, trials=4), np.random.SeedSequence(200 + r)
            )["m_cue"]
            for r in range(6)
        ]
    )
    mean, err, _ = clustered_mean(m, np.ones_like(m, dtype=bool))
    m_rs = theory.get("hopfield.overlap")(alpha=alpha, T=T)["m"]
    assert abs(mean - m_rs) < 3 * err
