r"""``diffusion.directions`` with ``observable = "diagonal"``: the diagonal of the denoiser Jacobian per group.

The observable, its probes and what it stores are described in :mod:`amphase.simulate.diffusion.directions` (the
model: parameters, shared set-up, and the table of observables).
"""

from __future__ import annotations

import numpy as np

from amphase.simulate.declare import model
from amphase.simulate.diffusion.directions import (
    _DIMS,
    _GROUP_VARIABLES,
    _MODEL,
    GROUPS,
    Directions,
    _attrs,
    _per_time,
    measure,
)
from amphase.simulate.seeding import child_rng

__all__ = ["VarianceLoss"]


@model(
    **_MODEL,
    dims=_DIMS,
    variables={
        "passed": _per_time("mean over probes of the group-averaged diagonal of the denoiser Jacobian Cov_w/t"),
        "passed_error": _per_time("standard error of passed over probes"),
        "passed_median": _per_time("median over probes of the group-averaged diagonal of the denoiser Jacobian"),
        "gaussian": _per_time("Gaussian (K -> infinity) value var_g/(var_g + t) of the diagonal Jacobian"),
        "ipr": _per_time("mean inverse participation sum_mu w_mu^2 of the weights at the probes"),
        **_GROUP_VARIABLES,
    },
    attrs=_attrs("diagonal of the exact denoiser Jacobian Cov_w/t per direction group, VE sigma = 1 "
                 "(amphase.simulate.diffusion.directions)"),
)  # fmt: skip
class VarianceLoss(Directions):
    """``observable = "diagonal"``: the diagonal of the denoiser Jacobian per direction group (module docstring)."""

    def measure(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """Per time and group: mean, s.e. and median over probes of the diagonal, its Gaussian value, the ipr."""
        xp, data, index, var, score, ts = self.setup(seed)
        K, d = data.shape
        rng = child_rng(seed, 1)
        if self.probe == "axis":
            base, z = np.zeros((d, d)), np.eye(d)
        else:
            P = self.n_probes
            base = data[rng.integers(K, size=P)] if self.probe == "train" else self.fresh_points(P, rng)
            z = rng.standard_normal((P, d))
        out = {k: np.full((len(ts), GROUPS), np.nan) for k in ("passed", "passed_error", "passed_median", "ipr")}
        gauss = np.full((len(ts), GROUPS), np.nan)
        for i, t in enumerate(ts):
            jd, ipr = measure(score, base + np.sqrt(t) * z, float(t), xp)
            for g in range(GROUPS):
                sel = index == g
                if not sel.any():
                    continue
                gauss[i, g] = float(np.mean(var[sel] / (var[sel] + t)))
                if self.probe == "axis":  # the probe along direction j measures J_jj there
                    rows = np.nonzero(sel)[0]
                    vals, ip = jd[rows, rows], ipr[rows]
                else:
                    vals, ip = jd[:, sel].mean(axis=1), ipr
                out["passed"][i, g] = float(vals.mean())
                out["passed_median"][i, g] = float(np.median(vals))
                out["passed_error"][i, g] = float(vals.std(ddof=1) / np.sqrt(len(vals))) if len(vals) > 1 else np.nan
                out["ipr"][i, g] = float(ip.mean())
        return {**out, "gaussian": gauss, **self.group_variances(data)}
