r"""Collapse and cloning models for the sweep runner (``diffusion.collapse``, ``diffusion.clones``): Biroli et al. 2024.

Both run the reverse SDE (Euler-Maruyama, :func:`~amphase.simulate.diffusion.samplers.reverse_sde`) of the
Ornstein-Uhlenbeck process of BBBM (:func:`~amphase.simulate.diffusion.schedules.ou`, VP with :math:`\beta\equiv2`:
:math:`x_t = e^{-t}a + \sqrt{\Delta_t}z`, the time of :mod:`amphase.theory.diffusion.regimes`), started from the
exact marginal at ``t_max`` (a data point noised to ``t_max`` by :func:`~amphase.simulate.diffusion.samplers.noise_to`,
so no prior mismatch), down to ``t_min``.

``diffusion.collapse`` (one task = one realization at one grid point (n, d, sigma))
    1. draws n training points from :math:`\mathcal N(0, \sigma^2 I_d)` (nested in n: the ``linear`` dataset of
       :mod:`~amphase.simulate.diffusion.data` with one direction group of d directions of std sigma; its stream is
       keyed by d only, so sets of larger n contain the smaller ones and sets at two sigmas are scaled copies);
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

``diffusion.clones`` (one task = one realization at one grid point (d, m, sigma, score, n, ...))
    Two Gaussians :math:`\mathcal N(\pm\mathbf m, \sigma^2 I_d)`, :math:`\mathbf m = m\,(1, \dots, 1)`
    (:math:`|\mathbf m|^2 = m^2 d`), with the exact *population* score
    (:func:`~amphase.simulate.diffusion.score.mixture_score`). ``n_pairs`` states at each branching time
    :math:`t = r\,t_S`, :math:`t_S = \tfrac12\log(m^2 d + \sigma^2)`, r on ``n_times`` values evenly spaced over
    [``ratio_min``, ``ratio_max``] plus r = 1, come from independent reverse trajectories recorded on the way down
    (``start="trajectory"``, BBBM's protocol: stream ``(2,)``, started from the exact marginal at ``t_max``, stream
    ``(1,)``) or from exact draws of :math:`P_t` (``start="marginal"``, streams ``(1, k)``: what an error-free first
    leg gives). From each state two clones with independent noise run to ``t_min`` (stream ``(3, k)``; ``steps``
    scaled by the length of each leg, so every leg has the step of the full run). The class of an end point is the
    sign of its projection on
    :math:`\mathbf m`; ``n_same`` counts the pairs whose clones end in the same class. At ``t_min`` the sign differs
    from the component a point was drawn from with probability at most :math:`\epsilon = \Phi(-|\mathbf m|/\sigma)`
    per clone (stored as ``sign_error_bound``; :math:`3\cdot10^{-5}` at m = sigma = 1, d = 16), so the measured
    fraction estimates BBBM's :math:`\phi(t)` (``diffusion.clone_probability``, exact at every d for the
    population) up to :math:`2\epsilon`. Pairs are independent (no training set is shared): binomial errors are exact.

``score = "exact"``: the same measurement with the exact *empirical* score
(:func:`~amphase.simulate.diffusion.score.exact_score`, streaming LSE kernel) of n training points drawn from the
mixture (:func:`two_gaussian_points`: point i belongs to the component +m for even i and -m for odd i, so the classes
are balanced and n = 2 has one point per class; its Gaussian noise comes from the stream :func:`nested_seed` keyed by
(d, m, sigma) only, so sets of larger n contain the smaller ones). The state at the branching time comes from a
reverse trajectory started from the exact empirical marginal at ``t_max`` or from an exact draw of
:math:`P^e_t` (a uniform training point noised to t); the clones run with the exact score. Every realization draws
its own training set, so pairs are independent only given it. Besides ``n_same`` the model records ``n_same_point``
(both clones end nearest the same training point at ``t_min``: collapse) and, from ``n_draws`` exact draws of
:math:`P^e_t` per branching time (stream ``(4, k)``), the exact finite-n expectations of both fractions for this
training set, :math:`\phi_n(t) = \mathbb E\sum_c W_c^2` and :math:`q_n(t) = \mathbb E\sum_\mu w_\mu^2`
(:func:`~amphase.simulate.diffusion.regimes.clone_overlap`; derived in :mod:`amphase.simulate.diffusion.regimes`),
as ``phi_reference`` and ``same_point_reference`` with their Monte Carlo standard errors: what an error-free
sampler would measure. The class of a training point is the sign of its projection on :math:`\mathbf m`, like the
end points'. Stiffness: near a training point the exact score has :math:`g^2/\sigma_t^2 \approx 1/t`, so a
uniform step h needs h < t_min for a stable, accurate Euler step (checked; ``spacing="log"`` is stable whenever
:math:`\Delta\log t < 1`).

Time step. Euler-Maruyama has a weak error O(h), and the clone fraction feels it. Measured while building this
model (d = 16, m = sigma = 1, ``start="trajectory"`` from ``t_max = 6``, 4000 pairs, deviations from the theory in
binomial standard errors at t = 0.57, 1.13, 1.42): uniform step h = 0.02: -4.7, -1.2, -1.9; h = 0.005: -1.5, -1.0,
-2.2; h = 0.00125: -0.5, -0.1, +0.4. The first leg contributes most (``start="marginal"`` at h = 0.005: +1.6, +0.6
at t = 0.57, 1.13 with 8000 pairs). ``steps`` is a grid parameter, so a run can show its own convergence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.params import Choice, Param
from amphase.simulate.backend import get_backend
from amphase.simulate.diffusion.data import nested_seed, training_set
from amphase.simulate.diffusion.entropy import excess_entropy, population_crossing
from amphase.simulate.diffusion.regimes import (
    clone_ends,
    clone_overlap,
    commit_time,
    commitment,
    forward_paths,
)
from amphase.simulate.diffusion.samplers import noise_to, reverse_sde
from amphase.simulate.diffusion.schedules import SPACINGS, ou
from amphase.simulate.diffusion.score import exact_score, mixture_score
from amphase.simulate.lse import DEFAULT_TILE, kernel_params
from amphase.simulate.models import Model, Variable
from amphase.simulate.seeding import child_rng, child_seed
from amphase.theory.diffusion.regimes import collapse_time

__all__ = [
    "CLONES",
    "COLLAPSE",
    "branch_ratios",
    "clone_times",
    "entropy_times",
    "run_clones",
    "run_collapse",
    "two_gaussian_points",
]

BBBM24 = "Biroli, Bonnaire, de Bortoli & Mézard, Nat. Commun. 15, 9957 (2024), arXiv:2402.18491"

T_MIN = Param("t_min", "last (smallest) Ornstein-Uhlenbeck time of the reverse run", lower=0.0, lower_open=True)
T_MAX = Param("t_max", "Ornstein-Uhlenbeck time where the reverse run starts (exact marginal)", lower=0.0,
              lower_open=True)  # fmt: skip
STEPS = Param("steps", "reverse-SDE steps from t_max to t_min", lower=2, upper=10**6, integer=True)
SPACING = Choice("spacing", "time grid of the sampler (log: equal dt/t; uniform: equal dt)", SPACINGS)
SIGMA = Param("sigma", "standard deviation of the data per coordinate", lower=0.0, lower_open=True, upper=1e3)


def _schedule(params: Mapping[str, Any]) -> Any:
    return ou(t_min=float(params["t_min"]), t_max=float(params["t_max"]))


def _scalar(dtype: str, fill: Any, text: str, units: str = "1") -> Variable:
    return Variable((), dtype, fill, {"long_name": text, "units": units})


# ------------------------------------------------------------------------------------------------ collapse

COLLAPSE_PARAMS: tuple[Param | Choice, ...] = (
    Param("n", "number of training points", lower=2, upper=10**6, integer=True, long_name="training set size"),
    Param("d", "dimension", lower=1, upper=10**4, integer=True, long_name="dimension"),
    SIGMA,
    T_MIN,
    T_MAX,
    STEPS,
    SPACING,
    Param(
        "n_traj", "reverse trajectories (and as many forward paths) per realization", lower=1, upper=10**6, integer=True
    ),
    Param(
        "threshold",
        "weight condition: the final point's posterior weight exceeds this",
        lower=0.0,
        upper=1.0,
        lower_open=True,
        upper_open=True,
    ),
    Param("n_entropy", "times of the excess-entropy curve (0: none)", lower=0, upper=1000, integer=True),
    Param("n_draws", "excess-entropy draws per time", lower=2, upper=10**7, integer=True),
    Param(
        "n_test",
        "population test points of the quenched excess-entropy crossing (0: none)",
        lower=0,
        upper=10**6,
        integer=True,
    ),
    *kernel_params("training points"),
)

#: the collapse conditions recorded per trajectory: BBBM's nearest-neighbour rule, and the weight rule at the
#: threshold w with its band w/2 and (1 + w)/2 (:func:`weight_band`).
COLLAPSE_CONDITIONS = ("nearest", "weight", "weight_low", "weight_high")


def weight_band(threshold: float) -> dict[str, float]:
    """The weight thresholds of the ``weight`` conditions: w, w/2 (``weight_low``) and (1 + w)/2 (``weight_high``)."""
    w = float(threshold)
    return {"weight": w, "weight_low": 0.5 * w, "weight_high": 0.5 * (1.0 + w)}


COLLAPSE_DEFAULTS: dict[str, Any] = {
    "sigma": 1.0,
    "t_min": 1e-3,
    "t_max": 4.0,
    "steps": 300,
    "spacing": "log",
    "n_traj": 256,
    "threshold": 0.5,
    "n_entropy": 24,
    "n_draws": 256,
    "n_test": 512,
    "dtype": "float64",
    "backend": "cpu",
    "tile": DEFAULT_TILE,
}


def entropy_times(config_params: Mapping[str, Any]) -> np.ndarray:
    """The ``n_entropy`` times of the excess-entropy curve, log-spaced over [t_min, t_max], ascending."""
    k = int(config_params["n_entropy"])
    return np.geomspace(float(config_params["t_min"]), float(config_params["t_max"]), k) if k else np.zeros(0)


def gaussian_points(params: Mapping[str, Any], seed: np.random.SeedSequence) -> np.ndarray:
    """The (n, d) training set of one realization: N(0, sigma^2 I_d), nested in n (module docstring)."""
    d = int(params["d"])
    stream = nested_seed(seed, {"dataset": "gaussian", "d": d})
    return training_set("linear", int(params["n"]), stream, groups=((d, float(params["sigma"])),))


def check_collapse(params: Mapping[str, Any]) -> None:
    """Cross-parameter checks: t_min < t_max; the backend exists."""
    if not float(params["t_min"]) < float(params["t_max"]):
        raise ParameterError(f"t_min={params['t_min']} must be < t_max={params['t_max']}")
    get_backend(params["backend"])


def run_collapse(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """One realization of ``diffusion.collapse`` (module docstring)."""
    backend = get_backend(params["backend"])
    xp = backend.xp
    data = gaussian_points(params, seed)
    n = data.shape[0]
    sch = _schedule(params)
    B = int(params["n_traj"])
    thr = float(params["threshold"])
    tile = int(params["tile"])
    dev = xp.asarray(data)
    score = exact_score(dev, sch, tile=tile, dtype=params["dtype"])
    starts = child_rng(seed, 1)
    mu = starts.integers(0, n, size=B)
    x0 = noise_to(dev[xp.asarray(mu)], sch, sch.t_max, starts)
    grid = sch.time_grid(int(params["steps"]), spacing=params["spacing"])
    traj = reverse_sde(score, sch, x0, steps=int(params["steps"]), rng=child_seed(seed, 2), record=grid,
                       spacing=params["spacing"])  # fmt: skip
    times = traj.times
    rev = commitment(traj.path, times, dev, sch, tile=tile)
    fpath, _ = forward_paths(dev, sch, times, B, child_rng(seed, 3))
    fwd = commitment(fpath, times, dev, sch, tile=tile)
    band = weight_band(thr)

    def read(c: Any) -> np.ndarray:
        return np.stack([commit_time(c, times, "nearest")] + [commit_time(c, times, "weight", band[k])
                                                               for k in COLLAPSE_CONDITIONS[1:]])  # fmt: skip

    out_rev, out_fwd = read(rev), read(fwd)
    et = entropy_times(params)
    ent = np.full(et.size, np.nan)
    ent_err = np.full(et.size, np.nan)
    erng = child_rng(seed, 4)
    for i, t in enumerate(et):
        ee = excess_entropy(data, float(t), erng, n_draws=int(params["n_draws"]))
        ent[i], ent_err[i] = ee.f, ee.stderr
    t_q = math.nan
    m = int(params["n_test"])
    if m:
        trng = child_rng(seed, 5)
        test_points = float(params["sigma"]) * trng.standard_normal((m, data.shape[1]))
        noise = trng.standard_normal((m, data.shape[1]))
        t_q = population_crossing(data, test_points, noise, sch.t_min, sch.t_max)
    return {
        "t_collapse": out_rev,
        "t_collapse_forward": out_fwd,
        "excess_entropy": ent,
        "excess_entropy_error": ent_err,
        "final_point_distinct": np.int32(len(np.unique(rev.final))),
        "t_grid_step": np.float64(float(np.max(-np.diff(np.log(times))))),
        "t_quenched": np.float64(t_q),
    }


def collapse_variables(config: Mapping[str, Any]) -> dict[str, Variable]:
    """The per-realization result variables of ``diffusion.collapse``."""
    ou_t = "Ornstein-Uhlenbeck time"
    return {
        "t_collapse": Variable(("condition", "trajectory"), "float64", np.nan,
                               {"long_name": "collapse time of a reverse-SDE trajectory", "units": ou_t}),
        "t_collapse_forward": Variable(("condition", "trajectory"), "float64", np.nan,
                                       {"long_name": "collapse time of an exact forward path (finite-d reference)",
                                        "units": ou_t}),
        "excess_entropy": Variable(("entropy_time",), "float64", np.nan,
                                   {"long_name": "excess entropy per dimension f^e(t) (Monte Carlo)", "units": "1"}),
        "excess_entropy_error": Variable(("entropy_time",), "float64", np.nan,
                                         {"long_name": "standard error of f^e(t)", "units": "1"}),
        "final_point_distinct": _scalar("int32", -1, "distinct training points reached by the reverse trajectories"),
        "t_grid_step": _scalar("float64", np.nan, "largest step of the recorded grid in log t"),
        "t_quenched": _scalar("float64", np.nan, "largest zero of the excess entropy at population test points "
                              "(quenched crossing)", ou_t),
    }  # fmt: skip


def collapse_sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Extra dimensions: the two conditions, trajectories, entropy times."""
    p = config["params"]
    return {"condition": len(COLLAPSE_CONDITIONS), "trajectory": int(p["n_traj"]), "entropy_time": int(p["n_entropy"])}


def collapse_coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """Coordinates: condition names, trajectory index, the entropy times."""
    p = config["params"]
    return {
        "condition": (np.array(COLLAPSE_CONDITIONS), {"long_name": "collapse condition (nearest: BBBM; weight: "
                      "weight > threshold w; weight_low: > w/2; weight_high: > (1 + w)/2)"}),
        "trajectory": (np.arange(int(p["n_traj"])), {"units": "1", "long_name": "trajectory"}),
        "entropy_time": (entropy_times(p), {"units": "Ornstein-Uhlenbeck time", "long_name": "time of f^e(t)"}),
    }  # fmt: skip


def collapse_attrs(config: Mapping[str, Any]) -> dict[str, Any]:
    """Backend, device, the definitions."""
    backend = get_backend(config["params"]["backend"])
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


def collapse_memory(params: Mapping[str, Any]) -> float:
    """Bytes: training set, three recorded (T, B, d) arrays, one tile of weights per trajectory."""
    n, d, B, T = int(params["n"]), int(params["d"]), int(params["n_traj"]), int(params["steps"]) + 1
    tile = min(int(params["tile"]), n)
    draws = max(int(params["n_draws"]), 3 * int(params["n_test"]))
    return float(8 * (4 * n * d + 3 * T * B * d + 4 * B * tile + 4 * T * B + draws * (d + tile)))


def collapse_cost(params: Mapping[str, Any]) -> float:
    """Relative cost: (3 passes per step + entropy draws + about 40 evaluations of the quenched curve) x n x d."""
    n, d, B, T = int(params["n"]), int(params["d"]), int(params["n_traj"]), int(params["steps"]) + 1
    draws = int(params["n_entropy"]) * int(params["n_draws"]) + 40 * int(params["n_test"])
    return float((3 * T * B + draws) * (n + 16) * d)


COLLAPSE = Model(
    name="diffusion.collapse",
    title="Collapse of reverse trajectories onto training points: exact score of n Gaussian points (Biroli et al.)",
    references=BBBM24,
    params=COLLAPSE_PARAMS,
    gridable=("n", "d", "sigma", "steps", "threshold", "n_traj"),
    defaults=COLLAPSE_DEFAULTS,
    variables=collapse_variables,
    sizes=collapse_sizes,
    coords=collapse_coords,
    run=run_collapse,
    check=check_collapse,
    attrs=collapse_attrs,
    memory=collapse_memory,
    cost=collapse_cost,
    rate=8.3e8,  # units/s per worker: diffusion-collapse: 43 s on 2 workers (scripts/calibrate_rates.py)
)


# ------------------------------------------------------------------------------------------------ clones

#: where the state at the branching time comes from (module docstring).
STARTS = ("trajectory", "marginal")

#: the score of ``diffusion.clones``: the mixture's population score or the exact score of n training points.
CLONE_SCORES = ("population", "exact")

CLONES_PARAMS: tuple[Param | Choice, ...] = (
    Param("d", "dimension", lower=1, upper=10**5, integer=True, long_name="dimension"),
    Param(
        "m",
        "mean amplitude per coordinate: the Gaussians sit at ±m(1,...,1), |m_vec|^2 = m^2 d",
        lower=0.0,
        lower_open=True,
        upper=1e3,
    ),
    SIGMA,
    T_MIN,
    T_MAX,
    STEPS,
    SPACING,
    Param("n_pairs", "clone pairs per branching time and realization", lower=1, upper=10**7, integer=True),
    Choice("start", "state at the branching time: a reverse trajectory from t_max, or an exact draw of P_t", STARTS),
    Param("ratio_min", "smallest branching time / t_S", lower=0.0, lower_open=True),
    Param("ratio_max", "largest branching time / t_S", lower=0.0, lower_open=True),
    Param(
        "n_times",
        "branching times evenly spaced over [ratio_min, ratio_max] t_S (t_S is added)",
        lower=1,
        upper=1000,
        integer=True,
    ),
    Choice(
        "score", "population score of the mixture, or the exact score of n training points drawn from it", CLONE_SCORES
    ),
    Param("n", "training points (score = exact)", lower=2, upper=10**6, integer=True, long_name="training set size"),
    Param(
        "n_draws",
        "exact draws of P_t per branching time for the finite-n reference (score = exact; 0: none)",
        lower=0,
        upper=10**7,
        integer=True,
    ),
    *kernel_params("training points"),
)

CLONES_DEFAULTS: dict[str, Any] = {
    "m": 1.0,
    "sigma": 1.0,
    "t_min": 1e-3,
    "t_max": 6.0,
    "steps": 600,
    "spacing": "uniform",
    "n_pairs": 1000,
    "start": "trajectory",
    "ratio_min": 0.2,
    "ratio_max": 2.0,
    "n_times": 10,
    "score": "population",
    "n": 1024,
    "n_draws": 4000,
    "dtype": "float64",
    "backend": "cpu",
    "tile": DEFAULT_TILE,
}


def branch_ratios(config_params: Mapping[str, Any]) -> np.ndarray:
    """Branching times in units of t_S: ``n_times`` evenly spaced over [ratio_min, ratio_max], and 1 (ascending)."""
    lo, hi, k = float(config_params["ratio_min"]), float(config_params["ratio_max"]), int(config_params["n_times"])
    r = np.linspace(lo, hi, k) if k > 1 else np.array([lo])
    return np.unique(np.concatenate([r, [1.0]]))


def _t_s(params: Mapping[str, Any]) -> float:
    lam = float(params["m"]) ** 2 * int(params["d"]) + float(params["sigma"]) ** 2
    return 0.5 * math.log(lam) if lam > 1.0 else math.nan


def clone_times(params: Mapping[str, Any]) -> np.ndarray:
    """The branching times r t_S of one grid point (ascending)."""
    return branch_ratios(params) * _t_s(params)


def check_clones(params: Mapping[str, Any]) -> None:
    """Cross-parameter checks: t_S exists, branching times in (t_min, t_max); exact score: a stable Euler step.

    t_S needs m^2 d + sigma^2 > 1. With the exact score the Euler step must be stable at t_min (uniform spacing:
    h < t_min; log spacing: step in log t < 1) and the backend must exist.
    """
    if params["score"] == "exact":
        get_backend(params["backend"])
        t_min, t_max, steps = float(params["t_min"]), float(params["t_max"]), int(params["steps"])
        if params["spacing"] == "uniform" and not (t_max - t_min) / steps < t_min:
            raise ParameterError(
                f"steps={steps}: with the exact score and uniform spacing the step (t_max - t_min)/steps = "
                f"{(t_max - t_min) / steps:.4g} must be < t_min={t_min} (stiffness 1/t near a training point); "
                f"use steps > {math.ceil((t_max - t_min) / t_min)}, a larger t_min or spacing='log'"
            )
        if params["spacing"] == "log" and not math.log(t_max / t_min) / steps < 1.0:
            raise ParameterError(f"steps={steps}: the step in log t, log(t_max/t_min)/steps, must be < 1")
    if float(params["ratio_min"]) > float(params["ratio_max"]):
        raise ParameterError(f"ratio_min={params['ratio_min']} must be <= ratio_max={params['ratio_max']}")
    t_s = _t_s(params)
    if not math.isfinite(t_s):
        raise ParameterError(
            f"m^2 d + sigma^2 = {float(params['m']) ** 2 * int(params['d']) + float(params['sigma']) ** 2:.4g} <= 1: "
            "no speciation time t_S = 0.5 log(Lambda); use a larger m or d"
        )
    ts = clone_times(params)
    t_min, t_max = float(params["t_min"]), float(params["t_max"])
    if not (ts[0] > t_min and ts[-1] < t_max):
        raise ParameterError(
            f"branching times {ts[0]:.4g}..{ts[-1]:.4g} (ratio_min..ratio_max times t_S = {t_s:.4g}) must lie in "
            f"(t_min, t_max) = ({t_min}, {t_max}): change ratio_min, ratio_max or t_max"
        )


def _leg_steps(params: Mapping[str, Any], t: float, t_from: float | None = None) -> int:
    """Steps of the leg from ``t_from`` (default: t down to t_min) with the step of the full run."""
    t_min, t_max, steps = float(params["t_min"]), float(params["t_max"]), int(params["steps"])
    lo, hi = (t_min, t) if t_from is None else (t, t_from)
    if params["spacing"] == "log":
        frac = math.log(hi / lo) / math.log(t_max / t_min)
    else:
        frac = (hi - lo) / (t_max - t_min)
    return max(1, round(steps * frac))


def two_gaussian_points(params: Mapping[str, Any], seed: np.random.SeedSequence) -> np.ndarray:
    """The (n, d) training set of one realization: N(+m, sigma^2 I) for even i, N(-m, ...) for odd i (nested in n).

    The noise is one standard-normal (n, d) draw, row by row, from the stream :func:`nested_seed` keyed by
    (d, m, sigma): a prefix of the draw for a larger n, so the sets are nested.
    """
    d, m, sigma, n = int(params["d"]), float(params["m"]), float(params["sigma"]), int(params["n"])
    stream = nested_seed(seed, {"dataset": "two_gaussians", "d": d, "m": m, "sigma": sigma})
    rng = np.random.Generator(np.random.PCG64(stream))
    sign = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    return sign[:, None] * np.full(d, m) + sigma * rng.standard_normal((n, d))


def _clone_score(params: Mapping[str, Any], sch: Any, seed: np.random.SeedSequence) -> tuple[Any, Any]:
    """The score, and the training points on the backend (None for the population score)."""
    d, m = int(params["d"]), float(params["m"])
    mvec = np.full(d, m)
    if params["score"] == "population":
        return mixture_score(np.stack([mvec, -mvec]), float(params["sigma"]), sch), None
    xp = get_backend(params["backend"]).xp
    data = xp.asarray(two_gaussian_points(params, seed))
    return exact_score(data, sch, tile=int(params["tile"]), dtype=params["dtype"]), data


def run_clones(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """One realization of ``diffusion.clones`` (module docstring)."""
    d, m, sigma = int(params["d"]), float(params["m"]), float(params["sigma"])
    sch = _schedule(params)
    mvec = np.full(d, m)
    score, data = _clone_score(params, sch, seed)
    exact = data is not None
    xp = get_backend(params["backend"]).xp if exact else np
    mdev = xp.asarray(mvec)
    B = int(params["n_pairs"])
    ts = clone_times(params)

    def exact_draw(t: float, rng: np.random.Generator, size: int = B) -> Any:
        if exact:  # the empirical marginal: a uniform training point noised to t
            return noise_to(data[xp.asarray(rng.integers(0, data.shape[0], size=size))], sch, t, rng)
        sign = np.where(rng.integers(0, 2, size=size) == 0, 1.0, -1.0)
        return noise_to(sign[:, None] * mvec + sigma * rng.standard_normal((size, d)), sch, t, rng)

    if params["start"] == "trajectory":
        xT = exact_draw(sch.t_max, child_rng(seed, 1))
        traj = reverse_sde(score, sch, xT, steps=_leg_steps(params, float(ts[0]), sch.t_max), t_stop=float(ts[0]),
                           rng=child_seed(seed, 2), record=ts, spacing=params["spacing"])  # fmt: skip
        states = traj.path[::-1]  # ascending in time, as ts
    else:
        states = [exact_draw(float(t), child_rng(seed, 1, k)) for k, t in enumerate(ts)]
    n_same = np.zeros(ts.size, dtype=np.int32)
    n_point = np.full(ts.size, -1, dtype=np.int32)
    ref = {k: np.full(ts.size, np.nan) for k in ("phi", "phi_err", "q", "q_err")}
    if exact:
        labels = np.sign(np.asarray(data.get() if hasattr(data, "get") else data) @ mvec)
        tile = int(params["tile"])
    for k, t in enumerate(ts):
        a, b = clone_ends(score, sch, states[k], float(t), steps=_leg_steps(params, float(t)),
                          rng=child_seed(seed, 3, k))  # fmt: skip
        n_same[k] = int(xp.sum(xp.sign(a @ mdev) == xp.sign(b @ mdev)))
        if not exact:
            continue
        ends = commitment(xp.concatenate([a, b])[None], [sch.t_min], data, sch, tile=tile).nearest[0]
        n_point[k] = int(np.sum(ends[:B] == ends[B:]))
        nd = int(params["n_draws"])
        if nd:
            x = exact_draw(float(t), child_rng(seed, 4, k), nd)
            same_class, same_point = clone_overlap(data, labels, sch, x, float(t), tile=tile)
            ref["phi"][k], ref["phi_err"][k] = same_class.mean(), same_class.std(ddof=1) / math.sqrt(nd)
            ref["q"][k], ref["q_err"][k] = same_point.mean(), same_point.std(ddof=1) / math.sqrt(nd)
    return {
        "n_same": n_same,
        "n_pairs": np.int32(B),
        "t_branch": ts,
        "t_S": np.float64(_t_s(params)),
        "sign_error_bound": np.float64(0.5 * math.erfc(m * math.sqrt(d) / sigma / math.sqrt(2.0))),
        "n_same_point": n_point,
        "phi_reference": ref["phi"],
        "phi_reference_error": ref["phi_err"],
        "same_point_reference": ref["q"],
        "same_point_reference_error": ref["q_err"],
        "t_C": np.float64(collapse_time(int(params["n"]), d, sigma) if exact else math.nan),
    }


def clones_variables(config: Mapping[str, Any]) -> dict[str, Variable]:
    """The per-realization result variables of ``diffusion.clones``."""
    ou_t = "Ornstein-Uhlenbeck time"
    return {
        "n_same": Variable(("t_ratio",), "int32", -1, {"long_name": "clone pairs ending in the same class",
                                                       "units": "1"}),
        "n_pairs": _scalar("int32", -1, "clone pairs per branching time"),
        "t_branch": Variable(("t_ratio",), "float64", np.nan, {"long_name": "branching time", "units": ou_t}),
        "t_S": _scalar("float64", np.nan, "speciation time 0.5 log(m^2 d + sigma^2)", ou_t),
        "sign_error_bound": _scalar("float64", np.nan, "Phi(-|m_vec|/sigma): bound on a clone's sign error at t_min"),
        "n_same_point": Variable(("t_ratio",), "int32", -1, {"long_name": "clone pairs ending nearest the same "
                                                             "training point (score = exact; -1: population)",
                                                             "units": "1"}),
        "phi_reference": Variable(("t_ratio",), "float64", np.nan, {"long_name": "exact finite-n cloning probability "
                                                                    "E sum_c W_c^2 of this training set (Monte Carlo)",
                                                                    "units": "1"}),
        "phi_reference_error": Variable(("t_ratio",), "float64", np.nan, {"long_name": "standard error of "
                                                                          "phi_reference", "units": "1"}),
        "same_point_reference": Variable(("t_ratio",), "float64", np.nan, {"long_name": "exact probability that two "
                                                                           "clones end at the same training point, "
                                                                           "E sum_mu w_mu^2 (Monte Carlo)",
                                                                           "units": "1"}),
        "same_point_reference_error": Variable(("t_ratio",), "float64", np.nan, {"long_name": "standard error of "
                                                                                 "same_point_reference", "units": "1"}),
        "t_C": _scalar("float64", np.nan, "collapse time 0.5 log(1 + sigma^2/(n^(2/d) - 1)) (diffusion.collapse_time, "
                       "component variance sigma^2)", ou_t),
    }  # fmt: skip


def clones_sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Extra dimension: the branching times."""
    return {"t_ratio": int(branch_ratios(config["params"]).size)}


def clones_coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """Coordinate: branching time / t_S."""
    return {"t_ratio": (branch_ratios(config["params"]), {"units": "1", "long_name": "branching time / t_S"})}


def clones_attrs(config: Mapping[str, Any]) -> dict[str, Any]:
    """The definitions."""
    return {
        "time_convention": "Ornstein-Uhlenbeck (BBBM): x_t = exp(-t) a + sqrt(1 - exp(-2t)) z",
        "class_definition": "sign of the end point's projection on m_vec at t_min",
        "score_definition": "population: exact population score of the two-Gaussian mixture "
        "(amphase.simulate.diffusion.score.MixtureScore); exact: exact empirical score of n training points drawn "
        "from it, even i from +m, odd i from -m (amphase.simulate.diffusion.score.ExactScore)",
    }


def clones_memory(params: Mapping[str, Any]) -> float:
    """Bytes: the recorded states and two clones per pair."""
    B, d, k = int(params["n_pairs"]), int(params["d"]), int(params["n_times"]) + 1
    if params.get("score") != "exact":
        return float(8 * B * d * (k + 8))
    n, tile, nd = int(params["n"]), int(params["tile"]), int(params["n_draws"])
    return float(8 * (B * d * (k + 8) + 4 * n * d + 2 * (2 * B + nd) * min(tile, n) + nd * d))


def clones_cost(params: Mapping[str, Any]) -> float:
    """Relative cost: pair-steps x dimension (the first leg and two clones per branching time).

    Exact score: times (n + 16) per pair-step, plus the nearest-point pass and the reference draws.
    """
    B, d = int(params["n_pairs"]), int(params["d"])
    legs = sum(_leg_steps(params, float(t)) for t in clone_times(params)) if math.isfinite(_t_s(params)) else 0
    pair_steps = B * (2 * legs + (int(params["steps"]) if params["start"] == "trajectory" else 0))
    if params.get("score") != "exact":
        return float(pair_steps * d)
    k = int(params["n_times"]) + 1
    return float((pair_steps + 2 * B * k + 4 * int(params["n_draws"]) * k) * (int(params["n"]) + 16) * d)


CLONES = Model(
    name="diffusion.clones",
    title="Cloning probability of two Gaussians: clones branched at time t end in the same class (Biroli et al.)",
    references=BBBM24,
    params=CLONES_PARAMS,
    gridable=("d", "m", "sigma", "steps", "n_pairs", "start", "score", "n", "n_draws", "dtype"),
    defaults=CLONES_DEFAULTS,
    variables=clones_variables,
    sizes=clones_sizes,
    coords=clones_coords,
    run=run_clones,
    check=check_clones,
    attrs=clones_attrs,
    memory=clones_memory,
    cost=clones_cost,
    rate=5.1e9,  # units/s per worker: diffusion-clones-exact: 96 s on 1 worker (scripts/calibrate_rates.py)
)
