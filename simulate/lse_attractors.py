r"""The attractors that end points reach on a log-sum-exp energy, and their classes in physical units.

Energy :math:`E(x) = -\beta^{-1}\log\sum_\mu e^{-\beta\lVert x-\xi^\mu\rVert^2}` (:mod:`amphase.simulate.lse`). For the
exact-score diffusion model stopped at noise level :math:`\sigma_t` this is the energy at
:math:`\beta_t = 1/(2\sigma_t^2)` with memories :math:`s\xi^\mu`, and :math:`-\log p_t = \beta_t E_t + \text{const}`
(Pham et al. 2025, arXiv:2505.21777); for the continuous DenseAM it is the energy at its own :math:`\beta`. This module
names no model family.

Attractors (:func:`attractor_set`)
----------------------------------
Each end point (already descended, e.g. by :func:`amphase.simulate.descent.fixed_point_iteration`) is polished by
safeguarded Newton steps with the exact Hessian (:func:`amphase.simulate.descent.newton_polish`, ``d <= 64``), so
end points in one basin coincide to rounding; end points within ``merge`` times the data scale are one attractor
(:func:`amphase.simulate.lse_minima.merge_points`, the grouping of the one finder: connected components of the radius
graph; attractors in the order of their first end point, which represents them). The finder from starts is
:func:`amphase.simulate.lse_minima.find_minima`; this entry point takes end points already descended by a sampler. An
attractor is a **minimum** when its gradient met the tolerance and every Hessian eigenvalue is positive; an end
point that stays on a flat direction or near a saddle is kept as its own entry, flagged, and is not isolated (its
barrier is 0: nothing holds it).

Classes (:func:`classify_attractors`), at the :math:`\beta` of the energy
------------------------------------------------------------------------
``owned``
    one training point carries more than ``own`` (½) of the softmax weight :math:`w_\mu` at the attractor: the
    attractor is that point's, displaced or not (a weight, not a distance).
``isolated``
    :math:`\beta\,\Delta E \ge` ``isolation`` (1), with :math:`\Delta E` the lowest barrier from the attractor to a
    neighbouring attractor (:func:`amphase.simulate.lse_paths.neighbour_barriers`): the density
    :math:`p \propto e^{-\beta E}` drops by more than a factor e between the attractor and the saddle, so the
    noise at this level keeps a sample there.
``memorized`` = isolated and owned; ``spurious`` = isolated and not owned (a recurring attractor that is no
training point); ``generalized`` = not isolated (a ring or sheet of attractors that the noise moves along).

The order for the borderline case, an owned attractor that is not isolated: **generalized**. Ownership is a property
of one point of the landscape; isolation is a property of the density the sample is drawn from. When
:math:`\beta\Delta E < 1` the density at this noise level does not tell that minimum from its neighbour, so a
sample there is not a copy of the training point that owns it: it moves to the neighbour, whose owner may differ,
as freely as it stays. Calling it memorized would make the label depend on which side of a barrier lower than the
thermal energy the descent happened to end. The case arises where an owned minimum is about to merge (the pitchfork
of two close points, near its critical :math:`\beta`) and on a ring whose minima each sit close to one training
point; :func:`classify_attractors` counts it (``borderline``) so a table can say how often it decides a label.

Fractions (:func:`class_counts`). Per sample: the fraction of end points whose attractor is in a class, i.e. each
attractor weighted by the share of samples its basin received from the sampler. This is what the generative model
produces (the paper's fractions are fractions of samples). Per attractor: the fraction of distinct attractors
reached, each counted once, which is what a theory of the landscape counts (minima, barriers). Both are returned on
the grid of thresholds ``own`` x ``isolation`` (by default 0.4 / 0.5 / 0.6 x ½ / 1 / 2), so that every fraction
comes with its sensitivity band.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.backend import to_host
from amphase.simulate.descent import newton_polish
from amphase.simulate.lse import FULL_SECOND_MAX_D, LSEEnergy
from amphase.simulate.lse_minima import KINDS, kind_codes, merge_points, owning
from amphase.simulate.lse_paths import neighbour_barriers

__all__ = ["CLASSES", "ISOLATION_THRESHOLDS", "OWN_THRESHOLDS", "AttractorClasses", "AttractorSet", "attractor_set",
           "class_counts", "classify_attractors", "labels", "owning"]  # fmt: skip

#: the classes, in label order (label = index); the same names as the distance rule's.
CLASSES = ("memorized", "spurious", "generalized")

#: owning thresholds of the sensitivity band (the central one is the definition).
OWN_THRESHOLDS = (0.4, 0.5, 0.6)

#: thresholds on beta * Delta E of the sensitivity band (the central one is the definition).
ISOLATION_THRESHOLDS = (0.5, 1.0, 2.0)


class AttractorSet(NamedTuple):
    """Distinct attractors reached by end points (host arrays, the energy's coordinates)."""

    x: np.ndarray  # (n, d)
    energy: np.ndarray  # (n,)
    is_minimum: np.ndarray  # (n,) bool
    eigenvalues: np.ndarray  # (n, r) Hessian eigenvalues, ascending
    sample: np.ndarray  # (m,) int: the attractor of each end point
    basin: np.ndarray  # (n,) int: end points that reached each attractor


def attractor_set(energy: LSEEnergy, end_points: Any, *, merge: float = 1e-6, tol: float = 1e-11) -> AttractorSet:
    """The attractors of ``end_points`` (m, d) on ``energy`` (module docstring); ``merge``, ``tol`` x data scale."""
    for name, v in (("merge", merge), ("tol", tol)):
        if not (float(v) > 0 and math.isfinite(float(v))):
            raise ParameterError(f"{name}={v!r}: a finite number > 0 (in units of the data scale)")
    y = np.asarray(to_host(end_points), dtype=np.float64)
    if y.ndim != 2 or y.shape[1] != energy.d or len(y) < 1:
        raise ParameterError(f"end points of shape {y.shape}: expected (m >= 1, {energy.d})")
    xp = energy.xp
    conv = np.zeros(len(y), dtype=bool)
    if energy.d <= FULL_SECOND_MAX_D:
        res = newton_polish(energy, xp.asarray(y), tol=tol, max_steps=100)
        y, conv = to_host(res.x), to_host(res.converged)
    else:
        g = to_host(energy.grad(xp.asarray(y)))
        conv = np.sqrt((g * g).sum(1)) / 2 <= tol * energy.scale
    # one group per attractor (amphase.simulate.lse_minima.merge_points); groups in the order of their first end point
    reps, sample, basin = merge_points(y, float(merge) * energy.scale)
    x = y[reps]
    ev = to_host(energy.hessian_eigenvalues(xp.asarray(x)))
    ev = ev.reshape(len(x), -1)
    conv_att = np.bincount(sample, weights=conv, minlength=len(x)) > 0
    return AttractorSet(
        x=x,
        energy=to_host(energy.energy(xp.asarray(x))).reshape(len(x)),
        is_minimum=conv_att & (kind_codes(ev[:, 0], 0.0) == KINDS.index("minimum")),
        eigenvalues=ev,
        sample=sample,
        basin=basin,
    )


def labels(own_weight: Any, beta_barrier: Any, *, own: float = 0.5, isolation: float = 1.0) -> np.ndarray:
    """Class labels (index into :data:`CLASSES`) from the owning weight and beta x barrier (module docstring)."""
    w = np.asarray(own_weight, dtype=np.float64)
    bb = np.asarray(beta_barrier, dtype=np.float64)
    isolated = bb >= isolation
    return np.where(~isolated, 2, np.where(w > own, 0, 1)).astype(np.int8)


class AttractorClasses(NamedTuple):
    """Attractors with what their classes rest on (host arrays; module docstring)."""

    attractors: AttractorSet
    own_weight: np.ndarray  # (n,)
    owner: np.ndarray  # (n,) int
    barrier: np.ndarray  # (n,) Delta E (inf: no other minimum reached; 0: not a minimum)
    beta_barrier: np.ndarray  # (n,) beta * Delta E
    neighbour: np.ndarray  # (n,) int: the attractor across the lowest saddle (-1: none)
    saddle: np.ndarray  # (n, d)
    converged: np.ndarray  # (n,) bool: every barrier path of the attractor converged
    label: np.ndarray  # (n,) int8 at the central thresholds
    sample_label: np.ndarray  # (m,) int8
    borderline: int  # attractors that are owned but not isolated (labelled generalized)


def classify_attractors(
    energy: LSEEnergy,
    end_points: Any,
    *,
    own: float = 0.5,
    isolation: float = 1.0,
    neighbours: int = 4,
    images: int = 16,
    merge: float = 1e-6,
) -> AttractorClasses:
    """Attractors of ``end_points`` on ``energy``, their owning weight, barrier and class (module docstring)."""
    for name, v, lo, hi in (("own", own, 0.0, 1.0), ("isolation", isolation, 0.0, math.inf)):
        if not (lo < float(v) < hi):
            raise ParameterError(f"{name}={v!r}: must lie in ({lo}, {hi})")
    att = attractor_set(energy, end_points, merge=merge)
    n, d = att.x.shape
    w, owner = owning(energy, att.x)
    barrier = np.zeros(n)
    neighbour = np.full(n, -1, dtype=np.int64)
    saddle = np.full((n, d), np.nan)
    conv = np.ones(n, dtype=bool)
    mins = np.nonzero(att.is_minimum)[0]
    if len(mins):
        nb = neighbour_barriers(energy.memories, energy.beta, att.x[mins], neighbours=neighbours, images=images,
                                energy=energy)  # fmt: skip
        barrier[mins] = nb.barrier
        neighbour[mins] = np.where(nb.neighbour >= 0, mins[np.maximum(nb.neighbour, 0)], -1)
        saddle[mins] = nb.saddle
        conv[mins] = nb.converged
    bb = energy.beta * barrier
    lab = labels(w, bb, own=own, isolation=isolation)
    return AttractorClasses(
        attractors=att,
        own_weight=w,
        owner=owner,
        barrier=barrier,
        beta_barrier=bb,
        neighbour=neighbour,
        saddle=saddle,
        converged=conv,
        label=lab,
        sample_label=lab[att.sample],
        borderline=int(((w > own) & (bb < isolation)).sum()),
    )


def class_counts(
    own_weight: Any,
    beta_barrier: Any,
    basin: Any,
    *,
    own: tuple[float, ...] = OWN_THRESHOLDS,
    isolation: tuple[float, ...] = ISOLATION_THRESHOLDS,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples and attractors per class on the threshold grid: two (3, len(own), len(isolation)) int64 arrays.

    ``basin`` (n,): the end points that reached each attractor (the per-sample weight, module docstring).
    """
    basin = np.asarray(basin, dtype=np.int64)
    samples = np.zeros((len(CLASSES), len(own), len(isolation)), dtype=np.int64)
    attractors = np.zeros_like(samples)
    for i, o in enumerate(own):
        for j, s in enumerate(isolation):
            lab = labels(own_weight, beta_barrier, own=o, isolation=s)
            samples[:, i, j] = np.bincount(lab, weights=basin, minlength=len(CLASSES)).astype(np.int64)
            attractors[:, i, j] = np.bincount(lab, minlength=len(CLASSES))
    return samples, attractors
