"""Hopfield simulations against the replica-symmetric theory, at the same coordinates.

:func:`compare` takes a dataset written by ``amphase run`` for the Hopfield family and returns one comparison
dataset with:

* ``m_measured`` / ``m_theory``: the overlap of retrieval end states with their pattern against the replica-symmetric
  overlap m(alpha, T) (Amit, Gutfreund & Sompolinsky, Ann. Phys. 173, 30 (1987)) at the simulated load ``K/N``;
  the error is the cluster-robust standard error over realizations, and never below ``2/(N n)``, the resolution of
  one flipped spin among the ``n`` end states;
* ``e_measured`` / ``e_theory``: the same for the energy per spin (one flip in a retrieval state changes it by
  ``2 |h_i| / N``, about ``2/N``: the same floor);
* ``fraction`` (with Wilson bounds) of each end-state class (:mod:`amphase.analysis.classify`);
* ``alpha_half``: per size N, the load at which the retrieval probability from the cues falls through 1/2, from a
  maximum-likelihood fit of an error-function step to the binomial counts, and its extrapolation to N -> infinity
  (``alpha_c_fss``), with the exponent of the finite-size shift fitted (at least four sizes) and fixed to 1/2;
* ``mixture_*``: symmetric k-mixture end states, overlaps and energies against the AGS mixture solutions at the
  same load.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis import tables
from amphase.analysis.capacity import critical_load
from amphase.analysis.classify import STATES, classify, state_fractions
from amphase.analysis.compare import Comparison
from amphase.analysis.statistics import clustered_mean, few_realizations_note, trial_mean
from amphase.analysis.tables import fmt
from amphase.analysis.theory_grid import on_axes
from amphase.dataset import param_dims
from amphase.errors import ParameterError

__all__ = ["COMPARISON", "compare", "table"]

#: variables a dataset must hold for this comparison.
REQUIRED = ("top_overlap", "energy", "status", "K")

_TRIAL = ("realization", "trial")


def _on_grid(
    name: str, alpha: xr.DataArray, T: xr.DataArray, where: xr.DataArray | None = None, **fixed: Any
) -> xr.Dataset:
    """The quantity at each point's load and temperature, from one grid over their distinct values (``on_axes``).

    Only the points of ``where`` are evaluated: NaN elsewhere, and where the state does not exist.
    """
    a, t = xr.broadcast(alpha, T)
    at = np.ones(a.shape, dtype=bool) if where is None else where.broadcast_like(a).transpose(*a.dims).values
    values = {"alpha": np.unique(a.values[at]), "T": np.unique(t.values[at])}
    g, _ = on_axes(name, values, **fixed)
    index = (np.searchsorted(values["alpha"], a.values[at]), np.searchsorted(values["T"], t.values[at]))
    out = {r: np.full(a.shape, np.nan) for r in g.data_vars}
    for r, v in out.items():
        v[at] = g[r].values[index]
    return xr.Dataset({r: (a.dims, v) for r, v in out.items()}, coords=a.coords)


ERROR_KIND = (
    "standard errors clustered by realization where two or more realizations contribute; else the standard error "
    "over the trials of the one realization, which share its patterns (an underestimate); NaN for a single end state"
)


def _point_mean(values: np.ndarray, mask: np.ndarray) -> tuple[float, float, int]:
    """Mean and error of ``values[mask]`` (realization, trial): clustered, or over trials where it is undefined."""
    m, err, n = clustered_mean(values, mask)
    if n and np.isnan(err):
        return trial_mean(values, mask)
    return m, err, n


def _mean(values: xr.DataArray, mask: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """:func:`_point_mean` at every grid point: mean, error and count over (realization, trial)."""
    return xr.apply_ufunc(
        _point_mean,
        values,
        mask,
        input_core_dims=[list(_TRIAL), list(_TRIAL)],
        output_core_dims=[[], [], []],
        vectorize=True,
        output_dtypes=[float, float, float],
        keep_attrs=False,
    )


def _load(c: xr.Dataset, grid: list[str]) -> xr.DataArray:
    """The simulated load ``K/N`` at every grid point (``K``: the largest over the realizations)."""
    K = c["K"].max([d for d in c["K"].dims if d not in grid])
    return (K / c["N"]).broadcast_like(c["state"].isel({d: 0 for d in _TRIAL}, drop=True)).transpose(*grid)


def _retrieval(c: xr.Dataset) -> xr.Dataset:
    """Retrieval overlap and energy, measured and predicted, over (N, alpha, T, cue)."""
    grid = [d for d in c["state"].dims if d not in _TRIAL]
    mask = c["state"] == STATES.index("retrieval")
    m, m_err, n = _mean(np.abs(c["top_overlap"].isel(rank=0)), mask)
    e, e_err, _ = _mean(c["energy"], mask)
    with np.errstate(divide="ignore"):
        floor = (2.0 / (c["N"] * n)).where(n > 0)  # one flipped spin among the n end states (module docstring)
    alpha_sim = _load(c, grid)
    T = c["T"].broadcast_like(alpha_sim)
    th = _on_grid("hopfield.overlap", alpha_sim, T)
    m_th = th["m"].where(~(th["m"] < 0.5))  # the paramagnetic branch is not a retrieval state
    e_th = th["free_energy"].where((T == 0) & m_th.notnull())
    floored = {k: np.maximum(err, floor) for k, err in (("m", m_err), ("e", e_err))}  # NaN stays NaN (n = 0)
    values = {
        "m_measured": m,
        "m_error": floored["m"],
        "m_theory": m_th,
        "e_measured": e,
        "e_error": floored["e"],
        "e_theory": e_th,
        "n_retrieval": n,
        "alpha_sim": alpha_sim,
    }
    attrs = {
        "m_measured": {"long_name": "mean |overlap| of retrieval end states"},
        "m_error": {"long_name": "standard error of m_measured (see the error_kind attribute)"},
        "m_theory": {"long_name": "replica-symmetric retrieval overlap at alpha = K/N (AGS 1987)"},
        "e_measured": {"long_name": "mean energy per spin of retrieval end states"},
        "e_error": {"long_name": "standard error of e_measured"},
        "e_theory": {"long_name": "replica-symmetric retrieval energy per spin (T = 0)"},
        "n_retrieval": {"long_name": "retrieval end states"},
        "alpha_sim": {"long_name": "simulated load K/N"},
    }
    res = xr.Dataset(
        {k: (grid, v.transpose(*grid).values.astype(float), attrs[k]) for k, v in values.items()},
        coords={d: c[d] for d in grid},
    )
    res.attrs["error_kind"] = ERROR_KIND
    res["m_deviation"] = ((res.m_measured - res.m_theory) / res.m_error).assign_attrs(
        long_name="(measured - theory) / error"
    )
    res["e_deviation"] = ((res.e_measured - res.e_theory) / res.e_error).assign_attrs(
        long_name="(measured - theory) / error"
    )
    return res


def _capacity(fractions: xr.Dataset) -> xr.Dataset:
    """Per N (and T, cue): the fitted half-retrieval load; and its extrapolation to N -> infinity."""
    res = critical_load(fractions["count"].sel(state="retrieval", drop=True), fractions["total"], "alpha", "N")
    return res.rename({"alpha_width": "retrieval_width"}) if "alpha_width" in res else res


def _mixtures(c: xr.Dataset) -> xr.Dataset:
    """Symmetric k-mixture end states (k = 3, 5, 7) against the AGS mixture solutions at the same load."""
    grid = [d for d in c["state"].dims if d not in _TRIAL]
    ks = [3, 5, 7]
    alpha_sim = _load(c, grid)
    T = c["T"].broadcast_like(alpha_sim)
    sym = c["state"] == STATES.index("symmetric_mixture")
    columns: dict[str, list[xr.DataArray]] = {}
    for kmix in ks:
        mask = sym & (c["n_macro"] == kmix)
        found = mask.any(_TRIAL).transpose(*grid)
        m, m_err, n = _mean(np.abs(c["top_overlap"].isel(rank=slice(0, kmix))).mean("rank"), mask)
        e, e_err, _ = _mean(c["energy"], mask)
        th = _on_grid("hopfield.mixture", alpha_sim, T, where=found & (T == 0), n=kmix)  # T = 0, where found
        for name, v in (
            ("mixture_m", m),
            ("mixture_m_error", m_err),
            ("mixture_m_theory", th["overlap"]),
            ("mixture_e", e),
            ("mixture_e_error", e_err),
            ("mixture_e_theory", th["energy"]),
            ("mixture_n", n),
        ):
            columns.setdefault(name, []).append(v.transpose(*grid).where(found).astype(float))
    dims = [*grid, "k"]
    coords = {**{d: c[d] for d in grid}, "k": ("k", ks)}
    res = xr.Dataset({name: (dims, np.stack([v.values for v in vs], axis=-1)) for name, vs in columns.items()}, coords)
    res["mixture_m_theory"].attrs["long_name"] = "AGS symmetric-mixture overlap at alpha = K/N (NaN: no solution)"
    res["mixture_m"].attrs["long_name"] = "mean |overlap| of symmetric k-mixture end states with their k patterns"
    return res


def compare(ds: xr.Dataset, **thresholds: float) -> xr.Dataset:
    """Compare a Hopfield simulation dataset with the theory (see the module docstring)."""
    missing = [v for v in REQUIRED if v not in ds]
    if missing:
        raise ParameterError(f"the dataset lacks the variable {missing[0]} that a Hopfield comparison needs")
    ds = param_dims(ds, ("N", "alpha", "T", "cue"))
    c = classify(ds, **thresholds)
    fractions = state_fractions(c)
    retrieval = _retrieval(c)
    res = xr.merge(
        [retrieval, fractions, _capacity(fractions), _mixtures(c)], compat="override", combine_attrs="override"
    )
    res.attrs = {**fractions.attrs, "error_kind": ERROR_KIND}
    from amphase import theory

    alpha_c = theory.get("hopfield.alpha_c").grid(T=res["T"].values.astype(float))["alpha_c"].values  # NaN: none
    res["alpha_c_theory"] = ("T", alpha_c, {"long_name": "replica-symmetric critical load at T (AGS 1987)"})
    res.attrs["source_title"] = ds.attrs.get("title", "")
    res.attrs["realizations"] = int(ds.sizes.get("realization", 1))
    return res


def table(res: xr.Dataset, max_rows: int = 80) -> str:
    """The comparison as text: theory, measured, error, deviation in standard errors."""
    lines = []
    fixed = tables.fixed(res, ("cue", "T", "N"))
    if fixed:
        lines.append(f"# {', '.join(fixed)}")
    cols = ["m_theory", "m_measured", "m_error", "m_deviation", "e_theory", "e_measured", "e_error", "n_retrieval"]
    rows = res[cols].to_dataframe().dropna(subset=["m_measured"])
    if len(rows):
        labels = tables.labels(rows, res)
        w = max(len(x) for x in labels)
        lines.append("# retrieval end states: replica-symmetric theory vs measured (error = 1 s.e.; dev in s.e.)")
        head = ("m theory", "measured", "error", "dev", "e theory", "measured", "error", "n")
        lines.append(f"{'':>{w}} " + " ".join(f"{h:>9}" for h in head))
        for label, (_, r) in list(zip(labels, rows.iterrows(), strict=True))[:max_rows]:
            lines.append(
                f"{label:>{w}} {fmt(r.m_theory, 5, 9)} {fmt(r.m_measured, 5, 9)} {fmt(r.m_error, 5, 9)} "
                f"{fmt(r.m_deviation, 1, 9)} {fmt(r.e_theory, 5, 9)} {fmt(r.e_measured, 5, 9)} {fmt(r.e_error, 5, 9)} "
                f"{int(r.n_retrieval):>9}"
            )
        if len(rows) > max_rows:
            lines.append(f"# ... {len(rows) - max_rows} more rows in the comparison dataset (--out)")
    if "alpha_half" in res:
        lines.append("")
        lines.append("# half-retrieval load alpha_1/2(N) (erfc fit to the retrieval counts)")
        ah = res[["alpha_half", "alpha_half_error", "retrieval_width"]].to_dataframe().dropna()
        if not len(ah):
            lines.append("# none resolved: it needs a crossing of 1/2 with two simulated loads inside the step")
        labels = tables.labels(ah, res)
        w = max(map(len, labels), default=0)
        labels = [x or "all" for x in labels]
        w = max(w, 3)
        for label, (_, r) in zip(labels, ah.iterrows(), strict=True):
            lines.append(
                f"{label:>{w}}  alpha_1/2 = {r.alpha_half:.4f} ± {r.alpha_half_error:.4f}  "
                f"width {r.retrieval_width:.4f}"
            )
    if "alpha_c_fss_nu05" in res:
        fss = res[[v for v in res.data_vars if v.startswith(("alpha_c_fss", "fss_"))]].to_dataframe().dropna(how="all")
        for label, (key, r) in zip(tables.labels(fss, res), fss.iterrows(), strict=True):
            T = dict(zip(fss.index.names, key if isinstance(key, tuple) else (key,), strict=True)).get("T")
            rs = float(res["alpha_c_theory"].sel(T=T) if T is not None else res["alpha_c_theory"][0])
            for sfx, shift in (("", "nu fitted"), ("_nu05", "nu = 1/2")):
                a, e = r[f"alpha_c_fss{sfx}"], r[f"alpha_c_fss_error{sfx}"]
                if not np.isfinite(a):
                    continue
                nu = f"{r[f'fss_nu{sfx}']:.2f} ± {r[f'fss_nu_error{sfx}']:.2f}" if not sfx else "1/2"
                lines.append(
                    f"alpha_c(N -> inf) [{label + '; ' if label else ''}{shift}]: {a:.4f} ± {e:.4f}, nu = {nu}, "
                    f"chi2/dof = {r[f'fss_chi2{sfx}']:.1f}/{int(r[f'fss_dof{sfx}'])}; RS theory {rs:.4f} "
                    f"({(a - rs) / e:+.1f} s.e.)"
                )
    mix = res[
        [
            "mixture_m_theory",
            "mixture_m",
            "mixture_m_error",
            "mixture_e_theory",
            "mixture_e",
            "mixture_e_error",
            "mixture_n",
        ]
    ]
    mix = mix.to_dataframe().dropna(subset=["mixture_m"])
    if len(mix):
        lines.append("")
        lines.append("# symmetric k-mixture end states: AGS theory vs measured (overlap, energy per spin; dev in s.e.)")
        labels = tables.labels(mix, res)
        w = max(map(len, labels))
        for label, (_, r) in list(zip(labels, mix.iterrows(), strict=True))[:max_rows]:
            dev_m = (r.mixture_m - r.mixture_m_theory) / r.mixture_m_error
            dev_e = (r.mixture_e - r.mixture_e_theory) / r.mixture_e_error
            lines.append(
                f"{label:>{w}}  m {fmt(r.mixture_m_theory, 4, 7)} vs {fmt(r.mixture_m, 4, 7)} ± "
                f"{fmt(r.mixture_m_error, 4, 6)} ({fmt(dev_m, 1, 4)})"
                f"   e {fmt(r.mixture_e_theory, 4, 7)} vs {fmt(r.mixture_e, 4, 7)} ± {fmt(r.mixture_e_error, 4, 6)}"
                f" ({fmt(dev_e, 1, 4)})   n={int(r.mixture_n)}"
            )
    lines.append("")
    lines.append(
        f"# end-state fractions (m_retrieval={res.attrs['m_retrieval']}, theta={res.attrs['theta']}, "
        f"delta={res.attrs['delta']})"
    )
    single = [d for d in res["fraction"].dims if d != "state" and res.sizes[d] == 1]
    frac = res["fraction"].squeeze(single, drop=True)
    if frac.ndim > 1:
        fr = frac.to_series().unstack("state")
    else:  # a one-point grid: one row
        fr = frac.to_series().to_frame("all").T
    fr = fr[[s for s in STATES if s in fr.columns]]
    if "unreliable" in res and int(res["unreliable"].sum()) > 0:
        u = res["unreliable"].squeeze(single, drop=True)
        fr["unreliable"] = u.to_series().reindex(fr.index).to_numpy() if u.ndim else [int(u)]
    lines.append(fr.head(max_rows).to_string(float_format=lambda v: f"{v:.3f}"))
    if "unreliable" in fr:
        lines.append(
            "# unreliable: end states whose macroscopic-overlap floor theta does not stand out of the noise of a "
            "random state and whose noise could not be measured; their classes are uncertain"
        )
    if len(fr) > max_rows:
        lines.append(f"# ... {len(fr) - max_rows} more rows in the comparison dataset")
    lines.append(f"# errors: {res.attrs.get('error_kind', ERROR_KIND)}")
    note = few_realizations_note(int(res.attrs.get("realizations", 0)), "the clustered errors (and dev)")
    if note and int(res.attrs.get("realizations", 0)) >= 2:  # one realization: ERROR_KIND says it already
        lines.append(note)
    return "\n".join(lines)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """The comparison figure (:func:`amphase.analysis.hopfield.figures.plot_comparison`)."""
    from amphase.analysis.hopfield.figures import plot_comparison

    return plot_comparison(res, title)


#: what ``amphase compare`` runs on a dataset of the Hopfield model.
COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
