"""The dense.exp_retrieval comparison: half-points from a small sweep, the table and the figure."""

import numpy as np

from amphase.analysis.dense.exp_retrieval import COMPARISON, compare, table
from amphase.families import comparison_for
from amphase.simulate.config import load_config, resolve
from amphase.simulate.sweep import run_sweep


def test_small_sweep_is_compared_with_the_threshold(tmp_path):
    _, raw = load_config("dense-lse-threshold")
    raw = {**raw, "realizations": 2, "grid": {"patterns": ["spherical"], "lam": [0.5], "N": [12],
           "load": [0.4, 0.5, 0.6, 0.8, 0.9, 1.0, 1.1, 1.3]}}  # fmt: skip
    ds = run_sweep(resolve(raw), tmp_path / "t.nc", executor="serial", progress=False)
    res = compare(ds)
    cell = res.sel(patterns="spherical", lam=0.5, N=12)
    a1 = float(cell["alpha_1"])
    assert a1 == np.float64(0.38700642204325125)  # dense.lse_threshold(0.5) (tested against the REM in theory)
    # the measured crossings sit where the finite-N theory puts them: one-step near alpha_1 (0.999 alpha_1), the
    # iterated update lower (mean field 0.719 alpha_1), each inside its bracket of simulated loads
    for short, theory in (("onestep", "alpha_half_theory"), ("fp", "alpha_fixed_point_theory")):
        lo, hi = float(cell[f"alpha_{short}_lo"]), float(cell[f"alpha_{short}_hi"])
        assert lo < float(cell[theory]) < hi
    assert float(cell["alpha_fp_hi"]) <= float(cell["alpha_onestep_lo"])
    assert float(res["retrieved_fraction"].sel(load=0.4).squeeze()) == 1.0
    assert float(res["onestep_fraction"].sel(load=1.3).squeeze()) == 0.0
    text = table(res)
    assert "spherical" in text and "0.3870" in text
    assert comparison_for("dense.exp_retrieval") == "amphase.analysis.dense.exp_retrieval:COMPARISON"
    assert COMPARISON.plot(res, "t").axes
