"""Small statistics kernels shared by the comparisons: clustered means, binomial intervals and fits, extrapolation."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy import optimize, special

__all__ = [
    "STEP_SHAPES",
    "Extrapolation",
    "StepFit",
    "clustered_mean",
    "extrapolate",
    "few_realizations_note",
    "fit_step",
    "step_probability",
    "trial_mean",
    "wilson_interval",
]


def wilson_interval(k: np.ndarray, n: np.ndarray, z: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial fraction ``k/n`` at ``z`` standard errors; NaN where ``n = 0``.

    It stays inside [0, 1], also at fractions of 0 and 1 (E. B. Wilson, J. Am. Stat. Assoc. 22, 209 (1927)).
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)  # rounding can step outside


def trial_mean(values: np.ndarray, mask: np.ndarray) -> tuple[float, float, int]:
    """Mean of ``values[mask]`` and the naive standard error ``std / sqrt(n)`` over the selected trials.

    The fallback of :func:`clustered_mean` with a single realization: it treats trials as independent although
    they share the realization's patterns, so it underestimates the error. NaN error for fewer than two values.
    """
    v = np.asarray(values, dtype=float)[np.asarray(mask, dtype=bool)]
    n = int(v.size)
    if n == 0:
        return np.nan, np.nan, 0
    err = float(np.std(v, ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    return float(v.mean()), err, n


def clustered_mean(values: np.ndarray, mask: np.ndarray) -> tuple[float, float, int]:
    """Mean of ``values[mask]`` and its standard error, with realizations as independent clusters.

    Parameters
    ----------
    values, mask : ndarray, shape (R, T)
        Measurements for ``T`` trials in each of ``R`` realizations; trials of one realization share its patterns
        and are not independent, so the error is the cluster-robust one,
        ``sqrt(R/(R-1) sum_r n_r^2 (mean_r - mean)^2) / n``.

    Returns
    -------
    mean, error : float
        NaN if nothing is selected; the error is NaN with a single realization.
    n : int
        Number of selected measurements.

    """
    mask = np.asarray(mask, dtype=bool)
    n_r = mask.sum(axis=1)
    n = int(n_r.sum())
    if n == 0:
        return np.nan, np.nan, 0
    v = np.where(mask, values, 0.0)
    mean = v.sum() / n
    used = n_r > 0
    R = int(used.sum())
    if R < 2:
        return float(mean), np.nan, n
    mean_r = v.sum(axis=1)[used] / n_r[used]
    err = np.sqrt(R / (R - 1) * np.sum(n_r[used] ** 2 * (mean_r - mean) ** 2)) / n
    return float(mean), float(err), n


class StepFit(NamedTuple):
    """A fitted decreasing step ``p(x) = erfc((x - x0) / (sqrt(2) w)) / 2``."""

    x0: float
    x0_error: float
    width: float
    width_error: float
    deviance: float
    dof: int


#: the shapes of :func:`fit_step`: the error function (probit) and the logistic function (logit).
STEP_SHAPES = ("erfc", "logistic")


def step_probability(x: np.ndarray, x0: float, w: float, shape: str = "erfc") -> np.ndarray:
    """A probability that falls from 1 to 0 around ``x0`` with width ``w``.

    ``shape="erfc"``: ``erfc((x - x0) / (sqrt(2) w)) / 2``; ``shape="logistic"``: ``1 / (1 + exp((x - x0) / w))``.
    """
    if shape == "logistic":
        return special.expit(-(np.asarray(x, dtype=float) - x0) / w)
    if shape != "erfc":
        raise ValueError(f"shape={shape!r}; allowed: {', '.join(STEP_SHAPES)}")
    return 0.5 * special.erfc((x - x0) / (np.sqrt(2.0) * w))


def fit_step(x: np.ndarray, k: np.ndarray, n: np.ndarray, shape: str = "erfc") -> StepFit:
    """Maximum-likelihood fit of a binomial fraction ``k/n`` that falls from 1 to 0 around ``x0``.

    ``shape`` is that of :func:`step_probability`; both are symmetric about ``x0``, so a fraction whose fall is
    skewed in ``x`` gives an ``x0`` off its true half-point (a bias the caller should state; fitting in ``log x``
    changes it). The errors come from the inverse of the observed Fisher information (the Hessian of the negative
    log-likelihood, by finite differences); ``deviance`` is the binomial deviance, ~ chi^2 with ``dof`` degrees of
    freedom when the step describes the data.
    """
    if shape not in STEP_SHAPES:
        raise ValueError(f"shape={shape!r}; allowed: {', '.join(STEP_SHAPES)}")
    x, k, n = (np.asarray(a, dtype=float) for a in (x, k, n))
    keep = n > 0
    x, k, n = x[keep], k[keep], n[keep]
    if x.size < 3:
        raise ValueError("a step fit needs at least three points")
    eps = 1e-12

    def nll(theta: np.ndarray) -> float:
        x0, log_w = theta
        p = np.clip(step_probability(x, x0, np.exp(log_w), shape), eps, 1 - eps)
        return -float(np.sum(k * np.log(p) + (n - k) * np.log1p(-p)))

    frac = k / n
    x0_guess = float(np.interp(0.5, frac[::-1], x[::-1])) if frac.max() >= 0.5 >= frac.min() else float(x.mean())
    start = np.array([x0_guess, np.log(max(np.ptp(x) / 10, 1e-4))])
    res = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 4000})
    theta = res.x
    H = _hessian(nll, theta, np.array([1e-4 * max(abs(theta[0]), 1e-3), 1e-3]))
    cov = np.linalg.inv(H)
    w = float(np.exp(theta[1]))
    p = np.clip(step_probability(x, theta[0], w, shape), eps, 1 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = 2 * np.sum(
            np.where(k > 0, k * np.log(k / (n * p)), 0.0)
            + np.where(n - k > 0, (n - k) * np.log((n - k) / (n * (1 - p))), 0.0)
        )
    return StepFit(float(theta[0]), float(np.sqrt(cov[0, 0])), w, w * float(np.sqrt(cov[1, 1])), float(dev), x.size - 2)


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: np.ndarray) -> np.ndarray:
    n = x.size
    H = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * h[i], np.eye(n)[j] * h[j]
            H[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
    return H


class Extrapolation(NamedTuple):
    """``y(N) = y_inf + b N^(-nu)`` fitted by weighted least squares."""

    y_inf: float
    y_inf_error: float
    b: float
    nu: float
    nu_error: float
    chi2: float
    dof: int


def extrapolate(N: np.ndarray, y: np.ndarray, err: np.ndarray, nu: float | None = None) -> Extrapolation:
    """Extrapolate ``y(N)`` to ``N -> infinity`` as ``y_inf + b N^(-nu)``; ``nu=None`` fits the exponent too.

    Errors are the standard errors from the weighted fit with the given (absolute) errors ``err``.
    """
    N, y, err = (np.asarray(a, dtype=float) for a in (N, y, err))
    if nu is not None:
        X = np.column_stack([np.ones_like(N), N ** (-nu)])
        W = 1.0 / err**2
        cov = np.linalg.inv(X.T @ (X * W[:, None]))
        coef = cov @ (X.T @ (W * y))
        chi2 = float(np.sum(W * (y - X @ coef) ** 2))
        return Extrapolation(coef[0], float(np.sqrt(cov[0, 0])), coef[1], nu, 0.0, chi2, N.size - 2)
    if N.size < 4:
        raise ValueError("fitting the exponent needs at least four sizes")
    lin = extrapolate(N, y, err, 0.5)
    popt, pcov = optimize.curve_fit(
        lambda n, a, b, v: a + b * n ** (-v),
        N,
        y,
        p0=[lin.y_inf, lin.b, 0.5],
        sigma=err,
        absolute_sigma=True,
        maxfev=20000,
    )
    chi2 = float(np.sum(((y - (popt[0] + popt[1] * N ** (-popt[2]))) / err) ** 2))
    return Extrapolation(
        popt[0], float(np.sqrt(pcov[0, 0])), popt[1], popt[2], float(np.sqrt(pcov[2, 2])), chi2, N.size - 3
    )


def few_realizations_note(R: int, what: str = "errors") -> str:
    """A warning when ``what`` rest on too few realizations to read a deviation in s.e. as a normal z-score; else "".

    An error estimated from the spread of ``R`` realizations has ``R - 1`` degrees of freedom: (measured - theory)
    / s.e. follows Student's t with ``R - 1`` degrees of freedom, not the normal law. The note is given when the
    t law's two-sided 95 % range is more than 25 % wider than the normal one (``R <= 6``; at ``R = 2`` it is
    ±12.7 s.e., so a deviation of 10 s.e. is no evidence of anything).
    """
    from scipy import stats

    if R < 2:
        return (
            f"# warning: {what} from a single realization (no spread over realizations): deviations in s.e. are "
            "not meaningful; run more realizations"
        )
    t95, z95 = float(stats.t.ppf(0.975, R - 1)), float(stats.norm.ppf(0.975))
    if t95 <= 1.25 * z95:
        return ""
    return (
        f"# warning: {what} from R = {R} realizations ({R - 1} degree{'s' if R > 2 else ''} of freedom): a deviation "
        f"in s.e. follows Student's t, whose 95 % range is ±{t95:.1f} s.e. (normal: ±{z95:.2f}); run more "
        "realizations (R >= 7) before reading a deviation as a discrepancy"
    )
