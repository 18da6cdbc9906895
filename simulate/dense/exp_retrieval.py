r"""Retrieval in exponential (log-sum-exp) memories with ``P = exp(alpha N)`` patterns (``dense.exp_retrieval``).

The setting of Lucibello & Mézard (Phys. Rev. Lett. 132, 077301 (2024); :mod:`amphase.theory.dense.lse`):
``P = round(exp(alpha N))`` patterns :math:`\xi^\mu \in \mathbb{R}^N`, ``spherical`` (uniform on
:math:`\lVert\xi\rVert^2 = N`) or ``gaussian`` (i.i.d. standard normal entries), and the update

.. math::

    x \leftarrow m(x) = \sum_\mu \operatorname{softmax}_\mu(\lambda\, \xi^\mu \cdot x)\, \xi^\mu ,

the fixed-point map of :math:`E(x) = -\lambda^{-1}\ln\sum_\mu e^{\lambda \xi^\mu\cdot x} + \tfrac12\lVert x\rVert^2`.
It is evaluated by the streaming kernel :func:`amphase.simulate.lse.lse_stats` in its dot-product form (scores
:math:`\lambda\,\xi^\mu\cdot x`; for spherical patterns the same softmax as the squared-distance form at
:math:`\beta = \lambda/2`, for Gaussian patterns not, since their norms differ), so memory is O(cues x tile) at any P.

One task draws the patterns and starts ``cues`` trajectories at the first ``cues`` of them (the patterns are
exchangeable; all P of them where ``P < cues``, the other entries of the ``cue`` dimension then missing),
optionally perturbed (``noise``: :math:`x_0 = \xi^c + \text{noise}\,\lVert\xi^c\rVert g/\sqrt N`, ``g`` standard
normal), and iterates until :math:`\lVert m(x) - x\rVert \le \text{tol} \sqrt N` or ``max_steps``.
Per cue it records

* ``m_cue``: the overlap :math:`\xi^c\cdot x / \lVert\xi^c\rVert^2` at the end (1 at the pattern itself);
* ``log_odds_start`` and ``log_odds_end``: :math:`\ln(w_c/(1 - w_c))` of the cued pattern's softmax weight at the
  start and at the end. At an exact start (``noise = 0``) the first is LM's one-step criterion: the REM of the
  crosstalk sampled exactly at finite N (``> 0``: the cued pattern keeps more than half the weight). It saturates
  near :math:`\pm\ln(1/\epsilon) \approx \pm 36` where the weight rounds to 1 or 0;
* ``steps`` and ``converged``; ``norm_end``: :math:`\lVert x\rVert^2 / \lVert\xi^c\rVert^2` at the end.

The load is given relative to the asymptotic threshold, ``load = alpha / alpha_1(lam, patterns)``
(``dense.lse_threshold``, :mod:`amphase.theory.dense.lse`), so one grid of loads brackets the threshold at every
``lam``. P grows like ``exp(alpha N)``: grid points with more than ``max_patterns`` patterns are not run (their
``P`` is 0 and every result is missing), so one grid over N and ``lam`` may reach large N only at small ``lam``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.params import Choice, Param
from amphase.simulate.backend import get_backend
from amphase.simulate.lse import DEFAULT_TILE, kernel_params, lse_stats
from amphase.simulate.models import Model, Variable
from amphase.simulate.seeding import child_rng
from amphase.theory.dense.lse import PATTERNS, lse_threshold

__all__ = ["MODEL", "draw_patterns", "n_patterns", "retrieve"]

PARAMS: tuple[Param | Choice, ...] = (
    Param("N", "dimension of the patterns", lower=2, upper=10**5, integer=True, long_name="dimension"),
    Param(
        "load",
        "alpha / alpha_1(lam, patterns), with P = round(exp(alpha N)) patterns",
        lower=0.0,
        lower_open=True,
        upper=50.0,
        long_name="load relative to the asymptotic threshold alpha_1",
    ),
    Param(
        "lam",
        "inverse temperature lambda of softmax(lambda xi.x)",
        lower=0.0,
        lower_open=True,
        upper=1e3,
        long_name="inverse temperature (Lucibello & Mezard)",
    ),
    Choice("patterns", "pattern ensemble: spherical (|xi|^2 = N) or gaussian (i.i.d. N(0, 1))", PATTERNS),
    Param("cues", "trajectories per realization, started at distinct patterns", lower=1, upper=4096, integer=True),
    Param("noise", "rms start perturbation in units of |xi|/sqrt(N) per component", lower=0.0, upper=10.0),
    Param("max_patterns", "grid points with more patterns are not run", lower=2, upper=10**8, integer=True),
    Param("tol", "convergence: |m(x) - x| <= tol sqrt(N) (float32: >= ~1e-5)", lower=0.0, lower_open=True),
    Param("max_steps", "most fixed-point steps", lower=1, upper=10**6, integer=True),
    *kernel_params("patterns"),
)

DEFAULTS: dict[str, Any] = {
    "patterns": "spherical",
    "cues": 8,
    "noise": 0.0,
    "max_patterns": 2_000_000,
    "tol": 1e-8,
    "max_steps": 1000,
    "dtype": "float64",
    "backend": "cpu",
    "tile": 65536,
}


def n_patterns(params: Mapping[str, Any]) -> tuple[int, float]:
    """``(P, alpha)``: ``alpha = load * alpha_1(lam, patterns)`` and ``P = round(exp(alpha N))`` (at least 1)."""
    alpha = float(params["load"]) * lse_threshold(float(params["lam"]), str(params["patterns"])).alpha_1
    x = alpha * int(params["N"])
    return (max(1, round(math.exp(x))) if x < 700 else 10**300), alpha


def draw_patterns(P: int, N: int, patterns: str, rng: np.random.Generator, dtype: str = "float64") -> np.ndarray:
    """``(P, N)`` patterns: i.i.d. standard normal, or normalised to ``|xi|^2 = N`` (uniform on that sphere)."""
    xi = rng.standard_normal((P, N), dtype=np.float32 if dtype == "float32" else np.float64)
    if patterns == "spherical":
        norms = np.sqrt(np.einsum("pn,pn->p", xi, xi, dtype=np.float64))
        xi *= (math.sqrt(N) / norms).astype(xi.dtype)[:, None]
    return xi


def retrieve(
    xi: Any,
    x0: Any,
    cued: Any,
    lam: float,
    *,
    tol: float = 1e-8,
    max_steps: int = 1000,
    tile: int = DEFAULT_TILE,
) -> dict[str, np.ndarray]:
    r"""Iterate :math:`x \leftarrow m(x)` from ``x0`` (B, N) to a fixed point; the cued patterns are rows ``cued``.

    Plain arrays in and out (``xi`` NumPy or CuPy; results NumPy, float64): ``m_cue``, ``log_odds_start``,
    ``log_odds_end``, ``steps``, ``converged``, ``norm_end`` (module docstring). A converged trajectory is frozen
    (its last :math:`m(x)` kept); the others run until every one has converged or ``max_steps`` passed.
    """
    xp = np if isinstance(xi, np.ndarray) else _xp(xi)
    B, N = x0.shape
    target = xp.asarray(xi[xp.asarray(cued)], dtype=xp.float64)  # (B, N)
    t_sq = xp.einsum("bn,bn->b", target, target)
    x = xp.array(x0, dtype=xp.float64)  # a copy: the caller's starts are not overwritten
    steps = np.zeros(B, dtype=np.int32)
    done = np.zeros(B, dtype=bool)
    log_odds_start = np.full(B, np.nan)
    scale = tol * math.sqrt(N)

    def log_odds(xa: Any, lse_val: Any, rows: Any) -> Any:
        log_w = lam * xp.einsum("bn,bn->b", xa, target[rows]) - lse_val  # ln w_c <= 0 up to rounding
        log_w = xp.minimum(log_w, 0.0)
        return log_w - xp.log(-xp.expm1(xp.minimum(log_w, -1e-300)))

    for step in range(max_steps):
        active = np.flatnonzero(~done)
        if active.size == 0:
            break
        rows = xp.asarray(active)
        st = lse_stats(x[rows], xi, lam, tile=tile, form="dot")
        if step == 0:
            log_odds_start = _host(log_odds(x[rows], st.lse, rows))
        new = st.mean
        delta = _host(xp.sqrt(xp.einsum("bn,bn->b", new - x[rows], new - x[rows])))
        x[rows] = new
        steps[active] += 1
        done[active[delta <= scale]] = True
    rows = xp.arange(B)
    end = lse_stats(x, xi, lam, tile=tile, form="dot")
    m = xp.einsum("bn,bn->b", x, target) / t_sq
    return {
        "m_cue": _host(m),
        "log_odds_start": log_odds_start,
        "log_odds_end": _host(log_odds(x, end.lse, rows)),
        "steps": steps,
        "converged": done.astype(np.int8),
        "norm_end": _host(xp.einsum("bn,bn->b", x, x) / t_sq),
    }


def _xp(a: Any) -> Any:
    import cupy

    return cupy.get_array_module(a)


def _host(a: Any) -> np.ndarray:
    return np.asarray(a.get() if hasattr(a, "get") else a, dtype=np.float64)


def check(params: Mapping[str, Any]) -> None:
    """Cross-parameter checks at one grid point."""
    get_backend(params["backend"])


def _runs(params: Mapping[str, Any]) -> int:
    P, _ = n_patterns(params)
    return P if P <= int(params["max_patterns"]) else 0


def memory(params: Mapping[str, Any]) -> float:
    """Bytes of one task: the patterns (and their float64 norms), one tile of scores and a few (cues, N) arrays."""
    P, N, B = _runs(params), int(params["N"]), int(params["cues"])
    item = 4 if params["dtype"] == "float32" else 8
    return float(P * N * item + 16 * P + 8 * B * min(int(params["tile"]), max(P, 1)) * 2 + 64 * B * N)


def cost(params: Mapping[str, Any]) -> float:
    """Relative cost of one realization: drawing the patterns plus a few passes over them."""
    return float(_runs(params) * int(params["N"]) * (1 + int(params["cues"]) / 8))


def run(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """One realization: patterns from stream ``(0,)``, start perturbations from ``(1,)``, then :func:`retrieve`."""
    P, alpha = n_patterns(params)
    B, N = min(int(params["cues"]), P), int(params["N"])
    if P > int(params["max_patterns"]):
        nan = np.full(B, np.nan)
        return {"P": np.int64(0), "alpha": np.float64(alpha), "m_cue": nan, "log_odds_start": nan,
                "log_odds_end": nan, "steps": np.full(B, -1, np.int32), "converged": np.full(B, -1, np.int8),
                "norm_end": nan}  # fmt: skip
    backend = get_backend(params["backend"])
    xi_host = draw_patterns(P, N, str(params["patterns"]), child_rng(seed, 0), str(params["dtype"]))
    x0 = xi_host[:B].astype(np.float64)
    noise = float(params["noise"])
    if noise > 0:
        g = child_rng(seed, 1).standard_normal((B, N))
        x0 = x0 + noise * np.linalg.norm(x0, axis=1, keepdims=True) / math.sqrt(N) * g
    xp = backend.xp
    out = retrieve(xp.asarray(xi_host), xp.asarray(x0), np.arange(B), float(params["lam"]), tol=float(params["tol"]),
                   max_steps=int(params["max_steps"]), tile=int(params["tile"]))  # fmt: skip
    return {"P": np.int64(P), "alpha": np.float64(alpha), **out}


def variables(config: Mapping[str, Any]) -> dict[str, Variable]:
    """The per-realization result variables."""

    def per_cue(dtype: str, fill: Any, text: str) -> Variable:
        return Variable(("cue",), dtype, fill, {"long_name": text, "units": "1"})

    return {
        "P": Variable((), "int64", -1, {"long_name": "patterns stored (0: not run, more than max_patterns)"}),
        "alpha": Variable((), "float64", np.nan, {"long_name": "load alpha = load * alpha_1, P = round(exp(alpha N))"}),
        "m_cue": per_cue("float64", np.nan, "overlap xi_c.x/|xi_c|^2 of the end state with the cued pattern"),
        "log_odds_start": per_cue("float64", np.nan, "ln(w/(1-w)), w the cued pattern's softmax weight at the start"),
        "log_odds_end": per_cue("float64", np.nan, "ln(w/(1-w)) at the end state"),
        "steps": per_cue("int32", -1, "fixed-point steps taken"),
        "converged": per_cue("int8", -1, "converged (1) or stopped at max_steps (0)"),
        "norm_end": per_cue("float64", np.nan, "|x|^2/|xi_c|^2 at the end state"),
    }


def sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """The ``cue`` dimension."""
    return {"cue": int(config["params"]["cues"])}


def coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """Coordinate of the ``cue`` dimension."""
    return {"cue": (np.arange(sizes(config)["cue"]), {"units": "1", "long_name": "cued pattern"})}


def attrs(config: Mapping[str, Any]) -> dict[str, Any]:
    """Backend and device actually used."""
    backend = get_backend(config["params"]["backend"])
    return {"backend": backend.name, "device": backend.device}


MODEL = Model(
    name="dense.exp_retrieval",
    title="Exponential (log-sum-exp) memory with P = exp(alpha N) patterns: retrieval from the stored patterns",
    references="Lucibello & Mezard, Phys. Rev. Lett. 132, 077301 (2024), arXiv:2304.14964",
    params=PARAMS,
    gridable=("N", "load", "lam", "patterns", "noise"),
    defaults=DEFAULTS,
    variables=variables,
    sizes=sizes,
    coords=coords,
    run=run,
    check=check,
    attrs=attrs,
    memory=memory,
    cost=cost,
    rate=2.0e5,  # units/s per worker: dense-lse-threshold: 92 s on 2 workers (scripts/calibrate_rates.py)
)
