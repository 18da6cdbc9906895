"""Fuzzing the command line: every ``amphase ...`` either succeeds with a valid result or fails cleanly.

The contract: exit 0 with a valid result (``run``: a readable netCDF dataset at ``--out`` whose variables have the grid
dimensions asked for; ``theory``: text or strict JSON, or a netCDF with ``--out``), or exit 2 with exactly one line on
standard error starting with ``amphase: error: ``, no traceback, and nothing left in the folder that was not there
before (every file, hidden ones, ``.zarr`` stores and ``.lock`` files included, compared by content).

Hypothesis generates argument lists for ``theory`` (registered and bad names, valid, invalid and extreme values,
grids, repeated keys, options anywhere, output names), TOML files and overrides for ``run`` (valid and broken), and
datasets for ``compare``. The default profile runs a few hundred cases (serial executor, N <= 60, one or two
realizations); ``-m slow`` runs thousands. Both are derandomized, so CI sees the same cases every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amphase import theory
from amphase.cli import main
from amphase.errors import ParameterError
from amphase.params import Choice
from amphase.simulate.config import apply_overrides, builtin_configs, load_config, resolve


def profile(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# -- running the CLI and checking the contract ---------------------------------------------------------------------

#: what every generated folder holds before the command runs (an existing output, a folder named like an output).
EXISTING = b"an existing file: never replaced without --overwrite"


def prepare(folder: Path) -> None:
    (folder / "exists.nc").write_bytes(EXISTING)
    (folder / "exists.png").write_bytes(EXISTING)
    (folder / "dir.nc").mkdir()
    (folder / ".hidden").write_bytes(b"hidden")
    ro = folder / "ro"
    ro.mkdir()
    ro.chmod(0o500)


def listing(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` (hidden ones included) with a hash of its content."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for d in dirs:
            out[os.path.relpath(os.path.join(root, d), folder) + "/"] = "dir"
        for f in files:
            path = os.path.join(root, f)
            out[os.path.relpath(path, folder)] = hashlib.sha1(Path(path).read_bytes()).hexdigest()
    return out


@contextlib.contextmanager
def scratch():
    """A fresh prepared folder per example (hypothesis reuses function-scoped fixtures)."""
    with tempfile.TemporaryDirectory(prefix="amphase-fuzz-") as d:
        folder = Path(d)
        prepare(folder)
        try:
            yield folder
        finally:
            for root, dirs, _ in os.walk(folder):
                for name in dirs:
                    os.chmod(os.path.join(root, name), 0o700)


def invoke(argv: list[str], folder: Path) -> tuple[int, str, str, dict[str, str], dict[str, str]]:
    """Run ``main(argv)`` in ``folder``; returns the status, stdout, stderr and the listings before and after."""
    before = listing(folder)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue(), before, listing(folder)


def check_failure(status: int, out: str, err: str, before: dict[str, str], after: dict[str, str]) -> None:
    assert status == 2, (status, err)
    assert err.startswith("amphase: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""
    assert after == before, f"left behind or changed: {sorted(set(after.items()) ^ set(before.items()))}"


def changes(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {k for k in after if before.get(k) != after[k]} | (set(before) - set(after))


def allowed_new(out: Path, folder: Path) -> set[str]:
    """The output file and the folders created on its way."""
    rel = Path(os.path.relpath(folder / out, folder))
    return {str(rel)} | {str(p) + "/" for p in rel.parents if str(p) != "."}


def strict_json(text: str):
    def refuse(name):
        raise AssertionError(f"JSON output has {name}")

    return json.loads(text, parse_constant=refuse)


def option_value(argv: list[str], option: str) -> str | None:
    """The value of ``option`` as argparse sees it: the last one given."""
    found = None
    for i, a in enumerate(argv[:-1]):
        if a == option:
            found = argv[i + 1]
    return found


# -- theory ----------------------------------------------------------------------------------------------------------

NAMES = theory.names()
BAD_NAMES = ["nonsense", "hopfield.", "hopfield.T_G", "HOPFIELD.alpha_c", "hopfield.alpha_c ", "dense.x", "theory"]

#: numbers as the user types them, tiny and huge magnitudes included.
NUMBERS = ["0", "0.0", "-0", "0.02", "0.05", "0.1", "0.137", "0.2", "0.5", "0.9", "1", "1.0", "2", "3", "5",
           "10", "-1", "-0.1", "-1e308", "1e400", "nan", "inf", "-inf", "NaN", "abc", "1,", "0x10",
           "1e-3", "1e-20", "1e-300", "5e-324", "1e6", "1e308"]  # fmt: skip


def numbers():
    return st.sampled_from(NUMBERS) | st.floats(0, 2, allow_subnormal=False).filter(lambda x: x == 0 or x > 1e-6).map(
        repr
    )


def values(key: str):
    """A value for ``key``: a number, a grid ``a:b:n`` or a list (with the rule breakers among them)."""
    if key == "n":  # mixture orders (odd n up to 199 are exact sympy sums of a few seconds)
        scalar = st.sampled_from(["1", "3", "5", "7", "2", "0", "-1", "1.5", "201", "1e308", "nan", "abc", "3.0"])
    else:
        scalar = numbers()
    num = st.sampled_from(["0", "1", "2", "-1", "2.5", "10000000", "1e7", "x", "nan"])
    grid = st.builds(lambda a, b, n: f"{a}:{b}:{n}", scalar, scalar, num)
    lists = st.lists(scalar, min_size=1, max_size=2).map(",".join)
    broken = st.sampled_from(["", "0.1,,0.2", "0.1,0.1", "1:2", "1:2:3:4", ",", ":", "0.1, 0.2"])
    return st.one_of(scalar, scalar, grid, lists, broken)


def assignments(q):
    keys = [p.name for p in q.params] if q is not None else []
    key = st.sampled_from([*keys, "bogus", "ALPHA", "", " alpha"]) if keys else st.sampled_from(["alpha", "x", ""])
    pair = key.flatmap(lambda k: values(k.strip()).map(lambda v: f"{k}={v}"))
    odd = st.sampled_from(["alpha", "=1", "alpha==1", "a=b=c", "alpha=0.1=0.2"])
    return st.lists(pair | odd if keys else pair, max_size=4)


OUT_NAMES = ["r.nc", "sub/deep/r.nc", "", " ", "r.txt", "r", "r.nc.bak", ".nc", "exists.nc", "dir.nc", "ro/r.nc",
             "x" * 240 + ".nc", "a\0b.nc", "exists.nc/r.nc", "r.NC"]  # fmt: skip


def options(workers: bool = True):
    opts = [
        st.just(["--json"]),
        st.sampled_from(OUT_NAMES).map(lambda o: ["--out", o]),
        st.just(["--overwrite"]),
        st.sampled_from(["--list", "-x", "--bogus", "--", "--out"]).map(lambda o: [o]),
    ]
    if workers:
        opts.append(st.sampled_from(["1", "0", "-2", "x"]).map(lambda w: ["--workers", w]))
    return st.lists(st.one_of(*opts), max_size=3)


def valid_values(p):
    """Values in the domain of ``p`` as the user types them: a number, a small range or a list (names: one or two)."""
    if isinstance(p, Choice):
        return st.lists(st.sampled_from(p.choices), min_size=1, max_size=2, unique=True).map(",".join)
    inside = []
    for text in ["0", "0.02", "0.05", "0.1", "0.137", "0.2", "0.5", "0.9", "1", "3", "5", "7", "100"]:
        try:
            p.check(float(text))
        except ValueError:
            continue
        inside.append(text)
    scalar = st.sampled_from(inside)
    grid = st.tuples(scalar, scalar, st.sampled_from(["1", "2"])).map(lambda t: f"{t[0]}:{t[1]}:{t[2]}")
    lists = st.lists(scalar, min_size=1, max_size=2, unique=True).map(",".join)
    return st.one_of(scalar, scalar, grid, lists)


@st.composite
def theory_argv(draw):
    """A valid command (about a third of the cases) with up to three defects drawn from the rule breakers."""
    defects = draw(st.sampled_from([0, 0, 1, 1, 2, 3]))
    name = draw(st.sampled_from(NAMES))
    q = theory.get(name)
    groups = []
    for p in q.params:
        if p.name not in q.defaults or draw(st.booleans()):
            groups.append([f"{p.name}={draw(valid_values(p))}"])
    if draw(st.booleans()):
        groups.append(["--json"])
    if draw(st.booleans()):
        groups.append(["--out", draw(st.sampled_from(["r.nc", "sub/deep/r.nc", "exists.nc"]))])
        if "exists.nc" in groups[-1] or draw(st.booleans()):
            groups.append(["--overwrite"])
    for _ in range(defects):
        kind = draw(st.sampled_from(["name", "params", "options", "drop"]))
        if kind == "name":
            name = draw(st.sampled_from(BAD_NAMES))
        elif kind == "params":
            groups += [[a] for a in draw(assignments(q).filter(bool))]
        elif kind == "options":
            groups += draw(options().filter(bool))
        elif groups:
            groups.pop(draw(st.integers(0, len(groups) - 1)))
    tail = [a for g in draw(st.permutations(groups)) for a in g]
    head = [name] if draw(st.booleans()) or not tail else []
    if not head:  # the name among the key=value arguments: argparse takes the first positional
        tail.insert(draw(st.integers(0, len(tail))), name)
    return ["theory", *head, *tail]


def check_theory(argv: list[str]) -> None:
    with scratch() as folder:
        status, out, err, before, after = invoke(argv, folder)
        if status != 0:
            check_failure(status, out, err, before, after)
            return
        assert "Traceback" not in err
        if "--list" in argv:
            return
        target = option_value(argv, "--out")
        new = changes(before, after)
        if target is None:
            assert not new
        else:
            assert new <= allowed_new(Path(target), folder) and str(Path(target)) in new, new
            with xr.open_dataset(folder / target, engine="h5netcdf") as ds:
                assert ds.attrs["quantity"] in NAMES and ds.data_vars
        if "--json" in argv:
            obj = strict_json(out)
            assert set(obj) >= {"quantity", "params", "grid", "results", "dims", "units"}  # one layout, grid or not
        else:
            assert out.strip()


@profile(200)
@given(theory_argv())
def test_theory_fuzz(argv):
    check_theory(argv)


@pytest.mark.slow
@profile(3000)
@given(theory_argv())
def test_theory_fuzz_slow(argv):
    check_theory(argv)


# -- theory at the edges of every domain: sizes, overflow, declared costs (issue 17) --------------------------------

#: magnitudes tried for every parameter, where its domain allows them.
LADDER = [0.1, 1, 3, 10, 1e3, 1e6, 1e9, 1e15, 1e300]

#: the most declared seconds a fuzzed evaluation may take here (the rest are announced by the CLI, not run).
BUDGET_S = 3.0


def edges(p) -> list[str]:
    """Values of ``p`` at the edges of its domain and along :data:`LADDER`, as the user types them."""
    if isinstance(p, Choice):
        return list(p.choices)
    found = []
    step = 1 if p.integer else None
    if p.lower is not None:
        found.append(p.lower + (step or max(abs(p.lower) * 1e-12, 1e-300)) if p.lower_open else p.lower)
    if p.upper is not None:
        found.append(p.upper - (step or max(abs(p.upper) * 1e-12, 1e-300)) if p.upper_open else p.upper)
    out = []
    for v in [*found, *LADDER]:
        try:
            out.append(repr(float(p.check(v))) if not p.integer else str(p.check(v)))
        except ParameterError:
            pass
    return list(dict.fromkeys(out))


@st.composite
def theory_edges_argv(draw):
    """A quantity with each parameter at an edge of its domain (a value, or two as a grid); JSON or text."""
    name = draw(st.sampled_from([n for n in NAMES if not theory.get(n).dataset]))
    q = theory.get(name)
    argv = ["theory", name]
    for p in q.params:
        if p.name in q.defaults and draw(st.booleans()):
            continue
        choices = edges(p)
        vals = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=2, unique=True))
        argv.append(f"{p.name}={','.join(vals)}")
    if draw(st.booleans()):
        argv.append("--json")
    return argv


def declared(argv: list[str]):
    """The declared cost of a command, or None where the parameters are refused before any work."""
    q = theory.get(argv[1])
    names = {p.name for p in q.params if isinstance(p, Choice)}
    values = dict(a.split("=", 1) for a in argv[2:] if "=" in a)
    from amphase.assignments import parse_assignments

    try:
        return q.estimate(q.check(parse_assignments([f"{k}={v}" for k, v in values.items()], names)))
    except ParameterError:
        return None


_WARM: list[bool] = []


def check_theory_edges(argv: list[str]) -> None:
    import time

    from amphase.machine import available_memory

    if not _WARM:  # the command line's own imports (xarray, the families, the first JSON) are no quantity's cost
        with scratch() as folder:
            invoke(["theory", "hopfield.T_g", "alpha=0.1,0.2", "--json"], folder)
        _WARM.append(True)

    cost = declared(argv)
    if cost is not None and cost.seconds - cost.setup_seconds > BUDGET_S and cost.memory <= available_memory():
        return  # a long evaluation: announced by the CLI (tested elsewhere), not run here
    with scratch() as folder:
        t0 = time.perf_counter()
        status, out, err, before, after = invoke(argv, folder)
        wall = time.perf_counter() - t0
    if status != 0:
        check_failure(status, out, err, before, after)
        if cost is not None and cost.memory > available_memory():
            assert "of memory (its declared cost)" in err and wall < 1.0, (err, wall)  # refused before any work
        return
    assert "Traceback" not in err and "Warning" not in err, err
    # no run longer than its declared cost (its start-up included), with 1.5 s for the command line itself
    assert wall <= cost.seconds + 1.5, (argv, wall, cost)
    if "--json" in argv:
        obj = strict_json(out)
        assert obj["quantity"] == argv[1] and set(obj["results"]) == {r.name for r in theory.get(argv[1]).results}
    else:
        assert out.strip()


@profile(150)
@given(theory_edges_argv())
def test_theory_edges_fuzz(argv):
    check_theory_edges(argv)


@pytest.mark.slow
@profile(2000)
@given(theory_edges_argv())
def test_theory_edges_fuzz_slow(argv):
    check_theory_edges(argv)


@pytest.mark.slow  # ~30 s: every (quantity, parameter, edge)
def test_every_quantity_at_every_edge_alone():
    """Each parameter of each quantity alone at each edge of its domain (the others at their defaults)."""
    import time

    for name in NAMES:
        q = theory.get(name)
        if q.dataset:
            continue
        base = {}
        for p in q.params:
            if p.name not in q.defaults:
                base[p.name] = next(v for v in ["3", "1", "0.5", "0.1", "10", "2"] if v in edges(p) or _ok(p, v))
        for p in q.params:
            for v in edges(p):
                argv = ["theory", name, *(f"{k}={x}" for k, x in {**base, p.name: v}.items())]
                t0 = time.perf_counter()
                check_theory_edges(argv)
                assert time.perf_counter() - t0 < 70.0, argv  # the Numba start-up at most once


def _ok(p, text: str) -> bool:
    try:
        p.check(float(text))
    except ParameterError:
        return False
    return True


# -- run -------------------------------------------------------------------------------------------------------------

RUN_OUT = ["", "o.txt", "o.zarr", "exists.nc", "dir.nc", "ro/o.nc", "x" * 240 + ".nc", "exists.nc/o.nc"]
RUN_VALUES = ["0", "-1", "1.5", "1e308", "nan", "inf", "abc", "true", "0.7", "0.1,,0.2", "0.1,0.1", "1:2:0", "1:2",
              "random", "pattern,random", "0:0.5:10000000"]  # fmt: skip


GOOD_GRID = {
    "N": ["[20, 40]", "[30]", "{ start = 20, stop = 40, num = 2 }", "40"],
    "alpha": ["[0.1, 0.2]", "{ start = 0.1, stop = 0.2, num = 2 }", "{ start = 0.15, stop = 0.15, num = 1 }", "0.1"],
    "cue": ['["random", "pattern"]', '["mixture"]'],
    "noise": ["[0, 0.2]", "[0.5]"],
    "T": ["[0, 0.5]"],
    "dynamics": ['["async", "sync"]'],
}
BAD_GRID = {
    "N": ["[20, 20]", '["20"]', "[]", "[1]", "[20.5]", "{ start = 20, stop = 40, num = 2, step = 1 }"],
    "alpha": [
        "{ start = 0.1, stop = 0.2, num = 0 }",
        "{ start = 0.1, stop = 0.2, num = -1 }",
        "{ start = 0.1, stop = 0.2, num = 1.5 }",
        "{ start = 0.1, stop = 0.2, num = inf }",
        "{ start = 0.1, stop = 0.2, num = nan }",
        "{ start = -1e308, stop = 1e308, num = 3 }",
        "{ start = 0.1, stop = 0.2, num = 10000000 }",
        '{ start = "a", stop = 0.2, num = 2 }',
        "{ start = 0.1, stop = 0.2 }",
        "[0.1, 0.1]",
        "[true]",
        "[0.001]",
        "[[0.1]]",
        "1979-05-27",
    ],
    "cue": ['["random", "random"]', '["noisy"]', "[1]"],
    "noise": ["[0.7]", "[0.1, 0.1]", "[nan]"],
    "T": ["[-1]", "[inf]"],
    "trials": ["[1, 2]"],
    "x": ["[1]"],
}
GOOD_PARAMS = {"N": ["30", "20", "60"], "alpha": ["0.1", "0.2"], "trials": ["1", "2"], "sweeps": ["20"],
               "noise": ["0", "0.1", "0.5"], "cue": ['"random"', '"pattern"'], "T": ["0", "0.5", "1e308"],
               "overlaps": ['"top"', '"all"'], "top": ["1", "3"], "form": ['"coupling"']}  # fmt: skip
BAD_PARAMS = ['"100"', "true", "0.7", "-1", "1e308", '"random"', "[1]", "0", "2", "nan", "{ a = 1 }", '""']


@st.composite
def toml_text(draw) -> bytes:
    """A tiny valid configuration (about a third of the cases) with up to three defects from the rule breakers."""
    defects = draw(st.sampled_from([0, 0, 1, 1, 2, 3]))
    top = {"model": '"hopfield"', "seed": draw(st.sampled_from(["1", "0", "9223372036854775807"]))}
    top["realizations"] = draw(st.sampled_from(["1", "2", "1.0"]))
    if draw(st.booleans()):
        top["title"] = draw(st.sampled_from(['"fuzz"', '""', '"\u00fc \u221e"']))
    names = draw(st.lists(st.sampled_from(sorted(GOOD_GRID)), max_size=2, unique=True))
    grid = {k: draw(st.sampled_from(GOOD_GRID[k])) for k in names}
    params = {k: draw(st.sampled_from(GOOD_PARAMS[k])) for k in ("N", "alpha", "trials", "sweeps") if k not in grid}
    for k in draw(st.lists(st.sampled_from(sorted(GOOD_PARAMS)), max_size=2, unique=True)):
        if k not in grid:
            params[k] = draw(st.sampled_from(GOOD_PARAMS[k]))
    form, damage = "table" if grid or draw(st.booleans()) else "none", None
    for _ in range(defects):
        kind = draw(st.sampled_from(["top", "grid", "grid", "params", "params", "form", "bytes", "drop"]))
        if kind == "top":
            key = draw(st.sampled_from(["model", "seed", "realizations", "title", "grids", "Model"]))
            top[key] = draw(st.sampled_from(['"ising"', "3", '["hopfield"]', "-1", "1.5", '"7"', "nan", "true", "0"]))
        elif kind == "grid":
            key = draw(st.sampled_from(sorted(BAD_GRID)))
            grid[key] = draw(st.sampled_from(BAD_GRID[key]))
        elif kind == "params":
            key = draw(st.sampled_from([*GOOD_PARAMS, "foo", "n_mix"]))
            params[key] = draw(st.sampled_from(BAD_PARAMS))
        elif kind == "form":
            form = draw(st.sampled_from(["list", "empty", "noparams"]))
        elif kind == "bytes":
            damage = draw(st.sampled_from(["utf8", "toml", "bom", "empty"]))
        else:
            section = draw(st.sampled_from(["model", "params"]))
            (top if section == "model" else params).pop(section if section == "model" else "N", None)
    lines = [f"{k} = {v}" for k, v in top.items()]
    if form == "list":
        lines.insert(0, "grid = [1, 2]")
    elif form == "empty":
        lines.append("[grid]")
    elif form == "table" and grid:
        lines += ["[grid]", *(f"{k} = {v}" for k, v in grid.items())]
    if form != "noparams":
        lines += ["[params]", *(f"{k} = {v}" for k, v in params.items())]
    data = ("\n".join(lines) + "\n").encode()
    if damage == "utf8":
        data = data.replace(b"hopfield", b"hop\xfffield", 1) if b"hopfield" in data else b"\xfe" + data
    elif damage == "toml":
        data += b"[params\nN = \n"
    elif damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "empty":
        data = b""
    return data


GOOD_OVERRIDES = ["N=20,40", "N=30", "alpha=0.1", "alpha=0.05:0.15:2", "grid.noise=0,0.1", "params.noise=0.1",
                  "seed=3", "realizations=2", "title=fuzz", "title=2026", "cue=random,pattern", "T=0.5", "trials=2",
                  "sweeps=10", "overlaps=top", "grid.alpha=0.2", "dynamics=sync"]  # fmt: skip


def overrides(defects: int):
    key = st.sampled_from(["N", "alpha", "noise", "seed", "realizations", "title", "cue", "grid.N", "params.alpha",
                           "grid.trials", "x.y", "bogus", "T", "trials", "sweeps", "", "grid.", "model"])  # fmt: skip
    bad = key.flatmap(lambda k: st.sampled_from(RUN_VALUES).map(lambda v: f"{k}={v}"))
    good = st.lists(st.sampled_from(GOOD_OVERRIDES), max_size=2)
    wrong = st.lists(bad | st.sampled_from(["N", "=1", "N=", "N=20,40"]), min_size=defects, max_size=defects)
    return st.tuples(good, wrong).map(lambda t: t[0] + t[1])


@st.composite
def run_argv(draw):
    """A built-in or generated configuration with overrides and options in any order; about half of them valid."""
    defects = draw(st.sampled_from([0, 0, 0, 1, 1, 2]))
    if draw(st.integers(0, 3)) == 0:
        config = draw(st.sampled_from(sorted(builtin_configs())))
        # keep it tiny: every grid dimension of the built-in files overridden, few sweeps
        base = ["N=20,40", "alpha=0.1", "realizations=1", "trials=1", "sweeps=20"]
        if config == "hopfield-spurious":
            base = ["N=30", "alpha=0.1", "cue=random,pattern", "realizations=1", "trials=1", "sweeps=20"]
        data = None
    else:
        config, data, base = "c.toml", draw(toml_text()), []
    wrong_options = draw(st.integers(0, defects))
    extra = draw(overrides(defects - wrong_options))
    keys = {a.partition("=")[0].rpartition(".")[2] for a in extra}
    items = [[a] for a in base if a.partition("=")[0] not in keys] + [[a] for a in extra]
    out = draw(st.sampled_from(["o.nc", "sub/o.nc", "exists.nc"]))
    opts = [["--out", out], ["--executor", "serial"], ["--no-progress"]]
    if out == "exists.nc" or draw(st.booleans()):
        opts.append(["--overwrite"])
    if draw(st.booleans()):
        opts.append(draw(st.sampled_from([["--restart"], ["--workers", "1"]])))
    for _ in range(wrong_options):
        bad = draw(st.sampled_from([["--workers", "0"], ["--executor", "mpi"], ["--bogus"], ["--workers", "x"],
                                    ["--out", draw(st.sampled_from(RUN_OUT))], ["--scheduler"], ["-"],
                                    ["--scheduler", "nonsense"],
                                    ["--executor", "dask", "--scheduler", "tcp://x"]]))  # fmt: skip
        if bad[0] == "--out":
            opts = [o for o in opts if o[0] != "--out"]
        opts.append(bad)
    if draw(st.integers(0, 7)) == 0:
        opts = [o for o in opts if o[0] != "--out"]  # the default results/NAME.nc
    groups = draw(st.permutations(items + opts))
    return ["run", config, *[a for g in groups for a in g]], data


def expected_grid(folder: Path, argv: list[str]) -> list[str]:
    """The grid dimensions the command asked for."""
    config = argv[1]
    extra = [a for a in argv[2:] if "=" in a and not a.startswith("-")]
    with contextlib.chdir(folder):
        raw = load_config(config)[1]
    return list(resolve(apply_overrides(raw, extra))["grid"])


def check_run(argv: list[str], data: bytes | None) -> None:
    with scratch() as folder:
        if data is not None:
            (folder / "c.toml").write_bytes(data)
        status, out, err, before, after = invoke(argv, folder)
        if status != 0:
            check_failure(status, out, err, before, after)
            return
        assert "Traceback" not in err and err.startswith("wrote "), err
        target = option_value(argv, "--out")
        if target is None:
            target = f"results/{Path(argv[1]).name.removesuffix('.toml')}.nc"
        assert changes(before, after) <= allowed_new(Path(target), folder) | {str(Path(target))}
        assert not any(k.endswith((".zarr/", ".lock", ".tmp")) or "/.done" in k for k in after), after
        grid = expected_grid(folder, argv)
        with xr.open_dataset(folder / target, engine="h5netcdf") as ds:
            assert ds.data_vars
            for name, var in ds.data_vars.items():
                assert list(var.dims[: len(grid) + 1]) == [*grid, "realization"], (name, var.dims, grid)
            # energy is defined for every cue (m_cue is NaN for random starts: no cued pattern)
            assert np.isfinite(ds["energy"].values).all(), "a sweep that ran gives data, not NaN"


@profile(80)
@given(run_argv())
def test_run_fuzz(case):
    check_run(*case)


@pytest.mark.slow
@profile(1500)
@given(run_argv())
def test_run_fuzz_slow(case):
    check_run(*case)


# -- compare ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """A dataset of each kind ``compare`` may be given: a sweep, and broken or foreign files."""
    folder = tmp_path_factory.mktemp("datasets")
    good = folder / "sweep.nc"
    argv = ["run", "hopfield-capacity", "N=30", "alpha=0.1,0.2", "realizations=2", "trials=2", "sweeps=20"]
    assert main([*argv, "--executor", "serial", "--no-progress", "--out", str(good)]) == 0
    one = folder / "one.nc"
    assert main([*argv[:2], "N=30", "alpha=0.1", "realizations=1", "trials=1", "sweeps=20", "--executor", "serial",
                 "--no-progress", "--out", str(one)]) == 0  # fmt: skip
    out = {"sweep.nc": good.read_bytes(), "one.nc": one.read_bytes()}
    ds = xr.load_dataset(good, engine="h5netcdf")
    for var in ("m_cue", "status", "K", "energy", "top_overlap"):
        path = folder / f"no-{var}.nc"
        ds.drop_vars(var).to_netcdf(path, engine="h5netcdf")
        out[path.name] = path.read_bytes()
    for attr in ("model", "config", "title"):
        path = folder / f"no-attr-{attr}.nc"
        copy = ds.copy()
        del copy.attrs[attr]
        copy.to_netcdf(path, engine="h5netcdf")
        out[path.name] = path.read_bytes()
    for name in ("T", "cue"):  # a fixed parameter: a scalar coordinate, and in the configuration (issue 18)
        path = folder / f"no-param-{name}.nc"
        copy = ds.drop_vars(name)
        config = json.loads(copy.attrs["config"])
        del config["params"][name]
        copy.attrs["config"] = json.dumps(config)
        copy.to_netcdf(path, engine="h5netcdf")
        out[path.name] = path.read_bytes()
    path = folder / "theory.nc"
    assert main(["theory", "hopfield.T_g", "alpha=0.1,0.2", "--out", str(path)]) == 0
    out["theory.nc"] = path.read_bytes()
    out["text.nc"] = b"not a netCDF file\n"
    out["empty.nc"] = b""
    out["data.txt"] = b"1 2 3\n"
    return out


@st.composite
def compare_argv(draw, names):
    dataset = draw(st.sampled_from([*names, "missing.nc", "dir.nc", ""]))
    opts = draw(
        st.lists(
            st.sampled_from(
                [["--figure", f] for f in ["f.png", "fig.txt", "", "sub/f.svg", "exists.png", "f.PNG", "ro/f.pdf"]]
                + [["--out", o] for o in ["c.nc", "", "exists.nc", "c.txt", "ro/c.nc"]]
                + [["--overwrite"], ["--json"], ["x=1"]]
            ),
            max_size=3,
        )
    )
    groups = draw(st.permutations([[dataset], *opts]))
    return ["compare", *[a for g in groups for a in g]]


def check_compare(argv: list[str], files: dict[str, bytes]) -> None:
    with scratch() as folder:
        for name, data in files.items():
            (folder / name).write_bytes(data)
        status, out, err, before, after = invoke(argv, folder)
        if status != 0:
            check_failure(status, out, err, before, after)
            return
        assert "Traceback" not in err
        if "--json" in argv:  # one JSON object, the figure's name in it
            figure = Path(json.loads(out)["figure"])
        else:
            assert "# figure: " in out
            figure = Path(out.rsplit("# figure: ", 1)[1].strip())
        allowed = allowed_new(figure, folder)
        target = option_value(argv, "--out")
        if target is not None:
            allowed |= allowed_new(Path(target), folder)
            with xr.open_dataset(folder / target, engine="h5netcdf") as ds:
                assert ds.data_vars
        assert changes(before, after) <= allowed, (changes(before, after), allowed)
        assert (folder / figure).stat().st_size > 0


def test_compare_fuzz(datasets):
    @profile(25)
    @given(compare_argv(sorted(datasets)).filter(lambda a: "sweep.nc" not in a and "one.nc" not in a))
    def errors(argv):  # the failing cases are cheap: many of them
        check_compare(argv, datasets)

    @profile(3)
    @given(compare_argv(["sweep.nc", "one.nc"]))
    def successes(argv):  # a comparison draws a figure: a few
        check_compare(argv, datasets)

    errors()
    successes()


@pytest.mark.slow
def test_compare_fuzz_slow(datasets):
    @profile(400)
    @given(compare_argv(sorted(datasets)))
    def cases(argv):
        check_compare(argv, datasets)

    cases()


# -- through a real process: nothing on the real standard error but the one line -----------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["theory", "hopfield.T_g", "alpha=-1e308:1e308:3"],
        ["run", "c.toml", "--executor", "serial", "--out", "o.nc"],
        ["compare", "c.toml"],
    ],
)
def test_subprocess_errors_are_one_line(tmp_path, argv):
    (tmp_path / "c.toml").write_text('model = "hopfield"\n[grid]\nalpha = { start = 0.1, stop = 0.2, num = nan }\n')
    before = listing(tmp_path)
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-m", "amphase", *argv], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    check_failure(proc.returncode, proc.stdout, proc.stderr, before, listing(tmp_path))


# -- regression tests for what the fuzzing found ----------------------------------------------------------------------


def run_cli(argv: list[str]) -> tuple[int, str, str, dict[str, str], dict[str, str]]:
    with scratch() as folder:
        return invoke(argv, folder)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # a range whose values overflow: RuntimeWarnings on stderr, then a message about NaN
        (["theory", "hopfield.T_g", "alpha=-1e308:1e308:3"], "alpha: the range from -1e+308 to 1e+308 in 3 points"),
        # a NUL byte and an overlong name in --out: ValueError / OSError tracebacks
        (["theory", "hopfield.T_g", "alpha=0.1,0.2", "--out", "a\0.nc"], "a file name has no NUL character"),
        (["theory", "hopfield.T_g", "alpha=0.1,0.2", "--out", "x" * 300 + ".nc"], "File name too long"),
        (["theory", "hopfield.T_g", "alpha=0.1,0.2", "--out", "x" * 240 + ".nc"], "the file name is too long"),
        (["compare", "exists.nc", "--figure", "x" * 300 + ".png"], "--figure"),
        # --figure "" silently meant the default figure; --out "" is an error
        (["compare", "exists.nc", "--figure", ""], "--figure is empty"),
    ],
)
def test_regressions_cli(argv, message):
    status, out, err, before, after = run_cli(argv)
    check_failure(status, out, err, before, after)
    assert message in err


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        # num = inf / nan in a range table: OverflowError / ValueError tracebacks
        ("{ start = 0.1, stop = 0.2, num = inf }", "num = inf"),
        ("{ start = 0.1, stop = 0.2, num = nan }", "num = nan"),
        # overflowing range: RuntimeWarnings
        ("{ start = -1e308, stop = 1e308, num = 3 }", "grid.alpha: the range from -1e+308 to 1e+308 in 3 points"),
        ("{ start = nan, stop = 0.2, num = 2 }", "grid.alpha: the range from nan to 0.2"),
    ],
)
def test_regressions_range_tables(grid, message):
    with scratch() as folder:
        (folder / "c.toml").write_text(f'model = "hopfield"\n[grid]\nalpha = {grid}\n[params]\nN = 30\n')
        status, out, err, before, after = invoke(["run", "c.toml", "--out", "o.nc", "--executor", "serial"], folder)
        check_failure(status, out, err, before, after)
        assert message in err


def test_regression_restart_refuses_a_non_store(tmp_path):
    """``--restart`` with a file (NotADirectoryError) or a foreign folder (deleted!) named like the store."""
    config = tmp_path / "c.toml"
    config.write_text('model = "hopfield"\nrealizations = 1\n[params]\nN = 30\nalpha = 0.1\nsweeps = 20\n')
    for make in (lambda p: p.write_text("mine"), lambda p: (p.mkdir(), (p / "data.txt").write_text("mine"))):
        with scratch() as folder:
            make(folder / "o.zarr")
            argv = ["run", str(config), "--out", "o.nc", "--executor", "serial", "--restart", "--no-progress"]
            status, out, err, before, after = invoke(argv, folder)
            check_failure(status, out, err, before, after)
            assert "o.zarr exists but is not an amphase checkpoint store" in err


def test_regression_title_override_is_text(tmp_path):
    """``title=2026`` was the number 2026.0 (refused), ``title=a,b`` a list."""
    for title in ("2026", "a,b", "theory: 1"):
        with scratch() as folder:
            argv = ["run", "hopfield-capacity", "N=30", "alpha=0.1", "realizations=1", "trials=1", "sweeps=20",
                    f"title={title}", "--out", "o.nc", "--executor", "serial"]  # fmt: skip
            status, _, err, _, _ = invoke(argv, folder)
            assert status == 0, err
            with xr.open_dataset(folder / "o.nc", engine="h5netcdf") as ds:
                assert ds.attrs["title"] == title


def test_regression_compare_missing_attribute(datasets):
    """A dataset without the fixed parameter ``T`` (or ``cue``) anywhere: KeyError traceback."""
    for name in ("no-param-T.nc", "no-param-cue.nc"):
        with scratch() as folder:
            (folder / name).write_bytes(datasets[name])
            status, out, err, before, after = invoke(["compare", name], folder)
            check_failure(status, out, err, before, after)
            assert "is it a dataset written by amphase run?" in err


def test_one_point_sweep_gives_data():
    """No [grid] at all: one point, real numbers."""
    with scratch() as folder:
        (folder / "c.toml").write_text('model = "hopfield"\n[params]\nN = 30\nalpha = 0.1\nsweeps = 20\n')
        status, _, err, _, _ = invoke(["run", "c.toml", "--out", "o.nc", "--executor", "serial"], folder)
        assert status == 0, err
        with xr.open_dataset(folder / "o.nc", engine="h5netcdf") as ds:
            assert ds["m_cue"].dims == ("realization", "trial") and np.isfinite(ds["m_cue"]).all()
            assert float(ds["m_cue"].mean()) > 0.9


# -- defects the fuzzing found in the theory (fixed; these fail on the code before the fix) --------------------------


@pytest.mark.parametrize("name", ["hopfield.overlap", "hopfield.T_R", "hopfield.T_c", "hopfield.spin_glass"])
@pytest.mark.parametrize("alpha", ["1e-20", "5e-324"])
def test_regression_tiny_alpha(name, alpha):
    """Tiny positive loads crashed with a brentq ValueError or a ZeroDivisionError."""
    status, out, err, before, after = run_cli(["theory", name, f"alpha={alpha}"])
    assert status in (0, 2) and "Traceback" not in err
    if status == 2:
        check_failure(status, out, err, before, after)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["theory", "hopfield.spin_glass", "alpha=1e308", "T=0.5"], "alpha=1e+308 is outside its domain"),  # hung
        (["theory", "hopfield.mixture", "n=1001"], "n=1001 is outside its domain; allowed: 1 <= odd integer n <= 199"),
    ],
)
def test_regression_unbounded_theory_parameters(argv, message):
    """``spin_glass alpha=1e308`` hung and ``mixture n=1001`` took minutes: their domains are bounded now."""
    status, out, err, before, after = run_cli(argv)
    check_failure(status, out, err, before, after)
    assert message in err


@pytest.mark.parametrize(("seed", "ok"), [("9223372036854775807", True), ("4611686018427387905", True),
                                          ("9223372036854775808", False), ("1e30", False), ("nan", False)])  # fmt: skip
def test_regression_largest_seed(seed, ok):
    """``seed = 2**63 - 1`` (the documented largest seed) was refused: it was compared with its float."""
    raw = {"model": "hopfield", "seed": int(seed) if seed.isdigit() else float(seed), "params": {"N": 30, "alpha": 0.1}}
    if ok:
        assert resolve(raw)["seed"] == int(seed)
    else:
        with pytest.raises(ParameterError, match="allowed: integer 0 <= seed <= 9223372036854775807"):
            resolve(raw)
