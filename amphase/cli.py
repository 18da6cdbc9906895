"""The ``amphase`` command line.

``amphase theory --list`` lists every registered theory quantity; ``amphase theory NAME key=value ...`` evaluates
one. A value ``start:stop:num`` (``numpy.linspace``) or ``v1,v2,...`` makes that parameter a grid dimension;
``--json`` prints one JSON object; ``--out FILE.nc`` writes the result as a netCDF dataset (atomically).

``amphase run CONFIG [key=value ...]`` runs (or resumes) a simulation sweep from a TOML file or a built-in
configuration (``amphase run --list``); ``amphase compare DATASET`` puts a dataset beside the theory: it prints the
table and writes a figure.

Options and ``key=value`` arguments may come in any order; each key is given once. An existing output file is
never replaced unless ``--overwrite`` is given, and every output is checked (name, folder) before any work. JSON
output writes NaN (no solution, or a value a quantity does not define there, with the reason under ``"absent"``)
as ``null`` and infinities as the strings ``"inf"`` and ``"-inf"``.

Errors print one line on standard error and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import xarray as xr

from amphase import progress
from amphase.assignments import parse_assignments
from amphase.atomic import check_distinct, check_output, missing_folders
from amphase.errors import AmphaseError, ParameterError
from amphase.params import Choice, fmt_value
from amphase.progress import DEFAULT_EVERY

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not a usage block."""

    def error(self, message: str) -> NoReturn:
        raise ParameterError(f"{message} (see `{self.prog} --help`)")


def _jsonable(obj: Any) -> Any:
    from amphase.cli_output import jsonable

    return jsonable(obj)


def _cmd_list(args: argparse.Namespace) -> int:
    from amphase.cli_output import check_list_options, list_quantities

    check_list_options(args)
    list_quantities(args.name, as_json=args.json)
    return 0


def _cmd_theory(args: argparse.Namespace) -> int:
    from amphase import cli_output, theory

    if args.help:
        print(cli_output.quantity_help(args.name) if args.name else args.parser.format_help())
        return 0
    if args.list:
        return _cmd_list(args)
    if not args.name:
        raise ParameterError("give a quantity name, or --list to see them all")
    q = theory.get(args.name)
    values = parse_assignments(args.params, names={p.name for p in q.params if isinstance(p, Choice)})
    if args.out is not None:
        check_output(args.out, overwrite=args.overwrite)
    checked = q.check(values)  # every value of every grid, before any work starts
    cli_output.announce(q, checked, args.workers)  # the declared cost against the machine, before any work
    gridded = q.dataset or args.out is not None or any(isinstance(v, np.ndarray) for v in checked.values())
    if not gridded:
        with progress.detailed():  # a quantity's own long loop (Monte Carlo draws) reports its progress
            result = q(**values)
        absent = {r.name: r.absent for r in q.results if math.isnan(result[r.name]) and r.absent}
        if args.json:
            print(json.dumps(_jsonable(cli_output.point_json(q, checked, result))))
        else:
            print(q.name + "  " + "  ".join(f"{k}={fmt_value(v)}" for k, v in checked.items() if v is not None))
            width = max(len(k) for k in result)
            described = {r.name: r.description for r in q.results}
            for k, v in result.items():
                why = f" ({absent[k]})" if k in absent else ""
                print(f"  {k:<{width}} = {v:.10g}    # {described[k]}{why}")
        return 0
    if args.workers > 1:
        ds = _grid_in_processes(q, args.workers, values)
    else:
        ds = q.grid(progress=None, **values)
    if args.json:
        print(json.dumps(_jsonable(cli_output.dataset_json(q, checked, ds))))
    else:
        _print_tables(ds)
    if args.out is not None:  # after the table: a full disk loses the file, not what was computed
        _write_theory(ds, args.out)
    return 0


def _grid_in_processes(q: Any, workers: int, values: dict[str, Any]) -> xr.Dataset:
    """Evaluate ``q`` on its grid in ``workers`` processes that never see Ctrl-C (only this process handles it)."""
    from amphase.simulate.executors import make_executor

    with make_executor("processes", workers, fork=True) as ex:
        return q.grid(map_fn=ex.map, progress=None, workers=workers, **values)


def _write_theory(ds: xr.Dataset, out: str) -> None:
    from amphase.atomic import missing_folders
    from amphase.dataset import write_netcdf

    created = missing_folders(out)
    sys.stdout.flush()  # the table first, even when both streams go to one file
    write_netcdf(ds, out)
    print(f"wrote {out}" + (f" ({_created(created)})" if created else ""), file=sys.stderr)


def _created(created: list[Path]) -> str:
    """``created the folder results`` for the folders an output needed, or nothing: none is created silently."""
    if not created:
        return ""
    return f"created the folder{'s' if len(created) > 1 else ''} {', '.join(str(f) for f in created)}"


def _print_tables(ds: xr.Dataset) -> None:
    """Print the variables of ``ds`` as tables, one per set of dimensions (2-D fields of big grids are skipped)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, var in ds.data_vars.items():
        groups.setdefault(var.dims, []).append(str(name))
    for dims, names in groups.items():
        if not dims:  # a point: no grid dimension
            for name in names:
                print(f"{name} = {float(ds[name]):.10g}")
            continue
        if len(dims) > 1 and ds[names[0]].size > 400:
            print(f"# {', '.join(names)} over {' x '.join(dims)}: see --out FILE.nc or --json")
            continue
        print(ds[names].to_dataframe().to_string(float_format=lambda v: f"{v:.8g}"))
    from amphase.cli_output import legend_lines

    for line in legend_lines(ds):
        print(line)
    if ds.attrs.get("no_solution_points"):
        print(f"# {ds.attrs['no_solution_points']} grid points have no solution (NaN)")
    if ds.attrs.get("overflow_points"):
        n, example = ds.attrs["overflow_points"], ds.attrs["overflow"]
        print(f"# {n} grid points are NaN because a value overflows the float range, e.g. {example}")
    for name, var in ds.data_vars.items():
        if var.attrs.get("absent") and var.dtype.kind == "f" and bool(np.isnan(var.values).any()):
            print(f"# {name} NaN: {var.attrs['absent']}")


def _cmd_run(args: argparse.Namespace) -> int:
    from amphase.simulate.config import apply_overrides, builtin_configs, describe, load_config

    if args.list:
        configs = sorted(builtin_configs().items())
        width = max((len(name) for name, _ in configs), default=0)
        for name, path in configs:
            print(f"{name:<{width}}  {describe(path)}")
        return 0
    if not args.config:
        raise ParameterError("give a configuration file or a built-in name (amphase run --list shows them)")
    if args.out is not None and Path(args.config).is_file():  # even with --overwrite
        check_distinct(args.out, {"configuration": args.config})
    out = check_output(args.out, overwrite=args.overwrite) if args.out is not None else None
    name, raw = load_config(args.config)
    raw = apply_overrides(raw, args.overrides)  # resolved and checked by run_sweep_outcome, as from Python
    if out is None:
        out = check_output(Path("results") / f"{name}.nc", overwrite=args.overwrite)
    from amphase.simulate.sweep import run_sweep_outcome

    created = missing_folders(out)
    outcome = run_sweep_outcome(
        raw,
        out,
        executor=args.executor or ("dask" if args.scheduler else "processes"),
        workers=args.workers,
        scheduler=args.scheduler,
        progress=None,  # as the options configured it (_progress_settings)
        restart=args.restart,
        overwrite=args.overwrite,
        label=name,
        wait=args.wait,
    )
    _report_run(outcome, created)
    return 0


def _report_run(outcome: Any, created: list[Path]) -> None:
    """The last line of ``amphase run``: what was written, what came from the checkpoint, what was redone."""
    if outcome.written:
        notes = []
        n, m = outcome.resumed, outcome.recomputed
        if n:
            notes.append(f"{n} grid point{'s were' if n > 1 else ' was'} already in the checkpoint")
        if m:
            notes.append(f"{m} damaged one{'s were' if m > 1 else ' was'} computed again")
        if created:
            notes.append(_created(created))
        note = f" ({'; '.join(notes)})" if notes else ""
        print(f"wrote {outcome.path} in {outcome.dataset.attrs['wall_time_s']:.1f} s{note}", file=sys.stderr)
    outcome.dataset.close()


def _cmd_compare(args: argparse.Namespace) -> int:
    from amphase.analysis.compare import compare_file

    created = sorted({f for target in (args.figure, args.out) if target for f in missing_folders(target)})
    table = compare_file(args.dataset, figure=args.figure, out=args.out, overwrite=args.overwrite, as_json=args.json)
    print(table)
    if created:
        print(f"amphase: {_created(created)}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``amphase`` command."""
    from amphase import __version__

    parser = _Parser(prog="amphase", description="Statistical physics of associative memories.")
    parser.add_argument("--version", action="version", version=f"amphase {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    th = sub.add_parser(
        "theory",
        help="query theoretical predictions",
        description="Evaluate a registered theory quantity. Parameters are key=value; a value start:stop:num "
        "or v1,v2,... makes a grid. `amphase theory NAME --help` shows a quantity's equation, source, parameters "
        "and results.",
        add_help=False,  # -h/--help below: with a NAME, that quantity's help
    )
    th.add_argument("-h", "--help", action="store_true", help="this help, or with NAME the quantity's help")
    th.add_argument("name", nargs="?", help="quantity name, e.g. hopfield.alpha_c")
    th.add_argument("params", nargs="*", metavar="key=value", help="parameter values or grids")
    th.add_argument("--list", action="store_true", help="list the quantities (all, or NAME, or a prefix such as dense)")
    th.add_argument("--json", action="store_true", help="print one JSON object (with --list: a JSON list)")
    th.add_argument("--out", metavar="FILE.nc", help="write the result as a netCDF dataset")
    th.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    th.add_argument("--workers", type=int, default=1, metavar="N", help="processes for grid evaluations (default 1)")
    _add_progress_options(th)
    th.set_defaults(handler=_cmd_theory, parser=th)

    rn = sub.add_parser(
        "run",
        help="run a simulation sweep",
        description="Run (or resume) a sweep from a TOML configuration or a built-in one. Overrides are key=value: "
        "realizations=4, seed=7, grid.N=500,1000, params.noise=0.2, or a bare parameter name.",
    )
    rn.add_argument("config", nargs="?", help="a TOML file, or a built-in name (see --list)")
    rn.add_argument("overrides", nargs="*", metavar="key=value", help="configuration overrides")
    rn.add_argument("--list", action="store_true", help="list the built-in configurations")
    rn.add_argument("--out", metavar="FILE.nc", help="output dataset (default results/CONFIG.nc)")
    rn.add_argument(
        "--executor",
        choices=("serial", "processes", "dask", "device"),
        help="where grid points run (default: processes, or dask with --scheduler; device: backend=gpu)",
    )
    rn.add_argument("--workers", type=int, default=None, metavar="N", help="workers (default: the CPU count)")
    rn.add_argument("--scheduler", metavar="ADDRESS", help="join a running Dask cluster (implies --executor dask)")
    rn.add_argument("--restart", action="store_true", help="discard the checkpoint store instead of resuming")
    rn.add_argument("--overwrite", action="store_true", help="replace the output file if it exists")
    _add_progress_options(rn)
    rn.add_argument(
        "--wait", action="store_true", help="if another run is writing the same output, wait for it (default: fail)"
    )
    rn.set_defaults(handler=_cmd_run)

    cp = sub.add_parser(
        "compare",
        help="compare a simulation dataset with the theory",
        description="Print theory against measurement (with errors and deviations in standard errors) for a "
        "dataset written by `amphase run`, and write a figure.",
    )
    cp.add_argument("dataset", help="a netCDF dataset written by amphase run")
    cp.add_argument("--figure", metavar="FILE.png", help="figure path (default: beside the dataset)")
    cp.add_argument("--out", metavar="FILE.nc", help="also write the comparison as a netCDF dataset")
    cp.add_argument("--overwrite", action="store_true", help="replace the figure and --out if they exist")
    cp.add_argument("--json", action="store_true", help="print the comparison as one JSON object (no table)")
    cp.set_defaults(handler=_cmd_compare)
    return parser


def _add_progress_options(parser: argparse.ArgumentParser) -> None:
    """``--progress``, ``--no-progress`` and ``--progress-every`` (see :mod:`amphase.progress`)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--progress",
        action="store_true",
        help="always report progress: a bar on a terminal, else a line at the start, every --progress-every "
        "seconds and at the end (default: a bar on a terminal, a line every 30 s in a log)",
    )
    group.add_argument("--no-progress", action="store_true", help="no progress report")
    parser.add_argument(
        "--progress-every",
        type=float,
        default=None,
        metavar="S",
        help=f"seconds between progress lines when standard error is not a terminal (default {DEFAULT_EVERY:g})",
    )


def _progress_settings(args: argparse.Namespace) -> Any:
    """The progress mode the options ask for (:func:`amphase.progress.configured`)."""
    every = getattr(args, "progress_every", None)
    if every is not None and not (math.isfinite(every) and every > 0):
        raise ParameterError(f"--progress-every {every:g}: must be a number of seconds > 0")
    mode = "on" if getattr(args, "progress", False) else "off" if getattr(args, "no_progress", False) else None
    return progress.configured(mode, every)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``, accepting ``key=value`` arguments before, between and after the options.

    An option given twice is an error, as a ``key=value`` given twice is (rather than "the last one wins").
    """
    seen: set[str] = set()
    for arg in sys.argv[1:] if argv is None else argv:
        if not arg.startswith("--"):
            continue
        name = arg.partition("=")[0]
        if name in seen:
            parser.error(f"{name} is given twice; give each option once")
        seen.add(name)
    args, extra = parser.parse_known_args(argv)
    target = {"theory": "params", "run": "overrides"}.get(getattr(args, "command", ""))
    stray = [a for a in extra if a.startswith("-") or "=" not in a or target is None]
    if stray:
        parser.error(f"unrecognized arguments: {' '.join(stray)}")
    if target is not None:
        setattr(args, target, [*getattr(args, target), *extra])
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    SIGINT and SIGTERM stop a command cleanly: one line ``amphase: interrupted`` and the status 130 (SIGINT) or 143
    (SIGTERM). Signals after the first are ignored, so nothing interrupts the clean-up; when ``main`` is the program
    (``argv`` is None) they stay ignored until the process has exited.
    """
    from amphase.simulate.executors import InterruptGuard

    parser = build_parser()
    guard = InterruptGuard((signal.SIGINT, signal.SIGTERM), chain=False, restore=argv is not None)
    with guard:
        try:
            args = _parse(parser, argv)
            workers = getattr(args, "workers", None)
            if workers is not None and workers < 1:
                raise ParameterError(f"--workers {args.workers}: must be an integer >= 1")
            with _progress_settings(args):
                return args.handler(args)
        except KeyboardInterrupt:
            return _interrupted(guard)
        except AmphaseError as err:
            if guard.signum:
                return _interrupted(guard)
            print(f"amphase: error: {err}", file=sys.stderr)
            return 2
        except BrokenPipeError:  # output piped into `head` and the like
            sys.stderr.close()
            return 0
        except Exception:
            if guard.signum:  # an error caused by the interruption itself, e.g. a worker the same Ctrl-C reached
                return _interrupted(guard)
            raise


def _interrupted(guard: Any) -> int:
    guard.ignore()
    # zarr's I/O runs on an asyncio loop in a daemon thread: the writes an interruption abandons (nothing half-written
    # is kept: outputs are atomic) would be reported at exit as "Task was destroyed but it is pending!"
    logging.getLogger("asyncio").disabled = True
    print("amphase: interrupted", file=sys.stderr)
    return 128 + (guard.signum or signal.SIGINT)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
