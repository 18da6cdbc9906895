"""Measure every theory quantity over its domain against its declared cost (memory and time).

For each registered pointwise quantity the cases are: its defaults (the smallest valid value where a parameter has
none), each parameter moved alone to the edges of its domain and to 1, 10, 10^3, 10^6, 10^9, 10^15 and 10^300 (where
allowed), and every pair of parameters at their largest values together. Each case runs in a process forked from
this one (the libraries already imported), with a memory limit and a timeout, and reports

* its outcome (``ok``, ``refused`` for a ParameterError or NoSolutionError or a declared memory above the limit,
  ``skipped`` for a declared time above ``--timeout``, ``error`` for anything else, ``timeout``);
* its wall time and the peak of its resident memory above the memory at the start (``VmHWM - VmRSS``);
* the declared cost (:meth:`amphase.theory.registry.Quantity.estimate`) and the ratios measured/declared.

A ratio above 1 is a declaration that is too low; an ``error`` is a defect. Usage::

    python scripts/theory_costs.py [PREFIX] [--timeout S] [--json FILE]

Prints one line per case and a summary; exit status 1 if a case errs or exceeds its declared cost.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import resource
import select
import signal
import sys
import time
from typing import Any

from amphase import theory
from amphase.errors import NoSolutionError, ParameterError
from amphase.params import Choice, Param

#: values tried for every parameter (those inside its domain).
LADDER = [0.1, 1, 3, 10, 1e3, 1e6, 1e9, 1e15, 1e300]

#: memory limit of a case: a declaration above it is refused before the work, as the CLI does.
LIMIT_BYTES = 3 * 2**30


def edges(p: Param | Choice) -> list[Any]:
    """Values of ``p`` at the edges of its domain and along :data:`LADDER`."""
    if isinstance(p, Choice):
        return list(p.choices)
    vals: list[float] = []
    step = 1 if p.integer else None
    if p.lower is not None:
        vals.append(p.lower + (step or max(abs(p.lower) * 1e-12, 1e-300)) if p.lower_open else p.lower)
        vals.append(p.lower + (step or 1e-6))
    if p.upper is not None:
        vals.append(p.upper - (step or max(abs(p.upper) * 1e-12, 1e-300)) if p.upper_open else p.upper)
    vals += LADDER
    out = []
    for v in vals:
        try:
            out.append(p.check(v))
        except ParameterError:
            pass
    return list(dict.fromkeys(out))


def base(q: Any) -> dict[str, Any]:
    """The defaults, and for a parameter without one the first valid value of 3, 1, 0.5, 0.1, 10, 2."""
    out = {}
    for p in q.params:
        if p.name in q.defaults:
            out[p.name] = q.defaults[p.name]
            continue
        for v in (3, 1, 0.5, 0.1, 10, 2):
            try:
                out[p.name] = p.check(v)
                break
            except ParameterError:
                pass
    return out


def cases(q: Any) -> list[dict[str, Any]]:
    """Single-parameter moves and pairs at their largest values (see the module docstring)."""
    b = base(q)
    found = [dict(b)]
    for p in q.params:
        for v in edges(p):
            found.append({**b, p.name: v})
    numeric = [p for p in q.params if isinstance(p, Param)]
    for p1, p2 in itertools.combinations(numeric, 2):
        top1, top2 = max(edges(p1), default=None), max(edges(p2), default=None)
        if top1 is not None and top2 is not None:
            found.append({**b, p1.name: top1, p2.name: top2})
    unique = {}
    for c in found:
        unique[json.dumps(c, sort_keys=True, default=str)] = c
    return list(unique.values())


def _status_kib(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return float(line.split()[1])
    return math.nan


def run_case(name: str, kwargs: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Evaluate ``name`` at ``kwargs`` in a forked child; its outcome, time and memory."""
    q = theory.get(name)
    try:
        declared = q.estimate(q.check(kwargs))
    except ParameterError as err:
        return {"outcome": "refused", "why": str(err), "seconds": 0.0, "memory": 0.0}
    if declared.memory > LIMIT_BYTES:
        return {"outcome": "refused", "why": "declared memory above the limit", "seconds": 0.0, "memory": 0.0,
                "declared_s": declared.seconds, "declared_b": declared.memory}  # fmt: skip
    if declared.seconds > timeout:  # announced as long by the CLI; not run here
        return {"outcome": "skipped", "why": f"declared {declared.seconds:.3g} s > --timeout", "seconds": 0.0,
                "memory": 0.0, "declared_s": declared.seconds, "declared_b": declared.memory}  # fmt: skip
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(r)
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES + 2 * 2**30, LIMIT_BYTES + 2 * 2**30))
        start_kib = _status_kib("VmRSS")
        t0 = time.perf_counter()
        try:
            q(**kwargs)
            outcome, why = "ok", ""
        except (ParameterError, NoSolutionError) as err:
            outcome, why = "refused", str(err)
        except BaseException as err:
            outcome, why = "error", f"{type(err).__name__}: {err}"
        out = {"outcome": outcome, "why": why[:300], "seconds": time.perf_counter() - t0,
               "memory": max(0.0, _status_kib("VmHWM") - start_kib) * 1024}  # fmt: skip
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    ready, _, _ = select.select([r], [], [], timeout)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(r)
        res = {"outcome": "timeout", "why": f"over {timeout} s", "seconds": timeout, "memory": math.nan}
    else:
        data = b""
        while chunk := os.read(r, 65536):
            data += chunk
        os.close(r)
        _, status = os.waitpid(pid, 0)
        res = json.loads(data) if data else {"outcome": "error", "why": f"died ({status})", "seconds": math.nan,
                                             "memory": math.nan}  # fmt: skip
    res["declared_s"], res["declared_b"] = declared.seconds, declared.memory
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("prefix", nargs="?", default="")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--json", help="write every case as JSON lines")
    args = ap.parse_args()
    bad = 0
    worst_t, worst_m = 0.0, 0.0
    sink = open(args.json, "w") if args.json else None
    for name in theory.names():
        q = theory.get(name)
        if not name.startswith(args.prefix) or q.dataset:
            continue
        for kwargs in cases(q):
            res = run_case(name, kwargs, args.timeout)
            rt = res["seconds"] / res["declared_s"] if res.get("declared_s") else math.nan
            rm = res["memory"] / res["declared_b"] if res.get("declared_b") else math.nan
            over = res["outcome"] in ("error", "timeout") or rt > 1 or rm > 1
            bad += over
            if res["outcome"] == "ok":
                worst_t, worst_m = max(worst_t, rt), max(worst_m, rm)
            shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in kwargs.items())
            print(f"{'!! ' if over else ''}{name}({shown[:160]}) {res['outcome']} {res['seconds']:.3f} s "
                  f"(declared {res.get('declared_s', math.nan):.3g} s, ratio {rt:.2f}) "
                  f"{res['memory'] / 2**20:.1f} MiB (declared {res.get('declared_b', math.nan) / 2**20:.3g} MiB, "
                  f"ratio {rm:.2f}) {res['why'][:120] if res['outcome'] != 'ok' else ''}", flush=True)  # fmt: skip
            if sink:
                sink.write(json.dumps({"name": name, "kwargs": kwargs, **res}, default=str) + "\n")
    print(f"# {bad} cases err or exceed their declared cost; worst ratios of ok cases: time {worst_t:.2f}, "
          f"memory {worst_m:.2f}")  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
