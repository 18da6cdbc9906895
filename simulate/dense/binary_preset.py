"""The binary DenseAM (``dense.binary``) as a preset of the one binary engine: its run, and its measurements.

:func:`run_realization` is the unit of work of the sweep runner for the model ``dense.binary``: ``K`` unbiased ±1
patterns and ``trials`` trajectories from cues on them, run by :func:`amphase.simulate.binary.engine.run_realization`
with the energy ``E = -sum_mu F(M_mu)`` of :mod:`amphase.simulate.binary.energy` (random streams in that module's
docstring: ``polynomial(2)`` at the same ``K`` follows the Hopfield network's trajectories at the same seed).

Load convention: ``K`` patterns given directly, or ``K = round(alpha N^(n-1))`` (the polynomial DenseAM stores
``O(N^(n-1))`` patterns; Krotov & Hopfield 2016); ``n = 2`` gives the Hopfield load ``K/N``.

Measurements per trial: the overlaps ``m_mu = M_mu / N`` (the ``top`` largest in absolute value and their patterns,
the rms ``noise_rms`` of the others), the overlap ``m_cue`` with the cued pattern, the reduced energy ``E / F(N)``,
``unstable_bits``: how many bits of the cued pattern a single flip would lower the energy of (0: the pattern is a
fixed point, one-step stable), the sweeps run and how the run ended (:data:`STATUS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from amphase.simulate.backend import Backend, get_backend
from amphase.simulate.binary import batched, engine
from amphase.simulate.binary.energy import BinaryEnergy
from amphase.simulate.binary.engine import BLOCK, STATUS
from amphase.simulate.patterns import overlap_measurements

if TYPE_CHECKING:
    from amphase.simulate.dense.binary import DenseRun

__all__ = ["BLOCK", "CUES", "STATUS", "measure", "run_realization", "unstable_bits"]

#: the cue kinds.
CUES = ("pattern", "random")


def unstable_bits(backend: Backend, energy: BinaryEnergy, xiT: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """For each pattern index (-1: none), how many of its bits one flip would lower the energy of (exact signs)."""
    out = np.full(len(patterns), -1, dtype=np.int32)
    which = np.flatnonzero(patterns >= 0)
    if which.size == 0:
        return out
    xp = backend.xp
    N = xiT.shape[0]
    d_xiT = backend.asarray(xiT)
    S = d_xiT[:, backend.asarray(patterns[which])].T.copy()  # (m, N)
    M = S.astype(xp.int64) @ d_xiT.astype(xp.int64)
    _, sign = batched.flip_scores(xp, energy, d_xiT, S, M, N)
    out[which] = backend.asnumpy((sign > 0).sum(axis=1))
    return out


def run_realization(run: DenseRun, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Draw the patterns, run every trial, and measure the end states (``run``: the model's declared parameters).

    Returns
    -------
    dict of str to ndarray
        ``m_cue``, ``cue_pattern``, ``energy`` (``E / F(N)``), ``sweeps``, ``status``, ``unstable_bits`` (trials,);
        ``top_overlap``, ``top_pattern`` (trials, top); ``noise_rms`` (trials,); ``K`` (scalar, patterns stored).

    """
    end = engine.run_realization(run.binary, seed)
    M = end.M.astype(np.int64)
    out = measure(M, run.N, end.cued, end.sweeps, end.status, run.top)
    out["energy"] = run.energy.reduced_energy(M, run.N)
    name = get_backend(run.backend).name
    out["unstable_bits"] = unstable_bits(get_backend("numpy" if name == "cpu" else name), run.energy, end.xiT, end.cued)
    return out


def measure(
    M: np.ndarray, N: int, cued: np.ndarray, sweeps: np.ndarray, status: np.ndarray, top: int
) -> dict[str, np.ndarray]:
    """End-state overlap measurements from the integer overlaps ``M`` (trials, K), as the Hopfield preset's."""
    out = overlap_measurements(M, N, cued, top)
    del out["overlap"]  # not stored: K can be far larger than N
    return {**out, "cue_pattern": cued, "sweeps": sweeps.astype(np.int32), "status": status.astype(np.int8),
            "K": np.int32(M.shape[1])}  # fmt: skip
