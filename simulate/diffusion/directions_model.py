r"""Per-direction loss of variance on the linear manifold (``diffusion.directions``), exact denoiser Jacobian.

The diagonal of the exact score's denoiser Jacobian, direction group by direction group, against its Gaussian
(infinite-K) value.

Setting (Achilli et al. 2024, "Losing dimensions: geometric memorization in generative diffusion",
arXiv:2410.08727, AVS): K training points on a linear manifold in :math:`d = n_1 + n_2 + n_3` dimensions, zero-mean
Gaussian with std :math:`s_g` along the :math:`n_g` directions of group g (``linear`` data set of
:mod:`amphase.simulate.diffusion.data`), optionally normalised onto the unit sphere (``normalized = 1``, AVS's
``is_normalized``). Variance-exploding noise of variance t in data units (``diffusion.noise_beta`` with
``sigma = 1``): :math:`p_t = K^{-1}\sum_\mu \mathcal N(\xi^\mu, tI)`.

What is measured
----------------
The exact denoiser :math:`D(x) = \sum_\mu w_\mu(x)\,\xi^\mu` has the Jacobian
:math:`J_D(x) = \operatorname{Cov}_{w(x)}(\xi)/t`
(:meth:`~amphase.simulate.diffusion.score.ExactScore.denoiser_jacobian_diagonal`). For Gaussian data and
:math:`K \to \infty` the denoiser is the linear (Wiener) filter :math:`D(x) = \Sigma(\Sigma + tI)^{-1}x`, whose
Jacobian along a direction of variance :math:`\sigma_g^2` is the **Gaussian value**

.. math::

    G_g(t) = \frac{\sigma_g^2}{\sigma_g^2 + t}

at every x: the fraction of a displacement along the direction that the denoiser passes on. A direction whose
variance the finite training set has *lost* (memorized) has :math:`J_{jj} \to 0`: the denoiser snaps onto training
points along it. Per group g the model stores the mean over probes of :math:`\bar J_g(x) = n_g^{-1}\sum_{j\in g}
J_{jj}(x)` (``passed``) with its standard error over probes and its median (``passed_median``: at probes off the
training points the exact denoiser is nearly piecewise constant, and its Jacobian is large on the thin boundaries
between the training points' basins, a heavy tail that the mean keeps and the median drops), :math:`G_g(t)`
(``gaussian``), and the mean inverse participation :math:`\sum_\mu w_\mu^2` (``ipr``; 1/K for equal weights, 1
when one point carries all the weight), the condensation of the weights.

For probes from the noised training set (``probe = "train"``) the mean of :math:`J_D` has a direct reading, by the
law of total variance over :math:`x \sim p_t`: :math:`\mathbb E_x[\operatorname{Cov}_w(\xi_j)] =
\operatorname{Var}(\xi_j) - \operatorname{Var}_x(D_j(x))`, the part of the direction's variance that the denoised
output does *not* pin to a training point (derived here). For a direction with :math:`\sigma_j^2 \ll t`, whose
coordinate barely moves the weights, :math:`\mathbb E[\operatorname{Cov}_w(\xi_j)] = \sigma_j^2(1 -
\sum_\mu w_\mu^2)`, so the passed fraction of the low-variance groups is :math:`(1 - \mathrm{ipr})(1 +
\sigma_j^2/t)` times :math:`G_g` (derived here; tested, exact with the training set's unbiased sample variance in
place of :math:`\sigma_j^2`).

Probes (``probe``)
------------------
``train``
    :math:`x = \xi^\nu + \sqrt t\,z`, :math:`\nu` uniform: samples of the exact-score :math:`p_t`, which the reverse
    process of the exact score produces at time t when integrated exactly. ``n_probes`` per realization; the same
    :math:`(\nu, z)` at every t (common random numbers, stream ``(1,)``), so curves against t are smooth.
``population``
    :math:`x = a + \sqrt t\,z` with ``a`` a fresh point of the data law (not a training point): samples of the
    population :math:`p_t` that a generalizing model should reproduce (stream ``(1,)``).
``axis``
    AVS's probe: :math:`x = \sqrt t\, e_j` (the population mean plus a displacement of norm :math:`\sqrt t` along
    direction j); group g's value averages :math:`J_{jj}(\sqrt t e_j)` over :math:`j \in g`. This is where the
    random-energy criterion of :mod:`amphase.theory.diffusion.geometric` (log-weight variance
    :math:`(S + x_j^2\sigma_j^2)/t^2` at :math:`x_j^2 = t`) is posed. Deterministic: errors come from realizations.

Normalised data are not Gaussian: their Gaussian value uses the per-direction variance of the normalised law
(:func:`~amphase.simulate.diffusion.data.normalized_variances`, exact) and is then the linear filter with matched
second moments, not the exact :math:`K \to \infty` denoiser (the comparison says so).

Observables (``observable``)
----------------------------
``diagonal`` (default)
    The diagonal of :math:`J_D` per group at the probes above (what follows).
``spectrum``
    AVS's own observable (:mod:`amphase.simulate.diffusion.avs_spectrum`, read in the authors' code): at
    ``n_probes`` centres :math:`x_0` (``probe = "train"``: training points, AVS's choice; ``"population"``: fresh
    points of the data law; ``"axis"`` is refused), the exact scores at :math:`x_0 + \sqrt t z_k` for a Haar frame
    :math:`z_1..z_d` (one per centre, stream ``(2,)``, the same at every t) are stacked and divided by
    :math:`\sqrt t`; the singular values, largest dropped, over their maximum, are AVS's normalised spectrum
    :math:`v_k`. Stored, mean and s.e. over centres: the sorted spectrum ``sv_sorted`` (``time``, ``rank``), its
    projection on each group ``projected`` against the Gaussian value :math:`(\sigma_{\min}^2 + t)/(\sigma_g^2 + t)`
    (``projected_gaussian``), the same projection of the linearised spectrum :math:`|1 - \lambda(J_D)|` at the
    centre (``projected_linear``: AVS's observable to first order in the step, from the exact Jacobian), the
    threshold count of values below ``threshold`` per group (``count``, Gaussian value ``count_gaussian``), and the
    inverse participation at the stacked probes (``ipr``). Group 3 (std 0.01) is the reference of the normalisation:
    its Gaussian value is 1 and it carries no reading.

Stored per realization (``observable = "diagonal"``), on the dimensions ``time`` (``n_times`` values log-spaced
from ``t_min`` to ``t_max``) and ``group`` (three groups; a group of ``n_g = 0`` directions is NaN): ``passed``,
``passed_error``, ``passed_median``, ``gaussian``, ``ipr``, and per group the population variance ``variance``
and the training set's unbiased per-direction sample variance ``sample_variance`` (mean over the group). The
training set is nested in K (stream :func:`~amphase.simulate.diffusion.data.nested_seed` keyed by the groups and
``normalized``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.params import Choice, Param
from amphase.simulate.backend import get_backend
from amphase.simulate.diffusion.data import linear_manifold, linear_stds, nested_seed, normalized_variances
from amphase.simulate.diffusion.schedules import make_schedule
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.lse import DEFAULT_TILE, FULL_SECOND_MAX_D, kernel_params
from amphase.simulate.models import Model, Variable
from amphase.simulate.seeding import child_rng

__all__ = [
    "GROUPS",
    "MODEL",
    "PROBES",
    "group_sizes",
    "measure",
    "population_variances",
    "run",
    "stds_of",
    "times",
    "training_points",
]

#: the number of direction groups (AVS's synthetic setting has three).
GROUPS = 3

#: probe kinds (module docstring).
PROBES = ("train", "population", "axis")

#: what is measured (module docstring, "Observables").
OBSERVABLES = ("diagonal", "spectrum")

PARAMS: tuple[Param | Choice, ...] = (
    Param(
        "K",
        "number of training points (n of the theory)",
        lower=1,
        upper=10**7,
        integer=True,
        long_name="training set size",
    ),
    *(
        p
        for g in (1, 2, 3)
        for p in (
            Param(f"n{g}", f"directions in group {g}", lower=0, upper=10**4, integer=True),
            Param(f"s{g}", f"std of the data along group {g}", lower=0.0, lower_open=True),
        )
    ),
    Param(
        "normalized",
        "1: every training point divided by its norm (AVS's is_normalized), 0: raw Gaussian",
        lower=0,
        upper=1,
        integer=True,
    ),
    Choice("probe", "where the Jacobian is measured: noised training points, noised fresh points, sqrt(t) e_j", PROBES),
    Param("n_probes", "probes per realization (train, population)", lower=2, upper=10**6, integer=True),
    Choice(
        "observable",
        "diagonal: the denoiser Jacobian's diagonal per group; spectrum: AVS's singular values of stacked scores",
        OBSERVABLES,
    ),
    Param(
        "threshold",
        "spectrum: normalised singular values below it count as tangent directions",
        lower=0.0,
        upper=1.0,
        lower_open=True,
        upper_open=True,
    ),
    Param("t_min", "smallest VE noise variance of the time grid", lower=0.0, lower_open=True),
    Param("t_max", "largest VE noise variance of the time grid", lower=0.0, lower_open=True),
    Param("n_times", "noise variances, log-spaced from t_min to t_max", lower=2, upper=10**4, integer=True),
    *kernel_params("training points"),
)

DEFAULTS: dict[str, Any] = {
    "n1": 10,
    "s1": 1.0,
    "n2": 10,
    "s2": 0.3,
    "n3": 10,
    "s3": 0.01,
    "normalized": 0,
    "probe": "train",
    "n_probes": 256,
    "observable": "diagonal",
    "threshold": 0.5,
    "t_min": 1e-4,
    "t_max": 10.0,
    "n_times": 25,
    "dtype": "float64",
    "backend": "cpu",
    "tile": DEFAULT_TILE,
}


def group_sizes(params: Mapping[str, Any]) -> tuple[int, int, int]:
    """Directions per group, (n1, n2, n3)."""
    return int(params["n1"]), int(params["n2"]), int(params["n3"])


def _groups(params: Mapping[str, Any]) -> list[tuple[int, float]]:
    return [(int(params[f"n{g}"]), float(params[f"s{g}"])) for g in (1, 2, 3) if int(params[f"n{g}"]) > 0]


def stds_of(params: Mapping[str, Any]) -> np.ndarray:
    """The per-direction stds (d,) before any normalisation."""
    return linear_stds(_groups(params))


def population_variances(params: Mapping[str, Any]) -> np.ndarray:
    r"""Per-direction variance of the data law (d,): :math:`s_g^2`, or :math:`v_i` of the sphere when normalised."""
    sd = stds_of(params)
    return normalized_variances(sd) if int(params["normalized"]) else sd * sd


def times(params: Mapping[str, Any]) -> np.ndarray:
    """The time grid: ``n_times`` VE noise variances log-spaced from ``t_min`` to ``t_max``."""
    return np.geomspace(float(params["t_min"]), float(params["t_max"]), int(params["n_times"]))


def dataset_key(params: Mapping[str, Any]) -> dict[str, Any]:
    """What defines a realization's training set (never K): the groups and the normalisation."""
    key: dict[str, Any] = {"dataset": "linear", "normalized": int(params["normalized"])}
    for g in (1, 2, 3):
        key[f"n{g}"], key[f"s{g}"] = int(params[f"n{g}"]), float(params[f"s{g}"])
    return key


def training_points(params: Mapping[str, Any], seed: np.random.SeedSequence) -> np.ndarray:
    """The (K, d) training set of one realization, nested in K."""
    stream = nested_seed(seed, dataset_key(params))
    rng = np.random.Generator(np.random.PCG64(stream))
    return linear_manifold(int(params["K"]), rng, _groups(params), bool(int(params["normalized"])))


def check(params: Mapping[str, Any]) -> None:
    """Cross-parameter checks at one grid point (before any work)."""
    if sum(group_sizes(params)) < 1:
        raise ParameterError("n1, n2, n3: at least one direction group must have n_g >= 1 directions")
    if not float(params["t_min"]) < float(params["t_max"]):
        raise ParameterError(f"t_min={params['t_min']}, t_max={params['t_max']}: t_min must be below t_max")
    if params.get("observable", "diagonal") == "spectrum":
        d = sum(group_sizes(params))
        if params["probe"] == "axis":
            raise ParameterError(
                "probe='axis' with observable='spectrum': AVS's centres are train or population points"
            )
        if not 2 <= d <= FULL_SECOND_MAX_D:
            raise ParameterError(f"n1 + n2 + n3 = {d}: observable='spectrum' needs 2 <= d <= {FULL_SECOND_MAX_D}")
    get_backend(params["backend"])


def measure(score: Any, x: np.ndarray, t: float, xp: Any = np) -> tuple[np.ndarray, np.ndarray]:
    r"""The diagonal of the denoiser Jacobian :math:`J_{jj}(x_b)` (B, d) and :math:`\sum_\mu w_\mu(x_b)^2` (B,).

    ``score`` is the exact score (VE, ``sigma = 1``), ``x`` the (B, d) probes, ``t`` the noise variance; host arrays
    are returned whatever the backend.
    """
    jd = np.asarray(_host(score.denoiser_jacobian_diagonal(xp.asarray(x), t)), dtype=np.float64)
    ipr = np.asarray(_host(score.inverse_participation(xp.asarray(x), t)), dtype=np.float64)
    return jd, ipr


def _host(a: Any) -> Any:
    return a.get() if hasattr(a, "get") else a


def _index(params: Mapping[str, Any]) -> np.ndarray:
    return np.repeat(np.arange(GROUPS), group_sizes(params))


def _setup(params: Mapping[str, Any], seed: np.random.SeedSequence) -> tuple[Any, ...]:
    """What both observables start from: (xp, training set, group index, population variances, score, times).

    The exact score is the VE one with sigma = 1 (noise variance t); the times are :func:`times`.
    """
    xp = get_backend(params["backend"]).xp
    data = training_points(params, seed)
    score = exact_score(
        xp.asarray(data), make_schedule("ve", sigma=1.0), tile=int(params["tile"]), dtype=params["dtype"]
    )
    return xp, data, _index(params), population_variances(params), score, times(params)


def run(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """One realization (module docstring)."""
    if params.get("observable", "diagonal") == "spectrum":
        return run_spectrum(params, seed)
    xp, data, index, var, score, ts = _setup(params, seed)
    K, d = data.shape
    probe = params["probe"]
    rng = child_rng(seed, 1)
    if probe == "axis":
        base, z = np.zeros((d, d)), np.eye(d)
    else:
        P = int(params["n_probes"])
        if probe == "train":
            base = data[rng.integers(K, size=P)]
        else:
            base = linear_manifold(P, rng, _groups(params), bool(int(params["normalized"])))
        z = rng.standard_normal((P, d))
    nt = len(ts)
    passed = np.full((nt, GROUPS), np.nan)
    err = np.full((nt, GROUPS), np.nan)
    median = np.full((nt, GROUPS), np.nan)
    ipr_out = np.full((nt, GROUPS), np.nan)
    gauss = np.full((nt, GROUPS), np.nan)
    for i, t in enumerate(ts):
        jd, ipr = measure(score, base + np.sqrt(t) * z, float(t), xp)
        for g in range(GROUPS):
            sel = index == g
            if not sel.any():
                continue
            gauss[i, g] = float(np.mean(var[sel] / (var[sel] + t)))
            if probe == "axis":  # the probe along direction j measures J_jj there
                rows = np.nonzero(sel)[0]
                vals, ip = jd[rows, rows], ipr[rows]
            else:
                vals, ip = jd[:, sel].mean(axis=1), ipr
            passed[i, g] = float(vals.mean())
            median[i, g] = float(np.median(vals))
            err[i, g] = float(vals.std(ddof=1) / np.sqrt(len(vals))) if len(vals) > 1 else np.nan
            ipr_out[i, g] = float(ip.mean())
    variance = np.full(GROUPS, np.nan)
    sample_variance = np.full(GROUPS, np.nan)
    for g in range(GROUPS):
        sel = index == g
        if sel.any():
            variance[g] = float(var[sel].mean())
            sample_variance[g] = float(data[:, sel].var(axis=0, ddof=1).mean()) if K > 1 else 0.0
    return {
        "passed": passed,
        "passed_error": err,
        "passed_median": median,
        "gaussian": gauss,
        "ipr": ipr_out,
        "variance": variance,
        "sample_variance": sample_variance,
    }


def _group_variances(params: Mapping[str, Any], data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index, var, K = _index(params), population_variances(params), data.shape[0]
    variance = np.full(GROUPS, np.nan)
    sample_variance = np.full(GROUPS, np.nan)
    for g in range(GROUPS):
        sel = index == g
        if sel.any():
            variance[g] = float(var[sel].mean())
            sample_variance[g] = float(data[:, sel].var(axis=0, ddof=1).mean()) if K > 1 else 0.0
    return variance, sample_variance


def _mean_se(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error over axis 0 (NaN error with one row)."""
    n = a.shape[0]
    err = a.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(a.shape[1:], np.nan)
    return a.mean(axis=0), err


def run_spectrum(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    r"""One realization of AVS's observable (``observable = "spectrum"``; module docstring, "Observables").

    Centres: ``n_probes`` training points (``probe = "train"``, AVS's) or fresh points of the data law
    (``population``), drawn once (stream ``(1,)``), each with its own Haar frame (stream ``(2,)``), the same at every
    t. Per t: the (P, d, d) stacked scores, their singular values, AVS's normalised spectrum, its projection and
    threshold count per group (:mod:`amphase.simulate.diffusion.avs_spectrum`), mean and s.e. over centres.
    """
    from amphase.simulate.diffusion import avs_spectrum as avs

    xp, data, index, var, score, ts = _setup(params, seed)
    K, d = data.shape
    P = int(params["n_probes"])
    rng = child_rng(seed, 1)
    if params["probe"] == "train":
        centres = data[rng.integers(K, size=P)]
    else:
        centres = linear_manifold(P, rng, _groups(params), bool(int(params["normalized"])))
    frng = child_rng(seed, 2)
    frames = np.stack([avs.orthogonal_frame(frng, d) for _ in range(P)])
    theta = float(params["threshold"])
    n_g = np.bincount(index, minlength=GROUPS).astype(float)
    nt = len(ts)
    out = {
        k: np.full((nt, GROUPS), np.nan)
        for k in (
            "projected", "projected_error", "projected_linear", "projected_linear_error", "projected_gaussian",
            "count", "count_error", "count_gaussian", "ipr",
        )
    }  # fmt: skip
    sv_sorted = np.full((nt, d - 1), np.nan)
    sv_err = np.full((nt, d - 1), np.nan)
    for i, t in enumerate(ts):
        t = float(t)
        m = avs.stacked_scores(score, centres, t, frames)
        sv, vt = avs.singular_spectrum(m)
        v = avs.normalized_spectrum(sv)
        sv_sorted[i], sv_err[i] = _mean_se(v)
        proj = avs.group_projection(v, vt, index, GROUPS)
        cnt = avs.count_below(v, vt, index, GROUPS, theta)
        out["projected"][i], out["projected_error"][i] = _mean_se(proj)
        out["count"][i], out["count_error"][i] = _mean_se(cnt)
        lv, lvt = avs.linearized_spectrum(score.denoiser_jacobian(xp.asarray(centres), t))
        out["projected_linear"][i], out["projected_linear_error"][i] = _mean_se(
            avs.group_projection(lv, lvt, index, GROUPS)
        )
        gv = avs.gaussian_values(var, t)
        pts = (centres[:, None, :] + np.sqrt(t) * frames).reshape(P * d, d)
        ip = float(np.mean(np.asarray(_host(score.inverse_participation(xp.asarray(pts), t)))))
        for g in range(GROUPS):
            if n_g[g] > 0:
                out["projected_gaussian"][i, g] = float(gv[index == g].mean())
                out["count_gaussian"][i, g] = float((gv[index == g] < theta).sum())
                out["ipr"][i, g] = ip
    for k in ("projected", "projected_error", "projected_linear", "projected_linear_error", "count", "count_error"):
        out[k][:, n_g == 0] = np.nan
    variance, sample_variance = _group_variances(params, data)
    return {**out, "sv_sorted": sv_sorted, "sv_sorted_error": sv_err, "variance": variance,
            "sample_variance": sample_variance}  # fmt: skip


def variables(config: Mapping[str, Any]) -> dict[str, Variable]:
    """The per-realization result variables (they depend on ``observable``)."""

    def tg(text: str) -> Variable:
        return Variable(("time", "group"), "float64", np.nan, {"long_name": text, "units": "1"})

    if config["params"].get("observable", "diagonal") == "spectrum":

        def tr(text: str) -> Variable:
            return Variable(("time", "rank"), "float64", np.nan, {"long_name": text, "units": "1"})

        return {
            "sv_sorted": tr("mean over centres of AVS's normalised singular values (largest dropped), descending"),
            "sv_sorted_error": tr("standard error of sv_sorted over centres"),
            "projected": tg("mean over centres of the normalised spectrum projected on the group (weighted mean)"),
            "projected_error": tg("standard error of projected over centres"),
            "projected_linear": tg("the same from the exact Jacobian at the centre, |1 - eig(Cov_w/t)| over its max"),
            "projected_linear_error": tg("standard error of projected_linear over centres"),
            "projected_gaussian": tg("Gaussian (linear score) value (var_min + t)/(var_g + t) of projected"),
            "count": tg("mean over centres of the threshold count in the group, sum_k [v_k < threshold] |P_g u_k|^2"),
            "count_error": tg("standard error of count over centres"),
            "count_gaussian": tg("Gaussian value of count: n_g [(var_min + t)/(var_g + t) < threshold]"),
            "ipr": tg("mean inverse participation sum_mu w_mu^2 at the stacked probes"),
            "variance": Variable(
                ("group",), "float64", np.nan, {"long_name": "per-direction variance of the data law"}
            ),
            "sample_variance": Variable(
                ("group",), "float64", np.nan,
                {"long_name": "per-direction unbiased sample variance of the training set"},
            ),
        }  # fmt: skip
    return {
        "passed": tg("mean over probes of the group-averaged diagonal of the denoiser Jacobian Cov_w/t"),
        "passed_error": tg("standard error of passed over probes"),
        "passed_median": tg("median over probes of the group-averaged diagonal of the denoiser Jacobian"),
        "gaussian": tg("Gaussian (K -> infinity) value var_g/(var_g + t) of the diagonal Jacobian"),
        "ipr": tg("mean inverse participation sum_mu w_mu^2 of the weights at the probes"),
        "variance": Variable(("group",), "float64", np.nan, {"long_name": "per-direction variance of the data law"}),
        "sample_variance": Variable(
            ("group",), "float64", np.nan, {"long_name": "per-direction unbiased sample variance of the training set"}
        ),
    }


def sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Extra dimensions: the time grid and the three direction groups (and the spectrum's ranks)."""
    p = config["params"]
    out = {"time": int(p["n_times"]), "group": GROUPS}
    if p.get("observable", "diagonal") == "spectrum":
        out["rank"] = sum(group_sizes(p)) - 1
    return out


def coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """The noise variances of the time grid and the group numbers."""
    p = config["params"]
    out = {
        "time": (times(p), {"units": "1", "long_name": "VE noise variance t (data units)"}),
        "group": (np.arange(1, GROUPS + 1), {"units": "1", "long_name": "direction group"}),
    }
    if p.get("observable", "diagonal") == "spectrum":
        d = sum(group_sizes(p))
        out["rank"] = (np.arange(2, d + 1), {"units": "1", "long_name": "rank of the singular value (1 dropped)"})
    return out


def attrs(config: Mapping[str, Any]) -> dict[str, Any]:
    """Backend, device and the measured quantity."""
    backend = get_backend(config["params"]["backend"])
    if config["params"].get("observable", "diagonal") == "spectrum":
        what = (
            "AVS's singular values of exact scores stacked at d orthonormal probes x0 + sqrt(t) z_k, largest dropped, "
            "normalised by the next; projected and counted per direction group, VE sigma = 1 "
            "(amphase.simulate.diffusion.avs_spectrum)"
        )
    else:
        what = (
            "diagonal of the exact denoiser Jacobian Cov_w/t per direction group, VE sigma = 1 "
            "(amphase.simulate.diffusion.directions_model)"
        )
    return {"backend": backend.name, "device": backend.device, "measurement": what}


def memory(params: Mapping[str, Any]) -> float:
    """Bytes of one task: training set (three copies), probes and one tile of scores per probe."""
    K, d = int(params["K"]), sum(group_sizes(params))
    P = d if params["probe"] == "axis" else int(params["n_probes"])
    if params.get("observable", "diagonal") == "spectrum":
        P *= d
    tile = min(int(params["tile"]), K)
    return float(8 * (4 * K * d + 8 * P * d + 3 * P * tile))


def cost(params: Mapping[str, Any]) -> float:
    """Relative cost: times x probes x training points x dimension (three streaming passes each)."""
    K, d = int(params["K"]), sum(group_sizes(params))
    P = 2 * d if params["probe"] == "axis" else int(params["n_probes"])
    if params.get("observable", "diagonal") == "spectrum":
        P *= d
    return float(3 * int(params["n_times"]) * P * K * d)


MODEL = Model(
    name="diffusion.directions",
    title="Per-direction loss of variance of the exact score on a linear manifold (denoiser Jacobian per group)",
    references="Achilli, Ventura, Silvestri, Pham, Raya, Krotov, Lucibello & Ambrogioni, arXiv:2410.08727 (2024)",
    params=PARAMS,
    gridable=("K", "normalized", "probe", "n_probes", "s1", "s2", "s3", "threshold"),
    defaults=DEFAULTS,
    variables=variables,
    sizes=sizes,
    coords=coords,
    run=run,
    check=check,
    attrs=attrs,
    memory=memory,
    cost=cost,
    rate=2.3e9,  # units/s per worker: diffusion-directions: 31 s on 2 workers (scripts/calibrate_rates.py)
)
