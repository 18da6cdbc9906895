"""Minimum-energy paths of the LSE energy against exact two-point cases, the exact valley profile on the circle at
large K, and a direct 2-d watershed computation at small K."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy.optimize import brentq

from amphase.errors import ParameterError
from amphase.simulate.descent import fixed_point_iteration, newton_polish
from amphase.simulate.lse import lse
from amphase.simulate.lse_paths import minimum_energy_path, minimum_energy_paths, neighbour_barriers
from amphase.theory.lse_landscape import pair_minima


@pytest.mark.parametrize(("D", "beta"), [(1.0, 10.0), (0.6, 8.0), (2.0, 0.7)])
def test_pair_saddle_at_the_midpoint_with_the_closed_form_barrier(D: float, beta: float) -> None:
    # two memories at +-D/2: minima at +-(D/2)u, u = tanh(beta D^2 u/2); the saddle is the midpoint by symmetry and the
    # barrier E(0) - E(x) (lse_landscape.pair_minima, itself checked by direct minimisation there)
    pm = pair_minima(D, beta)
    mem = np.array([[-D / 2, 0.3], [D / 2, 0.3]])
    p = minimum_energy_path(mem, beta, [-pm.x, 0.3], [pm.x, 0.3])
    assert p.converged and p.n_saddles == 1
    assert np.allclose(p.saddle, [0.0, 0.3], atol=1e-12)
    assert p.barrier_a == pytest.approx(pm.barrier, rel=1e-10) and p.barrier_b == pytest.approx(pm.barrier, rel=1e-10)
    assert p.saddle_energy == pytest.approx(float(lse(beta, mem).energy(np.array([0.0, 0.3]))), abs=1e-14)


def test_path_through_an_intermediate_minimum_gives_the_first_saddle() -> None:
    # three memories on a line at -1, 0, 1 (beta = 6: three minima); the path from the left minimum to the right one
    # runs through the middle minimum. By the mirror symmetry y -> -y the path is the axis, so the exact saddles are
    # the interior maxima of the 1-d profile E(x, 0), found here by root finding on its derivative
    beta = 6.0
    mem = np.array([[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    en = lse(beta, mem)

    def dE(x: float) -> float:
        return float(en.grad(np.array([x, 0.0]))[0])

    xs = brentq(dE, 0.05, 0.95, xtol=1e-15)  # the saddle between the middle and the right minimum (a maximum of E)
    xr = brentq(dE, 0.96, 1.0, xtol=1e-15)  # the right minimum
    xm = 0.0  # the middle minimum, by symmetry
    e = lambda x: float(en.energy(np.array([x, 0.0])))  # noqa: E731
    p = minimum_energy_paths(mem, beta, [[-xr, 0.0]], [[xr, 0.0]])
    assert p.n_saddles[0] == 2 and p.converged[0]
    assert p.barrier_a[0] == pytest.approx(e(xs) - e(xr), rel=1e-9)  # to the middle minimum, not over the whole path
    assert np.allclose(p.saddle_a[0], [-xs, 0.0], atol=1e-10) and np.allclose(p.saddle_b[0], [xs, 0.0], atol=1e-10)
    nb = neighbour_barriers(mem, beta, np.array([[-xr, 0.0], [xr, 0.0], [xm, 0.0]]), neighbours=2)
    assert list(nb.neighbour) == [2, 2, 0]  # across the first saddle of each end lies the middle minimum
    assert nb.barrier[0] == pytest.approx(e(xs) - e(xr), rel=1e-9)
    assert nb.barrier[2] == pytest.approx(e(xs) - e(xm), rel=1e-9)


def _valley(en, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """V(phi) = min_R E(R, phi) and dV/dphi = R dE/d(phi-direction) at R*(phi), by Newton steps in R along each ray."""
    phi = np.atleast_1d(phi)
    e_r = np.stack([np.cos(phi), np.sin(phi)], 1)
    e_phi = np.stack([-np.sin(phi), np.cos(phi)], 1)
    R = np.full(len(phi), 0.97)
    for _ in range(6):  # quadratic convergence from 0.97: the radial minimum lies at 0.96-0.99 here
        x = R[:, None] * e_r
        g = (en.grad(x) * e_r).sum(1)
        h = np.einsum("bi,bij,bj->b", e_r, en.hessian(x), e_r)
        R -= g / h
    x = R[:, None] * e_r
    return en.energy(x), R * (en.grad(x) * e_phi).sum(1)


@pytest.mark.parametrize(("K", "beta", "seed"), [(1000, 10.0, 1), (2000, 20.0, 2)])
def test_ring_barriers_against_the_exact_valley_profile(K: int, beta: float, seed: int) -> None:
    # at large K every minimum lies on the ring and each ray has one radial minimum, so the valley profile
    # V(phi) = min_R E(R, phi) is exact: a saddle of E is a maximum of V (grad E = 0 means dE/dR = 0 and
    # dV/dphi = 0), and every path from one minimum to the next crosses each ray in between, so the lowest pass is the
    # largest V on the arc. The maximum is bracketed on a 201-point grid and located by root finding on dV/dphi.
    rng = np.random.default_rng(seed)
    th = rng.uniform(0, 2 * np.pi, K)
    mem = np.stack([np.cos(th), np.sin(th)], 1)
    en = lse(beta, mem)
    phi = np.linspace(0, 2 * np.pi, 2000, endpoint=False)  # the minima: local minima of V, polished by Newton in 2-d
    v, _ = _valley(en, phi)
    low = (v < np.roll(v, 1)) & (v < np.roll(v, -1))
    mins = newton_polish(en, np.stack([np.cos(phi[low]), np.sin(phi[low])], 1) * 0.97, tol=1e-13, max_steps=100).x
    assert np.all(np.linalg.eigvalsh(en.hessian(mins))[:, 0] > 0)
    ang = np.mod(np.arctan2(mins[:, 1], mins[:, 0]), 2 * np.pi)
    assert np.all(np.abs(np.angle(np.exp(1j * (ang - phi[low])))) < 2 * np.pi / 2000)  # each stayed in its valley
    n = len(mins)
    assert n >= 4
    em = en.energy(mins)
    gaps = np.mod(np.roll(ang, -1) - ang, 2 * np.pi)  # arc from minimum i to minimum i + 1
    grid = ang[:, None] + gaps[:, None] * np.linspace(0, 1, 201)[None, :]
    v, _ = _valley(en, grid.ravel())
    v = v.reshape(grid.shape)
    top = np.empty(n)
    for i in range(n):
        k = int(np.argmax(v[i]))
        p = brentq(lambda f: float(_valley(en, f)[1][0]), grid[i, k - 1], grid[i, k + 1], xtol=1e-14)
        top[i] = float(_valley(en, p)[0][0])
    exact = np.minimum(top - em, np.roll(top, 1) - em)  # the pass toward i + 1, and the one toward i - 1
    nb = neighbour_barriers(mem, beta, mins, neighbours=2, energy=en)
    assert nb.converged.all()
    assert np.allclose(nb.barrier, exact, rtol=1e-8, atol=1e-13)
    assert np.all((nb.neighbour == (np.arange(n) + 1) % n) | (nb.neighbour == (np.arange(n) - 1) % n))


@numba.njit(cache=True)
def _flood(e: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Flood a 2-d grid in order of energy (4-connectivity, union-find). Returns the grid minima (cells that start a
    component) and every merge of two components: its level and the grid minimum that founded each side."""
    ny, nx = e.shape
    flat = e.ravel()
    order = np.argsort(flat)
    parent = -np.ones(ny * nx, dtype=np.int64)
    minima = []
    levels, left, right = [], [], []
    for c in order:
        i, j = c // nx, c % nx
        roots = []
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            a, b = i + di, j + dj
            if a < 0 or b < 0 or a >= ny or b >= nx or parent[a * nx + b] < 0:
                continue
            r = a * nx + b
            while parent[r] != r:
                r = parent[r]
            if r not in roots:
                roots.append(r)
        if len(roots) == 0:  # a new grid minimum founds a component (its root is the minimum itself)
            parent[c] = c
            minima.append(c)
            continue
        parent[c] = roots[0]
        for r in roots[1:]:  # two components meet at this cell; the root of each is its founding (lowest) minimum
            r0 = roots[0]
            while parent[r0] != r0:
                r0 = parent[r0]
            if r0 == r:
                continue
            levels.append(flat[c])
            left.append(r0)
            right.append(r)
            if flat[r] < flat[r0]:
                parent[r0] = r
            else:
                parent[r] = r0
    return np.array(minima), np.array(levels), np.array(left), np.array(right)


def _watershed_barriers(e: np.ndarray, label: dict[int, int], energies: np.ndarray) -> np.ndarray:
    """Per true minimum, the level of the first merge of a component holding it with one holding another minimum,
    minus its energy (its lowest adjacent saddle); ``label`` maps each grid minimum to the true minimum it descends to,
    so grid minima of one basin (a flat minimum can give two cells) count as one."""
    minima, levels, left, right = _flood(e)
    owner = {int(m): int(m) for m in minima}  # union-find over grid minima, following the merges
    held = {int(m): {label[int(m)]} for m in minima}

    def find(m: int) -> int:
        while owner[m] != m:
            m = owner[m]
        return m

    level = np.full(len(energies), np.inf)
    for lev, a, b in zip(levels, left, right, strict=True):
        ra, rb = find(int(a)), find(int(b))
        for t in held[ra]:
            if held[rb] - {t} and level[t] == np.inf:
                level[t] = lev
        for t in held[rb]:
            if held[ra] - {t} and level[t] == np.inf:
                level[t] = lev
        owner[rb] = ra
        held[ra] |= held.pop(rb)
    return level - energies


def test_barriers_against_a_direct_2d_watershed_at_small_k() -> None:
    # K = 7 random points, beta = 10: flooding a grid gives each minimum's lowest adjacent saddle independently of any
    # path. Grid error: the merge cell and the grid minimum lie within one cell (h) of the true points, where E
    # differs by at most max|Hessian| h^2 (a quadratic form over a displacement <= h sqrt(2)), so |difference| <=
    # 2 * Lambda * h^2 with Lambda >= |every Hessian eigenvalue| = |2 - 4 beta Var_w| <= 2 + 4 beta (Var_w <= 1 for
    # points on the unit circle)
    rng = np.random.default_rng(5)
    K, beta = 7, 10.0
    th = rng.uniform(0, 2 * np.pi, K)
    mem = np.stack([np.cos(th), np.sin(th)], 1)
    en = lse(beta, mem)
    h = 0.003
    g = np.arange(-1.4, 1.4 + h / 2, h)
    X, Y = np.meshgrid(g, g, indexing="ij")
    e = en.energy(np.stack([X.ravel(), Y.ravel()], 1)).reshape(X.shape)
    cells = _flood(e)[0]
    starts = np.stack([X.ravel()[cells], Y.ravel()[cells]], 1)
    ends = newton_polish(en, fixed_point_iteration(en, starts, tol=1e-10).x, tol=1e-13).x
    mins = np.unique(np.round(ends, 9), axis=0)
    label = {int(c): int(np.argmin(((mins - x) ** 2).sum(1))) for c, x in zip(cells, ends, strict=True)}
    assert np.all(np.linalg.eigvalsh(en.hessian(mins))[:, 0] > 0)
    assert np.all(np.sqrt(((ends - starts) ** 2).sum(1)) <= 2 * h)  # each grid minimum lies in the cell of a minimum
    grid_barrier = _watershed_barriers(e, label, en.energy(mins))
    nb = neighbour_barriers(mem, beta, mins, neighbours=len(mins) - 1, energy=en)
    lam = 2 + 4 * beta
    assert len(mins) >= 4 and nb.converged.all()
    assert np.all(np.abs(nb.barrier - grid_barrier) <= 2 * lam * h * h)
    assert np.all(nb.barrier > 10 * 2 * lam * h * h)  # the barriers are resolved by the grid, not lost in its error


def test_bad_input_is_named() -> None:
    mem = np.array([[0.0, 0.0], [1.0, 0.0]])
    with pytest.raises(ParameterError, match="images"):
        minimum_energy_path(mem, 1.0, [0, 0], [1, 0], images=2)
    with pytest.raises(ParameterError, match="beta"):
        minimum_energy_path(mem, -1.0, [0, 0], [1, 0])
    with pytest.raises(ParameterError, match="distinct"):
        minimum_energy_path(mem, 1.0, [0, 0], [0, 0])
    with pytest.raises(ParameterError, match="neighbours"):
        neighbour_barriers(mem, 1.0, mem, neighbours=0)
    nb = neighbour_barriers(mem, 1.0, mem[:1])  # one attractor: no neighbour, no barrier
    assert math.isinf(nb.barrier[0]) and nb.neighbour[0] == -1
