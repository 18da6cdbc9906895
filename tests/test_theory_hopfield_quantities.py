"""The registered Hopfield quantities: signal-to-noise capacities, mixture modes, and validation of direct calls."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    pointwise = {n for n in theory.names() if n.startswith("hopfield.") and not theory.get(n).dataset}
    assert pointwise == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_registry_results_are_the_declared_finite_floats(name):
    q = theory.get(name)
    out = q(**EXAMPLES[name])
    assert list(out) == [r.name for r in q.results]
    assert all(isinstance(v, float) for v in out.values())
    assert all(math.isfinite(v) for k, v in out.items())


ONE_MINUS = math.nextafter(1.0, 0.0)
ONE_PLUS = math.nextafter(1.0, 2.0)
EDGE_T = [0.0, 5e-324, 1e-200, 0.5, ONE_MINUS, 1.0, ONE_PLUS, 1.5]
EDGE_ALPHA = [0.0, 5e-324, 1e-300, 1e-30, 0.05, 0.138, 0.2]


def _value_or_known_error(name, **params):
    """The results as floats, or None for a NoSolutionError / ParameterError; any other exception fails the test."""
    try:
        out = theory.get(name)(**params)
    except (NoSolutionError, ParameterError) as err:
        assert "\n" not in str(err)
        return None
    assert all(isinstance(v, float) for v in out.values())
    return out


@pytest.mark.parametrize("T", EDGE_T)
def test_quantities_of_T_at_the_edges(T):
    for name in ("hopfield.alpha_c", "hopfield.mixture"):
        _value_or_known_error(name, T=T, **({"n": 3} if name == "hopfield.mixture" else {}))
    assert (_value_or_known_error("hopfield.alpha_c", T=T) is None) == (T >= 1.0)


@pytest.mark.parametrize("alpha", EDGE_ALPHA)
def test_quantities_at_the_edges(alpha):
    # the old code raised ZeroDivisionError, ValueError (math domain, brentq signs) or OverflowError at some of these
    for name in ("hopfield.T_g", "hopfield.T_M", "hopfield.T_c", "hopfield.T_R"):
        _value_or_known_error(name, alpha=alpha)
    for T in EDGE_T:
        for name in ("hopfield.overlap", "hopfield.spin_glass"):
            _value_or_known_error(name, alpha=alpha, T=T)
        if T < 1.0:
            _value_or_known_error("hopfield.mixture", n=1, T=T, alpha=alpha)
    out = _value_or_known_error("hopfield.spin_glass", alpha=alpha, T=ONE_MINUS)
    assert out is not None and out["q"] >= 0.0


@settings(max_examples=40, deadline=None)
@given(alpha=st.floats(0.0, 0.3), T=st.floats(0.0, 1.5))
def test_no_unexpected_exception_over_the_domain(alpha, T):
    for name in ("hopfield.overlap", "hopfield.spin_glass"):
        _value_or_known_error(name, alpha=alpha, T=T)
    _value_or_known_error("hopfield.alpha_c", T=T)


def test_T_M_has_the_reentrant_lower_branch():
    out = theory.get("hopfield.T_M")(alpha=0.138)
    assert 0.0 < out["T_M_lower"] < 0.02 < out["T_M"]
    assert theory.get("hopfield.overlap")(alpha=0.138, T=0.02)["m"] > 0.9
    assert theory.get("hopfield.T_M")(alpha=0.1)["T_M_lower"] == 0.0


def test_alpha_c_and_overlap_agree_at_T_above_1():
    # the old alpha_c returned 0 with exit 0 at T = 1.1, where overlap alpha=0 says there is no retrieval state
    with pytest.raises(NoSolutionError, match="T >= 1"):
        hopfield.alpha_c(1.1)
    with pytest.raises(NoSolutionError, match="T < 1"):
        hopfield.overlap(0.0, 1.1)


def test_mixture_at_load_explains_its_nans():
    q = theory.get("hopfield.mixture")
    out = q(n=3, alpha=0.005, T=0.2)
    absent = {r.name: r.absent for r in q.results}
    for name, value in out.items():
        if math.isnan(value):
            assert absent[name], name
    assert {k for k, v in out.items() if math.isnan(v)} == {
        "stable",
        "lambda_symmetric",
        "lambda_asymmetric",
        "lambda_noncondensed",
    }
    assert math.isfinite(out["energy"]) and out["energy"] > out["free_energy"]  # f = E - T S, S > 0 (was NaN)


def test_overlap_replicon_is_normalised():
    q = theory.get("hopfield.overlap")
    assert "(1 - C)^2" in next(r.description for r in q.results if r.name == "replicon")
    assert q(alpha=0.0, T=0.3)["replicon"] == 1.0
