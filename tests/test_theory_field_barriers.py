"""Watershed barriers on graphs against exact extrema, the sphere graph, and the circulant Gaussian field."""

import math

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from amphase.theory import field_barriers as fb


def test_ring_watershed_reads_the_exact_minima_and_passes():
    # V = -cos 5x + 0.5 cos x: five minima of different depth; exact extrema by bounded minimisation
    def V(x):
        return -np.cos(5 * x) + 0.5 * np.cos(x)

    M = 20000
    x = 2 * np.pi * np.arange(M) / M
    res = fb.watershed_barriers(V(x), fb.ring_graph(M))
    assert len(res.minima) == 5
    step = 2 * np.pi / 5
    mins = [minimize_scalar(V, bounds=(k * step - 0.4, k * step + 0.4), method="bounded", options={"xatol": 1e-12})
            for k in range(5)]  # fmt: skip
    maxs = [-minimize_scalar(lambda y: -V(y), bounds=((k + 0.5) * step - 0.4, (k + 0.5) * step + 0.4),
                             method="bounded", options={"xatol": 1e-12}).fun for k in range(5)]  # fmt: skip
    exact = np.array([min(maxs[k], maxs[k - 1]) - mins[k].fun for k in range(5)])
    order = np.argsort([(m.x % (2 * np.pi)) for m in mins])
    # read on nodes: error <= max|V''| h^2 / 2 = 25.5 (2 pi/M)^2 / 2 for the minimum and for the pass
    tol = 25.5 * (2 * np.pi / M) ** 2
    np.testing.assert_allclose(np.sort(res.barrier), np.sort(exact[order]), atol=tol)
    # the neighbour across the lowest pass is one of the two adjacent minima
    pos = np.searchsorted(res.minima, res.neighbour)
    gap = np.abs(pos - np.arange(5)) % 5
    assert np.all((gap == 1) | (gap == 4))


def test_torus_watershed_reads_the_saddle_of_two_gaussian_wells():
    # V = -exp(-|r - a|^2) - exp(-|r - b|^2), wells 1.6 apart: by symmetry the saddle is the midpoint
    L, M = 12.0, 480
    g = np.arange(M) * L / M
    X, Y = np.meshgrid(g, g, indexing="ij")
    a, b = np.array([5.2, 6.0]), np.array([6.8, 6.0])

    def V(p):
        p = np.asarray(p)
        return -np.exp(-((p[..., 0] - a[0]) ** 2 + (p[..., 1] - a[1]) ** 2)) - np.exp(
            -((p[..., 0] - b[0]) ** 2 + (p[..., 1] - b[1]) ** 2)
        )

    res = fb.watershed_barriers(V(np.stack([X, Y], axis=-1)).ravel(), fb.torus_graph(M))
    assert len(res.minima) == 2
    vmin = minimize(V, a - 0.1, tol=1e-14).fun
    exact = V((a + b) / 2) - vmin
    h = L / M
    np.testing.assert_allclose(res.barrier, exact, atol=2 * 2.0 * h * h)  # |Hessian| <= 2 per well, edge h sqrt 2


def test_sphere_graph_is_a_fine_triangulation():
    N = 2000
    nodes, nbr = fb.sphere_graph(N)
    np.testing.assert_allclose(np.linalg.norm(nodes, axis=1), 1.0, rtol=1e-14)
    degree = np.array([len(set(row) - {i}) for i, row in enumerate(nbr)])
    assert degree.sum() == 2 * (3 * N - 6)  # Euler: a triangulation of the sphere has 3N - 6 edges
    assert degree.min() >= 4 and degree.max() <= 8
    length = np.linalg.norm(nodes[nbr] - nodes[:, None], axis=2).max()
    assert length < 2.0 * math.sqrt(4 * math.pi / N)


def test_circulant_field_has_its_covariance():
    # covariance exp(-x^2/(2 l^2)) on a ring of M nodes, l = 4 nodes; lag-k covariance within 4 standard errors
    M, ell = 256, 4.0
    x = np.minimum(np.arange(M), M - np.arange(M))
    c = np.exp(-(x**2) / (2 * ell**2))
    f = fb.circulant_field(np.fft.fft(c), np.random.default_rng(0), 2000)
    for k in (0, 2, 5, 10):
        per_field = (f * np.roll(f, -k, axis=1)).mean(axis=1)  # one estimate per field (fields are independent)
        se = per_field.std(ddof=1) / math.sqrt(len(per_field))
        assert abs(per_field.mean() - c[k]) < 4 * se, (k, per_field.mean(), c[k], se)
