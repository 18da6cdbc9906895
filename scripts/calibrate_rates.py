"""Measure each simulation model's rate: its ``cost()`` units done per second by one worker.

``amphase run`` estimates a sweep's wall time before it starts as the sum of its points' ``cost()`` (times their
realizations) divided by the model's ``rate`` and by the workers that run at once (:func:`amphase.simulate.sweep.
estimate_seconds`). The rates come from this script: each model runs its headline built-in configuration with one
realization, serially in this process (Numba kernels already compiled by a first small run), and the rate is the
total cost over the wall time. Paste the printed rates into the models (``rate=`` of their
:class:`~amphase.simulate.models.Model`).

Usage: ``python scripts/calibrate_rates.py [MODEL ...]``; prints one line per model.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from amphase import progress
from amphase.simulate.config import apply_overrides, load_config, resolve
from amphase.simulate.models import get_model
from amphase.simulate.sweep import grid_points, run_sweep

#: model -> (configuration, overrides): the configuration each rate is measured on.
CONFIGS = {
    "hopfield": ("hopfield-capacity", ["realizations=1"]),
    "dense.binary": ("dense-capacity", ["realizations=1"]),
    "dense.lse": ("dense-circle", ["realizations=1"]),
    "dense.sequence": ("dense-sequence", ["realizations=1"]),
    "dense.exp_retrieval": ("dense-lse-threshold", ["realizations=1"]),
    "diffusion.exact": ("diffusion-circle-random", ["realizations=1"]),
    "diffusion.directions": ("diffusion-directions", ["realizations=1"]),
    "diffusion.basins": ("diffusion-basins", ["realizations=1"]),
    "diffusion.landscape": ("diffusion-toy", ["realizations=1"]),
    "diffusion.collapse": ("diffusion-collapse", ["realizations=1"]),
    "diffusion.clones": ("diffusion-clones", ["realizations=1"]),
}


def measure(model_name: str) -> tuple[float, float, float]:
    """Total cost, wall time (s) and rate (cost units per second) of the model's calibration run."""
    name, overrides = CONFIGS[model_name]
    config = resolve(apply_overrides(load_config(name)[1], overrides))
    model = get_model(config["model"])
    total = sum(float(model.cost(p)) * config["realizations"] for _, p in grid_points(config))
    with tempfile.TemporaryDirectory() as tmp, progress.configured("off"):
        warm = resolve(apply_overrides(load_config(name)[1], [*overrides]))
        first = next(iter(grid_points(warm)))[1]  # compile the kernels on one point first
        small = {**warm, "grid": {k: [first[k]] for k in warm["grid"]}}
        run_sweep(small, Path(tmp) / "warm.nc", executor="serial").close()
        t0 = time.perf_counter()
        run_sweep(config, Path(tmp) / "out.nc", executor="serial").close()
        wall = time.perf_counter() - t0
    return total, wall, total / wall


def main() -> int:
    for model_name in sys.argv[1:] or list(CONFIGS):
        total, wall, rate = measure(model_name)
        print(f"{model_name:<22} {CONFIGS[model_name][0]:<26} cost {total:.4g} in {wall:.1f} s: rate {rate:.3g}/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
