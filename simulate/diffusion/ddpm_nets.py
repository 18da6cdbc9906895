r"""ε-prediction networks of the DDPMs of :mod:`amphase.simulate.diffusion.ddpm`: ``net(x (B, d), n (B,)) -> (B, d)``.

``mlp``
    A residual MLP on the flattened pixels: input layer to ``width``, ``depth`` blocks
    :math:`h \leftarrow h + W_2\,\mathrm{SiLU}(W_1\,\mathrm{SiLU}(\mathrm{LN}(h)) + E(n))`, output layer; the step n
    enters through a sinusoidal embedding (Vaswani et al. 2017, as in Ho et al. 2020) projected per block. The
    CPU choice (cost measured in ``docs/results/diffusion.md``, "Trained networks").
``unet``
    diffusers' ``UNet2DModel`` (the paper's architecture) on ``side x side`` single-channel images, blocks
    ``(width, 2 width)``; needs ``pip install diffusers``; for a GPU.

:func:`build` makes either with its initial weights drawn from a SeedSequence (torch's global RNG forked, so the
caller's stream is untouched). :func:`flat_weights`/:func:`load_flat_weights` store and restore a network as one
float32 vector (the checkpoint a grid point keeps).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from amphase.errors import ParameterError

__all__ = ["NETWORKS", "build", "flat_weights", "load_flat_weights", "n_params"]

#: the network names :func:`build` knows.
NETWORKS = ("mlp", "unet")


def _modules() -> Any:
    from torch import nn

    class ResMLP(nn.Module):
        """Residual MLP with a sinusoidal step embedding (module docstring)."""

        def __init__(self, d: int, width: int, depth: int, emb: int = 64) -> None:
            super().__init__()
            self.emb = emb
            self.inp = nn.Linear(d, width)
            self.temb = nn.Sequential(nn.Linear(emb, width), nn.SiLU())
            self.norms = nn.ModuleList([nn.LayerNorm(width) for _ in range(depth)])
            self.lin1 = nn.ModuleList([nn.Linear(width, width) for _ in range(depth)])
            self.tproj = nn.ModuleList([nn.Linear(width, width) for _ in range(depth)])
            self.lin2 = nn.ModuleList([nn.Linear(width, width) for _ in range(depth)])
            self.out = nn.Linear(width, d)
            self.act = nn.SiLU()

        def forward(self, x: Any, n: Any) -> Any:
            import torch

            half = self.emb // 2
            freq = torch.exp(-math.log(10_000.0) * torch.arange(half, device=x.device, dtype=torch.float32) / half)
            arg = n.to(torch.float32).unsqueeze(1) * freq
            te = self.temb(torch.cat([arg.sin(), arg.cos()], dim=1))
            h = self.inp(x)
            for norm, l1, tp, l2 in zip(self.norms, self.lin1, self.tproj, self.lin2, strict=True):
                h = h + l2(self.act(l1(self.act(norm(h))) + tp(te)))
            return self.out(self.act(h))

    class UNet(nn.Module):
        """diffusers' UNet2DModel on flattened single-channel square images."""

        def __init__(self, d: int, width: int) -> None:
            super().__init__()
            try:
                from diffusers import UNet2DModel
            except ImportError as err:
                raise ParameterError("network='unet' needs diffusers: pip install diffusers") from err
            self.side = math.isqrt(d)
            if self.side * self.side != d:
                raise ParameterError(f"network='unet' needs square images: d={d} is not a square")
            self.unet = UNet2DModel(sample_size=self.side, in_channels=1, out_channels=1,
                                    block_out_channels=(width, 2 * width), layers_per_block=1,
                                    down_block_types=("DownBlock2D", "DownBlock2D"),
                                    up_block_types=("UpBlock2D", "UpBlock2D"), norm_num_groups=8)  # fmt: skip

        def forward(self, x: Any, n: Any) -> Any:
            img = x.reshape(-1, 1, self.side, self.side)
            return self.unet(img, n).sample.reshape(x.shape[0], -1)

    return ResMLP, UNet


def build(
    network: str, d: int, seed: np.random.SeedSequence, *, width: int = 256, depth: int = 4, device: str = "cpu"
) -> Any:
    """The network ``network`` (module docstring) for dimension ``d``, initial weights from ``seed``, on ``device``."""
    import torch

    if network not in NETWORKS:
        raise ParameterError(f"network={network!r}; allowed: {', '.join(NETWORKS)}")
    ResMLP, UNet = _modules()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed.generate_state(1, np.uint64)[0] >> np.uint64(1)))
        net = ResMLP(d, width, depth) if network == "mlp" else UNet(d, width)
    return net.to(device)


def n_params(net: Any) -> int:
    """Number of trainable parameters."""
    return int(sum(p.numel() for p in net.parameters() if p.requires_grad))


def flat_weights(net: Any) -> np.ndarray:
    """All parameters and buffers of ``net`` as one float32 vector, in ``state_dict`` order."""
    return np.concatenate([v.detach().cpu().reshape(-1).float().numpy() for v in net.state_dict().values()])


def load_flat_weights(net: Any, flat: np.ndarray) -> Any:
    """Load the vector of :func:`flat_weights` back into a network of the same architecture; returns ``net``."""
    import torch

    state, i = net.state_dict(), 0
    flat = np.asarray(flat, dtype=np.float32)
    if flat.size != sum(v.numel() for v in state.values()):
        raise ParameterError(f"weights of size {flat.size} do not fit this network ({n_params(net)} parameters)")
    for k, v in state.items():
        state[k] = torch.as_tensor(flat[i : i + v.numel()].reshape(v.shape), dtype=v.dtype)
        i += v.numel()
    net.load_state_dict(state)
    return net
