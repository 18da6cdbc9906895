r"""Measured cloning probabilities against Biroli et al. 2024 (``diffusion.clones``).

Clones (:func:`compare_clones`)
    Per grid point and branching time, :math:`\hat\phi = k/N` with k the pairs ending in the same class pooled over
    realizations (pairs are independent), its binomial standard error :math:`\sqrt{\hat\phi(1-\hat\phi)/N}` (the
    Wilson half-width at z = 1 where :math:`\hat\phi \in \{0, 1\}`), BBBM's :math:`\phi(t)`
    (``diffusion.clone_probability``, exact for the population score at every d) and the deviation
    :math:`(\hat\phi - \phi)/\sqrt{\phi(1-\phi)/N}` (the binomial error under the theory, exact under the null);
    :math:`\chi^2 = \sum` deviation² over the branching times with its p-value; and the time at which
    :math:`\hat\phi` (linear interpolation) and the theory cross BBBM's level 0.775 (their reading of
    :math:`t_S` in Fig. 4), beside :math:`t_S = \tfrac12\log\Lambda`.

    Exact empirical score (``score = "exact"``, K training points per realization): besides the above (the deviation
    from the population :math:`\phi` is still in binomial units, which leave out the spread between training sets),
    the exact finite-K expectation of the same training sets, :math:`\phi_K = \mathbb E\sum_c W_c^2`
    (``phi_reference``: the mean over realizations of the model's Monte Carlo estimate; error: their Monte Carlo
    errors combined), the *finite-K shift* :math:`\phi_K - \phi` with the standard deviation over realizations /
    :math:`\sqrt R` as its error (training sets and Monte Carlo), the deviation of the measurement from
    :math:`\phi_K` in units of :math:`\sqrt{\sum_r N_r\phi_{K,r}(1-\phi_{K,r})/N^2 + \text{MC}^2}` (exact
    given the training sets: it isolates the sampler's error), the fraction of pairs whose clones end at the same
    training point with its reference :math:`q_K = \mathbb E\sum_\mu w_\mu^2`, and
    :math:`t_C = \tfrac12\log(1 + \sigma^2/(K^{2/d} - 1))` (``diffusion.collapse_time`` with the *component*
    variance :math:`\sigma^2`: the module docstring of :mod:`amphase.theory.diffusion.regimes` says why the
    two-Gaussian mean leaves it unchanged at large d).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from scipy import optimize, stats

from amphase.analysis.compare import Comparison
from amphase.analysis.diffusion.regime_points import coord, grid_dims, grid_points, param, pm, point_values
from amphase.analysis.statistics import few_realizations_note, wilson_interval
from amphase.dataset import fixed_param
from amphase.errors import ParameterError
from amphase.theory.diffusion import regimes

__all__ = ["COMPARISON", "SPECIATION_LEVEL", "compare_clones", "plot_clones", "table_clones"]

#: BBBM's level of the cloning probability at t_S (their Fig. 2 and 4; 0.7753 for d -> infinity).
SPECIATION_LEVEL = 0.775


def _crossing(t: np.ndarray, phi: np.ndarray, level: float) -> float:
    """Smallest-to-largest scan: first interval where phi (decreasing in t) falls through ``level``; NaN if never."""
    for i in range(t.size - 1):
        if phi[i] >= level > phi[i + 1]:
            return float(t[i] + (phi[i] - level) * (t[i + 1] - t[i]) / (phi[i] - phi[i + 1]))
    return math.nan


def _exact(ds: xr.Dataset, val: dict[str, Any]) -> bool:
    """Whether a grid point ran with the exact empirical score (datasets from before the choice: population)."""
    return str(val.get("score", fixed_param(ds, "score", "population"))) == "exact"


def compare_clones(ds: xr.Dataset) -> xr.Dataset:
    """The measured cloning probability against BBBM's phi(t) (module docstring)."""
    if "n_same" not in ds or "n_pairs" not in ds:
        raise ParameterError("the dataset lacks n_same / n_pairs that a diffusion.clones comparison needs")
    dims = grid_dims(ds, "n_same", ("t_ratio",))
    points = grid_points(ds, dims)
    ratio = ds["t_ratio"].values
    T = ratio.size
    keys = ("phi", "phi_error", "phi_theory", "deviation", "t", "pairs", "phi_reference", "phi_reference_error",
            "finite_K_shift", "finite_K_shift_error", "deviation_reference", "same_point", "same_point_error",
            "same_point_reference", "same_point_reference_error")  # fmt: skip
    cols = {k: np.full((len(points), T), np.nan) for k in keys}
    summ = {k: np.full(len(points), np.nan) for k in ("t_S", "chi2", "dof", "p_value", "t_cross", "t_cross_theory",
                                                      "sign_error_bound", "t_C", "K_train")}  # fmt: skip
    exact_pt = np.zeros(len(points), dtype=bool)
    coords: dict[str, list[Any]] = {d: [] for d in dims}
    for i, isel in enumerate(points):
        val = point_values(ds, isel)
        for d in dims:
            coords[d].append(val[d])
        d_, m, sigma = int(param(ds, "d", val)), float(param(ds, "m", val)), float(param(ds, "sigma", val))
        sub = ds.isel(isel)
        same = sub["n_same"].where(sub["n_same"] >= 0)
        k = same.sum("realization").values
        N = (sub["n_pairs"].where(sub["n_pairs"] >= 0) * (same >= 0)).sum("realization").values.astype(float)
        t = np.nanmean(sub["t_branch"].transpose("realization", "t_ratio").values, axis=0)
        phi = k / N
        lo, hi = wilson_interval(k, N)
        err = np.sqrt(phi * (1 - phi) / N)
        err = np.where((k == 0) | (k == N), (hi - lo) / 2, err)
        th = np.array([regimes.clone_probability(float(tt), d_, m, sigma).phi for tt in t])
        dev = (phi - th) / np.sqrt(th * (1 - th) / N)
        cols["phi"][i], cols["phi_error"][i], cols["phi_theory"][i] = phi, err, th
        cols["deviation"][i], cols["t"][i], cols["pairs"][i] = dev, t, N
        ok = np.isfinite(dev)
        summ["chi2"][i] = float(np.sum(dev[ok] ** 2))
        summ["dof"][i] = float(ok.sum())
        summ["p_value"][i] = float(stats.chi2.sf(summ["chi2"][i], ok.sum())) if ok.any() else math.nan
        t_s = 0.5 * math.log(m * m * d_ + sigma * sigma)
        summ["t_S"][i] = t_s
        summ["t_cross"][i] = _crossing(t, phi, SPECIATION_LEVEL)

        def f(tt: float, d_: int = d_, m: float = m, sigma: float = sigma) -> float:
            return regimes.clone_probability(tt, d_, m, sigma).phi - SPECIATION_LEVEL

        summ["t_cross_theory"][i] = float(optimize.brentq(f, 1e-6, 50.0)) if f(1e-6) > 0 > f(50.0) else math.nan
        summ["sign_error_bound"][i] = float(np.nanmax(sub["sign_error_bound"].values))
        if _exact(ds, val) and "phi_reference" in sub:
            exact_pt[i] = True
            K = int(param(ds, "K", val))
            summ["K_train"][i], summ["t_C"][i] = K, regimes.collapse_time(K, d_, sigma)
            _reference_columns(sub, cols, i, N)
    res = xr.Dataset(coords={"point": np.arange(len(points)), "t_ratio": ratio})
    for d in dims:
        res[d] = ("point", np.asarray(coords[d]))
    for kk, v in cols.items():
        res[kk] = (("point", "t_ratio"), v)
    for kk, v in summ.items():
        res[kk] = ("point", v)
    res["exact_score"] = ("point", exact_pt)
    res.attrs.update(grid_dims=",".join(dims), realizations=int(ds.sizes["realization"]),
                     level=SPECIATION_LEVEL, source_title=ds.attrs.get("title", ""))  # fmt: skip
    for name in ("d", "m", "sigma", "start", "steps", "score", "K"):
        if name not in dims:
            res.attrs[name] = fixed_param(ds, name, None)
    return res


def _reference_columns(sub: xr.Dataset, cols: dict[str, np.ndarray], i: int, N: np.ndarray) -> None:
    """The finite-K columns of one exact-score grid point (module docstring)."""
    R = int(sub.sizes["realization"])
    by_r = ("realization", "t_ratio")
    ref = sub["phi_reference"].transpose(*by_r).values
    ref_err = sub["phi_reference_error"].transpose(*by_r).values
    q = sub["same_point_reference"].transpose(*by_r).values
    q_err = sub["same_point_reference_error"].transpose(*by_r).values
    pairs = np.broadcast_to(sub["n_pairs"].values.astype(float)[:, None], ref.shape)
    th = cols["phi_theory"][i]
    cols["phi_reference"][i] = ref.mean(0)
    cols["phi_reference_error"][i] = np.sqrt(np.sum(ref_err**2, 0)) / R
    shift = ref - th
    cols["finite_K_shift"][i] = shift.mean(0)
    cols["finite_K_shift_error"][i] = shift.std(0, ddof=1) / math.sqrt(R) if R >= 2 else cols["phi_reference_error"][i]
    # pairs of realization r are Bernoulli(phi_K,r) given its training set: weight each by its pairs
    ref_pooled = np.sum(pairs * ref, 0) / N
    var = np.sum(pairs * ref * (1 - ref), 0) / N**2 + cols["phi_reference_error"][i] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["deviation_reference"][i] = np.where(var > 0, (cols["phi"][i] - ref_pooled) / np.sqrt(var), np.nan)
    sp = sub["n_same_point"].where(sub["n_same_point"] >= 0).sum("realization").values
    cols["same_point"][i] = sp / N
    lo, hi = wilson_interval(sp, N)
    cols["same_point_error"][i] = np.where((sp == 0) | (sp == N), (hi - lo) / 2, np.sqrt(sp / N * (1 - sp / N) / N))
    cols["same_point_reference"][i] = q.mean(0)
    cols["same_point_reference_error"][i] = np.sqrt(np.sum(q_err**2, 0)) / R


def _label(res: xr.Dataset, i: int, names: tuple[str, ...]) -> str:
    exact = bool(res["exact_score"].values[i])
    return ", ".join(f"{n} = {coord(res, n, i)}" for n in names if exact or n != "K")


def table_clones(res: xr.Dataset) -> str:
    """The cloning comparison as text: a block per grid point, a line per branching time."""
    a = res.attrs
    lines = [
        "# cloning probability phi(t): two clones branched at t end in the same class (sign of the projection on m)",
        f"# measured ± binomial s.e. (pairs pooled over {a['realizations']} realizations); theory: "
        "diffusion.clone_probability (exact for the population score); dev = (measured - theory)/sqrt(phi(1-phi)/N)",
    ]
    if res["exact_score"].values.any():
        lines.append(
            "# exact score of K points: phi_K = E sum_c W_c^2 of the same training sets (exact for an error-free "
            "sampler); shift = phi_K - theory ± s.d. over realizations/sqrt(R); dev_K = (measured - phi_K)/binomial "
            "s.e. given the training sets; same pt: clones end at the same training point, measured and q_K = "
            "E sum_mu w_mu^2; t_C = diffusion.collapse_time(K, d, sigma)"
        )
    names = ("d", "m", "sigma", "start", "steps", "score", "K")
    for i in range(res.sizes["point"]):
        r = res.isel(point=i)
        exact = bool(r.exact_score)
        tc = f", t_C = {float(r.t_C):.4f}" if exact else ""
        lines.append(
            f"## {_label(res, i, names)}: t_S = {float(r.t_S):.4f}{tc}, {int(np.nanmax(r.pairs.values))} pairs per "
            f"time, sign-error bound {float(r.sign_error_bound):.1e}"
        )
        head = f"{'t/t_S':>6} {'t':>7} {'measured':>15} {'theory':>7} {'dev':>6}"
        if exact:
            head += f" {'t/t_C':>6} {'phi_K':>15} {'shift':>16} {'dev_K':>6} {'same pt':>15} {'q_K':>15}"
        lines.append(head)
        for j in range(res.sizes["t_ratio"]):
            line = (
                f"{float(res.t_ratio[j]):>6.3f} {float(r.t[j]):>7.4f} "
                f"{pm(float(r.phi[j]), float(r.phi_error[j]), 4):>15} {float(r.phi_theory[j]):>7.4f} "
                f"{float(r.deviation[j]):>6.2f}"
            )
            if exact:
                line += (
                    f" {float(r.t[j]) / float(r.t_C):>6.2f}"
                    f" {pm(float(r.phi_reference[j]), float(r.phi_reference_error[j]), 4):>15}"
                    f" {pm(float(r.finite_K_shift[j]), float(r.finite_K_shift_error[j]), 4):>16}"
                    f" {float(r.deviation_reference[j]):>6.2f}"
                    f" {pm(float(r.same_point[j]), float(r.same_point_error[j]), 4):>15}"
                    f" {pm(float(r.same_point_reference[j]), float(r.same_point_reference_error[j]), 4):>15}"
                )
            lines.append(line)
        lines.append(
            f"# chi2 = {float(r.chi2):.2f} / {int(r.dof)} times, p = {float(r.p_value):.3f}; phi falls to "
            f"{a['level']} at t = {float(r.t_cross):.3f} (measured, interpolated) vs {float(r.t_cross_theory):.3f} "
            f"(theory at this d), t_S = {float(r.t_S):.3f}"
        )
        if exact:
            dn = r.deviation_reference.values
            ok = np.isfinite(dn)
            chi2 = float(np.sum(dn[ok] ** 2))
            lines.append(
                f"# against phi_K: chi2 = {chi2:.2f} / {int(ok.sum())} times, p = "
                f"{float(stats.chi2.sf(chi2, ok.sum())) if ok.any() else math.nan:.3f}"
            )
    note = few_realizations_note(int(a["realizations"]), "the shift errors (s.d. over realizations)")
    return "\n".join([*lines, note] if note and res["exact_score"].values.any() else lines)


def plot_clones(res: xr.Dataset, title: str = "") -> Any:
    """Plot phi against t/t_S with binomial error bars and the theory curve, one colour per grid point.

    With exact-score points: their finite-K references phi_K (open squares) and t_C / t_S (dotted, one colour per
    point), and a second panel with the fraction of clone pairs ending at the same training point against q_K.
    """
    from amphase.analysis.figures import new_figure

    exact = res["exact_score"].values
    fig = new_figure(12 if exact.any() else 7, 4.8)
    axes = fig.subplots(1, 2) if exact.any() else [fig.subplots()]
    ax = axes[0]
    drawn: list[tuple[int, float, float]] = []
    names = tuple(n for n in res.attrs["grid_dims"].split(",") if n)
    for i in range(res.sizes["point"]):
        r = res.isel(point=i)
        d_, m, sigma = int(coord(res, "d", i)), float(coord(res, "m", i)), float(coord(res, "sigma", i))
        t_s = float(r.t_S)
        label = _label(res, i, names) if names else f"d = {d_}"
        x = r.t.values / t_s
        ax.errorbar(x, r.phi.values, yerr=r.phi_error.values, fmt="o", capsize=2, color=f"C{i}", label=label,
                    ms=4)  # fmt: skip
        if exact[i]:
            ax.errorbar(x, r.phi_reference.values, yerr=r.phi_reference_error.values, fmt="s", mfc="none",
                        color=f"C{i}", ms=6, capsize=0)  # fmt: skip
            for a_ in axes:
                a_.axvline(float(r.t_C) / t_s, color=f"C{i}", ls=":", lw=1)
            axes[1].errorbar(x, r.same_point.values, yerr=r.same_point_error.values, fmt="o", capsize=2,
                             color=f"C{i}", ms=4, label=label)  # fmt: skip
            axes[1].plot(x, r.same_point_reference.values, "s", mfc="none", color=f"C{i}", ms=6)
        if (d_, m, sigma) not in drawn:
            tt = np.linspace(0.02, float(np.nanmax(r.t.values)) * 1.05, 200)
            phi = [regimes.clone_probability(x, d_, m, sigma).phi for x in tt]
            ax.plot(tt / t_s, phi, color="k", lw=0.8, ls=("-", "--", "-.", ":")[len(drawn) % 4],
                    label=f"theory d = {d_}, m = {m}, σ = {sigma}")  # fmt: skip
            drawn.append((d_, m, sigma))
    ax.axvline(1.0, color="k", ls=":", lw=1, label="t_S = ½ log Λ")
    ax.axhline(SPECIATION_LEVEL, color="grey", ls="--", lw=1, label=f"φ = {SPECIATION_LEVEL}")
    ax.set(xlabel="branching time / t_S", ylabel="φ(t): clones end in the same class", ylim=(0.45, 1.02))
    ax.legend(fontsize=7)
    if exact.any():
        ax.set_title("dots: measured; squares: exact φ_K of the training sets; dotted: t_C(K)", fontsize=8)
        axes[1].set(xlabel="branching time / t_S", ylabel="clones end at the same training point", ylim=(-0.02, 1.02),
                    title="collapse: measured (dots) and q_K = E Σ w_μ² (squares)")  # fmt: skip
        axes[1].legend(fontsize=7)
    fig.suptitle(title or res.attrs.get("source_title", ""), fontsize=9)
    return fig


#: what ``amphase compare`` runs on a dataset of ``diffusion.clones``.
COMPARISON = Comparison(compare=compare_clones, table=table_clones, plot=plot_clones, coords=True)
