"""Sequence DenseAM simulations (``dense.sequence``) against the theory of Chaudhry et al. 2023, point by point.

:func:`compare` takes a dataset written by ``amphase run`` for ``dense.sequence`` and returns one comparison dataset:

* ``transition_fraction`` (1-sigma Wilson bounds, :func:`amphase.analysis.statistics.wilson_interval`): the fraction
  of one-step tests from stored patterns that give exactly the successor;
* ``sequence_fraction``: the fraction of trajectories (from an exact cue the dynamics are deterministic, so only the
  first trial of each realization is counted) that visit every pattern of the sequence exactly, in order
  (cyclic: ``K`` transitions back to ``xi^1``), and ``threshold_fraction``: those whose overlap with the expected
  pattern stays ``>= threshold`` at every step (default ``max(0.9, stop_below)``; at least the run's ``stop_below``);
* ``p_bit``: the measured probability that one bit of a transition is wrong, with the standard error of the mean over
  transitions (the bits of one transition share their crosstalk, so they are not counted as independent);
* per size ``N`` the load where the transition and sequence fractions fall through 1/2
  (:func:`amphase.analysis.capacity.critical_load`, erfc fit to the binomial counts: ``{load}_transition_half``,
  ``{load}_sequence_half``), beside the theory quantity ``dense.sequence_capacity`` at the same ``N``, rule, ``n``,
  ``b``: the signal-to-noise capacities (``{load}_T_snr``, ``{load}_S_snr``; CZKP Eqs. 9, 10) and the finite-N
  half lengths (``{load}_T_finite``, ``{load}_S_finite``), in the dataset's load unit;
* the finite-N curves of ``dense.sequence_recall`` at every simulated point (``theory_transition``,
  ``theory_sequence``, ``theory_p_bit``).

The theory describes exact recall of a cyclic sequence from an exact cue; points with cue noise or an open sequence
get the same theory columns, marked in ``theory_status``.
"""

from __future__ import annotations

import itertools
import math
from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis import tables
from amphase.analysis.capacity import critical_load
from amphase.analysis.compare import Comparison
from amphase.analysis.statistics import wilson_interval
from amphase.dataset import fixed_param, param_dims
from amphase.errors import NoSolutionError, ParameterError

__all__ = ["COMPARISON", "compare", "plot", "table"]

#: variables a dataset must hold for this comparison.
REQUIRED = ("transition_errors", "errors", "steps_run", "K")

#: the quantities that predict the recall.
THEORY = ("dense.sequence_capacity", "dense.sequence_recall")

_DIMS = ("N", "rule", "n", "b", "order", "noise")


def load_dim(ds: xr.Dataset) -> str:
    """The dataset's load dimension: ``alpha`` or ``K``; ``alpha`` when neither is a grid dimension."""
    for name in ("alpha", "K"):
        if name in ds.dims:
            return name
    return "K" if int(fixed_param(ds, "K", 0) or 0) else "alpha"


def _counts(ok: xr.DataArray, valid: xr.DataArray, name: str, what: str, over: tuple[str, ...]) -> xr.Dataset:
    k = (ok & valid).sum(over)
    n = valid.sum(over)
    lo, hi = wilson_interval(k.values, n.values)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = k / n
    return xr.Dataset(
        {
            f"{name}_count": k.assign_attrs(long_name=f"{what} (count)"),
            f"{name}_total": n.assign_attrs(long_name="tests counted"),
            f"{name}_fraction": frac.assign_attrs(long_name=f"fraction {what}"),
            f"{name}_lo": (k.dims, lo, {"long_name": "lower Wilson bound (1 sigma)"}),
            f"{name}_hi": (k.dims, hi, {"long_name": "upper Wilson bound (1 sigma)"}),
        }
    )


def _log_unit(N: int, rule: str, n: int, b: float) -> float:
    """``ln`` of the load unit: ``N^n`` (polynomial) or ``beta^(N-1)`` (exponential)."""
    if rule == "polynomial":
        return n * math.log(N)
    return (N - 1) * (math.log(2.0) - math.log1p(math.exp(-4.0 * b)))


#: the results of ``dense.sequence_capacity`` (in the order of :data:`_CAPACITY`) and what each is.
_CAPACITY = ("P_transition", "P_sequence", "P_transition_half", "P_sequence_half")
_DESCRIBED = {
    "T_snr": "signal-to-noise transition capacity P_T (CZKP Eqs. 9, 10)",
    "S_snr": "signal-to-noise sequence capacity P_S (CZKP Eqs. 9, 10)",
    "T_finite": "finite-N prediction: length where a transition is exact with probability 1/2",
    "S_finite": "finite-N prediction: length where the whole cycle is exact with probability 1/2",
}
#: the results of ``dense.sequence_recall`` drawn as curves.
_CURVES = ("transition", "sequence", "p_bit")


def _theory(res: xr.Dataset, load: str) -> xr.Dataset:
    """The theory at the simulated ``N``, rule, ``n``, ``b`` (and at each load, for the curves).

    Each quantity is called once per point through :func:`xarray.apply_ufunc` (``vectorize``), broadcast over the
    dataset's dimensions; a point outside a quantity's domain is NaN and its reason is kept (``theory_status``).
    """
    from amphase import theory

    capacity, recall = theory.get(THEORY[0]), theory.get(THEORY[1])
    point = [res[k] for k in ("N", "rule", "n", "b")]
    reasons: set[str] = set()

    def unit(N: Any, rule: Any, n: Any, b: Any) -> float:
        return math.exp(_log_unit(int(N), str(rule), int(n), float(b))) if load == "alpha" else 1.0

    def lengths(N: Any, rule: Any, n: Any, b: Any) -> tuple[Any, ...]:
        try:
            cap = capacity(N=int(N), rule=str(rule), n=int(n), b=float(b))
        except (ParameterError, NoSolutionError, KeyError) as err:
            reasons.add(f"theory not available ({err})")
            return (*(np.nan,) * len(_CAPACITY), False)
        u = unit(N, rule, n, b)
        return (*(cap[key] / u for key in _CAPACITY), True)

    def curves(N: Any, rule: Any, n: Any, b: Any, x: Any, ok: Any) -> tuple[float, ...]:
        K = float(x) * unit(N, rule, n, b)
        if not ok or K < 2:  # no capacity at this point (its reason is kept), or no sequence
            return (np.nan,) * len(_CURVES)
        try:
            r = recall(N=int(N), K=K, rule=str(rule), n=int(n), b=float(b))
        except (ParameterError, NoSolutionError, KeyError) as err:
            reasons.add(f"theory not available ({err})")
            return (np.nan,) * len(_CURVES)
        return tuple(r[name] for name in _CURVES)

    *out, ok = xr.apply_ufunc(
        lengths, *point, vectorize=True, output_core_dims=[()] * 5, output_dtypes=[float] * 4 + [bool]
    )
    lines = xr.apply_ufunc(
        curves, *point, res[load], ok, vectorize=True, output_core_dims=[()] * 3, output_dtypes=[float] * 3
    )
    data: dict[str, Any] = {
        f"{load}_{name}": v.assign_attrs(long_name=f"{_DESCRIBED[name]}, in units of {load}")
        for name, v in zip(_DESCRIBED, out, strict=True)
    }
    for name, v in zip(_CURVES, lines, strict=True):
        data[f"theory_{name}"] = v.assign_attrs(long_name=f"finite-N prediction of {name} ({THEORY[1]})")
    ds = xr.Dataset(data)
    ds.attrs["theory_status"] = "; ".join(sorted(reasons)) or "ok"
    return ds


def _panels(r: xr.Dataset, dims: list[str]) -> Any:
    """The sub-datasets of ``r`` at each combination of the values of ``dims``, in row-major order (``r`` if none)."""
    for values in itertools.product(*(r[k].values for k in dims)):
        yield r.sel(dict(zip(dims, values, strict=True)))


def compare(ds: xr.Dataset, threshold: float | None = None) -> xr.Dataset:
    """Compare a ``dense.sequence`` dataset with the theory (see the module docstring).

    ``threshold`` defaults to ``max(0.9, stop_below)`` of the run.
    """
    missing = [v for v in REQUIRED if v not in ds]
    if missing:
        raise ParameterError(f"the dataset lacks the variable {missing[0]} that a dense.sequence comparison needs")
    stop = float(fixed_param(ds, "stop_below", -1.0))
    threshold = max(0.9, stop) if threshold is None else float(threshold)
    if threshold < stop:
        raise ParameterError(
            f"threshold={threshold} is below the run's stop_below={stop}: trajectories stopped there cannot be judged; "
            f"allowed: threshold >= {stop}"
        )
    load = load_dim(ds)
    ds = param_dims(ds, (*_DIMS, load))
    te = ds["transition_errors"]
    transition = _counts(te == 0, te >= 0, "transition", "of transitions exact", ("realization", "transition"))
    # trajectories: the transitions each had to run, from its realization's K
    steps_param = int(fixed_param(ds, "steps", 0))
    cyclic = ds["order"] == "cyclic"
    full = xr.where(cyclic, ds["K"], ds["K"] - 1)
    need = full if steps_param == 0 else xr.where(cyclic, steps_param, np.minimum(steps_param, full))
    errors = ds["errors"]
    ran = errors >= 0
    complete = ds["steps_run"] >= need
    exact = complete & ~((errors > 0) & ran).any("step")
    N = ds["N"]
    worst = xr.where(ran, errors, 0).max("step")
    above = complete & (1.0 - 2.0 * worst / N >= threshold)
    # from an exact cue (noise 0) the dynamics are deterministic: every trial of a realization repeats trial 0
    valid = (ds["steps_run"] >= 0) & ((ds["noise"] > 0) | (ds["trial"] == 0))
    sequence = _counts(exact, valid, "sequence", "of trajectories exact at every step", ("realization", "trial"))
    thresh = _counts(above, valid, "threshold", f"of trajectories with overlap >= {threshold} at every step",
                     ("realization", "trial"))  # fmt: skip
    # one-bit error probability: mean over transitions of errors/N, error of the mean over transitions
    frac = (te / N).where(te >= 0)
    n = (te >= 0).sum(("realization", "transition"))
    p_bit = frac.mean(("realization", "transition"))
    p_err = frac.std(("realization", "transition"), ddof=1) / np.sqrt(n)
    parts = [transition, sequence, thresh]
    for name, counts in (("transition", transition), ("sequence", sequence), ("threshold", thresh)):
        parts.append(
            critical_load(counts[f"{name}_count"], counts[f"{name}_total"], load, "N", prefix=f"{load}_{name}")
        )
    res = xr.merge(parts, compat="override", combine_attrs="override")
    res["p_bit"] = p_bit.assign_attrs(long_name="measured probability that one bit of a transition is wrong")
    res["p_bit_error"] = p_err.assign_attrs(long_name="standard error of p_bit (transitions as units)")
    res["K_mean"] = ds["K"].mean("realization").assign_attrs(long_name="patterns in the sequence")
    th = _theory(res, load)
    res = xr.merge([res, th], combine_attrs="override")
    status = th.attrs["theory_status"]
    if (res["noise"] > 0).any() or (res["order"] != "cyclic").any():
        status = ("" if status == "ok" else status + "; ") + "the theory is for a cyclic sequence from an exact cue"
    res.attrs = {
        "load": load,
        "threshold": threshold,
        "stop_below": stop,
        "theory_status": status,
        "source_title": ds.attrs.get("title", ""),
    }
    return res


#: numbers in the sequence tables: fixed point, or the g form for very large or small values.
_g = partial(tables.fmt, style="auto")


def table(res: xr.Dataset, max_rows: int = 120) -> str:
    """The comparison as text: fractions per point beside the finite-N curves, half loads against the theory."""
    load = res.attrs.get("load", "alpha")
    r = res.isel({k: 0 for k in ("rule", "n", "b", "order", "noise") if k in res.dims and res.sizes[k] == 1})
    fixed = tables.fixed(res, ("rule", "n", "b", "order", "noise"))
    lines = [f"# {', '.join(fixed)}"] if fixed else []
    lines.append(
        "# transition: one step from a stored pattern exact; sequence: every step of the cycle exact; "
        f"threshold: overlap >= {res.attrs.get('threshold')} at every step; theory: finite-N prediction"
    )
    lines.append(
        f"{'N':>6} {load:>9} {'K':>8} {'transition':>10} {'[lo, hi]':>15} {'theory':>7} "
        f"{'sequence':>8} {'[lo, hi]':>15} {'theory':>7} {'threshold':>9} {'p_bit':>9} {'± s.e.':>8} {'theory':>9}"
    )
    rows = 0
    other = [k for k in r.dims if k not in ("N", load)]
    for sub in _panels(r, other):
        if other:
            lines.append("# " + ", ".join(f"{k}={sub[k].values}" for k in other))
        for N in sub["N"].values:
            for x in sub[load].values:
                p = sub.sel({"N": N, load: x})
                if rows >= max_rows:
                    continue
                rows += 1
                lines.append(
                    f"{N:>6} {_g(x, 4, 9)} {float(p['K_mean']):>8.0f} {_g(p.transition_fraction, 3, 10)} "
                    f"[{_g(p.transition_lo, 3, 6)}, {_g(p.transition_hi, 3, 6)}] {_g(p.theory_transition, 3, 7)} "
                    f"{_g(p.sequence_fraction, 3, 8)} [{_g(p.sequence_lo, 3, 6)}, {_g(p.sequence_hi, 3, 6)}] "
                    f"{_g(p.theory_sequence, 3, 7)} {_g(p.threshold_fraction, 3, 9)} {float(p.p_bit):>9.3g} "
                    f"{float(p.p_bit_error):>8.2g} {float(p.theory_p_bit):>9.3g}"
                )
    if rows >= max_rows:
        lines.append("# ... more rows in the comparison dataset (--out)")
    lines.append("")
    lines.append(
        f"# half loads {load}_1/2(N) (erfc fits to the counts) vs the finite-N prediction and the SNR capacity "
        "(ratio: measured / SNR)"
    )
    for what, short in (("transition", "T"), ("sequence", "S"), ("threshold", None)):
        name = f"{load}_{what}_half"
        if name not in res:
            lines.append(f"# {what}: none (the fits need three loads or more)")
            continue
        for sub in _panels(r, other):
            for N in sub["N"].values:
                p = sub.sel(N=N)
                h, e = float(p[name]), float(p[f"{name}_error"])
                text = f"{what:>10} N={N}: measured {_g(h, 4, 9)} ± {e:<8.2g}"
                if short:
                    fin, snr = float(p[f"{load}_{short}_finite"]), float(p[f"{load}_{short}_snr"])
                    text += f"  finite-N {_g(fin, 4, 9)}  SNR {_g(snr, 4, 9)}  ratio {_g(h / snr, 3, 6)}"
                lines.append(text)
    if res.attrs.get("theory_status", "ok") != "ok":
        lines.append(f"# theory: {res.attrs['theory_status']}")
    return "\n".join(lines)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """The comparison figure: fractions against the load per N with the theory, and the half loads against N."""
    from amphase.analysis.figures import new_figure, plain_log_ticks
    from amphase.analysis.statistics import step_probability

    colours = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725", "#e377c2"]
    load = res.attrs.get("load", "alpha")
    r = res.isel({k: 0 for k in res.dims if k not in ("N", load, "state")})
    fig = new_figure(16.0, 4.6)
    axes = fig.subplots(1, 4)
    x = r[load].values.astype(float)
    grid = np.linspace(x.min(), x.max(), 200)
    for k, N in enumerate(r["N"].values):
        colour = colours[k % len(colours)]
        p = r.sel(N=N)
        for ax, name, short in zip(axes[:2], ("transition", "sequence"), ("T", "S"), strict=True):
            f = p[f"{name}_fraction"].values
            yerr = np.clip(np.nan_to_num([f - p[f"{name}_lo"].values, p[f"{name}_hi"].values - f]), 0.0, None)
            ax.errorbar(x, f, yerr=yerr, fmt="o", ms=3, color=colour, label=f"N={N}")
            ax.plot(x, p[f"theory_{name}"].values, color=colour, lw=1.2, ls="-")
            half = f"{load}_{name}_half"
            if half in p and np.isfinite(float(p[half])):
                ax.plot(grid, step_probability(grid, float(p[half]), float(p[f"{load}_{name}_width"])), color=colour,
                        lw=0.6, ls=":")  # fmt: skip
            ax.axvline(float(p[f"{load}_{short}_snr"]), color=colour, ls="--", lw=0.8)
        ax = axes[3]
        ok = np.isfinite(p["p_bit"].values) & (p["p_bit"].values > 0)
        ax.errorbar(x[ok], p["p_bit"].values[ok], yerr=np.nan_to_num(p["p_bit_error"].values[ok]), fmt="o", ms=3,
                    color=colour)  # fmt: skip
        ax.plot(x, p["theory_p_bit"].values, color=colour, lw=1)
    for ax, what in zip(axes[:2], ("transitions exact", "cycles exact"), strict=True):
        ax.set_xlabel(load)
        ax.set_ylabel(f"fraction of {what}")
        ax.set_ylim(-0.03, 1.03)
        ax.legend(fontsize=7, title="points: measured; solid: finite-N;\ndotted: erfc fit; dashed: SNR (CZKP)",
                  title_fontsize=7)  # fmt: skip
    ax = axes[2]
    Ns = r["N"].values.astype(float)
    for name, short, marker in (("transition", "T", "o"), ("sequence", "S", "s")):
        if f"{load}_{name}_half" in r and np.isfinite(r[f"{load}_{name}_half"].values).any():  # listed if drawn
            ax.errorbar(Ns, r[f"{load}_{name}_half"].values,
                        yerr=np.clip(np.nan_to_num(r[f"{load}_{name}_half_error"].values), 0.0, None), fmt=marker,
                        label=f"{name}: measured 1/2 point")  # fmt: skip
        ax.plot(Ns, r[f"{load}_{short}_finite"].values, "-", lw=1, label=f"{name}: finite-N")
        ax.plot(Ns, r[f"{load}_{short}_snr"].values, "--", lw=1, label=f"{name}: SNR (CZKP)")
    ax.set_xscale("log")
    plain_log_ticks(ax, Ns)
    ax.set_xlabel("N")
    ax.set_ylabel(f"{load} at 1/2")
    ax.legend(fontsize=7)
    axes[3].set_yscale("log")
    axes[3].set_xlabel(load)
    axes[3].set_ylabel("bit error probability of a transition")
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig


#: what ``amphase compare`` runs on a dataset of the model ``dense.sequence``.
COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
