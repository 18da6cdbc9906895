"""The sequence Dense Associative Memory (``dense.sequence``, Chaudhry et al. 2023) as the sweep runner sees it.

One realization draws ``P`` random ±1 patterns (:func:`amphase.simulate.patterns.binary_patterns`, child stream
``(0,)``) that form a cyclic sequence ``xi^1 -> xi^2 -> ... -> xi^P -> xi^1`` (or an open one, ending at ``xi^P``), and
measures, with the synchronous transition of :mod:`amphase.simulate.dense.sequence`:

* **transitions**: one step from each of the first ``transitions`` stored patterns ``xi^mu`` (those with a successor;
  patterns are i.i.d., so any subset is as good as another), and the bit errors against ``xi^(mu+1)``
  (``transition_errors``; 0: the transition is exact);
* **trajectories**: ``trials`` runs from ``xi^1`` with ``round(noise N)`` bits flipped (trial ``t`` draws them from
  child stream ``(1, t)``), for ``steps`` transitions (0: one full cycle, ``P`` steps, back to ``xi^1``; open: to
  ``xi^P``), recording after each step ``t`` the bit errors against the expected pattern ``xi^(1+t)``
  (``errors``; the overlap with it is ``1 - 2 errors/N``). A trajectory whose overlap with the expected pattern falls
  below ``stop_below`` is not continued (the rest of its steps hold -1, and ``steps_run`` says how far it went): it
  has failed any recall criterion with a threshold at or above ``stop_below``. From an exact cue (``noise = 0``) the
  dynamics are deterministic: one trajectory is run and copied to every trial.

Load: ``P`` patterns directly, or ``alpha`` with ``P = round(alpha N^d)`` (polynomial) or
``P = round(alpha beta^(N-1))``, ``beta = 2/(1 + e^(-4b))`` (exponential): ``alpha`` is ``P`` times the asymptotic
per-pattern crosstalk variance over ``(2d-1)!!`` (polynomial), so the signal-to-noise capacities are
``alpha_T = 1/(2 (2d-1)!! ln N)`` and ``1/(2 ln N)``.

Backends: ``cpu`` runs the Numba kernel state by state; ``numpy`` and ``gpu`` the batched GEMM kernel (NumPy or
CuPy), which is the faster one on a CPU as well once a few states are batched. All decide every spin by the exact
sign of the field, so they give the same results (tested).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.params import Choice, Param, fmt_value
from amphase.simulate.backend import BACKENDS, Backend, get_backend
from amphase.simulate.dense import sequence as kernels
from amphase.simulate.models import Model, Variable
from amphase.simulate.patterns import binary_patterns, flip_bits
from amphase.simulate.seeding import child_rng
from amphase.simulate.store import fmt_bytes

__all__ = ["MODEL", "SequenceRun", "run_realization"]

PARAMS: tuple[Param | Choice, ...] = (
    Param("N", "number of neurons", lower=3, upper=10**5, integer=True),
    Choice("rule", "separation function of the transition: x^d or exp(b (N-1)(x-1))", kernels.RULES),
    Param("d", "degree of the polynomial f(x) = x^d (also the load unit N^d)", lower=1, upper=30, integer=True),
    Param("b", "rate of the exponential f(x) = exp(b (N-1)(x-1))", lower=0.0, upper=50.0, lower_open=True),
    Param(
        "P",
        "patterns in the sequence (0: from alpha)",
        lower=0,
        upper=10**8,
        integer=True,
        long_name="sequence length P",
    ),
    Param(
        "alpha",
        "load, used when P = 0: P = round(alpha N^d) (polynomial), round(alpha beta^(N-1)) (exponential)",
        lower=0.0,
        upper=1e6,
        long_name="load P/N^d (polynomial) or P/beta^(N-1) (exponential)",
    ),
    Choice("order", "cyclic (xi^P -> xi^1) or open sequence", ("cyclic", "open")),
    Param("noise", "fraction of the first pattern's bits flipped in the trajectory cue", lower=0.0, upper=0.5),
    Param("trials", "trajectories per realization", lower=0, upper=10**5, integer=True),
    Param("steps", "transitions per trajectory (0: one cycle, P; open: P - 1)", lower=0, upper=10**8, integer=True),
    Param("transitions", "one-step tests from stored patterns per realization", lower=0, upper=10**6, integer=True),
    Param(
        "stop_below",
        "a trajectory stops once its overlap with the expected pattern is below this",
        lower=-1.0,
        upper=1.0,
    ),
    Choice("backend", "array backend (cpu: Numba, state by state; numpy, gpu: batched GEMMs)", BACKENDS),
)

DEFAULTS: dict[str, Any] = {
    "rule": "polynomial",
    "d": 2,
    "b": 1.0,
    "P": 0,
    "alpha": 0.0,
    "order": "cyclic",
    "noise": 0.0,
    "trials": 8,
    "steps": 0,
    "transitions": 64,
    "stop_below": 0.5,
    "backend": "cpu",
}


@dataclass(frozen=True)
class SequenceRun:
    """Parameters of one realization (see the module docstring)."""

    N: int
    rule: str = "polynomial"
    d: int = 2
    b: float = 1.0
    P: int = 0
    alpha: float = 0.0
    order: str = "cyclic"
    noise: float = 0.0
    trials: int = 8
    steps: int = 0
    transitions: int = 64
    stop_below: float = 0.5
    backend: str = "cpu"

    @property
    def length(self) -> int:
        """Patterns in the sequence: ``P``, or from ``alpha`` (module docstring)."""
        if self.P:
            return int(self.P)
        if self.rule == "polynomial":
            return round(self.alpha * float(self.N) ** self.d)
        log_beta = math.log(2.0) - math.log1p(math.exp(-4.0 * self.b))
        log_p = math.log(self.alpha) + (self.N - 1) * log_beta if self.alpha > 0 else -math.inf
        return round(math.exp(log_p)) if log_p < 40.0 else 2**62

    @property
    def cyclic(self) -> bool:
        """Whether ``xi^P`` is followed by ``xi^1``."""
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
        return kernels.SequenceRule(self.rule, self.d, self.b)


_RUN_FIELDS = tuple(SequenceRun.__dataclass_fields__)


def _run(params: Mapping[str, Any]) -> SequenceRun:
    return SequenceRun(**{k: params[k] for k in _RUN_FIELDS})


def check(params: Mapping[str, Any]) -> None:
    """Cross-parameter checks at one grid point: one load, at least two patterns, exact arithmetic, memory, device."""
    run = _run(params)
    if bool(run.P) == bool(run.alpha):
        raise ParameterError(
            f"give the sequence length as P or as alpha (the other 0); got P={run.P}, alpha={fmt_value(run.alpha)}"
        )
    P = run.length
    if P < 2:
        raise ParameterError(
            f"alpha={fmt_value(run.alpha)} at N={run.N} gives P = {P} patterns; a sequence needs P >= 2 "
            "(allowed: a larger alpha)"
        )
    if P > 10**8:
        raise ParameterError(f"alpha={fmt_value(run.alpha)} at N={run.N} gives P = {P} patterns; allowed: P <= 1e8")
    why = run.seq_rule.check_exact(run.N, P)
    if why:
        raise ParameterError(why)
    need = _device_bytes(run)
    if need > 16 * 2**30:
        raise ParameterError(f"N={run.N}, P={P}: one realization needs {fmt_bytes(need)}; allowed: 16 GiB")
    backend = get_backend(run.backend)
    if backend.name == "gpu":
        free = float(backend.xp.cuda.Device().mem_info[0])
        if need > free:
            raise ParameterError(
                f"N={run.N}, P={P} needs about {fmt_bytes(need)} on the GPU; it has {fmt_bytes(free)} free"
            )


def _device_bytes(run: SequenceRun) -> float:
    """Patterns (int8 and float64 copies of xi, successors and their product) and one batch's temporaries."""
    N, P = run.N, run.length
    B = max(run.trials, run.n_transitions, 1)
    return float(N * P * (3 + 3 * 8) + B * P * 8 * 8 + B * N * 8 * 6)


def memory(params: Mapping[str, Any]) -> float:
    """Upper estimate of the bytes one task needs: the device arrays, the Numba path's scratch, the results."""
    run = _run(params)
    outputs = (run.trials * (run.n_steps + 2) + run.n_transitions) * 4
    return float(_device_bytes(run) + run.length * 8 * 8 + params.get("realizations", 1) * outputs)


def cost(params: Mapping[str, Any]) -> float:
    """Relative cost of one realization: ``N P`` per transition, times the transitions run (at most)."""
    run = _run(params)
    return float(run.N) * run.length * (run.trials * run.n_steps + run.n_transitions)


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
        ``transition_errors`` (transitions,), ``errors`` (trials, steps), ``steps_run`` (trials,), ``P`` (scalar).

    """
    N, P = run.N, run.length
    xiT = binary_patterns(child_rng(seed, 0), N, P)
    nextT = kernels.next_patterns(xiT, run.cyclic)
    nxt = kernels.successors(P, run.cyclic)
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
        "P": np.int32(P),
    }


def run(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """The runner's task: one realization at one grid point."""
    return run_realization(_run(params), seed)


def _points(config: Mapping[str, Any]) -> list[SequenceRun]:
    grid = config["grid"]
    return [
        _run({**config["params"], **dict(zip(grid, combo, strict=True))}) for combo in itertools.product(*grid.values())
    ]


def variables(config: Mapping[str, Any]) -> dict[str, Variable]:
    """The per-realization result variables."""
    return {
        "transition_errors": Variable(
            ("transition",),
            "int32",
            -1,
            {"long_name": "bit errors of one transition from a stored pattern (0: exact; -1: not run)"},
        ),
        "errors": Variable(
            ("trial", "step"),
            "int32",
            -1,
            {
                "long_name": "bit errors against the expected pattern after each transition of a trajectory "
                "(overlap 1 - 2 errors/N; -1: not run)"
            },
        ),
        "steps_run": Variable(("trial",), "int32", -1, {"long_name": "transitions run by the trajectory"}),
        "P": Variable((), "int32", 0, {"long_name": "patterns in the sequence"}),
    }


def sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Sizes of the extra dimensions: the most transitions, trials and steps over the grid."""
    points = _points(config)
    return {
        "transition": max(p.n_transitions for p in points),
        "trial": int(config["params"]["trials"]),
        "step": max(p.n_steps for p in points),
    }


def coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """Coordinates of the extra dimensions (``step`` counts transitions from 1)."""
    s = sizes(config)
    return {
        "transition": (
            np.arange(s["transition"]),
            {"units": "1", "long_name": "stored pattern a transition starts at"},
        ),
        "trial": (np.arange(s["trial"]), {"units": "1", "long_name": "trajectory within a realization"}),
        "step": (np.arange(1, s["step"] + 1), {"units": "1", "long_name": "transitions since the cue"}),
    }


def attrs(config: Mapping[str, Any]) -> dict[str, Any]:
    """Backend and device actually used, the rule and the load convention."""
    backend = get_backend(config["params"]["backend"])
    return {
        "backend": backend.name,
        "device": backend.device,
        "load_convention": "P patterns; or P = round(alpha N^d) (polynomial), round(alpha beta^(N-1)) (exponential)",
        "transition_rule": (
            "sigma_i' = sign(sum_mu xi^(mu+1)_i f(m^mu_i)), m^mu_i = sum_(j != i) xi^mu_j sigma_j/(N-1); "
            "ties keep the spin (amphase.simulate.dense.sequence)"
        ),
    }


MODEL = Model(
    name="dense.sequence",
    title="Sequence Dense Associative Memory: transitions and whole-sequence recall",
    references=(
        "H. T. Chaudhry, J. A. Zavatone-Veth, D. Krotov & C. Pehlevan, Long Sequence Hopfield Memory, NeurIPS 36 "
        "(2023), arXiv:2306.04532"
    ),
    params=PARAMS,
    gridable=("N", "rule", "d", "b", "P", "alpha", "order", "noise"),
    defaults=DEFAULTS,
    variables=variables,
    sizes=sizes,
    coords=coords,
    run=run,
    check=check,
    attrs=attrs,
    memory=memory,
    cost=cost,
    rate=4.2e9,  # units/s per worker: dense-sequence: 75 s on 2 workers (scripts/calibrate_rates.py)
)
