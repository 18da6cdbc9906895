"""The Hopfield family as the sweep runner sees it: parameters, result variables, and the task function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.dataset import COORDINATES, flag_attrs
from amphase.errors import ParameterError
from amphase.simulate.backend import BACKENDS, get_backend
from amphase.simulate.hopfield.engine import CUES, STATUS, HopfieldRun, run_realization
from amphase.simulate.models import Choice, Model, Variable
from amphase.theory.registry import Param

__all__ = ["MODEL"]

PARAMS: tuple[Param | Choice, ...] = (
    Param("N", "number of neurons", lower=2, upper=10**7, integer=True),
    Param("alpha", "load P/N; P = max(1, round(alpha N)) patterns", lower=0.0, upper=10.0, lower_open=True),
    Param("T", "temperature (0: deterministic rule; > 0: heat bath)", lower=0.0),
    Choice("cue", "initial state", CUES),
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
    if run.cue == "mixture" and run.n_mix > run.P:
        raise ParameterError(f"n_mix={run.n_mix} exceeds the P={run.P} patterns at N={run.N}, alpha={run.alpha}")
    if run.form == "coupling":
        if run.backend != "cpu":
            raise ParameterError("form='coupling' runs on backend='cpu' only")
        if run.P > 32767 or 2 * run.N**2 > 8 * 2**30:
            raise ParameterError(
                f"form='coupling' at N={run.N}, P={run.P}: the int16 N x N matrix allows N <= 65536, P <= 32767"
            )
    get_backend(run.backend)  # an unavailable GPU is an error before any work


def run(params: Mapping[str, Any], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """The runner's task: one realization at one grid point."""
    out = run_realization(_run(params), seed)
    if params["overlaps"] != "all":
        del out["overlap"]
    return out


def _max_patterns(config: Mapping[str, Any]) -> int:
    grid, params = config["grid"], config["params"]
    return max(
        max(1, round(a * n)) for n in grid.get("N", [params.get("N")]) for a in grid.get("alpha", [params.get("alpha")])
    )


def _trials(config: Mapping[str, Any]) -> int:
    return int(config["params"]["trials"])


def variables(config: Mapping[str, Any]) -> dict[str, Variable]:
    """The per-realization result variables."""
    out = {
        "m_cue": Variable(("trial",), "float64", np.nan, {"long_name": "end-state overlap with the cued pattern"}),
        "cue_pattern": Variable(("trial",), "int32", -1, {"long_name": "cued pattern (first of a mixture; -1: none)"}),
        "energy": Variable(("trial",), "float64", np.nan, {"long_name": "end-state energy per spin", "units": "1"}),
        "sweeps": Variable(("trial",), "int32", -1, {"long_name": "sweeps (or synchronous steps) run"}),
        "status": Variable(("trial",), "int8", -1, flag_attrs(list(STATUS), "how the trajectory ended")),
        "top_overlap": Variable(("trial", "rank"), "float64", np.nan, {"long_name": "largest end-state overlaps"}),
        "top_pattern": Variable(("trial", "rank"), "int32", -1, {"long_name": "patterns of the largest overlaps"}),
        "P": Variable((), "int32", 0, {"long_name": "number of stored patterns"}),
    }
    if config["params"]["overlaps"] == "all":
        out["overlap"] = Variable(
            ("trial", "pattern"), "float32", np.nan, {"long_name": "end-state overlap with each pattern (NaN: none)"}
        )
    return out


def sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Sizes of the extra dimensions over the whole grid."""
    return {"trial": _trials(config), "pattern": _max_patterns(config), "rank": int(config["params"]["top"])}


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
)
