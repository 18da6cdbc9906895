"""The registered Hopfield quantities: signal-to-noise capacities, mixture modes, and validation of direct calls."""

import math

import pytest

from amphase import theory
from amphase.errors import NoSolutionError, ParameterError
from amphase.theory import hopfield


@pytest.mark.parametrize("N", [100, 1000, 10**5])
def test_capacity_snr(N):
    # McEliece, Posner, Rodemich & Venkatesh, IEEE Trans. Inf. Theory 33, 461 (1987), abstract: most patterns
    # recoverable up to N/(2 log N), every pattern up to N/(4 log N)
    c = hopfield.capacity_snr(N)
    assert c.P_one == N / (2 * math.log(N))
    assert c.P_all == N / (4 * math.log(N))
    assert c.alpha_one == pytest.approx(1 / (2 * math.log(N)), rel=1e-15)


def test_mixture_modes():
    zero = hopfield.mixture(3)
    assert (zero.overlap, zero.energy, zero.stable) == (0.5, -0.375, 1.0)
    warm = hopfield.mixture(3, T=0.3)
    assert warm.energy == pytest.approx(-1.5 * warm.overlap**2, rel=1e-14)
    assert warm.free_energy < warm.energy  # f = E - T S with S > 0
    assert hopfield.mixture(3, T=0.5).stable == 0.0  # above T_3 ≈ 0.46
    loaded = hopfield.mixture(3, alpha=0.02)
    assert math.isnan(loaded.stable) and 0.49 < loaded.overlap < 0.5
    with pytest.raises(NoSolutionError):
        hopfield.mixture(3, alpha=0.04)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: hopfield.overlap(-0.1), "alpha=-0.1 is outside its domain; allowed: 0 <= alpha"),
        (lambda: hopfield.overlap(0.1, T=-1), "T=-1 is outside its domain; allowed: 0 <= T"),
        (lambda: hopfield.mixture(4), "n=4 is outside its domain; allowed: 1 <= odd integer n"),
        (lambda: hopfield.mixture(3, T=1.0), "T=1 is outside its domain; allowed: 0 <= T < 1"),
        (lambda: hopfield.capacity_snr(2), "N=2 is outside its domain; allowed: 3 <= integer N"),
        (lambda: hopfield.capacity_snr(2.5), "N=2.5 is outside its domain"),
        (lambda: hopfield.T_M(float("nan")), "alpha=nan is outside its domain"),
    ],
)
def test_direct_calls_are_checked(call, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        call()


EXAMPLES = {
    "hopfield.alpha_c": {"T": 0.1},
    "hopfield.overlap": {"alpha": 0.05, "T": 0.1},
    "hopfield.spin_glass": {"alpha": 0.05, "T": 0.1},
    "hopfield.T_g": {"alpha": 0.05},
    "hopfield.T_M": {"alpha": 0.05},
    "hopfield.T_c": {"alpha": 0.05},
    "hopfield.T_R": {"alpha": 0.1},
    "hopfield.alpha_0": {},
    "hopfield.mixture": {"n": 3, "T": 0.2},
    "hopfield.capacity_snr": {"N": 1000},
}


def test_every_pointwise_quantity_has_an_example():
    pointwise = {n for n in theory.names() if not theory.get(n).dataset}
    assert pointwise == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_registry_results_are_the_declared_finite_floats(name):
    q = theory.get(name)
    out = q(**EXAMPLES[name])
    assert list(out) == [r.name for r in q.results]
    assert all(isinstance(v, float) for v in out.values())
    assert all(math.isfinite(v) for k, v in out.items())
