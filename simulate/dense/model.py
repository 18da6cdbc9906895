"""The binary Dense Associative Memory (``dense.binary``) as the sweep runner sees it.

Parameters: ``N``, the degree ``n``, the separation function ``F`` (:mod:`amphase.simulate.binary.energy`), the load as
``K`` patterns or as ``alpha`` with ``K = round(alpha N^(n-1))`` (give one; the other stays 0), the cue, the
dynamics and the backend. Result variables: those of :func:`amphase.simulate.dense.binary_preset.run_realization`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.dataset import COORDINATES, flag_attrs
from amphase.errors import ParameterError
from amphase.params import Choice, Param, fmt_value
from amphase.simulate.backend import BACKENDS, get_backend
from amphase.simulate.binary.batched import window_for
from amphase.simulate.dense.binary_preset import BLOCK, CUES, STATUS, DenseRun, run_realization
from amphase.simulate.models import Model, Variable
from amphase.simulate.store import fmt_bytes

__all__ = ["MODEL"]

PARAMS: tuple[Param | Choice, ...] = (
    Param("N", "number of neurons", lower=2, upper=10**6, integer=True),
    Param("n", "degree of the polynomial F (also sets the load unit N^(n-1))", lower=2, upper=30, integer=True),
    Choice(
        "F",
        "separation function: x^n, x^n for x > 0 else 0, exp(x)",
        ("polynomial", "rectified", "exponential"),
        long_name="separation function F of E = -sum_mu F(M_mu)",
    ),
    Param(
        "K",
        "stored patterns (0: K = round(alpha N^(n-1)))",
        lower=0,
        upper=10**9,
        integer=True,
        long_name="number of stored patterns K",
    ),
    Param(
        "alpha",
        "load K/N^(n-1), used when K = 0",
        lower=0.0,
        upper=1e3,
        long_name="load K/N^(n-1) (stored patterns per N^(n-1))",
    ),
    Param(
        "T",
        "temperature in units of F'(N) (0: deterministic rule; > 0: heat bath)",
        lower=0.0,
        long_name="temperature in units of F'(N)",
    ),
    Choice("cue", "initial state", CUES, long_name="kind of initial state"),
    Param("noise", "fraction of cue bits flipped", lower=0.0, upper=0.5),
    Param("trials", "trajectories per realization (cues on the same patterns)", lower=1, upper=10**6, integer=True),
    Choice("dynamics", "update schedule", ("async", "sync")),
    Param("sweeps", "T = 0: most sweeps before giving up; T > 0: sweeps run", lower=1, upper=10**7, integer=True),
    Choice("backend", "array backend (see amphase.simulate.backend)", BACKENDS),
    Param("top", "largest overlaps reported per trajectory", lower=1, upper=64, integer=True),
)

DEFAULTS: dict[str, Any] = {
    "n": 3,
    "F": "polynomial",
    "K": 0,
    "alpha": 0.0,
    "T": 0.0,
    "cue": "pattern",
    "noise": 0.0,
    "trials": 1,
    "dynamics": "async",
    "sweeps": 200,
    "backend": "cpu",
    "top": 5,
}

_RUN_FIELDS = tuple(DenseRun.__dataclass_fields__)


def _run(params: Mapping[str, Any]) -> DenseRun:
    return DenseRun(**{k: params[k] for k in _RUN_FIELDS})


def check(params: Mapping[str, Any]) -> None:
    """Cross-parameter checks at one grid point: one load, at least one pattern, exact arithmetic, the device."""
    run = _run(params)
    if bool(run.K) == bool(run.alpha):
        raise ParameterError(
            f"give the load as K or as alpha (the other 0); got K={run.K}, alpha={fmt_value(run.alpha)}"
        )
    if run.P < 1:
        raise ParameterError(
            f"alpha={fmt_value(run.alpha)} at N={run.N}, n={run.n} stores K = round(alpha N^(n-1)) = 0 patterns; "
            f"allowed: alpha >= {fmt_value(0.5 / float(run.N) ** (run.n - 1))}"
        )
    why = run.energy.check_exact(run.N, run.P)
    if why:
        raise ParameterError(why)
    need = _pattern_bytes(run)
    if need > 16 * 2**30:
        raise ParameterError(f"N={run.N}, K={run.P}: the patterns alone need {fmt_bytes(need)}; allowed: 16 GiB")
    backend = get_backend(run.backend)
    if backend.name == "gpu":
        free = float(backend.xp.cuda.Device().mem_info[0])
        if _device_bytes(run) > free:
            raise ParameterError(
                f"one realization at N={run.N}, K={run.P} needs about {fmt_bytes(_device_bytes(run))} on the GPU; "
                f"it has {fmt_bytes(free)} free"
            )


def _pattern_bytes(run: DenseRun) -> float:
    return float(run.N) * run.P


def _device_bytes(run: DenseRun) -> float:
    """Batched kernels: patterns, the float64 copy of the GEMMs, coefficients, one window of gathered rows."""
    N, K, B = run.N, run.P, run.trials
    w = window_for(B, K)
    return N * K * (1 + 8 + 8) + B * N * (1 + 8 + 8 + 8) + B * K * (8 * 5) + B * w * K * (1 + 8)


def memory(params: Mapping[str, Any]) -> float:
    """Upper estimate of the bytes one task needs.

    Patterns, the stability GEMM's float copy and coefficients, per-trial overlaps and coefficients, the random
    numbers of one block, the batched arrays, the results.
    """
    run = _run(params)
    N, K, B = run.N, run.P, run.trials
    total = _pattern_bytes(run) + N * K * 16 + B * (K * 8 * 6 + N * 8 * 4 + BLOCK * N * 16)
    if get_backend(run.backend).batched or run.dynamics == "sync":
        total += _device_bytes(run)
    outputs = B * run.top * 12 + B * 48
    return float(total + params.get("realizations", 1) * outputs)


def cost(params: Mapping[str, Any]) -> float:
    """Relative cost of one realization: ``N K`` per sweep (and the stability check), times the trials."""
    run = _run(params)
    return float(run.N) * run.P * run.trials


def run(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """The runner's task: one realization at one grid point."""
    return run_realization(_run(params), seed)


def variables(config: Mapping[str, Any]) -> dict[str, Variable]:
    """The per-realization result variables."""
    return {
        "m_cue": Variable(("trial",), "float64", np.nan, {"long_name": "end-state overlap with the cued pattern"}),
        "cue_pattern": Variable(("trial",), "int32", -1, {"long_name": "cued pattern (-1: none)"}),
        "energy": Variable(("trial",), "float64", np.nan, {"long_name": "end-state energy E / F(N)", "units": "1"}),
        "sweeps": Variable(("trial",), "int32", -1, {"long_name": "sweeps (or synchronous steps) run"}),
        "status": Variable(
            ("trial",),
            "int8",
            -1,
            {**flag_attrs(list(STATUS), "how the trajectory ended"), "unconverged_flags": "max_sweeps"},
        ),
        "unstable_bits": Variable(
            ("trial",),
            "int32",
            -1,
            {"long_name": "bits of the cued pattern whose flip lowers the energy (0: one-step stable; -1: no cue)"},
        ),
        "top_overlap": Variable(("trial", "rank"), "float64", np.nan, {"long_name": "largest end-state overlaps"}),
        "top_pattern": Variable(("trial", "rank"), "int32", -1, {"long_name": "patterns of the largest overlaps"}),
        "noise_rms": Variable(
            ("trial",),
            "float64",
            np.nan,
            {"long_name": "rms overlap with the patterns outside the top ranks", "units": "1"},
        ),
        "P": Variable((), "int32", 0, {"long_name": "number of stored patterns K"}),
    }


def sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Sizes of the extra dimensions."""
    return {"trial": int(config["params"]["trials"]), "rank": int(config["params"]["top"])}


def coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """Coordinates of the extra dimensions."""
    return {dim: (np.arange(size), dict(COORDINATES[dim])) for dim, size in sizes(config).items()}


def attrs(config: Mapping[str, Any]) -> dict[str, Any]:
    """Backend and device actually used, and the load convention."""
    backend = get_backend(config["params"]["backend"])
    return {
        "backend": backend.name,
        "device": backend.device,
        "load_convention": "K patterns; or K = round(alpha N^(n-1)) when K = 0",
        "energy": "E = -sum_mu F(M_mu), M_mu = sum_i xi_i^mu sigma_i (amphase.simulate.binary.energy)",
    }


MODEL = Model(
    name="dense.binary",
    title="Binary Dense Associative Memory: end states of the dynamics",
    references=(
        "D. Krotov & J. J. Hopfield, NeurIPS 29 (2016), arXiv:1606.01164; M. Demircigil, J. Heusel, M. Löwe, "
        "S. Upgang & F. Vermet, J. Stat. Phys. 168, 288 (2017)"
    ),
    params=PARAMS,
    gridable=("N", "n", "F", "K", "alpha", "T", "cue", "noise", "dynamics"),
    defaults=DEFAULTS,
    variables=variables,
    sizes=sizes,
    coords=coords,
    run=run,
    check=check,
    attrs=attrs,
    memory=memory,
    cost=cost,
    rate=2.5e6,  # units/s per worker: dense-capacity-n4: 173 s on 2 workers (scripts/calibrate_rates.py)
)
