r"""The circle toy's score network in PyTorch: a SiLU MLP predicting the noise, trained by denoising score matching.

Needs the ``torch`` extra. Replaces the NumPy MLP with hand-written backpropagation and Adam of earlier versions
(``network.py``): same architecture, inputs, loss, schedule and seeded draws, gradients by autograd,
``torch.optim.Adam``; the trained network is an amphase score through
:class:`~amphase.simulate.diffusion.torch_score.TorchScore` (:meth:`TrainedNetwork.score`).

The network
-----------
:math:`\hat\varepsilon(x, t)` of a noised point :math:`x_t = s(t)\,x_0 + \sigma_t\,\varepsilon`. Input features: the
point scaled to unit variance, :math:`c_{in} x` with :math:`c_{in} = (s^2\sigma_d^2 + \sigma_t^2)^{-1/2}`
(:math:`\sigma_d^2` the training points' mean square per coordinate), and a Fourier embedding of the noise level,
:math:`[\cos(\omega_j \log\sigma_t), \sin(\omega_j \log\sigma_t)]`, fixed :math:`\omega_j \sim \mathcal N(0,
\text{freq\_scale}^2)`; ``depth`` hidden layers of ``width`` SiLU units, a linear output of dimension d.

The paper's toy network (Pham et al. 2025, arXiv:2505.21777; the authors' ``toy_example.py`` in
github.com/Lemon-cmd/Diffusion-Models-and-Associative-Memory, read for the settings only) is of the same kind:
Fourier features of t through two SiLU layers, concatenated with x, then 128-unit SiLU layers; VE with
:math:`\sigma = 1`, t uniform in :math:`[10^{-5}, 1]`, Adam at :math:`10^{-4}`, 500k–800k steps on a GPU. Here: the
same loss, process and time sampling, a plain MLP on fixed features, Adam at a larger rate with a cosine decay and
fewer steps, so that training takes seconds to minutes on two CPU cores (``scripts/train_toy_score.py``).

Denoising score matching
------------------------
Each step draws ``batch`` training points (uniformly, with replacement), times uniform in ``[t_lo, t_hi]`` and
:math:`\varepsilon \sim \mathcal N(0, I)`, and takes one Adam step (Kingma & Ba 2015, with bias correction) on
:math:`L = \frac1B \sum_b \lVert \hat\varepsilon(s_b\,\xi_b + \sigma_b\varepsilon_b, t_b) - \varepsilon_b \rVert^2`
(Vincent 2011; Ho et al. 2020, Eq. 14), whose minimiser over all functions is the exact empirical score. Seeds: the
root ``SeedSequence(seed)``'s children ``(0,)`` draw the initial weights (:math:`U(\pm 1/\sqrt{n_{in}})`, zero
biases) and the frequencies, ``(1,)`` the training batches, ``(2,)`` the fixed evaluation set (NumPy generators, the
draws of the NumPy version); ``(3,)`` seeds torch's generator inside the loop (:func:`torch.random.fork_rng`, the
caller's torch state untouched), for anything torch draws.

Files
-----
:func:`save` writes one ``.npz`` atomically: the weights as (n_in, n_out) matrices ``w{i}``, biases ``b{i}``, the
frequencies, the training points, the loss history and a JSON header; the format (``amphase.score_network.v1``) is
the NumPy version's, so weights trained by either load in both.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from amphase.atomic import atomic_output
from amphase.errors import ParameterError
from amphase.simulate.diffusion.schedules import Schedule
from amphase.simulate.diffusion.torch_score import TorchScore
from amphase.simulate.diffusion.torch_score_time import schedule_tensors
from amphase.simulate.seeding import child_rng

__all__ = ["FORMAT", "ScoreMLP", "TrainSettings", "TrainedNetwork", "load", "save", "train"]

#: the file format tag written in every weights file (unchanged from the NumPy version).
FORMAT = "amphase.score_network.v1"
DTYPES = {"float32": torch.float32, "float64": torch.float64}


class ScoreMLP(torch.nn.Module):
    r"""``net(x, t)`` :math:`= \hat\varepsilon(x, t)`, x (B, d), t (B,) times of ``schedule`` (module docstring)."""

    def __init__(
        self,
        d: int,
        schedule: Schedule,
        *,
        width: int,
        depth: int,
        freqs: Any,
        data_ms: float,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        self.schedule = schedule
        self.data_ms = float(data_ms)
        self.register_buffer("freqs", torch.as_tensor(np.asarray(freqs)).to(dtype))  # from the draws, one rounding
        sizes = [d + 2 * len(self.freqs)] + [width] * depth + [d]
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b, dtype=dtype) for a, b in itertools.pairwise(sizes))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The predicted noise, (B, d)."""
        s, sd = schedule_tensors(self.schedule, t.to(torch.float64))
        s, sd = s.to(x.dtype), sd.to(x.dtype)
        c_in = 1.0 / torch.sqrt(s * s * self.data_ms + sd * sd)
        phase = torch.log(sd)[:, None] * self.freqs[None, :]
        h = torch.cat([x * c_in[:, None], torch.cos(phase), torch.sin(phase)], dim=1)
        for layer in self.layers[:-1]:
            h = torch.nn.functional.silu(layer(h))
        return self.layers[-1](h)

    def set_weights(self, weights: list[Any], biases: list[Any]) -> ScoreMLP:
        """Load (n_in, n_out) ``weights`` and ``biases`` (the file layout) into the layers; returns self."""
        with torch.no_grad():
            for layer, w, b in zip(self.layers, weights, biases, strict=True):
                layer.weight.copy_(torch.as_tensor(np.asarray(w).T))
                layer.bias.copy_(torch.as_tensor(np.asarray(b)))
        return self

    @property
    def n_params(self) -> int:
        """Number of trained numbers."""
        return int(sum(p.numel() for p in self.layers.parameters()))


@dataclass(frozen=True)
class TrainSettings:
    """Denoising-score-matching settings (module docstring); every field is checked by :func:`train`.

    ``t_lo``/``t_hi`` default to the schedule's ``t_min``/``t_max``; the learning rate falls from ``lr`` to
    ``lr_final`` along a cosine over ``steps``.
    """

    steps: int = 20_000
    batch: int = 512
    width: int = 128
    depth: int = 4
    n_freq: int = 16
    freq_scale: float = 1.0
    lr: float = 2e-3
    lr_final: float = 2e-5
    t_lo: float | None = None
    t_hi: float | None = None
    eval_size: int = 4096
    log_every: int = 250
    dtype: str = "float32"


def _check_settings(st: TrainSettings) -> None:
    for name in ("steps", "batch", "width", "depth", "n_freq", "eval_size", "log_every"):
        v = getattr(st, name)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ParameterError(f"{name}={v!r}: a whole number >= 1")
    for name in ("freq_scale", "lr", "lr_final"):
        v = getattr(st, name)
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise ParameterError(f"{name}={v!r}: a finite number > 0")
    if st.lr_final > st.lr:
        raise ParameterError(f"lr_final={st.lr_final} must be <= lr={st.lr}")
    if st.dtype not in DTYPES:
        raise ParameterError(f"dtype={st.dtype!r}; allowed: {', '.join(DTYPES)}")


@dataclass
class TrainedNetwork:
    """A trained network with what made it.

    ``module`` (a :class:`ScoreMLP` on the CPU), the ``schedule``'s fields, the training ``points`` (K, d),
    ``settings``, ``seed``, ``history`` rows (step, mean training loss since the last row, evaluation loss; row 0
    before any update, training loss NaN), wall ``seconds`` of the loop, ``meta``.
    """

    module: ScoreMLP
    schedule: dict[str, Any]
    points: np.ndarray
    settings: TrainSettings
    seed: int
    history: np.ndarray
    seconds: float
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, *, dtype: torch.dtype = torch.float64, device: str | None = None) -> TorchScore:
        """The network as an amphase score (a float64 copy by default: central differences need it)."""
        net = copy.deepcopy(self.module).to(device or "cpu", dtype).eval()
        return TorchScore(net, Schedule(**self.schedule), prediction="eps", dtype=dtype)


def _draw(rng: np.random.Generator, points: np.ndarray, n: int, t_lo: float, t_hi: float) -> tuple[np.ndarray, ...]:
    idx = rng.integers(0, len(points), n)
    t = rng.uniform(t_lo, t_hi, n)
    eps = rng.standard_normal((n, points.shape[1]))
    return points[idx], t, eps


def _init(rng: np.random.Generator, d: int, st: TrainSettings) -> tuple[list[np.ndarray], list[np.ndarray], Any]:
    r"""Initial (n_in, n_out) weights :math:`U(\pm 1/\sqrt{n_{in}})`, zero biases, frequencies (NumPy's draws)."""
    sizes = [d + 2 * st.n_freq] + [st.width] * st.depth + [d]
    ws, bs = [], []
    for n_in, n_out in itertools.pairwise(sizes):
        bound = 1.0 / math.sqrt(n_in)
        ws.append(rng.uniform(-bound, bound, (n_in, n_out)))
        bs.append(np.zeros(n_out))
    return ws, bs, st.freq_scale * rng.standard_normal(st.n_freq)


def train(
    points: Any, schedule: Schedule, *, seed: int, settings: TrainSettings | None = None, progress: Any = None
) -> TrainedNetwork:
    """Train a :class:`ScoreMLP` on ``points`` (K, d) for ``schedule`` by denoising score matching (module docstring).

    ``progress(step, train_loss, eval_loss)`` is called at every history row. Runs on the CPU in
    ``settings.dtype`` with torch's current number of threads.
    """
    st = settings or TrainSettings()
    _check_settings(st)
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] < 1 or pts.shape[1] < 1 or not np.isfinite(pts).all():
        raise ParameterError(f"points of shape {pts.shape}: expected a finite (K >= 1, d >= 1) array")
    if not isinstance(schedule, Schedule):
        raise ParameterError(f"schedule={schedule!r}: a Schedule (amphase.simulate.diffusion.schedules.ve or vp)")
    t_lo = float(schedule.t_min if st.t_lo is None else st.t_lo)
    t_hi = float(schedule.t_max if st.t_hi is None else st.t_hi)
    if not (0 < t_lo < t_hi and math.isfinite(t_hi)):
        raise ParameterError(f"t_lo={t_lo!r}, t_hi={t_hi!r}: need 0 < t_lo < t_hi (finite)")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed={seed!r}: a whole number >= 0")
    dtype = DTYPES[st.dtype]
    root = np.random.SeedSequence(int(seed))
    ws, bs, freqs = _init(child_rng(root, 0), pts.shape[1], st)
    ms = (pts * pts).mean()
    net = ScoreMLP(pts.shape[1], schedule, width=st.width, depth=st.depth, freqs=freqs, data_ms=ms, dtype=dtype)
    net = net.set_weights(ws, bs)
    rng = child_rng(root, 1)

    def noised(x0: np.ndarray, t: np.ndarray, e: np.ndarray) -> tuple[torch.Tensor, ...]:
        tt = torch.as_tensor(t)
        s, sd = schedule_tensors(schedule, tt)
        x = s[:, None] * torch.as_tensor(x0) + sd[:, None] * torch.as_tensor(e)
        return x.to(dtype), tt, torch.as_tensor(e, dtype=dtype)

    eval_x, eval_t, eval_e = noised(*_draw(child_rng(root, 2), pts, st.eval_size, t_lo, t_hi))

    def eval_loss() -> float:
        with torch.no_grad():
            return float(((net(eval_x, eval_t) - eval_e) ** 2).sum()) / st.eval_size

    opt = torch.optim.Adam(net.layers.parameters(), lr=st.lr, betas=(0.9, 0.999), eps=1e-8)
    history = [(0.0, math.nan, eval_loss())]
    if progress is not None:
        progress(*history[-1])
    run_sum, run_n = 0.0, 0
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(child_rng(root, 3).integers(2**63)))
        for step in range(1, st.steps + 1):
            x, t, e = noised(*_draw(rng, pts, st.batch, t_lo, t_hi))
            loss = ((net(x, t) - e) ** 2).sum(dim=1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            lr = st.lr_final + 0.5 * (st.lr - st.lr_final) * (1 + math.cos(math.pi * (step - 1) / st.steps))
            for group in opt.param_groups:  # cosine decay from lr to lr_final
                group["lr"] = lr
            opt.step()
            run_sum += loss.detach().item()
            run_n += 1
            if step % st.log_every == 0 or step == st.steps:
                history.append((float(step), run_sum / run_n, eval_loss()))
                run_sum, run_n = 0.0, 0
                if progress is not None:
                    progress(*history[-1])
    seconds = time.perf_counter() - start
    import amphase

    fields = {k: (schedule.kind if k == "kind" else float(getattr(schedule, k)))
              for k in ("kind", "sigma", "beta_min", "beta_max", "t_min", "t_max")}  # fmt: skip
    meta = {"amphase_version": amphase.__version__, "backend": f"torch {torch.__version__}",
            "threads": torch.get_num_threads()}  # fmt: skip
    return TrainedNetwork(net.eval(), fields, pts, st, int(seed), np.asarray(history), seconds, meta)


def save(net: TrainedNetwork, path: str | os.PathLike[str]) -> Path:
    """Write ``net`` to ``path`` (.npz) atomically: a reader never sees half a file (module docstring)."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ParameterError(f"{path}: the weights file must end in .npz")
    m = net.module
    header = {"format": FORMAT, "schedule": net.schedule, "settings": asdict(net.settings), "seed": net.seed,
              "seconds": net.seconds, "data_ms": m.data_ms, "n_layers": len(m.layers), "meta": net.meta}  # fmt: skip
    arrays = {f"w{i}": layer.weight.detach().numpy().T.copy() for i, layer in enumerate(m.layers)}
    arrays.update({f"b{i}": layer.bias.detach().numpy().copy() for i, layer in enumerate(m.layers)})
    with atomic_output(path) as tmp:
        np.savez(tmp, header=np.array(json.dumps(header)), freqs=m.freqs.numpy(), points=net.points,
                 history=net.history, **arrays)  # fmt: skip
    return path


def load(path: str | os.PathLike[str]) -> TrainedNetwork:
    """Read a file written by :func:`save` (or by the NumPy version): weights bit for bit as saved."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: no such weights file (make one with scripts/train_toy_score.py)")
    with np.load(path, allow_pickle=False) as f:
        if "header" not in f:
            raise ParameterError(f"{path}: not a score-network file (no header)")
        header = json.loads(str(f["header"]))
        if header.get("format") != FORMAT:
            raise ParameterError(f"{path}: format {header.get('format')!r}, expected {FORMAT!r}")
        n = int(header["n_layers"])
        ws, bs = [f[f"w{i}"] for i in range(n)], [f[f"b{i}"] for i in range(n)]
        freqs, points, history = f["freqs"], f["points"], f["history"]
    st = TrainSettings(**header["settings"])
    d, width = ws[-1].shape[1], ws[0].shape[1]
    net = ScoreMLP(d, Schedule(**header["schedule"]), width=width, depth=n - 1, freqs=freqs,
                   data_ms=header["data_ms"], dtype=torch.from_numpy(ws[0]).dtype).set_weights(ws, bs)  # fmt: skip
    seconds, meta = float(header["seconds"]), header.get("meta", {})
    return TrainedNetwork(net.eval(), header["schedule"], points, st, int(header["seed"]), history, seconds, meta)
