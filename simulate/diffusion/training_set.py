r"""The training set and the stop of the exact-score diffusion models, declared once.

``diffusion.exact`` and ``diffusion.basins`` subclass :class:`TrainingSet`: their first ten parameters are its fields.

A realization draws K training points (:mod:`amphase.simulate.diffusion.data`; nested in K: the set for a larger K
contains the smaller one, stream :func:`~amphase.simulate.diffusion.data.nested_seed` keyed by :meth:`dataset_key`)
and the data scale :math:`\ell` (rms distance from the mean of a reference draw of :data:`SCALE_POINTS` points of the
same stream, or of the whole digits set, so that the thresholds do not move with K). The forward process is
``schedule``; the models stop the reverse process where :math:`1/(2\sigma_t^2) = \beta`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.declare import choice, model, number
from amphase.simulate.diffusion.classify import data_scale
from amphase.simulate.diffusion.data import check_digits, digits, nested_seed, training_set
from amphase.simulate.diffusion.schedules import make_schedule

__all__ = ["MODEL_DATASETS", "SCALE_POINTS", "TrainingSet", "dataset_key", "training_points"]

#: datasets the models draw (user arrays are for the Python API: a model parameter cannot be a path).
MODEL_DATASETS = ("circle", "sphere", "mixture", "linear", "digits")

#: points of the reference draw that fixes the data scale of a realization.
SCALE_POINTS = 4096

#: the dimension of the datasets whose dimension is fixed (the others: ``d``).
_FIXED_DIM = {"circle": 2, "linear": 30, "digits": 64}


def dataset_key(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters that define a realization's dataset (never K): they key its nested stream."""
    name = params["dataset"]
    key: dict[str, Any] = {"dataset": name}
    if name in ("sphere", "mixture"):
        key["d"] = int(params["d"])
    if name == "circle":
        key["even"] = int(params["even"])
    if name == "mixture":
        key.update(components=int(params["components"]), separation=float(params["separation"]),
                   width=float(params["width"]))  # fmt: skip
    return key


def training_points(params: Mapping[str, Any], seed: np.random.SeedSequence) -> tuple[np.ndarray, float]:
    """The (K, d) training set of one realization and its data scale (module docstring).

    ``params`` holds ``K`` and the keys of :func:`dataset_key` (``{"dataset": "circle", "even": 0, "K": 5}``).
    """
    key = dataset_key(params)
    stream = nested_seed(seed, key)
    kw = {k: v for k, v in key.items() if k != "dataset"}
    K = int(params["K"])
    data = training_set(params["dataset"], K, stream, **kw)
    ref = (
        digits()
        if params["dataset"] == "digits"
        else training_set(params["dataset"], max(K, SCALE_POINTS), stream, **kw)
    )
    return data, data_scale(ref)


@model(
    title="Training set and stop of the exact-score diffusion models (a base class, not a registered model)",
    references="Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025)",
    variables={},
    name="diffusion.training_set",
)
class TrainingSet:
    """The training set (dataset, K and the dataset's own parameters), the forward process and the stop ``beta``."""

    dataset: str = choice("training set (amphase.simulate.diffusion.data)", MODEL_DATASETS, default="circle", grid=True)
    K: int = number("number of training points", ge=1, le=10**7, long_name="training set size", grid=True)
    d: int = number("dimension (sphere and mixture; circle: 2, linear: 30, digits: 64)", ge=1, le=10**5, default=2,
                    grid=True)  # fmt: skip
    even: int = number("circle: 1 evenly spaced angles (then not nested in K), 0 uniform at random", ge=0, le=1,
                       default=0)  # fmt: skip
    components: int = number("mixture: number of Gaussian components", ge=1, le=10**4, default=4)
    separation: float = number("mixture: std of the component centres", gt=0.0, default=3.0)
    width: float = number("mixture: std of each component", gt=0.0, default=0.3)
    schedule: str = choice("forward process (ve: variance sigma^2 t; vp: DDPM linear beta)", ("ve", "vp"), default="ve")
    sigma: float = number("VE noise scale (choose sigma above the data scale)", gt=0.0, default=3.0, grid=True)
    beta: float = number("inverse temperature of the stop: sampling stops where 1/(2 sigma_t^2) = beta", gt=0.0,
                         long_name="inverse temperature at the stop", grid=True)  # fmt: skip

    def dim(self) -> int:
        """The dimension of the training points."""
        return _FIXED_DIM.get(self.dataset, self.d)

    def forward(self) -> Any:
        """The forward process (:func:`~amphase.simulate.diffusion.schedules.make_schedule`)."""
        return make_schedule("ve", sigma=self.sigma) if self.schedule == "ve" else make_schedule("vp")

    def training_points(self, seed: np.random.SeedSequence) -> tuple[np.ndarray, float]:
        """The (K, d) training set of one realization and its data scale (:func:`training_points`)."""
        return training_points({**dataset_key(vars(self)), "K": self.K}, seed)

    def check(self) -> None:
        """Cross-parameter checks at one grid point: the stop lies before t_max, the dataset can be drawn."""
        sch = self.forward()
        if not sch.time_at_beta(self.beta) < sch.t_max:
            raise ParameterError(
                f"beta={self.beta}: the stop lies at or beyond t_max (1/(2 sigma_t^2) at t_max is "
                f"{sch.beta(sch.t_max):.4g}); use a larger beta or sigma"
            )
        if self.dataset == "digits":
            check_digits()
            if self.K > 1797:
                raise ParameterError(f"K={self.K}: the digits set has 1797 images")
        if self.dataset == "sphere" and self.d < 2:
            raise ParameterError("dataset='sphere' needs d >= 2")

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """A subclass's realization (this base class runs nothing)."""
        raise NotImplementedError(f"{type(self).__name__} is a base class: run diffusion.exact or diffusion.basins")
