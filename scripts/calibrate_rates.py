"""Each simulation model's rate: the ``cost()`` units one worker does per second, from measured wall times.

``amphase run`` estimates a sweep's wall time before it starts (:func:`amphase.simulate.sweep.estimate_seconds`) as
the sum of its points' ``cost()`` (times their realizations) over the model's ``rate`` and the workers that run at
once. A rate is the total cost of a built-in configuration divided by its measured wall time and its workers:

* by default from the wall times the README reports for the built-in configurations (measured by earlier sessions
  on this project's 2-core machine, loaded), printed for every configuration that has one; the models' ``rate`` is
  the lowest over their configurations, so that the estimate is an upper one (for ``diffusion.exact`` the d = 2
  circle runs 30-50x below the rate of the d = 30 and d = 64 configurations: its per-sample work is not in cost());
* with ``--measure CONFIG ...``, by running those configurations now (one realization, serially, one BLAS thread),
  which gives the rate on the machine as it is loaded now (at load 18, 5-10x below the README's).

Usage: ``python scripts/calibrate_rates.py [--measure CONFIG ...]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from amphase import progress
from amphase.simulate.config import apply_overrides, builtin_configs, load_config, resolve
from amphase.simulate.models import get_model
from amphase.simulate.sweep import grid_points, run_sweep

#: configuration -> (wall time in s, workers), as the README reports them.
MEASURED = {
    "hopfield-capacity": (65, 2), "hopfield-fss": (330, 2),
    "dense-capacity-n2": (94, 2), "dense-capacity": (182, 2), "dense-capacity-n4": (173, 2),
    "dense-circle": (799 * 16 / 24, 2),  # README: 799 s for the 24-realization sweep; the config has 16
    "dense-lse-threshold": (92, 2), "dense-sequence": (75, 2),
    "diffusion-circle-random": (64, 2), "diffusion-circle": (14, 2), "diffusion-linear": (50, 2),
    "diffusion-digits": (32, 2), "diffusion-toy": (44, 2), "diffusion-basins": (26, 2), "diffusion-collapse": (43, 2),
    "diffusion-clones-exact": (96, 1), "diffusion-directions": (31, 2), "diffusion-directions-spectrum": (48, 2),
}  # fmt: skip


def total_cost(config: dict) -> float:
    """The sum of the points' ``cost()`` times their realizations."""
    model = get_model(config["model"])
    return sum(float(model.cost(p)) * config["realizations"] for _, p in grid_points(config))


def measure(name: str) -> tuple[float, float]:
    """Run ``name`` with one realization, serially (its kernels compiled by a first point); cost and wall time."""
    config = resolve(apply_overrides(load_config(name)[1], ["realizations=1"]))
    first = next(iter(grid_points(config)))[1]
    small = {**config, "grid": {k: [first[k]] for k in config["grid"]}}
    with tempfile.TemporaryDirectory() as tmp, progress.configured("off"):
        run_sweep(small, Path(tmp) / "warm.nc", executor="serial").close()
        t0 = time.perf_counter()
        run_sweep(config, Path(tmp) / "out.nc", executor="serial").close()
        return total_cost(config), time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--measure", nargs="+", metavar="CONFIG", help="run these configurations now instead")
    args = ap.parse_args()
    if args.measure:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # read at the first BLAS call, in this process
        for name in args.measure:
            cost, wall = measure(name)
            print(f"{name:<30} cost {cost:.3g} in {wall:.1f} s (1 worker, now): rate {cost / wall:.3g}/s")
        return 0
    lowest: dict[str, float] = {}
    for name in sorted(builtin_configs()):
        config = resolve(load_config(name)[1])
        if name not in MEASURED:
            continue
        wall, workers = MEASURED[name]
        rate = total_cost(config) / (wall * workers)
        model = config["model"]
        lowest[model] = min(lowest.get(model, rate), rate)
        print(f"{name:<30} {model:<22} {wall:>6.0f} s on {workers}: rate {rate:.3g}/s")
    print("# the models' rate (the lowest of their configurations):")
    for model, rate in sorted(lowest.items()):
        print(f"{model:<22} {rate:.2g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
