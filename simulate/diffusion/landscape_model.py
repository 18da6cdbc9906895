r"""The circle toy's energy landscape and attractors of the exact score (``diffusion.landscape``), for the sweep runner.

The toy of Pham et al. 2025 (arXiv:2505.21777): K training points at uniform random angles on the unit circle, VE
process :math:`x_t = x_0 + \sigma\sqrt t\,\varepsilon` (``sigma`` = 1 in the paper), and the energy of the exact score
at time t, the log-sum-exp energy at :math:`\beta_t = 1/(2\sigma^2 t)`
(:meth:`~amphase.simulate.diffusion.score.ExactScore.energy`). One task (a grid point's realization):

1. draws the training set (:func:`amphase.simulate.diffusion.model.training_points`, dataset ``circle``, random
   angles: nested in K, the set for a larger K contains the smaller one, and the same for every t);
2. finds the fixed points of the exact score at t (:func:`amphase.simulate.diffusion.attractors.find_attractors`)
   from a ``starts`` x ``starts`` grid over the window :math:`[-\ell_w, \ell_w]^2` (``lim``), plus every training
   point when :math:`K \le` ``point_starts``: positions, kind (attractor / saddle / flat, from the fixed-point Hessian),
   basin (starts that ended there), Hessian eigenvalues, distance to the nearest training point;
3. says which attractors are memorized, by two rules: **distance** (within ``delta_m`` times the data scale of a
   training point, the rule of :mod:`~amphase.simulate.diffusion.attractors`) and **weight** (one training point
   carries more than ``own_weight`` of the softmax weight there, the rule of the theory's counts,
   :func:`amphase.theory.lse_landscape.circle_profile_counts`). They differ where the points are dense: at large K
   the attractors sit on a ring inside the circle, about :math:`1 - R(\beta)` from it, which the distance rule calls
   "memorized" once :math:`1 - R < \delta_m` (at t = 0.05, :math:`1 - R = 0.026`), while no point owns them;
4. evaluates the energy on an ``energy_grid`` x ``energy_grid`` grid over the window (float32, shifted to 0 at its
   minimum there), for the landscape panel.

Stored per realization: the counts (exact), the first ``max_attractors`` fixed points (sorted by basin, largest
first) and the first ``max_stored`` training points, and the energy grid. The comparison
(:mod:`amphase.analysis.diffusion.landscape`) draws the toy figure and puts the counts beside the theory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.dataset import flag_attrs
from amphase.errors import ParameterError
from amphase.params import Param
from amphase.simulate.diffusion.attractors import KINDS, find_attractors, grid_starts
from amphase.simulate.diffusion.model import training_points
from amphase.simulate.diffusion.schedules import ve
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.models import Model, Variable
from amphase.theory.lse_landscape import OWN_WEIGHT

__all__ = ["MODEL", "beta_of", "energy_grid", "run"]

PARAMS: tuple[Param, ...] = (
    Param(
        "K",
        "number of training points (random angles on the unit circle)",
        lower=1,
        upper=10**6,
        integer=True,
        long_name="training set size",
    ),
    Param(
        "t",
        "diffusion time of the landscape (VE: sigma_t^2 = sigma^2 t)",
        lower=0.0,
        upper=1.0,
        lower_open=True,
        long_name="diffusion time",
    ),
    Param("sigma", "VE noise scale (the paper's toy: 1); beta = 1/(2 sigma^2 t)", lower=0.0, lower_open=True),
    Param("starts", "fixed-point starts: a starts x starts grid over the window", lower=1, upper=1000, integer=True),
    Param("point_starts", "also start at every training point when K <= point_starts", lower=0, integer=True),
    Param("lim", "half-width of the window [-lim, lim]^2 (starts and energy grid)", lower=0.0, lower_open=True),
    Param("energy_grid", "energy stored on energy_grid x energy_grid points", lower=2, upper=1000, integer=True),
    Param("tol", "fixed point: |F(y) - y| <= tol * data scale", lower=0.0, lower_open=True),
    Param("max_steps", "most fixed-point steps per start", lower=1, upper=10**7, integer=True),
    Param("merge", "end points within merge * data scale are one fixed point", lower=0.0, lower_open=True),
    Param(
        "eig_tol",
        "attractor: every Hessian eigenvalue above eig_tol (saddle: one below -eig_tol)",
        lower=0.0,
        lower_open=True,
    ),
    Param(
        "delta_m",
        "distance rule: memorized within delta_m * data scale of a training point",
        lower=0.0,
        lower_open=True,
    ),
    Param(
        "own_weight",
        "weight rule: memorized when one training point carries more than this softmax weight",
        lower=0.5,
        upper=1.0,
        lower_open=True,
        upper_open=True,
    ),
    Param(
        "max_attractors", "fixed points stored per realization (counts are exact)", lower=1, upper=10**4, integer=True
    ),
    Param("max_stored", "training points stored per realization", lower=0, upper=10**6, integer=True),
)

DEFAULTS: dict[str, Any] = {
    "sigma": 1.0,
    "starts": 30,
    "point_starts": 50,
    "lim": 1.5,
    "energy_grid": 120,
    "tol": 1e-7,
    "max_steps": 5000,
    "merge": 1e-3,
    "eig_tol": 1e-3,
    "delta_m": 0.05,
    "own_weight": OWN_WEIGHT,
    "max_attractors": 64,
    "max_stored": 1000,
}

#: the dataset key of the training points (model.training_points): random angles on the unit circle.
_DATA = {"dataset": "circle", "even": 0}


def beta_of(params: Mapping[str, Any]) -> float:
    r""":math:`\beta_t = 1/(2\sigma^2 t)` (VE; ``diffusion.noise_beta``)."""
    return 0.5 / (float(params["sigma"]) ** 2 * float(params["t"]))


def energy_grid(lim: float, n: int) -> np.ndarray:
    """The ``n`` grid values over ``[-lim, lim]`` of both axes of the stored energy."""
    return np.linspace(-float(lim), float(lim), int(n))


def check(params: Mapping[str, Any]) -> None:
    """Cross-parameter checks at one grid point: the training points must lie inside the window."""
    if not float(params["lim"]) > 1.0:
        raise ParameterError(f"lim={params['lim']}: the window [-lim, lim]^2 must contain the unit circle (lim > 1)")


def run(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """One realization (module docstring)."""
    pts, _ = training_points({**_DATA, "K": int(params["K"])}, seed)
    K = len(pts)
    t = float(params["t"])
    sched = ve(float(params["sigma"]), t_max=max(1.0, t))
    ex = exact_score(pts, sched, dtype="float64")
    lim = float(params["lim"])
    starts = grid_starts(-lim, lim, int(params["starts"]))
    if K <= int(params["point_starts"]):
        starts = np.concatenate([starts, pts])
    att = find_attractors(
        ex,
        sched,
        t,
        starts,
        pts,
        tol=float(params["tol"]),
        max_steps=int(params["max_steps"]),
        merge=float(params["merge"]),
        eig_tol=float(params["eig_tol"]),
        delta_m=float(params["delta_m"]),
    )
    # largest softmax weight at each fixed point: the weight rule (VE: s = 1, memories xi at beta_t)
    weight = (
        np.asarray(ex.energy_at(t).weights(att.x)).max(axis=1) if len(att.x) else np.zeros(0)
    )  # (n, K): n <= a few hundred
    own = weight > float(params["own_weight"])
    a = att.is_attractor
    g = energy_grid(lim, int(params["energy_grid"]))
    xx, yy = np.meshgrid(g, g, indexing="xy")
    e = np.asarray(ex.energy(np.stack([xx.ravel(), yy.ravel()], axis=1), t), dtype=np.float64)
    e = (e - e.min()).reshape(xx.shape).astype(np.float32)
    cap = int(params["max_attractors"])
    k = min(K, int(params["max_stored"]))  # same shape for every realization of a grid point (same K)
    return {
        "beta": np.float64(beta_of(params)),
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


def _pad(a: np.ndarray, n: int, fill: Any) -> np.ndarray:
    """The first ``n`` rows of ``a``, padded with ``fill`` to ``n`` rows (realizations are stacked: same shapes)."""
    out = np.full((n, *a.shape[1:]), fill, dtype=a.dtype)
    m = min(n, len(a))
    out[:m] = a[:m]
    return out


def variables(config: Mapping[str, Any]) -> dict[str, Variable]:
    """The per-realization result variables."""

    def scalar(dtype: str, text: str, units: str = "1") -> Variable:
        return Variable((), dtype, np.nan if dtype.startswith("float") else -1, {"long_name": text, "units": units})

    fp = ("fixed_point",)
    return {
        "beta": scalar("float64", "inverse temperature 1/(2 sigma^2 t) of the landscape"),
        "data_scale": scalar("float64", "rms distance of the training points from their mean (threshold unit)"),
        "n_starts": scalar("int32", "fixed-point starts"),
        "n_stalled": scalar("int32", "starts that did not meet the tolerance in max_steps"),
        "n_attractors": scalar("int32", "attractors (stable fixed points)"),
        "n_saddles": scalar("int32", "saddles found"),
        "n_memorized": scalar("int32", "attractors within delta_m * data scale of a training point (distance rule)"),
        "n_spurious": scalar("int32", "attractors farther than delta_m * data scale (distance rule)"),
        "n_own": scalar("int32", "attractors where one training point has softmax weight > own_weight"),
        "n_unowned": scalar("int32", "attractors owned by no training point (weight rule: spurious)"),
        "fp_x": Variable((*fp, "coord"), "float64", np.nan, {"long_name": "fixed point (data space)"}),
        "fp_kind": Variable(fp, "int8", -1, flag_attrs(list(KINDS), "kind of fixed point")),
        "fp_basin": Variable(fp, "int32", -1, {"long_name": "starts that ended at the fixed point", "units": "1"}),
        "fp_eig": Variable(
            (*fp, "eig"),
            "float64",
            np.nan,
            {"long_name": "eigenvalues of the fixed-point Hessian, ascending", "units": "1"},
        ),
        "fp_d_train": Variable(fp, "float64", np.nan, {"long_name": "distance to nearest training point / scale"}),
        "fp_memorized": Variable(fp, "int8", -1, {"long_name": "1: memorized by the distance rule", "units": "1"}),
        "fp_weight": Variable(fp, "float64", np.nan, {"long_name": "largest softmax weight of a training point"}),
        "train_x": Variable(("train_point", "coord"), "float64", np.nan, {"long_name": "training point"}),
        "energy": Variable(
            ("grid_y", "grid_x"),
            "float32",
            np.nan,
            {"long_name": "LSE energy at beta_t, minus its minimum over the window", "units": "1"},
        ),
    }


def _largest(config: Mapping[str, Any], name: str) -> Any:
    return max(config["grid"][name]) if name in config["grid"] else config["params"][name]


def sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Extra dimensions: stored fixed points and training points, 2 coordinates, the energy grid."""
    p = config["params"]
    n = int(p["energy_grid"])
    return {
        "fixed_point": int(p["max_attractors"]),
        "train_point": max(1, min(int(_largest(config, "K")), int(p["max_stored"]))),
        "coord": 2,
        "eig": 2,
        "grid_y": n,
        "grid_x": n,
    }


def coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """Coordinates of the extra dimensions (the energy grid in data space)."""
    s = sizes(config)
    g = energy_grid(config["params"]["lim"], s["grid_x"])
    return {
        "fixed_point": (np.arange(s["fixed_point"]), {"units": "1", "long_name": "stored fixed point"}),
        "train_point": (np.arange(s["train_point"]), {"units": "1", "long_name": "stored training point"}),
        "coord": (np.arange(2), {"units": "1", "long_name": "coordinate"}),
        "eig": (np.arange(2), {"units": "1", "long_name": "Hessian eigenvalue, ascending"}),
        "grid_y": (g, {"units": "1", "long_name": "second coordinate of the energy grid"}),
        "grid_x": (g, {"units": "1", "long_name": "first coordinate of the energy grid"}),
    }


def attrs(config: Mapping[str, Any]) -> dict[str, Any]:
    """The rules that label the attractors."""
    return {
        "backend": "cpu",
        "classification": "fixed points of the exact score at t (amphase.analysis.diffusion.attractors); memorized "
        "by distance (d_train <= delta_m * data_scale) and by weight (largest softmax weight > own_weight)",
    }


def memory(params: Mapping[str, Any]) -> float:
    """Bytes of one task: starts x training points for the score, the energy grid x tile, the stored arrays."""
    K = int(params["K"])
    n = int(params["starts"]) ** 2 + (K if K <= int(params["point_starts"]) else 0)
    g = int(params["energy_grid"]) ** 2
    return float(8 * (4096 * 2 + 8 * n * min(K, 4096) + 4 * g * min(K, 4096) + 2 * int(params["max_stored"])))


def cost(params: Mapping[str, Any]) -> float:
    """Relative cost: (starts x a few hundred steps + energy grid) x training points."""
    K = int(params["K"])
    return float((int(params["starts"]) ** 2 * 300 + int(params["energy_grid"]) ** 2) * (K + 16))


MODEL = Model(
    name="diffusion.landscape",
    title="Circle toy: energy landscape and attractors of the exact score of K random points on the unit circle",
    references="Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025), the toy on the unit circle",
    params=PARAMS,
    gridable=("K", "t", "sigma"),
    defaults=DEFAULTS,
    variables=variables,
    sizes=sizes,
    coords=coords,
    run=run,
    check=check,
    attrs=attrs,
    memory=memory,
    cost=cost,
    rate=2.7e8,  # units/s per worker: diffusion-toy: 44 s on 2 workers (scripts/calibrate_rates.py)
)
