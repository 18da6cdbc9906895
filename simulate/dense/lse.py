r"""The continuous DenseAM (``dense.lse``) as the sweep runner sees it: all fixed points of one memory set.

Energy (``energy``: any registered continuous energy, :mod:`amphase.simulate.continuous`), by default the
log-sum-exp :math:`E(x) = -\beta^{-1}\log\sum_\mu \exp(-\beta\lVert x - \xi^\mu\rVert^2)`
(:mod:`amphase.simulate.continuous.lse`). One task draws the memories, finds every fixed point reachable from many
starts (:mod:`amphase.simulate.dense.minima`) and reports counts and, per fixed point, where it is and what it is.

Memory geometries (``geometry``):

``circle``
    K memories at angles uniform on [0, 2 pi) on the unit circle (d = 2). Continuum limit (memories uniformly dense):
    for :math:`\beta > 1` the minima form a ring of radius R solving :math:`R = I_1(2\beta R) / I_0(2\beta R)`.
``pair``
    two memories at distance ``D`` (d = 2): the midpoint is a minimum for :math:`\beta < 2/D^2`.
``simplex``
    K memories on a regular simplex of unit radius about the origin (the centred basis vectors of
    :math:`\mathbb{R}^K`, normalised; d = K). At the centroid the weights are uniform and
    :math:`\operatorname{Cov} = P/(K-1)` (P the projector on the simplex's span), so the Hessian there is
    :math:`2 - 4\beta/(K-1)` on that span: the centroid is a minimum for :math:`\beta < (K-1)/2`.
``gaussian``
    K standard normal memories in d dimensions.

The centroid of the memories (``centroid_minimum``) counts as a minimum when a minimum lies within
``1e-4 * scale`` of it. Radii (``ring_radius``, ``fp_radius``) are distances from the centre: the origin for
``circle`` (the circle's centre, not the centroid of K random memories), the memories' centroid otherwise.

Two rules say whether a minimum is a memory's (:mod:`amphase.simulate.dense.minima`, step 5): ``n_memory_minima``
and ``n_spurious`` use the distance (within half the nearest-neighbour distance of a memory), ``n_own_minima`` the
weight (one memory carries more than ``own_weight`` of the softmax weight there). Only the second separates the
single minimum of two merged memories (owned by neither) from a memory's own minimum; the theory of the counts
(:func:`amphase.theory.lse_circle_profile.circle_profile_counts`) uses it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.backend import get_backend
from amphase.simulate.continuous import ENERGIES, make_energy
from amphase.simulate.continuous.lse import DEFAULT_TILE, kernel_params
from amphase.simulate.declare import Dim, Var, choice, declared, model, number
from amphase.simulate.dense.minima import KINDS, OWN_WEIGHT, find_minima, starts
from amphase.simulate.seeding import child_rng

__all__ = ["MODEL", "LSEModel", "memories"]

GEOMETRIES = ("circle", "pair", "simplex", "gaussian")

_DTYPE, _BACKEND, _TILE = kernel_params("memories")


def _dim(params: Mapping[str, Any]) -> int:
    g = params["geometry"]
    return {"circle": 2, "pair": 2, "simplex": int(params["K"])}.get(g, int(params["d"]))


def memories(params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    """The (K, d) float64 memories of one realization (module docstring)."""
    g, K = params["geometry"], int(params["K"])
    if g == "circle":
        theta = rng.uniform(0.0, 2 * math.pi, K)
        return np.stack([np.cos(theta), np.sin(theta)], axis=1)
    if g == "pair":
        D = float(params["D"])
        return np.array([[-D / 2, 0.0], [D / 2, 0.0]])
    if g == "simplex":
        mem = np.eye(K) - 1.0 / K
        return mem / np.linalg.norm(mem, axis=1, keepdims=True)
    return rng.standard_normal((K, int(params["d"])))


def _count(text: str) -> Var:
    return Var((), "int32", -1, text, units="1")


def _fp(dtype: str, fill: Any, text: str, flags: tuple[str, ...] | None = None) -> Var:
    return Var(("fixed_point",), dtype, fill, text, flags=flags)


@model(
    title="Continuous log-sum-exp Dense Associative Memory: every fixed point of the energy",
    references=(
        "Krotov & Hopfield, NeurIPS 29 (2016); Ramsauer et al., ICLR (2021), arXiv:2008.02217; "
        "Hoover et al., arXiv:2410.24153 (2024)"
    ),
    dims={
        "fixed_point": Dim(
            lambda r: r.max_points, attrs={"units": "1", "long_name": "fixed point, by increasing energy"}
        )
    },
    variables={
        "n_minima": _count("minima found"),
        "n_memory_minima": _count("minima that sit on a memory (closer than half its nearest-neighbour distance)"),
        "n_spurious": _count("minima that sit on no memory"),
        "n_own_minima": _count("minima where one memory carries more than half the softmax weight (its own minimum)"),
        "n_saddles": _count("saddle points found (reached from symmetric starts)"),
        "n_degenerate": _count("fixed points with a Hessian eigenvalue within 1e-6 of 0"),
        "n_unconverged": _count("starts whose descent did not converge"),
        "n_starts": _count("starts descended"),
        "centroid_minimum": Var((), "int8", -1, "a minimum at the memories' centroid (1) or not"),
        "ring_radius": Var((), "float64", np.nan, "mean distance of the minima from the centre"),
        "ring_radius_std": Var((), "float64", np.nan, "spread of that distance over the minima"),
        "fp_radius": _fp("float64", np.nan, "distance of the fixed point from the centre"),
        "fp_energy": _fp("float64", np.nan, "energy of the fixed point"),
        "fp_kind": _fp("int8", -1, "kind of fixed point (Hessian signature)", flags=KINDS),
        "fp_min_eig": _fp("float64", np.nan, "smallest Hessian eigenvalue"),
        "fp_nearest": _fp("int32", -1, "nearest memory"),
        "fp_distance": _fp("float64", np.nan, "distance to the nearest memory"),
        "fp_on_memory": _fp("int8", -1, "sits on its nearest memory (1) or not (0)"),
        "fp_basin": _fp("int32", -1, "starts that ended at the fixed point"),
        "fp_weight": _fp("float64", np.nan, "largest softmax weight of one memory at the fixed point"),
    },
    attrs=lambda r: {"backend": get_backend(r.backend).name, "device": get_backend(r.backend).device},
    rate=1.9e4,  # units/s per worker: dense-circle: 799 s for 24 realizations on 2 workers (scripts/calibrate_rates.py)
)
class LSEModel:
    """One grid point of ``dense.lse`` (module docstring); ``MODEL`` is what the sweep runner runs."""

    energy: str = choice(
        "continuous energy (registered in amphase.simulate.continuous)", tuple(ENERGIES), default="lse", grid=True
    )
    geometry: str = choice("memory geometry (see amphase.simulate.dense.lse)", GEOMETRIES, default="circle", grid=True)
    K: int = number("number of memories (pair: 2)", ge=1, le=10**7, long_name="number of memories", grid=True)
    d: int = number("dimension (gaussian only; circle and pair: 2, simplex: K)", default=2, ge=1, le=10**5, grid=True)
    beta: float = number("inverse temperature of the energy", gt=0.0, long_name="inverse temperature", grid=True)
    D: float = number(
        "distance of the pair", default=1.0, gt=0.0, long_name="distance between the two memories", grid=True
    )
    noise: float = number("rms start noise about a memory, in units of the data scale", default=0.1, ge=0.0, grid=True)
    noisy_memories: int = number("memories given a noisy start (a random subset when fewer than K)", default=256, ge=0)
    random: int = number("random starts (Gaussian at the data's mean and scale)", default=32, ge=0)
    centroids: int = number("starts at centroids of a memory and its nearest neighbours", default=16, ge=0)
    group: int = number("largest memory group of a centroid start", default=4, ge=2, le=10**4)
    tol: float = number("convergence: |x - m(x)| <= tol * scale (float32: >= ~1e-6)", default=1e-10, gt=0.0)
    max_steps: int = number("most fixed-point steps per start", default=20_000, ge=1, le=10**8)
    own_weight: float = number(
        "a minimum is a memory's own when its softmax weight exceeds this", default=OWN_WEIGHT, gt=0.5, lt=1.0
    )
    max_points: int = number("fixed points stored per realization (counts are exact)", default=64, ge=1, le=10**5)
    dtype: str = declared(_DTYPE, default="float64")
    backend: str = declared(_BACKEND, default="cpu")
    tile: int = declared(_TILE, default=DEFAULT_TILE)

    def check(self) -> None:
        """Cross-parameter checks at one grid point."""
        g, K = self.geometry, self.K
        if g == "pair" and K != 2:
            raise ParameterError(f"geometry='pair' has K = 2 memories; got K={K}")
        if g == "simplex" and K < 2:
            raise ParameterError(f"geometry='simplex' needs K >= 2; got K={K}")
        if g in ("circle", "pair") and self.d != 2:
            raise ParameterError(f"geometry={g!r} lives in d = 2; got d={self.d}")
        get_backend(self.backend)

    def _n_starts(self) -> int:
        return min(self.noisy_memories, self.K) + self.random + self.centroids + 1

    def memory(self, realizations: int) -> float:
        """Bytes of one task: memories, starts, one tile of scores per start (x3 for the second moment), outputs."""
        K, d, B = self.K, _dim(vars(self)), self._n_starts()
        tile = min(self.tile, K)
        return float(8 * (3 * K * d + 6 * B * d + 3 * B * tile * max(1, min(d * d, 64)) + B * B))

    def cost(self) -> float:
        """Relative cost of one realization: starts x memories x dimension (per fixed-point step)."""
        return float(self._n_starts() * self.K * _dim(vars(self)))

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization: draw the memories (stream ``(0,)``) and the starts (``(1,)``), find every fixed point."""
        backend = get_backend(self.backend)
        mem = memories(vars(self), child_rng(seed, 0))
        rng = child_rng(seed, 1)
        K = len(mem)
        chosen = np.sort(rng.choice(K, size=min(self.noisy_memories, K), replace=False))
        x0 = starts(mem, rng, noisy=1, noise=self.noise, random=self.random, centroids=self.centroids, group=self.group)
        keep = np.concatenate([chosen, np.arange(K, len(x0))])  # noisy starts of the chosen memories, all others
        xp = backend.xp
        energy = make_energy(self.energy, self.beta, xp.asarray(mem, dtype=self.dtype), tile=self.tile)
        found = find_minima(
            energy, xp.asarray(x0[keep]), tol=self.tol, max_steps=self.max_steps, own_weight=self.own_weight
        )
        centroid = mem.mean(axis=0)
        centre = np.zeros(mem.shape[1]) if self.geometry == "circle" else centroid  # the circle's own centre
        radius = np.sqrt(((found.x - centre) ** 2).sum(axis=1))
        at_centroid = np.sqrt(((found.x - centroid) ** 2).sum(axis=1)) < 1e-4 * energy.scale
        is_min = found.is_minimum
        n = min(len(radius), self.max_points)
        pad = self.max_points

        def padded(a: np.ndarray, fill: Any, dtype: str) -> np.ndarray:
            out = np.full(pad, fill, dtype=dtype)
            out[:n] = a[:n]
            return out

        r_min = radius[is_min]
        return {
            "n_minima": np.int32(found.n_minima),
            "n_memory_minima": np.int32(found.n_memory_minima),
            "n_spurious": np.int32(found.n_spurious),
            "n_own_minima": np.int32(found.n_own_minima),
            "n_saddles": np.int32(int((found.kind == KINDS.index("saddle")).sum())),
            "n_degenerate": np.int32(int((found.kind == KINDS.index("degenerate")).sum())),
            "n_unconverged": np.int32(found.n_unconverged),
            "n_starts": np.int32(found.n_starts),
            "centroid_minimum": np.int8(bool((is_min & at_centroid).any())),
            "ring_radius": np.float64(r_min.mean() if r_min.size else np.nan),
            "ring_radius_std": np.float64(r_min.std() if r_min.size else np.nan),
            "fp_radius": padded(radius, np.nan, "float64"),
            "fp_energy": padded(found.energy, np.nan, "float64"),
            "fp_kind": padded(found.kind, -1, "int8"),
            "fp_min_eig": padded(found.eigenvalues[:, 0], np.nan, "float64"),
            "fp_nearest": padded(found.nearest, -1, "int32"),
            "fp_distance": padded(found.distance, np.nan, "float64"),
            "fp_on_memory": padded(found.on_memory.astype(np.int8), -1, "int8"),
            "fp_basin": padded(found.basin, -1, "int32"),
            "fp_weight": padded(found.weight, np.nan, "float64"),
        }


MODEL = LSEModel.MODEL
