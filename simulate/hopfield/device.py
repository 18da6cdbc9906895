"""The Hopfield model's device task: the realizations of many grid points in one CUDA ensemble.

:func:`run_many` and :func:`launch` are the ``run_many``/``launch`` fields of the model
(:class:`amphase.simulate.models.Model`, used by :func:`amphase.simulate.device_batches.batched_points` when a sweep
runs on the device executor): realizations at ``backend='gpu'`` whose dynamics the CUDA kernels cover
(:func:`amphase.simulate.binary.cuda_engine.check_device_run`) run together through
:func:`~amphase.simulate.binary.cuda_engine.run_realizations` and are measured as
:func:`amphase.simulate.hopfield.preset.run_realization` measures one; anything else runs one realization at a time
(``HopfieldRun.run``). Either way each realization's result equals its own run's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.errors import ParameterError

__all__ = ["launch", "run_many"]


def _run(params: Mapping[str, Any]) -> Any:
    from amphase.simulate.hopfield.hopfield import HopfieldRun

    return HopfieldRun(**params)


def _on_device(run: Any) -> bool:
    from amphase.simulate.binary.cuda_engine import check_device_run

    if run.backend != "gpu":
        return False
    try:
        check_device_run(run.binary)
    except ParameterError:
        return False
    return True


def launch(params: Mapping[str, Any]) -> tuple[Any, int]:
    """What realizations must share to run together, and the device bytes of one (patterns, spins, overlaps, orders)."""
    from amphase.simulate.binary.cuda_engine import launch_key

    run = _run(params)
    key = (launch_key(run.binary), _on_device(run))
    N, K, B = run.N, run.K, run.trials
    return key, N * K + B * (N + 8 * K + 4 * 4 * N)


def run_many(items: list[tuple[Mapping[str, Any], np.random.SeedSequence]]) -> list[dict[str, np.ndarray]]:
    """Every realization ``(params, seed)``; those on the device in one ensemble (module docstring)."""
    from amphase.simulate.binary.cuda_engine import run_realizations
    from amphase.simulate.hopfield.preset import measure

    runs = [_run(params) for params, _ in items]
    if not all(_on_device(run) for run in runs):
        return [run.run(seed) for run, (_, seed) in zip(runs, items, strict=True)]
    ends = run_realizations([run.binary for run in runs], [seed for _, seed in items])
    out = []
    for run, end in zip(runs, ends, strict=True):
        data = measure(end.M.astype(np.int32), run.N, end.cued, end.sweeps, end.status, run.top)
        if run.overlaps != "all":
            del data["overlap"]
        out.append(data)
    return out
