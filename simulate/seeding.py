"""Random streams keyed by what they are for, never by the order in which work happens.

One root seed makes every random number of a sweep:

* realization ``r`` at grid point ``p`` gets ``SeedSequence(seed, spawn_key=key(p) + (r,))`` (:func:`point_seed`),
  where ``key(p)`` is built from the *values* of the grid coordinates: for each grid dimension in sorted order, the
  CRC-32 of its name, then the 64 bits of the float value (or the CRC-32 of a name). A result therefore does not
  depend on the executor, the number of workers, the order in which points finish, or on which other points the
  grid holds;
* inside a task, a model draws from children of that seed keyed by purpose (:func:`child_rng`), e.g. ``(0,)`` for
  the stored patterns and ``(1, t)`` for trajectory ``t``; a child does not depend on how often its parent was
  spawned.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["SEED_SCHEME", "child_rng", "child_seed", "point_seed"]

#: the scheme in words, stored with every sweep dataset.
SEED_SCHEME = (
    "realization r at a grid point: numpy.random.SeedSequence(seed, spawn_key=key + (r,)), key = for each grid "
    "dimension in sorted order (crc32(name), float64 bits of the value or crc32 of a name); "
    "see amphase.simulate.seeding"
)


def _key(name: str, value: Any) -> tuple[int, int]:
    if isinstance(value, str):
        return zlib.crc32(name.encode()), zlib.crc32(value.encode())
    return zlib.crc32(name.encode()), struct.unpack("<Q", struct.pack("<d", float(value)))[0]


def point_seed(seed: int, point: Mapping[str, Any], realization: int) -> np.random.SeedSequence:
    """The seed of one realization at one grid point (see the module docstring)."""
    key = tuple(k for name in sorted(point) for k in _key(name, point[name]))
    return np.random.SeedSequence(seed, spawn_key=(*key, realization))


def child_seed(seed: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The child ``seed.spawn_key + key`` of ``seed`` (independent of how often ``seed`` was spawned)."""
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, *key), pool_size=seed.pool_size)


def child_rng(seed: np.random.SeedSequence, *key: int) -> np.random.Generator:
    """A PCG64 generator on the child stream ``seed.spawn_key + key``."""
    return np.random.Generator(np.random.PCG64(child_seed(seed, *key)))
