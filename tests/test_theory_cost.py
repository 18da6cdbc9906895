"""Declared costs of the theory quantities (amphase.theory.cost) and the guard before any work."""

import time

import numpy as np
import pytest

from amphase import theory
from amphase.errors import ParameterError
from amphase.theory.cost import MIB, Cost, check_memory, total


def test_every_quantity_declares_a_cost_with_positive_memory_and_time():
    for name in theory.names():
        q = theory.get(name)
        args = q.check({p.name: _inside(p) for p in q.params if p.name not in q.defaults})
        c = q.estimate(args)
        assert c.memory > 0 and c.seconds > 0 and c.seconds >= c.setup_seconds, name


def _inside(p):
    from amphase.params import Choice

    if isinstance(p, Choice):
        return p.choices[0]
    for v in (3, 1, 0.5, 0.1, 10, 2):
        try:
            return p.check(v)
        except ParameterError:
            pass
    raise AssertionError(p)


def test_a_grid_costs_the_sum_of_its_points():
    # exact identity: the vectorised cost over a grid is the sum of the pointwise costs (plus one start-up)
    q = theory.get("dense.circle_minima")
    grid = q.check({"beta": [3.0, 30.0], "K": [10, 1000, 100000], "draws": 400})
    points = [q.check({"beta": b, "K": k, "draws": 400}) for b in (3.0, 30.0) for k in (10, 1000, 100000)]
    each = [q.estimate(p) for p in points]
    whole = q.estimate(grid)
    setup = each[0].setup_seconds
    assert whole.seconds == pytest.approx(sum(c.seconds - setup for c in each) + setup, rel=1e-12)
    assert whole.memory >= max(c.memory for c in each)
    two = q.estimate(grid, workers=2)  # half the time, twice the memory of the largest point
    assert two.seconds - setup == pytest.approx((whole.seconds - setup) / 2, rel=1e-12)


def test_a_grid_of_a_million_points_is_estimated_in_milliseconds():
    q = theory.get("dense.poly_capacity")
    args = q.check({"N": np.arange(3, 1003), "n": np.arange(2, 1002)})  # 10^6 points
    t0 = time.perf_counter()
    c = q.estimate(args)
    assert time.perf_counter() - t0 < 0.5 and c.seconds > 0


def test_memory_beyond_the_machine_is_refused_before_any_work():
    message = r"needs about 1\.00 GiB of memory \(its declared cost\); this machine has "
    with pytest.raises(ParameterError, match=message):
        check_memory("x.y", Cost(memory=2**30, seconds=1.0), "", available=2**29)
    check_memory("x.y", Cost(memory=2**29, seconds=1.0), "", available=2**30)
    q = theory.get("dense.random_feature_error")
    t0 = time.perf_counter()
    with pytest.raises(ParameterError, match=r"dense\.random_feature_error at Y=1, d=1000000000000"):
        q(Y=1, d=10**12, K=1)
    assert time.perf_counter() - t0 < 1.0


def test_a_constant_cost_is_paid_per_point():
    c = total(Cost(memory=MIB, seconds=0.5, setup_seconds=1.0, setup_memory=0.0), {"x": np.arange(4)}, ["x"], 1)
    assert c.seconds == pytest.approx(4 * 0.5 + 1.0)


def test_declared_times_bound_measured_ones():
    # the costliest inner loop, at a size that runs in a second: the declaration is an upper estimate
    q = theory.get("dense.circle_minima")
    args = {"beta": 30.0, "K": 3000, "draws": 40}
    declared = q.estimate(q.check(args))
    q(beta=3.0, K=3, draws=2)  # start-up paid
    t0 = time.perf_counter()
    q(**args)
    assert time.perf_counter() - t0 < declared.seconds - declared.setup_seconds
