r"""The exact-score diffusion model (``diffusion.exact``) for the sweep runner: generate, stop, descend, classify.

One task (a grid point's realization):

1. draws the training set of K points (:mod:`amphase.simulate.diffusion.data`; nested in K: the set for a larger K
   contains the smaller one, stream :func:`~amphase.simulate.diffusion.data.nested_seed`) and the data scale
   :math:`\ell` (rms distance from the mean, of a reference draw of :data:`SCALE_POINTS` points of the same stream,
   so that the thresholds do not move with K);
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

from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.dataset import flag_attrs
from amphase.errors import ParameterError
from amphase.params import Choice, Param
from amphase.simulate.backend import get_backend
from amphase.simulate.clustering import cluster
from amphase.simulate.diffusion import attractor_classes
from amphase.simulate.diffusion.attractor_classes import physical_classes
from amphase.simulate.diffusion.classify import CLASSES, classify, counts, data_scale
from amphase.simulate.diffusion.curvature import count_flat, exact_spectrum, flat_threshold
from amphase.simulate.diffusion.data import check_digits, nested_seed, training_set
from amphase.simulate.diffusion.samplers import SAMPLERS, descend, prior_sample
from amphase.simulate.diffusion.schedules import SPACINGS, make_schedule
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.lse import DEFAULT_TILE, FULL_SECOND_MAX_D, kernel_params
from amphase.simulate.models import Model, Variable
from amphase.simulate.seeding import child_seed

__all__ = ["MODEL", "SCALE_POINTS", "dataset_key", "run", "training_points"]

#: datasets the model draws (user arrays are for the Python API: a model parameter cannot be a path).
MODEL_DATASETS = ("circle", "sphere", "mixture", "linear", "digits")

#: points of the reference draw that fixes the data scale of a realization.
SCALE_POINTS = 4096

PROTOCOLS = ("descend", "denoise")

PARAMS: tuple[Param | Choice, ...] = (
    Choice("dataset", "training set (amphase.simulate.diffusion.data)", MODEL_DATASETS),
    Param("K", "number of training points", lower=1, upper=10**7, integer=True, long_name="training set size"),
    Param("d", "dimension (sphere and mixture; circle: 2, linear: 30, digits: 64)", lower=1, upper=10**5, integer=True),
    Param(
        "even",
        "circle: 1 evenly spaced angles (then not nested in K), 0 uniform at random",
        lower=0,
        upper=1,
        integer=True,
    ),
    Param("components", "mixture: number of Gaussian components", lower=1, upper=10**4, integer=True),
    Param("separation", "mixture: std of the component centres", lower=0.0, lower_open=True),
    Param("width", "mixture: std of each component", lower=0.0, lower_open=True),
    Choice("schedule", "forward process (ve: variance sigma^2 t; vp: DDPM linear beta)", ("ve", "vp")),
    Param("sigma", "VE noise scale (choose sigma above the data scale)", lower=0.0, lower_open=True),
    Param(
        "beta",
        "inverse temperature of the stop: sampling stops where 1/(2 sigma_t^2) = beta",
        lower=0.0,
        lower_open=True,
        long_name="inverse temperature at the stop",
    ),
    Choice("sampler", "reverse sampler", tuple(SAMPLERS)),
    Param("steps", "sampler steps from t_max to the stop", lower=1, upper=10**6, integer=True),
    Choice("spacing", "time grid of the sampler", SPACINGS),
    Choice("protocol", "end points: descend to a minimum at beta, or the denoiser at the stop", PROTOCOLS),
    Param("n_samples", "generated samples per realization", lower=2, upper=10**7, integer=True),
    Param("delta_m", "memorized within delta_m * data scale of a training point", lower=0.0),
    Param("delta_s", "spurious within delta_s * data scale of another sample", lower=0.0),
    Param(
        "spread",
        "generalized when the end point has a near-flat direction: thermal spread > spread * data scale (0: off)",
        lower=0.0,
    ),
    Param("tol", "descent: |x - m(x)| <= tol * data scale", lower=0.0, lower_open=True),
    Param("max_steps", "descent: most fixed-point steps", lower=1, upper=10**8, integer=True),
    Param("max_stored", "end points and training points stored per realization", lower=0, upper=10**6, integer=True),
    Param(
        "neighbours",
        "physical classes: barriers from each attractor to this many nearest attractors (0: classes off)",
        lower=0,
        upper=1000,
        integer=True,
    ),
    Param("images", "physical classes: images of each minimum-energy path", lower=3, upper=10**4, integer=True),
    *kernel_params("training points"),
)

DEFAULTS: dict[str, Any] = {
    "dataset": "circle",
    "d": 2,
    "even": 0,
    "components": 4,
    "separation": 3.0,
    "width": 0.3,
    "schedule": "ve",
    "sigma": 3.0,
    "sampler": "sde",
    "steps": 100,
    "spacing": "log",
    "protocol": "descend",
    "n_samples": 256,
    "delta_m": 0.02,
    "delta_s": 0.02,
    "spread": 0.0,
    "tol": 1e-6,
    "max_steps": 2000,
    "max_stored": 256,
    "neighbours": 0,
    "images": 16,
    "dtype": "float64",
    "backend": "cpu",
    "tile": DEFAULT_TILE,
}


def _dim(params: Mapping[str, Any]) -> int:
    return {"circle": 2, "linear": 30, "digits": 64}.get(params["dataset"], int(params["d"]))


def dataset_key(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters that define a realization's dataset (never K): they key its nested stream."""
    name = params["dataset"]
    key: dict[str, Any] = {"dataset": name}
    if name in ("sphere", "mixture"):
        key["d"] = int(params["d"])
    if name == "circle":
        key["even"] = int(params["even"])
    if name == "mixture":
        key.update(components=int(params["components"]), separation=float(params["separation"]),
                   width=float(params["width"]))  # fmt: skip
    return key


def _kw(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in dataset_key(params).items() if k != "dataset"}


def training_points(params: Mapping[str, Any], seed: np.random.SeedSequence) -> tuple[np.ndarray, float]:
    """The (K, d) training set of one realization and its data scale (module docstring, step 1)."""
    stream = nested_seed(seed, dataset_key(params))
    K = int(params["K"])
    data = training_set(params["dataset"], K, stream, **_kw(params))
    if params["dataset"] == "digits":
        from amphase.simulate.diffusion.data import digits

        ref = digits()
    else:
        ref = training_set(params["dataset"], max(K, SCALE_POINTS), stream, **_kw(params))
    return data, data_scale(ref)


def _schedule(params: Mapping[str, Any]) -> Any:
    if params["schedule"] == "ve":
        return make_schedule("ve", sigma=float(params["sigma"]))
    return make_schedule("vp")


def check(params: Mapping[str, Any]) -> None:
    """Cross-parameter checks at one grid point."""
    sch = _schedule(params)
    t_stop = sch.time_at_beta(float(params["beta"]))
    if not t_stop < sch.t_max:
        raise ParameterError(
            f"beta={params['beta']}: the stop lies at or beyond t_max (1/(2 sigma_t^2) at t_max is "
            f"{sch.beta(sch.t_max):.4g}); use a larger beta or sigma"
        )
    if params["dataset"] == "digits":
        check_digits()
        if int(params["K"]) > 1797:
            raise ParameterError(f"K={params['K']}: the digits set has 1797 images")
    if params["dataset"] == "sphere" and int(params["d"]) < 2:
        raise ParameterError("dataset='sphere' needs d >= 2")
    get_backend(params["backend"])


def _groups(y: np.ndarray, radius: float) -> int:
    """Connected groups of points within ``radius`` of each other (single linkage, :func:`cluster`)."""
    return len(cluster(y, radius)[1])


def run(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """One realization (module docstring)."""
    backend = get_backend(params["backend"])
    xp = backend.xp
    data, scale = training_points(params, seed)
    K, d = data.shape
    sch = _schedule(params)
    beta = float(params["beta"])
    t_stop = sch.time_at_beta(beta)
    score = exact_score(xp.asarray(data), sch, tile=int(params["tile"]), dtype=params["dtype"])
    n = int(params["n_samples"])
    x0 = prior_sample(sch, n, d, child_seed(seed, 1), mean=xp.asarray(data.mean(axis=0)),
                      data_var=scale * scale / d, xp=xp)  # fmt: skip
    xs = SAMPLERS[params["sampler"]](score, sch, x0, steps=int(params["steps"]), t_stop=t_stop,
                                     rng=child_seed(seed, 2), spacing=params["spacing"])  # fmt: skip
    n_unconverged = 0
    if params["protocol"] == "descend":
        y, res = descend(score, xp.asarray(xs, dtype=xp.float64), t_stop, tol=float(params["tol"]),
                         max_steps=int(params["max_steps"]))  # fmt: skip
        n_unconverged = int((~res.converged).sum())
    else:
        y = score.denoiser(xs, t_stop).astype(xp.float64)
    ev = exact_spectrum(score, y, t_stop, top=None if d <= FULL_SECOND_MAX_D else FULL_SECOND_MAX_D)
    spread = float(params["spread"])
    lam_flat = flat_threshold(float(sch.std(t_stop)), float(sch.scale(t_stop)), spread, scale) if spread > 0 else 0.0
    n_flat = count_flat(ev, lam_flat) if spread > 0 else xp.zeros(n, dtype=xp.int64)
    cl = classify(y, xp.asarray(data), delta_m=float(params["delta_m"]), delta_s=float(params["delta_s"]), scale=scale,
                  tile=int(params["tile"]), flat=(n_flat > 0) if spread > 0 else None)  # fmt: skip
    labels = backend.asnumpy(cl.labels)
    yh = backend.asnumpy(y)
    spur = yh[labels == 1]
    n_attr = _groups(spur, cl.delta_s) if len(spur) <= 20_000 else -1
    # distinct memorized training points: the spread of the memorized samples over the training set
    mem_idx = backend.asnumpy(cl.nearest_train)[labels == 0]
    cap = int(params["max_stored"])
    dmax = _stored_dim(params)
    m = min(n, cap)
    xs_out = np.full((cap, dmax), np.nan)
    xs_out[:m, :d] = yh[:m]
    tr_out = np.full((cap, dmax), np.nan)
    k = min(K, cap)
    tr_out[:k, :d] = data[:k]
    lab = np.full(cap, -1, dtype=np.int8)
    lab[:m] = labels[:m]
    dtr = np.full(cap, np.nan)
    dtr[:m] = backend.asnumpy(cl.d_train)[:m]
    dgn = np.full(cap, np.nan)
    dgn[:m] = backend.asnumpy(cl.d_gen)[:m]
    evh = backend.asnumpy(ev)
    eig = np.full((cap, dmax), np.nan)
    eig[:m, : evh.shape[1]] = evh[:m]
    nfl = backend.asnumpy(n_flat)
    sfl = np.full(cap, -1, dtype=np.int16)
    sfl[:m] = nfl[:m]
    flat_count = np.array([int(((labels == c) & (nfl > 0)).sum()) for c in range(len(CLASSES))], dtype=np.int32)
    phys = physical_classes(params, score, t_stop, xs, y, data, scale) if int(params["neighbours"]) > 0 else {}
    return phys | {
        "count": counts(cl.labels).astype(np.int32),
        "flat_count": flat_count,
        "lam_flat": np.float64(lam_flat),
        "n_samples": np.int32(n),
        "n_unconverged": np.int32(n_unconverged),
        "n_spurious_attractors": np.int32(n_attr),
        "n_memorized_points": np.int32(len(np.unique(mem_idx))),
        "data_scale": np.float64(scale),
        "t_stop": np.float64(t_stop),
        "sample_x": xs_out,
        "sample_class": lab,
        "sample_d_train": dtr,
        "sample_d_gen": dgn,
        "sample_eig": eig,
        "sample_n_flat": sfl,
        "train_x": tr_out,
    }


def _stored_dim(params: Mapping[str, Any]) -> int:
    return _dim(params)


def variables(config: Mapping[str, Any]) -> dict[str, Variable]:
    """The per-realization result variables."""

    def scalar(dtype: str, fill: Any, text: str, units: str = "1") -> Variable:
        return Variable((), dtype, fill, {"long_name": text, "units": units})

    phys = attractor_classes.variables() if int(config["params"]["neighbours"]) > 0 else {}
    return phys | {
        "count": Variable(("class",), "int32", -1, {"long_name": "generated samples per class", "units": "1"}),
        "flat_count": Variable(
            ("class",), "int32", -1, {"long_name": "samples per class with a near-flat energy direction", "units": "1"}
        ),
        "lam_flat": scalar("float64", np.nan, "eigenvalue below which a direction is near-flat (0: rule off)"),
        "n_samples": scalar("int32", -1, "generated samples"),
        "n_unconverged": scalar("int32", -1, "samples whose descent did not meet the tolerance"),
        "n_spurious_attractors": scalar("int32", -1, "distinct spurious end points (grouped within delta_s)"),
        "n_memorized_points": scalar("int32", -1, "distinct training points reached by memorized samples"),
        "data_scale": scalar("float64", np.nan, "rms distance of the data from their mean (threshold unit)"),
        "t_stop": scalar("float64", np.nan, "diffusion time where sampling stopped"),
        "sample_x": Variable(("sample", "coord"), "float64", np.nan, {"long_name": "end point (data space)"}),
        "sample_class": Variable(("sample",), "int8", -1, flag_attrs(list(CLASSES), "class of the end point")),
        "sample_d_train": Variable(("sample",), "float64", np.nan, {"long_name": "distance to nearest training point"}),
        "sample_d_gen": Variable(("sample",), "float64", np.nan, {"long_name": "distance to nearest other end point"}),
        "sample_eig": Variable(
            ("sample", "coord"), "float64", np.nan, {"long_name": "Hessian eigenvalues of the energy at the end point"}
        ),
        "sample_n_flat": Variable(("sample",), "int16", -1, {"long_name": "near-flat directions at the end point"}),
        "train_x": Variable(("train_point", "coord"), "float64", np.nan, {"long_name": "training point"}),
    }


def _grid_values(config: Mapping[str, Any], name: str) -> list[Any]:
    if name in config["grid"]:
        return list(config["grid"][name])
    return [config["params"][name]]


def sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Extra dimensions: the three classes, stored samples and training points, coordinates (largest d of the grid)."""
    cap = int(config["params"]["max_stored"])
    dims = [
        _dim({**config["params"], "dataset": ds, "d": dd})
        for ds in _grid_values(config, "dataset")
        for dd in _grid_values(config, "d")
    ]
    phys = attractor_classes.sizes(config) if int(config["params"]["neighbours"]) > 0 else {}
    return phys | {"class": len(CLASSES), "sample": cap, "train_point": cap, "coord": max(dims)}


def coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """Coordinates of the extra dimensions."""
    s = sizes(config)
    phys = attractor_classes.coords(config) if int(config["params"]["neighbours"]) > 0 else {}
    return phys | {
        "class": (np.array(CLASSES), {"long_name": "class of generated samples"}),
        "sample": (np.arange(s["sample"]), {"units": "1", "long_name": "stored end point"}),
        "train_point": (np.arange(s["train_point"]), {"units": "1", "long_name": "stored training point"}),
        "coord": (np.arange(s["coord"]), {"units": "1", "long_name": "coordinate"}),
    }


def attrs(config: Mapping[str, Any]) -> dict[str, Any]:
    """Backend, device and the classification rule."""
    backend = get_backend(config["params"]["backend"])
    return {
        "backend": backend.name,
        "device": backend.device,
        "classification": "memorized: d_train <= delta_m*data_scale; else spurious: d_gen <= delta_s*data_scale; "
        "else generalized (amphase.simulate.diffusion.classify); with spread > 0, an end point with a near-flat "
        "energy direction (|eigenvalue| <= lam_flat, amphase.analysis.diffusion.curvature) that is not memorized is "
        "generalized",
        "physical_classes": "per attractor reached (neighbours > 0): owned when one training point carries more than "
        "the owning threshold of the softmax weight; isolated when beta_t * (lowest barrier to a neighbouring "
        "attractor) >= the isolation threshold; memorized = isolated and owned, spurious = isolated and not owned, "
        "generalized = not isolated (amphase.simulate.lse_attractors)",
    }


def memory(params: Mapping[str, Any]) -> float:
    """Bytes of one task: data, samples, score tiles, neighbours and the Hessian pass.

    The Hessian pass holds a tile of flattened outer products and the (n, d, d) second moments (low-rank above
    d = 64).
    """
    K, d, n = int(params["K"]), _dim(params), int(params["n_samples"])
    tile = min(int(params["tile"]), max(K, n))
    hess = (min(tile, K) + 3 * n) * d * d if d <= FULL_SECOND_MAX_D else n * FULL_SECOND_MAX_D * (d + 64)
    return float(
        8 * (3 * max(K, SCALE_POINTS) * d + 8 * n * d + 3 * n * tile + 2 * int(params["max_stored"]) * d + hess)
    )


def cost(params: Mapping[str, Any]) -> float:
    """Relative cost: (sampler steps + descent steps) x samples x training points x dimension."""
    K, d, n = int(params["K"]), _dim(params), int(params["n_samples"])
    evals = int(params["steps"]) * (2 if params["sampler"] == "ode" else 1) + 50
    return float(evals * n * (K + 64) * d)


MODEL = Model(
    name="diffusion.exact",
    title="Diffusion model with the exact score of K training points: memorized, spurious, generalized samples",
    references=(
        "Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025); Song et al., ICLR (2021), "
        "arXiv:2011.13456"
    ),
    params=PARAMS,
    gridable=("K", "beta", "dataset", "d", "sigma", "n_samples", "delta_m", "delta_s", "spread", "steps"),
    defaults=DEFAULTS,
    variables=variables,
    sizes=sizes,
    coords=coords,
    run=run,
    check=check,
    attrs=attrs,
    memory=memory,
    cost=cost,
    rate=2.8e7,  # units/s per worker: diffusion-circle, 14 s, 2 workers; d = 30, 64 run 30-50x faster (calibrate_rates)
)
