r"""Exact minima of the log-sum-ReLU (Epanechnikov) DenseAM energy in small and circular cases (derived here).

Energy (Hoover, Shi, Balasubramanian, Krotov & Ram 2025, arXiv:2506.10801, in amphase's convention
:math:`\beta = \beta_p/2`; :mod:`amphase.simulate.continuous.lsr`): :math:`E(x) = -\beta^{-1}\log g(x)`,
:math:`g = \sum_\mu \max(0, 1 - \beta\lVert x - \xi^\mu\rVert^2)`.

The rule every result below applies (derived in :mod:`amphase.simulate.continuous.lsr`): :math:`E` is convex on each
cell of constant active set, so its minima are exactly the *self-consistent centroids*: the centroid :math:`c_S` of a
set S of memories with :math:`\beta\lVert c_S - \xi^\mu\rVert^2 < 1` for every :math:`\mu \in S` and
:math:`> 1` for every :math:`\mu \notin S`. Both inequalities are strict: a member exactly on its support's edge
(:math:`u = 1`) adds nothing at :math:`c_S` while the others pull away from it, and a non-member exactly on the edge
pulls one-sidedly (its kernel grows linearly towards it while the rest fall quadratically), so neither point is a
minimum.

* **Pair** at distance D: S = {1} (the memory, :math:`u_2 = \beta D^2`) is a minimum iff :math:`\beta D^2 > 1`;
  S = {1, 2} (the midpoint, :math:`u = \beta D^2/4` for both) iff :math:`\beta D^2 < 4`, where
  :math:`E = -\beta^{-1}\log(2 - \beta D^2/2)`. Minima: 1 for :math:`\beta D^2 \le 1`, 3 (both memories and the
  emergent midpoint) for :math:`1 < \beta D^2 < 4`, 2 for :math:`\beta D^2 \ge 4`. (The log-sum-exp pair has its
  midpoint minimum for :math:`\beta D^2 < 2` and never a minimum exactly at a memory.)
* **Regular simplex** of K memories with pairwise distance D: the centroid of s of them is at squared distance
  :math:`D^2(s-1)/(2s)` from its members and :math:`D^2(s+1)/(2s)` from the others (the memories are orthogonal
  after centring at any vertex-free origin: :math:`\lVert c - \xi^\nu\rVert^2 = \frac{D^2}{2}(1 \mp \frac1s)`), so
  it is a minimum iff :math:`\beta D^2 (s-1)/(2s) < 1` and (s = K or :math:`\beta D^2 (s+1)/(2s) > 1`); every such
  subset counts: :math:`\sum_{\text{valid } s}\binom{K}{s}` minima.
* **K points on the unit circle**: the set :math:`\{\mu: \beta\lVert c - \xi^\mu\rVert^2 < 1\}` is an arc of the
  circle centred on the direction of c (:math:`\lVert c - \xi\rVert^2 = \lVert c\rVert^2 + 1 - 2\lVert c\rVert
  \cos(\phi - \phi_c)`, decreasing in :math:`|\phi - \phi_c|`), so a self-consistent S is a run of consecutive points
  (or all K). A run is self-consistent iff its two end members are inside and its two outer neighbours outside
  (the window is one arc containing both ends and neither neighbour, hence exactly the run).
  :func:`circle_minima` enumerates the K(K-1) runs with prefix sums, O(K^2): the exact count of one drawn
  configuration, independent of any descent.
"""

from __future__ import annotations

import math

import numpy as np

from amphase.errors import ParameterError

__all__ = ["circle_minima", "pair_minima", "self_consistent", "simplex_minima"]


def _positive(name: str, value: float) -> float:
    if not value > 0 or not math.isfinite(value):
        raise ParameterError(f"{name}={value!r}: must be a finite number > 0")
    return float(value)


def pair_minima(beta: float, D: float) -> tuple[int, bool, bool]:
    """Number of minima of a pair at distance ``D``, whether the memories and whether the midpoint are minima."""
    b = _positive("beta", beta) * _positive("D", D) ** 2
    memories, midpoint = b > 1.0, b < 4.0
    return 2 * memories + midpoint, memories, midpoint


def simplex_minima(K: int, beta: float, D: float) -> int:
    """Number of minima of K memories on a regular simplex of pairwise distance ``D`` (module docstring)."""
    if K < 2:
        raise ParameterError(f"K={K}: a simplex needs K >= 2")
    b = _positive("beta", beta) * _positive("D", D) ** 2
    return sum(
        math.comb(K, s) for s in range(1, K + 1) if b * (s - 1) / (2 * s) < 1 and (s == K or b * (s + 1) / (2 * s) > 1)
    )


def self_consistent(memories: np.ndarray, beta: float) -> np.ndarray:
    """Brute force over all 2^K - 1 subsets (K <= 16): the self-consistent centroids, (n, d), in subset order."""
    mem = np.asarray(memories, dtype=np.float64)
    K = len(mem)
    if not 1 <= K <= 16:
        raise ParameterError(f"K={K}: brute force over 2^K subsets for 1 <= K <= 16 only")
    out = []
    for bits in range(1, 2**K):
        S = np.array([(bits >> i) & 1 for i in range(K)], dtype=bool)
        c = mem[S].mean(axis=0)
        u = beta * ((mem - c) ** 2).sum(axis=1)
        if (u[S] < 1).all() and (u[~S] > 1).all():
            out.append(c)
    return np.array(out).reshape(-1, mem.shape[1])


def circle_minima(theta: np.ndarray, beta: float) -> int:
    """Exact number of minima of the memories at angles ``theta`` on the unit circle (module docstring), O(K^2)."""
    beta = _positive("beta", beta)
    th = np.sort(np.mod(np.asarray(theta, dtype=np.float64), 2 * math.pi))
    K = len(th)
    if K < 1:
        raise ParameterError("no memories")
    p = np.stack([np.cos(th), np.sin(th)], axis=1)
    full = p.mean(axis=0)
    n = int((beta * ((p - full) ** 2).sum(axis=1) < 1).all())  # S = all K
    if K == 1:
        return 1
    pp = np.concatenate([p, p])  # runs wrap around
    cum = np.concatenate([np.zeros((1, 2)), np.cumsum(pp, axis=0)])
    i = np.arange(K)
    for L in range(1, K):
        c = (cum[i + L] - cum[i]) / L  # centroid of the run i .. i+L-1
        first, last = pp[i], pp[i + L - 1]
        before, after = pp[(i - 1) % K], pp[i + L]

        def u(q: np.ndarray, c: np.ndarray = c) -> np.ndarray:
            return beta * ((q - c) ** 2).sum(axis=1)

        ok = (u(first) < 1) & (u(last) < 1) & (u(before) > 1) & (u(after) > 1)
        n += int(ok.sum())
    return n
