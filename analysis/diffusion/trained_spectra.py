r"""Jacobian spectra of a trained DDPM's denoiser per class of its samples, beside the exact score's.

At a finite noise level the denoiser :math:`D(x) = \mathbb E[x_0\mid x_t = x]` of the exact score has the Jacobian
:math:`J_D = (s/\sigma_t^2)\operatorname{Cov}_w(\xi)` (:meth:`~amphase.simulate.diffusion.score.ExactScore.
denoiser_jacobian`): near a training point that owns the softmax weight it is ~0 (every perturbation is pulled back:
a point attractor, memorization); where several training points share the weight it has eigenvalues of order one
along the directions between them. A trained network's :math:`J_D` (by ``torch.func`` through
:class:`amphase.simulate.diffusion.torch_score.TorchScore`) is compared on the same footing: at each stored sample
:math:`y`, placed at the noise level's scale :math:`x = s\,y`, the eigenvalues of the symmetric part
:math:`(J_D + J_D^\top)/2` (the exact one is symmetric).

The noise level is set in the data's units: :math:`\sigma_t/s = c\,\ell_{nn}` (``c = 1/4`` by default: a quarter of
the median nearest-neighbour distance of the dataset, where the exact score of a few images is still a point
attractor at each). A direction *passes* when its eigenvalue exceeds ½ (halfway between pulled back, 0, and passed
through, 1); :func:`class_spectra` also counts at ¼ and ¾, the band.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from amphase.dataset import fixed_param
from amphase.simulate.diffusion.classify import CLASSES

__all__ = ["PASS", "class_spectra", "network_score", "noise_time", "summary"]

#: eigenvalue thresholds of a passing direction: the defining one and the band.
PASS = (0.5, 0.25, 0.75)


def noise_time(nn_scale: float, c: float = 0.25) -> float:
    r"""The VP time (:func:`~amphase.simulate.diffusion.ddpm.vp_time`) where :math:`\sigma_t/s = c\,\ell_{nn}`.

    :math:`\sigma_t^2/s^2 = (1-\bar\alpha)/\bar\alpha`, so :math:`\bar\alpha = 1/(1 + c^2\ell_{nn}^2)`.
    """
    from amphase.simulate.diffusion.ddpm import vp_time

    return float(vp_time(1.0 / (1.0 + (c * nn_scale) ** 2)))


def network_score(point: xr.Dataset) -> Any:
    """The :class:`TorchScore` of the network stored at one (K, realization) of a ``diffusion.trained`` dataset."""
    import torch

    from amphase.simulate.diffusion import ddpm, ddpm_nets
    from amphase.simulate.diffusion.torch_score import TorchScore

    d = point.sizes["coord"]
    net = ddpm_nets.build(str(fixed_param(point, "network")), d, np.random.SeedSequence(0),
                          width=int(fixed_param(point, "width")), depth=int(fixed_param(point, "depth")))  # fmt: skip
    ddpm_nets.load_flat_weights(net, point["weights"].values)
    net.eval()
    sch = ddpm.DDPMSchedule(T=int(fixed_param(point, "T")))
    return TorchScore(net, sch.vp_schedule(), prediction="eps", time_input=ddpm.step_of_time(sch), dtype=torch.float32)


def class_spectra(ds: xr.Dataset, K: int, *, c: float = 0.25) -> dict[str, dict[str, np.ndarray]]:
    """Eigenvalues of the symmetric part of :math:`J_D` at the stored samples, per score and class (module docstring).

    Returns ``{score: {class: (n, d) eigenvalues, descending}}`` over all training seeds; the exact score's Jacobian
    is taken at its own samples with the exact score of the same K-subset.
    """
    from amphase.simulate.diffusion.data import subset
    from amphase.simulate.diffusion.ddpm import DDPMSchedule
    from amphase.simulate.diffusion.score import exact_score
    from amphase.simulate.diffusion.trained import dataset_images

    pt = ds.sel(K=K)
    scale = float(pt["nn_scale"].max())
    t = noise_time(scale, c)
    dataset = str(fixed_param(ds, "dataset"))
    data = subset(dataset_images(dataset, int(fixed_param(ds, "side", 14))), K, int(fixed_param(ds, "data_seed")))
    sch = DDPMSchedule(T=int(fixed_param(ds, "T"))).vp_schedule()
    s = float(sch.scale(t))
    exact = exact_score(data, sch)
    out: dict[str, dict[str, list]] = {sc: {cl: [] for cl in CLASSES} for sc in ("network", "exact")}
    m = pt.sizes["stored"]
    for r in range(pt.sizes["realization"]):
        one = pt.isel(realization=r)
        for sc in ("network", "exact"):
            x = one["x"].sel(score=sc).values.astype(np.float64)
            labels = one["label"].sel(score=sc).values[:m]
            keep = np.isfinite(x).all(axis=1) & (labels >= 0)
            if not keep.any():
                continue
            xs = s * x[keep]
            if sc == "network":
                jac = np.asarray(network_score(one).jacobian(xs.astype(np.float32), t), dtype=np.float64)
            else:
                jac = np.asarray(exact.denoiser_jacobian(xs, t), dtype=np.float64)
            ev = np.linalg.eigvalsh(0.5 * (jac + np.swapaxes(jac, 1, 2)))[:, ::-1]
            for lab, e in zip(labels[keep], ev, strict=True):
                out[sc][CLASSES[lab]].append(e)
    d = ds.sizes["coord"]
    return {sc: {cl: np.array(v).reshape(-1, d) for cl, v in per.items()} for sc, per in out.items()}


def summary(spectra: dict[str, dict[str, np.ndarray]]) -> str:
    """Per score and class: samples, mean top eigenvalue, mean passing directions at ½ [¼-¾]."""
    lines = [f"{'score':>8} {'class':>12} {'n':>4} {'top eig.':>9} {'passing at 1/2 [1/4-3/4]':>26}"]
    for sc, per in spectra.items():
        for cl, ev in per.items():
            if len(ev) == 0:
                lines.append(f"{sc:>8} {cl:>12} {0:>4} {'-':>9} {'-':>26}")
                continue
            n_pass = [float((ev > p).sum(1).mean()) for p in PASS]
            lines.append(f"{sc:>8} {cl:>12} {len(ev):>4} {float(ev[:, 0].mean()):>9.3f} "
                         f"{n_pass[0]:>10.2f} [{n_pass[2]:.2f}-{n_pass[1]:.2f}]")  # fmt: skip
    return "\n".join(lines)
