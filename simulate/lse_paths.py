r"""Minimum-energy paths, saddles and barriers of the log-sum-exp energy (string method, exact gradient).

Energy (:mod:`amphase.simulate.lse`): :math:`E(x) = -\beta^{-1}\log\sum_\mu e^{-\beta\lVert x-\xi^\mu\rVert^2}`,
:math:`\nabla E = 2(x - m(x))`, :math:`\nabla^2 E = 2I - 4\beta\operatorname{Cov}_w(\xi)`. This module names no model
family: the continuous DenseAM and the exact-score diffusion model (at :math:`\beta_t = 1/(2\sigma_t^2)`, where
:math:`-\log p_t = \beta_t E_t + \text{const}`) share it.

The string method
-----------------
A minimum-energy path (MEP) between two minima :math:`a, b` is a curve along which the gradient is tangent; its
highest point is a saddle of index one, and :math:`E(\text{saddle}) - E(a)` is the barrier from :math:`a`.
:func:`minimum_energy_paths` follows the string method (:mod:`amphase.simulate.string_method`, which needs only the
gradient) of E, Ren & Vanden-Eijnden (Phys. Rev. B 66, 052301 (2002);
simplified form J. Chem. Phys. 126, 164103 (2007)), batched over many paths at once (one streaming LSE pass per
iteration for every image of every path):

1. ``images`` points on the straight segment from :math:`a` to :math:`b` (the ends stay fixed: they are minima);
2. each interior image takes a step down the exact gradient, :math:`x_i \leftarrow x_i - \Delta t\,\nabla E(x_i)`,
   with :math:`\Delta t = 1/2` by default (for the LSE energy :math:`x - \tfrac12\nabla E = m(x)` is the fixed-point
   map, and every Hessian eigenvalue is :math:`\le 2`, so the relaxation normal to the string is stable); a move is
   capped at half the mean image spacing so that no image jumps a ridge;
3. the images are redistributed at equal arc length along the piecewise-linear string, which undoes the tangential
   part of the step (the simplified string method). Projecting the gradient on the normal instead (the original
   string method, or NEB without springs) was tried and oscillated without converging between memories at
   :math:`\beta = 10`, where the string bends sharply near the wells;
4. until no image moves by more than ``string_tol`` times the data scale in one iteration (or ``max_iter``).

The saddles are then refined. Every interior local maximum of the energy profile along the converged string gives a
start, the top of the parabola through it and its two neighbours (positions interpolated along the string), for
Newton steps on :math:`\nabla E = 0` with the exact Hessian (``d <= 64``): no longer than the image spacing, halved
until :math:`\lVert\nabla E\rVert` decreases (the Newton direction is a descent direction of
:math:`\lVert\nabla E\rVert^2`). A saddle is accepted when the gradient falls below ``tol`` times the data scale,
the Hessian there has exactly one negative eigenvalue, the point lies within two spacings of its start and its energy
is not below the string's image there (the pass of a path lies at or above its points). Where
Newton fails (or ``d > 64``) a climbing image (Henkelman, Uberuaga & Jónsson, J. Chem. Phys. 113, 9901 (2000)) takes
over: :math:`x \leftarrow x - \Delta t(\nabla E - 2(\nabla E\cdot\tau)\tau)`, the gradient reversed along the
string's tangent, which climbs to the saddle along the path and descends across it (its step halved for a point
whose gradient grew). A path is ``converged`` when the string met its tolerance and every saddle was refined. A saddle
that could not be refined is left at its start on the string, whose energy bounds the pass from above (every path's
highest point lies above the lowest pass): this happens where a string between distant minima rests on a ridge with
no critical point on it (seen between minima on opposite sides of the circle at K = 4, whose path across the central
hill has a flat direction across it), a path that is never the lowest one.

Barriers and intermediate minima
--------------------------------
A path between two minima may pass through a third one: the profile then has several local maxima. The barrier from
:math:`a` to its *nearest* attractor along the path is set by the first saddle from :math:`a`
(:math:`\Delta E_a = E(s_1) - E(a)`), the barrier from :math:`b` by the last (:math:`\Delta E_b = E(s_n) - E(b)`);
``saddle`` is the highest of them (the barrier of the whole path). A profile with no interior maximum (one end is not
a minimum but slides to the other) gives :math:`\Delta E = 0` from the higher end and the energy difference from the
lower one, with ``n_saddles = 0``.

:func:`neighbour_barriers` runs the paths from every attractor to its ``neighbours`` nearest other attractors
(Euclidean distance; each unordered pair once) and returns, per attractor, the lowest barrier and which attractor lies
across that saddle (the minimum the profile falls into after the first saddle, matched to the list; the target of the
path when it is none of them); ``converged`` says whether that lowest path converged (the others are upper bounds
and do not set the barrier).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.backend import to_host
from amphase.simulate.lse import DEFAULT_TILE, FULL_SECOND_MAX_D, LSEEnergy, lse
from amphase.simulate.string_method import profile_barriers, relax_strings, tangents, vertex

__all__ = ["EnergyPath", "EnergyPaths", "NeighbourBarriers", "minimum_energy_path", "minimum_energy_paths",
           "neighbour_barriers"]  # fmt: skip


class EnergyPaths(NamedTuple):
    """P minimum-energy paths at once (host arrays); :class:`EnergyPath` is one of them."""

    images: np.ndarray  # (P, M, d)
    energies: np.ndarray  # (P, M)
    saddle: np.ndarray  # (P, d): the highest saddle along each path
    saddle_energy: np.ndarray  # (P,)
    saddle_a: np.ndarray  # (P, d): the first saddle from a
    saddle_b: np.ndarray  # (P, d): the first saddle from b
    barrier_a: np.ndarray  # (P,): E(saddle_a) - E(a)
    barrier_b: np.ndarray  # (P,): E(saddle_b) - E(b)
    across_a: np.ndarray  # (P, d): the lowest image between the first saddle from a and the next one (or b)
    across_b: np.ndarray  # (P, d): the same from b
    n_saddles: np.ndarray  # (P,) int: local maxima of the profile (> 1: an intermediate minimum)
    converged: np.ndarray  # (P,) bool


class EnergyPath(NamedTuple):
    """One minimum-energy path from ``a`` to ``b`` (module docstring)."""

    images: np.ndarray
    energies: np.ndarray
    saddle: np.ndarray
    saddle_energy: float
    saddle_a: np.ndarray
    saddle_b: np.ndarray
    barrier_a: float
    barrier_b: float
    n_saddles: int
    converged: bool


def _grad(energy: LSEEnergy, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e, g = energy.energy_and_grad(energy.xp.asarray(x.reshape(-1, x.shape[-1])))
    return to_host(e).reshape(x.shape[:-1]), to_host(g).reshape(x.shape)


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt((v * v).sum(-1))


def _refine(energy: LSEEnergy, x0: np.ndarray, tau: np.ndarray, radius: np.ndarray, tol: float, dt: float,
            max_iter: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Saddles near ``x0`` (n, d): Newton with the exact Hessian, else a climbing image along ``tau`` (module doc).

    Newton steps on grad E = 0 are capped at ``radius`` and halved until |grad E| decreases (the Newton direction is a
    descent direction of |grad E|^2); the climbing image halves its step for a point whose |grad E| grew.
    """
    n, d = x0.shape
    thr = tol * energy.scale
    xp = energy.xp
    x = x0.copy()
    ok = np.zeros(n, dtype=bool)
    if d <= FULL_SECOND_MAX_D and n:
        _, g = _grad(energy, x)
        for _ in range(60):
            gn = _norm(g)
            act = gn / 2 > 1e-3 * thr
            if not act.any():
                break
            h = to_host(energy.hessian(xp.asarray(x[act])))
            try:
                delta = np.linalg.solve(h, g[act][:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                break
            delta *= np.minimum(1.0, radius[act] / np.maximum(_norm(delta), 1e-300))[:, None]
            xa, ga = x[act], g[act]
            step = np.ones(len(xa))
            todo = np.ones(len(xa), dtype=bool)
            for _ in range(30):  # backtracking on |grad E|
                trial = xa[todo] - step[todo, None] * delta[todo]
                _, gt = _grad(energy, trial)
                better = _norm(gt) < gn[act][todo]
                idx = np.nonzero(todo)[0]
                xa[idx[better]], ga[idx[better]] = trial[better], gt[better]
                todo[idx[better]] = False
                step[todo] *= 0.5
                if not todo.any():
                    break
            x[act], g[act] = xa, ga
            if todo.all():
                break
        ev = np.linalg.eigvalsh(to_host(energy.hessian(xp.asarray(x))))
        ok = (_norm(g) / 2 <= thr) & ((ev < 0).sum(-1) == 1) & (_norm(x - x0) <= 2 * radius + thr)
    bad = np.nonzero(~ok)[0]
    if bad.size:  # climbing image from the string's image, along the string's tangent
        y, t = x0[bad].copy(), tau[bad]
        h = np.full(bad.size, float(dt))
        _, g = _grad(energy, y)
        conv = _norm(g) / 2 <= thr
        for _ in range(max_iter):
            if conv.all():
                break
            trial = y - h[:, None] * (g - 2.0 * (g * t).sum(-1, keepdims=True) * t)
            _, gt = _grad(energy, trial)
            grew = _norm(gt) > _norm(g)
            h[grew & ~conv] *= 0.5  # overshoot along a steep direction: a smaller step
            keep = ~conv & ~grew
            y[keep], g[keep] = trial[keep], gt[keep]
            h[keep] = np.minimum(h[keep] * 1.1, dt)
            conv = _norm(g) / 2 <= thr
        x[bad], ok[bad] = np.where(conv[:, None], y, x0[bad]), conv  # a failed climb: the start, on the string
    return x, ok


def _check(memories: Any, beta: float, images: int) -> None:
    if not (float(beta) > 0 and math.isfinite(float(beta))):
        raise ParameterError(f"beta={beta!r}: the inverse temperature must be a finite number > 0")
    if isinstance(images, bool) or int(images) != images or images < 3:
        raise ParameterError(f"images={images!r}: a whole number >= 3 (two ends and at least one interior image)")
    if getattr(memories, "ndim", 0) != 2 or memories.shape[0] < 1:
        raise ParameterError(f"memories of shape {getattr(memories, 'shape', None)}: expected (K >= 1, d)")


def minimum_energy_paths(
    memories: Any,
    beta: float,
    a: Any,
    b: Any,
    *,
    images: int = 24,
    dt: float = 0.5,
    string_tol: float = 1e-4,
    tol: float = 1e-10,
    max_iter: int = 3000,
    tile: int = DEFAULT_TILE,
    energy: LSEEnergy | None = None,
    retries: int = 2,
) -> EnergyPaths:
    """Minimum-energy paths from each row of ``a`` (P, d) to the same row of ``b``, batched (module docstring).

    A path that does not converge is run again with twice the images (``retries`` times at most; its every other
    image is returned): a string too coarse to follow a path that bends round an intermediate minimum leaves a
    shoulder where no saddle is (seen on S^2 at K = 10, beta = 10: 24 images fail, 47 converge).

    The string needs only to bring each saddle into the reach of Newton's steps: ``string_tol = 1e-4`` gave the same
    barriers to 1e-14 as ``1e-6`` in 0.44 of the time (23 minima on the sphere, K = 1024, beta = 20).

    ``memories`` (K, d) and ``beta`` define the energy (``energy``: a prebuilt :class:`~amphase.simulate.lse.LSEEnergy`
    of the same memories, to reuse its centring); ``string_tol`` and ``tol`` are in units of the data scale (rms
    distance of the memories from their mean).
    """
    _check(memories, beta, images)
    if not 0 < dt <= 0.5:
        raise ParameterError(f"dt={dt!r}: the string's step must lie in (0, 1/2] (stability of the normal relaxation)")
    en = energy if energy is not None else lse(float(beta), memories, tile=tile)
    a = np.atleast_2d(np.asarray(to_host(a), dtype=np.float64))
    b = np.atleast_2d(np.asarray(to_host(b), dtype=np.float64))
    d = en.d
    if a.shape != b.shape or a.shape[1] != d:
        raise ParameterError(f"a {a.shape} and b {b.shape}: two (P, {d}) arrays of end points")
    if (np.sqrt(((a - b) ** 2).sum(-1)) <= 1e-12 * en.scale).any():
        raise ParameterError("a path needs two distinct end points (a row of a equals its row of b)")
    M = int(images)
    x, conv = relax_strings(lambda q: _grad(en, q)[1], a, b, images=M, dt=float(dt), tol=float(string_tol),
                            max_iter=int(max_iter), scale=en.scale)  # fmt: skip
    e, _ = _grad(en, x)
    P = len(a)
    tau = tangents(x)
    prof = profile_barriers(e)
    spacing = np.sqrt(((x[:, 1:] - x[:, :-1]) ** 2).sum(-1)).mean(axis=1)
    which = [(p, i) for p in range(P) for i in prof.maxima[p]]
    sad = {}
    if which:
        idx = np.array(which)
        window = idx[:, 1, None] + np.arange(-1, 2)[None, :]
        start, _ = vertex(x[idx[:, 0, None], window], e[idx[:, 0, None], window])
        pos, ok = _refine(en, start, tau[idx[:, 0], idx[:, 1] - 1], spacing[idx[:, 0]], float(tol), float(dt),
                          int(max_iter))  # fmt: skip
        es = to_host(en.energy(en.xp.asarray(pos)))
        # the pass of this string lies at or above its images (any path's highest point is at least the lowest pass):
        # a "saddle" below the string's top is another saddle, not this path's; keep the top image, an upper bound
        top_img = e[idx[:, 0], idx[:, 1]]
        wrong = es < top_img - 1e-6 * np.maximum(1.0, np.abs(top_img))  # images sit off the path by <= string_tol
        pos[wrong], es[wrong], ok[wrong] = x[idx[wrong, 0], idx[wrong, 1]], top_img[wrong], False
        for k, (p, i) in enumerate(which):
            sad[(p, i)] = (pos[k], float(es[k]), bool(ok[k]))
    for p in range(P):  # a monotone profile: the higher end is its own "saddle"
        if not prof.maxima[p]:
            sad[(p, int(prof.first_a[p]))] = (x[p, prof.first_a[p]], float(e[p, prof.first_a[p]]), True)
    out = {k: [] for k in ("saddle", "se", "sa", "sb", "ba", "bb", "n", "ok")}
    for p in range(P):
        ms = prof.maxima[p] or [int(prof.first_a[p])]
        top = max(ms, key=lambda i: sad[(p, i)][1])
        first, last = sad[(p, int(prof.first_a[p]))], sad[(p, int(prof.first_b[p]))]
        row = {"saddle": sad[(p, top)][0], "se": sad[(p, top)][1], "sa": first[0], "sb": last[0],
               "ba": max(first[1] - e[p, 0], 0.0), "bb": max(last[1] - e[p, -1], 0.0), "n": len(prof.maxima[p]),
               "ok": bool(conv[p]) and all(sad[(p, i)][2] for i in ms)}  # fmt: skip
        for key, v in row.items():
            out[key].append(v)
    res = EnergyPaths(
        images=x,
        energies=e,
        saddle=np.array(out["saddle"]).reshape(P, d),
        saddle_energy=np.array(out["se"], dtype=np.float64),
        saddle_a=np.array(out["sa"]).reshape(P, d),
        saddle_b=np.array(out["sb"]).reshape(P, d),
        barrier_a=np.array(out["ba"], dtype=np.float64),
        barrier_b=np.array(out["bb"], dtype=np.float64),
        across_a=x[np.arange(P), prof.across_a],
        across_b=x[np.arange(P), prof.across_b],
        n_saddles=np.array(out["n"], dtype=np.int64),
        converged=np.array(out["ok"], dtype=bool),
    )
    bad = np.nonzero(~res.converged)[0]
    if bad.size and retries > 0:  # a finer string for the paths that failed; its every other image is kept
        fine = minimum_energy_paths(memories, beta, a[bad], b[bad], images=2 * M - 1, dt=dt, string_tol=string_tol,
                                    tol=tol, max_iter=max_iter, tile=tile, energy=en, retries=retries - 1)  # fmt: skip
        for name, v in zip(res._fields, fine, strict=True):
            getattr(res, name)[bad] = v[:, ::2] if name in ("images", "energies") else v
    return res


def minimum_energy_path(memories: Any, beta: float, a: Any, b: Any, *, images: int = 24, **kw: Any) -> EnergyPath:
    """The minimum-energy path from ``a`` (d,) to ``b`` (d,) (module docstring).

    Further keywords go to :func:`minimum_energy_paths`.
    """
    r = minimum_energy_paths(memories, beta, np.asarray(to_host(a))[None], np.asarray(to_host(b))[None], images=images,
                             **kw)  # fmt: skip
    return EnergyPath(
        images=r.images[0],
        energies=r.energies[0],
        saddle=r.saddle[0],
        saddle_energy=float(r.saddle_energy[0]),
        saddle_a=r.saddle_a[0],
        saddle_b=r.saddle_b[0],
        barrier_a=float(r.barrier_a[0]),
        barrier_b=float(r.barrier_b[0]),
        n_saddles=int(r.n_saddles[0]),
        converged=bool(r.converged[0]),
    )


class NeighbourBarriers(NamedTuple):
    """Per attractor: the lowest barrier to a neighbouring attractor (module docstring); host arrays."""

    barrier: np.ndarray  # (n,) lowest Delta E (inf: no other attractor)
    neighbour: np.ndarray  # (n,) int: the attractor across that saddle (-1: none)
    saddle: np.ndarray  # (n, d)
    saddle_energy: np.ndarray  # (n,)
    converged: np.ndarray  # (n,) bool: the path that gives the lowest barrier converged


def neighbour_barriers(
    memories: Any,
    beta: float,
    minima: Any,
    *,
    neighbours: int = 4,
    images: int = 24,
    match: float = 1e-3,
    energy: LSEEnergy | None = None,
    **kw: Any,
) -> NeighbourBarriers:
    """The lowest barrier from each of ``minima`` (n, d) to its ``neighbours`` nearest other minima (module docstring).

    ``match`` (units of the data scale): the minimum the profile falls into after the first saddle is the listed
    minimum nearest to that lowest image when within ``match`` plus one image spacing of it. Further keywords go to
    :func:`minimum_energy_paths`.
    """
    _check(memories, beta, images)
    if isinstance(neighbours, bool) or int(neighbours) != neighbours or neighbours < 1:
        raise ParameterError(f"neighbours={neighbours!r}: a whole number >= 1")
    en = energy if energy is not None else lse(float(beta), memories, tile=kw.pop("tile", DEFAULT_TILE))
    y = np.atleast_2d(np.asarray(to_host(minima), dtype=np.float64))
    n, d = y.shape
    barrier = np.full(n, np.inf)
    neigh = np.full(n, -1, dtype=np.int64)
    saddle = np.full((n, d), np.nan)
    s_energy = np.full(n, np.nan)
    conv = np.ones(n, dtype=bool)
    if n < 2:
        return NeighbourBarriers(barrier, neigh, saddle, s_energy, conv)
    d2 = ((y[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    k = min(int(neighbours), n - 1)
    near = np.argsort(d2, axis=1, kind="stable")[:, :k]
    pairs = sorted({(min(i, int(j)), max(i, int(j))) for i in range(n) for j in near[i]})
    pi = np.array([p[0] for p in pairs])
    pj = np.array([p[1] for p in pairs])
    r = minimum_energy_paths(memories, beta, y[pi], y[pj], images=images, energy=en, **kw)
    spacing = np.sqrt(((r.images[:, 1:] - r.images[:, :-1]) ** 2).sum(-1)).mean(axis=1)

    def across(pt: np.ndarray, target: int, q: int) -> int:
        dist = np.sqrt(((y - pt) ** 2).sum(-1))
        j = int(np.argmin(dist))
        return j if dist[j] <= match * en.scale + spacing[q] else target

    for q in range(len(pairs)):
        for i, j, bar, sd, xs in ((pi[q], pj[q], r.barrier_a[q], r.saddle_a[q], r.across_a[q]),
                                  (pj[q], pi[q], r.barrier_b[q], r.saddle_b[q], r.across_b[q])):  # fmt: skip
            if bar < barrier[i]:
                barrier[i], saddle[i], conv[i] = bar, sd, bool(r.converged[q])
                neigh[i] = across(xs, int(j), q) if r.n_saddles[q] > 1 else int(j)
                s_energy[i] = float(to_host(en.energy(en.xp.asarray(sd[None])))[0])
    return NeighbourBarriers(barrier, neigh, saddle, s_energy, conv)
