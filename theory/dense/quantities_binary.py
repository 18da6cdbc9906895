"""Capacities and finite-N stability of the binary DenseAM: ``dense.poly_*`` and ``dense.exp_capacity``.

Derivations in :mod:`~amphase.theory.dense.capacity` and :mod:`~amphase.theory.dense.finite_size`; references in
:mod:`~amphase.theory.dense.quantities`.
"""

from __future__ import annotations

from amphase.errors import ParameterError
from amphase.params import fmt_value
from amphase.theory.dense import capacity, costs, finite_size
from amphase.theory.dense.quantities import (
    DERIVED,
    DHLUV17,
    KH16,
    MPRV87,
    N_SPINS,
)
from amphase.theory.registry import CHEAP, Param, Result, quantity

__all__ = ["exp_capacity", "poly_capacity", "poly_half_load", "poly_stability"]


# Renamed (issue 18): ``noise`` was ``rho``. For the one rename table (amphase/renames.py on names18's branch):
#   Rename("rho", "noise", quantities=("dense.*",), why="the cue's flipped fraction is noise in every layer")
NOISE = Param("noise", "fraction of flipped spins in the cue", lower=0.0, upper=0.5, upper_open=True)


@quantity(
    "dense.poly_capacity",
    params=[N_SPINS, Param("n", "degree of F(x) = x^n", lower=2, integer=True), NOISE],
    results=[
        Result("K_typical", "patterns such that a typical one is a fixed point of the cue dynamics"),
        Result("K_all", "patterns such that every one is"),
        Result("alpha_typical", "K_typical / N^(n-1)"),
        Result("alpha_all", "K_all / N^(n-1)"),
    ],
    reference=f"{KH16}; {MPRV87}; {DERIVED}",
    cost=CHEAP,
)
def poly_capacity(N: int, n: int, noise: float = 0.0) -> capacity.Capacity:
    """Signal-to-noise capacities of the polynomial DenseAM F(x) = x^n (KH 2016) from a cue with noise flipped spins.

    ``K_typical = (1-2 noise)^(2n-2) N^(n-1)/(2 (2n-3)!! ln N)`` (KH 2016), ``K_all = K_typical/n`` (derived); at
    ``n = 2`` exactly ``N/(2 ln N)`` and ``N/(4 ln N)`` of MPRV 1987 (``hopfield.capacity_snr``).
    """
    return capacity.poly_capacity(N, n, noise)


DEGREE = Param("n", "degree of F(x) = x^n", lower=2, upper=8, integer=True)

#: the most patterns of the finite-N stability: the variance of their crosstalk (K times at most 1e34) must stay
#: within the float range; every probability is 0 or 1/2 to double precision long before.
MAX_PATTERNS = 10**250
DERIVED_FS = "derived in amphase.theory.dense.finite_size (exact crosstalk law, Polya closure over spins)"


def _patterns(N: int, n: int, alpha: float, K: int) -> int:
    """``K``, or ``round(alpha N^(n-1))`` when ``K = 0`` (the load convention of ``dense.binary``)."""
    if bool(K) == bool(alpha):
        raise ParameterError(f"give the load as K or as alpha (the other 0); got K={K}, alpha={alpha}")
    K = int(K) if K else round(alpha * float(N) ** (n - 1))
    if K > MAX_PATTERNS:
        raise ParameterError(
            f"alpha={fmt_value(alpha)} at N={N}, n={n} stores K = {float(K):.3g} patterns; allowed: K <= 1e250 (the "
            "crosstalk variance must stay within the float range)"
        )
    if K < 1:
        raise ParameterError(f"alpha={alpha} at N={N}, n={n} stores K = round(alpha N^(n-1)) = 0 patterns")
    return K


@quantity(
    "dense.poly_stability",
    params=[
        Param("N", "number of neurons", lower=3, upper=5000, integer=True),
        DEGREE,
        Param("alpha", "load K/N^(n-1), used when K = 0", lower=0.0),
        Param("K", "stored patterns (0: K = round(alpha N^(n-1)))", lower=0, upper=MAX_PATTERNS, integer=True),
    ],
    results=[
        Result("P_stable", "probability that a stored pattern is one-step stable (Polya closure: the prediction)"),
        Result("P_independent", "the same for independent spins, (1 - p_flip)^N"),
        Result("P_gaussian", "the same for independent Gaussian crosstalk, Phi(S/sqrt((K-1) v))^N"),
        Result("p_flip", "probability that one spin is unstable (exact crosstalk law)"),
        Result("p_pair", "probability that two given spins are both unstable"),
        Result("theta", "(N-1) p_pair/(N p_flip^2) - 1: clumping (> 0) or repulsion (< 0) of unstable spins"),
        Result("K", "stored patterns"),
    ],
    reference=f"{KH16}; {MPRV87}; {DERIVED_FS}",
    cost=costs.poly_stability_cost,
)
def poly_stability(N: int, n: int, alpha: float = 0.0, K: int = 0) -> finite_size.Stability:
    """Finite-N probability that a stored pattern of F(x) = x^n is one-step stable (no flip lowers E).

    Exact law of the crosstalk X of one spin (FFT convolution; binomial at n = 2), the pair law for two spins, and
    the Polya two-moment closure for the count of unstable spins: ``P = (1 + theta N p)^(-1/theta)``. Derived in
    :mod:`~amphase.theory.dense.finite_size`; its N -> infinity limit is KH 2016 Eq. 6.
    """
    return finite_size.stability(N, n, _patterns(N, n, alpha, K))


@quantity(
    "dense.poly_half_load",
    params=[Param("N", "number of neurons", lower=3, upper=5000, integer=True), DEGREE],
    results=[
        Result("alpha_half", "K/N^(n-1) where P_stable = 1/2 (the finite-N prediction)"),
        Result("alpha_half_independent", "the same for independent spins"),
        Result("alpha_half_gaussian", "the same for independent Gaussian crosstalk"),
        Result("K_half", "patterns where P_stable = 1/2 (interpolated between integers)"),
    ],
    reference=f"{KH16}; {DERIVED_FS}",
    cost=costs.poly_half_load_cost,
)
def poly_half_load(N: int, n: int) -> finite_size.HalfLoad:
    """Load where a stored pattern of F(x) = x^n is one-step stable with probability 1/2, at finite N.

    ``dense.poly_stability`` solved for ``P_stable = 1/2`` (derived in :mod:`~amphase.theory.dense.finite_size`);
    compare ``dense.poly_capacity``, its N -> infinity form ``alpha_typical = 1/(2 (2n-3)!! ln N)`` (KH 2016 Eq. 6).
    """
    return finite_size.half_load(N, n)


@quantity(
    "dense.exp_capacity",
    params=[N_SPINS, NOISE],
    results=[
        Result("K_typical", "patterns such that a typical one is retrieved from the cue, exp(alpha_typical N)"),
        Result("K_all", "patterns such that every one is (DHLUV), exp(alpha_all N)"),
        Result("alpha_typical", "ln(K_typical)/N"),
        Result("alpha_all", "ln(K_all)/N = I(1 - 2 noise)/2"),
    ],
    reference=f"{DHLUV17}; {DERIVED}",
    cost=CHEAP,
)
def exp_capacity(N: int, noise: float = 0.0) -> capacity.Capacity:
    """Capacities of the exponential DenseAM F(x) = exp(x): alpha_all = I(1 - 2 noise)/2 (DHLUV 2017).

    ``I(x) = ((1+x) ln(1+x) + (1-x) ln(1-x))/2``; ``K_all = 2^(N/2)`` at ``noise = 0``. ``alpha_typical`` from the
    random-energy-model argument of :mod:`~amphase.theory.dense.capacity` (derived). Counts overflow to ``inf``
    beyond the float range; the loads are always finite.
    """
    c = capacity.exp_capacity(N, noise)
    return capacity.Capacity(
        capacity._exp(c.alpha_typical * N), capacity._exp(c.alpha_all * N), c.alpha_typical, c.alpha_all
    )
