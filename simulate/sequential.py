"""The driver of random-sequential dynamics for ensembles of binary replicas, shared by every binary model.

A model hands in its sweep rules (how one sweep of every replica changes its spins and overlaps); this module owns
what they share: the random numbers, the bookkeeping of sweeps and of how each trajectory ended.

* Random streams: each trajectory draws from its own generator, :data:`BLOCK` sweeps at a time: for each block the
  visiting orders (a permutation of the spins per sweep), then, at ``T > 0``, one uniform per visit
  (:func:`draw_block`). The Numba and batched paths draw the same numbers, so they follow the same trajectories.
* Synchronous dynamics (:func:`run_synchronous`) update every spin of a replica at once; a zero-temperature run
  ends at a fixed point or a two-cycle, and a heat-bath step draws its uniforms ``BLOCK`` steps at a time.
* Status (the ``status`` flag values, :data:`STATUS`): ``fixed_point`` (a zero-temperature sweep changed nothing),
  ``two_cycle`` (synchronous dynamics), ``max_sweeps`` (stopped at the sweep limit before a fixed point; these are
  the unconverged ones), ``thermal`` (a heat-bath run, which always runs its sweeps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from amphase.simulate.backend import Backend

__all__ = ["BLOCK", "STATUS", "draw_block", "run_batched_sequential", "run_synchronous"]

#: sweeps whose random numbers are drawn together.
BLOCK = 4

#: how a trajectory ended (the ``status`` flag values, in this order).
STATUS = ("fixed_point", "two_cycle", "max_sweeps", "thermal")
FIXED_POINT, TWO_CYCLE, MAX_SWEEPS, THERMAL = range(4)

Array = Any


def draw_block(rng: np.random.Generator, N: int, thermal: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The random numbers of :data:`BLOCK` sweeps: visiting orders ``(BLOCK, N)``, and uniforms at ``T > 0``."""
    orders = rng.permuted(np.broadcast_to(np.arange(N, dtype=np.int64), (BLOCK, N)), axis=1)
    uniforms = rng.random((BLOCK, N)) if thermal else None
    return orders, uniforms


def run_batched_sequential(
    backend: Backend,
    d_S: Array,
    d_M: Array,
    rngs: list[np.random.Generator],
    max_sweeps: int,
    sweep: Callable[[Array, Array, Array], Array],
    heat_bath: Callable[[Array, Array, Array, Array], None] | None = None,
) -> tuple[Array, Array, np.ndarray, np.ndarray]:
    """Run every replica to a fixed point (``heat_bath`` absent) or for ``max_sweeps`` heat-bath sweeps.

    Parameters
    ----------
    backend : Backend
        Where ``d_S`` (spins, ``(B, N)``) and ``d_M`` (overlaps, ``(B, P)``) live; updated in place.
    rngs : list of numpy.random.Generator
        One per replica (:func:`draw_block` draws from it).
    max_sweeps : int
        At ``T = 0`` the most sweeps before giving up; at ``T > 0`` the sweeps run.
    sweep : callable
        ``sweep(S, M, orders) -> flips``: one zero-temperature sweep of every replica (device arrays), returning the
        spins each changed.
    heat_bath : callable, optional
        ``heat_bath(S, M, orders, uniforms)``: one heat-bath sweep of the given replicas (in place); its presence
        means ``T > 0``.

    Returns
    -------
    S, M : device arrays
        The end states and their overlaps.
    sweeps : ndarray of int32, shape (B,)
    status : ndarray of int8, shape (B,)
        Index into :data:`STATUS`.

    """
    B, N = d_S.shape
    thermal = heat_bath is not None
    sweeps = np.zeros(B, dtype=np.int32)
    status = np.full(B, THERMAL if thermal else MAX_SWEEPS, dtype=np.int8)
    active = np.ones(B, dtype=bool)
    identity = np.broadcast_to(np.arange(N, dtype=np.int64), (B, N))
    while active.any():
        blocks = [draw_block(rng, N, thermal) if active[b] else (None, None) for b, rng in enumerate(rngs)]
        n = min(BLOCK, max_sweeps - int(sweeps[active].min()))
        for k in range(n):
            live = active & (sweeps < max_sweeps)
            if not live.any():
                break
            orders = np.array([blocks[b][0][k] if live[b] else identity[b] for b in range(B)])
            if thermal:
                idx = np.flatnonzero(live)  # at T > 0 every replica runs the same number of sweeps
                uniforms = backend.asarray(np.array([blocks[b][1][k] for b in idx]))
                sub_S, sub_M = d_S[idx], d_M[idx]
                heat_bath(sub_S, sub_M, backend.asarray(orders[idx]), uniforms)
                d_S[idx], d_M[idx] = sub_S, sub_M
                sweeps[live] += 1
                continue
            flips = backend.asnumpy(sweep(d_S, d_M, backend.asarray(orders)))
            sweeps[live] += 1
            fixed = live & (flips == 0)
            status[fixed] = FIXED_POINT
            active &= ~fixed
        active &= sweeps < max_sweeps
    return d_S, d_M, sweeps, status


def run_synchronous(
    backend: Backend,
    d_S: Array,
    rngs: list[np.random.Generator],
    max_steps: int,
    step: Callable[[Array, Array | None], Array],
    thermal: bool,
) -> tuple[Array, np.ndarray, np.ndarray]:
    """Synchronous steps of every replica; at ``T = 0`` until a fixed point or a two-cycle, at ``T > 0`` all of them.

    ``step(S, uniforms) -> new`` gives the new spins of the replicas ``S`` (``(b, N)`` device array), with one
    uniform per spin at ``T > 0`` (``None`` at ``T = 0``). Returns the end states (``d_S``, updated in place), the
    steps run and the status (:data:`STATUS`).
    """
    B, N = d_S.shape
    prev = d_S.copy()
    sweeps = np.zeros(B, dtype=np.int32)
    status = np.full(B, THERMAL if thermal else MAX_SWEEPS, dtype=np.int8)
    active = np.ones(B, dtype=bool)
    for k in range(max_steps):
        if thermal and k % BLOCK == 0:
            block = np.stack([rng.random((BLOCK, N)) for rng in rngs])  # (B, BLOCK, N)
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        old = d_S[idx]
        new = step(old, backend.asarray(block[idx, k % BLOCK]) if thermal else None)
        sweeps[idx] += 1
        if not thermal:
            same = backend.asnumpy((new == old).all(axis=1))
            cycle = backend.asnumpy((new == prev[idx]).all(axis=1)) & ~same
            status[idx[same]] = FIXED_POINT
            status[idx[cycle]] = TWO_CYCLE
            active[idx[same | cycle]] = False
        prev[idx] = old
        d_S[idx] = new
    return d_S, sweeps, status
