"""Binary DenseAM simulations (``dense.binary``) against the signal-to-noise theory, at the same coordinates.

:func:`compare` takes a dataset written by ``amphase run`` for ``dense.binary`` and returns one comparison dataset:

* ``stable_fraction`` (with Wilson bounds, :func:`amphase.analysis.statistics.wilson_interval`): the fraction of the
  cued stored patterns that are one-step stable (no single flip lowers the energy; engine variable
  ``unstable_bits == 0``), per grid point;
* ``retrieved_fraction`` (Wilson bounds): the fraction of cues whose end state has overlap ``>= m_retrieval`` with
  the cued pattern;
* ``fraction`` of each end-state class (:func:`amphase.analysis.classify.classify`, :func:`state_fractions`);
* per size ``N``, the load where the stable and the retrieved fractions fall through 1/2, from the binomial
  error-function fit of :func:`amphase.analysis.capacity.critical_load` (``{load}_stable_half``,
  ``{load}_retrieved_half`` with ``load`` the dataset's load dimension, ``alpha = K/N^(n-1)`` or ``K``), and their
  power-law extrapolation ``N -> infinity`` where enough sizes were simulated (in the dataset, not in the table: the
  stability load ``K/N^(n-1)`` of the polynomial model vanishes as ``1/ln N``, which no ``a + b N^-nu`` describes);
* ``{load}_theory``: the signal-to-noise capacity ``K_typical`` (a typical pattern is a fixed point) of the theory
  quantity ``dense.poly_capacity`` (``amphase.theory.dense``) at the same ``N``, ``n`` and cue noise, in the
  dataset's load unit, for the polynomial energy; NaN with the attribute ``theory_status`` saying why where the
  theory is not available (not registered, another ``F``);
* ``stable_finite``: the finite-N probability that a stored pattern is one-step stable, ``P_stable`` of
  ``dense.poly_stability`` (:mod:`amphase.theory.dense.finite_size`) at every grid point (its ``K``), with per ``N``
  ``stable_chi2`` (Pearson, the binomial counts against it; ``stable_dof`` points), ``{load}_half_finite`` (where it
  is 1/2) and ``{load}_half_finite_fit`` (the same erfc fit as the measurement, applied to the expected counts: the
  prediction read the way the measurement is read; the erfc shape is only approximate, so the fit of the exact
  curve lies up to 7 % above its true half-point at these sizes). The stability of the stored pattern does not
  depend on the cue noise, so the prediction holds at every noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis import tables
from amphase.analysis.capacity import critical_load
from amphase.analysis.classify import STATES, classify, state_fractions
from amphase.analysis.compare import Comparison
from amphase.analysis.statistics import wilson_interval
from amphase.analysis.tables import fmt
from amphase.analysis.theory_grid import on_axes
from amphase.dataset import fixed_param, param_dims
from amphase.errors import NoSolutionError, ParameterError

__all__ = ["COMPARISON", "compare", "plot", "table"]

#: variables a dataset must hold for this comparison.
REQUIRED = ("top_overlap", "m_cue", "unstable_bits", "status", "K")

_TRIAL = ("realization", "trial")

#: the quantity that predicts the capacity of the polynomial model.
THEORY = "dense.poly_capacity"


def load_dim(ds: xr.Dataset) -> str:
    """The dataset's load dimension: ``alpha`` (``K/N^(n-1)``) or ``K``; ``alpha`` when neither is a grid dim."""
    for name in ("alpha", "K"):
        if name in ds.dims:
            return name
    return "K" if int(fixed_param(ds, "K", 0) or 0) else "alpha"


def _counts(ok: xr.DataArray, valid: xr.DataArray, name: str, what: str) -> xr.Dataset:
    """Counts, fraction and 1-sigma Wilson bounds of ``ok`` among ``valid`` over realizations and trials."""
    k = (ok & valid).sum(_TRIAL)
    n = valid.sum(_TRIAL)
    lo, hi = wilson_interval(k.values, n.values)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = k / n
    return xr.Dataset(
        {
            f"{name}_count": k.assign_attrs(long_name=f"{what} (count)"),
            f"{name}_total": n.assign_attrs(long_name="trials counted"),
            f"{name}_fraction": frac.assign_attrs(long_name=f"fraction {what}"),
            f"{name}_lo": (k.dims, lo, {"long_name": "lower Wilson bound (1 sigma)"}),
            f"{name}_hi": (k.dims, hi, {"long_name": "upper Wilson bound (1 sigma)"}),
        }
    )


def _theory(res: xr.Dataset, load: str) -> xr.Dataset:
    """``K_typical`` (or ``alpha_typical``) of :data:`THEORY` over (N, n, F, noise), NaN where it is not available.

    One :meth:`Quantity.grid <amphase.theory.registry.Quantity.grid>` over the values of N, n and the cue noise that
    lie in the quantity's domain; a value outside it, and an energy other than the polynomial one, give NaN and
    the reason (``theory_status``).
    """
    dims = [d for d in ("N", "n", "F", "noise") if d in res.dims]
    polynomial = res["F"].values == "polynomial"
    value = np.full((res.sizes["N"], res.sizes["n"], res.sizes["noise"]), np.nan)  # (N, n, noise)
    reasons: set[str] = set()
    if polynomial.any():
        axes = {"N": res["N"].values, "n": res["n"].values, "noise": res["noise"].values}
        g, reasons = on_axes(THEORY, axes)
        value = g["alpha_typical" if load == "alpha" else "K_typical"].values
    reasons |= {f"no signal-to-noise capacity for F={F} in this comparison" for F in res["F"].values[~polynomial]}
    full = np.where(polynomial[None, None, :, None], value[:, :, None, :], np.nan)  # (N, n, F, noise)
    out = xr.DataArray(full, dims=("N", "n", "F", "noise")).transpose(*dims).values
    status = "; ".join(sorted(reasons)) or "ok"
    attrs = {
        "long_name": f"signal-to-noise capacity K_typical in units of {load} ({THEORY}, a typical pattern stable)",
        "theory_status": status,
    }
    return xr.Dataset({f"{load}_theory": (dims, out, attrs)}, coords={d: res[d] for d in dims})


def _finite(res: xr.Dataset, load: str) -> xr.Dataset:
    """The finite-N stability prediction at the grid points of a polynomial dataset (module docstring)."""
    from amphase.analysis.statistics import fit_step
    from amphase.theory.dense import finite_size

    single = {d: 0 for d in ("F", "T", "cue", "noise") if d in res.dims}
    r = res.isel(single)
    if str(r["F"].values) != "polynomial":
        return xr.Dataset()
    dims = ["N", "n", load]
    P = np.full(tuple(r.sizes[d] for d in dims), np.nan)
    per_n = {v: np.full((r.sizes["N"], r.sizes["n"]), np.nan) for v in ("chi2", "dof", "half", "fit")}
    for a, N in enumerate(r["N"].values):
        for b, n in enumerate(r["n"].values):
            N, n = int(N), int(n)
            if n > 8 or N > 5000:
                continue
            x = r[load].values.astype(float)
            Ks = x.astype(int) if load == "K" else np.rint(x * float(N) ** (n - 1)).astype(int)
            P[a, b] = [finite_size.stability(N, n, int(K)).P_stable if K >= 1 else np.nan for K in Ks]
            tot = r["stable_total"].isel(N=a, n=b).transpose(load).values.astype(float)
            k = r["stable_count"].isel(N=a, n=b).transpose(load).values.astype(float)
            ok = (tot > 0) & np.isfinite(P[a, b])
            expected = tot * P[a, b]
            var = np.maximum(expected * (1 - P[a, b]), 0.25)  # a floor where P is 0 or 1 within rounding
            per_n["chi2"][a, b] = float(np.sum(((k - expected) ** 2 / var)[ok]))
            per_n["dof"][a, b] = int(ok.sum())
            try:
                h = finite_size.half_load(N, n)
                per_n["half"][a, b] = h.K_half if load == "K" else h.alpha_half
            except NoSolutionError:  # no crossing: leave NaN
                pass
            if ok.sum() >= 3 and P[a, b][ok].max() > 0.5 > P[a, b][ok].min():
                per_n["fit"][a, b] = fit_step(x[ok], expected[ok], tot[ok]).x0
    coords = {d: r[d] for d in dims}
    return xr.Dataset(
        {
            "stable_finite": (
                dims,
                P,
                {"long_name": "finite-N P(stored pattern one-step stable), dense.poly_stability"},
            ),
            "stable_chi2": (["N", "n"], per_n["chi2"], {"long_name": "Pearson chi^2 of the stable counts against it"}),
            "stable_dof": (["N", "n"], per_n["dof"], {"long_name": "grid points in stable_chi2"}),
            f"{load}_half_finite": (["N", "n"], per_n["half"], {"long_name": f"{load} where P_stable = 1/2"}),
            f"{load}_half_finite_fit": (
                ["N", "n"],
                per_n["fit"],
                {"long_name": f"erfc-fit half-point of the expected counts (the prediction read as the {load} fit)"},
            ),
        },
        coords=coords,
    )


def compare(ds: xr.Dataset, **thresholds: float) -> xr.Dataset:
    """Compare a ``dense.binary`` dataset with the theory (see the module docstring)."""
    missing = [v for v in REQUIRED if v not in ds]
    if missing:
        raise ParameterError(f"the dataset lacks the variable {missing[0]} that a dense.binary comparison needs")
    load = load_dim(ds)
    ds = param_dims(ds, ("N", "n", "F", load, "T", "cue", "noise"))
    c = classify(ds, **thresholds)
    fractions = state_fractions(c)
    m_ret = float(fractions.attrs.get("m_retrieval", 0.8))
    cued = ds["unstable_bits"] >= 0
    stable = _counts(ds["unstable_bits"] == 0, cued, "stable", "of cued stored patterns one-step stable")
    retrieved = _counts(ds["m_cue"] >= m_ret, ds["m_cue"].notnull(), "retrieved", "of cues retrieved")
    parts = [fractions, stable, retrieved]
    for name, counts in (("stable", stable), ("retrieved", retrieved)):
        fit = critical_load(counts[f"{name}_count"], counts[f"{name}_total"], load, "N", prefix=f"{load}_{name}")
        parts.append(fit)
    res = xr.merge(parts, compat="override", combine_attrs="override")
    res.attrs = {**fractions.attrs, "load": load}
    res = xr.merge([res, _theory(res, load)], combine_attrs="override")
    res.attrs["theory_status"] = res[f"{load}_theory"].attrs["theory_status"]
    res = xr.merge([res, _finite(res, load)], combine_attrs="override")
    res.attrs["source_title"] = ds.attrs.get("title", "")
    return res


def table(res: xr.Dataset, max_rows: int = 80) -> str:
    """The comparison as text: stable and retrieved fractions per point, the half loads against the theory."""
    load = res.attrs.get("load", "alpha")
    lines = []
    fixed = tables.fixed(res, ("F", "n", "T", "cue", "noise"))
    if fixed:
        lines.append(f"# {', '.join(fixed)}")
    lines.append("# stable: cued stored patterns one-step stable; retrieved: end overlap with the cue >= m_retrieval")
    cols = ["stable_fraction", "stable_lo", "stable_hi", "retrieved_fraction", "retrieved_lo", "retrieved_hi"]
    frame = res[cols].to_dataframe().dropna(how="all")
    varying = [d for d in frame.index.names if d in res.dims and res.sizes[d] > 1]
    head = f"{' '.join(f'{d:>8}' for d in varying)} {'stable':>8} {'[lo, hi]':>17} {'retrieved':>9} {'[lo, hi]':>17}"
    lines.append(head)
    for key, r in list(frame.iterrows())[:max_rows]:
        key = key if isinstance(key, tuple) else (key,)
        point = dict(zip(frame.index.names, key, strict=True))
        label = " ".join(f"{point[d]!s:>8}" for d in varying)
        lines.append(
            f"{label} {fmt(r.stable_fraction, 3, 8)} [{fmt(r.stable_lo, 3, 6)}, {fmt(r.stable_hi, 3, 6)}]  "
            f"{fmt(r.retrieved_fraction, 3, 8)} [{fmt(r.retrieved_lo, 3, 6)}, {fmt(r.retrieved_hi, 3, 6)}]"
        )
    if len(frame) > max_rows:
        lines.append(f"# ... {len(frame) - max_rows} more rows in the comparison dataset (--out)")
    lines.append("")
    lines.append(f"# half loads {load}_1/2(N) (erfc fits to the counts) vs the signal-to-noise capacity K_typical;")
    lines.append("# finite-N: dense.poly_stability = 1/2; erfc-read: the same erfc fit to its expected counts;")
    lines.append("# chi2: the stable counts against dense.poly_stability at every load (Pearson, points)")
    names = [f"{load}_stable_half", f"{load}_stable_half_error", f"{load}_retrieved_half", f"{load}_theory"]
    names += [f"{load}_half_finite_fit", f"{load}_half_finite", "stable_chi2", "stable_dof"]
    names = [v for v in names if v in res]
    if f"{load}_stable_half" not in res:
        lines.append("# none: the fits need three loads or more")
    else:
        half = res[names].to_dataframe().dropna(how="all", subset=names[:1] + names[2:3])
        for key, r in half.iterrows():
            key = key if isinstance(key, tuple) else (key,)
            point = dict(zip(half.index.names, key, strict=True))
            label = " ".join(f"{d}={point[d]}" for d in half.index.names if res.sizes[d] > 1 or d == "N")
            rh = r.get(f"{load}_retrieved_half", np.nan)
            line = (
                f"{label}: stable {fmt(r[f'{load}_stable_half'], 4, 9)} ± {fmt(r[f'{load}_stable_half_error'], 4, 6)}"
                f"  retrieved {fmt(rh, 4, 9)}  theory {fmt(r[f'{load}_theory'], 4, 9)}"
            )
            if np.isfinite(r.get(f"{load}_half_finite", np.nan)):
                line += (
                    f"  finite-N {fmt(r[f'{load}_half_finite'], 4, 9)}"
                    f" (erfc-read {fmt(r[f'{load}_half_finite_fit'], 4, 9)},"
                    f" chi2 {r['stable_chi2']:.1f}/{int(r['stable_dof'])})"
                )
            lines.append(line)
    if res.attrs.get("theory_status", "ok") != "ok":
        lines.append(f"# theory: {res.attrs['theory_status']}")
    lines.append("")
    lines.append(f"# end-state fractions (m_retrieval={res.attrs.get('m_retrieval')}, theta={res.attrs.get('theta')})")
    single = [d for d in res["fraction"].dims if d != "state" and res.sizes[d] == 1]
    frac = res["fraction"].squeeze(single, drop=True)
    fr = frac.to_series().unstack("state") if frac.ndim > 1 else frac.to_series().to_frame("all").T
    fr = fr[[s for s in STATES if s in fr.columns]]
    lines.append(fr.head(max_rows).to_string(float_format=lambda v: f"{v:.3f}"))
    return "\n".join(lines)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """The comparison figure (:func:`amphase.analysis.dense.figures.plot_comparison`)."""
    from amphase.analysis.dense.figures import plot_comparison

    return plot_comparison(res, title)


#: what ``amphase compare`` runs on a dataset of the model ``dense.binary``.
COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
