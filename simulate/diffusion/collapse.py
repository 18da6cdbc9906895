r"""Collapse of reverse trajectories onto training points (``diffusion.collapse``): Biroli et al. 2024.

The model runs the reverse SDE (Euler-Maruyama, :func:`~amphase.simulate.diffusion.samplers.reverse_sde`) of the
Ornstein-Uhlenbeck process of BBBM (:func:`~amphase.simulate.diffusion.schedules.ou`, VP with :math:`\beta\equiv2`:
:math:`x_t = e^{-t}a + \sqrt{\Delta_t}z`, the time of :mod:`amphase.theory.diffusion.regimes`), started from the
exact marginal at ``t_max`` (a data point noised to ``t_max`` by :func:`~amphase.simulate.diffusion.samplers.noise_to`,
so no prior mismatch), down to ``t_min``.

``diffusion.collapse`` (one task = one realization at one grid point (K, d, sigma))
    1. draws K training points from :math:`\mathcal N(0, \sigma^2 I_d)` (nested in K: the ``linear`` dataset of
       :mod:`~amphase.simulate.diffusion.data` with one direction group of d directions of std sigma; its stream is
       keyed by d only, so sets of larger K contain the smaller ones and sets at two sigmas are scaled copies);
    2. runs ``n_traj`` reverse trajectories with the exact empirical score, recording every step (``steps`` steps,
       grid ``spacing``; stream ``(1,)`` starts, ``(2,)`` sampler);
    3. reads off per trajectory the collapse times of :mod:`amphase.simulate.diffusion.regimes`: ``nearest``
       (BBBM's code: from this time on the nearest scaled training point is the final one) and ``weight`` (from this
       time on the final point's posterior weight exceeds ``threshold`` w), with its sensitivity band
       ``weight_low`` (weight above w/2) and ``weight_high`` (above (1 + w)/2): 1/4 and 3/4 around w = 1/2
       (:data:`COLLAPSE_CONDITIONS`, :func:`weight_band`);
    4. the same on ``n_traj`` exact forward paths of the same training set on the same grid (stream ``(3,)``): the
       exact finite-d distribution of every time on this grid, free of the sampler's time-step error;
    5. the excess entropy :math:`f^e(t)` (:func:`amphase.simulate.diffusion.entropy.excess_entropy`, ``n_draws``
       draws from the empirical density, stream ``(4,)``) at ``n_entropy`` times log-spaced over [t_min, t_max];
    6. the quenched crossing ``t_quenched``: the largest zero in [t_min, t_max] of the excess entropy at ``n_test``
       test points drawn from the population :math:`\mathcal N(0, \sigma^2 I_d)` (stream ``(5,)``), the draws held
       fixed (:func:`amphase.simulate.diffusion.entropy.population_crossing`; at or above BBBM's annealed
       :math:`t_C` in expectation, by Jensen's inequality). NaN when ``n_test`` is 0.

Time step and recording grid. Both collapse times are read on the recorded grid (every sampler step), and both
depend on it: a trajectory that crosses the condition and returns between two recorded times is not seen (for two
points the weight rule is the first passage of an Ornstein-Uhlenbeck coordinate through 0, and a grid of step
:math:`\delta\tau` in :math:`\tau = e^{2t} - 1` misses excursions as a first passage through a barrier moved by
:math:`0.5826\sqrt{\delta\tau}`, Broadie, Glasserman & Kou, Math. Finance 7, 325 (1997)). The forward paths are
recorded on the same grid, so reverse minus forward isolates the sampler's Euler-Maruyama error; the grid's own effect
on both is measured by ``steps`` as a grid dimension (README, collapse).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.backend import get_backend
from amphase.simulate.coordinates import with_coords
from amphase.simulate.declare import Dim, Var, declared, model, number
from amphase.simulate.diffusion.entropy import excess_entropy, population_crossing
from amphase.simulate.diffusion.gaussian_sets import gaussian_points
from amphase.simulate.diffusion.ou_params import BBBM24, OU_TIME, SIGMA, SPACING, STEPS, T_MAX, T_MIN, schedule
from amphase.simulate.diffusion.regimes import commit_time, commitment, forward_paths
from amphase.simulate.diffusion.samplers import noise_to, reverse_sde
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.lse import DEFAULT_TILE, kernel_params
from amphase.simulate.seeding import child_rng, child_seed

__all__ = ["COLLAPSE_CONDITIONS", "MODEL", "Collapse", "entropy_times", "weight_band"]

_DTYPE, _BACKEND, _TILE = kernel_params("training points")

#: the collapse conditions recorded per trajectory: BBBM's nearest-neighbour rule, and the weight rule at the
#: threshold w with its band w/2 and (1 + w)/2 (:func:`weight_band`).
COLLAPSE_CONDITIONS = ("nearest", "weight", "weight_low", "weight_high")


def weight_band(threshold: float) -> dict[str, float]:
    """The weight thresholds of the ``weight`` conditions: w, w/2 (``weight_low``) and (1 + w)/2 (``weight_high``)."""
    w = float(threshold)
    return {"weight": w, "weight_low": 0.5 * w, "weight_high": 0.5 * (1.0 + w)}


def entropy_times(t_min: float, t_max: float, n_entropy: int) -> np.ndarray:
    """The ``n_entropy`` times of the excess-entropy curve, log-spaced over [t_min, t_max], ascending."""
    k = int(n_entropy)
    return np.geomspace(float(t_min), float(t_max), k) if k else np.zeros(0)


def _attrs(r: Collapse) -> dict[str, Any]:
    backend = get_backend(r.backend)
    return {
        "backend": backend.name,
        "device": backend.device,
        "time_convention": "Ornstein-Uhlenbeck (BBBM): x_t = exp(-t) a + sqrt(1 - exp(-2t)) z",
        "collapse_definition": "largest recorded time from which, at every later recorded time, the nearest scaled "
        "training point is the final one (nearest; BBBM's code) or the final point's posterior weight exceeds "
        "threshold w (weight), w/2 (weight_low), (1 + w)/2 (weight_high); amphase.simulate.diffusion.regimes",
        "quenched_definition": "t_quenched: largest zero of the excess entropy (1/d) E(|z|^2/2 - beta E(x)) at "
        "x = e^-t y + sqrt(Delta_t) z, y drawn from the population N(0, sigma^2 I_d), for this training set; "
        "amphase.simulate.diffusion.entropy.population_crossing",
    }


def _scalar(dtype: str, fill: Any, text: str, units: str = "1") -> Var:
    return Var((), dtype, fill, text, units)


@model(
    title="Collapse of reverse trajectories onto training points: exact score of K Gaussian points (Biroli et al.)",
    references=BBBM24,
    dims={
        "condition": Dim(lambda r: len(COLLAPSE_CONDITIONS), values=lambda _c: np.array(COLLAPSE_CONDITIONS),
                         attrs={"long_name": "collapse condition (nearest: BBBM; weight: weight > threshold w; "
                                "weight_low: > w/2; weight_high: > (1 + w)/2)"}),
        "trajectory": Dim(lambda r: r.n_traj, attrs={"units": "1", "long_name": "trajectory"}),
        "entropy_time": Dim(lambda r: r.n_entropy, attrs={"units": OU_TIME, "long_name": "time of f^e(t)"}),
    },
    variables={
        "t_collapse": Var(("condition", "trajectory"), "float64", np.nan,
                          "collapse time of a reverse-SDE trajectory", OU_TIME),
        "t_collapse_forward": Var(("condition", "trajectory"), "float64", np.nan,
                                  "collapse time of an exact forward path (finite-d reference)", OU_TIME),
        "excess_entropy": Var(("entropy_time",), "float64", np.nan,
                              "excess entropy per dimension f^e(t) (Monte Carlo)", "1"),
        "excess_entropy_error": Var(("entropy_time",), "float64", np.nan, "standard error of f^e(t)", "1"),
        "final_point_distinct": _scalar("int32", -1, "distinct training points reached by the reverse trajectories"),
        "t_grid_step": _scalar("float64", np.nan, "largest step of the recorded grid in log t"),
        "t_quenched": _scalar("float64", np.nan, "largest zero of the excess entropy at population test points "
                              "(quenched crossing)", OU_TIME),
    },
    attrs=_attrs,
    rate=8.3e8,  # units/s per worker: diffusion-collapse: 43 s on 2 workers (scripts/calibrate_rates.py)
)  # fmt: skip
class Collapse:
    """One grid point of ``diffusion.collapse`` (module docstring); ``MODEL`` is what the sweep runner runs."""

    K: int = number("number of training points", ge=2, le=10**6, long_name="training set size", grid=True)
    d: int = number("dimension", ge=1, le=10**4, long_name="dimension", grid=True)
    sigma: float = declared(SIGMA, default=1.0, grid=True)
    t_min: float = declared(T_MIN, default=1e-3)
    t_max: float = declared(T_MAX, default=4.0)
    steps: int = declared(STEPS, default=300, grid=True)
    spacing: str = declared(SPACING, default="log")
    n_traj: int = number("reverse trajectories (and as many forward paths) per realization", default=256, ge=1,
                         le=10**6, grid=True)  # fmt: skip
    threshold: float = number("weight condition: the final point's posterior weight exceeds this", default=0.5,
                              gt=0.0, lt=1.0, grid=True)  # fmt: skip
    n_entropy: int = number("times of the excess-entropy curve (0: none)", default=24, ge=0, le=1000)
    n_draws: int = number("excess-entropy draws per time", default=256, ge=2, le=10**7)
    n_test: int = number("population test points of the quenched excess-entropy crossing (0: none)", default=512,
                         ge=0, le=10**6)  # fmt: skip
    dtype: str = declared(_DTYPE, default="float64")
    backend: str = declared(_BACKEND, default="cpu")
    tile: int = declared(_TILE, default=DEFAULT_TILE)

    def check(self) -> None:
        """Cross-parameter checks: t_min < t_max; the backend exists."""
        if not self.t_min < self.t_max:
            raise ParameterError(f"t_min={self.t_min} must be < t_max={self.t_max}")
        get_backend(self.backend)

    def memory(self, realizations: int) -> float:
        """Bytes: training set, three recorded (T, B, d) arrays, one tile of weights per trajectory."""
        K, d, B, T = self.K, self.d, self.n_traj, self.steps + 1
        tile = min(self.tile, K)
        draws = max(self.n_draws, 3 * self.n_test)
        return float(8 * (4 * K * d + 3 * T * B * d + 4 * B * tile + 4 * T * B + draws * (d + tile)))

    def cost(self) -> float:
        """Relative cost: (3 passes per step + entropy draws + about 40 evaluations of the quenched curve) x K x d."""
        K, d, B, T = self.K, self.d, self.n_traj, self.steps + 1
        draws = self.n_entropy * self.n_draws + 40 * self.n_test
        return float((3 * T * B + draws) * (K + 16) * d)

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization of ``diffusion.collapse`` (module docstring)."""
        xp = get_backend(self.backend).xp
        data = gaussian_points(self.K, self.d, self.sigma, seed)
        K = data.shape[0]
        sch = schedule(self.t_min, self.t_max)
        B, tile = self.n_traj, self.tile
        dev = xp.asarray(data)
        score = exact_score(dev, sch, tile=tile, dtype=self.dtype)
        starts = child_rng(seed, 1)
        mu = starts.integers(0, K, size=B)
        x0 = noise_to(dev[xp.asarray(mu)], sch, sch.t_max, starts)
        grid = sch.time_grid(self.steps, spacing=self.spacing)
        traj = reverse_sde(score, sch, x0, steps=self.steps, rng=child_seed(seed, 2), record=grid,
                           spacing=self.spacing)  # fmt: skip
        times = traj.times
        rev = commitment(traj.path, times, dev, sch, tile=tile)
        fpath, _ = forward_paths(dev, sch, times, B, child_rng(seed, 3))
        fwd = commitment(fpath, times, dev, sch, tile=tile)
        band = weight_band(self.threshold)

        def read(c: Any) -> np.ndarray:
            return np.stack([commit_time(c, times, "nearest")] + [commit_time(c, times, "weight", band[k])
                                                                   for k in COLLAPSE_CONDITIONS[1:]])  # fmt: skip

        et = entropy_times(self.t_min, self.t_max, self.n_entropy)
        ent = np.full(et.size, np.nan)
        ent_err = np.full(et.size, np.nan)
        erng = child_rng(seed, 4)
        for i, t in enumerate(et):
            ee = excess_entropy(data, float(t), erng, n_draws=self.n_draws)
            ent[i], ent_err[i] = ee.f, ee.stderr
        t_q = math.nan
        if self.n_test:
            trng = child_rng(seed, 5)
            test_points = self.sigma * trng.standard_normal((self.n_test, data.shape[1]))
            noise = trng.standard_normal((self.n_test, data.shape[1]))
            t_q = population_crossing(data, test_points, noise, sch.t_min, sch.t_max)
        return {
            "t_collapse": read(rev),
            "t_collapse_forward": read(fwd),
            "excess_entropy": ent,
            "excess_entropy_error": ent_err,
            "final_point_distinct": np.int32(len(np.unique(rev.final))),
            "t_grid_step": np.float64(float(np.max(-np.diff(np.log(times))))),
            "t_quenched": np.float64(t_q),
        }


MODEL = with_coords(Collapse.MODEL, entropy_time=lambda p: entropy_times(p["t_min"], p["t_max"], p["n_entropy"]))
