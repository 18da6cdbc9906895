r"""``diffusion.directions`` with ``observable = "spectrum"``: AVS's normalised singular values of stacked scores.

The observable is described in :mod:`amphase.simulate.diffusion.directions` (the model: parameters, shared set-up,
and the table of observables); the spectrum's kernels are :mod:`amphase.simulate.diffusion.avs_spectrum`.
"""

from __future__ import annotations

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.backend import to_host
from amphase.simulate.declare import Dim, model
from amphase.simulate.diffusion.directions import (
    _DIMS,
    _GROUP_VARIABLES,
    _MODEL,
    GROUPS,
    Directions,
    _attrs,
    _mean_se,
    _per_time,
)
from amphase.simulate.lse import FULL_SECOND_MAX_D
from amphase.simulate.seeding import child_rng

__all__ = ["StackedSpectrum"]


@model(
    **_MODEL,
    dims={**_DIMS, "rank": Dim(lambda r: r.d() - 1, values=lambda n: np.arange(2, n + 2),
                               attrs={"units": "1", "long_name": "rank of the singular value (1 dropped)"})},
    variables={
        "sv_sorted": _per_time("mean over centres of AVS's normalised singular values (largest dropped), descending",
                               "rank"),
        "sv_sorted_error": _per_time("standard error of sv_sorted over centres", "rank"),
        "projected": _per_time("mean over centres of the normalised spectrum projected on the group (weighted mean)"),
        "projected_error": _per_time("standard error of projected over centres"),
        "projected_linear": _per_time("the same from the exact Jacobian at the centre, |1 - eig(Cov_w/t)| over its "
                                      "max"),
        "projected_linear_error": _per_time("standard error of projected_linear over centres"),
        "projected_gaussian": _per_time("Gaussian (linear score) value (var_min + t)/(var_g + t) of projected"),
        "count": _per_time("mean over centres of the threshold count in the group, sum_k [v_k < threshold] "
                           "|P_g u_k|^2"),
        "count_error": _per_time("standard error of count over centres"),
        "count_gaussian": _per_time("Gaussian value of count: n_g [(var_min + t)/(var_g + t) < threshold]"),
        "ipr": _per_time("mean inverse participation sum_mu w_mu^2 at the stacked probes"),
        **_GROUP_VARIABLES,
    },
    attrs=_attrs("AVS's singular values of exact scores stacked at d orthonormal probes x0 + sqrt(t) z_k, largest "
                 "dropped, normalised by the next; projected and counted per direction group, VE sigma = 1 "
                 "(amphase.simulate.diffusion.avs_spectrum)"),
)  # fmt: skip
class StackedSpectrum(Directions):
    """``observable = "spectrum"``: AVS's normalised singular values of stacked scores (module docstring)."""

    def check_observable(self) -> None:
        """AVS's centres are training or fresh points (no ``axis`` probe); the (d, d) Jacobian needs d <= 64."""
        if self.probe == "axis":
            raise ParameterError(
                "probe='axis' with observable='spectrum': AVS's centres are train or population points"
            )
        if not 2 <= self.d() <= FULL_SECOND_MAX_D:
            raise ParameterError(
                f"n1 + n2 + n3 = {self.d()}: observable='spectrum' needs 2 <= d <= {FULL_SECOND_MAX_D}"
            )

    def stack(self) -> int:
        """Score evaluations per centre: the d stacked probes."""
        return self.d()

    def measure(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        r"""One realization of AVS's observable (module docstring, "Observables").

        Centres: ``n_probes`` training points (``probe = "train"``, AVS's) or fresh points of the data law
        (``population``), drawn once (stream ``(1,)``), each with its own Haar frame (stream ``(2,)``), the same at
        every t. Per t: the (P, d, d) stacked scores, their singular values, AVS's normalised spectrum, its
        projection and threshold count per group (:mod:`amphase.simulate.diffusion.avs_spectrum`), mean and s.e.
        over centres.
        """
        from amphase.simulate.diffusion import avs_spectrum as avs

        xp, data, index, var, score, ts = self.setup(seed)
        K, d = data.shape
        P = self.n_probes
        rng = child_rng(seed, 1)
        centres = data[rng.integers(K, size=P)] if self.probe == "train" else self.fresh_points(P, rng)
        frng = child_rng(seed, 2)
        frames = np.stack([avs.orthogonal_frame(frng, d) for _ in range(P)])
        theta = self.threshold
        n_g = np.bincount(index, minlength=GROUPS).astype(float)
        nt = len(ts)
        out = {
            k: np.full((nt, GROUPS), np.nan)
            for k in (
                "projected", "projected_error", "projected_linear", "projected_linear_error", "projected_gaussian",
                "count", "count_error", "count_gaussian", "ipr",
            )
        }  # fmt: skip
        sv_sorted = np.full((nt, d - 1), np.nan)
        sv_err = np.full((nt, d - 1), np.nan)
        for i, t in enumerate(ts):
            t = float(t)
            m = avs.stacked_scores(score, centres, t, frames)
            sv, vt = avs.singular_spectrum(m)
            v = avs.normalized_spectrum(sv)
            sv_sorted[i], sv_err[i] = _mean_se(v)
            proj = avs.group_projection(v, vt, index, GROUPS)
            cnt = avs.count_below(v, vt, index, GROUPS, theta)
            out["projected"][i], out["projected_error"][i] = _mean_se(proj)
            out["count"][i], out["count_error"][i] = _mean_se(cnt)
            lv, lvt = avs.linearized_spectrum(score.denoiser_jacobian(xp.asarray(centres), t))
            out["projected_linear"][i], out["projected_linear_error"][i] = _mean_se(
                avs.group_projection(lv, lvt, index, GROUPS)
            )
            gv = avs.gaussian_values(var, t)
            pts = (centres[:, None, :] + np.sqrt(t) * frames).reshape(P * d, d)
            ip = float(np.mean(to_host(score.inverse_participation(xp.asarray(pts), t))))
            for g in range(GROUPS):
                if n_g[g] > 0:
                    out["projected_gaussian"][i, g] = float(gv[index == g].mean())
                    out["count_gaussian"][i, g] = float((gv[index == g] < theta).sum())
                    out["ipr"][i, g] = ip
        for k in ("projected", "projected_error", "projected_linear", "projected_linear_error", "count", "count_error"):
            out[k][:, n_g == 0] = np.nan
        return {**out, "sv_sorted": sv_sorted, "sv_sorted_error": sv_err, **self.group_variances(data)}
