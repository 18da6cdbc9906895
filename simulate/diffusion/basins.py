r"""Basins of the attractors of the exact-score diffusion model (``diffusion.basins``): noise, denoise, return.

One task (a grid point's realization):

1. draws the training set and its data scale :math:`\ell` exactly as ``diffusion.exact`` does (both subclass
   :class:`~amphase.simulate.diffusion.training_set.TrainingSet`: the same ten parameters and defaults, nested in K);
2. finds the attractors at the stop :math:`\beta` from the training points and ``n_starts`` samples of the reverse SDE
   (``start_steps`` steps from the prior, streams ``(1,)`` and ``(2,)``) stopped at :math:`t_\beta`, keeps the stable
   ones, and classifies them memorized (one training point carries weight > ``own_weight``) or spurious, with their
   energies above the lowest memorized one (NaN where none is) and above the lowest attractor, and the maximum of
   the energy on the segment to the nearest other attractor (:func:`amphase.simulate.diffusion.basin_attractors.
   basin_attractors`);
3. draws (stream ``(3,)``) up to ``max_attractors`` of each kind and, at ``n_levels`` noise stds geometrically spaced
   from ``noise_min`` to ``noise_max`` (in units of :math:`\ell`), noises each ``n_noise`` times, denoises with the
   reverse ``sampler`` (``steps`` steps) down to the stop, descends at :math:`\beta`, and counts returns (within
   ``delta_r`` :math:`\ell` and nearest to the attractor;
   :func:`~amphase.simulate.diffusion.return_trials.return_trials`, stream ``(4,)``);
4. per kind, pools the counts over the tested attractors and finds the basin noise :math:`r_{basin}` where the return
   probability falls below 0.9 (:func:`~amphase.simulate.diffusion.basin_noise.critical_noise`), its error and its time
   :math:`t_{basin}`;
5. for the tested memorized attractors, two theory curves (derived in :mod:`amphase.theory.diffusion.basins` and
   :mod:`amphase.simulate.diffusion.basin_noise`): the
   Voronoi cell of the training point (Monte Carlo, ``voronoi_draws`` normals per attractor, stream ``(5,)``, its
   crossing found on the continuous Monte-Carlo curve) and the
   nearest-neighbour pair :math:`\Phi(h_a/r)` (exact for two memories with ``sampler = "ode"``), with their 0.9
   crossings.

The basin radius reported is :math:`r_{basin}` (data units; divide by ``data_scale`` for the units of the grid).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.declare import Dim, Var, choice, model, number
from amphase.simulate.diffusion.basin_attractors import KINDS, basin_attractors, time_at_noise
from amphase.simulate.diffusion.basin_noise import STATUS, critical_noise, curve_crossing, voronoi_probability
from amphase.simulate.diffusion.return_trials import return_trials
from amphase.simulate.diffusion.samplers import SAMPLERS, prior_sample
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.diffusion.training_set import SCALE_POINTS, TrainingSet
from amphase.simulate.lse import DEFAULT_TILE
from amphase.simulate.neighbours import nearest
from amphase.simulate.seeding import child_rng, child_seed
from amphase.theory.diffusion.basins import P_CRIT, pair_prediction
from amphase.theory.lse_landscape import pair_minima
from amphase.theory.lse_merging import OWN_WEIGHT

__all__ = ["DEFAULTS", "MODEL", "Basins", "check", "levels", "run"]


def levels(params: Mapping[str, Any]) -> np.ndarray:
    """The noise levels in units of the data scale: geometric from ``noise_min`` to ``noise_max``."""
    return np.geomspace(float(params["noise_min"]), float(params["noise_max"]), int(params["n_levels"]))


def _time_error(sch: Any, r: float, err: float) -> float:
    if not (math.isfinite(r) and math.isfinite(err)):
        return math.nan
    h = 1e-6 * r
    return abs(time_at_noise(sch, r + h) - time_at_noise(sch, r - h)) / (2 * h) * err


def _v(dims: tuple[str, ...], dtype: str, fill: Any, text: str, units: str = "1") -> Var:
    return Var(dims, dtype, fill, text, units=units)


_KL = ("kind", "level")


@model(
    title="Basins of the attractors of the exact-score diffusion model: return probability after noising, basin radius",
    references="Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025); protocol and pair theory "
    "derived in amphase.analysis.diffusion.basins",
    dims={
        "kind": Dim(lambda r: len(KINDS), values=lambda n: np.array(KINDS), attrs={"long_name": "kind of attractor"}),
        "level": Dim(
            lambda r: r.n_levels,
            attrs={"units": "data scale", "long_name": "noise std / data scale"},
            coordinate=lambda r: levels(dataclasses.asdict(r)),
        ),
        "attractor": Dim(lambda r: r.max_stored, attrs={"units": "1", "long_name": "stored attractor"}),
        "coord": Dim(lambda r: r.dim(), attrs={"units": "1", "long_name": "coordinate"}),
    },
    variables={
        "n_attractors": _v(("kind",), "int32", -1, "stable attractors found at beta"),
        "n_tested": _v(("kind",), "int32", -1, "attractors tested by noising and denoising"),
        "n_stalled": _v((), "int32", -1, "attractor-finding starts that did not converge"),
        "returned": _v(_KL, "int32", -1, "trials that returned to their attractor"),
        "trials": _v(_KL, "int32", -1, "noise-then-denoise trials"),
        "unconverged": _v(_KL, "int32", -1, "trials whose descent did not meet the tolerance"),
        "noise_basin": _v(
            ("kind",), "float64", np.nan, "noise std where P_return falls below 0.9 (basin radius)", "data units"
        ),
        "noise_basin_error": _v(("kind",), "float64", np.nan, "standard error of noise_basin", "data units"),
        "basin_status": Var(("kind",), "int8", -1, "outcome of the 0.9 crossing", flags=STATUS),
        "t_basin": _v(("kind",), "float64", np.nan, "diffusion time of noise_basin"),
        "t_basin_error": _v(("kind",), "float64", np.nan, "standard error of t_basin"),
        "relative_energy": _v(
            ("kind",), "float64", np.nan, "mean LSE energy at beta above the lowest memory", "data units"
        ),
        "ground_energy": _v(
            ("kind",), "float64", np.nan, "mean LSE energy at beta above the lowest attractor", "data units"
        ),
        "line_radius": _v(
            ("kind",),
            "float64",
            np.nan,
            "mean distance to the energy maximum on the segment to the nearest attractor",
            "data units",
        ),
        "barrier": _v(("kind",), "float64", np.nan, "mean energy rise to that maximum", "data units"),
        "voronoi_probability": _v(("level",), "float64", np.nan, "Voronoi prediction of P_return (memorized)"),
        "noise_basin_voronoi": _v((), "float64", np.nan, "Voronoi prediction of noise_basin (memorized)", "data units"),
        "noise_basin_voronoi_error": _v((), "float64", np.nan, "its Monte-Carlo error", "data units"),
        "pair_probability": _v(("level",), "float64", np.nan, "nearest-neighbour pair prediction of P_return"),
        "noise_basin_pair": _v((), "float64", np.nan, "pair prediction of noise_basin (memorized)", "data units"),
        "data_scale": _v((), "float64", np.nan, "rms distance of the data from their mean (unit of the levels)"),
        "t_stop": _v((), "float64", np.nan, "diffusion time of the stop at beta"),
        "level_time": _v(("level",), "float64", np.nan, "diffusion time of each noise level"),
        "attractor_x": _v(("attractor", "coord"), "float64", np.nan, "attractor (data space)"),
        "attractor_kind": Var(("attractor",), "int8", -1, "kind of attractor", flags=KINDS),
        "attractor_relative_energy": _v(
            ("attractor",), "float64", np.nan, "energy above the lowest memory", "data units"
        ),
        "attractor_ground_energy": _v(
            ("attractor",), "float64", np.nan, "energy above the lowest attractor", "data units"
        ),
        "attractor_line_radius": _v(("attractor",), "float64", np.nan, "line radius", "data units"),
        "attractor_barrier": _v(("attractor",), "float64", np.nan, "line barrier", "data units"),
    },
    attrs=lambda r: {
        "p_crit": P_CRIT,
        "protocol": "noise an attractor at beta to level r, reverse sampler to the stop, descend at beta; returned "
        "when the end point's nearest attractor is it, within delta_r * data scale "
        "(amphase.analysis.diffusion.basins)",
    },
    rate=9.3e8,  # units/s per worker: diffusion-basins: 26 s on 2 workers (scripts/calibrate_rates.py)
)
class Basins(TrainingSet):
    """One grid point of ``diffusion.basins`` (module docstring); the first ten fields are :class:`TrainingSet`'s."""

    sampler: str = choice("reverse sampler from the noise level down to the stop", tuple(SAMPLERS), default="ode")
    steps: int = number("sampler steps (log-spaced) from the noise level down to the stop", ge=1, le=10**5, default=20)
    n_starts: int = number("reverse-SDE samples stopped at beta that find the attractors", ge=0, le=10**6, default=256)
    start_steps: int = number("reverse-SDE steps of those samples", ge=1, le=10**5, default=100)
    noise_min: float = number("smallest noise std, in units of the data scale", gt=0.0, default=0.01)
    noise_max: float = number("largest noise std, in units of the data scale", gt=0.0, default=2.0)
    n_levels: int = number("noise levels (geometric from noise_min to noise_max)", ge=2, le=1000, default=16)
    n_noise: int = number("noisings per tested attractor and level", ge=1, le=10**6, default=32, grid=True)
    max_attractors: int = number(
        "attractors tested per kind (drawn at random among those found)", ge=1, le=10**5, default=12
    )
    delta_r: float = number(
        "return: end point within delta_r * data scale of the attractor", gt=0.0, default=0.01, grid=True
    )
    own_weight: float = number(
        "memorized: one training point carries more than this softmax weight", ge=0.5, lt=1.0, default=OWN_WEIGHT
    )
    tol: float = number("descent at beta: |x - m(x)| <= tol * data scale", gt=0.0, default=1e-7)
    max_steps: int = number("descent at beta: most fixed-point steps", ge=1, le=10**8, default=2000)
    voronoi_draws: int = number(
        "Monte-Carlo normals per memorized attractor for the Voronoi prediction", ge=1, le=10**7, default=2000
    )
    max_stored: int = number("attractors stored per realization", ge=0, le=10**5, default=64)

    def check(self) -> None:
        """Cross-parameter checks at one grid point: the stop and the training set, then the noise levels."""
        super().check()
        if not self.noise_min < self.noise_max:
            raise ParameterError(f"noise_min={self.noise_min} must be < noise_max={self.noise_max}")

    def memory(self, realizations: int) -> float:
        """Bytes of one task: training set, starts, the trial batch and one tile of weights per row."""
        K, d = self.K, self.dim()
        rows = max(2 * self.max_attractors * self.n_noise, self.n_starts + K)
        tile = min(DEFAULT_TILE, max(K, 1))
        return float(8 * (3 * max(K, SCALE_POINTS) * d + 12 * rows * d + 3 * rows * tile))

    def cost(self) -> float:
        """Relative cost: rows x (sampler + descent evaluations) x levels x (K + 64) x d."""
        rows = 2 * self.max_attractors * self.n_noise
        return float(rows * (2 * self.steps + 100) * self.n_levels * (self.K + 64) * self.dim())

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization (module docstring)."""
        data, scale = self.training_points(seed)
        K, d = data.shape
        sch = self.forward()
        beta = self.beta
        t_b = sch.time_at_beta(beta)
        s_b = float(sch.scale(t_b))
        score = exact_score(data, sch, tile=DEFAULT_TILE, dtype="float64")
        starts = data
        if self.n_starts > 0:
            x0 = prior_sample(sch, self.n_starts, d, child_seed(seed, 1), mean=data.mean(axis=0),
                              data_var=scale * scale / d)  # fmt: skip
            xs = SAMPLERS["sde"](score, sch, x0, steps=self.start_steps, t_stop=t_b, rng=child_seed(seed, 2))
            starts = np.vstack([data, np.asarray(xs) / s_b])
        att = basin_attractors(score, beta, starts, own_weight=self.own_weight)
        gen = child_rng(seed, 3)
        cap = self.max_attractors
        tested = []
        for k in range(len(KINDS)):
            idx = np.nonzero(att.kind == k)[0]
            if len(idx) > cap:
                idx = np.sort(gen.choice(idx, cap, replace=False))
            tested.append(idx)
        which = np.concatenate(tested).astype(np.int64)
        rel_levels = levels(vars(self))
        lev = rel_levels * scale
        tr = return_trials(score, beta, att.x[which], lev, self.n_noise, child_seed(seed, 4), targets=att.x,
                           which=which, sampler=self.sampler, steps=self.steps,
                           delta_r=self.delta_r, scale=scale, tol=self.tol,
                           max_steps=self.max_steps)  # fmt: skip
        L = lev.size
        nk = len(KINDS)
        returned = np.zeros((nk, L), dtype=np.int32)
        trials = np.zeros((nk, L), dtype=np.int32)
        unconv = np.zeros((nk, L), dtype=np.int32)
        noise_b = np.full(nk, np.nan)
        noise_e = np.full(nk, np.nan)
        status = np.full(nk, STATUS.index("no trials"), dtype=np.int8)
        start = 0
        for k, idx in enumerate(tested):
            rows = slice(start, start + len(idx))
            start += len(idx)
            returned[k] = tr.returned[rows].sum(axis=0)
            trials[k] = tr.trials[rows].sum(axis=0)
            unconv[k] = tr.unconverged[rows].sum(axis=0)
            c = critical_noise(lev, returned[k], trials[k])
            noise_b[k], noise_e[k], status[k] = c.noise, c.error, c.status
        t_basin = np.array([time_at_noise(sch, v) if math.isfinite(v) else math.nan for v in noise_b])
        t_err = np.array([_time_error(sch, v, e) for v, e in zip(noise_b, noise_e, strict=True)])
        # theory for the tested memorized attractors
        mem = tested[0]
        vor_p = np.full(L, np.nan)
        pair_p = np.full(L, np.nan)
        noise_vor, noise_vor_e, noise_pair = math.nan, math.nan, math.nan
        lo, hi = 1e-3 * lev[0], 1e3 * lev[-1]
        if len(mem):
            owner = att.nearest_train[mem]
            vor = voronoi_probability(att.x[mem], owner, data, self.voronoi_draws, child_seed(seed, 5))
            vor_p[:] = [vor(r) for r in lev]
            noise_vor, noise_vor_e = vor.crossing(lo, hi)
            if K > 1:
                d_nn, _ = nearest(data, data, exclude_self=True)
                beta_data = beta * s_b * s_b
                h = np.array([pair_minima(float(D), beta_data).x for D in np.asarray(d_nn)[owner]])
                pair_p[:] = pair_prediction(h, lev)
                noise_pair = curve_crossing(lambda r: float(pair_prediction(h, [r])[0]), lo, hi)
        n_att = np.array([att.count(k) for k in KINDS], dtype=np.int32)

        def kind_mean(v: np.ndarray) -> np.ndarray:
            out = np.full(nk, np.nan)
            for k in range(nk):
                sel = v[(att.kind == k) & np.isfinite(v)]
                if sel.size:
                    out[k] = sel.mean()
            return out

        m = min(len(att.x), self.max_stored)
        dmax = self.dim()
        ax = np.full((self.max_stored, dmax), np.nan)
        ax[:m, :d] = att.x[:m]

        def stored(v: np.ndarray, fill: Any = np.nan, dtype: str = "float64") -> np.ndarray:
            out = np.full(self.max_stored, fill, dtype=dtype)
            out[:m] = v[:m]
            return out

        return {
            "n_attractors": n_att,
            "n_tested": np.array([len(i) for i in tested], dtype=np.int32),
            "n_stalled": np.int32(att.n_stalled),
            "returned": returned,
            "trials": trials,
            "unconverged": unconv,
            "noise_basin": noise_b,
            "noise_basin_error": noise_e,
            "basin_status": status,
            "t_basin": t_basin,
            "t_basin_error": t_err,
            "relative_energy": kind_mean(att.relative_energy),
            "ground_energy": kind_mean(att.ground_energy),
            "line_radius": kind_mean(att.line_radius),
            "barrier": kind_mean(att.barrier),
            "voronoi_probability": vor_p,
            "noise_basin_voronoi": np.float64(noise_vor),
            "noise_basin_voronoi_error": np.float64(noise_vor_e),
            "pair_probability": pair_p,
            "noise_basin_pair": np.float64(noise_pair),
            "data_scale": np.float64(scale),
            "t_stop": np.float64(t_b),
            "level_time": np.asarray(tr.times, dtype=np.float64),
            "attractor_x": ax,
            "attractor_kind": stored(att.kind, -1, "int8"),
            "attractor_relative_energy": stored(att.relative_energy),
            "attractor_ground_energy": stored(att.ground_energy),
            "attractor_line_radius": stored(att.line_radius),
            "attractor_barrier": stored(att.barrier),
        }


MODEL = Basins.MODEL
DEFAULTS, run, check = MODEL.defaults, MODEL.run, MODEL.check
