r"""The circle toy's energy landscape and attractors of the exact score (``diffusion.landscape``), for the sweep runner.

The toy of Pham et al. 2025 (arXiv:2505.21777): K training points at uniform random angles on the unit circle, VE
process :math:`x_t = x_0 + \sigma\sqrt t\,\varepsilon` (``sigma`` = 1 in the paper), and the energy of the exact score
at time t, the log-sum-exp energy at :math:`\beta_t = 1/(2\sigma^2 t)`
(:meth:`~amphase.simulate.diffusion.score.ExactScore.energy`). One task (a grid point's realization):

1. draws the training set (:func:`amphase.simulate.diffusion.training_set.training_points`, dataset ``circle``, random
   angles: nested in K, the set for a larger K contains the smaller one, and the same for every t);
2. finds the fixed points of the exact score at t (:func:`amphase.simulate.diffusion.attractors.find_attractors`)
   from a ``starts`` x ``starts`` grid over the window :math:`[-\ell_w, \ell_w]^2` (``lim``), plus every training
   point when :math:`K \le` ``point_starts``: positions, kind (attractor / saddle / flat, from the fixed-point Hessian),
   basin (starts that ended there), Hessian eigenvalues, distance to the nearest training point;
3. says which attractors are memorized, by two rules: **distance** (within ``delta_m`` times the data scale of a
   training point, the rule of :mod:`~amphase.simulate.diffusion.attractors`) and **weight** (one training point
   carries more than ``own_weight`` of the softmax weight there, the rule of the theory's counts,
   :func:`amphase.theory.lse_circle_profile.circle_profile_counts`). They differ where the points are dense: at large K
   the attractors sit on a ring inside the circle, about :math:`1 - R(\beta)` from it, which the distance rule calls
   "memorized" once :math:`1 - R < \delta_m` (at t = 0.05, :math:`1 - R = 0.026`), while no point owns them;
4. evaluates the energy on an ``energy_grid`` x ``energy_grid`` grid over the window (float32, shifted to 0 at its
   minimum there), for the landscape panel.

Stored per realization: the counts (exact), the first ``max_attractors`` fixed points (sorted by basin, largest
first) and the first ``max_stored`` training points, and the energy grid. The comparison
(:mod:`amphase.analysis.diffusion.landscape`) draws the toy figure and puts the counts beside the theory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.declare import Dim, Var, model, number
from amphase.simulate.diffusion.attractors import KINDS, find_attractors, grid_starts
from amphase.simulate.diffusion.schedules import ve
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.diffusion.training_set import training_points
from amphase.simulate.models import Model
from amphase.theory.lse_merging import OWN_WEIGHT

__all__ = ["DEFAULTS", "MODEL", "Landscape", "beta_of", "check", "energy_grid", "run"]

#: the dataset key of the training points (training_set.training_points): random angles on the unit circle.
_DATA = {"dataset": "circle", "even": 0}


def beta_of(params: Mapping[str, Any]) -> float:
    r""":math:`\beta_t = 1/(2\sigma^2 t)` (VE; ``diffusion.noise_beta``)."""
    return 0.5 / (float(params["sigma"]) ** 2 * float(params["t"]))


def energy_grid(lim: float, n: int) -> np.ndarray:
    """The ``n`` grid values over ``[-lim, lim]`` of both axes of the stored energy."""
    return np.linspace(-float(lim), float(lim), int(n))


def _pad(a: np.ndarray, n: int, fill: Any) -> np.ndarray:
    """The first ``n`` rows of ``a``, padded with ``fill`` to ``n`` rows (realizations are stacked: same shapes)."""
    out = np.full((n, *a.shape[1:]), fill, dtype=a.dtype)
    m = min(n, len(a))
    out[:m] = a[:m]
    return out


def _scalar(dtype: str, text: str) -> Var:
    return Var((), dtype, np.nan if dtype.startswith("float") else -1, text, units="1")


_FP = ("fixed_point",)


@model(
    title="Circle toy: energy landscape and attractors of the exact score of K random points on the unit circle",
    references="Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025), the toy on the unit circle",
    dims={
        "fixed_point": Dim(lambda r: r.max_attractors, attrs={"units": "1", "long_name": "stored fixed point"}),
        "train_point": Dim(
            lambda r: max(1, min(r.K, r.max_stored)), attrs={"units": "1", "long_name": "stored training point"}
        ),
        "coord": Dim(lambda r: 2, attrs={"units": "1", "long_name": "coordinate"}),
        "eig": Dim(lambda r: 2, attrs={"units": "1", "long_name": "Hessian eigenvalue, ascending"}),
        "grid_y": Dim(
            lambda r: r.energy_grid, attrs={"units": "1", "long_name": "second coordinate of the energy grid"}
        ),
        "grid_x": Dim(
            lambda r: r.energy_grid, attrs={"units": "1", "long_name": "first coordinate of the energy grid"}
        ),
    },
    variables={
        "beta": _scalar("float64", "inverse temperature 1/(2 sigma^2 t) of the landscape"),
        "data_scale": _scalar("float64", "rms distance of the training points from their mean (threshold unit)"),
        "n_starts": _scalar("int32", "fixed-point starts"),
        "n_stalled": _scalar("int32", "starts that did not meet the tolerance in max_steps"),
        "n_attractors": _scalar("int32", "attractors (stable fixed points)"),
        "n_saddles": _scalar("int32", "saddles found"),
        "n_memorized": _scalar("int32", "attractors within delta_m * data scale of a training point (distance rule)"),
        "n_spurious": _scalar("int32", "attractors farther than delta_m * data scale (distance rule)"),
        "n_own": _scalar("int32", "attractors where one training point has softmax weight > own_weight"),
        "n_unowned": _scalar("int32", "attractors owned by no training point (weight rule: spurious)"),
        "fp_x": Var((*_FP, "coord"), "float64", np.nan, "fixed point (data space)"),
        "fp_kind": Var(_FP, "int8", -1, "kind of fixed point", flags=KINDS),
        "fp_basin": Var(_FP, "int32", -1, "starts that ended at the fixed point", units="1"),
        "fp_eig": Var((*_FP, "eig"), "float64", np.nan, "eigenvalues of the fixed-point Hessian, ascending", units="1"),
        "fp_d_train": Var(_FP, "float64", np.nan, "distance to nearest training point / scale"),
        "fp_memorized": Var(_FP, "int8", -1, "1: memorized by the distance rule", units="1"),
        "fp_weight": Var(_FP, "float64", np.nan, "largest softmax weight of a training point"),
        "train_x": Var(("train_point", "coord"), "float64", np.nan, "training point"),
        "energy": Var(
            ("grid_y", "grid_x"),
            "float32",
            np.nan,
            "LSE energy at beta_t, minus its minimum over the window",
            units="1",
        ),
    },
    attrs=lambda r: {
        "backend": "cpu",
        "classification": "fixed points of the exact score at t (amphase.analysis.diffusion.attractors); memorized "
        "by distance (d_train <= delta_m * data_scale) and by weight (largest softmax weight > own_weight)",
    },
    rate=2.7e8,  # units/s per worker: diffusion-toy: 44 s on 2 workers (scripts/calibrate_rates.py)
)
class Landscape:
    """One grid point of ``diffusion.landscape`` (module docstring)."""

    K: int = number("number of training points (random angles on the unit circle)", ge=1, le=10**6,
                    long_name="training set size", grid=True)  # fmt: skip
    t: float = number("diffusion time of the landscape (VE: sigma_t^2 = sigma^2 t)", gt=0.0, le=1.0,
                      long_name="diffusion time", grid=True)  # fmt: skip
    sigma: float = number("VE noise scale (the paper's toy: 1); beta = 1/(2 sigma^2 t)", gt=0.0, default=1.0, grid=True)
    starts: int = number("fixed-point starts: a starts x starts grid over the window", ge=1, le=1000, default=30)
    point_starts: int = number("also start at every training point when K <= point_starts", ge=0, default=50)
    lim: float = number("half-width of the window [-lim, lim]^2 (starts and energy grid)", gt=0.0, default=1.5)
    energy_grid: int = number("energy stored on energy_grid x energy_grid points", ge=2, le=1000, default=120)
    tol: float = number("fixed point: |F(y) - y| <= tol * data scale", gt=0.0, default=1e-7)
    max_steps: int = number("most fixed-point steps per start", ge=1, le=10**7, default=5000)
    merge: float = number("end points within merge * data scale are one fixed point", gt=0.0, default=1e-3)
    eig_tol: float = number("attractor: every Hessian eigenvalue above eig_tol (saddle: one below -eig_tol)", gt=0.0,
                            default=1e-3)  # fmt: skip
    delta_m: float = number("distance rule: memorized within delta_m * data scale of a training point", gt=0.0,
                            default=0.05)  # fmt: skip
    own_weight: float = number("weight rule: memorized when one training point carries more than this softmax weight",
                               gt=0.5, lt=1.0, default=OWN_WEIGHT)  # fmt: skip
    max_attractors: int = number("fixed points stored per realization (counts are exact)", ge=1, le=10**4, default=64)
    max_stored: int = number("training points stored per realization", ge=0, le=10**6, default=1000)

    def check(self) -> None:
        """Cross-parameter checks at one grid point: the training points must lie inside the window."""
        if not self.lim > 1.0:
            raise ParameterError(f"lim={self.lim}: the window [-lim, lim]^2 must contain the unit circle (lim > 1)")

    def memory(self, realizations: int) -> float:
        """Bytes of one task: starts x training points for the score, the energy grid x tile, the stored arrays."""
        K = self.K
        n = self.starts**2 + (K if K <= self.point_starts else 0)
        g = self.energy_grid**2
        return float(8 * (4096 * 2 + 8 * n * min(K, 4096) + 4 * g * min(K, 4096) + 2 * self.max_stored))

    def cost(self) -> float:
        """Relative cost: (starts x a few hundred steps + energy grid) x training points."""
        return float((self.starts**2 * 300 + self.energy_grid**2) * (self.K + 16))

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization (module docstring)."""
        pts, _ = training_points({**_DATA, "K": self.K}, seed)
        K = len(pts)
        t = self.t
        sched = ve(self.sigma, t_max=max(1.0, t))
        ex = exact_score(pts, sched, dtype="float64")
        lim = self.lim
        starts = grid_starts(-lim, lim, self.starts)
        if K <= self.point_starts:
            starts = np.concatenate([starts, pts])
        att = find_attractors(
            ex,
            sched,
            t,
            starts,
            pts,
            tol=self.tol,
            max_steps=self.max_steps,
            merge=self.merge,
            eig_tol=self.eig_tol,
            delta_m=self.delta_m,
        )
        # largest softmax weight at each fixed point: the weight rule (VE: s = 1, memories xi at beta_t)
        weight = (
            np.asarray(ex.energy_at(t).weights(att.x)).max(axis=1) if len(att.x) else np.zeros(0)
        )  # (n, K): n <= a few hundred
        own = weight > self.own_weight
        a = att.is_attractor
        g = energy_grid(lim, self.energy_grid)
        xx, yy = np.meshgrid(g, g, indexing="xy")
        e = np.asarray(ex.energy(np.stack([xx.ravel(), yy.ravel()], axis=1), t), dtype=np.float64)
        e = (e - e.min()).reshape(xx.shape).astype(np.float32)
        cap = self.max_attractors
        k = min(K, self.max_stored)  # same shape for every realization of a grid point (same K)
        return {
            "beta": np.float64(beta_of(vars(self))),
            "data_scale": np.float64(att.scale),
            "n_starts": np.int32(att.n_starts),
            "n_stalled": np.int32(len(att.stalled)),
            "n_attractors": np.int32(att.n_attractors),
            "n_saddles": np.int32((att.kind == KINDS.index("saddle")).sum()),
            "n_memorized": np.int32(att.n_memorized),
            "n_spurious": np.int32(att.n_spurious),
            "n_own": np.int32((a & own).sum()),
            "n_unowned": np.int32((a & ~own).sum()),
            "fp_x": _pad(att.x, cap, np.nan),
            "fp_kind": _pad(att.kind.astype(np.int8), cap, -1),
            "fp_basin": _pad(att.basin.astype(np.int32), cap, -1),
            "fp_eig": _pad(att.eigenvalues.real, cap, np.nan),
            "fp_d_train": _pad(att.d_train, cap, np.nan),
            "fp_memorized": _pad(att.memorized.astype(np.int8), cap, -1),
            "fp_weight": _pad(weight, cap, np.nan),
            "train_x": _pad(pts, k, np.nan),
            "energy": e,
        }


def _with_energy_grid(declared_model: Model) -> Model:
    """``declared_model`` with the energy grid's coordinates in data space (:func:`energy_grid` of ``lim``).

    A :class:`Dim`'s values are a function of its size alone; the grid depends on ``lim``.
    """

    def coords(config: Mapping[str, Any]) -> dict[str, Any]:
        out = declared_model.coords(config)
        g = energy_grid(config["params"]["lim"], out["grid_x"][0].size)
        return out | {d: (g, out[d][1]) for d in ("grid_y", "grid_x")}

    return dataclasses.replace(declared_model, coords=coords)


Landscape.MODEL = _with_energy_grid(Landscape.MODEL)  # type: ignore[attr-defined]
MODEL = Landscape.MODEL
DEFAULTS, run, check = MODEL.defaults, MODEL.run, MODEL.check
