r"""Achilli et al.'s observable of geometric memorization: singular values of scores stacked at d orthogonal probes.

Source: B. Achilli, E. Ventura, G. Silvestri, B. Pham, G. Raya, D. Krotov, C. Lucibello, L. Ambrogioni, "Losing
dimensions: geometric memorization in generative diffusion", arXiv:2410.08727 (2024) (AVS). The definitions below
were read in the authors' code (github.com/beatriceachilli/losing-dimensions, ``synthetic-experiments/
analyze_spectrum.py``, function ``compute_singular_values_orthg``, and its defaults); no equation number of the paper
is quoted, and no code is taken from there.

What AVS measure
----------------
At a centre :math:`x_0` (a training point, ``point_index = 0``) and time t (VE noise std :math:`\sigma_t`, here
:math:`\sigma_t^2 = t`), draw a Haar-random orthogonal d x d matrix Z (rows :math:`z_k`, ``scipy.stats.ortho_group``),
evaluate the score at the d points :math:`x_0 + \sigma_t z_k`, divide by :math:`\sigma_t`, stack the d scores as the
rows of a d x d matrix

.. math::

    M_{k\cdot} = S(x_0 + \sigma_t z_k,\, t) / \sigma_t ,

and take its singular values :math:`\varsigma_1 \ge \dots \ge \varsigma_d`. The largest is dropped (``drop_first``:
the common part :math:`S(x_0)/\sigma_t` of every row is nearly rank one) and the rest are divided by their maximum
(``normalize``): :math:`v_k = \varsigma_k / \varsigma_2`, k = 2..d, in (0, 1]. A small :math:`v_k` is a tangent
direction (the score barely changes along it: the data vary there); :math:`v_k \approx 1` a direction the score
pulls back as hard as the off-manifold ones. AVS's 100 times run from 0.8 to 1e-5 in SDE time with
:math:`\sigma_t = 0.01\,(50/0.01)^t`.

Reading (derived here). To first order in :math:`\sigma_t`, :math:`M \approx \mathbf 1 S(x_0)^T/\sigma_t + Z J_S`
with the score Jacobian :math:`J_S = (J_D - I)/t` (VE, :math:`J_D = \operatorname{Cov}_w(\xi)/t` the denoiser
Jacobian, :meth:`~amphase.simulate.diffusion.score.ExactScore.denoiser_jacobian`); Z is orthogonal, so the singular
values of the second term are :math:`|1 - \lambda_i(J_D)|/t`, and the right singular vectors are the eigenvectors of
:math:`J_D`. For Gaussian data and :math:`K \to \infty` the score is linear, :math:`J_D = \Sigma(\Sigma + tI)^{-1}`,
and the normalised spectrum is, per direction of variance :math:`\sigma_j^2`,

.. math::

    v_j^{G}(t) = \frac{\sigma_{\min}^2 + t}{\sigma_j^2 + t}

(:func:`gaussian_values`; exact when the rank-one part separates, i.e. :math:`\lVert S(x_0)\rVert \gg \lVert
J_S\rVert\sigma_t`). When the softmax weights condense on one training point, :math:`J_D \to 0` and every
:math:`v \to 1`: the directions are lost. With K = 1 and :math:`x_0` the training point, :math:`M = -Z/t` exactly and
every :math:`v_k = 1`.

Per direction group AVS read the spectrum by eye (the gap between the tangent and the normal singular values); the
group read-outs here are two (derived here): the **projection** :math:`\bar v_g \propto \sum_k v_k\lVert P_g
u_k\rVert^2` (a weighted mean, :func:`group_projection`) of the normalised spectrum on the group's coordinates
(:math:`u_k` the right singular vectors, P_g the projector on group g), and the **count** :math:`c_g = \sum_k
\mathbb 1[v_k < \theta]\lVert P_g u_k\rVert^2`, the part of the threshold dimension estimate :math:`\#\{k : v_k <
\theta\}` that lies in group g (Gaussian value :math:`n_g\,\mathbb 1[v^G_g < \theta]`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.backend import to_host

__all__ = [
    "count_below",
    "gaussian_values",
    "group_projection",
    "jacobian_spectrum",
    "linearized_spectrum",
    "normalized_spectrum",
    "orthogonal_frame",
    "singular_spectrum",
    "stacked_scores",
]


def orthogonal_frame(rng: np.random.Generator, d: int) -> np.ndarray:
    r"""A Haar-random orthogonal (d, d) matrix (rows :math:`z_k`): QR of a Gaussian matrix with the signs of R fixed.

    Mezzadri, "How to generate random matrices from the classical compact groups", Notices AMS 54, 592 (2007), eq. (5.1)
    and the sign correction that follows; the same law as ``scipy.stats.ortho_group`` (AVS's draw).
    """
    if isinstance(d, bool) or int(d) != d or d < 1:
        raise ParameterError(f"d={d!r}: a whole number >= 1")
    q, r = np.linalg.qr(rng.standard_normal((int(d), int(d))))
    return q * np.sign(np.diag(r))[None, :]


def stacked_scores(
    score: Any,
    centres: Any,
    t: float,
    frame: np.ndarray,
    *,
    step: float | None = None,
    subtract_centre: bool = False,
) -> np.ndarray:
    r"""AVS's matrix :math:`M_{k\cdot} = S(x_0 + h z_k, t)/h` per centre, (P, d, d) float64 (module docstring).

    Parameters
    ----------
    score : callable
        ``score(x, t)`` on (B, d) arrays (the exact score, or any other).
    centres : (P, d) array
        The centres :math:`x_0`.
    t : float
        VE noise variance (> 0).
    frame : (d, d) or (P, d, d) array
        Orthonormal rows :math:`z_k` (:func:`orthogonal_frame`): one frame for all centres, or one each.
    step : float, optional
        The displacement h; default :math:`\sqrt t` (AVS: the noise std).
    subtract_centre : bool
        Subtract :math:`S(x_0)/h` from every row (a one-sided finite difference of the score, for tests); AVS do not.
    """
    x0 = to_host(centres, np.float64)
    t = float(t)
    if not (t > 0 and math.isfinite(t)):
        raise ParameterError(f"t={t!r}: a finite noise variance > 0")
    if x0.ndim != 2 or x0.shape[1] < 1:
        raise ParameterError(f"centres of shape {x0.shape}: expected (P, d), d >= 1")
    P, d = x0.shape
    z = np.asarray(frame, dtype=np.float64)
    if z.shape == (d, d):
        z = np.broadcast_to(z, (P, d, d))
    if z.shape != (P, d, d):
        raise ParameterError(f"frame of shape {np.shape(frame)}: expected ({d}, {d}) or ({P}, {d}, {d})")
    h = math.sqrt(t) if step is None else float(step)
    if not (h > 0 and math.isfinite(h)):
        raise ParameterError(f"step={step!r}: a finite displacement > 0")
    pts = (x0[:, None, :] + h * z).reshape(P * d, d)
    xp = getattr(score, "xp", np)
    m = to_host(score(xp.asarray(pts), t), np.float64).reshape(P, d, d) / h
    if subtract_centre:
        m = m - to_host(score(xp.asarray(x0), t), np.float64)[:, None, :] / h
    return m


def singular_spectrum(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Singular values (P, d), descending, and right singular vectors (P, d, d) (row k pairs with value k)."""
    m = np.asarray(m, dtype=np.float64)
    if m.ndim != 3 or m.shape[1] != m.shape[2]:
        raise ParameterError(f"m of shape {m.shape}: expected (P, d, d)")
    _, sv, vt = np.linalg.svd(m)
    return sv, vt


def normalized_spectrum(sv: np.ndarray, *, drop_first: bool = True) -> np.ndarray:
    r"""AVS's normalisation: drop the largest singular value, divide the rest by their maximum, (P, d - 1) descending.

    Without ``drop_first``: all d values over the largest. A row whose values are all 0 gives NaN.
    """
    sv = np.asarray(sv, dtype=np.float64)
    if sv.ndim != 2 or sv.shape[1] < (2 if drop_first else 1):
        raise ParameterError(f"sv of shape {sv.shape}: expected (P, d) with d >= {2 if drop_first else 1}")
    rest = sv[:, 1:] if drop_first else sv
    top = rest[:, :1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(top > 0, rest / np.where(top > 0, top, 1.0), np.nan)


def _check_groups(vt: np.ndarray, index: np.ndarray, n_groups: int) -> np.ndarray:
    index = np.asarray(index)
    if vt.ndim != 3 or index.shape != (vt.shape[2],):
        raise ParameterError(f"index of shape {index.shape}: one group number per coordinate ({vt.shape[-1]})")
    if index.size and (index.min() < 0 or index.max() >= n_groups):
        raise ParameterError(f"index: group numbers in 0..{n_groups - 1}")
    return index


def _weights(vt: np.ndarray, index: np.ndarray, n_groups: int) -> np.ndarray:
    """(P, k, G): the squared length of singular vector k inside group g's coordinates."""
    sq = vt * vt
    return np.stack([sq[:, :, index == g].sum(axis=2) for g in range(n_groups)], axis=2)


def group_projection(values: np.ndarray, vt: np.ndarray, index: np.ndarray, n_groups: int) -> np.ndarray:
    r""":math:`\bar v_g = \sum_k v_k \lVert P_g u_k\rVert^2 / \sum_k \lVert P_g u_k\rVert^2`, (P, G); NaN if empty.

    ``values`` (P, m) pair with the last m rows of ``vt`` (the first dropped when m = d - 1, as by
    :func:`normalized_spectrum`); the sums run over those m vectors, so the denominator is :math:`n_g` less the
    dropped vector's share in group g (a weighted mean: equal values v give v).
    """
    vt = np.asarray(vt, dtype=np.float64)
    index = _check_groups(vt, index, n_groups)
    values = np.asarray(values, dtype=np.float64)
    w = _weights(vt[:, vt.shape[1] - values.shape[1] :], index, n_groups)
    n = w.sum(axis=1)  # n_g, less the dropped vector's share in the group
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.einsum("pk,pkg->pg", values, w) / np.where(n > 0, n, np.nan)


def count_below(values: np.ndarray, vt: np.ndarray, index: np.ndarray, n_groups: int, threshold: float) -> np.ndarray:
    r""":math:`c_g = \sum_k \mathbb 1[v_k < \theta]\lVert P_g u_k\rVert^2`, (P, G): the threshold count split by group.

    Summed over g it is the dimension estimate :math:`\#\{k: v_k < \theta\}` (the singular vectors are orthonormal).
    """
    if not (0.0 < float(threshold) < 1.0):
        raise ParameterError(f"threshold={threshold!r}: a number in (0, 1) (the values are normalised to <= 1)")
    vt = np.asarray(vt, dtype=np.float64)
    index = _check_groups(vt, index, n_groups)
    values = np.asarray(values, dtype=np.float64)
    w = _weights(vt[:, vt.shape[1] - values.shape[1] :], index, n_groups)
    return np.einsum("pk,pkg->pg", (values < float(threshold)).astype(float), w)


def jacobian_spectrum(score: Any, x: Any, t: float) -> np.ndarray:
    r"""Eigenvalues of the exact denoiser Jacobian :math:`\operatorname{Cov}_w(\xi)/t` at ``x`` (P, d), ascending.

    The linearised AVS spectrum is :math:`|1 - \lambda|/t` (module docstring). ``score`` an
    :class:`~amphase.simulate.diffusion.score.ExactScore` (VE); streamed second moment, d <= 64.
    """
    return np.linalg.eigvalsh(to_host(score.denoiser_jacobian(x, t), np.float64))


def linearized_spectrum(jacobian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""AVS's normalised spectrum to first order in the step, from the denoiser Jacobian :math:`J_D` (P, d, d).

    Values :math:`|1 - \lambda_k|` over their maximum, descending (P, d), and the eigenvectors as rows (P, d, d),
    ready for :func:`group_projection` and :func:`count_below` (module docstring, "Reading"; no rank-one part to
    drop). The projection of these values on a group is :math:`1 - \operatorname{tr}(P_g J_D)/n_g` over the
    maximum when every :math:`\lambda_k \le 1`.
    """
    j = np.asarray(to_host(jacobian, np.float64), dtype=np.float64)
    if j.ndim != 3 or j.shape[1] != j.shape[2]:
        raise ParameterError(f"jacobian of shape {j.shape}: expected (P, d, d)")
    lam, vec = np.linalg.eigh(j)
    a = np.abs(1.0 - lam)
    order = np.argsort(-a, axis=1)
    a = np.take_along_axis(a, order, axis=1)
    vt = np.take_along_axis(vec.transpose(0, 2, 1), order[:, :, None], axis=1)
    top = a[:, :1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(top > 0, a / np.where(top > 0, top, 1.0), np.nan), vt


def gaussian_values(variances: np.ndarray, t: float) -> np.ndarray:
    r"""The normalised AVS value per direction for the linear (Gaussian, :math:`K\to\infty`) score, (d,).

    :math:`v^G_j = (\sigma_{\min}^2 + t)/(\sigma_j^2 + t)` (module docstring, derived here).
    """
    v = np.asarray(variances, dtype=np.float64)
    t = float(t)
    if v.ndim != 1 or v.size < 1 or not np.all(v >= 0):
        raise ParameterError("variances: a 1-d array of numbers >= 0")
    if not (t > 0 and math.isfinite(t)):
        raise ParameterError(f"t={t!r}: a finite noise variance > 0")
    return (v.min() + t) / (v + t)
