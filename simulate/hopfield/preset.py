"""The Hopfield network as the ``F(x) = x^2/2`` preset of the one binary engine: its run, and its measurements.

:func:`run_realization` is the unit of work of the sweep runner for the Hopfield family: one set of
``K = round(alpha N)`` unbiased ±1 patterns and ``trials`` trajectories from cues on it, run by
:func:`amphase.simulate.binary.engine.run_realization` with :class:`~amphase.simulate.binary.energy.Quadratic`
(random streams in that module's docstring).

Measurements per trial: the overlaps ``m_mu = (1/N) sum_i xi_i^mu s_i`` with every pattern (the largest ones
ranked, and the rms of the others), the energy per spin
``e = -(1/2) sum_mu m_mu^2 + K/(2N)`` (the Hebbian energy ``-(1/2N) sum_{i!=j} J_ij s_i s_j`` without self-coupling),
the sweeps run, and how the run ended (:data:`STATUS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from amphase.simulate.binary import engine
from amphase.simulate.binary.engine import BLOCK, CUES, STATUS
from amphase.simulate.patterns import overlap_measurements

if TYPE_CHECKING:
    from amphase.simulate.hopfield.hopfield import HopfieldRun

__all__ = ["BLOCK", "CUES", "STATUS", "measure", "run_realization"]


def run_realization(run: HopfieldRun, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Draw the patterns, run every trial, and measure the end states (``run``: the model's declared parameters).

    Returns
    -------
    dict of str to ndarray
        ``overlap`` (trials, K) float32, ``m_cue`` (trials,) overlap with the cued pattern (NaN for a random cue),
        ``cue_pattern`` (trials,) int32, ``energy`` (trials,) energy per spin, ``sweeps`` (trials,) int32,
        ``status`` (trials,) int8 (:data:`STATUS`), ``top_overlap`` and ``top_pattern`` (trials, top): the
        ``top`` largest overlaps in absolute value, signed, and their pattern indices; ``noise_rms`` (trials,): the
        rms of the other ``K - top`` overlaps, the scale of the end state's noise overlaps that the classification
        of :mod:`amphase.analysis.classify` needs when only the top overlaps are stored (NaN when ``K <= top``);
        ``K`` (scalar).

    """
    end = engine.run_realization(run.binary, seed)
    return measure(end.M.astype(np.int32), run.N, end.cued, end.sweeps, end.status, run.top)


def measure(
    M: np.ndarray, N: int, cued: np.ndarray, sweeps: np.ndarray, status: np.ndarray, top: int
) -> dict[str, np.ndarray]:
    """End-state measurements from the integer overlaps ``M`` (trials, K); see :func:`run_realization`."""
    K = M.shape[1]
    energy = -0.5 * (M.astype(np.float64) ** 2).sum(axis=1) / N**2 + K / (2 * N)
    out = overlap_measurements(M, N, cued, top)
    return {
        "overlap": out["overlap"],
        "m_cue": out["m_cue"],
        "cue_pattern": cued,
        "energy": energy,
        "sweeps": sweeps.astype(np.int32),
        "status": status.astype(np.int8),
        "top_overlap": out["top_overlap"],
        "top_pattern": out["top_pattern"],
        "noise_rms": out["noise_rms"],
        "K": np.int32(K),
    }
