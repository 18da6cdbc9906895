"""The Hopfield family as the sweep runner sees it: parameters, result variables, and the task function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.dataset import COORDINATES, flag_attrs
from amphase.errors import ParameterError
from amphase.params import Choice, Param, fmt_value
from amphase.simulate.backend import BACKENDS, get_backend
from amphase.simulate.binary.hebbian_batched import exact_float
from amphase.simulate.hopfield.preset import BLOCK, CUES, STATUS, HopfieldRun, run_realization
from amphase.simulate.models import Model, Variable
from amphase.simulate.store import fmt_bytes

__all__ = ["MODEL"]

PARAMS: tuple[Param | Choice, ...] = (
    Param("N", "number of neurons", lower=2, upper=10**7, integer=True),
    Param(
        "alpha",
        "load P/N; P = round(alpha N) >= 1 patterns",
        lower=0.0,
        upper=10.0,
        lower_open=True,
        long_name="load P/N (stored patterns per neuron)",
    ),
    Param("T", "temperature (0: deterministic rule; > 0: heat bath)", lower=0.0, long_name="temperature 1/beta"),
    Choice("cue", "initial state", CUES, long_name="kind of initial state"),
    Param("noise", "fraction of cue bits flipped", lower=0.0, upper=0.5),
    Param("n_mix", "patterns in a mixture cue", lower=1, upper=99, odd=True),
    Param("trials", "trajectories per realization (cues on the same patterns)", lower=1, upper=10**6, integer=True),
    Choice("dynamics", "update schedule", ("async", "sync")),
    Param("sweeps", "T = 0: most sweeps before giving up; T > 0: sweeps run", lower=1, upper=10**7, integer=True),
    Choice("form", "coupling representation", ("pattern", "coupling")),
    Choice("backend", "array backend (see amphase.simulate.backend)", BACKENDS),
    Param("top", "largest overlaps reported per trajectory", lower=1, upper=64, integer=True),
    Choice("overlaps", "store the overlaps with all patterns, or only the top ones", ("all", "top")),
)

DEFAULTS: dict[str, Any] = {
    "T": 0.0,
    "cue": "pattern",
    "noise": 0.0,
    "n_mix": 3,
    "trials": 1,
    "dynamics": "async",
    "sweeps": 200,
    "form": "pattern",
    "backend": "cpu",
    "top": 5,
    "overlaps": "all",
}

_RUN_FIELDS = tuple(f for f in HopfieldRun.__dataclass_fields__)


def _run(params: Mapping[str, Any]) -> HopfieldRun:
    return HopfieldRun(**{k: params[k] for k in _RUN_FIELDS})


def check(params: Mapping[str, Any]) -> None:
    """Cross-parameter checks at one grid point."""
    run = _run(params)
    if run.P < 1:
        raise ParameterError(
            f"alpha={fmt_value(run.alpha)} at N={run.N} stores P = round(alpha N) = 0 patterns; "
            f"allowed: alpha >= {fmt_value(0.5 / run.N)} at this N"
        )
    if run.cue == "mixture" and run.n_mix > run.P:
        raise ParameterError(f"n_mix={run.n_mix} exceeds the P={run.P} patterns at N={run.N}, alpha={run.alpha}")
    if run.form == "coupling":
        if run.backend != "cpu":
            raise ParameterError("form='coupling' runs on backend='cpu' only")
        if run.P > 32767 or 2 * run.N**2 > 8 * 2**30:
            raise ParameterError(
                f"form='coupling' at N={run.N}, P={run.P}: the int16 N x N matrix allows N <= 65536, P <= 32767"
            )
    backend = get_backend(run.backend)  # an unavailable GPU is an error before any work
    if backend.name == "gpu":
        free = float(backend.xp.cuda.Device().mem_info[0])
        need = _device_bytes(run)
        if need > free:
            raise ParameterError(
                f"one realization at N={run.N}, P={run.P} needs about {fmt_bytes(need)} on the GPU; "
                f"it has {fmt_bytes(free)} free"
            )


def _device_bytes(run: HopfieldRun) -> float:
    """Bytes the batched kernels hold at once: patterns, spins, overlaps, one window of gathered rows, GEMM operands."""
    N, P, B = run.N, run.P, run.trials
    if run.dynamics == "sync":
        fb = np.dtype(exact_float(np, N, P)).itemsize
        return N * P * (1 + fb) + B * N * (3 + 2 * fb) + B * P * fb
    return N * P + B * N * (1 + 2 * 8) + B * P * 4 + B * 32 * P * (1 + 8)


def memory(params: Mapping[str, Any]) -> float:
    """Upper estimate of the bytes one task (all realizations at one grid point) needs.

    The patterns (``N P`` int8), per trial the overlaps in every form they take (int32 counts, float64 overlaps,
    the argsort of the measurement), the random numbers of one block of sweeps, the ``N x N`` couplings and their
    float product in the coupling form, the batched kernels' arrays, and the results of every realization.
    """
    run = _run(params)
    N, P, B = run.N, run.P, run.trials
    per_trial = P * (4 + 8 + 8 + 8) + N + BLOCK * N * (8 + (8 if run.T > 0 else 0))
    total = N * P + B * per_trial
    if run.form == "coupling":
        total += N * N * (2 + 8) + N * P * 8
    if get_backend(run.backend).batched or run.dynamics == "sync":
        total += _device_bytes(run)
    outputs = B * (P * 4 if params["overlaps"] == "all" else 0) + B * run.top * 12 + B * 32
    return float(total + params.get("realizations", 1) * outputs)


def cost(params: Mapping[str, Any]) -> float:
    """Relative cost of one realization: ``N P`` multiply-adds per sweep, times the sweeps expected, times the trials.

    At T > 0 every trajectory runs ``sweeps`` sweeps. At T = 0 it stops at a fixed point: measured from the stored
    patterns (N = 2000 to 8000), one sweep at alpha = 0.05, 5 to 14 near alpha_c, and about 0.9 sqrt(N) in the
    spin-glass phase (39 to 83 at alpha = 0.5): here ``1 + sqrt(N)`` above alpha = 0.1, capped at ``sweeps``.
    """
    run = _run(params)
    expected = run.sweeps if run.T > 0 else min(run.sweeps, 1.0 + (run.alpha > 0.1) * run.N**0.5)
    return float(run.N * run.P * run.trials * expected)


def run(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """The runner's task: one realization at one grid point."""
    out = run_realization(_run(params), seed)
    if params["overlaps"] != "all":
        del out["overlap"]
    return out


def _max_patterns(config: Mapping[str, Any]) -> int:
    grid, params = config["grid"], config["params"]
    return max(round(a * n) for n in grid.get("N", [params.get("N")]) for a in grid.get("alpha", [params.get("alpha")]))


def _trials(config: Mapping[str, Any]) -> int:
    return int(config["params"]["trials"])


def variables(config: Mapping[str, Any]) -> dict[str, Variable]:
    """The per-realization result variables."""
    out = {
        "m_cue": Variable(("trial",), "float64", np.nan, {"long_name": "end-state overlap with the cued pattern"}),
        "cue_pattern": Variable(("trial",), "int32", -1, {"long_name": "cued pattern (first of a mixture; -1: none)"}),
        "energy": Variable(("trial",), "float64", np.nan, {"long_name": "end-state energy per spin", "units": "1"}),
        "sweeps": Variable(("trial",), "int32", -1, {"long_name": "sweeps (or synchronous steps) run"}),
        "status": Variable(
            ("trial",),
            "int8",
            -1,
            {**flag_attrs(list(STATUS), "how the trajectory ended"), "unconverged_flags": "max_sweeps"},
        ),
        "top_overlap": Variable(("trial", "rank"), "float64", np.nan, {"long_name": "largest end-state overlaps"}),
        "top_pattern": Variable(("trial", "rank"), "int32", -1, {"long_name": "patterns of the largest overlaps"}),
        "noise_rms": Variable(
            ("trial",),
            "float64",
            np.nan,
            {
                "long_name": "rms overlap with the patterns outside the top ranks (the end state's noise scale)",
                "units": "1",
            },
        ),
        "P": Variable((), "int32", 0, {"long_name": "number of stored patterns"}),
    }
    if config["params"]["overlaps"] == "all":
        out["overlap"] = Variable(
            ("trial", "pattern"), "float32", np.nan, {"long_name": "end-state overlap with each pattern (NaN: none)"}
        )
    return out


def sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Sizes of the extra dimensions over the whole grid (``pattern`` only when every overlap is stored)."""
    out = {"trial": _trials(config), "rank": int(config["params"]["top"])}
    if config["params"]["overlaps"] == "all":
        out["pattern"] = _max_patterns(config)
    return out


def coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """Coordinates of the extra dimensions (attributes from :data:`amphase.dataset.COORDINATES`)."""
    return {dim: (np.arange(size), dict(COORDINATES[dim])) for dim, size in sizes(config).items()}


def attrs(config: Mapping[str, Any]) -> dict[str, Any]:
    """Backend and device actually used."""
    backend = get_backend(config["params"]["backend"])
    return {"backend": backend.name, "device": backend.device}


MODEL = Model(
    name="hopfield",
    title="Hopfield network: end states of the dynamics",
    references="J. J. Hopfield, PNAS 79, 2554 (1982); Amit, Gutfreund & Sompolinsky, Phys. Rev. A 32, 1007 (1985)",
    params=PARAMS,
    gridable=("N", "alpha", "T", "cue", "noise", "n_mix", "dynamics"),
    defaults=DEFAULTS,
    variables=variables,
    sizes=sizes,
    coords=coords,
    run=run,
    check=check,
    attrs=attrs,
    memory=memory,
    cost=cost,
    rate=5.0e9,  # units/s per worker: hopfield-fss: 330 s on 2 workers (scripts/calibrate_rates.py)
)
