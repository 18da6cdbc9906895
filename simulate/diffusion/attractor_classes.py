r"""The physical classes of ``diffusion.exact`` end points, and the rules they are compared with, per realization.

Given the samples of one realization where sampling stopped (:math:`x_t`, noised coordinates) and their descents to
minima of the LSE energy at :math:`\beta_t` (data space), this module

1. finds the attractors the end points reach, their owning weight and owner, their lowest barrier :math:`\Delta E` to
   a neighbouring attractor by the string method, their Hessian spectra, and classes them memorized / spurious /
   generalized by ownership (weight > ½) and isolation (:math:`\beta_t\Delta E \ge 1`) on the grid of thresholds
   0.4 / 0.5 / 0.6 x ½ / 1 / 2 (:mod:`amphase.simulate.lse_attractors`, which says why, and how samples and attractors
   are weighted);
2. applies the paper's distance rule (:func:`amphase.analysis.diffusion.classify.classify` with no curvature: memorized
   within ``delta_m`` of a training point, else spurious within ``delta_s`` of another end point, else generalized; in
   units of the data scale) to the same samples twice: as they stand at the stop (:math:`x_t / s`) and after the
   descent (the polished attractor each reached).

Everything is computed in the noised coordinates of the energy (memories :math:`s\xi`) and stored in data space. The
model (:mod:`amphase.simulate.diffusion.exact`) calls :func:`physical_classes` when ``neighbours > 0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.dataset import flag_attrs
from amphase.simulate.backend import to_host
from amphase.simulate.diffusion.classify import classify, counts
from amphase.simulate.lse_attractors import (
    CLASSES,
    ISOLATION_THRESHOLDS,
    OWN_THRESHOLDS,
    class_counts,
    classify_attractors,
)
from amphase.simulate.models import Variable

__all__ = ["coords", "physical_classes", "sizes", "variables"]


def physical_classes(
    params: Mapping[str, Any],
    score: Any,
    t_stop: float,
    x_stop: Any,
    y: Any,
    data: np.ndarray,
    scale: float,
) -> dict[str, np.ndarray]:
    """The per-realization variables of :func:`variables` (module docstring).

    ``x_stop`` (n, d): samples at the stop, noised coordinates; ``y`` (n, d): their descents, data space; ``data`` the
    training points, ``scale`` the data scale of the realization.
    """
    s = float(score.schedule.scale(t_stop))
    energy = score.energy_at(t_stop)
    ac = classify_attractors(energy, to_host(y) * s, neighbours=int(params["neighbours"]), images=int(params["images"]))
    att = ac.attractors
    n, d = att.x.shape
    order = np.argsort(-att.basin, kind="stable")  # the most visited attractors first
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    samples, attractors = class_counts(ac.own_weight, ac.beta_barrier, att.basin)
    cap = int(params["max_stored"])
    m = min(n, cap)
    dmax = d
    o = order[:m]

    def stored(values: np.ndarray, fill: Any, dtype: Any, width: int | None = None) -> np.ndarray:
        shape = (cap,) if width is None else (cap, width)
        out = np.full(shape, fill, dtype=dtype)
        out[:m] = values[o] if width is None else values[o][:, :width]
        return out

    nb = np.where(ac.neighbour >= 0, rank[np.maximum(ac.neighbour, 0)], -1)
    eig = att.eigenvalues
    eig_out = np.full((cap, dmax), np.nan)
    eig_out[:m, : eig.shape[1]] = eig[o]
    # the paper's distance rule on the same samples: at the stop, and at the attractor each one reached
    dm, ds = float(params["delta_m"]), float(params["delta_s"])
    stop = classify(to_host(x_stop) / s, data, delta_m=dm, delta_s=ds, scale=scale, tile=int(params["tile"]))
    after = classify(att.x[att.sample] / s, data, delta_m=dm, delta_s=ds, scale=scale, tile=int(params["tile"]))
    n_samples = len(att.sample)
    k = min(n_samples, cap)
    sample_att = np.full(cap, -1, dtype=np.int32)
    sample_att[:k] = rank[att.sample[:k]]
    sample_class = np.full(cap, -1, dtype=np.int8)
    sample_class[:k] = ac.sample_label[:k]
    return {
        "class_count": samples.astype(np.int32),
        "class_attractor_count": attractors.astype(np.int32),
        "n_attractors": np.int32(n),
        "n_not_minimum": np.int32(int((~att.is_minimum).sum())),
        "n_borderline": np.int32(ac.borderline),
        "n_path_unconverged": np.int32(int((~ac.converged[att.is_minimum]).sum())),
        "count_paper_stop": counts(to_host(stop.labels)).astype(np.int32),
        "count_paper_descent": counts(to_host(after.labels)).astype(np.int32),
        "attractor_x": stored(att.x / s, np.nan, np.float64, d),
        "attractor_basin": stored(att.basin, -1, np.int32),
        "attractor_own_weight": stored(ac.own_weight, np.nan, np.float64),
        "attractor_owner": stored(ac.owner, -1, np.int32),
        "attractor_beta_barrier": stored(ac.beta_barrier, np.nan, np.float64),
        "attractor_neighbour": stored(nb, -1, np.int32),
        "attractor_is_minimum": stored(att.is_minimum.astype(np.int8), -1, np.int8),
        "attractor_class": stored(ac.label, -1, np.int8),
        "attractor_eig": eig_out,
        "sample_attractor": sample_att,
        "sample_phys_class": sample_class,
    }


def variables() -> dict[str, Variable]:
    """The per-realization variables :func:`physical_classes` returns."""
    band = ("class", "own_threshold", "isolation_threshold")

    def var(dims: tuple[str, ...], dtype: str, fill: Any, text: str, units: str | None = "1") -> Variable:
        return Variable(dims, dtype, fill, {"long_name": text} | ({"units": units} if units else {}))

    att, att_c = ("attractor",), ("attractor", "coord")
    return {
        "class_count": var(band, "int32", -1, "samples per physical class (owned, isolated)"),
        "class_attractor_count": var(band, "int32", -1, "distinct attractors per physical class"),
        "n_attractors": var((), "int32", -1, "distinct attractors reached by the samples"),
        "n_not_minimum": var((), "int32", -1, "end points that are no minimum after Newton polishing (not isolated)"),
        "n_borderline": var((), "int32", -1, "attractors owned but not isolated (labelled generalized)"),
        "n_path_unconverged": var((), "int32", -1, "minima whose lowest-barrier path did not converge"),
        "count_paper_stop": var(("class",), "int32", -1, "samples per class, the paper's rule at the stop"),
        "count_paper_descent": var(("class",), "int32", -1, "samples per class, the paper's rule after descent"),
        "attractor_x": var(att_c, "float64", np.nan, "attractor (data space)", None),
        "attractor_basin": var(att, "int32", -1, "samples that reached the attractor"),
        "attractor_own_weight": var(att, "float64", np.nan, "largest softmax weight of one training point there"),
        "attractor_owner": var(att, "int32", -1, "training point of largest weight"),
        "attractor_beta_barrier": var(att, "float64", np.nan, "beta_t times the lowest barrier to a neighbour"),
        "attractor_neighbour": var(att, "int32", -1, "attractor across the lowest saddle (-1: none)"),
        "attractor_is_minimum": var(att, "int8", -1, "1 if a minimum (gradient met, Hessian positive)"),
        "attractor_class": Variable(att, "int8", -1, flag_attrs(list(CLASSES), "physical class of the attractor")),
        "attractor_eig": var(att_c, "float64", np.nan, "Hessian eigenvalues at the attractor", None),
        "sample_attractor": var(("sample",), "int32", -1, "attractor the end point reached (-1: none stored)"),
        "sample_phys_class": Variable(("sample",), "int8", -1, flag_attrs(list(CLASSES), "physical class")),
    }


def sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """The extra dimensions: stored attractors and the two threshold axes of the sensitivity band."""
    return {
        "attractor": int(config["params"]["max_stored"]),
        "own_threshold": len(OWN_THRESHOLDS),
        "isolation_threshold": len(ISOLATION_THRESHOLDS),
    }


def coords(config: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """Coordinates of :func:`sizes`."""
    return {
        "attractor": (np.arange(sizes(config)["attractor"]), {"units": "1", "long_name": "stored attractor"}),
        "own_threshold": (np.array(OWN_THRESHOLDS), {"units": "1", "long_name": "owning weight threshold"}),
        "isolation_threshold": (
            np.array(ISOLATION_THRESHOLDS),
            {"units": "1", "long_name": "threshold on beta_t times the barrier"},
        ),
    }
