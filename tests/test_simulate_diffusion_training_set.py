"""The training set declared once (simulate/diffusion/training_set.py) and what the three declared diffusion models
derive from their declarations (coordinates that depend on parameters, dimensions that exist only when switched on).
"""

import dataclasses

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.diffusion.basins import Basins
from amphase.simulate.diffusion.exact import Exact
from amphase.simulate.diffusion.training_set import TrainingSet
from amphase.simulate.models import get_model

SHARED = [f.name for f in dataclasses.fields(TrainingSet)]


def test_exact_and_basins_inherit_the_training_set_fields_and_defaults():
    # issue 18: basins_model.py copied eight of the exact model's defaults by hand; now both subclass TrainingSet
    assert SHARED == ["dataset", "K", "d", "even", "components", "separation", "width", "schedule", "sigma", "beta"]
    exact, basins = get_model("diffusion.exact"), get_model("diffusion.basins")
    assert exact.params[: len(SHARED)] == basins.params[: len(SHARED)]
    assert [p.name for p in basins.params[: len(SHARED)]] == SHARED
    shared_defaults = {k: v for k, v in exact.defaults.items() if k in SHARED}
    assert len(shared_defaults) == 8  # K and beta have none: a configuration gives them
    assert {k: basins.defaults[k] for k in shared_defaults} == shared_defaults
    assert issubclass(Exact, TrainingSet) and issubclass(Basins, TrainingSet)


def test_the_base_class_is_not_a_registered_model_and_runs_nothing():
    with pytest.raises(ParameterError, match=r"model='diffusion\.training_set' is unknown"):
        get_model("diffusion.training_set")
    with pytest.raises(NotImplementedError, match="base class"):
        TrainingSet(K=2, beta=10.0).run(np.random.SeedSequence(0))


@pytest.mark.parametrize("name", ["diffusion.exact", "diffusion.basins"])
def test_a_stop_beyond_t_max_is_refused_by_both_models(name):
    # VE, sigma = 3: beta(t_max = 1) = 1/(2 * 9) = 0.0556; beta = 0.01 lies before t = 0
    with pytest.raises(ParameterError, match=r"^beta=0.01: the stop lies at or beyond t_max"):
        resolve({"model": name, "params": {"K": 4, "beta": 0.01}})
    resolve({"model": name, "params": {"K": 4, "beta": 0.06}})  # just after t_max: accepted


def test_basins_levels_coordinate_is_the_geometric_grid_of_its_parameters():
    config = resolve({"model": "diffusion.basins", "params": {"K": 4, "beta": 20.0, "noise_min": 0.1, "noise_max": 1.6,
                                                              "n_levels": 5}})  # fmt: skip
    values, attrs = get_model("diffusion.basins").coords(config)["level"]
    np.testing.assert_allclose(values, [0.1, 0.2, 0.4, 0.8, 1.6], rtol=1e-15)  # doublings, up to rounding
    assert attrs == {"units": "data scale", "long_name": "noise std / data scale"}


def test_landscape_energy_grid_coordinates_span_the_window():
    config = resolve({"model": "diffusion.landscape", "grid": {"K": [4, 30]},
                      "params": {"t": 0.05, "lim": 2.0, "energy_grid": 5}})  # fmt: skip
    model = get_model("diffusion.landscape")
    coords = model.coords(config)
    for d in ("grid_x", "grid_y"):
        np.testing.assert_array_equal(coords[d][0], [-2.0, -1.0, 0.0, 1.0, 2.0])
    assert model.sizes(config)["train_point"] == 30  # the largest K of the grid (below max_stored = 1000)


@pytest.mark.parametrize("neighbours", [0, 4])
def test_exact_physical_class_dimensions_exist_only_when_switched_on(neighbours):
    config = resolve({"model": "diffusion.exact", "grid": {"dataset": ["circle", "linear"]},
                      "params": {"K": 4, "beta": 20.0, "neighbours": neighbours, "max_stored": 7}})  # fmt: skip
    model = get_model("diffusion.exact")
    sizes = model.sizes(config)
    assert sizes["coord"] == 30 and sizes["sample"] == 7  # the largest dimension of the grid (linear: 30)
    on = {"attractor", "own_threshold", "isolation_threshold"} <= set(sizes)
    assert on == (neighbours > 0)
    assert ("class_count" in model.variables(config)) == (neighbours > 0)
    assert set(model.coords(config)) == set(sizes)
