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
Each observable is a class with one interface (its result variables, extra dimensions, attributes, checks and
measurement), a subclass of the declared parameters (:class:`Directions`), in its own module:
:class:`~amphase.simulate.diffusion.directions_diagonal.VarianceLoss` and
:class:`~amphase.simulate.diffusion.directions_spectrum.StackedSpectrum` (:func:`observables`); ``MODEL`` takes the
variables of the one a configuration names.

``diagonal`` (default, ``VarianceLoss``)
    The diagonal of :math:`J_D` per group at the probes above (what follows).
``spectrum`` (``StackedSpectrum``)
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

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.backend import get_backend, to_host
from amphase.simulate.declare import Dim, Var, choice, declared, model, number
from amphase.simulate.diffusion.data import linear_manifold, linear_stds, nested_seed, normalized_variances
from amphase.simulate.diffusion.schedules import make_schedule
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.lse import DEFAULT_TILE, kernel_params

__all__ = ["GROUPS", "MODEL", "PROBES", "Directions", "measure", "observables", "times"]

#: the number of direction groups (AVS's synthetic setting has three).
GROUPS = 3

#: probe kinds (module docstring).
PROBES = ("train", "population", "axis")

#: what the declarations of :class:`Directions` and of both observables share.
_MODEL = {
    "title": "Per-direction loss of variance of the exact score on a linear manifold (denoiser Jacobian per group)",
    "references": "Achilli, Ventura, Silvestri, Pham, Raya, Krotov, Lucibello & Ambrogioni, arXiv:2410.08727 (2024)",
    "rate": 2.3e9,  # units/s per worker: diffusion-directions: 31 s on 2 workers (scripts/calibrate_rates.py)
}

_DTYPE, _BACKEND, _TILE = kernel_params("training points")
#: the dimensions both observables use (the time grid's values from t_min, t_max and n_times).
_DIMS = {
    "time": Dim(lambda r: r.n_times, attrs={"units": "1", "long_name": "VE noise variance t (data units)"},
                coordinate=lambda r: r.times()),
    "group": Dim(lambda r: GROUPS, values=lambda n: np.arange(1, n + 1),
                 attrs={"units": "1", "long_name": "direction group"}),
}  # fmt: skip
#: the variables both observables store.
_GROUP_VARIABLES = {
    "variance": Var(("group",), "float64", np.nan, "per-direction variance of the data law"),
    "sample_variance": Var(("group",), "float64", np.nan, "per-direction unbiased sample variance of the training set"),
}


def measure(score: Any, x: np.ndarray, t: float, xp: Any = np) -> tuple[np.ndarray, np.ndarray]:
    r"""The diagonal of the denoiser Jacobian :math:`J_{jj}(x_b)` (B, d) and :math:`\sum_\mu w_\mu(x_b)^2` (B,).

    ``score`` is the exact score (VE, ``sigma = 1``), ``x`` the (B, d) probes, ``t`` the noise variance; host arrays
    are returned whatever the backend.
    """
    jd = to_host(score.denoiser_jacobian_diagonal(xp.asarray(x), t), np.float64)
    ipr = to_host(score.inverse_participation(xp.asarray(x), t), np.float64)
    return jd, ipr


def _attrs(measurement: str) -> Callable[[Directions], dict[str, Any]]:
    """The global attributes of a dataset of one observable: backend, device and what it measures."""

    def attrs(r: Directions) -> dict[str, Any]:
        backend = get_backend(r.backend)
        return {"backend": backend.name, "device": backend.device, "measurement": measurement}

    return attrs


def _mean_se(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error over axis 0 (NaN error with one row)."""
    n = a.shape[0]
    err = a.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(a.shape[1:], np.nan)
    return a.mean(axis=0), err


@model(**_MODEL, dims=_DIMS, variables=_GROUP_VARIABLES)
class Directions:
    """The parameters of ``diffusion.directions`` at one grid point, and what both observables share.

    :meth:`observed` is the same point as an instance of the observable's class (:func:`observables`), whose
    :meth:`measure`, :meth:`check_observable` and :meth:`stack` the methods here call.
    """

    K: int = number("number of training points (n of the theory)", ge=1, le=10**7, long_name="training set size",
                    grid=True)  # fmt: skip
    n1: int = number("directions in group 1", default=10, ge=0, le=10**4)
    s1: float = number("std of the data along group 1", default=1.0, gt=0.0, grid=True)
    n2: int = number("directions in group 2", default=10, ge=0, le=10**4)
    s2: float = number("std of the data along group 2", default=0.3, gt=0.0, grid=True)
    n3: int = number("directions in group 3", default=10, ge=0, le=10**4)
    s3: float = number("std of the data along group 3", default=0.01, gt=0.0, grid=True)
    normalized: int = number("1: every training point divided by its norm (AVS's is_normalized), 0: raw Gaussian",
                             default=0, ge=0, le=1, grid=True)  # fmt: skip
    probe: str = choice("where the Jacobian is measured: noised training points, noised fresh points, sqrt(t) e_j",
                        PROBES, default="train", grid=True)  # fmt: skip
    n_probes: int = number("probes per realization (train, population)", default=256, ge=2, le=10**6, grid=True)
    observable: str = choice(
        "diagonal: the denoiser Jacobian's diagonal per group; spectrum: AVS's singular values of stacked scores",
        ("diagonal", "spectrum"),
        default="diagonal",
    )
    threshold: float = number("spectrum: normalised singular values below it count as tangent directions",
                              default=0.5, gt=0.0, lt=1.0, grid=True)  # fmt: skip
    t_min: float = number("smallest VE noise variance of the time grid", default=1e-4, gt=0.0)
    t_max: float = number("largest VE noise variance of the time grid", default=10.0, gt=0.0)
    n_times: int = number("noise variances, log-spaced from t_min to t_max", default=25, ge=2, le=10**4)
    dtype: str = declared(_DTYPE, default="float64")
    backend: str = declared(_BACKEND, default="cpu")
    tile: int = declared(_TILE, default=DEFAULT_TILE)

    def observed(self) -> Directions:
        """The same grid point as an instance of its observable's class."""
        cls = observables()[self.observable]
        if type(self) is cls:
            return self
        return cls(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def group_sizes(self) -> tuple[int, int, int]:
        """Directions per group, (n1, n2, n3)."""
        return self.n1, self.n2, self.n3

    def d(self) -> int:
        """The dimension n1 + n2 + n3."""
        return sum(self.group_sizes())

    def groups(self) -> list[tuple[int, float]]:
        """The non-empty groups as (directions, std)."""
        return [(n, s) for n, s in ((self.n1, self.s1), (self.n2, self.s2), (self.n3, self.s3)) if n > 0]

    def population_variances(self) -> np.ndarray:
        r"""Per-direction variance of the data law (d,): :math:`s_g^2`, or :math:`v_i` of the sphere when normalised."""
        sd = linear_stds(self.groups())
        return normalized_variances(sd) if self.normalized else sd * sd

    def times(self) -> np.ndarray:
        """The time grid: ``n_times`` VE noise variances log-spaced from ``t_min`` to ``t_max``."""
        return times(self.t_min, self.t_max, self.n_times)

    def dataset_key(self) -> dict[str, Any]:
        """What defines a realization's training set (never K): the groups and the normalisation."""
        return {"dataset": "linear", "normalized": self.normalized, "n1": self.n1, "s1": self.s1, "n2": self.n2,
                "s2": self.s2, "n3": self.n3, "s3": self.s3}  # fmt: skip

    def training_points(self, seed: np.random.SeedSequence) -> np.ndarray:
        """The (K, d) training set of one realization, nested in K."""
        rng = np.random.Generator(np.random.PCG64(nested_seed(seed, self.dataset_key())))
        return linear_manifold(self.K, rng, self.groups(), bool(self.normalized))

    def fresh_points(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` fresh points of the data law (population probes or centres)."""
        return linear_manifold(size, rng, self.groups(), bool(self.normalized))

    def index(self) -> np.ndarray:
        """The group (0, 1, 2) of each direction, (d,)."""
        return np.repeat(np.arange(GROUPS), self.group_sizes())

    def check(self) -> None:
        """Cross-parameter checks at one grid point (before any work)."""
        if self.d() < 1:
            raise ParameterError("n1, n2, n3: at least one direction group must have n_g >= 1 directions")
        if not self.t_min < self.t_max:
            raise ParameterError(f"t_min={self.t_min}, t_max={self.t_max}: t_min must be below t_max")
        self.observed().check_observable()
        get_backend(self.backend)

    def check_observable(self) -> None:
        """The observable's own checks (none by default)."""

    def stack(self) -> int:
        """Score evaluations per probe (1; the stacked spectrum: d)."""
        return 1

    def memory(self, realizations: int) -> float:
        """Bytes of one task: training set (three copies), probes and one tile of scores per probe."""
        K, d = self.K, self.d()
        P = (d if self.probe == "axis" else self.n_probes) * self.observed().stack()
        return float(8 * (4 * K * d + 8 * P * d + 3 * P * min(self.tile, K)))

    def cost(self) -> float:
        """Relative cost: times x probes x training points x dimension (three streaming passes each)."""
        P = (2 * self.d() if self.probe == "axis" else self.n_probes) * self.observed().stack()
        return float(3 * self.n_times * P * self.K * self.d())

    def setup(self, seed: np.random.SeedSequence) -> tuple[Any, ...]:
        """What both observables start from: (xp, training set, group index, population variances, score, times).

        The exact score is the VE one with sigma = 1 (noise variance t); the times are :meth:`times`.
        """
        xp = get_backend(self.backend).xp
        data = self.training_points(seed)
        score = exact_score(xp.asarray(data), make_schedule("ve", sigma=1.0), tile=self.tile, dtype=self.dtype)
        return xp, data, self.index(), self.population_variances(), score, self.times()

    def group_variances(self, data: np.ndarray) -> dict[str, np.ndarray]:
        """Per group: the population variance and the training set's unbiased sample variance (direction means)."""
        index, var, K = self.index(), self.population_variances(), data.shape[0]
        variance = np.full(GROUPS, np.nan)
        sample_variance = np.full(GROUPS, np.nan)
        for g in range(GROUPS):
            sel = index == g
            if sel.any():
                variance[g] = float(var[sel].mean())
                sample_variance[g] = float(data[:, sel].var(axis=0, ddof=1).mean()) if K > 1 else 0.0
        return {"variance": variance, "sample_variance": sample_variance}

    def measure(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """The observable's measurement (its class defines it)."""
        raise NotImplementedError(f"{type(self).__name__} measures no observable")

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization (module docstring): the observable's measurement."""
        return self.observed().measure(seed)


def times(t_min: float, t_max: float, n_times: int) -> np.ndarray:
    """The time grid: ``n_times`` VE noise variances log-spaced from ``t_min`` to ``t_max``."""
    return np.geomspace(float(t_min), float(t_max), int(n_times))


def _per_time(text: str, dim: str = "group") -> Var:
    return Var(("time", dim), "float64", np.nan, text, "1")


def observables() -> dict[str, type[Directions]]:
    """The class of each observable (the choices of ``observable``), each in its own module."""
    from amphase.simulate.diffusion.directions_diagonal import VarianceLoss
    from amphase.simulate.diffusion.directions_spectrum import StackedSpectrum

    return {"diagonal": VarianceLoss, "spectrum": StackedSpectrum}


@dataclasses.dataclass(frozen=True)
class _ByObservable:
    """A configuration-level callable of ``MODEL``: the one of the configured observable's declaration."""

    method: str

    def __call__(self, config: Mapping[str, Any]) -> Any:
        return getattr(observables()[config["params"]["observable"]].MODEL, self.method)(config)


#: ``diffusion.directions``: :class:`Directions`' parameters and run, the variables of the configured observable.
MODEL = dataclasses.replace(
    Directions.MODEL, **{m: _ByObservable(m) for m in ("variables", "sizes", "coords", "attrs")}
)
