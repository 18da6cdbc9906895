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
fixed parameter, ``N=500,1000`` a grid dimension (a parameter already on the grid stays on it). Each key is given
once.

:func:`resolve` fills every default and checks every value of every grid point against the model's parameter domains
before any work starts; its result is the canonical configuration stored in datasets and compared on resume. The
rules are strict and the same as ``amphase theory``'s (:mod:`amphase.assignments`): numbers are numbers (``N =
"100"`` is refused), a range table has exactly the keys ``start``, ``stop``, ``num``, a grid repeats no value and
has at most :data:`~amphase.assignments.MAX_GRID_POINTS` points. A grid may be empty (``[grid]`` absent): the sweep
is then a single point.
"""

from __future__ import annotations

import copy
import itertools
import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from amphase.assignments import MAX_GRID_POINTS, check_grid_size, check_unique, linspace_grid, parse_assignment
from amphase.errors import ParameterError
from amphase.families import families
from amphase.params import fmt_value
from amphase.simulate.models import get_model

__all__ = ["apply_overrides", "builtin_configs", "load_config", "resolve", "resolve_source"]

_TOP = ("model", "title", "seed", "realizations")


def builtin_configs() -> dict[str, Path]:
    """The configurations shipped with the registered families (:mod:`amphase.families`), by name."""
    out: dict[str, Path] = {}
    for family in families():
        if family.configs is None:
            continue
        for entry in resources.files(family.configs).iterdir():
            if entry.name.endswith(".toml"):
                out[entry.name.removesuffix(".toml")] = Path(str(entry))
    return out


def describe(path: Path) -> str:
    """The one-line description of a configuration file: its ``title``."""
    try:
        return str(tomllib.loads(path.read_text(encoding="utf-8")).get("title", ""))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):  # pragma: no cover - the shipped files are valid
        return ""


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
        raw = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ParameterError(f"config {path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    except tomllib.TOMLDecodeError as err:
        raise ParameterError(f"config {path}: not valid TOML ({err})") from None
    except OSError as err:
        raise ParameterError(f"config {path}: cannot read it ({err.strerror})") from None
    return path.name.removesuffix(".toml"), raw


def _parse_value(key: str, text: str) -> Any:
    text = text.strip()
    try:
        return parse_assignment(f"{key}={text}")[1]
    except ParameterError:
        if ":" in text:
            raise
        if "," in text:  # a list of names, or of names and numbers
            parts = [part.strip() for part in text.split(",")]
            if "" in parts:
                raise ParameterError(f"{key}: the list {text!r} has an empty entry") from None
            return [_parse_value(key, part) for part in parts]
        return text  # a name, such as cue=random


def apply_overrides(raw: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Return ``raw`` with ``key=value`` overrides applied (see the module docstring)."""
    cfg = copy.deepcopy(dict(raw))
    for section in ("grid", "params"):
        cfg.setdefault(section, {})
        if not isinstance(cfg[section], Mapping):
            raise ParameterError(f"config: [{section}] must be a table of name = value, got {cfg[section]!r}")
    seen: set[str] = set()
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key or not text.strip():
            raise ParameterError(f"cannot read override {item!r}: overrides are key=value")
        bare = key.rpartition(".")[2]
        if bare in seen:
            raise ParameterError(f"override {bare} is given twice; give each key once")
        seen.add(bare)
        if key == "title":  # free text: title=2026 or title=a,b is the title as written, not a number or a list
            cfg["title"] = text.strip()
            continue
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
        form = f"grid.{name}: a range is {{ start = a, stop = b, num = n }} with an integer 1 <= n <= {MAX_GRID_POINTS}"
        if set(spec) != {"start", "stop", "num"}:
            keys = ", ".join(sorted(spec)) or "none"
            raise ParameterError(f"{form}; got the keys {keys}")
        start, stop, num = spec["start"], spec["stop"], spec["num"]
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (start, stop, num))
        if not numbers or not 1 <= num <= MAX_GRID_POINTS or float(num) != int(num):  # nan and inf fail the range
            raise ParameterError(f"{form}, got start = {start!r}, stop = {stop!r}, num = {num!r}")
        return linspace_grid(f"grid.{name}", start, stop, int(num)).tolist()
    values = list(spec) if isinstance(spec, list | tuple) else [spec]
    if not values:
        raise ParameterError(f"grid.{name} is empty")
    return values


def _int(name: str, value: Any, lower: int, upper: int) -> int:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    whole = ok and (isinstance(value, int) or (math.isfinite(value) and value.is_integer()))  # ints exactly: 2**63 - 1
    if not whole or not lower <= value <= upper:
        shown = fmt_value(value) if ok else repr(value)
        raise ParameterError(f"{name}={shown} is not allowed; allowed: integer {lower} <= {name} <= {upper}")
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
    if not isinstance(raw["model"], str):
        raise ParameterError(f'config: model = {raw["model"]!r} must be a name, e.g. model = "hopfield"')
    model = get_model(raw["model"])
    for section in ("grid", "params"):
        if not isinstance(raw.get(section, {}), Mapping):
            raise ParameterError(f"config: [{section}] must be a table of name = value, got {raw[section]!r}")
    if not isinstance(raw.get("title", ""), str):
        raise ParameterError(f"config: title = {raw['title']!r} must be a string")
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
        values = _grid_values(name, spec)
        check_grid_size({**{k: len(v) for k, v in grid.items()}, name: len(values)})
        values = [p.check(v) for v in values]
        check_unique(name, values)
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
        "seed": _int("seed", raw.get("seed", 0), 0, 2**63 - 1),
        "realizations": _int("realizations", raw.get("realizations", 1), 1, 10**6),
        "grid": grid,
        "params": params,
    }


def resolve_source(config: Mapping[str, Any] | str | os.PathLike[str]) -> tuple[dict[str, Any], Path | None, bool]:
    """Resolve what a TOML file accepts: a mapping (raw or already resolved), a TOML file or a built-in name.

    Returns the resolved configuration (:func:`resolve`), the file it was read from (None for a mapping or a
    built-in), and whether it gave a ``seed`` (without one, :func:`resolve` uses 0).

    Raises
    ------
    ParameterError
        For anything else, or any value :func:`resolve` refuses.

    """
    source = None
    if isinstance(config, str | os.PathLike):
        path = Path(config)
        source = path if path.is_file() else None
        config = load_config(str(config))[1]
    elif not isinstance(config, Mapping):
        raise ParameterError(
            "config: expected a mapping (what a TOML file holds), a TOML file or a built-in name, got "
            f"{type(config).__name__}"
        )
    return resolve(config), source, "seed" in config
