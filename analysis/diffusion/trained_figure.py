"""Example samples of each class beside their nearest training images, from a ``diffusion.trained`` dataset."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from amphase.simulate.diffusion.classify import CLASSES

__all__ = ["samples_figure"]


def _examples(ds: xr.Dataset, K: int, score: str, per_class: int) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Up to ``per_class`` (sample, nearest training image) pairs per class, over the training seeds in order."""
    out: dict[str, list] = {c: [] for c in CLASSES}
    pt = ds.sel(K=K, score=score)
    m = pt.sizes["stored"]
    for r in range(pt.sizes["realization"]):
        one = pt.isel(realization=r)
        labels = one["label"].values[:m]
        for i, lab in enumerate(labels):
            if lab >= 0 and len(out[CLASSES[lab]]) < per_class:
                out[CLASSES[lab]].append((one["x"].values[i], one["x_nearest"].values[i], float(one["d1"].values[i])))
    return out


def samples_figure(ds: xr.Dataset, path: str, Ks: Sequence[int], *, score: str = "network", per_class: int = 4) -> Any:
    """One row pair per (K, class) that has samples: up to ``per_class`` samples above their nearest training image.

    Each sample is titled with its distance to that image in units of the data's nearest-neighbour scale; a class
    without samples at a K gets no row (the caption's table says which).
    """
    from amphase.analysis.figures import new_figure

    d = ds.sizes["coord"]
    side = math.isqrt(d)
    found = {(K, c): ex for K in Ks for c, ex in _examples(ds, K, score, per_class).items()}
    rows = [key for key, ex in found.items() if ex]
    fig = new_figure(1.3 * per_class, 1.25 * 2 * len(rows))
    axes = fig.subplots(2 * len(rows), per_class, squeeze=False)
    scale = float(ds["nn_scale"].max())
    for row, (K, c) in enumerate(rows):
        ex = found[(K, c)]
        for j in range(per_class):
            top, bottom = axes[2 * row, j], axes[2 * row + 1, j]
            for ax in (top, bottom):
                ax.set_xticks([])
                ax.set_yticks([])
            if j < len(ex):
                x, near, d1 = ex[j]
                top.imshow(x.reshape(side, side), cmap="gray_r", vmin=-1, vmax=1)
                bottom.imshow(near.reshape(side, side), cmap="gray_r", vmin=-1, vmax=1)
                top.set_title(f"d1={d1 / scale:.2f} l_nn", fontsize=7)
            else:
                top.axis("off")
                bottom.axis("off")
        axes[2 * row, 0].set_ylabel(f"K={K}\n{c}", fontsize=8)
        axes[2 * row + 1, 0].set_ylabel("nearest\ntrain", fontsize=8)
    fig.suptitle(f"{score} samples (upper) and their nearest training image (lower)", fontsize=9)
    fig.savefig(path, dpi=110)
    return fig
