"""Train the circle-toy score networks (K = 2, 9 and 1000 points on the unit circle) and write their weights.

    python scripts/train_toy_score.py                       # the three toys, results/toy-score-K{K}.npz
    python scripts/train_toy_score.py --K 9 --steps 2000    # one, shorter
    python scripts/train_toy_score.py --overwrite           # replace existing weight files

Settings after Pham et al. 2025 (arXiv:2505.21777; the authors' toy_example.py, see
amphase.simulate.diffusion.torch_score_mlp; needs the torch extra, pip install '.[torch]'): VE process with sigma = 1
(sigma_t^2 = t), t uniform in [1e-5, 1], training points uniform on the unit circle, a 4 x 128 SiLU network
predicting the noise, in PyTorch. The paper trains 500k-800k steps on a GPU at learning rate 1e-4 with batches of
min(500, K); here 12k steps of 256 points with Adam at 2e-3 (cosine decay to 2e-5) on one CPU thread (--threads:
torch's intra-op threads). The training points are `training_set("circle", K, seed)` of
amphase.simulate.diffusion.data (nested in K: the 9 points contain the 2). Each file is written atomically; an
existing one is refused unless --overwrite.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from amphase.atomic import check_output
from amphase.errors import ParameterError
from amphase.simulate.diffusion.data import training_set
from amphase.simulate.diffusion.schedules import ve
from amphase.simulate.diffusion.torch_score_mlp import TrainSettings, save, train

TOY_K = (2, 9, 1000)
SEED = 20250527  # arXiv:2505.21777 was submitted on 2025-05-27


def toy_points(K: int, seed: int = SEED) -> np.ndarray:
    """The K training points of the circle toy (nested in K)."""
    return training_set("circle", K, np.random.SeedSequence(seed))


def weights_path(folder: str | Path, K: int) -> Path:
    """Where the weights of the K-point toy go."""
    return Path(folder) / f"toy-score-K{K}.npz"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--K", type=int, nargs="+", default=list(TOY_K), help="numbers of training points")
    p.add_argument("--steps", type=int, default=12_000)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--lr-final", type=float, default=2e-5)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--out", default="results", help="folder of the weight files")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--threads", type=int, default=1, help="torch's CPU threads (intra-op)")
    a = p.parse_args(argv)
    try:
        if a.threads < 1:
            raise ParameterError(f"--threads {a.threads}: a whole number >= 1")
        torch.set_num_threads(a.threads)
        settings = TrainSettings(
            steps=a.steps, batch=a.batch, width=a.width, depth=a.depth, lr=a.lr, lr_final=a.lr_final, log_every=1000
        )
        paths = {K: check_output(weights_path(a.out, K), overwrite=a.overwrite, suffix=".npz") for K in a.K}
        sched = ve(1.0)
        for K in a.K:
            pts = toy_points(K, a.seed)
            t0 = time.perf_counter()

            def show(step: float, tr: float, ev: float, K: int = K, t0: float = t0) -> None:
                print(f"K={K:<5} step {int(step):>6}  train {tr:.4f}  eval {ev:.4f}  {time.perf_counter() - t0:6.1f} s")

            net = train(pts, sched, seed=a.seed + K, settings=settings, progress=show)
            save(net, paths[K])
            n = net.module.n_params
            print(f"K={K}: {net.seconds:.1f} s for {settings.steps} steps ({n} weights) -> {paths[K]}")
    except ParameterError as err:
        print(f"train_toy_score: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
