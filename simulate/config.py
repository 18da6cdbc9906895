"""Sweep configurations: TOML files (or the built-in ones), command-line overrides, validation.

A configuration names a model family, a grid, fixed parameters, a root seed and a number of realizations::

    model = "hopfield"
    title = "Hopfield capacity: retrieval from noisy cues"
    seed = 20261122
    realizations = 8

    [grid]                    # each entry is a dimension, in this order
    N = [1000, 2000]
    alpha = { start = 0.02, stop = 0.2, num = 10 }

    [params]                  # held fixed
    noise = 0.1
    trials = 4

Overrides are ``key=value`` strings (a value ``start:stop:num`` or ``a,b,c`` is a grid): ``realizations=4``,
``seed=7``, ``title=...``, ``grid.N=500,1000``, ``params.noise=0.2``, or a bare parameter name: ``noise=0.2`` sets a
fixed parameter, ``N=500,1000`` a grid dimension (a parameter already on the grid stays on it).

:func:`resolve` fills every default and checks every value of every grid point against the model's parameter domains
before any work starts; its result is the canonical configuration stored in datasets and compared on resume.
"""

from __future__ import annotations

import copy
import itertools
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from amphase.assignments import parse_assignment
from amphase.errors import ParameterError
from amphase.simulate.models import get_model

__all__ = ["apply_overrides", "builtin_configs", "load_config", "resolve"]

_TOP = ("model", "title", "seed", "realizations")


def builtin_configs() -> dict[str, Path]:
    """The configurations shipped with amphase, by name (``hopfield-capacity`` ...)."""
    folder = resources.files("amphase.simulate") / "configs"
    return {p.name.removesuffix(".toml"): Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


def load_config(source: str) -> tuple[str, dict[str, Any]]:
    """Read a configuration from a TOML file or a built-in name; returns ``(name, raw config)``."""
    builtins = builtin_configs()
    path = Path(source)
    if source in builtins and not path.is_file():
        path = builtins[source]
    elif not path.is_file():
        names = ", ".join(sorted(builtins))
        raise ParameterError(f"config {source!r}: no such file or built-in configuration; built-in: {names}")
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise ParameterError(f"config {path}: not valid TOML ({err})") from None
    return path.name.removesuffix(".toml"), raw


def _parse_value(key: str, text: str) -> Any:
    text = text.strip()
    try:
        return parse_assignment(f"{key}={text}")[1]
    except ParameterError:
        if ":" in text:
            raise
        if "," in text:  # a list of names, or of names and numbers
            return [_parse_value(key, part) for part in text.split(",") if part.strip()]
        return text  # a name, such as cue=random


def apply_overrides(raw: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Return ``raw`` with ``key=value`` overrides applied (see the module docstring)."""
    cfg = copy.deepcopy(dict(raw))
    cfg.setdefault("grid", {})
    cfg.setdefault("params", {})
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key or not text.strip():
            raise ParameterError(f"cannot read override {item!r}: overrides are key=value")
        value = _parse_value(key, text)
        if isinstance(value, np.ndarray):
            value = value.tolist()
        section, _, name = key.rpartition(".")
        if section and section not in ("grid", "params"):
            raise ParameterError(f"override {key!r}: a dotted key starts with grid. or params.")
        if not section and name in _TOP:
            cfg[name] = value
        elif section == "grid" or (not section and (isinstance(value, list) or name in cfg["grid"])):
            cfg["params"].pop(name, None)
            cfg["grid"][name] = value if isinstance(value, list) else [value]
        else:
            cfg["grid"].pop(name, None)
            cfg["params"][name] = value
    return cfg


def _grid_values(name: str, spec: Any) -> list[Any]:
    if isinstance(spec, Mapping):
        try:
            return np.linspace(spec["start"], spec["stop"], int(spec["num"])).tolist()
        except (KeyError, TypeError, ValueError):
            raise ParameterError(f"grid.{name}: a range is {{ start = a, stop = b, num = n }}") from None
    values = list(spec) if isinstance(spec, list | tuple) else [spec]
    if not values:
        raise ParameterError(f"grid.{name} is empty")
    return values


def _int(name: str, value: Any, lower: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or float(value) != int(value) or value < lower:
        shown = int(value) if isinstance(value, float) and value.is_integer() else repr(value)
        raise ParameterError(f"{name}={shown} is not allowed; allowed: integer {name} >= {lower}")
    return int(value)


def resolve(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Fill defaults and check every value; returns the canonical configuration.

    Raises
    ------
    ParameterError
        Naming the offending key and its allowed values, before any work.

    """
    unknown = set(raw) - {*_TOP, "grid", "params"}
    if unknown:
        raise ParameterError(f"config key {sorted(unknown)[0]!r} is unknown; allowed: {', '.join(_TOP)}, grid, params")
    if "model" not in raw:
        raise ParameterError('config: missing key model (e.g. model = "hopfield")')
    model = get_model(str(raw["model"]))
    grid_raw = dict(raw.get("grid", {}))
    params_raw = dict(raw.get("params", {}))
    both = set(grid_raw) & set(params_raw)
    if both:
        raise ParameterError(f"{sorted(both)[0]} is both a grid dimension and a fixed parameter")
    grid: dict[str, list[Any]] = {}
    for name, spec in grid_raw.items():
        p = model.param(name)
        if name not in model.gridable:
            raise ParameterError(f"{name} cannot be a grid dimension; these can: {', '.join(model.gridable)}")
        values = [p.check(v) for v in _grid_values(name, spec)]
        if len(set(values)) != len(values):
            raise ParameterError(f"grid.{name} repeats a value: {values}")
        grid[name] = values
    params: dict[str, Any] = {}
    for p in model.params:
        if p.name in grid:
            continue
        if p.name in params_raw:
            params[p.name] = p.check(params_raw[p.name])
        elif p.name in model.defaults:
            params[p.name] = model.defaults[p.name]
        else:
            raise ParameterError(f"missing parameter {p.name}: give it in [params] or [grid]; {p.domain()}")
    for name in params_raw:
        model.param(name)  # unknown names
    for combo in itertools.product(*grid.values()):
        model.check({**params, **dict(zip(grid, combo, strict=True))})
    return {
        "model": model.name,
        "title": str(raw.get("title", model.title)),
        "seed": _int("seed", raw.get("seed", 0), 0),
        "realizations": _int("realizations", raw.get("realizations", 1), 1),
        "grid": grid,
        "params": params,
    }
