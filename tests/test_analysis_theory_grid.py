"""A theory quantity over a comparison's axes: the grid equals the point calls; values outside the domain give NaN."""

import numpy as np

from amphase import theory
from amphase.analysis.theory_grid import on_axes


def test_grid_equals_the_point_calls_and_the_domain_leaves_nan_with_the_reason():
    N, n, noise = np.array([2, 100, 1000]), np.array([2, 3]), np.array([0.0, 0.1, 0.5])  # N=2 and noise=0.5 are outside
    g, reasons = on_axes("dense.poly_capacity", {"N": N, "n": n, "noise": noise})
    assert g["K_typical"].dims == ("N", "n", "noise") and g["N"].values.tolist() == N.tolist()
    call = theory.get("dense.poly_capacity")
    for i, NN in enumerate(N):
        for j, nn in enumerate(n):
            for k, r in enumerate(noise):
                value = float(g["K_typical"][i, j, k])
                if NN < 3 or r >= 0.5:
                    assert np.isnan(value)
                else:
                    assert value == call(N=int(NN), n=int(nn), noise=float(r))["K_typical"]  # the same evaluation
    assert len(reasons) == 2 and all(r.startswith("theory not available (") for r in reasons)
    assert any("N=2" in r for r in reasons) and any("noise=0.5" in r for r in reasons)


def test_nothing_inside_the_domain_gives_all_nan():
    g, reasons = on_axes("hopfield.alpha_c", {"T": np.array([-1.0])})
    assert np.isnan(g["alpha_c"]).all() and len(reasons) == 1
