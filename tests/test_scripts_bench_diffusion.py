"""The benchmark's plain NumPy step is the same reverse-SDE step as amphase's sampler (same normals, float64)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location("amphase_bench_diffusion", SCRIPTS / "bench_diffusion.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(SCRIPTS))


def test_plain_step_equals_the_sampler_step(bench):
    from amphase.simulate.diffusion.schedules import ve
    from amphase.simulate.diffusion.score import exact_score

    xi, x, z = bench.make_data(16, 300, 8, np.float64)
    t, t_next = bench.T_STEP, 0.95 * bench.T_STEP
    score = exact_score(xi, ve(bench.SIGMA), tile=64)  # several tiles: the streaming path
    ours = bench.amphase_step(score, x, t, t_next, np.random.default_rng(bench.NORMALS_SEED))
    plain = bench.plain_numpy_step(x, xi, z, t, t_next)
    np.testing.assert_allclose(ours, plain, rtol=1e-12, atol=1e-12)
