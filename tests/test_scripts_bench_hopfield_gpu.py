"""The device benchmark runs under the CUDA simulator and checks its replicas against the Numba kernel."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba_cuda", reason="numba-cuda (the test extra) is not installed")

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"

pytestmark = pytest.mark.cudasim


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("amphase_bench_hopfield_gpu", SCRIPTS / "bench_hopfield_gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_device_rate_checks_replicas_and_reports(bench, tmp_path):
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        out = tmp_path / "gpu.json"
        args = ["--sizes", "20", "--replicas", "3", "--threads", "2", "--gpu-sweeps", "1", "--cpu-sweeps", "1"]
        assert bench.main([*args, "--noise", "0.3", "--json", str(out)]) == 0
    finally:
        sys.setswitchinterval(previous)
    data = json.loads(out.read_text())
    (row,) = data["rows"]
    simulated = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"  # on a device (scripts/device_check.sh) it is 0
    assert data["simulated"] is simulated  # labelled: simulator figures mean nothing
    assert (data["bandwidth"] is None) == simulated
    assert (row["N"], row["K"], row["replicas"], row["checked_replicas"], row["shared"]) == (20, 2, 3, 3, True)


def test_a_wrong_device_state_is_caught(bench):
    import numpy as np

    from amphase.simulate.patterns import binary_patterns

    rng = np.random.default_rng(0)
    xiT = binary_patterns(rng, 20, 2)
    S0 = np.repeat(xiT[:, :1].T, 2, axis=0)
    orders = np.stack([np.arange(20, dtype=np.int32)[None, :]] * 2)
    assert bench.check_replicas(xiT, S0, orders, S0.copy(), 2) == 2  # a stored pattern is a fixed point
    wrong = S0.copy()
    wrong[1, 3] *= -1
    with pytest.raises(AssertionError, match="replica 1"):
        bench.check_replicas(xiT, S0, orders, wrong, 2)
