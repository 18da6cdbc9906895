"""The shared exact kernels of :mod:`amphase.simulate.binary.kernels`: the exponential-sum sign and the dot products.

References are exact: sums of ``w e^(b y)`` evaluated by mpmath at 60 digits, and the exponential energy's flip energy
from its definition (:meth:`~amphase.simulate.binary.energy.BinaryEnergy.delta_exact`).
"""

import mpmath
import numpy as np
import pytest

from amphase.simulate.binary import kernels
from amphase.simulate.binary.energy import Exponential
from amphase.simulate.patterns import binary_patterns


def exact_sign(y, w, b):
    with mpmath.workdps(60):
        total = mpmath.fsum(int(wk) * mpmath.exp(mpmath.mpf(b) * int(yk)) for yk, wk in zip(y, w, strict=True))
    return 0 if total == 0 else (1 if total > 0 else -1)


@pytest.mark.parametrize("b", [1.0, 0.3, 3.0])
def test_exp_sign_is_the_exact_sign_and_leaves_work_zero(b):
    rng = np.random.default_rng(0)
    L = 12
    work = np.zeros(2 * L + 1, dtype=np.int64)
    zeros = 0
    for _ in range(300):
        n = int(rng.integers(1, 7))
        y = rng.integers(-L, L + 1, size=n).astype(np.int64)
        w = rng.integers(-3, 4, size=n).astype(np.int64)
        if rng.random() < 0.3:  # exact cancellation: every term again with the opposite weight
            order = rng.permutation(2 * n)
            y, w = np.concatenate([y, y])[order], np.concatenate([w, -w])[order]
        expect = exact_sign(y, w, b)
        zeros += expect == 0
        assert kernels.exp_sign(y, w, b, work) == expect
        assert not work.any()
    assert zeros > 50  # ties were exercised


def test_exp_sign_exact_is_the_sign_of_the_exponential_flip():
    rng = np.random.default_rng(1)
    energy = Exponential()
    for N, K in [(8, 3), (12, 6), (20, 4)]:
        work = np.zeros(2 * N + 5, dtype=np.int64)
        xiT = binary_patterns(rng, N, K)
        for _ in range(20):
            s = np.where(rng.random(N) < 0.5, 1, -1).astype(np.int8)
            M = kernels.overlaps(xiT, s)
            for i in range(N):
                delta = energy.delta_exact(xiT, s, i)  # D = -2 Delta E: same sign as -Delta E
                expect = 0 if delta == 0 else (1 if delta < 0 else -1)
                assert kernels.exp_sign_exact(xiT[i], int(s[i]), M, work) == expect
                assert not work.any()


def test_dot_products_and_overlaps_are_exact():
    rng = np.random.default_rng(2)
    row = np.where(rng.random(37) < 0.5, 1, -1).astype(np.int8)
    c32 = rng.integers(-(2**30), 2**30, size=37).astype(np.int32)
    c64 = rng.integers(-(2**40), 2**40, size=37)
    assert kernels.dot_i(row, c32) == int(row.astype(object) @ c32.astype(object))
    assert kernels.dot_i(row, c64) == int(row.astype(object) @ c64.astype(object))
    cf = rng.integers(-(2**20), 2**20, size=37).astype(np.float64)  # integers: any summation order is exact
    assert kernels.dot_f(row, cf) == float(row.astype(np.int64) @ cf.astype(np.int64))
    xiT = binary_patterns(rng, 50, 7)
    s = np.where(rng.random(50) < 0.5, 1, -1).astype(np.int8)
    assert np.array_equal(kernels.overlaps(xiT, s), xiT.T.astype(np.int64) @ s)
