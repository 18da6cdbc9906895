r"""The continuous DenseAM's fixed points: its starts, and the one finder of :mod:`amphase.simulate.lse_minima`.

Protocol (:func:`find_minima`, :mod:`amphase.simulate.lse_minima`, which both families call): descent by the
fixed-point iteration in two stages with a Newton polish, deduplication by :func:`amphase.simulate.clustering.cluster`,
Hessian classification (minimum / saddle / degenerate), minima sorted by energy, and the one labelling (the owner of
a fixed point is the memory of largest softmax weight, owned when that weight exceeds ``own_weight``). What this
module adds:

1. **Starts** (:func:`starts`): every memory plus Gaussian noise of rms ``noise * scale`` per memory (``noisy``
   copies), points drawn from a Gaussian with the memories' mean and rms spread ``scale`` (``random``), and centroids
   of memory groups (the centroid of all memories, and of ``centroids`` groups made of a random memory and its
   ``g - 1`` nearest neighbours, ``g`` uniform in 2..``group``): the symmetric points where mixture minima and saddles
   sit. ``scale`` is the root-mean-square distance of the memories from their mean (:attr:`LSEEnergy.scale`).
2. **The distance rule** ``dense.lse`` datasets keep beside the weight (``Minima.on_memory``): a fixed point *sits on*
   its nearest memory when the distance is less than half the distance from that memory to its nearest other memory
   (its basin radius), so it sits on one memory at most; minima that sit on no memory are counted as *spurious* by
   this rule. The two rules differ where memories have merged: the single minimum between two merged memories lies
   at their midpoint, exactly half their distance from each, so the distance rule is decided by the slight pull of
   the other memories (or by rounding) and usually calls it a memory's; the weights there are 1/2 each, so it is
   owned by neither.
"""

from __future__ import annotations

import numpy as np

from amphase.simulate.lse_minima import KINDS, OWN_WEIGHT, Minima, find_minima

__all__ = ["KINDS", "OWN_WEIGHT", "Minima", "find_minima", "starts"]


def starts(
    memories: np.ndarray,
    rng: np.random.Generator,
    *,
    noisy: int = 1,
    noise: float = 0.1,
    random: int = 32,
    centroids: int = 16,
    group: int = 4,
) -> np.ndarray:
    """Starting points for :func:`find_minima` (module docstring, step 1), float64 ``(n, d)``."""
    mem = np.asarray(memories, dtype=np.float64)
    K, d = mem.shape
    centre = mem.mean(axis=0)
    scale = float(np.sqrt(((mem - centre) ** 2).sum(axis=1).mean())) or 1.0
    out = [np.repeat(mem, noisy, axis=0) + noise * scale / np.sqrt(d) * rng.standard_normal((K * noisy, d))]
    if random:
        out.append(centre + scale / np.sqrt(d) * rng.standard_normal((random, d)))
    out.append(centre[None, :])
    if centroids and K > 1:
        seeds = rng.integers(0, K, centroids)
        sizes = rng.integers(2, max(group, 2) + 1, centroids)
        d2 = ((mem[seeds][:, None, :] - mem[None, :, :]) ** 2).sum(-1)
        order = np.argsort(d2, axis=1)
        out.append(np.stack([mem[order[i, : min(sizes[i], K)]].mean(axis=0) for i in range(centroids)]))
    return np.concatenate(out)
