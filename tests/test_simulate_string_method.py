"""The string method's generic pieces: equal-arc-length redistribution, the line integral (gradient theorem on the
exact LSE energy; Stokes for a field that is no gradient), and the barriers an energy profile gives."""

from __future__ import annotations

import numpy as np
import pytest

from amphase.simulate.lse import lse
from amphase.simulate.string_method import line_integral, profile_barriers, relax_strings, reparametrize
from amphase.theory.lse_landscape import pair_minima


def test_reparametrize_gives_equal_arc_length_on_the_same_polyline() -> None:
    x = np.array([[[0.0, 0.0], [0.1, 0.0], [1.0, 0.0], [1.0, 0.3], [1.0, 1.0]]])
    y = reparametrize(x)
    seg = np.sqrt(((y[0, 1:] - y[0, :-1]) ** 2).sum(-1))
    assert np.allclose(seg, 0.5, atol=1e-14)  # total length 2 over 4 segments; the corner (1, 0) is an image
    assert np.allclose(y[0], [[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1]], atol=1e-14)


def test_line_integral_of_the_exact_gradient_is_the_energy_difference() -> None:
    # gradient theorem on any path: along a crooked polyline through a K = 9 landscape at beta = 10 the cumulative
    # line integral of grad E equals E(x_i) - E(x_0) up to the quadrature error of 4-point Gauss-Legendre per segment,
    # O(h^8): it falls by more than 2.5^7 when the segments shrink by 2.5, and sits below 1e-10 of the energy range
    # on 200 images
    rng = np.random.default_rng(0)
    th = rng.uniform(0, 2 * np.pi, 9)
    en = lse(10.0, np.stack([np.cos(th), np.sin(th)], 1))
    err = {}
    for n, nodes in ((80, 4), (200, 4), (200, 1)):
        s = np.linspace(0, 1, n)
        x = np.stack([1.1 * np.cos(5 * s) - 0.2, 0.9 * np.sin(4 * s) + 0.1 * s], 1)[None]
        e = en.energy(x[0])
        err[n, nodes] = np.abs(line_integral(en.grad, x, nodes=nodes)[0] - (e - e[0])).max() / np.ptp(e)
    assert err[200, 4] <= 1e-10 and err[80, 4] / err[200, 4] > 2.5**7
    assert err[200, 1] > 1e-5  # the midpoint rule: the test resolves the quadrature


def test_line_integral_of_a_rotation_field_is_twice_the_area() -> None:
    # g = (-y, x) is no gradient: its integral once around the unit square is 2 (Stokes: curl g = 2, area 1)
    sq = np.array([[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]])
    prof = line_integral(lambda p: np.stack([-p[:, 1], p[:, 0]], 1), sq)
    assert prof[0, -1] == pytest.approx(2.0, abs=1e-14)


def test_relaxed_pair_string_tops_out_at_the_closed_form_barrier() -> None:
    # two memories at +-D/2 (beta = 10, D = 1): the string between the two minima, started off the axis, relaxes onto
    # the axis; its line-integral profile peaks at the midpoint with the barrier E(0) - E(x) of pair_minima, up to the
    # profile's sampling (images at distance h = 2x/(M-1) from the top: error <= |E''| h^2 / 8, E'' = 2 - beta D^2)
    D, beta, M = 1.0, 10.0, 25  # an odd M puts an image on the midpoint
    pm = pair_minima(D, beta)
    en = lse(beta, np.array([[-D / 2, 0.0], [D / 2, 0.0]]))
    a, b = np.array([[-pm.x, 0.0]]), np.array([[pm.x, 0.0]])
    x, done = relax_strings(en.grad, a, b, images=M, dt=0.5, tol=1e-10, max_iter=2000, scale=1.0)
    assert done[0] and np.abs(x[0, :, 1]).max() < 1e-12
    prof = line_integral(en.grad, x)
    pb = profile_barriers(prof)
    assert pb.maxima == [[M // 2]] and pb.first_a[0] == pb.first_b[0] == M // 2
    assert prof[0, M // 2] == pytest.approx(pm.barrier, abs=1e-10)  # an image sits on the top: exact
    assert prof[0, -1] == pytest.approx(0.0, abs=1e-10)  # back down to the mirror minimum: a closed energy
