"""The circle toy: attractors of the exact score and of the trained networks side by side, and the figure.

    python scripts/train_toy_score.py              # first: the weights, results/toy-score-K{2,9,1000}.npz
    python scripts/diffusion_toy.py                # t = 0.15 (beta = 3.33), results/diffusion-toy-t0.15.{png,json}
    python scripts/diffusion_toy.py --t 0.05       # the paper's second noise level (beta = 10)

For each K: the fixed points of both scores at time t from a 30 x 30 grid of starts over [-1.5, 1.5]^2 (plus every
training point when K <= 50), deduplicated and classified (amphase.analysis.diffusion.attractors); and 500
probability-flow ODE samples of each score from t = 1 to t = 1e-3 (Heun, 200 log-spaced steps) followed by the
denoiser at t = 1e-3 (the estimate of x_0, which removes the remaining noise sigma_t = 0.03), classified by the
memorized / spurious / generalized rule (amphase.analysis.diffusion.classify, delta_m = delta_s = 0.05). Prints one
table, writes the counts as JSON (with the ring-profile model's expected own / spurious minima at the same beta,
amphase.analysis.diffusion.landscape.theory_at) and the figure (amphase.analysis.diffusion.attractor_figures, with
the continuum ring R(beta) dashed). The analytic landscape alone, over realizations and against the theory, is the
built-in experiment `amphase run diffusion-toy` (model diffusion.landscape).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from train_toy_score import SEED, TOY_K, weights_path  # scripts/ is on sys.path when this script runs

from amphase.analysis.diffusion.attractor_figures import ToyColumn, plot_toy
from amphase.analysis.diffusion.attractors import compare_attractors, find_attractors, grid_starts
from amphase.analysis.diffusion.classify import CLASSES, classify, counts
from amphase.analysis.diffusion.landscape import theory_at
from amphase.analysis.figures import save_figure
from amphase.atomic import atomic_output, check_output
from amphase.errors import ParameterError
from amphase.simulate.diffusion.network import load
from amphase.simulate.diffusion.samplers import prior_sample, probability_flow
from amphase.simulate.diffusion.schedules import Schedule
from amphase.simulate.diffusion.score import exact_score

T_STOP = 1e-3  # where the ODE stops (the paper's sampler stops at 1e-3 too), then one denoiser step


def analyse(K: int, folder: str, t: float, n_samples: int, seed: int) -> tuple[ToyColumn, dict]:
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
    rng = np.random.SeedSequence(seed, spawn_key=(K,))
    x_T = prior_sample(sched, n_samples, 2, rng, mean=pts.mean(axis=0), data_var=float(pts.var(axis=0).mean()))
    samples = {}
    for name, score in (("exact", ex), ("network", ns)):
        y = probability_flow(score, sched, x_T, steps=200, t_stop=T_STOP)
        samples[name] = score.denoiser(y, T_STOP)  # the last step: Tweedie's estimate of x_0 (no noise left)
    t3 = time.perf_counter()
    frac = {}
    for name, y in samples.items():
        c = counts(classify(y, pts, delta_m=0.05, delta_s=0.05).labels)
        frac[name] = {cls: int(c[i]) for i, cls in enumerate(CLASSES)}
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
        "train_seconds": net.seconds,
        "train_steps": net.settings.steps,
        "final_eval_loss": float(net.history[-1, 2]),
        "seconds_attractors_exact": t1 - t0,
        "seconds_attractors_network": t2 - t1,
        "seconds_ode": t3 - t2,
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
    return col, summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--t", type=float, default=0.15, help="diffusion time of the attractors (VE: sigma_t^2 = t)")
    p.add_argument("--K", type=int, nargs="+", default=list(TOY_K))
    p.add_argument("--weights", default="results", help="folder of the weight files")
    p.add_argument("--out", default=None, help="figure path (.png); default results/diffusion-toy-t{t}.png")
    p.add_argument("--samples", type=int, default=500)
    p.add_argument("--overwrite", action="store_true")
    a = p.parse_args(argv)
    try:
        if not 0 < a.t <= 1:
            raise ParameterError(f"--t {a.t}: a time in (0, 1]")
        out = Path(a.out or f"results/diffusion-toy-t{a.t:g}.png")
        check_output(out, overwrite=a.overwrite, suffix=".png")
        js = check_output(out.with_suffix(".json"), overwrite=a.overwrite, suffix=".json")
        for K in a.K:
            if not weights_path(a.weights, K).is_file():
                raise ParameterError(f"{weights_path(a.weights, K)}: missing; run scripts/train_toy_score.py first")
        cols, rows = [], []
        for K in a.K:
            col, row = analyse(K, a.weights, a.t, a.samples, SEED)
            cols.append(col)
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
        R = rows[0]["R_theory"]
        fig = plot_toy(cols, a.t, rows[0]["beta"], ring=R if R > 0 else None)  # the continuum ring R(beta), dashed
        save_figure(fig, out)
        with atomic_output(js) as tmp:
            tmp.write_text(json.dumps(rows, indent=1))
        print(f"wrote {out} and {js}")
    except ParameterError as err:
        print(f"diffusion_toy: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
