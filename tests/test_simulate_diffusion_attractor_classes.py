"""The physical classes of ``diffusion.exact`` on the sphere S^2 (d = 3): two training points, classes by hand.

Two memories xi_1, xi_2 on the unit sphere at distance D: with e = (xi_2 - xi_1)/D and c their midpoint, x = c + u e +
v (v orthogonal to e) gives |x - xi_1,2|^2 = |v|^2 + (u -+ D/2)^2, so the LSE energy is |v|^2 plus the pair's energy
along the chord. Its minima lie on the chord, inside the ball: for g = beta D^2/2 > 1 two at u = +-(D/2) tanh(g u/
(D/2)), each owned with weight (1 + 2u/D)/2, with the barrier E(c) - E(minimum) between them; for g < 1 one at c,
weights 1/2 and 1/2 (lse_landscape.pair_minima, a closed form with no path method). The model finds the minima by
its sampler, descent and Newton steps in 3-d and the barrier by the string method in 3-d; this checks both against
the closed form and the labels against the definitions (owned: weight > 1/2; isolated: beta_t DeltaE >= 1).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from amphase.simulate.diffusion import exact as model
from amphase.theory.lse_landscape import pair_minima

MEM, SPUR, GEN = range(3)
SEED = np.random.SeedSequence(2)  # D = 0.959
PARAMS = {**model.DEFAULTS, "dataset": "sphere", "d": 3, "K": 2, "n_samples": 24, "delta_m": 0.005,
          "delta_s": 1e-4, "tol": 1e-10, "neighbours": 2, "images": 16, "max_stored": 8}  # fmt: skip


def _beta_at(D: float, target: float) -> float:
    """The beta at which the split pair's beta * DeltaE equals ``target`` (beta * DeltaE grows with beta)."""
    return brentq(lambda b: b * pair_minima(D, b).barrier - target, 2.0 / D**2 * 1.0001, 1e4, xtol=1e-12)


def test_two_points_on_the_sphere_have_the_closed_form_classes() -> None:
    data, _ = model.training_points({**PARAMS, "beta": 10.0}, SEED)
    D = float(np.linalg.norm(data[1] - data[0]))
    c, e = (data[0] + data[1]) / 2, (data[1] - data[0]) / D
    assert np.allclose(np.linalg.norm(data, axis=1), 1.0) and 0.2 < D < 1.8  # a pair on S^2, neither close nor opposite
    # split pair, beta * DeltaE = 3: both minima owned and isolated -> memorized at every threshold pair;
    # beta * DeltaE = 0.75: owned but not isolated -> generalized at isolation 1 and 2, memorized at 1/2
    for target, expect in ((3.0, [MEM, MEM, MEM]), (0.75, [MEM, GEN, GEN])):
        beta = _beta_at(D, target)
        pm = pair_minima(D, beta)
        out = model.run({**PARAMS, "beta": beta}, SEED)
        n = int(out["n_attractors"])
        assert n == 2 and int(out["n_not_minimum"]) == 0 and int(out["n_path_unconverged"]) == 0
        x = out["attractor_x"][:n]
        u = (x - c) @ e
        assert np.allclose(np.sort(u), [-pm.x, pm.x], atol=1e-8)  # on the chord, at the closed-form minima
        assert np.allclose(x - c - np.outer(u, e), 0.0, atol=1e-8)  # inside the ball, off the sphere
        assert np.allclose(out["attractor_own_weight"][:n], (1 + 2 * pm.x / D) / 2, rtol=1e-9)
        assert np.allclose(out["attractor_beta_barrier"][:n], target, rtol=1e-7)
        counts = out["class_count"][:, 1, :]  # (class, isolation 1/2, 1, 2) at the owning threshold 1/2
        assert [int(counts[:, j].argmax()) for j in range(3)] == expect and np.all(counts.max(axis=0) == 24)
    # merged pair (g = 1/2): one minimum at the midpoint with weights 1/2 exactly, no neighbour -> isolated; not owned
    # at 1/2 and 0.6 (spurious), owned at 0.4 (memorized): the tie the owning band shows
    beta = 1.0 / D**2
    out = model.run({**PARAMS, "beta": beta}, SEED)
    assert int(out["n_attractors"]) == 1 and np.isinf(out["attractor_beta_barrier"][0])
    assert np.allclose(out["attractor_x"][0], c, atol=1e-9)
    assert out["attractor_own_weight"][0] == pytest.approx(0.5, abs=1e-12)
    counts = out["class_count"][:, :, 1]  # (class, owning 0.4, 0.5, 0.6) at isolation 1
    assert [int(counts[:, i].argmax()) for i in range(3)] == [MEM, SPUR, SPUR] and np.all(counts.max(axis=0) == 24)
