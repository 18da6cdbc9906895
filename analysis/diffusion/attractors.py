r"""Two scores' attractors side by side: a trained network's fixed points against the exact score's at the same t.

The fixed points themselves (:func:`~amphase.simulate.diffusion.attractors.find_attractors`: the damped fixed-point
iteration of :math:`F(y) = y + \sigma_t^2 S(y, t)`, its stability and deduplication, memorized within ``delta_m``
of a training point) are found by :mod:`amphase.simulate.diffusion.attractors`, which a model runs during a sweep.

Comparing a network's attractors with the exact ones (:func:`compare_attractors`), each network attractor is

``memorized``      within ``delta_m`` of a training point;
``exact-spurious`` otherwise within ``delta_match`` :math:`\ell` (default 0.05) of a spurious attractor of the exact
                   score at the same t;
``network-only``   neither: a state of the trained network's smoothed score that the exact score does not have.

The thresholds are choices, not the paper's values (which could not be checked against its text here); the distances
themselves are returned so a reader can apply others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.diffusion.attractors import Attractors
from amphase.simulate.neighbours import nearest

__all__ = ["MATCH_CLASSES", "Comparison", "compare_attractors"]

#: classes of a network attractor against the exact ones, by code.
MATCH_CLASSES = ("memorized", "exact-spurious", "network-only")


def _host(a: Any) -> np.ndarray:
    return a.get() if hasattr(a, "get") else np.asarray(a)


@dataclass
class Comparison:
    """A network's attractors against the exact ones at the same t (module docstring).

    Attributes
    ----------
    exact, network : Attractors
    match : (n_network,) int8
        Index into :data:`MATCH_CLASSES` for each network fixed point (meaningful for attractors).
    d_exact : (n_network,)
        Distance to the nearest exact *attractor*, in units of the scale (inf when the exact score has none).
    exact_found : (n_exact,) bool
        Whether each exact fixed point has a network attractor within ``delta_match``.
    delta_match : float

    """

    exact: Attractors
    network: Attractors
    match: np.ndarray
    d_exact: np.ndarray
    exact_found: np.ndarray
    delta_match: float

    def counts(self) -> dict[str, int]:
        """Numbers of attractors by class: exact memorized/spurious, network memorized/exact-spurious/network-only."""
        att = self.network.is_attractor
        out = {
            "exact_attractors": self.exact.n_attractors,
            "exact_memorized": self.exact.n_memorized,
            "exact_spurious": self.exact.n_spurious,
            "network_attractors": self.network.n_attractors,
        }
        for i, name in enumerate(MATCH_CLASSES):
            out[f"network_{name.replace('-', '_')}"] = int((att & (self.match == i)).sum())
        out["exact_attractors_missed"] = int((self.exact.is_attractor & ~self.exact_found).sum())
        out["exact_stalled"] = len(self.exact.stalled)
        out["network_stalled"] = len(self.network.stalled)
        return out


def compare_attractors(exact: Attractors, network: Attractors, *, delta_match: float = 0.05) -> Comparison:
    """Classify each network fixed point against the exact attractors (module docstring)."""
    if not (float(delta_match) > 0 and math.isfinite(float(delta_match))):
        raise ParameterError(f"delta_match={delta_match!r}: a finite number > 0 (in units of the data scale)")
    if exact.t != network.t or exact.scale != network.scale:
        raise ParameterError("the two sets of attractors must be at the same t and for the same training points")
    ex = exact.x[exact.is_attractor]
    if len(ex) and len(network.x):
        d_ex, j = nearest(network.x, ex)
        d_ex, j = _host(d_ex) / exact.scale, _host(j)
        spurious_near = ~exact.memorized[exact.is_attractor][j] & (d_ex <= delta_match)
    else:
        d_ex = np.full(len(network.x), np.inf)
        spurious_near = np.zeros(len(network.x), dtype=bool)
    match = np.where(network.memorized, 0, np.where(spurious_near, 1, 2)).astype(np.int8)
    nx = network.x[network.is_attractor]
    if len(nx) and len(exact.x):
        d_back, _ = nearest(exact.x, nx)
        found = _host(d_back) / exact.scale <= delta_match
    else:
        found = np.zeros(len(exact.x), dtype=bool)
    return Comparison(exact, network, match, d_ex, found, float(delta_match))
