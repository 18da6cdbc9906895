"""with_coords: coordinates computed from a configuration's parameters (amphase.simulate.coordinates)."""

from __future__ import annotations

import numpy as np

from amphase.simulate.config import resolve
from amphase.simulate.coordinates import with_coords
from amphase.simulate.diffusion.clones import Clones
from amphase.simulate.diffusion.collapse import Collapse


def test_values_come_from_the_parameters_and_the_declared_attrs_stay() -> None:
    config = resolve({"model": "diffusion.collapse", "grid": {"K": [4, 8]}, "params": {"d": 2, "n_entropy": 3}})
    declared = Collapse.MODEL.coords(config)
    out = with_coords(Collapse.MODEL, entropy_time=lambda p: np.array([p["t_min"], p["t_max"], 7.0])).coords(config)
    np.testing.assert_array_equal(out["entropy_time"][0], [1e-3, 4.0, 7.0])  # the defaults t_min, t_max
    assert out["entropy_time"][1] == declared["entropy_time"][1]
    for dim in ("condition", "trajectory"):  # the other coordinates as declared
        np.testing.assert_array_equal(out[dim][0], declared[dim][0])
        assert out[dim][1] == declared[dim][1]


def test_the_models_coordinates_are_their_time_grids() -> None:
    # log-spaced entropy times over [t_min, t_max]; branching ratios r in [ratio_min, ratio_max] with 1 added
    from amphase.simulate.diffusion.clones import MODEL as CLONES
    from amphase.simulate.diffusion.collapse import MODEL as COLLAPSE

    c = resolve({"model": "diffusion.collapse", "grid": {"K": [4]}, "params": {"d": 2, "t_min": 0.01, "n_entropy": 3}})
    np.testing.assert_allclose(COLLAPSE.coords(c)["entropy_time"][0], [0.01, 0.2, 4.0], rtol=1e-14)
    c = resolve({"model": "diffusion.clones", "grid": {"d": [16]}, "params": {"ratio_max": 1.5, "n_times": 2}})
    np.testing.assert_array_equal(CLONES.coords(c)["t_ratio"][0], [0.2, 1.0, 1.5])
    assert Clones(d=16, ratio_max=1.5, n_times=2).ratios().tolist() == [0.2, 1.0, 1.5]
