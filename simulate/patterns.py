"""Binary (±1) patterns and the initial states built from them, for every model with Ising neurons.

Plain arguments in, plain arrays out: a generator, sizes, index lists. Conventions: spins and patterns are ``int8``;
patterns are stored transposed, ``xiT[i, mu] = xi_i^mu`` with shape ``(N, P)``, so one neuron's row is contiguous.
The Hopfield model and the binary Dense Associative Memories draw their patterns and cues here, so the same seed
gives them the same patterns and the same cues.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["binary_patterns", "flip_bits", "mixture_state", "random_spins"]


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
