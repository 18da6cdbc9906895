"""The generalization onset on the circle: barriers of the exact landscape against diffusion.generalization_onset.

For each beta (--betas) and K (--K, a grid spanning the onset) the script draws --draws landscapes of K training
points at uniform random angles on the unit circle (seeds keyed by (root seed, beta, K): independent of the theory's
seed), finds every minimum of the exact-score energy E at beta and its lowest barrier to a neighbouring minimum, and
counts the minima with beta*DeltaE below tau = 1/2, 1, 2 (1: a factor e in density; 1/2 and 2: the band). Barriers:
the exact valley profile min_r E (amphase.simulate.lse_valley; exact on the circle, see its docstring), checked
against the string method of amphase.simulate.lse_paths (neighbour_barriers from every minimum to the two nearest;
the largest difference over converged strings is printed; --barriers mep swaps the two). Beside them: the
theory at the same (beta, K) (diffusion.barrier_law's Monte Carlo of the fixed-radius profile, --theory-draws
landscapes) and the onsets (diffusion.generalization_onset: K_gen, the dense law's K, the merging onsets of
diffusion.spurious_onset).

The measured onset is the K where the pooled fraction crosses 1/2, from a weighted straight-line fit of the fraction
against ln K over the grid points with fraction in [0.2, 0.8] (error from the fit's covariance). Each (beta, K) point
is written to --work as it finishes (a rerun resumes).

    python scripts/barrier_landscape.py --out results/barrier_landscape.nc --figure docs/figures/barrier_landscape.png
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr
from barrier_landscape_plot import plot  # scripts/ is on sys.path when this script runs

from amphase import theory
from amphase.atomic import atomic_output, check_output
from amphase.dataset import provenance_attrs, write_netcdf
from amphase.errors import ParameterError
from amphase.simulate.lse_valley import valley_minima
from amphase.theory import lse_barrier_sample as bs
from amphase.theory import lse_barriers as lb

TAUS = (0.5, 1.0, 2.0)
K_GRID = (2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 32, 40, 48, 64)
ROOT_SEED = 20261207


def measure(beta: float, K: int, draws: int, method: str = "valley") -> dict[str, np.ndarray]:
    """Minima and barriers of ``draws`` landscapes at (beta, K): per landscape counts, pooled per-minimum values.

    The minima are those of the exact valley profile (every minimum of E on the circle); their barriers by the string
    method (``method="mep"``: :func:`amphase.simulate.lse_paths.neighbour_barriers` to the two nearest minima) or by
    the valley profile (the default: exact on the circle); the other method's value is kept beside it
    (``barrier_check``), with whether every string of the minimum converged.
    """
    from amphase.simulate.lse_paths import neighbour_barriers

    seeds = np.random.SeedSequence([ROOT_SEED, round(beta * 1000), K]).spawn(draws)
    counts = np.zeros(draws, dtype=int)
    low = np.zeros((draws, len(TAUS)), dtype=int)
    bars, check, curv, which, conv = [], [], [], [], []
    for i, s in enumerate(seeds):
        theta = np.random.default_rng(s).uniform(0.0, 2.0 * math.pi, K)
        vm = valley_minima(theta, beta, M=2048, scan=24)
        pts = np.stack([np.cos(theta), np.sin(theta)], axis=1)
        nb = neighbour_barriers(pts, beta, vm.x, neighbours=2)
        mep, valley = beta * nb.barrier, vm.beta_barrier
        main, other = (mep, valley) if method == "mep" else (valley, mep)
        counts[i] = len(vm.x)
        low[i] = [(main < t).sum() for t in TAUS]
        bars.append(main)
        check.append(other)
        conv.append(nb.converged)
        curv.append(vm.hessian_eigenvalues[:, 0])
        which.append(np.full(len(vm.x), i))
    return {
        "counts": counts,
        "low": low,
        "barrier": np.concatenate(bars),
        "barrier_check": np.concatenate(check),
        "converged": np.concatenate(conv),
        "curvature": np.concatenate(curv),
        "draw": np.concatenate(which),
    }


def fraction(counts: np.ndarray, low: np.ndarray) -> tuple[float, float]:
    """Pooled fraction sum(low)/sum(counts) and its delta-method standard error over landscapes."""
    f = low.sum() / counts.sum()
    return float(f), float(np.std(low - f * counts, ddof=1) / (counts.mean() * math.sqrt(len(counts))))


def onset_fit(K: np.ndarray, f: np.ndarray, se: np.ndarray) -> tuple[float, float, float]:
    """K where f = 1/2 from a weighted fit f = a + b ln K over the points with f in [0.2, 0.8]; error; chi2/dof.

    NaN where fewer than two points qualify, the fit does not rise, or the crossing lies beyond a factor 2 of the grid.
    """
    sel = (f >= 0.2) & (f <= 0.8) & (se > 0)
    if sel.sum() < 2:
        return math.nan, math.nan, math.nan
    x, y, w = np.log(K[sel]), f[sel], 1.0 / se[sel] ** 2
    A = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    a, b = cov @ (A.T @ (w * y))
    if not b > 0:  # no rise over the fitted points: no crossing to report
        return math.nan, math.nan, math.nan
    g = (0.5 - a) / b
    if not math.log(K.min() / 2) < g < math.log(2 * K.max()):  # the crossing lies outside the grid: not measured
        return math.nan, math.nan, math.nan
    J = np.array([-1.0 / b, -(0.5 - a) / b**2])
    chi2 = float(((y - a - b * x) ** 2 * w).sum() / max(sel.sum() - 2, 1))
    return float(math.exp(g)), float(math.exp(g) * math.sqrt(J @ cov @ J)), chi2


def _median_err(values: np.ndarray, which: np.ndarray, draws: int) -> tuple[float, float]:
    """Pooled median and its bootstrap error over landscapes (NaN error where a resampled median is infinite)."""
    groups = [values[which == i] for i in range(draws)]
    rng = np.random.default_rng(0)
    boot = np.array([np.median(np.concatenate([groups[j] for j in rng.integers(0, draws, draws)])) for _ in range(200)])
    return float(np.median(values)), float(np.std(boot, ddof=1)) if np.isfinite(boot).all() else math.nan


def _memo(work: Path | None, name: str, fn: Callable[[], dict]) -> dict:
    """``fn()``, kept as JSON in ``work`` (theory values are deterministic: seed 0)."""
    if work is None:
        return fn()
    f = work / f"theory-{name}.json"
    if not f.is_file():
        value = fn()
        with atomic_output(f) as tmp:
            tmp.write_text(json.dumps(value))
    return json.loads(f.read_text())


def _theory_point(beta: float, K: int, theory_draws: int) -> dict:
    th = bs.sample_landscapes(K, beta, draws=theory_draws, curvature=False)  # = diffusion.barrier_law's
    fr = [bs.fraction_below(th, tau) for tau in TAUS]
    return {"fraction": [f for f, _ in fr], "error": [e for _, e in fr], "minima": float(th.counts.mean()),
            "median": float(np.median(th.barrier))}  # fmt: skip


def build(
    parts: dict, betas: list[float], Ks: list[int], draws: int, theory_draws: int, work: Path | None = None
) -> xr.Dataset:
    """The dataset: measured and predicted fractions, medians and onsets (theory values kept in ``work``)."""
    nb, nk, nt = len(betas), len(Ks), len(TAUS)
    v = {k: np.full((nb, nk, nt), np.nan) for k in ("fraction", "fraction_error", "theory_fraction", "theory_error")}
    s = {k: np.full((nb, nk), np.nan) for k in ("minima", "minima_error", "median_barrier", "median_barrier_error",
                                                 "median_curvature", "theory_minima", "theory_median_barrier",
                                                 "dense_median_barrier", "check_max_diff", "check_class_changes",
                                                 "unconverged")}  # fmt: skip
    on = {k: np.full((nb, nt), np.nan) for k in ("onset", "onset_error", "onset_chi2", "K_gen", "K_gen_error",
                                                 "K_dense", "theory_onset_fit")}  # fmt: skip
    lines = {k: np.full(nb, np.nan) for k in ("K_merge", "K_memory_half", "minima_limit")}
    gen = theory.get("diffusion.generalization_onset")
    for i, beta in enumerate(betas):
        h_half = _memo(work, f"field-beta{beta:g}-D{theory_draws}", lambda b=beta: {"h": lb.ring_dense_barriers(
            2.0 * b * lb.shell_radius(b), draws=theory_draws).median})["h"]  # fmt: skip
        for j, K in enumerate(Ks):
            p = parts[(beta, K)]
            th = _memo(
                work, f"beta{beta:g}-K{K}-D{theory_draws}", lambda b=beta, k=K: _theory_point(b, k, theory_draws)
            )
            for t in range(len(TAUS)):
                v["fraction"][i, j, t], v["fraction_error"][i, j, t] = fraction(p["counts"], p["low"][:, t])
                v["theory_fraction"][i, j, t], v["theory_error"][i, j, t] = th["fraction"][t], th["error"][t]
            s["minima"][i, j] = p["counts"].mean()
            s["minima_error"][i, j] = p["counts"].std(ddof=1) / math.sqrt(draws)
            s["median_barrier"][i, j], s["median_barrier_error"][i, j] = _median_err(p["barrier"], p["draw"], draws)
            s["median_curvature"][i, j] = np.median(p["curvature"])
            s["theory_minima"][i, j], s["theory_median_barrier"][i, j] = th["minima"], th["median"]
            s["dense_median_barrier"][i, j] = h_half / math.sqrt(K)
            ok = p["converged"].astype(bool)  # strings that converged; the others are counted as such
            both = np.isfinite(p["barrier"]) & np.isfinite(p["barrier_check"]) & ok
            s["check_max_diff"][i, j] = np.abs(p["barrier"] - p["barrier_check"])[both].max(initial=0.0)
            s["check_class_changes"][i, j] = ((p["barrier"] < 1.0) != (p["barrier_check"] < 1.0))[ok].sum()
            s["unconverged"][i, j] = (~p["converged"].astype(bool)).sum()
        for t, tau in enumerate(TAUS):
            k = np.array(Ks, dtype=float)
            on["onset"][i, t], on["onset_error"][i, t], on["onset_chi2"][i, t] = onset_fit(
                k, v["fraction"][i, :, t], v["fraction_error"][i, :, t]
            )
            on["theory_onset_fit"][i, t] = onset_fit(k, v["theory_fraction"][i, :, t], v["theory_error"][i, :, t])[0]
            g = _memo(work, f"onset-beta{beta:g}-tau{tau:g}-D{theory_draws}",
                      lambda b=beta, t=tau: gen(beta=b, threshold=t, draws=theory_draws))  # fmt: skip
            on["K_gen"][i, t], on["K_gen_error"][i, t], on["K_dense"][i, t] = g["K_gen"], g["K_gen_error"], g["K_dense"]
        lines["K_merge"][i], lines["K_memory_half"][i], lines["minima_limit"][i] = (
            g["K_merge"], g["K_memory_half"], g["minima_limit"])  # fmt: skip
    dims3, dims2, dimo = ("beta", "K", "tau"), ("beta", "K"), ("beta", "tau")
    ds = xr.Dataset(
        {**{k: (dims3, a) for k, a in v.items()}, **{k: (dims2, a) for k, a in s.items()},
         **{k: (dimo, a) for k, a in on.items()}, **{k: ("beta", a) for k, a in lines.items()}},
        coords={"beta": ("beta", betas, {"long_name": "inverse temperature 1/(2 sigma_t^2)", "units": "1"}),
                "K": ("K", Ks, {"long_name": "training points on the unit circle", "units": "1"}),
                "tau": ("tau", list(TAUS), {"long_name": "isolation threshold on beta*DeltaE", "units": "1"})},
    )  # fmt: skip
    ds.attrs.update(
        provenance_attrs(
            "Generalization onset on the circle: exact landscape barriers vs theory",
            "amphase.theory.lse_barriers; amphase.simulate.lse_valley",
            {"betas": betas, "K": Ks, "draws": draws, "theory_draws": theory_draws, "root_seed": ROOT_SEED},
        )
    )
    return ds


def table(ds: xr.Dataset) -> str:
    """The onset table (predicted vs measured K at each beta and tau) and the curves' agreement over the K grid.

    ``z``: (measured - K_gen) over the two errors combined; ``curve chi2/n``: the squared differences of the measured
    and predicted fractions over their combined errors, summed over the n grid points (about 1 when they agree).
    """
    rows = ["beta | tau | K_gen (theory) | K measured | z | K_dense | K_merge | K_memory_half | curve chi2/n"]
    for beta in ds.beta.values:
        for tau in ds.tau.values:
            r = ds.sel(beta=beta, tau=tau)
            z = (r.onset - r.K_gen) / math.hypot(float(r.onset_error), float(r.K_gen_error))
            dev = (r.fraction - r.theory_fraction) / np.sqrt(r.fraction_error**2 + r.theory_error**2)
            ok = np.isfinite(dev) & (r.fraction_error > 0)
            chi2 = float((dev[ok] ** 2).sum()) / max(int(ok.sum()), 1)
            rows.append(
                f"{beta:g} | {tau:g} | {float(r.K_gen):.2f} ± {float(r.K_gen_error):.2f} | "
                f"{float(r.onset):.2f} ± {float(r.onset_error):.2f} | {float(z):+.1f} | {float(r.K_dense):.2f} | "
                f"{float(r.K_merge):.2f} | {float(r.K_memory_half):.2f} | {chi2:.2f} (n = {int(ok.sum())})"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--betas", type=float, nargs="+", default=[5.0, 10.0, 20.0, 40.0])
    p.add_argument("--K", type=int, nargs="+", default=list(K_GRID))
    p.add_argument("--draws", type=int, default=100, help="landscapes per (beta, K) (>= 40 for the issue)")
    p.add_argument("--theory-draws", type=int, default=1000)
    p.add_argument(
        "--barriers",
        choices=("valley", "mep"),
        default="valley",
        help="the exact valley profile (default) or the string method (simulate.lse_paths); the other checks it",
    )
    p.add_argument("--out", default="results/barrier_landscape.nc")
    p.add_argument("--figure", default="results/barrier_landscape.png")
    p.add_argument("--work", default=None, help="folder of finished points (default: --out with .parts)")
    p.add_argument("--overwrite", action="store_true")
    a = p.parse_args(argv)
    start = time.perf_counter()
    try:
        if a.draws < 2 or a.theory_draws < 20 or any(k < 1 for k in a.K) or any(not 1 < b < 1e4 for b in a.betas):
            raise ParameterError("--draws >= 2, --theory-draws >= 20, every --K >= 1, every --betas in (1, 1e4)")
        out = check_output(a.out, overwrite=a.overwrite)
        fig_path = check_output(a.figure, overwrite=a.overwrite, suffix=".png", option="--figure")
        txt = check_output(out.with_suffix(".txt"), overwrite=a.overwrite, suffix=".txt")
        work = Path(a.work or out.with_suffix(".parts"))
        work.mkdir(parents=True, exist_ok=True)
        parts = {}
        for beta in a.betas:
            for K in a.K:
                f = work / f"beta{beta:g}-K{K}-D{a.draws}-{a.barriers}.npz"
                if not f.is_file():
                    t0 = time.perf_counter()
                    res = measure(beta, K, a.draws, a.barriers)
                    with atomic_output(f) as tmp, open(tmp, "wb") as fh:
                        np.savez(fh, **res, seconds=time.perf_counter() - t0)
                parts[(beta, K)] = dict(np.load(f))
        ds = build(parts, a.betas, a.K, a.draws, a.theory_draws, work)
        wall = time.perf_counter() - start
        ds.attrs["wall_seconds"] = wall
        ds.attrs["measure_seconds"] = float(sum(float(q["seconds"]) for q in parts.values()))
        write_netcdf(ds, out)
        from amphase.analysis.figures import save_figure

        save_figure(plot(ds), fig_path)
        text = table(ds) + f"\nmeasurement {ds.attrs['measure_seconds']:.0f} s (of the points run now or before), "
        text += f"this run {wall:.0f} s wall"
        text += (f"\nstring method against the valley, over the minima whose strings converged: largest |difference| "
                 f"in beta*DeltaE {float(ds.check_max_diff.max()):.2e}, minima classed differently at tau = 1: "
                 f"{int(ds.check_class_changes.sum())}; minima with an unconverged string: {int(ds.unconverged.sum())} "
                 f"of {int((ds.minima * a.draws).sum())}")  # fmt: skip
        with atomic_output(txt) as tmp:
            tmp.write_text(text + "\n")
        print(text)
        print(f"wrote {out}, {fig_path} and {txt}")
    except ParameterError as err:
        print(f"barrier_landscape: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
