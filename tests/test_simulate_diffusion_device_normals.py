"""The device-normal scheme of the samplers (tested on its NumPy twin) and the TF32 option's plumbing."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest
from scipy import stats

from amphase.errors import ParameterError
from amphase.simulate.backend import TF32_UNIT_ROUNDOFF, tf32
from amphase.simulate.diffusion.samplers import device_seed, device_twin, normal_source, reverse_sde
from amphase.simulate.diffusion.schedules import ve
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.seeding import child_seed, point_seed


def _keys():
    """Streams as a diffusion sweep keys them: 10 grid points x 20 realizations, then the sampler's child."""
    return [child_seed(point_seed(7, {"beta": b}, r), 1) for b in np.linspace(0.5, 5, 10) for r in range(20)]


def test_device_seeds_are_distinct_63_bit_integers():
    seeds = [device_seed(ss) for ss in _keys()]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= s < 2**63 for s in seeds)
    assert device_seed(_keys()[3]) == device_seed(_keys()[3])  # a function of the key alone


def test_twin_draws_are_standard_normal_and_independent_across_keys():
    """200 streams x 500 normals: pooled moments within 4 standard errors, a KS test, and no correlation between the
    streams of neighbouring keys beyond 4 / sqrt(n)."""
    n = 500
    Z = np.stack([device_twin(ss)((n,), np.float64) for ss in _keys()])
    flat = Z.ravel()
    m = flat.size
    assert abs(flat.mean()) < 4 / math.sqrt(m)
    assert abs(flat.var() - 1) < 4 * math.sqrt(2 / m)  # var of the sample variance of N(0,1): 2/m
    assert stats.kstest(flat, "norm").pvalue > 1e-3
    r = np.array([np.corrcoef(Z[k], Z[k + 1])[0, 1] for k in range(len(Z) - 1)])
    assert np.abs(r).max() < 4.5 / math.sqrt(n)  # 199 pairs: max |r| of independent streams rarely exceeds ~3.5 sd
    assert abs(r.mean()) < 4 / math.sqrt(n * len(r))


def test_cupy_path_seeds_the_device_generator_with_the_device_seed():
    """The scheme on a stand-in for CuPy: its generator is made once, from device_seed, and drawn on directly."""
    made = []

    class Gen:
        def standard_normal(self, shape, dtype):
            return ("device", shape, dtype)

    fake = types.SimpleNamespace(random=types.SimpleNamespace(default_rng=lambda s: made.append(s) or Gen()))
    ss = _keys()[0]
    normal = normal_source(ss, fake)
    assert normal((3, 2), np.float32) == ("device", (3, 2), np.float32)
    assert made == [device_seed(ss)]


def test_tf32_plumbing():
    """NumPy: a no-op. A stand-in for CuPy's linear-algebra module: float32 set to TF32 in the body, restored after."""
    with tf32(np):
        pass
    state = {"f": "DEFAULT"}
    linalg = types.SimpleNamespace(
        COMPUTE_TYPE_TF32="TF32",
        get_compute_type=lambda dt: state["f"],
        set_compute_type=lambda dt, ct: state.__setitem__("f", ct),
    )
    fake = types.SimpleNamespace(_core=types.SimpleNamespace(_routines_linalg=linalg))
    with tf32(fake):
        assert state["f"] == "TF32"
    assert state["f"] == "DEFAULT"
    with pytest.raises(RuntimeError), tf32(fake):
        raise RuntimeError
    assert state["f"] == "DEFAULT"
    with tf32(fake, enabled=False):
        assert state["f"] == "DEFAULT"
    assert TF32_UNIT_ROUNDOFF == 2.0**-11  # 10 explicit mantissa bits


def test_sampler_tf32_option():
    xi = np.random.default_rng(0).standard_normal((5, 3))
    score = exact_score(xi.astype(np.float32), ve(2.0))
    x = np.zeros((4, 3), dtype=np.float32)
    rng = np.random.SeedSequence(1)
    a = reverse_sde(score, ve(2.0), x, steps=5, rng=rng, tf32=True)
    b = reverse_sde(score, ve(2.0), x, steps=5, rng=rng)
    np.testing.assert_array_equal(a, b)  # NumPy: TF32 is a no-op
    with pytest.raises(ParameterError, match="float32"):
        reverse_sde(exact_score(xi, ve(2.0)), ve(2.0), x.astype(np.float64), steps=2, rng=rng, tf32=True)
