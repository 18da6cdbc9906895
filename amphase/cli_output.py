"""What the command line prints: ``amphase theory``'s list, help, JSON and legends; ``amphase compare --json``.

One JSON layout for every evaluation, a point or a grid, with or without ``--out``::

    {"quantity": NAME,
     "params": {fixed parameter: value},            # the scalars, defaults included
     "grid": {dimension: [values]},                 # empty for a point
     "results": {result: value or nested lists},    # nested over the dimensions of "dims", in that order
     "dims": {result: [dimension, ...]},
     "units": {result: units},
     "absent": {result: why it may be NaN},         # only for results that are NaN somewhere
     "legend": {result: {code: meaning}},           # only for coded results (CF flags), e.g. a phase
     "no_solution_points": n, "overflow": "..."}    # grids only; overflow only where a value overflowed

``amphase compare --json`` prints the comparison dataset in the same spirit (:func:`comparison_json`): every
variable with its dimensions, values, units, long name and legend, the coordinates, and the table's notes.

NaN is ``null`` and infinities are the strings ``"inf"`` and ``"-inf"`` (:func:`jsonable`).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from amphase.errors import ParameterError
from amphase.machine import fmt_bytes, fmt_seconds
from amphase.params import Choice, fmt_value

__all__ = [
    "announce",
    "comparison_json",
    "dataset_json",
    "jsonable",
    "legend",
    "legend_lines",
    "list_quantities",
    "point_json",
    "quantity_help",
]


def jsonable(obj: Any) -> Any:
    """``obj`` with NumPy values as Python ones, NaN as ``None`` and infinities as ``"inf"``/``"-inf"``."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, float):
        if math.isnan(obj):
            return None  # JSON has no NaN: no solution, or not defined there (see "absent")
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
    return obj


def _selected(names: list[str], pattern: str | None) -> list[str]:
    """``names`` matching ``pattern``: the name itself, or every name that starts with it (``dense``, ``dense.c``)."""
    from amphase import theory

    if not pattern:
        return names
    if pattern in names:
        return [pattern]
    found = [n for n in names if n.startswith(pattern)]
    if not found:
        theory.get(pattern)  # the unknown-name error, with suggestions
    return found


def describe(name: str) -> dict[str, Any]:
    """A quantity's description as plain data: summary, source, parameters (domain, units, default), results."""
    from amphase import theory

    q = theory.get(name)
    params = []
    for p in q.params:
        entry: dict[str, Any] = {"name": p.name, "description": p.description, "domain": p.domain()}
        if isinstance(p, Choice):
            entry["choices"] = list(p.choices)
        else:
            entry["units"] = p.units
        if p.name in q.defaults:
            entry["default"] = q.defaults[p.name]
        params.append(entry)
    results = []
    for r in q.results:
        entry = {"name": r.name, "description": r.description, "units": r.units}
        if r.absent:
            entry["absent"] = r.absent
        results.append(entry)
    return {"name": name, "summary": q.summary, "source": q.reference, "params": params, "results": results}


def list_quantities(pattern: str | None, as_json: bool) -> None:
    """``amphase theory --list [NAME | PREFIX] [--json]``."""
    from amphase import theory

    names = _selected(theory.names(), pattern)
    if as_json:
        print(json.dumps([describe(n) for n in names]))
        return
    for name in names:
        d = describe(name)
        shown = ", ".join(p["name"] + (f"={p['default']!r}" if "default" in p else "") for p in d["params"])
        print(f"{name}({shown}) -> {', '.join(r['name'] for r in d['results'])}")
        print(f"    {d['summary']}")
        for p in d["params"]:
            print(f"    {p['name']:<8} {p['description']}; {p['domain']}")
        print(f"    source: {d['source']}")


def quantity_help(name: str) -> str:
    """``amphase theory NAME --help``: the equation (the docstring), the source, parameters and results."""
    from amphase import theory

    q = theory.get(name)
    d = describe(name)
    usage = " ".join(
        f"[{p['name']}={fmt_value(p['default'])}]" if "default" in p else f"{p['name']}=VALUE" for p in d["params"]
    )
    lines = [f"usage: amphase theory {name} {usage} [--json] [--out FILE.nc] [--workers N]", "", q.doc, ""]
    lines.append(f"source: {q.reference}")
    lines.append("")
    width = max(len(x["name"]) for x in [*d["params"], *d["results"]])
    lines.append("parameters (a value start:stop:num or v1,v2,... makes a grid):")
    for p in d["params"]:
        units = f" [{p['units']}]" if p.get("units") not in (None, "1") else ""
        default = f" (default {fmt_value(p['default'])})" if "default" in p else ""
        lines.append(f"  {p['name']:<{width}}  {p['description']}{units}; {p['domain']}{default}")
    lines.append("")
    lines.append("results:")
    for r in d["results"]:
        units = f" [{r['units']}]" if r["units"] != "1" else ""
        absent = f" NaN: {r['absent']}" if "absent" in r else ""
        lines.append(f"  {r['name']:<{width}}  {r['description']}{units}{absent}")
    if all(p.name in q.defaults for p in q.params):
        cost = q.estimate(q.check({}))
        lines += [
            "",
            f"cost at the defaults: about {fmt_seconds(cost.seconds)} and {fmt_bytes(cost.memory)} (declared)",
        ]
    return "\n".join(lines)


def legend(var: xr.DataArray) -> dict[str, str]:
    """``{code: meaning}`` of a CF flag variable (``flag_values``, ``flag_meanings``); empty for other variables."""
    meanings = str(var.attrs.get("flag_meanings", "")).split()
    values = np.atleast_1d(var.attrs.get("flag_values", np.arange(len(meanings))))
    if not meanings or len(values) != len(meanings):
        return {}
    return {str(int(v)): m for v, m in zip(values, meanings, strict=True)}


def legend_lines(ds: xr.Dataset) -> list[str]:
    """``# phase: 0 = paramagnetic, 1 = spin_glass, ...`` for each coded variable of ``ds``."""
    out = []
    for name, var in ds.data_vars.items():
        codes = legend(var)
        if codes:
            out.append(f"# {name}: " + ", ".join(f"{k} = {v}" for k, v in codes.items()))
    return out


def _scalars(checked: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in checked.items() if v is not None and not isinstance(v, np.ndarray)}


def point_json(q: Any, checked: Mapping[str, Any], result: Mapping[str, float]) -> dict[str, Any]:
    """The JSON object of one point (see the module docstring)."""
    absent = {r.name: r.absent for r in q.results if r.absent and math.isnan(result[r.name])}
    obj: dict[str, Any] = {
        "quantity": q.name,
        "params": _scalars(checked),
        "grid": {},
        "results": dict(result),
        "dims": {r.name: [] for r in q.results},
        "units": {r.name: r.units for r in q.results},
        "no_solution_points": int(math.isnan(result[q.results[0].name])),  # as a grid counts them
    }
    if absent:
        obj["absent"] = absent
    return obj


def dataset_json(q: Any, checked: Mapping[str, Any], ds: xr.Dataset) -> dict[str, Any]:
    """The JSON object of a grid (or of a point written with ``--out``), from its dataset."""
    dims = [str(d) for d in ds.dims if d in ds.coords]
    obj: dict[str, Any] = {
        "quantity": q.name,
        "params": _scalars(checked),
        "grid": {d: ds[d].values.tolist() for d in dims},
        "results": {},
        "dims": {},
        "units": {},
    }
    absent, legends = {}, {}
    results = {r.name for r in q.results}
    for name, var in ds.data_vars.items():
        name = str(name)
        if name.endswith("_result") and name[: -len("_result")] in results and name[: -len("_result")] in dims:
            name = name[: -len("_result")]  # the dataset renames a result that is also a grid dimension; JSON need not
        obj["results"][name] = var.values.tolist() if var.ndim else var.values.item()
        obj["dims"][name] = [str(d) for d in var.dims]
        obj["units"][name] = str(var.attrs.get("units", "1"))
        values = np.asarray(var.values)
        if var.attrs.get("absent") and values.dtype.kind == "f" and bool(np.isnan(values).any()):
            absent[name] = str(var.attrs["absent"])
        if legend(var):
            legends[name] = legend(var)
    if absent:
        obj["absent"] = absent
    if legends:
        obj["legend"] = legends
    for key in ("no_solution_points", "overflow_points", "overflow"):
        if key in ds.attrs:
            value = ds.attrs[key]
            obj[key] = value.item() if isinstance(value, np.generic) else value
    return obj


def announce(q: Any, checked: Mapping[str, Any], workers: int) -> None:
    """Refuse an evaluation that cannot fit the memory; announce one expected to last over a minute."""
    from amphase.theory.cost import ANNOUNCE_S, check_memory, describe

    cost = q.estimate(checked, workers)
    check_memory(q.name, cost, "" if any(isinstance(v, np.ndarray) for v in checked.values()) else _at(checked))
    if cost.seconds - cost.setup_seconds > ANNOUNCE_S:  # the evaluation itself, not the one-off start-up
        where = f" on {workers} processes" if workers > 1 else ""
        print(f"amphase: {q.name}: estimated {describe(cost)}{where}", file=sys.stderr, flush=True)


def _at(checked: Mapping[str, Any]) -> str:
    shown = ", ".join(f"{k}={fmt_value(v)}" for k, v in _scalars(checked).items())
    return f" at {shown}" if shown else ""


def check_list_options(args: Any) -> None:
    """``--list`` takes a name or prefix and ``--json``; nothing else."""
    if args.params or args.out is not None:
        raise ParameterError("--list takes a name or a prefix (dense, hopfield.T_c) and --json, nothing else")


def comparison_json(res: xr.Dataset, source: str, figure: str, table: str) -> dict[str, Any]:
    """The JSON object of ``amphase compare --json``: the comparison dataset, variable by variable."""
    variables = {}
    for name, var in res.data_vars.items():
        values = var.values
        entry: dict[str, Any] = {
            "dims": [str(d) for d in var.dims],
            "values": values.tolist() if values.dtype.kind != "M" else values.astype(str).tolist(),
            "units": str(var.attrs.get("units", "")),
            "long_name": str(var.attrs.get("long_name", "")),
        }
        if legend(var):
            entry["legend"] = legend(var)
        variables[str(name)] = entry
    coords = {str(c): res[c].values.tolist() for c in res.coords}
    notes = [line[2:] for line in table.splitlines() if line.startswith("# ")]
    attrs = {k: v for k, v in res.attrs.items() if isinstance(v, str | int | float | np.generic) and k != "config"}
    return {"dataset": source, "figure": figure, "coords": coords, "variables": variables, "notes": notes,
            "attrs": attrs}  # fmt: skip
