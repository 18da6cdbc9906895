"""Wall time of one ``diffusion.trained`` network: training per step and in all, sampling per score.

Trains the network of a grid point (:class:`amphase.simulate.diffusion.trained.Trained`, parameters as
``key=value``) once on K training images and samples with it and with the exact score, printing the times. The
machine's load is not controlled: run it beside ``uptime`` and say the load.

Usage::

    python scripts/time_trained.py K=64 train_steps=3000 width=128 depth=3 n_samples=128 [threads=1]
"""

from __future__ import annotations

import sys
import time

import numpy as np


def main(argv: list[str]) -> None:
    """Parse ``key=value`` parameters, train and sample once, print the wall times."""
    import torch

    from amphase.simulate.diffusion import ddpm, ddpm_nets
    from amphase.simulate.diffusion.trained import Trained, dataset_images, subset

    kw: dict = {}
    for a in argv:
        k, _, v = a.partition("=")
        kw[k] = v if k in ("dataset", "network", "device") else (float(v) if k == "lr" else int(v))
    r = Trained(**kw)
    r.check()
    torch.set_num_threads(r.threads)
    data = subset(dataset_images(r.dataset, r.side), r.K, r.data_seed)
    sch = ddpm.DDPMSchedule(T=r.T)
    net = ddpm_nets.build(r.network, r.dim(), np.random.SeedSequence(0), width=r.width, depth=r.depth, device=r.device)
    g = ddpm.torch_generator(np.random.SeedSequence(1), r.device)
    fit = ddpm.train(net, data, sch, steps=r.train_steps, batch=r.batch, lr=r.lr, device=r.device, generator=g)
    print(f"network {r.network} width {r.width} depth {r.depth}: {ddpm_nets.n_params(net)} parameters")
    secs, loss = fit["seconds"], fit["loss"][-100:].mean()
    per_step = 1000 * secs / r.train_steps
    print(f"training: {r.train_steps} steps of batch {r.batch} in {secs:.1f} s ({per_step:.2f} ms/step)")
    print(f"final loss (last 100 steps) {loss:.4f}")
    for name, eps in (("network", ddpm.network_eps(net)), ("exact", ddpm.exact_eps(data, sch))):
        t0 = time.perf_counter()
        ddpm.ancestral_sample(eps, r.n_samples, r.dim(), sch, generator=ddpm.torch_generator(np.random.SeedSequence(2)))
        print(f"sampling ({name}, K = {r.K}): {r.n_samples} samples x {r.T} steps in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
