"""The sequence Dense Associative Memory (``dense.sequence``, Chaudhry et al. 2023) as the sweep runner sees it.

One realization draws ``K`` random ±1 patterns (:func:`amphase.simulate.patterns.binary_patterns`, child stream
``(0,)``) that form a cyclic sequence ``xi^1 -> xi^2 -> ... -> xi^K -> xi^1`` (or an open one, ending at ``xi^K``), and
measures, with the synchronous transition of :mod:`amphase.simulate.dense.sequence_rule`:

* **transitions**: one step from each of the first ``transitions`` stored patterns ``xi^mu`` (those with a successor;
  patterns are i.i.d., so any subset is as good as another), and the bit errors against ``xi^(mu+1)``
  (``transition_errors``; 0: the transition is exact);
* **trajectories**: ``trials`` runs from ``xi^1`` with ``round(noise N)`` bits flipped (trial ``t`` draws them from
  child stream ``(1, t)``), for ``steps`` transitions (0: one full cycle, ``K`` steps, back to ``xi^1``; open: to
  ``xi^K``), recording after each step ``t`` the bit errors against the expected pattern ``xi^(1+t)``
  (``errors``; the overlap with it is ``1 - 2 errors/N``). A trajectory whose overlap with the expected pattern falls
  below ``stop_below`` is not continued (the rest of its steps hold -1, and ``steps_run`` says how far it went): it
  has failed any recall criterion with a threshold at or above ``stop_below``. From an exact cue (``noise = 0``) the
  dynamics are deterministic: one trajectory is run and copied to every trial.

Load: ``K`` patterns directly, or ``alpha`` with ``K = round(alpha N^n)`` (polynomial) or
``K = round(alpha beta^(N-1))``, ``beta = 2/(1 + e^(-4b))`` (exponential): ``alpha`` is ``K`` times the asymptotic
per-pattern crosstalk variance over ``(2n-1)!!`` (polynomial), so the signal-to-noise capacities are
``alpha_T = 1/(2 (2n-1)!! ln N)`` and ``1/(2 ln N)``.

Backends: ``cpu`` runs the Numba kernel state by state; ``numpy`` and ``gpu`` the batched GEMM kernel (NumPy or
CuPy), which is the faster one on a CPU as well once a few states are batched. All decide every spin by the exact
sign of the field, so they give the same results (tested).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.params import fmt_value
from amphase.simulate.backend import BACKENDS, Backend, get_backend
from amphase.simulate.declare import Dim, Var, choice, model, number
from amphase.simulate.dense import sequence_rule as kernels
from amphase.simulate.patterns import binary_patterns, flip_bits
from amphase.simulate.seeding import child_rng
from amphase.simulate.store import fmt_bytes

__all__ = ["MODEL", "SequenceRun", "run_realization"]


@model(
    title="Sequence Dense Associative Memory: transitions and whole-sequence recall",
    references=(
        "H. T. Chaudhry, J. A. Zavatone-Veth, D. Krotov & C. Pehlevan, Long Sequence Hopfield Memory, NeurIPS 36 "
        "(2023), arXiv:2306.04532"
    ),
    dims={
        "transition": Dim(
            lambda r: r.n_transitions, attrs={"units": "1", "long_name": "stored pattern a transition starts at"}
        ),
        "trial": Dim(lambda r: r.trials, attrs={"units": "1", "long_name": "trajectory within a realization"}),
        "step": Dim(
            lambda r: r.n_steps, lambda n: np.arange(1, n + 1), {"units": "1", "long_name": "transitions since the cue"}
        ),
    },
    variables={
        "transition_errors": Var(
            ("transition",), "int32", -1, "bit errors of one transition from a stored pattern (0: exact; -1: not run)"
        ),
        "errors": Var(
            ("trial", "step"),
            "int32",
            -1,
            "bit errors against the expected pattern after each transition "
            "of a trajectory (overlap 1 - 2 errors/N; -1: not run)",
        ),
        "steps_run": Var(("trial",), "int32", -1, "transitions run by the trajectory"),
        "K": Var((), "int32", 0, "patterns in the sequence"),
    },
    attrs=lambda r: {
        "backend": get_backend(r.backend).name,
        "device": get_backend(r.backend).device,
        "load_convention": "K patterns; or K = round(alpha N^n) (polynomial), round(alpha beta^(N-1)) (exponential)",
        "transition_rule": (
            "sigma_i' = sign(sum_mu xi^(mu+1)_i f(m^mu_i)), m^mu_i = sum_(j != i) xi^mu_j sigma_j/(N-1); "
            "ties keep the spin (amphase.simulate.dense.sequence_rule)"
        ),
    },
    rate=4.2e9,  # units/s per worker: dense-sequence: 75 s on 2 workers (scripts/calibrate_rates.py)
)
class SequenceRun:
    """One grid point of ``dense.sequence``, the parameters of one realization (module docstring)."""

    N: int = number("number of neurons", ge=3, le=10**5, grid=True)
    rule: str = choice("separation function of the transition: x^n or exp(b (N-1)(x-1))", kernels.RULES,
                       default="polynomial", grid=True)  # fmt: skip
    n: int = number("degree of the polynomial f(x) = x^n (also the load unit N^n)", default=2, ge=1, le=30, grid=True)
    b: float = number("rate of the exponential f(x) = exp(b (N-1)(x-1))", default=1.0, gt=0.0, le=50.0, grid=True)
    K: int = number("patterns in the sequence (0: from alpha)", default=0, ge=0, le=10**8,
                    long_name="sequence length K", grid=True)  # fmt: skip
    alpha: float = number("load, used when K = 0: K = round(alpha N^n) (polynomial), round(alpha beta^(N-1)) "
                          "(exponential)", default=0.0, ge=0.0, le=1e6,
                          long_name="load K/N^n (polynomial) or K/beta^(N-1) (exponential)", grid=True)  # fmt: skip
    order: str = choice("cyclic (xi^K -> xi^1) or open sequence", ("cyclic", "open"), default="cyclic", grid=True)
    noise: float = number("fraction of the first pattern's bits flipped in the trajectory cue", default=0.0, ge=0.0,
                          le=0.5, grid=True)  # fmt: skip
    trials: int = number("trajectories per realization", default=8, ge=0, le=10**5)
    steps: int = number("transitions per trajectory (0: one cycle, K; open: K - 1)", default=0, ge=0, le=10**8)
    transitions: int = number("one-step tests from stored patterns per realization", default=64, ge=0, le=10**6)
    stop_below: float = number("a trajectory stops once its overlap with the expected pattern is below this",
                               default=0.5, ge=-1.0, le=1.0)  # fmt: skip
    backend: str = choice("array backend (cpu: Numba, state by state; numpy, gpu: batched GEMMs)", BACKENDS,
                          default="cpu")  # fmt: skip

    @property
    def length(self) -> int:
        """Patterns in the sequence: ``K``, or from ``alpha`` (module docstring)."""
        if self.K:
            return int(self.K)
        if self.rule == "polynomial":
            return round(self.alpha * float(self.N) ** self.n)
        log_beta = math.log(2.0) - math.log1p(math.exp(-4.0 * self.b))
        log_p = math.log(self.alpha) + (self.N - 1) * log_beta if self.alpha > 0 else -math.inf
        return round(math.exp(log_p)) if log_p < 40.0 else 2**62

    @property
    def cyclic(self) -> bool:
        """Whether ``xi^K`` is followed by ``xi^1``."""
        return self.order == "cyclic"

    @property
    def n_steps(self) -> int:
        """Transitions per trajectory."""
        full = self.length if self.cyclic else self.length - 1
        return full if self.steps == 0 else (self.steps if self.cyclic else min(self.steps, full))

    @property
    def n_transitions(self) -> int:
        """One-step tests: at most the patterns with a successor."""
        return min(self.transitions, self.length if self.cyclic else self.length - 1)

    @property
    def seq_rule(self) -> kernels.SequenceRule:
        """The kernels' rule."""
        return kernels.SequenceRule(self.rule, self.n, self.b)

    def check(self) -> None:
        """Cross-parameter checks at one grid point: one load, at least two patterns, exact arithmetic, memory, GPU."""
        if bool(self.K) == bool(self.alpha):
            raise ParameterError(
                "give the sequence length as K or as alpha (the other 0); "
                f"got K={self.K}, alpha={fmt_value(self.alpha)}"
            )
        K = self.length
        if K < 2:
            raise ParameterError(
                f"alpha={fmt_value(self.alpha)} at N={self.N} gives K = {K} patterns; a sequence needs K >= 2 "
                "(allowed: a larger alpha)"
            )
        if K > 10**8:
            raise ParameterError(
                f"alpha={fmt_value(self.alpha)} at N={self.N} gives K = {K} patterns; allowed: K <= 1e8"
            )
        why = self.seq_rule.check_exact(self.N, K)
        if why:
            raise ParameterError(why)
        need = self._device_bytes()
        if need > 16 * 2**30:
            raise ParameterError(f"N={self.N}, K={K}: one realization needs {fmt_bytes(need)}; allowed: 16 GiB")
        backend = get_backend(self.backend)
        if backend.name == "gpu":
            free = float(backend.xp.cuda.Device().mem_info[0])
            if need > free:
                raise ParameterError(
                    f"N={self.N}, K={K} needs about {fmt_bytes(need)} on the GPU; it has {fmt_bytes(free)} free"
                )

    def _device_bytes(self) -> float:
        """Patterns (int8 and float64 copies of xi, successors and their product) and one batch's temporaries."""
        N, K = self.N, self.length
        B = max(self.trials, self.n_transitions, 1)
        return float(N * K * (3 + 3 * 8) + B * K * 8 * 8 + B * N * 8 * 6)

    def memory(self, realizations: int) -> float:
        """Upper estimate of the bytes one task needs: the device arrays, the Numba path's scratch, the results."""
        outputs = (self.trials * (self.n_steps + 2) + self.n_transitions) * 4
        return float(self._device_bytes() + self.length * 8 * 8 + realizations * outputs)

    def cost(self) -> float:
        """Relative cost of one realization: ``N K`` per transition, times the transitions run (at most)."""
        return float(self.N) * self.length * (self.trials * self.n_steps + self.n_transitions)

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization: :func:`run_realization`."""
        return run_realization(self, seed)


def _step_cpu(run: SequenceRun, xiT: np.ndarray, nextT: np.ndarray, Z: np.ndarray) -> Any:
    rule = run.seq_rule
    g_f, g_w, _ = rule.tables(run.N)

    def step(S: np.ndarray) -> np.ndarray:
        out = np.empty_like(S)
        kernels.transition(rule.kind, g_f, g_w, float(rule.b), xiT, nextT, Z, S, out)
        return out

    return step


def _step_batched(backend: Backend, run: SequenceRun, xiT: np.ndarray, nextT: np.ndarray) -> Any:
    ops = kernels.operands(backend.xp, xiT, nextT)
    rule = run.seq_rule

    def step(S: Any) -> Any:
        return kernels.transition_batched(backend.xp, rule, ops, S)

    return step


def run_realization(run: SequenceRun, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Draw the sequence, test the transitions, run the trajectories (see the module docstring).

    Returns
    -------
    dict of str to ndarray
        ``transition_errors`` (transitions,), ``errors`` (trials, steps), ``steps_run`` (trials,), ``K`` (scalar).

    """
    N, K = run.N, run.length
    xiT = binary_patterns(child_rng(seed, 0), N, K)
    nextT = kernels.next_patterns(xiT, run.cyclic)
    nxt = kernels.successors(K, run.cyclic)
    backend = get_backend(run.backend)
    if backend.batched:
        step = _step_batched(backend, run, xiT, nextT)
        to_dev, to_host = backend.asarray, backend.asnumpy
    else:
        step = _step_cpu(run, xiT, nextT, nextT * xiT)
        to_dev, to_host = np.asarray, np.asarray

    T = run.n_transitions
    start = np.ascontiguousarray(xiT[:, :T].T)
    after = to_host(step(to_dev(start))) if T else np.zeros((0, N), np.int8)
    transition_errors = np.count_nonzero(after != xiT[:, nxt[:T]].T, axis=1).astype(np.int32)

    n_steps = run.n_steps
    errors = np.full((run.trials, n_steps), -1, dtype=np.int32)
    steps_run = np.zeros(run.trials, dtype=np.int32)
    flips = round(run.noise * N)
    distinct = run.trials if flips else min(run.trials, 1)  # an exact cue: every trial is the same trajectory
    S = np.stack([flip_bits(child_rng(seed, 1, t), xiT[:, 0], flips) for t in range(distinct)]) if distinct else None
    live = np.arange(distinct)
    stop_errors = (1.0 - run.stop_below) * N / 2.0  # overlap < stop_below <=> errors > this
    expected = 0
    d_S = to_dev(S) if distinct else None
    for t in range(n_steps):
        if live.size == 0:
            break
        d_S = step(d_S)
        expected = int(nxt[expected])
        e = np.count_nonzero(to_host(d_S) != xiT[:, expected][None, :], axis=1)
        errors[live, t] = e
        steps_run[live] += 1
        keep = e <= stop_errors
        if not keep.all():
            live = live[keep]
            d_S = d_S[to_dev(np.flatnonzero(keep))] if backend.batched else d_S[keep]
    if distinct < run.trials:
        errors[1:], steps_run[1:] = errors[0], steps_run[0]
    return {
        "transition_errors": transition_errors,
        "errors": errors,
        "steps_run": steps_run,
        "K": np.int32(K),
    }


MODEL = SequenceRun.MODEL
