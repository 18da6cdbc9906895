r"""A small score network trained by denoising score matching, plugged in where the exact score goes.

The network
-----------
A multilayer perceptron that predicts the noise :math:`\hat\varepsilon(x, t)` of a noised point
:math:`x_t = s(t)\,x_0 + \sigma_t\,\varepsilon` (the schedule's ``scale`` and ``std``); the score is

.. math::

    \nabla_x \log p_t(x) \approx -\hat\varepsilon(x, t) / \sigma_t ,

and the denoiser (Tweedie) :math:`D(x, t) = (x - \sigma_t\hat\varepsilon)/s(t)`. The input features are the point
scaled to unit variance, :math:`c_{in} x` with :math:`c_{in} = (s^2\sigma_d^2 + \sigma_t^2)^{-1/2}`
(:math:`\sigma_d^2` the training points' mean square per coordinate), and a Fourier embedding of the noise level,
:math:`[\cos(\omega_j \log\sigma_t), \sin(\omega_j \log\sigma_t)]` with fixed frequencies
:math:`\omega_j \sim \mathcal N(0, \text{freq\_scale}^2)` drawn from the seed. ``depth`` hidden layers of ``width``
units with the SiLU activation :math:`a\,\mathrm{sigmoid}(a)`, then a linear output of dimension d.

The paper's toy network (Pham et al. 2025, arXiv:2505.21777; the authors' ``toy_example.py`` in
github.com/Lemon-cmd/Diffusion-Models-and-Associative-Memory, read for the settings only) is of the same kind: a
Fourier embedding of t (128 features) through two SiLU layers, concatenated with x, a linear projection to 128 units
and three 128-unit SiLU layers, the output divided by :math:`\sigma_t`; VE process with :math:`\sigma = 1`
(:math:`\sigma_t^2 = t`), t uniform in :math:`[10^{-5}, 1]`, Adam at learning rate :math:`10^{-4}`, batches of
min(500, K) training points, 500k–800k steps on a GPU. Here: the same loss, process and time sampling, a plain MLP on
the concatenated features (the embedding is not trained), Adam at a larger rate with a cosine decay and fewer steps,
so that training takes minutes on two CPU cores (:mod:`scripts/train_toy_score.py`).

Denoising score matching
------------------------
Each step draws ``batch`` training points (uniformly, with replacement), times t uniform in ``[t_lo, t_hi]`` and
:math:`\varepsilon \sim \mathcal N(0, I)`, and takes one Adam step (Kingma & Ba 2015, Algorithm 1, with bias
correction) on

.. math::

    L = \frac1B \sum_b \lVert \hat\varepsilon(s_b\,\xi_b + \sigma_b\varepsilon_b, t_b) - \varepsilon_b \rVert^2

(Vincent 2011; Ho et al. 2020, Eq. 14; the authors' ``loss_fn`` is the same with the network output
:math:`-\hat\varepsilon`). Its minimiser over all functions is :math:`\hat\varepsilon = -\sigma_t\nabla\log p_t`
with the *exact* empirical score of the training points; a network of finite size trained for a finite time
smooths it, and that smoothing is what makes its attractors differ from the exact ones. The gradient is the
hand-written backward pass of :func:`loss_and_grad` (tested against central finite differences). A fixed evaluation
set (drawn once from the seed) gives a loss that is comparable across steps (``history``).

Why NumPy and not a library (measured 2026-11-23 on the 2-core development machine, Python 3.11, pip 26)
-----------------------------------------------------------------------------------------------------
Each candidate was installed into a fresh venv (``pip download`` then ``pip install --no-index``):

=============================  ===========================  ==================================  ================
candidate                      wheels downloaded            installed, beyond numpy/scipy/pip   download+install
=============================  ===========================  ==================================  ================
torch 2.13.0+cpu (CPU index)   202 MB (torch 192 MB)        800 MB (torch 754 MB)               94 s + 28 s
jax[cpu] 0.10.2                89 MB (jaxlib 85 MB)         391 MB (jaxlib 349 MB)              2 s + 18 s
scikit-learn 1.9.1             10 MB (sklearn 9 MB)         60 MB (sklearn 51 MB)               2 s + 15 s
NumPy (this module)            0: numpy is a dependency     0                                   0
=============================  ===========================  ==================================  ================

The network is d → 4 x 128 → d; one training step is a handful of (256..512) x 128 x 128 GEMMs, which NumPy runs
at the BLAS rate; a framework's autograd and kernels buy little at this size (jax's jit fuses the elementwise work
and was faster per step where measured, torch slower; the machine was shared and loaded, so the report gives those
figures with their conditions rather than this docstring). A hand-written backward pass of an MLP is short and exact
(tested against central finite differences), needs no new dependency (pyproject lists numpy, scipy, sympy, numba,
xarray, dask, matplotlib, tqdm), runs unchanged on CuPy through the array-module seam, and CI trains it with the
``test`` extra as it is. torch would add 0.8 GB to every install that wants the toy, jax 0.4 GB; scikit-learn's
``MLPRegressor`` is small but has no SiLU, draws no fresh noise per step without a ``partial_fit`` per batch, and
has no device arrays.

Files
-----
:func:`save` writes one ``.npz`` atomically (:func:`amphase.atomic.atomic_output`): the weights, the frequencies, the
training points, the loss history and a JSON header (schedule, settings, seed, amphase version, training time);
:func:`load` reads it back exactly (float32 weights stay float32).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from amphase.atomic import atomic_output
from amphase.errors import ParameterError
from amphase.simulate.diffusion.score import array_module
from amphase.simulate.seeding import child_rng

__all__ = [
    "FORMAT",
    "NetworkScore",
    "Params",
    "TrainSettings",
    "TrainedNetwork",
    "eps_forward",
    "init_params",
    "load",
    "loss_and_grad",
    "save",
    "train",
]

#: the file format tag written in every weights file.
FORMAT = "amphase.score_network.v1"


# ---------------------------------------------------------------------------------------------------------------
# the parameters and the pure kernels (plain arrays in and out, NumPy or CuPy)
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Params:
    r"""The network's arrays: ``weights[i]`` (n_in, n_out), ``biases[i]`` (n_out,), fixed ``freqs`` and ``data_ms``.

    ``weights[-1]`` is the linear output layer; every other layer is followed by the SiLU. ``data_ms`` is
    :math:`\sigma_d^2`, the training points' mean square per coordinate (module docstring).
    """

    weights: tuple[Any, ...]
    biases: tuple[Any, ...]
    freqs: Any
    data_ms: float

    @property
    def d(self) -> int:
        """Dimension of the data."""
        return int(self.weights[-1].shape[1])

    @property
    def n_params(self) -> int:
        """Number of trained numbers."""
        return int(sum(w.size + b.size for w, b in zip(self.weights, self.biases, strict=True)))

    def astype(self, dtype: Any, xp: ModuleType | None = None) -> Params:
        """The same parameters in ``dtype`` on the array module ``xp`` (default: where they are)."""
        xp = xp or array_module(self.weights[0])
        return Params(
            tuple(xp.asarray(w, dtype=dtype) for w in self.weights),
            tuple(xp.asarray(b, dtype=dtype) for b in self.biases),
            xp.asarray(self.freqs, dtype=dtype),
            self.data_ms,
        )


def init_params(
    rng: np.random.Generator, d: int, *, width: int, depth: int, n_freq: int, freq_scale: float, data_ms: float
) -> Params:
    r"""Random initial parameters: weights :math:`U(\pm 1/\sqrt{n_{in}})`, zero biases (host, float64)."""
    sizes = [d + 2 * n_freq] + [width] * depth + [d]
    ws, bs = [], []
    for n_in, n_out in itertools.pairwise(sizes):
        bound = 1.0 / math.sqrt(n_in)
        ws.append(rng.uniform(-bound, bound, (n_in, n_out)))
        bs.append(np.zeros(n_out))
    freqs = freq_scale * rng.standard_normal(n_freq)
    return Params(tuple(ws), tuple(bs), freqs, float(data_ms))


def _features(params: Params, x: Any, scale: Any, std: Any) -> Any:
    """Input features ``[c_in x, cos(w log std), sin(w log std)]``; ``scale``, ``std`` are (B,) arrays."""
    xp = array_module(x)
    c_in = 1.0 / xp.sqrt(scale * scale * params.data_ms + std * std)
    phase = xp.log(std)[:, None] * params.freqs[None, :]
    return xp.concatenate([x * c_in[:, None], xp.cos(phase), xp.sin(phase)], axis=1)


def _sigmoid(a: Any, xp: ModuleType) -> Any:
    return 0.5 * (1.0 + xp.tanh(0.5 * a))  # no overflow for any a


def eps_forward(params: Params, x: Any, scale: Any, std: Any) -> Any:
    r"""The predicted noise :math:`\hat\varepsilon(x, t)`, (B, d), from ``x`` (B, d) and the (B,) ``scale``, ``std``."""
    xp = array_module(x)
    h = _features(params, x, scale, std)
    for w, b in zip(params.weights[:-1], params.biases[:-1], strict=True):
        a = h @ w + b
        h = a * _sigmoid(a, xp)
    return h @ params.weights[-1] + params.biases[-1]


def loss_and_grad(params: Params, x: Any, scale: Any, std: Any, eps: Any) -> tuple[float, list[Any], list[Any]]:
    r"""The DSM loss :math:`\frac1B\sum_b\lVert\hat\varepsilon_b - \varepsilon_b\rVert^2` and its exact gradient.

    Parameters
    ----------
    params : Params
        The network.
    x : (B, d)
        Noised points :math:`x_t`.
    scale, std : (B,)
        :math:`s(t_b)` and :math:`\sigma_{t_b}`.
    eps : (B, d)
        The noise that was added.

    Returns
    -------
    loss : float
    grad_w, grad_b : list of arrays
        Gradients with respect to ``params.weights`` and ``params.biases`` (same shapes), by backpropagation.

    """
    xp = array_module(x)
    h = _features(params, x, scale, std)
    hs, sig, pre = [h], [], []
    for w, b in zip(params.weights[:-1], params.biases[:-1], strict=True):
        a = h @ w + b
        s = _sigmoid(a, xp)
        h = a * s
        pre.append(a)
        sig.append(s)
        hs.append(h)
    out = h @ params.weights[-1] + params.biases[-1]
    r = out - eps
    n = x.shape[0]
    loss = float((r * r).sum()) / n
    g = (2.0 / n) * r  # dL/d out
    gw: list[Any] = [None] * len(params.weights)
    gb: list[Any] = [None] * len(params.biases)
    for i in range(len(params.weights) - 1, -1, -1):
        gw[i] = hs[i].T @ g
        gb[i] = g.sum(axis=0)
        if i == 0:
            break
        g = g @ params.weights[i].T  # dL/dh_i
        a, s = pre[i - 1], sig[i - 1]
        g = g * (s * (1.0 + a * (1.0 - s)))  # silu'(a) = s (1 + a (1 - s))
    return loss, gw, gb


# ---------------------------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------------------------
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
    if st.dtype not in ("float32", "float64"):
        raise ParameterError(f"dtype={st.dtype!r}; allowed: float32, float64")


@dataclass
class TrainedNetwork:
    """A trained network with what made it.

    Attributes
    ----------
    params : Params
        The weights (host NumPy arrays).
    schedule : dict
        The schedule's fields (``kind``, ``sigma``, ``beta_min``, ``beta_max``, ``t_min``, ``t_max``).
    points : (K, d) float64
        The training points.
    settings : TrainSettings
    seed : int
    history : (n, 3) float64
        Rows ``(step, mean training loss since the last row, evaluation loss)``; the first row is step 0 (before
        any update, training loss NaN).
    seconds : float
        Wall time of the training loop.
    meta : dict
        Anything else recorded (amphase version, array backend).

    """

    params: Params
    schedule: dict[str, Any]
    points: np.ndarray
    settings: TrainSettings
    seed: int
    history: np.ndarray
    seconds: float
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, *, dtype: Any = np.float64, xp: ModuleType = np) -> NetworkScore:
        """The score callable of this network (float64 on the host by default)."""
        return NetworkScore(self.params.astype(dtype, xp), _make_schedule(self.schedule))


def _schedule_fields(schedule: Any) -> dict[str, Any]:
    keys = ("kind", "sigma", "beta_min", "beta_max", "t_min", "t_max")
    return {k: (getattr(schedule, k) if k == "kind" else float(getattr(schedule, k))) for k in keys}


def _make_schedule(fields: dict[str, Any]) -> Any:
    from amphase.simulate.diffusion.schedules import Schedule

    return Schedule(**fields)  # the schedule's own checks run again


def _times(schedule: Any, t: Any, n: int, xp: ModuleType, dtype: Any) -> tuple[Any, Any]:
    t = np.broadcast_to(np.asarray(t, dtype=np.float64), (n,))
    return xp.asarray(schedule.scale(t), dtype=dtype), xp.asarray(schedule.std(t), dtype=dtype)


def _draw(rng: np.random.Generator, points: np.ndarray, n: int, t_lo: float, t_hi: float) -> tuple[np.ndarray, ...]:
    idx = rng.integers(0, len(points), n)
    t = rng.uniform(t_lo, t_hi, n)
    eps = rng.standard_normal((n, points.shape[1]))
    return points[idx], t, eps


def train(
    points: Any,
    schedule: Any,
    *,
    seed: int,
    settings: TrainSettings | None = None,
    xp: ModuleType = np,
    progress: Any = None,
) -> TrainedNetwork:
    """Train a score network on ``points`` (K, d) for ``schedule`` by denoising score matching (module docstring).

    Parameters
    ----------
    points : (K, d) array
        The training set.
    schedule : Schedule
        The forward process (:mod:`amphase.simulate.diffusion.schedules`).
    seed : int
        Root seed: children ``(0,)`` draw the initial weights and frequencies, ``(1,)`` the training batches,
        ``(2,)`` the fixed evaluation set.
    settings : TrainSettings, optional
    xp : module
        ``numpy`` or ``cupy``: where the arithmetic runs (random numbers are drawn on the host either way).
    progress : callable, optional
        Called as ``progress(step, train_loss, eval_loss)`` at every history row.

    Returns
    -------
    TrainedNetwork

    """
    st = settings or TrainSettings()
    _check_settings(st)
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] < 1 or pts.shape[1] < 1 or not np.isfinite(pts).all():
        raise ParameterError(f"points of shape {pts.shape}: expected a finite (K >= 1, d >= 1) array")
    t_lo = float(schedule.t_min if st.t_lo is None else st.t_lo)
    t_hi = float(schedule.t_max if st.t_hi is None else st.t_hi)
    if not (0 < t_lo < t_hi and math.isfinite(t_hi)):
        raise ParameterError(f"t_lo={t_lo!r}, t_hi={t_hi!r}: need 0 < t_lo < t_hi (finite)")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed={seed!r}: a whole number >= 0")
    dtype = np.dtype(st.dtype)
    root = np.random.SeedSequence(int(seed))
    data_ms = float((pts * pts).mean())
    p0 = init_params(
        child_rng(root, 0),
        pts.shape[1],
        width=st.width,
        depth=st.depth,
        n_freq=st.n_freq,
        freq_scale=st.freq_scale,
        data_ms=data_ms,
    )
    params = p0.astype(dtype, xp)
    rng = child_rng(root, 1)
    x0e, te, ee = _draw(child_rng(root, 2), pts, st.eval_size, t_lo, t_hi)
    se, sde = _times(schedule, te, len(te), xp, dtype)
    eval_x = se[:, None] * xp.asarray(x0e, dtype=dtype) + sde[:, None] * xp.asarray(ee, dtype=dtype)
    eval_eps = xp.asarray(ee, dtype=dtype)

    def eval_loss() -> float:
        r = eps_forward(params, eval_x, se, sde) - eval_eps
        return float((r * r).sum()) / len(te)

    mw = [xp.zeros_like(w) for w in params.weights]
    vw = [xp.zeros_like(w) for w in params.weights]
    mb = [xp.zeros_like(b) for b in params.biases]
    vb = [xp.zeros_like(b) for b in params.biases]
    b1, b2, adam_eps = 0.9, 0.999, 1e-8
    history = [(0.0, math.nan, eval_loss())]
    if progress is not None:
        progress(*history[-1])
    run_sum, run_n = 0.0, 0
    start = time.perf_counter()
    for step in range(1, st.steps + 1):
        x0, t, e = _draw(rng, pts, st.batch, t_lo, t_hi)
        s, sd = _times(schedule, t, st.batch, xp, dtype)
        e = xp.asarray(e, dtype=dtype)
        x = s[:, None] * xp.asarray(x0, dtype=dtype) + sd[:, None] * e
        loss, gw, gb = loss_and_grad(params, x, s, sd, e)
        run_sum += loss
        run_n += 1
        lr = st.lr_final + 0.5 * (st.lr - st.lr_final) * (1.0 + math.cos(math.pi * (step - 1) / st.steps))
        c1, c2 = 1.0 - b1**step, 1.0 - b2**step
        new_w, new_b = [], []
        for arrs, grads, ms, vs, out in (
            (params.weights, gw, mw, vw, new_w),
            (params.biases, gb, mb, vb, new_b),
        ):
            for i, (p, g) in enumerate(zip(arrs, grads, strict=True)):
                ms[i] = b1 * ms[i] + (1 - b1) * g
                vs[i] = b2 * vs[i] + (1 - b2) * (g * g)
                out.append(p - (lr / c1) * ms[i] / (xp.sqrt(vs[i] / c2) + adam_eps))
        params = Params(tuple(new_w), tuple(new_b), params.freqs, params.data_ms)
        if step % st.log_every == 0 or step == st.steps:
            history.append((float(step), run_sum / run_n, eval_loss()))
            run_sum, run_n = 0.0, 0
            if progress is not None:
                progress(*history[-1])
    seconds = time.perf_counter() - start
    import amphase

    host = params.astype(dtype, np) if xp is np else Params(
        tuple(xp.asnumpy(w) for w in params.weights), tuple(xp.asnumpy(b) for b in params.biases),
        xp.asnumpy(params.freqs), params.data_ms,
    )  # fmt: skip
    return TrainedNetwork(
        params=host,
        schedule=_schedule_fields(schedule),
        points=pts,
        settings=st,
        seed=int(seed),
        history=np.asarray(history, dtype=np.float64),
        seconds=seconds,
        meta={"amphase_version": amphase.__version__, "backend": xp.__name__},
    )


# ---------------------------------------------------------------------------------------------------------------
# the score protocol
# ---------------------------------------------------------------------------------------------------------------
class NetworkScore:
    r"""A trained network as a score: ``score(x, t)`` :math:`= -\hat\varepsilon(x, t)/\sigma_t`, x (B, d).

    ``t`` is a number or a (B,) array. :meth:`eps` and :meth:`denoiser` give the raw prediction and the denoiser
    :math:`(x - \sigma_t\hat\varepsilon)/s(t)`. Arithmetic runs in the dtype and on the array module of the
    parameters (float64 NumPy from :meth:`TrainedNetwork.score` by default; CuPy when the parameters are CuPy
    arrays).
    """

    def __init__(self, params: Params, schedule: Any) -> None:
        self.params = params
        self.schedule = schedule
        self.xp = array_module(params.weights[0])
        self.dtype = params.weights[0].dtype

    def _prep(self, x: Any, t: Any) -> tuple[Any, Any, Any]:
        x = self.xp.asarray(x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.params.d:
            raise ParameterError(f"x of shape {tuple(x.shape)}: expected (B, {self.params.d})")
        tt = np.asarray(t.get() if hasattr(t, "get") else t, dtype=np.float64)
        if tt.ndim > 1 or (tt.ndim == 1 and tt.shape[0] != x.shape[0]):
            raise ParameterError(f"t of shape {tt.shape}: expected a number or ({x.shape[0]},)")
        if not (np.isfinite(tt).all() and (tt > 0).all()):
            raise ParameterError("t must be finite and > 0 (the score is singular where the noise vanishes)")
        s, sd = _times(self.schedule, tt, x.shape[0], self.xp, self.dtype)
        return x, s, sd

    def eps(self, x: Any, t: Any) -> Any:
        r"""The predicted noise :math:`\hat\varepsilon(x, t)`, (B, d)."""
        x, s, sd = self._prep(x, t)
        return eps_forward(self.params, x, s, sd)

    def __call__(self, x: Any, t: Any) -> Any:
        r"""The score :math:`-\hat\varepsilon(x, t)/\sigma_t`, (B, d)."""
        x, s, sd = self._prep(x, t)
        return -eps_forward(self.params, x, s, sd) / sd[:, None]

    def denoiser(self, x: Any, t: Any) -> Any:
        r"""The denoiser :math:`(x - \sigma_t\hat\varepsilon)/s(t)`, an estimate of :math:`x_0`, (B, d)."""
        x, s, sd = self._prep(x, t)
        return (x - sd[:, None] * eps_forward(self.params, x, s, sd)) / s[:, None]


# ---------------------------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------------------------
def save(net: TrainedNetwork, path: str | os.PathLike[str]) -> Path:
    """Write ``net`` to ``path`` (.npz) atomically: a reader never sees half a file (module docstring)."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ParameterError(f"{path}: the weights file must end in .npz")
    header = {
        "format": FORMAT,
        "schedule": net.schedule,
        "settings": asdict(net.settings),
        "seed": net.seed,
        "seconds": net.seconds,
        "data_ms": net.params.data_ms,
        "n_layers": len(net.params.weights),
        "meta": net.meta,
    }
    arrays = {f"w{i}": np.asarray(w) for i, w in enumerate(net.params.weights)}
    arrays.update({f"b{i}": np.asarray(b) for i, b in enumerate(net.params.biases)})
    with atomic_output(path) as tmp:
        np.savez(
            tmp,
            header=np.array(json.dumps(header)),
            freqs=np.asarray(net.params.freqs),
            points=net.points,
            history=net.history,
            **arrays,
        )
    return path


def load(path: str | os.PathLike[str]) -> TrainedNetwork:
    """Read a file written by :func:`save` (arrays bit for bit as saved)."""
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
        params = Params(
            tuple(f[f"w{i}"] for i in range(n)),
            tuple(f[f"b{i}"] for i in range(n)),
            f["freqs"],
            float(header["data_ms"]),
        )
        points, history = f["points"], f["history"]
    return TrainedNetwork(
        params=params,
        schedule=header["schedule"],
        points=points,
        settings=TrainSettings(**header["settings"]),
        seed=int(header["seed"]),
        history=history,
        seconds=float(header["seconds"]),
        meta=header.get("meta", {}),
    )
