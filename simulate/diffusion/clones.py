r"""Cloning probability of two Gaussians (``diffusion.clones``): Biroli et al. 2024.

The model runs the reverse SDE (Euler-Maruyama, :func:`~amphase.simulate.diffusion.samplers.reverse_sde`) of the
Ornstein-Uhlenbeck process of BBBM (:func:`~amphase.simulate.diffusion.schedules.ou`, VP with :math:`\beta\equiv2`:
:math:`x_t = e^{-t}a + \sqrt{\Delta_t}z`, the time of :mod:`amphase.theory.diffusion.regimes`), started from the
exact marginal at ``t_max`` (a data point noised to ``t_max`` by :func:`~amphase.simulate.diffusion.samplers.noise_to`,
so no prior mismatch), down to ``t_min``.

``diffusion.clones`` (one task = one realization at one grid point (d, m, sigma, score, K, ...))
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
(:func:`~amphase.simulate.diffusion.score.exact_score`, streaming LSE kernel) of K training points drawn from the
mixture (:func:`~amphase.simulate.diffusion.gaussian_sets.two_gaussian_points`: point i belongs to the component +m
for even i and -m for odd i, so the classes are balanced and K = 2 has one point per class; its Gaussian noise comes
from a stream keyed by (d, m, sigma) only, so sets of larger K contain the smaller ones). The state at the branching
time comes from a reverse trajectory started from the exact empirical marginal at ``t_max`` or from an exact draw of
:math:`P^e_t` (a uniform training point noised to t); the clones run with the exact score. Every realization draws
its own training set, so pairs are independent only given it. Besides ``n_same`` the model records ``n_same_point``
(both clones end nearest the same training point at ``t_min``: collapse) and, from ``n_draws`` exact draws of
:math:`P^e_t` per branching time (stream ``(4, k)``), the exact finite-K expectations of both fractions for this
training set, :math:`\phi_K(t) = \mathbb E\sum_c W_c^2` and :math:`q_K(t) = \mathbb E\sum_\mu w_\mu^2`
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
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.backend import get_backend
from amphase.simulate.coordinates import with_coords
from amphase.simulate.declare import Dim, Var, choice, declared, model, number
from amphase.simulate.diffusion.gaussian_sets import two_gaussian_points
from amphase.simulate.diffusion.ou_params import BBBM24, OU_TIME, SIGMA, SPACING, STEPS, T_MAX, T_MIN, schedule
from amphase.simulate.diffusion.regimes import clone_ends, clone_overlap, commitment
from amphase.simulate.diffusion.samplers import noise_to, reverse_sde
from amphase.simulate.diffusion.score import exact_score, mixture_score
from amphase.simulate.lse import DEFAULT_TILE, kernel_params
from amphase.simulate.seeding import child_rng, child_seed
from amphase.theory.diffusion.regimes import collapse_time

__all__ = ["CLONE_SCORES", "MODEL", "STARTS", "Clones", "branch_ratios"]

_DTYPE, _BACKEND, _TILE = kernel_params("training points")

#: where the state at the branching time comes from (module docstring).
STARTS = ("trajectory", "marginal")

#: the score of ``diffusion.clones``: the mixture's population score or the exact score of K training points.
CLONE_SCORES = ("population", "exact")


def branch_ratios(ratio_min: float, ratio_max: float, n_times: int) -> np.ndarray:
    """Branching times in units of t_S: ``n_times`` evenly spaced over [ratio_min, ratio_max], and 1 (ascending)."""
    lo, hi, k = float(ratio_min), float(ratio_max), int(n_times)
    r = np.linspace(lo, hi, k) if k > 1 else np.array([lo])
    return np.unique(np.concatenate([r, [1.0]]))


def _per_time(dtype: str, fill: Any, text: str, units: str = "1") -> Var:
    return Var(("t_ratio",), dtype, fill, text, units)


def _scalar(dtype: str, fill: Any, text: str, units: str = "1") -> Var:
    return Var((), dtype, fill, text, units)


@model(
    title="Cloning probability of two Gaussians: clones branched at time t end in the same class (Biroli et al.)",
    references=BBBM24,
    dims={"t_ratio": Dim(lambda r: r.ratios().size, attrs={"units": "1", "long_name": "branching time / t_S"})},
    variables={
        "n_same": _per_time("int32", -1, "clone pairs ending in the same class"),
        "n_pairs": _scalar("int32", -1, "clone pairs per branching time"),
        "t_branch": _per_time("float64", np.nan, "branching time", OU_TIME),
        "t_S": _scalar("float64", np.nan, "speciation time 0.5 log(m^2 d + sigma^2)", OU_TIME),
        "sign_error_bound": _scalar("float64", np.nan, "Phi(-|m_vec|/sigma): bound on a clone's sign error at t_min"),
        "n_same_point": _per_time("int32", -1, "clone pairs ending nearest the same training point (score = exact; "
                                  "-1: population)"),
        "phi_reference": _per_time("float64", np.nan, "exact finite-K cloning probability E sum_c W_c^2 of this "
                                   "training set (Monte Carlo)"),
        "phi_reference_error": _per_time("float64", np.nan, "standard error of phi_reference"),
        "same_point_reference": _per_time("float64", np.nan, "exact probability that two clones end at the same "
                                          "training point, E sum_mu w_mu^2 (Monte Carlo)"),
        "same_point_reference_error": _per_time("float64", np.nan, "standard error of same_point_reference"),
        "t_C": _scalar("float64", np.nan, "collapse time 0.5 log(1 + sigma^2/(K^(2/d) - 1)) (diffusion.collapse_time, "
                       "component variance sigma^2)", OU_TIME),
    },
    attrs=lambda r: {
        "time_convention": "Ornstein-Uhlenbeck (BBBM): x_t = exp(-t) a + sqrt(1 - exp(-2t)) z",
        "class_definition": "sign of the end point's projection on m_vec at t_min",
        "score_definition": "population: exact population score of the two-Gaussian mixture "
        "(amphase.simulate.diffusion.score.MixtureScore); exact: exact empirical score of K training points drawn "
        "from it, even i from +m, odd i from -m (amphase.simulate.diffusion.score.ExactScore)",
    },
    rate=5.1e9,  # units/s per worker: diffusion-clones-exact: 96 s on 1 worker (scripts/calibrate_rates.py)
)  # fmt: skip
class Clones:
    """One grid point of ``diffusion.clones`` (module docstring); ``MODEL`` is what the sweep runner runs."""

    d: int = number("dimension", ge=1, le=10**5, long_name="dimension", grid=True)
    m: float = number("mean amplitude per coordinate: the Gaussians sit at ±m(1,...,1), |m_vec|^2 = m^2 d",
                      default=1.0, gt=0.0, le=1e3, grid=True)  # fmt: skip
    sigma: float = declared(SIGMA, default=1.0, grid=True)
    t_min: float = declared(T_MIN, default=1e-3)
    t_max: float = declared(T_MAX, default=6.0)
    steps: int = declared(STEPS, default=600, grid=True)
    spacing: str = declared(SPACING, default="uniform")
    n_pairs: int = number("clone pairs per branching time and realization", default=1000, ge=1, le=10**7, grid=True)
    start: str = choice("state at the branching time: a reverse trajectory from t_max, or an exact draw of P_t",
                        STARTS, default="trajectory", grid=True)  # fmt: skip
    ratio_min: float = number("smallest branching time / t_S", default=0.2, gt=0.0)
    ratio_max: float = number("largest branching time / t_S", default=2.0, gt=0.0)
    n_times: int = number("branching times evenly spaced over [ratio_min, ratio_max] t_S (t_S is added)",
                          default=10, ge=1, le=1000)  # fmt: skip
    score: str = choice("population score of the mixture, or the exact score of K training points drawn from it",
                        CLONE_SCORES, default="population", grid=True)  # fmt: skip
    K: int = number("training points (score = exact)", default=1024, ge=2, le=10**6, long_name="training set size",
                    grid=True)  # fmt: skip
    n_draws: int = number("exact draws of P_t per branching time for the finite-K reference (score = exact; 0: none)",
                          default=4000, ge=0, le=10**7, grid=True)  # fmt: skip
    dtype: str = declared(_DTYPE, default="float64", grid=True)
    backend: str = declared(_BACKEND, default="cpu")
    tile: int = declared(_TILE, default=DEFAULT_TILE)

    def ratios(self) -> np.ndarray:
        """Branching times in units of t_S (:func:`branch_ratios`)."""
        return branch_ratios(self.ratio_min, self.ratio_max, self.n_times)

    def t_s(self) -> float:
        """Speciation time t_S = log(m^2 d + sigma^2) / 2; NaN where m^2 d + sigma^2 <= 1."""
        lam = self.m**2 * self.d + self.sigma**2
        return 0.5 * math.log(lam) if lam > 1.0 else math.nan

    def times(self) -> np.ndarray:
        """The branching times r t_S (ascending)."""
        return self.ratios() * self.t_s()

    def check(self) -> None:
        """Cross-parameter checks: t_S exists, branching times in (t_min, t_max); exact score: a stable Euler step.

        t_S needs m^2 d + sigma^2 > 1. With the exact score the Euler step must be stable at t_min (uniform spacing:
        h < t_min; log spacing: step in log t < 1) and the backend must exist.
        """
        t_min, t_max, steps = self.t_min, self.t_max, self.steps
        if self.score == "exact":
            get_backend(self.backend)
            if self.spacing == "uniform" and not (t_max - t_min) / steps < t_min:
                raise ParameterError(
                    f"steps={steps}: with the exact score and uniform spacing the step (t_max - t_min)/steps = "
                    f"{(t_max - t_min) / steps:.4g} must be < t_min={t_min} (stiffness 1/t near a training point); "
                    f"use steps > {math.ceil((t_max - t_min) / t_min)}, a larger t_min or spacing='log'"
                )
            if self.spacing == "log" and not math.log(t_max / t_min) / steps < 1.0:
                raise ParameterError(f"steps={steps}: the step in log t, log(t_max/t_min)/steps, must be < 1")
        if self.ratio_min > self.ratio_max:
            raise ParameterError(f"ratio_min={self.ratio_min} must be <= ratio_max={self.ratio_max}")
        t_s = self.t_s()
        if not math.isfinite(t_s):
            raise ParameterError(
                f"m^2 d + sigma^2 = {self.m**2 * self.d + self.sigma**2:.4g} <= 1: "
                "no speciation time t_S = 0.5 log(Lambda); use a larger m or d"
            )
        ts = self.times()
        if not (ts[0] > t_min and ts[-1] < t_max):
            raise ParameterError(
                f"branching times {ts[0]:.4g}..{ts[-1]:.4g} (ratio_min..ratio_max times t_S = {t_s:.4g}) must lie in "
                f"(t_min, t_max) = ({t_min}, {t_max}): change ratio_min, ratio_max or t_max"
            )

    def leg_steps(self, t: float, t_from: float | None = None) -> int:
        """Steps of the leg from ``t_from`` (default: t down to t_min) with the step of the full run."""
        t_min, t_max = self.t_min, self.t_max
        lo, hi = (t_min, t) if t_from is None else (t, t_from)
        if self.spacing == "log":
            frac = math.log(hi / lo) / math.log(t_max / t_min)
        else:
            frac = (hi - lo) / (t_max - t_min)
        return max(1, round(self.steps * frac))

    def memory(self, realizations: int) -> float:
        """Bytes: the recorded states and two clones per pair."""
        B, d, k = self.n_pairs, self.d, self.n_times + 1
        if self.score != "exact":
            return float(8 * B * d * (k + 8))
        K, tile, nd = self.K, self.tile, self.n_draws
        return float(8 * (B * d * (k + 8) + 4 * K * d + 2 * (2 * B + nd) * min(tile, K) + nd * d))

    def cost(self) -> float:
        """Relative cost: pair-steps x dimension (the first leg and two clones per branching time).

        Exact score: times (K + 16) per pair-step, plus the nearest-point pass and the reference draws.
        """
        B, d = self.n_pairs, self.d
        legs = sum(self.leg_steps(float(t)) for t in self.times()) if math.isfinite(self.t_s()) else 0
        pair_steps = B * (2 * legs + (self.steps if self.start == "trajectory" else 0))
        if self.score != "exact":
            return float(pair_steps * d)
        k = self.n_times + 1
        return float((pair_steps + 2 * B * k + 4 * self.n_draws * k) * (self.K + 16) * d)

    def _score(self, sch: Any, seed: np.random.SeedSequence) -> tuple[Any, Any]:
        """The score, and the training points on the backend (None for the population score)."""
        mvec = np.full(self.d, self.m)
        if self.score == "population":
            return mixture_score(np.stack([mvec, -mvec]), self.sigma, sch), None
        xp = get_backend(self.backend).xp
        data = xp.asarray(two_gaussian_points(self.K, self.d, self.m, self.sigma, seed))
        return exact_score(data, sch, tile=self.tile, dtype=self.dtype), data

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization of ``diffusion.clones`` (module docstring)."""
        d, m, sigma = self.d, self.m, self.sigma
        sch = schedule(self.t_min, self.t_max)
        mvec = np.full(d, m)
        score, data = self._score(sch, seed)
        exact = data is not None
        xp = get_backend(self.backend).xp if exact else np
        mdev = xp.asarray(mvec)
        B = self.n_pairs
        ts = self.times()

        def exact_draw(t: float, rng: np.random.Generator, size: int = B) -> Any:
            if exact:  # the empirical marginal: a uniform training point noised to t
                return noise_to(data[xp.asarray(rng.integers(0, data.shape[0], size=size))], sch, t, rng)
            sign = np.where(rng.integers(0, 2, size=size) == 0, 1.0, -1.0)
            return noise_to(sign[:, None] * mvec + sigma * rng.standard_normal((size, d)), sch, t, rng)

        if self.start == "trajectory":
            xT = exact_draw(sch.t_max, child_rng(seed, 1))
            traj = reverse_sde(score, sch, xT, steps=self.leg_steps(float(ts[0]), sch.t_max), t_stop=float(ts[0]),
                               rng=child_seed(seed, 2), record=ts, spacing=self.spacing)  # fmt: skip
            states = traj.path[::-1]  # ascending in time, as ts
        else:
            states = [exact_draw(float(t), child_rng(seed, 1, k)) for k, t in enumerate(ts)]
        n_same = np.zeros(ts.size, dtype=np.int32)
        n_point = np.full(ts.size, -1, dtype=np.int32)
        ref = {k: np.full(ts.size, np.nan) for k in ("phi", "phi_err", "q", "q_err")}
        if exact:
            labels = np.sign(np.asarray(data.get() if hasattr(data, "get") else data) @ mvec)
        for k, t in enumerate(ts):
            a, b = clone_ends(score, sch, states[k], float(t), steps=self.leg_steps(float(t)),
                              rng=child_seed(seed, 3, k))  # fmt: skip
            n_same[k] = int(xp.sum(xp.sign(a @ mdev) == xp.sign(b @ mdev)))
            if not exact:
                continue
            ends = commitment(xp.concatenate([a, b])[None], [sch.t_min], data, sch, tile=self.tile).nearest[0]
            n_point[k] = int(np.sum(ends[:B] == ends[B:]))
            nd = self.n_draws
            if nd:
                x = exact_draw(float(t), child_rng(seed, 4, k), nd)
                same_class, same_point = clone_overlap(data, labels, sch, x, float(t), tile=self.tile)
                ref["phi"][k], ref["phi_err"][k] = same_class.mean(), same_class.std(ddof=1) / math.sqrt(nd)
                ref["q"][k], ref["q_err"][k] = same_point.mean(), same_point.std(ddof=1) / math.sqrt(nd)
        return {
            "n_same": n_same,
            "n_pairs": np.int32(B),
            "t_branch": ts,
            "t_S": np.float64(self.t_s()),
            "sign_error_bound": np.float64(0.5 * math.erfc(m * math.sqrt(d) / sigma / math.sqrt(2.0))),
            "n_same_point": n_point,
            "phi_reference": ref["phi"],
            "phi_reference_error": ref["phi_err"],
            "same_point_reference": ref["q"],
            "same_point_reference_error": ref["q_err"],
            "t_C": np.float64(collapse_time(self.K, d, sigma) if exact else math.nan),
        }


MODEL = with_coords(Clones.MODEL, t_ratio=lambda p: branch_ratios(p["ratio_min"], p["ratio_max"], p["n_times"]))
