r"""The exact-score diffusion model (``diffusion.exact``) for the sweep runner: generate, stop, descend, classify.

One task (a grid point's realization):

1. draws the training set of K points and the data scale :math:`\ell` (the parameters and draw of
   :class:`~amphase.simulate.diffusion.training_set.TrainingSet`, which this model's class subclasses);
2. draws ``n_samples`` starts from the prior at ``t_max`` (child stream ``(1,)``) and runs the reverse sampler
   ``sampler`` with the exact score (:func:`~amphase.simulate.diffusion.score.exact_score`) for ``steps`` steps down
   to the noise level of inverse temperature ``beta`` (:math:`t_{stop}` with :math:`1/(2\sigma_t^2) = \beta`;
   stream ``(2,)``);
3. ``protocol="descend"``: descends every sample to a minimum of the LSE energy at that :math:`\beta` (memories
   :math:`s\xi`; fixed-point iteration to ``tol`` times the data scale, at most ``max_steps`` steps) and maps it to
   data space (divided by s); ``protocol="denoise"``: the Tweedie estimate :math:`D(x) = \mathbb E[x_0\mid x_t]` at
   :math:`t_{stop}` (one denoiser call: the sample as the exact model would finish it, weighted mean of the training
   points, without following the energy to a minimum);
4. computes the curvature of the energy at every end point (:mod:`amphase.simulate.diffusion.curvature`: the
   eigenvalues of :math:`2I - 4\beta\operatorname{Cov}_w` at :math:`\beta`, exact for d <= 64, low-rank from the 64
   heaviest memories above) and counts its near-flat directions, those along which the noised density at the stop
   spreads a sample over more than ``spread`` times the data scale (:math:`|\lambda| \le 2\sigma_t^2/(s\,
   \mathrm{spread}\,\ell)^2`);
5. classifies the end points (:mod:`amphase.simulate.diffusion.classify`): memorized within ``delta_m * scale`` of a
   training point; else, with ``spread > 0``, generalized when the end point has a near-flat direction (it sits on a
   manifold attractor); else spurious within ``delta_s * scale`` of another end point, else generalized.
   ``spread = 0`` is the paper's distance rule alone;
6. with ``neighbours > 0``, the physical classes (:mod:`amphase.simulate.diffusion.attractor_classes`): the attractors
   the samples reach, owned (one training point carries more than ½ of the softmax weight) and isolated
   (:math:`\beta_t\Delta E \ge 1` to the lowest saddle towards one of its ``neighbours`` nearest attractors, by a
   string of ``images`` images), on the grid of thresholds 0.4 / 0.5 / 0.6 x ½ / 1 / 2; beside them the paper's
   distance rule on the same samples at the stop and after descent.

What the protocols measure. ``descend`` counts attractors of the finite-:math:`\beta` energy: few training points
give one minimum per point (memorized), interfering neighbours give minima between them that many samples reach
(spurious); where the minima merge into a ring or sheet (a manifold attractor with flat directions), descents stop
wherever the gradient falls below the tolerance, so samples spread along it and are neither near a training point nor
near each other (generalized). Near-flat minima make that distance rule depend on ``tol`` and ``max_steps``
(``n_unconverged`` is stored); the curvature rule (``spread > 0``) does not: it asks whether the attractor itself is
flat. ``denoise`` classifies the denoised samples themselves, the closest analogue to samples of a trained model.

Stored per realization: counts per class, the samples per class that have a near-flat direction, the number of
samples whose descent did not converge, the distinct spurious attractors (spurious samples grouped within
``delta_s * scale``), and the first ``max_stored`` end points with their labels, distances and curvature spectra,
and the first ``max_stored`` training points (for figures). Large sample sets go to
a chunked Zarr store with :func:`amphase.simulate.diffusion.store.write_samples` (the model keeps only summaries).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.simulate.backend import get_backend
from amphase.simulate.clustering import cluster
from amphase.simulate.declare import Dim, Var, choice, declared, model, number
from amphase.simulate.diffusion import attractor_classes
from amphase.simulate.diffusion.attractor_classes import physical_classes
from amphase.simulate.diffusion.classify import CLASSES, classify, counts
from amphase.simulate.diffusion.curvature import count_flat, exact_spectrum, flat_threshold
from amphase.simulate.diffusion.samplers import SAMPLERS, descend, prior_sample
from amphase.simulate.diffusion.schedules import SPACINGS
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.diffusion.training_set import SCALE_POINTS, TrainingSet, dataset_key, training_points
from amphase.simulate.lse import DEFAULT_TILE, FULL_SECOND_MAX_D, kernel_params
from amphase.simulate.models import Model
from amphase.simulate.seeding import child_seed

__all__ = ["DEFAULTS", "MODEL", "SCALE_POINTS", "Exact", "check", "dataset_key", "run", "training_points"]

PROTOCOLS = ("descend", "denoise")

_DTYPE, _BACKEND, _TILE = kernel_params("training points")


def _scalar(dtype: str, fill: Any, text: str) -> Var:
    return Var((), dtype, fill, text, units="1")


def _stored(dtype: str, fill: Any, text: str, units: str | None = None, dims: tuple[str, ...] = ("sample",)) -> Var:
    return Var(dims, dtype, fill, text, units=units)


def _groups(y: np.ndarray, radius: float) -> int:
    """Connected groups of points within ``radius`` of each other (single linkage, :func:`cluster`)."""
    return len(cluster(y, radius)[1])


def _padded(
    values: np.ndarray, rows: int, cols: int | None = None, fill: Any = np.nan, dtype: Any = np.float64
) -> np.ndarray:
    """The first ``rows`` entries of ``values`` in a ``(rows[, cols])`` array of ``fill`` (stored: same shapes)."""
    out = np.full((rows,) if cols is None else (rows, cols), fill, dtype=dtype)
    m = min(rows, len(values))
    if cols is None:
        out[:m] = values[:m]
    else:
        out[:m, : values.shape[1]] = values[:m]
    return out


@model(
    title="Diffusion model with the exact score of K training points: memorized, spurious, generalized samples",
    references="Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025); Song et al., ICLR (2021), "
    "arXiv:2011.13456",
    dims={
        "class": Dim(
            lambda r: len(CLASSES),
            values=lambda n: np.array(CLASSES),
            attrs={"long_name": "class of generated samples"},
        ),
        "sample": Dim(lambda r: r.max_stored, attrs={"units": "1", "long_name": "stored end point"}),
        "train_point": Dim(lambda r: r.max_stored, attrs={"units": "1", "long_name": "stored training point"}),
        "coord": Dim(lambda r: r.dim(), attrs={"units": "1", "long_name": "coordinate"}),
    },
    variables={
        "count": Var(("class",), "int32", -1, "generated samples per class", units="1"),
        "flat_count": Var(("class",), "int32", -1, "samples per class with a near-flat energy direction", units="1"),
        "lam_flat": _scalar("float64", np.nan, "eigenvalue below which a direction is near-flat (0: rule off)"),
        "n_generated": _scalar("int32", -1, "generated samples (named apart from the parameter n_samples)"),
        "n_unconverged": _scalar("int32", -1, "samples whose descent did not meet the tolerance"),
        "n_spurious_attractors": _scalar("int32", -1, "distinct spurious end points (grouped within delta_s)"),
        "n_memorized_points": _scalar("int32", -1, "distinct training points reached by memorized samples"),
        "data_scale": _scalar("float64", np.nan, "rms distance of the data from their mean (threshold unit)"),
        "t_stop": _scalar("float64", np.nan, "diffusion time where sampling stopped"),
        "sample_x": _stored("float64", np.nan, "end point (data space)", dims=("sample", "coord")),
        "sample_class": Var(("sample",), "int8", -1, "class of the end point", flags=CLASSES),
        "sample_d_train": _stored("float64", np.nan, "distance to nearest training point"),
        "sample_d_gen": _stored("float64", np.nan, "distance to nearest other end point"),
        "sample_eig": _stored(
            "float64", np.nan, "Hessian eigenvalues of the energy at the end point", dims=("sample", "coord")
        ),
        "sample_n_flat": _stored("int16", -1, "near-flat directions at the end point"),
        "train_x": _stored("float64", np.nan, "training point", dims=("train_point", "coord")),
    },
    attrs=lambda r: {
        "backend": get_backend(r.backend).name,
        "device": get_backend(r.backend).device,
        "classification": "memorized: d_train <= delta_m*data_scale; else spurious: d_gen <= delta_s*data_scale; "
        "else generalized (amphase.simulate.diffusion.classify); with spread > 0, an end point with a near-flat "
        "energy direction (|eigenvalue| <= lam_flat, amphase.analysis.diffusion.curvature) that is not memorized is "
        "generalized",
        "physical_classes": "per attractor reached (neighbours > 0): owned when one training point carries more than "
        "the owning threshold of the softmax weight; isolated when beta_t * (lowest barrier to a neighbouring "
        "attractor) >= the isolation threshold; memorized = isolated and owned, spurious = isolated and not owned, "
        "generalized = not isolated (amphase.simulate.lse_attractors)",
    },
    rate=2.8e7,  # units/s per worker: diffusion-circle, 14 s, 2 workers; d = 30, 64 run 30-50x faster (calibrate_rates)
)
class Exact(TrainingSet):
    """One grid point of ``diffusion.exact`` (module docstring); the first ten fields are :class:`TrainingSet`'s."""

    sampler: str = choice("reverse sampler", tuple(SAMPLERS), default="sde")
    steps: int = number("sampler steps from t_max to the stop", ge=1, le=10**6, default=100, grid=True)
    spacing: str = choice("time grid of the sampler", SPACINGS, default="log")
    protocol: str = choice(
        "end points: descend to a minimum at beta, or the denoiser at the stop", PROTOCOLS, default="descend"
    )
    n_samples: int = number("generated samples per realization", ge=2, le=10**7, default=256, grid=True)
    delta_m: float = number(
        "memorized within delta_m * data scale of a training point", ge=0.0, default=0.02, grid=True
    )
    delta_s: float = number("spurious within delta_s * data scale of another sample", ge=0.0, default=0.02, grid=True)
    spread: float = number(
        "generalized when the end point has a near-flat direction: thermal spread > spread * data scale (0: off)",
        ge=0.0,
        default=0.0,
        grid=True,
    )
    tol: float = number("descent: |x - m(x)| <= tol * data scale", gt=0.0, default=1e-6)
    max_steps: int = number("descent: most fixed-point steps", ge=1, le=10**8, default=2000)
    max_stored: int = number("end points and training points stored per realization", ge=0, le=10**6, default=256)
    neighbours: int = number(
        "physical classes: barriers from each attractor to this many nearest attractors (0: classes off)",
        ge=0,
        le=1000,
        default=0,
    )
    images: int = number("physical classes: images of each minimum-energy path", ge=3, le=10**4, default=16)
    dtype: str = declared(_DTYPE, default="float64")
    backend: str = declared(_BACKEND, default="cpu")
    tile: int = declared(_TILE, default=DEFAULT_TILE)

    def check(self) -> None:
        """Cross-parameter checks at one grid point: the training set and the stop, the backend is available."""
        super().check()
        get_backend(self.backend)

    def memory(self, realizations: int) -> float:
        """Bytes of one task: data, samples, score tiles, neighbours and the Hessian pass.

        The Hessian pass holds a tile of flattened outer products and the (n, d, d) second moments (low-rank above
        d = 64).
        """
        K, d, n = self.K, self.dim(), self.n_samples
        tile = min(self.tile, max(K, n))
        hess = (min(tile, K) + 3 * n) * d * d if d <= FULL_SECOND_MAX_D else n * FULL_SECOND_MAX_D * (d + 64)
        return float(8 * (3 * max(K, SCALE_POINTS) * d + 8 * n * d + 3 * n * tile + 2 * self.max_stored * d + hess))

    def cost(self) -> float:
        """Relative cost: (sampler steps + descent steps) x samples x training points x dimension."""
        evals = self.steps * (2 if self.sampler == "ode" else 1) + 50
        return float(evals * self.n_samples * (self.K + 64) * self.dim())

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization (module docstring)."""
        backend = get_backend(self.backend)
        xp = backend.xp
        data, scale = self.training_points(seed)
        d = data.shape[1]
        sch = self.forward()
        t_stop = sch.time_at_beta(self.beta)
        score = exact_score(xp.asarray(data), sch, tile=self.tile, dtype=self.dtype)
        n = self.n_samples
        x0 = prior_sample(sch, n, d, child_seed(seed, 1), mean=xp.asarray(data.mean(axis=0)),
                          data_var=scale * scale / d, xp=xp)  # fmt: skip
        xs = SAMPLERS[self.sampler](score, sch, x0, steps=self.steps, t_stop=t_stop, rng=child_seed(seed, 2),
                                    spacing=self.spacing)  # fmt: skip
        n_unconverged = 0
        if self.protocol == "descend":
            y, res = descend(score, xp.asarray(xs, dtype=xp.float64), t_stop, tol=self.tol, max_steps=self.max_steps)
            n_unconverged = int((~res.converged).sum())
        else:
            y = score.denoiser(xs, t_stop).astype(xp.float64)
        ev = exact_spectrum(score, y, t_stop, top=None if d <= FULL_SECOND_MAX_D else FULL_SECOND_MAX_D)
        spread = self.spread
        lam_flat = (
            flat_threshold(float(sch.std(t_stop)), float(sch.scale(t_stop)), spread, scale) if spread > 0 else 0.0
        )
        n_flat = count_flat(ev, lam_flat) if spread > 0 else xp.zeros(n, dtype=xp.int64)
        cl = classify(y, xp.asarray(data), delta_m=self.delta_m, delta_s=self.delta_s, scale=scale, tile=self.tile,
                      flat=(n_flat > 0) if spread > 0 else None)  # fmt: skip
        labels = backend.asnumpy(cl.labels)
        yh = backend.asnumpy(y)
        spur = yh[labels == 1]
        n_attr = _groups(spur, cl.delta_s) if len(spur) <= 20_000 else -1
        # distinct memorized training points: the spread of the memorized samples over the training set
        mem_idx = backend.asnumpy(cl.nearest_train)[labels == 0]
        cap, dmax = self.max_stored, self.dim()
        nfl = backend.asnumpy(n_flat)
        flat_count = np.array([int(((labels == c) & (nfl > 0)).sum()) for c in range(len(CLASSES))], dtype=np.int32)
        phys = physical_classes(vars(self), score, t_stop, xs, y, data, scale) if self.neighbours > 0 else {}
        return phys | {
            "count": counts(cl.labels).astype(np.int32),
            "flat_count": flat_count,
            "lam_flat": np.float64(lam_flat),
            "n_generated": np.int32(n),
            "n_unconverged": np.int32(n_unconverged),
            "n_spurious_attractors": np.int32(n_attr),
            "n_memorized_points": np.int32(len(np.unique(mem_idx))),
            "data_scale": np.float64(scale),
            "t_stop": np.float64(t_stop),
            "sample_x": _padded(yh, cap, dmax),
            "sample_class": _padded(labels, cap, fill=-1, dtype=np.int8),
            "sample_d_train": _padded(backend.asnumpy(cl.d_train), cap),
            "sample_d_gen": _padded(backend.asnumpy(cl.d_gen), cap),
            "sample_eig": _padded(backend.asnumpy(ev), cap, dmax),
            "sample_n_flat": _padded(nfl, cap, fill=-1, dtype=np.int16),
            "train_x": _padded(data, cap, dmax),
        }


def _with_physical_classes(declared_model: Model) -> Model:
    """``declared_model`` with the physical-class variables and dimensions where ``neighbours > 0``.

    Those dimensions (:mod:`~amphase.simulate.diffusion.attractor_classes`) exist only when the classes are on, which a
    :class:`Dim` cannot say.
    """

    def on(config: Mapping[str, Any]) -> bool:
        return int(config["params"]["neighbours"]) > 0

    def variables(config: Mapping[str, Any]) -> dict[str, Any]:
        return (attractor_classes.variables() if on(config) else {}) | declared_model.variables(config)

    def sizes(config: Mapping[str, Any]) -> dict[str, int]:
        return (attractor_classes.sizes(config) if on(config) else {}) | declared_model.sizes(config)

    def coords(config: Mapping[str, Any]) -> dict[str, Any]:
        return (attractor_classes.coords(config) if on(config) else {}) | declared_model.coords(config)

    return dataclasses.replace(declared_model, variables=variables, sizes=sizes, coords=coords)


Exact.MODEL = _with_physical_classes(Exact.MODEL)  # type: ignore[attr-defined]
MODEL = Exact.MODEL
DEFAULTS, run, check = MODEL.defaults, MODEL.run, MODEL.check
