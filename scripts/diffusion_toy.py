"""The circle toy: attractors of the exact score and of the trained networks side by side, and the figure.

    python scripts/train_toy_score.py              # first: the weights, results/toy-score-K{2,9,1000}.npz
    python scripts/diffusion_toy.py                # t = 0.15 (beta = 3.33), results/diffusion-toy-t0.15.{png,json}
    python scripts/diffusion_toy.py --t 0.05       # the paper's second noise level (beta = 10)
    python scripts/diffusion_toy.py --curvature-out docs/figures/diffusion-network.png   # the curvature figure there

For each K: the fixed points of both scores at time t from a 30 x 30 grid of starts over [-1.5, 1.5]^2 (plus every
training point when K <= 50), deduplicated and classified (amphase.simulate.diffusion.attractors); and 500
probability-flow ODE samples of each score from t = 1 to t = 1e-3 (Heun, 200 log-spaced steps) followed by the
denoiser at t = 1e-3 (the estimate of x_0, which removes the remaining noise sigma_t = 0.03), classified by the
memorized / spurious / generalized rule (amphase.analysis.diffusion.classify, delta_m = delta_s = 0.05). Prints one
table, writes the counts as JSON (with the ring-profile model's expected own / spurious minima at the same beta,
amphase.analysis.diffusion.landscape.theory_at) and the figure (amphase.analysis.diffusion.attractor_figures, with
the continuum ring R(beta) dashed). The analytic landscape alone, over realizations and against the theory, is the
built-in experiment `amphase run diffusion-toy` (model diffusion.landscape).

Curvature beside it (amphase.simulate.diffusion.curvature). At every attractor of both scores, the curvature
spectrum through `curvature.spectrum`: the exact Hessian 2I - 4 beta_t Cov_w for the exact score, the real parts of
the eigenvalues of 2(I - J_F) (central differences of the fixed-point map) for the network; the near-flat directions,
|lambda| <= lambda_flat = 2 sigma_t^2 / (s spread l)^2 with spread 0.5 and the circle's data scale l = 1 (the
thermal-spread rule); a table per K of memorized / exact-spurious / network-only attractors with their lowest
eigenvalues, exact vs network (and the exact Hessian's lowest eigenvalue at the network-only points). Samples at the
same finite t: the same 500 prior draws run by the probability-flow ODE of each score from t = 1 down to t (Heun, 200
log-spaced steps), then iterated to a fixed point of that score's map F(y) = y + sigma_t^2 S(y, t)
(amphase.simulate.diffusion.attractors.iterate_fixed_points, the descent of the diffusion.exact model applied to any
score), their spectra and near-flat counts, and the classification with the curvature rule (`classify(..., flat=
n_flat > 0)`, thresholds in units of l = 1) beside the paper's distance rule; fractions with Wilson intervals
(1 sigma; amphase.analysis.statistics.wilson_interval). The curvature figure (amphase.analysis.diffusion.
attractor_figures.plot_curvature) goes to --curvature-out (default: the figure's name with -curvature).

Physical classes of the same finite-t end points (amphase.simulate.lse_attractors; for the network
amphase.analysis.diffusion.score_classes): owned when one training point carries > 1/2 of the exact posterior weight
at the attractor, isolated when beta_t times the lowest barrier to a neighbouring attractor is >= 1, the barrier of
the network from the line integral of its score along its minimum-energy path (Pham et al. after Raya & Ambrogioni
2023); for the exact score both the exact energy and the same line integral, with the identity between them checked
(the line integral of the exact score equals the exact energy difference along every string).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from train_toy_score import SEED, TOY_K, weights_path  # scripts/ is on sys.path when this script runs

from amphase.analysis.diffusion.attractor_figures import CurvatureColumn, ToyColumn, plot_curvature, plot_toy
from amphase.analysis.diffusion.attractors import MATCH_CLASSES, compare_attractors
from amphase.analysis.diffusion.landscape import theory_at
from amphase.analysis.diffusion.score_classes import exact_identity, score_classes
from amphase.analysis.figures import save_figure
from amphase.analysis.statistics import wilson_interval
from amphase.atomic import atomic_output, check_output
from amphase.errors import ParameterError
from amphase.simulate.diffusion.attractors import find_attractors, grid_starts, iterate_fixed_points
from amphase.simulate.diffusion.classify import CLASSES, classify, counts
from amphase.simulate.diffusion.curvature import count_flat, flat_threshold, spectrum
from amphase.simulate.diffusion.samplers import prior_sample, probability_flow
from amphase.simulate.diffusion.schedules import Schedule
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.diffusion.torch_score_mlp import load
from amphase.simulate.lse_attractors import class_counts, classify_attractors

T_STOP = 1e-3  # where the ODE stops (the paper's sampler stops at 1e-3 too), then one denoiser step
SPREAD = 0.5  # thermal spread, in units of the data scale, above which a direction counts as near-flat
CIRCLE_SCALE = 1.0  # the data scale l of the unit circle (rms distance from the centre), for every K
DELTA = 0.05  # delta_m = delta_s, in units of the data scale


def curvature_spectrum(score: object, sched: Schedule, x: np.ndarray, t: float) -> np.ndarray:
    """Real curvature spectra (n, 2) at data-space points ``x`` (curvature.spectrum; (0, 2) for no points)."""
    if len(x) == 0:
        return np.zeros((0, x.shape[1]))
    ev = spectrum(score, sched, x, t)
    return np.asarray(ev.get() if hasattr(ev, "get") else ev, dtype=np.float64).real


def fractions(labels: np.ndarray) -> dict:
    """Counts per class with the fraction and its Wilson interval (1 sigma)."""
    c = counts(labels)
    n = int(c.sum())
    lo, hi = wilson_interval(c, np.full(3, n))
    return {cls: {"count": int(c[i]), "fraction": c[i] / n, "lo": float(lo[i]), "hi": float(hi[i])}
            for i, cls in enumerate(CLASSES)}  # fmt: skip


def _band(counts: np.ndarray) -> dict:
    """Sample fractions per class at the defining thresholds and their band over the 3 x 3 threshold grid."""
    f = counts / counts.sum(axis=0, keepdims=True)
    return {c: {"fraction": float(f[i, 1, 1]), "low": float(f[i].min()), "high": float(f[i].max())}
            for i, c in enumerate(CLASSES)}  # fmt: skip


def physical_classes(ex: object, ns: object, sched: Schedule, t: float, ends: dict, pts: np.ndarray) -> dict:
    """The physical classes of the finite-t end points of both scores (amphase.analysis.diffusion.score_classes).

    Exact score: by the exact LSE energy (string method, Newton saddles: amphase.simulate.lse_attractors) and by the
    line integral of its score (the construction applied to the network), with the identity check between them;
    network: by the line integral of its own score. Owning weights from the exact posterior at each attractor.
    """
    s = float(sched.scale(t))
    energy = ex.energy_at(t)
    lse_cl = classify_attractors(energy, ends["exact"] * s)
    sc, _ = class_counts(lse_cl.own_weight, lse_cl.beta_barrier, lse_cl.attractors.basin)
    out = {"exact_lse": {"classes": _band(sc), "n_attractors": len(lse_cl.own_weight),
                         "beta_barrier": np.sort(lse_cl.beta_barrier).round(4).tolist()}}  # fmt: skip
    for name, score in (("exact_line_integral", ex), ("network_line_integral", ns)):
        c = score_classes(score, sched, t, ends["exact" if name.startswith("exact") else "network"], pts)
        out[name] = {"classes": _band(c.sample_counts), "n_attractors": len(c.own_weight),
                     "n_not_minimum": int((~c.is_minimum).sum()),
                     "beta_barrier": np.sort(c.beta_barrier).round(4).tolist(),
                     "own_weight": np.sort(c.own_weight).round(4).tolist()}  # fmt: skip
    mins = lse_cl.attractors.x[lse_cl.attractors.is_minimum]
    if len(mins) > 1:
        idn = exact_identity(ex, t, mins)
        b = idn["barriers"]
        out["identity"] = {"profile_error": idn["profile_error"],
                           "barrier_max_rel_diff": float(np.abs(b[:, 0] / b[:, 1] - 1).max())}  # fmt: skip
    return out


def print_physical(rows: list[dict]) -> None:
    """The physical classes of the finite-t samples: per score and energy, fractions with their band."""
    print("physical classes of the samples at t (owned: weight > 1/2; isolated: beta_t DeltaE >= 1), "
          "% memorized / spurious / generalized [band over thresholds 0.4-0.6 x 1/2-2]")  # fmt: skip
    print("K | energy | attractors | memorized | spurious | generalized | beta DeltaE (sorted)")
    for r in rows:
        ph = r["physical"]
        for name in ("exact_lse", "exact_line_integral", "network_line_integral"):
            c = ph[name]["classes"]
            cells = " | ".join(f"{100 * c[k]['fraction']:.1f} [{100 * c[k]['low']:.1f}-{100 * c[k]['high']:.1f}]"
                               for k in CLASSES)  # fmt: skip
            bb = ", ".join(f"{v:.3g}" for v in ph[name]["beta_barrier"][:8])
            print(f"{r['K']} | {name} | {ph[name]['n_attractors']} | {cells} | {bb}")
        if "identity" in ph:
            i = ph["identity"]
            print(
                f"{r['K']} | identity: line integral of the exact score vs exact energy along the strings, relative "
                f"error {i['profile_error']:.2g}; barriers differ by at most {100 * i['barrier_max_rel_diff']:.3g} %"
            )


def attractor_curvature(comp: object, ev_ex: np.ndarray, ev_net: np.ndarray, lam_flat: float, ex: object,
                        sched: Schedule, t: float) -> dict:  # fmt: skip
    """Per class of attractor: count, lowest eigenvalue (min / median / max of lambda_1), near-flat count."""
    a_ex, a_net = comp.exact, comp.network
    groups = {
        "exact_memorized": (a_ex.is_attractor & a_ex.memorized, ev_ex),
        "exact_spurious": (a_ex.is_attractor & ~a_ex.memorized, ev_ex),
    }
    for i, name in enumerate(MATCH_CLASSES):
        groups[f"network_{name.replace('-', '_')}"] = (a_net.is_attractor & (comp.match == i), ev_net)
    out = {}
    for name, (m, ev) in groups.items():
        lam1 = ev[m, 0]
        out[name] = {
            "count": int(m.sum()),
            "lam1_min": float(lam1.min()) if m.any() else None,
            "lam1_median": float(np.median(lam1)) if m.any() else None,
            "lam1_max": float(lam1.max()) if m.any() else None,
            "n_with_flat": int((count_flat(ev[m], lam_flat) > 0).sum()),
            "flat_directions": count_flat(ev[m], lam_flat).tolist(),
        }
    only = a_net.is_attractor & (comp.match == 2)
    # the exact energy's curvature where the network has attractors of its own (is the exact landscape flat there?)
    out["exact_lam1_at_network_only"] = curvature_spectrum(ex, sched, a_net.x[only], t)[:, 0].round(4).tolist()
    return out


def finite_t_samples(score: object, sched: Schedule, x_T: np.ndarray, t: float, pts: np.ndarray,
                     lam_flat: float) -> tuple[np.ndarray, np.ndarray, dict]:  # fmt: skip
    """ODE from t = 1 to t, fixed-point iteration at t, spectra, classification with and without the flat rule."""
    y_t = probability_flow(score, sched, x_T, steps=200, t_stop=t)
    y, _, conv = iterate_fixed_points(score, sched, t, y_t, scale=CIRCLE_SCALE, max_steps=3000)
    ev = curvature_spectrum(score, sched, y, t)
    n_flat = count_flat(ev, lam_flat)
    flat = classify(y, pts, delta_m=DELTA, delta_s=DELTA, scale=CIRCLE_SCALE, flat=n_flat > 0)
    plain = classify(y, pts, delta_m=DELTA, delta_s=DELTA, scale=CIRCLE_SCALE)
    info = {
        "curvature_rule": fractions(flat.labels),
        "distance_rule": fractions(plain.labels),
        "n_unconverged": int((~conv).sum()),
        "n_with_flat": int((n_flat > 0).sum()),
        "lam1_median": float(np.median(ev[:, 0])),
    }
    return y, flat.labels, info


def analyse(K: int, folder: str, t: float, n_samples: int, seed: int) -> tuple[ToyColumn, CurvatureColumn, dict]:
    net = load(weights_path(folder, K))
    sched = Schedule(**net.schedule)
    pts = net.points
    ex = exact_score(pts, sched, dtype="float64")
    ns = net.score()
    starts = grid_starts(-1.5, 1.5, 30)
    if K <= 50:
        starts = np.concatenate([starts, pts])
    t0 = time.perf_counter()
    a_ex = find_attractors(ex, sched, t, starts, pts)
    t1 = time.perf_counter()
    a_net = find_attractors(ns, sched, t, starts, pts, max_steps=3000)
    t2 = time.perf_counter()
    comp = compare_attractors(a_ex, a_net)
    t_att = time.perf_counter()
    lam_flat = flat_threshold(float(sched.std(t)), float(sched.scale(t)), SPREAD, CIRCLE_SCALE)
    ev_ex = curvature_spectrum(ex, sched, a_ex.x, t)
    ev_net = curvature_spectrum(ns, sched, a_net.x, t)
    curv = attractor_curvature(comp, ev_ex, ev_net, lam_flat, ex, sched, t)
    t_curv = time.perf_counter()
    rng = np.random.SeedSequence(seed, spawn_key=(K,))
    x_T = prior_sample(sched, n_samples, 2, rng, mean=pts.mean(axis=0), data_var=float(pts.var(axis=0).mean()))
    samples = {}
    for name, score in (("exact", ex), ("network", ns)):
        y = probability_flow(score, sched, x_T, steps=200, t_stop=T_STOP)
        samples[name] = score.denoiser(y, T_STOP)  # the last step: Tweedie's estimate of x_0 (no noise left)
    t3 = time.perf_counter()
    frac, ode = {}, {}
    for name, y in samples.items():
        cl = classify(y, pts, delta_m=0.05, delta_s=0.05)
        c = counts(cl.labels)
        frac[name] = {cls: int(c[i]) for i, cls in enumerate(CLASSES)}
        ode[name] = fractions(cl.labels)
    finite, finite_y = {}, {}
    for name, score in (("exact", ex), ("network", ns)):
        finite_y[name], _, finite[name] = finite_t_samples(score, sched, x_T, t, pts, lam_flat)
    t4 = time.perf_counter()
    physical = physical_classes(ex, ns, sched, t, finite_y, pts)
    t5 = time.perf_counter()
    summary = {
        "K": K,
        "t": t,
        "beta": float(sched.beta(t)),
        **comp.counts(),
        "network_only_at": a_net.x[a_net.is_attractor & (comp.match == 2)].round(4).tolist(),
        "exact_spurious_at": a_ex.x[a_ex.is_attractor & ~a_ex.memorized].round(4).tolist(),
        # the ring-profile model's expected own / spurious minima of K random points at this beta (weight rule, 0.6;
        # the attractors above use the distance rule), and the continuum ring (amphase.theory.lse_landscape)
        **{k: theory_at(K, float(sched.beta(t)), 0.6)[k] for k in ("theory_own", "theory_spurious", "R_theory")},
        "ode_samples": n_samples,
        "ode_classes_exact": frac["exact"],
        "ode_classes_network": frac["network"],
        "ode_fractions_exact": ode["exact"],
        "ode_fractions_network": ode["network"],
        "spread": SPREAD,
        "lam_flat": lam_flat,
        "attractor_curvature": curv,
        "finite_t_exact": finite["exact"],
        "finite_t_network": finite["network"],
        "train_seconds": net.seconds,
        "train_steps": net.settings.steps,
        "final_eval_loss": float(net.history[-1, 2]),
        "seconds_attractors_exact": t1 - t0,
        "seconds_attractors_network": t2 - t1,
        "seconds_spectra": t_curv - t_att,
        "seconds_ode": t3 - t_curv,
        "seconds_finite_t": t4 - t3,
        "physical": physical,
        "seconds_physical": t5 - t4,
    }
    col = ToyColumn(
        points=pts,
        comparison=comp,
        energy=lambda x: ex.energy(x, t),
        exact_score=lambda x: ex(x, t),
        network_score=lambda x: ns(x, t),
        exact_samples=samples["exact"],
        network_samples=samples["network"],
    )
    return col, CurvatureColumn(points=pts, comparison=comp, exact_eig=ev_ex, network_eig=ev_net), summary


def _lam(g: dict) -> str:
    if not g["count"]:
        return "0"
    return f"{g['count']} ({g['lam1_min']:.3g}..{g['lam1_max']:.3g}; flat {g['n_with_flat']})"


def _frac(f: dict) -> str:
    return " ".join(f"{100 * f[c]['fraction']:.1f} [{100 * f[c]['lo']:.1f}, {100 * f[c]['hi']:.1f}]" for c in CLASSES)


def print_curvature(rows: list[dict]) -> None:
    """The curvature tables: attractors with their lowest eigenvalues, and the sample fractions with errors."""
    print(f"attractors: count (lambda_1 min..max; with a near-flat direction), lambda_flat = {rows[0]['lam_flat']:.3g}")
    print("K | exact mem | exact spur | net mem | net exact-spur | net-only | exact lambda_1 at net-only")
    for r in rows:
        c = r["attractor_curvature"]
        print(f"{r['K']} | {_lam(c['exact_memorized'])} | {_lam(c['exact_spurious'])} | {_lam(c['network_memorized'])}"
              f" | {_lam(c['network_exact_spurious'])} | {_lam(c['network_network_only'])} | "
              f"{c['exact_lam1_at_network_only']}")  # fmt: skip
    print("samples, % memorized / spurious / generalized [Wilson 1 sigma]")
    print("K | score | finite t, curvature rule | finite t, distance rule | with flat dir | unconv | ODE to t=1e-3")
    for r in rows:
        for name in ("exact", "network"):
            f = r[f"finite_t_{name}"]
            print(f"{r['K']} | {name} | {_frac(f['curvature_rule'])} | {_frac(f['distance_rule'])} | "
                  f"{f['n_with_flat']} | {f['n_unconverged']} | {_frac(r[f'ode_fractions_{name}'])}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--t", type=float, default=0.15, help="diffusion time of the attractors (VE: sigma_t^2 = t)")
    p.add_argument("--K", type=int, nargs="+", default=list(TOY_K))
    p.add_argument("--weights", default="results", help="folder of the weight files")
    p.add_argument("--out", default=None, help="figure path (.png); default results/diffusion-toy-t{t}.png")
    p.add_argument("--curvature-out", default=None, help="curvature figure (.png); default: --out with -curvature")
    p.add_argument("--samples", type=int, default=500)
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--threads", type=int, default=1, help="torch's CPU threads for the network (intra-op)")
    a = p.parse_args(argv)
    try:
        if a.threads < 1:
            raise ParameterError(f"--threads {a.threads}: a whole number >= 1")
        torch.set_num_threads(a.threads)
        if not 0 < a.t <= 1:
            raise ParameterError(f"--t {a.t}: a time in (0, 1]")
        out = Path(a.out or f"results/diffusion-toy-t{a.t:g}.png")
        check_output(out, overwrite=a.overwrite, suffix=".png")
        c_out = Path(a.curvature_out or out.with_name(out.stem + "-curvature.png"))
        check_output(c_out, overwrite=a.overwrite, suffix=".png")
        if a.samples < 2:
            raise ParameterError(f"--samples {a.samples}: at least 2 (the spurious rule compares samples)")
        js = check_output(out.with_suffix(".json"), overwrite=a.overwrite, suffix=".json")
        for K in a.K:
            if not weights_path(a.weights, K).is_file():
                raise ParameterError(f"{weights_path(a.weights, K)}: missing; run scripts/train_toy_score.py first")
        cols, ccols, rows = [], [], []
        for K in a.K:
            col, ccol, row = analyse(K, a.weights, a.t, a.samples, SEED)
            cols.append(col)
            ccols.append(ccol)
            rows.append(row)
        head = ("K", "exact mem", "exact spur", "net mem", "net on exact spur", "net-only", "exact missed",
                "ODE mem% exact", "ODE mem% net")  # fmt: skip
        print(f"t = {a.t:g}, beta = {rows[0]['beta']:.4g}")
        print(" | ".join(head))
        for r in rows:
            m_ex = 100 * r["ode_classes_exact"]["memorized"] / r["ode_samples"]
            m_net = 100 * r["ode_classes_network"]["memorized"] / r["ode_samples"]
            print(
                f"{r['K']} | {r['exact_memorized']} | {r['exact_spurious']} | {r['network_memorized']} | "
                f"{r['network_exact_spurious']} | {r['network_network_only']} | {r['exact_attractors_missed']} | "
                f"{m_ex:.0f} | {m_net:.0f}"
            )
        print_curvature(rows)
        print_physical(rows)
        R = rows[0]["R_theory"]
        fig = plot_toy(cols, a.t, rows[0]["beta"], ring=R if R > 0 else None)  # the continuum ring R(beta), dashed
        save_figure(fig, out)
        save_figure(plot_curvature(ccols, a.t, rows[0]["beta"], rows[0]["lam_flat"], spread=SPREAD), c_out)
        with atomic_output(js) as tmp:
            tmp.write_text(json.dumps(rows, indent=1))
        print(f"wrote {out}, {c_out} and {js}")
    except ParameterError as err:
        print(f"diffusion_toy: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
