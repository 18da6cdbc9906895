import math

import pytest

from amphase import theory
from amphase.analysis.diffusion.class_predictions import predicted_onset


def test_predicted_onset_for_evenly_spaced_points_is_where_neighbours_merge():
    # neighbours at chord 2 sin(pi/K) share one minimum below D_merge = sqrt(2/beta) (two-point merging, exact)
    onset, peak = predicted_onset(20.0, 2, "circle", even=True)
    assert 2 * math.sin(math.pi / onset) == pytest.approx(math.sqrt(2 / 20.0), rel=1e-12) and math.isnan(peak)
    random = theory.get("diffusion.spurious_onset")(beta=20.0, manifold="circle")
    assert predicted_onset(20.0, 2, "circle") == (random["K_onset"], random["K_peak"])
    assert all(math.isnan(v) for v in predicted_onset(20.0, 5, "mixture"))  # linear, digits: see test_*_onset
