"""Many grid points per device task: the realizations of grid points that share a launch key, run together.

A device is filled by thousands of replicas, while one grid point of a sweep often holds a few hundred (its
realizations times its trials). So the device path groups grid points: points whose realizations may share one
kernel launch (the same *key*: for the binary engine the same ``N``, energy, temperature and sweep limit,
:func:`amphase.simulate.binary.cuda_engine.launch_key`) go to one task, up to a budget of pattern bytes (what the
device must hold at once), and the task's results are split back per grid point, so that **checkpoints stay per
grid point**: the store writes each point as before, a resumed sweep recomputes only unfinished points, and every
realization keeps its own seed (:func:`amphase.simulate.seeding.point_seed`), so a point's result does not depend
on which points shared its launch.

:func:`batched_points` is the seam: a model offers ``run_many(items) -> results`` (``items`` a list of
``(params, seed)``, one per realization; one result dict per item) and ``key_bytes(params) -> (key, bytes)``;
:func:`batched_points` yields ``(index, data)`` per grid point exactly as :func:`amphase.simulate.sweep.run_point`
does. The sweep runner calls it in place of one task per point when the executor is the device executor
(:mod:`amphase.simulate.device_executor`) and the model offers ``run_many`` and ``launch`` (the
:class:`~amphase.simulate.models.Model` fields), with a budget of :data:`DEVICE_TASK_BYTES`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from amphase.simulate.seeding import point_seed

__all__ = ["DEVICE_TASK_BYTES", "batched_points", "group_by_budget"]

#: device bytes one task's realizations may hold at once (a quarter of a 16 GiB device: room for the GEMMs and CuPy's
#: memory pool beside them).
DEVICE_TASK_BYTES = 4 * 2**30

Index = tuple[int, ...]


def group_by_budget(sizes: Sequence[int], budget: int) -> list[list[int]]:
    """Consecutive groups of indices whose sizes sum to at most ``budget`` (a larger item alone in its group)."""
    groups: list[list[int]] = []
    used = 0
    for i, size in enumerate(sizes):
        if groups and used + size <= budget:
            groups[-1].append(i)
            used += size
        else:
            groups.append([i])
            used = size
    return groups


def batched_points(
    config: Mapping[str, Any],
    pending: Sequence[Index],
    run_many: Callable[[list[tuple[dict[str, Any], np.random.SeedSequence]]], list[dict[str, Any]]],
    key_bytes: Callable[[dict[str, Any]], tuple[Hashable, int]],
    budget: int,
) -> Iterator[tuple[Index, dict[str, np.ndarray]]]:
    """Run the ``pending`` grid points of ``config`` in groups; yield ``(index, data)`` per point (module docstring).

    Points are grouped by ``key_bytes(params)[0]`` (in the order of their first appearance in ``pending``), then
    split so that the bytes of a group (``key_bytes(params)[1]`` times the realizations, summed over its points)
    stay within ``budget``; a point larger than the budget runs alone.
    """
    names = list(config["grid"])
    R = int(config["realizations"])

    def params_of(index: Index) -> tuple[dict[str, Any], dict[str, Any]]:
        point = {name: config["grid"][name][i] for name, i in zip(names, index, strict=True)}
        return point, {**config["params"], **point}

    by_key: dict[Hashable, list[tuple[Index, int]]] = {}
    for index in pending:
        key, nbytes = key_bytes(params_of(index)[1])
        by_key.setdefault(key, []).append((index, int(nbytes) * R))
    for members in by_key.values():
        for group in group_by_budget([b for _, b in members], budget):
            indices = [members[i][0] for i in group]
            items = []
            for index in indices:
                point, params = params_of(index)
                items += [(params, point_seed(config["seed"], point, r)) for r in range(R)]
            results = run_many(items)
            for k, index in enumerate(indices):
                runs = results[k * R : (k + 1) * R]
                yield index, {name: np.stack([np.asarray(r[name]) for r in runs]) for name in runs[0]}
