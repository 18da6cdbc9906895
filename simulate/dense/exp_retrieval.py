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
from typing import Any

import numpy as np

from amphase.simulate.backend import array_module, get_backend, to_host
from amphase.simulate.declare import Dim, Var, choice, declared, model, number
from amphase.simulate.lse import DEFAULT_TILE, kernel_params, lse_stats
from amphase.simulate.seeding import child_rng
from amphase.theory.dense.lse import PATTERNS, lse_threshold

__all__ = ["MODEL", "ExpRetrieval", "draw_patterns", "retrieve"]

_DTYPE, _BACKEND, _TILE = kernel_params("patterns")


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
    xp = array_module(xi)
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
            log_odds_start = to_host(log_odds(x[rows], st.lse, rows), np.float64)
        new = st.mean
        delta = to_host(xp.sqrt(xp.einsum("bn,bn->b", new - x[rows], new - x[rows])), np.float64)
        x[rows] = new
        steps[active] += 1
        done[active[delta <= scale]] = True
    rows = xp.arange(B)
    end = lse_stats(x, xi, lam, tile=tile, form="dot")
    m = xp.einsum("bn,bn->b", x, target) / t_sq
    return {
        "m_cue": to_host(m, np.float64),
        "log_odds_start": log_odds_start,
        "log_odds_end": to_host(log_odds(x, end.lse, rows), np.float64),
        "steps": steps,
        "converged": done.astype(np.int8),
        "norm_end": to_host(xp.einsum("bn,bn->b", x, x) / t_sq, np.float64),
    }


def _per_cue(dtype: str, fill: Any, text: str) -> Var:
    return Var(("cue",), dtype, fill, text, units="1")


@model(
    title="Exponential (log-sum-exp) memory with P = exp(alpha N) patterns: retrieval from the stored patterns",
    references="Lucibello & Mezard, Phys. Rev. Lett. 132, 077301 (2024), arXiv:2304.14964",
    dims={"cue": Dim(lambda r: r.cues, attrs={"units": "1", "long_name": "cued pattern"})},
    variables={
        "P": Var((), "int64", -1, "patterns stored (0: not run, more than max_patterns)"),
        "alpha": Var((), "float64", np.nan, "load alpha = load * alpha_1, P = round(exp(alpha N))"),
        "m_cue": _per_cue("float64", np.nan, "overlap xi_c.x/|xi_c|^2 of the end state with the cued pattern"),
        "log_odds_start": _per_cue("float64", np.nan, "ln(w/(1-w)), w the cued pattern's softmax weight at the start"),
        "log_odds_end": _per_cue("float64", np.nan, "ln(w/(1-w)) at the end state"),
        "steps": _per_cue("int32", -1, "fixed-point steps taken"),
        "converged": _per_cue("int8", -1, "converged (1) or stopped at max_steps (0)"),
        "norm_end": _per_cue("float64", np.nan, "|x|^2/|xi_c|^2 at the end state"),
    },
    attrs=lambda r: {"backend": get_backend(r.backend).name, "device": get_backend(r.backend).device},
    rate=2.0e5,  # units/s per worker: dense-lse-threshold: 92 s on 2 workers (scripts/calibrate_rates.py)
)
class ExpRetrieval:
    """One grid point of ``dense.exp_retrieval`` (module docstring); ``MODEL`` is what the sweep runner runs."""

    N: int = number("dimension of the patterns", ge=2, le=10**5, long_name="dimension", grid=True)
    load: float = number(
        "alpha / alpha_1(lam, patterns), with P = round(exp(alpha N)) patterns",
        gt=0.0,
        le=50.0,
        long_name="load relative to the asymptotic threshold alpha_1",
        grid=True,
    )
    lam: float = number(
        "inverse temperature lambda of softmax(lambda xi.x)",
        gt=0.0,
        le=1e3,
        long_name="inverse temperature (Lucibello & Mezard)",
        grid=True,
    )
    patterns: str = choice(
        "pattern ensemble: spherical (|xi|^2 = N) or gaussian (i.i.d. N(0, 1))",
        PATTERNS,
        default="spherical",
        grid=True,
    )
    cues: int = number("trajectories per realization, started at distinct patterns", default=8, ge=1, le=4096)
    noise: float = number(
        "rms start perturbation in units of |xi|/sqrt(N) per component", default=0.0, ge=0.0, le=10.0, grid=True
    )
    max_patterns: int = number("grid points with more patterns are not run", default=2_000_000, ge=2, le=10**8)
    tol: float = number("convergence: |m(x) - x| <= tol sqrt(N) (float32: >= ~1e-5)", default=1e-8, gt=0.0)
    max_steps: int = number("most fixed-point steps", default=1000, ge=1, le=10**6)
    dtype: str = declared(_DTYPE, default="float64")
    backend: str = declared(_BACKEND, default="cpu")
    tile: int = declared(_TILE, default=65536)

    def n_patterns(self) -> tuple[int, float]:
        """``(P, alpha)``: ``alpha = load * alpha_1(lam, patterns)`` and ``P = round(exp(alpha N))`` (at least 1)."""
        alpha = self.load * lse_threshold(self.lam, self.patterns).alpha_1
        x = alpha * self.N
        return (max(1, round(math.exp(x))) if x < 700 else 10**300), alpha

    def check(self) -> None:
        """Cross-parameter checks at one grid point: the backend is available."""
        get_backend(self.backend)

    def _runs(self) -> int:
        P, _ = self.n_patterns()
        return P if P <= self.max_patterns else 0

    def memory(self, realizations: int) -> float:
        """Bytes of one task: the patterns (and their float64 norms), one tile of scores and a few (cues, N) arrays."""
        P, N, B = self._runs(), self.N, self.cues
        item = 4 if self.dtype == "float32" else 8
        return float(P * N * item + 16 * P + 8 * B * min(self.tile, max(P, 1)) * 2 + 64 * B * N)

    def cost(self) -> float:
        """Relative cost of one realization: drawing the patterns plus a few passes over them."""
        return float(self._runs() * self.N * (1 + self.cues / 8))

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization: patterns from stream ``(0,)``, start perturbations from ``(1,)``, then :func:`retrieve`."""
        P, alpha = self.n_patterns()
        B, N = min(self.cues, P), self.N
        if P > self.max_patterns:
            nan = np.full(B, np.nan)
            return {"P": np.int64(0), "alpha": np.float64(alpha), "m_cue": nan, "log_odds_start": nan,
                    "log_odds_end": nan, "steps": np.full(B, -1, np.int32), "converged": np.full(B, -1, np.int8),
                    "norm_end": nan}  # fmt: skip
        backend = get_backend(self.backend)
        xi_host = draw_patterns(P, N, self.patterns, child_rng(seed, 0), self.dtype)
        x0 = xi_host[:B].astype(np.float64)
        if self.noise > 0:
            g = child_rng(seed, 1).standard_normal((B, N))
            x0 = x0 + self.noise * np.linalg.norm(x0, axis=1, keepdims=True) / math.sqrt(N) * g
        xp = backend.xp
        out = retrieve(xp.asarray(xi_host), xp.asarray(x0), np.arange(B), self.lam, tol=self.tol,
                       max_steps=self.max_steps, tile=self.tile)  # fmt: skip
        return {"P": np.int64(P), "alpha": np.float64(alpha), **out}


MODEL = ExpRetrieval.MODEL
