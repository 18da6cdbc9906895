r"""Memorized, spurious and generalized samples (Pham et al. 2025, arXiv:2505.21777), by streamed nearest neighbours.

The rule, applied to n generated samples :math:`y_i` and K training points :math:`\xi^\mu`, in this order:

``memorized``
    :math:`\min_\mu \lVert y_i - \xi^\mu\rVert \le \delta_m`: the sample is a training point;
``spurious``
    otherwise, :math:`\min_{j \ne i} \lVert y_i - y_j\rVert \le \delta_s`: another generated sample lies on it, a
    recurring attractor that is not a training point;
``generalized``
    otherwise.

Optionally (``flat``), a sample that is not memorized and sits on a *manifold attractor* (the energy has a near-flat
direction there, :mod:`amphase.simulate.diffusion.curvature`) is generalized whatever its distance to other samples:
where samples stop along a flat ring or sheet is set by the sampler's or descent's tolerance, so their mutual
distance measures that tolerance, not a recurring attractor. Without ``flat`` the rule is the paper's.

Thresholds are relative to the data scale: :math:`\delta_m = c_m\, \ell`, :math:`\delta_s = c_s\, \ell`, with
:math:`\ell` the root-mean-square distance of the data from their mean,
:math:`\ell = (\langle\lVert\xi - \bar\xi\rVert^2\rangle)^{1/2}` (1 for the unit circle, :math:`\sqrt{d}` for
standard normal data), given by the caller (a model computes it once per dataset, not per K-subset, so the thresholds
do not move with K; :func:`data_scale`). The paper's own threshold values could not be checked against its text here:
``delta_m`` and ``delta_s`` are parameters (``c_m``, ``c_s``), and what they measure is documented with the model that
uses them (:mod:`amphase.simulate.diffusion.exact`).

The second criterion depends on the number of generated samples n: with more samples, more of them land near each
other, so fractions are comparable only at the same n (stored with every result).

Nearest neighbours are streamed (:func:`amphase.simulate.neighbours.nearest`: tiles of ``tile`` reference points,
one GEMM per tile, the winner's distance recomputed directly; any other ``metric`` streamed the same way). Runs on
NumPy or CuPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.neighbours import Metric, _xp, nearest

__all__ = ["CLASSES", "Classification", "classify", "counts", "data_scale", "nearest"]

#: the classes, in label order (label = index).
CLASSES = ("memorized", "spurious", "generalized")


def data_scale(data: Any) -> float:
    r"""The data scale :math:`\ell`: rms distance of the rows of ``data`` from their mean (1 if all coincide)."""
    xp = _xp(data)
    d = xp.asarray(data, dtype=xp.float64)
    c = d - d.mean(axis=0)
    s = math.sqrt(float((c * c).sum(axis=1).mean()))
    return s if s > 0 else 1.0


@dataclass
class Classification:
    """The classes of n samples (module docstring).

    Attributes
    ----------
    labels : (n,) int8
        Index into :data:`CLASSES`.
    d_train : (n,) float64
        Distance to the nearest training point.
    d_gen : (n,) float64
        Distance to the nearest other generated sample (inf for a single sample).
    nearest_train : (n,) int64
        Index of the nearest training point.
    delta_m, delta_s : float
        The absolute thresholds used.
    scale : float
        The data scale they are relative to.
    """

    labels: Any
    d_train: Any
    d_gen: Any
    nearest_train: Any
    delta_m: float
    delta_s: float
    scale: float


def classify(
    samples: Any,
    training: Any,
    *,
    delta_m: float,
    delta_s: float,
    scale: float | None = None,
    metric: Metric | None = None,
    tile: int = 4096,
    flat: Any = None,
) -> Classification:
    """Memorized / spurious / generalized (module docstring); ``delta_m`` and ``delta_s`` in units of ``scale``.

    ``scale`` defaults to :func:`data_scale` of ``training``; with a ``metric``, give the scale in its units.
    ``flat``: optional (n,) booleans, the samples on a manifold attractor (module docstring).
    """
    for name, v in (("delta_m", delta_m), ("delta_s", delta_s)):
        if not (float(v) >= 0 and math.isfinite(float(v))):
            raise ParameterError(f"{name}={v!r}: a finite number >= 0 (in units of the data scale)")
    if scale is None:
        scale = data_scale(training)
    if not (float(scale) > 0 and math.isfinite(float(scale))):
        raise ParameterError(f"scale={scale!r}: a finite number > 0")
    xp = _xp(training)
    y = xp.asarray(samples, dtype=xp.float64)
    dm, ds = float(delta_m) * float(scale), float(delta_s) * float(scale)
    d_train, idx = nearest(y, training, tile=tile, metric=metric)
    d_gen, _ = nearest(y, y, tile=tile, exclude_self=True, metric=metric)
    spurious = d_gen <= ds
    if flat is not None:
        flat = xp.asarray(flat, dtype=bool)
        if flat.shape != d_gen.shape:
            raise ParameterError(f"flat of shape {flat.shape}: one boolean per sample, expected {d_gen.shape}")
        spurious = spurious & ~flat
    labels = xp.where(d_train <= dm, 0, xp.where(spurious, 1, 2)).astype(xp.int8)
    return Classification(labels, d_train, d_gen, idx, dm, ds, float(scale))


def counts(labels: Any) -> np.ndarray:
    """Samples per class, (3,) int64 in the order of :data:`CLASSES`."""
    xp = _xp(labels)
    c = xp.bincount(xp.asarray(labels, dtype=xp.int64), minlength=len(CLASSES))
    return np.asarray(c.get() if xp is not np else c, dtype=np.int64)
