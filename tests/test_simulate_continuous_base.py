"""The continuous-energy seam: discovery registry, construction by name, and the LSE kernel behind it unchanged."""

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate import lse as old_path
from amphase.simulate.continuous import ENERGIES, ContinuousEnergy, make_energy
from amphase.simulate.continuous.lse import LSEEnergy, lse
from amphase.simulate.descent import fixed_point_iteration


def test_lse_is_registered_and_built_by_name():
    assert ENERGIES["lse"] is LSEEnergy
    assert issubclass(LSEEnergy, ContinuousEnergy)
    mem = np.random.default_rng(1).standard_normal((7, 3))
    x = np.random.default_rng(2).standard_normal((5, 3))
    a, b = make_energy("lse", 1.5, mem, tile=3), lse(1.5, mem, tile=3)
    np.testing.assert_array_equal(a.energy(x), b.energy(x))  # the same object, so bit-identical
    assert old_path.lse is lse and old_path.LSEEnergy is LSEEnergy  # the old import path re-exports


def test_unknown_energy_names_the_registered_ones():
    with pytest.raises(ParameterError, match=r"energy='nope'; allowed: .*lse"):
        make_energy("nope", 1.0, np.zeros((2, 2)))


def test_the_fixed_point_step_is_the_lse_map():
    # base-class step x - grad/2 is m(x) for LSE (gradient 2(x - m)); the descent takes it from the energy
    mem = np.random.default_rng(3).standard_normal((6, 2))
    e = lse(0.7, mem)
    x = np.random.default_rng(4).standard_normal((4, 2))
    np.testing.assert_allclose(e.fixed_point_step(x, e.grad(x)), e.fixed_point(x), rtol=0, atol=1e-14)
    run = fixed_point_iteration(e, x, tol=1e-12)
    assert bool(run.converged.all())
    np.testing.assert_allclose(e.fixed_point(run.x), run.x, rtol=0, atol=1e-10)
