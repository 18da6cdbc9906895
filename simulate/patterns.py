"""Binary (±1) patterns and the initial states built from them, for every model with Ising neurons.

Plain arguments in, plain arrays out: a generator, sizes, index lists. Conventions: spins and patterns are ``int8``;
patterns are stored transposed, ``xiT[i, mu] = xi_i^mu`` with shape ``(N, P)``, so one neuron's row is contiguous.
The Hopfield model and the binary Dense Associative Memories draw their patterns and cues here, so the same seed
gives them the same patterns and the same cues.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["binary_patterns", "flip_bits", "mixture_state", "overlap_measurements", "random_spins"]


def binary_patterns(rng: np.random.Generator, N: int, P: int) -> np.ndarray:
    """``P`` unbiased ±1 patterns of ``N`` neurons, transposed: ``int8`` array of shape ``(N, P)``."""
    return (2 * rng.integers(0, 2, size=(N, P), dtype=np.int8) - 1).astype(np.int8)


def random_spins(rng: np.random.Generator, N: int) -> np.ndarray:
    """A uniform random ±1 state of ``N`` neurons (``int8``)."""
    return (2 * rng.integers(0, 2, size=N, dtype=np.int8) - 1).astype(np.int8)


def mixture_state(xiT: np.ndarray, patterns: Sequence[int]) -> np.ndarray:
    """``sign(sum of the given patterns)`` (``int8``); an even count has ties, which are set to ``-1``."""
    return np.where(xiT[:, list(patterns)].sum(axis=1, dtype=np.int32) > 0, 1, -1).astype(np.int8)


def flip_bits(rng: np.random.Generator, s: np.ndarray, count: int) -> np.ndarray:
    """A copy of ``s`` with exactly ``count`` distinct bits, chosen uniformly, reversed."""
    out = np.array(s, dtype=np.int8, copy=True)
    if count:
        out[rng.choice(out.size, size=count, replace=False)] *= -1
    return out


def overlap_measurements(M: np.ndarray, N: int, cued: np.ndarray, top: int) -> dict[str, np.ndarray]:
    """What the end states' integer overlaps ``M`` (trials, P) say: the measurements every binary model stores.

    Returns ``overlap`` (trials, P) float32, ``m = M / N``; ``m_cue`` (trials,): the overlap with the cued pattern
    (NaN where ``cued`` is -1); ``top_overlap`` and ``top_pattern`` (trials, top): the ``top`` largest overlaps in
    absolute value, signed, and their pattern indices (NaN and -1 where ``P < top``); ``noise_rms`` (trials,): the
    rms of the other ``P - top`` overlaps, the scale of the end state's noise overlaps (NaN when ``P <= top``).
    """
    trials, P = M.shape
    m = M / N
    k = min(top, P)
    order = np.argsort(-np.abs(m), axis=1, kind="stable")[:, :k]
    top_overlap = np.full((trials, top), np.nan)
    top_pattern = np.full((trials, top), -1, dtype=np.int32)
    top_overlap[:, :k] = np.take_along_axis(m, order, axis=1)
    top_pattern[:, :k] = order
    m_cue = np.where(cued >= 0, m[np.arange(trials), np.maximum(cued, 0)], np.nan)
    rest = P - k
    with np.errstate(invalid="ignore", divide="ignore"):
        rest_sq = (m**2).sum(axis=1) - (top_overlap[:, :k] ** 2).sum(axis=1)
        noise_rms = np.where(rest > 0, np.sqrt(np.fmax(rest_sq, 0.0) / max(rest, 1)), np.nan)
    return {
        "overlap": m.astype(np.float32),
        "m_cue": m_cue,
        "top_overlap": top_overlap,
        "top_pattern": top_pattern,
        "noise_rms": noise_rms,
    }
