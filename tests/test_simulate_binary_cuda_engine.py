"""The CUDA kernels (numba-cuda) under the CUDA simulator: the same trajectories as the Numba CPU kernels.

The simulator runs one Python thread per CUDA thread, so the sizes are small and blocks have 4 threads (a power
of two, so the tree reduction has two levels and the strided loops over patterns wrap around: K > threads).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.binary import engine
from amphase.simulate.binary.energy import INT32, Polynomial, Quadratic, make_energy
from amphase.simulate.binary.engine import BinaryRun
from amphase.simulate.sequential import FIXED_POINT, THERMAL

pytest.importorskip("numba_cuda", reason="numba-cuda (the test extra) is not installed")

pytestmark = pytest.mark.cudasim

THREADS = 4


@pytest.fixture(autouse=True)
def simulator():
    """Fail loudly when numba.cuda was imported before the conftest chose the simulator; a fast thread switch."""
    from numba import cuda

    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        assert cuda.config.ENABLE_CUDASIM, "numba.cuda was imported before tests/conftest.py set NUMBA_ENABLE_CUDASIM=1"
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # the simulator's barriers hand the GIL around: 5 ms a switch would dominate
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _seed(k: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(20, spawn_key=(k,))


def _assert_same(device: engine.EndStates, cpu: engine.EndStates) -> None:
    np.testing.assert_array_equal(device.xiT, cpu.xiT)
    np.testing.assert_array_equal(device.S, cpu.S)
    np.testing.assert_array_equal(device.M, cpu.M)
    assert device.M.dtype == cpu.M.dtype
    np.testing.assert_array_equal(device.sweeps, cpu.sweeps)
    np.testing.assert_array_equal(device.status, cpu.status)
    np.testing.assert_array_equal(device.cued, cpu.cued)


def _device(runs, seeds, **kw):
    from amphase.simulate.binary.cuda_engine import run_realizations

    return run_realizations(runs, seeds, threads=THREADS, **kw)


@pytest.mark.parametrize(
    ("N", "K", "shared"),
    [(24, 3, True), (32, 6, True), (32, 6, False)],  # the last forced to the global-memory overlaps
)
def test_hebbian_zero_temperature_equals_numba(N, K, shared):
    run = BinaryRun(N, K, Quadratic(), cue="random", trials=3, sweeps=20)
    (device,) = _device([run], [_seed(N + K)], shared=shared)
    cpu = engine.run_realization(run, _seed(N + K))
    _assert_same(device, cpu)
    assert (cpu.status == FIXED_POINT).all() and cpu.sweeps.max() >= 2  # real dynamics, ended at fixed points


@pytest.mark.parametrize(("k", "sweeps"), [(5, [6, 4, 3]), (8, [4, 5, 4])])
def test_across_launches_equals_numba(k, sweeps):
    """Trajectories longer than one launch (BLOCK = 4 sweeps): a fixed point in the second launch, the limit of 6
    sweeps reached in a second launch of 2, replicas that stop while others go on (orders drawn ahead meanwhile)."""
    run = BinaryRun(24, 12, Quadratic(), cue="random", trials=3, sweeps=6)
    (device,) = _device([run], [_seed(k)])
    cpu = engine.run_realization(run, _seed(k))
    _assert_same(device, cpu)
    assert cpu.sweeps.tolist() == sweeps


def test_sweep_limit_equals_numba():
    """A limit that is not a multiple of the block of sweeps drawn together: max_sweeps status and counts equal."""
    run = BinaryRun(40, 8, Quadratic(), cue="random", trials=2, sweeps=1)
    (device,) = _device([run], [_seed(3)])
    cpu = engine.run_realization(run, _seed(3))
    _assert_same(device, cpu)
    assert (cpu.sweeps == 1).all()


def test_glauber_same_uniforms_equals_numba():
    run = BinaryRun(20, 3, Quadratic(), T=0.5, cue="pattern", noise=0.1, trials=2, sweeps=5)
    (device,) = _device([run], [_seed(5)])
    cpu = engine.run_realization(run, _seed(5))
    _assert_same(device, cpu)
    assert (cpu.status == THERMAL).all() and (cpu.sweeps == 5).all()


def test_dense_polynomial_equals_numba():
    energy = Polynomial(4)  # even degree: A = sum_mu 48 M_mu^2 + 32 weighs in every decision
    run = BinaryRun(20, 3, energy, cue="pattern", noise=0.3, trials=2, sweeps=20)
    assert energy.mode(20, 3) == INT32
    (device,) = _device([run], [_seed(7)])
    cpu = engine.run_realization(run, _seed(7))
    _assert_same(device, cpu)
    assert (cpu.status == FIXED_POINT).all() and cpu.sweeps.max() >= 2


def test_many_grid_points_in_one_launch_equal_per_point_runs():
    """Realizations of three grid points (different K, cue, noise) sharing N: one ensemble, each as if run alone."""
    runs = [
        BinaryRun(24, 2, Quadratic(), cue="pattern", noise=0.2, trials=2, sweeps=20),
        BinaryRun(24, 5, Quadratic(), cue="random", trials=1, sweeps=20),
        BinaryRun(24, 5, Quadratic(), cue="mixture", n_mix=3, trials=2, sweeps=20),
    ]
    seeds = [_seed(10 + r) for r in range(len(runs))]
    for device, run, seed in zip(_device(runs, seeds), runs, seeds, strict=True):
        _assert_same(device, engine.run_realization(run, seed))


def test_refused_before_any_work():
    from amphase.simulate.binary.cuda_engine import run_realizations

    q = Quadratic()
    with pytest.raises(ParameterError, match="share N"):
        run_realizations([BinaryRun(20, 2, q), BinaryRun(22, 2, q)], [_seed(0), _seed(1)])
    with pytest.raises(ParameterError, match="exponential"):
        run_realizations([BinaryRun(20, 2, make_energy("exponential"))], [_seed(0)])
    with pytest.raises(ParameterError, match="async"):
        run_realizations([BinaryRun(20, 2, q, dynamics="sync")], [_seed(0)])
    with pytest.raises(ParameterError, match="zero-temperature"):
        run_realizations([BinaryRun(20, 2, Polynomial(3), T=0.5)], [_seed(0)])
    with pytest.raises(ParameterError, match="shared memory"):
        run_realizations([BinaryRun(20, 20_000, q)], [_seed(0)], shared=True)


def test_shared_capacity():
    from amphase.simulate.binary.cuda_kernels import SHARED_BYTES, shared_capacity

    assert shared_capacity(3, 4, 1, 128) == 256
    assert shared_capacity(257, 4, 1, 128) == 512
    # int32 overlaps: (48 KiB - 1 KiB reduction buffer) / 4 bytes = 12032 entries = 47 x 256
    assert shared_capacity(12032, 4, 1, 128) == 12032
    assert shared_capacity(12033, 4, 1, 128) == 0
    assert 2 * 8 * shared_capacity(2816, 8, 2, 128) + 8 * 128 <= SHARED_BYTES  # dense: M and C, int64


PTX_SCRIPT = r"""
import os, types
os.environ["NUMBA_ENABLE_CUDASIM"] = "0"
from numba import cuda, types as T
import numba.cuda.dispatcher as dispatcher
# device functions ask the current device for its compute capability; there is none here: say sm_90 (an H100)
dispatcher.get_current_device = lambda: types.SimpleNamespace(compute_capability=(9, 0))
from amphase.simulate.binary import cuda_kernels as ck
a = lambda dt, nd: T.Array(dt, nd, "C")
i8, i32, i64, f64 = T.int8, T.int32, T.int64, T.float64
head = (a(i8, 1), a(i64, 1), a(i32, 1), a(i8, 2))
sigs = {
    "hebbian": head + (a(i32, 2), a(i32, 3), i64, a(i8, 1), a(i32, 1), a(i8, 1)),
    "glauber": head + (a(i32, 2), a(i32, 3), a(f64, 3), i64, f64, a(i8, 1)),
    "dense": head + (a(i64, 2), a(i64, 2), a(i64, 1), a(i64, 1), a(i32, 3), i64, a(i8, 1), a(i32, 1), a(i8, 1)),
}
for name, sig in sigs.items():
    for shared in (256, 0):
        try:
            ptx, _ = cuda.compile_ptx(getattr(ck, name + "_kernel")(shared, 128).py_func, sig, cc=(9, 0))
        except Exception as err:  # the toolkit's NVRTC/NVVM come with the gpu extra (numba-cuda[cu12])
            if "libnvrtc" in str(err) or "libnvvm" in str(err).lower():
                raise SystemExit(3)
            raise
        print(name, shared, ptx.count("bar.sync"), ".shared" in ptx)
"""


@pytest.mark.slow
def test_kernels_compile_for_a_device():
    """Every kernel, shared and global overlaps, type-checks and compiles to sm_90 PTX (no GPU needed): what the
    simulator cannot check (it runs the Python source)."""
    import subprocess

    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "0"}
    res = subprocess.run([sys.executable, "-c", PTX_SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    if res.returncode == 3:
        pytest.skip("compiling for a device needs the CUDA toolkit wheels of the gpu extra (numba-cuda[cu12])")
    assert res.returncode == 0, res.stderr[-3000:]
    lines = res.stdout.split("\n")
    assert len([line for line in lines if line.endswith("True")]) == 6  # shared memory used by all (reduction)
    assert all(int(line.split()[2]) > 0 for line in lines if line)  # barriers present
