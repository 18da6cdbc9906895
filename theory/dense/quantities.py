"""The Dense Associative Memory theory quantities served by the registry (``amphase theory dense.*``).

Each function is the public, checked entry point to one prediction; the formulas, their derivations and their
sources are in :mod:`~amphase.theory.dense.capacity`, :mod:`~amphase.theory.dense.finite_size`,
:mod:`~amphase.theory.dense.lse`, :mod:`~amphase.theory.dense.ramsauer`,
:mod:`~amphase.theory.dense.random_features`, :mod:`~amphase.theory.dense.sequence` and
:mod:`~amphase.theory.lse_landscape`.

References
----------
KH 2016: D. Krotov, J. J. Hopfield, "Dense Associative Memory for Pattern Recognition", NeurIPS 29 (2016).
DHLUV 2017: M. Demircigil, J. Heusel, M. Löwe, S. Upgang, F. Vermet, "On a model of associative memory with huge
storage capacity", J. Stat. Phys. 168, 288 (2017).
LM 2024: C. Lucibello, M. Mézard, "Exponential capacity of dense associative memories", Phys. Rev. Lett. 132,
077301 (2024), arXiv:2304.14964.
Ramsauer 2021: H. Ramsauer et al., "Hopfield Networks is All You Need", ICLR (2021), arXiv:2008.02217.
Hoover 2024: B. Hoover, D. H. Chau, H. Strobelt, P. Ram, D. Krotov, "Dense Associative Memory Through the Lens of
Random Features", NeurIPS (2024), arXiv:2410.24153.
Chaudhry 2023: H. T. Chaudhry, J. A. Zavatone-Veth, D. Krotov, C. Pehlevan, "Long Sequence Hopfield Memory",
NeurIPS (2023), arXiv:2306.04532.
"""

from __future__ import annotations

from typing import NamedTuple

from amphase.errors import ParameterError
from amphase.params import fmt_value
from amphase.theory import lse_landscape
from amphase.theory.dense import capacity, costs, finite_size, lse, ramsauer, random_features, sequence
from amphase.theory.registry import CHEAP, Choice, Param, Result, quantity

__all__ = [
    "circle_minima",
    "circle_ring",
    "exp_capacity",
    "lse_threshold",
    "lse_threshold_finite",
    "pair_midpoint_beta",
    "pair_minima",
    "poly_capacity",
    "poly_half_load",
    "poly_stability",
    "ramsauer_capacity",
    "random_feature_error",
    "separation",
    "sequence_capacity",
    "sequence_recall",
    "simplex_centroid_beta",
]

KH16 = "Krotov & Hopfield, NeurIPS 29 (2016)"
MPRV87 = "McEliece, Posner, Rodemich & Venkatesh, IEEE Trans. Inf. Theory 33, 461 (1987)"
DHLUV17 = "Demircigil, Heusel, Löwe, Upgang & Vermet, J. Stat. Phys. 168, 288 (2017)"
LM24 = "Lucibello & Mézard, Phys. Rev. Lett. 132, 077301 (2024), arXiv:2304.14964"
RAMSAUER21 = "Ramsauer et al., ICLR (2021), arXiv:2008.02217"
HOOVER24 = "Hoover, Chau, Strobelt, Ram & Krotov, NeurIPS (2024), arXiv:2410.24153"
CHOROMANSKI21 = "Choromanski et al., ICLR (2021), arXiv:2009.14794"
CHAUDHRY23 = "Chaudhry, Zavatone-Veth, Krotov & Pehlevan, NeurIPS (2023), arXiv:2306.04532"
DERIVED = "derived in amphase.theory.dense (Gaussian signal-to-noise and REM arguments, see the module docstrings)"
DERIVED_LSE = "derived in amphase.theory.lse_landscape (gradient and Hessian of the log-sum-exp energy)"


class SequenceLengths(NamedTuple):
    """Sequence lengths: signal-to-noise capacities and finite-N half lengths."""

    P_transition: float
    P_sequence: float
    P_transition_half: float
    P_sequence_half: float


N_SPINS = Param("N", "number of neurons", lower=3, integer=True)
# Renamed (issue 18): ``noise`` was ``rho``, ``SEQ_N``'s ``n`` was ``d``. For the one rename table
# (amphase/renames.py on names18's branch):
#   Rename("rho", "noise", quantities=("dense.*",), why="the cue's flipped fraction is noise in every layer")
#   Rename("d", "n", models=("dense.sequence",), quantities=("dense.sequence_*",), seed_key=True,
#          why="n is the degree of the separation function, as in dense.binary")
NOISE = Param("noise", "fraction of flipped spins in the cue", lower=0.0, upper=0.5, upper_open=True)
BETA_LSE = Param("beta", "inverse temperature of E = -ln sum exp(-beta |x - xi|^2)/beta", lower=0.0, lower_open=True)


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


LAM = Param("lam", "inverse temperature lambda of E = -ln sum exp(lambda xi.x)/lambda", lower=0.0, lower_open=True)
PATTERNS = Choice("patterns", "pattern ensemble: spherical (|xi|^2 = N) or gaussian (i.i.d. N(0, 1))", lse.PATTERNS)


@quantity(
    "dense.lse_threshold",
    params=[LAM, PATTERNS],
    results=[
        Result("alpha_1", "typical-pattern retrieval threshold of alpha = ln(P)/N"),
        Result("q_star", "overlap of the patterns dominating the crosstalk at alpha_1"),
        Result("lambda_condensation", "lambda where the crosstalk REM condenses at alpha = alpha_1"),
    ],
    reference=f"{LM24}; {DERIVED}",
    cost=CHEAP,
)
def lse_threshold(lam: float, patterns: str = "spherical") -> lse.LSEThreshold:
    """Typical-pattern threshold alpha_1(lambda) of exponential memories, REM argument of LM 2024.

    Spherical: ``alpha_1 = lambda (1 - q*) - ln(1 - q*^2)/2``, ``q*/(1 - q*^2) = lambda``; Gaussian:
    ``alpha_1 = lambda - lambda^2/2`` (``lambda <= 1``), ``1/2`` (``lambda >= 1``). Derived here from LM's
    random-energy-model criterion; the paper's equations could not be read (the spherical value 0.6226 at
    ``lambda = 1`` and the Gaussian 1/2 agree with a later paper that quotes LM; see
    :mod:`~amphase.theory.dense.lse`).
    """
    return lse.lse_threshold(lam, patterns)


@quantity(
    "dense.lse_threshold_finite",
    params=[Param("N", "dimension of the patterns", lower=3, upper=10**7, integer=True), LAM, PATTERNS],
    results=[
        Result("alpha_half", "ln(P)/N where a typical cued pattern keeps half the softmax weight at x = xi (N finite)"),
        Result("alpha_fixed_point", "ln(P)/N where the update iterated from x = xi ends at overlap 1/2 (mean field)"),
        Result("alpha_1", "its N -> infinity limit (dense.lse_threshold)"),
    ],
    reference=f"{LM24}; {DERIVED}",
    cost=costs.lse_threshold_finite_cost,
)
def lse_threshold_finite(N: int, lam: float, patterns: str = "spherical") -> lse.FiniteThreshold:
    """Finite-N half-point of the one-step criterion of LM 2024: the crosstalk replaced by its mean (derived).

    Spherical: ``(P - 1) E exp(lambda N (q - 1)) = 1`` with the exact finite-N law of ``q``; Gaussian,
    ``lambda <= 1``: ``ln(P - 1) = (lambda - lambda^2/2) median(chi^2_N)``; Gaussian, ``lambda > 1``: the crosstalk
    replaced by its largest term (an upper estimate). ``alpha_fixed_point``: the same crosstalk in the overlap map
    iterated from the pattern (the saddle-node of the finite-N fixed point; NaN for Gaussian ``lambda >= 1``).
    Derived (:mod:`~amphase.theory.dense.lse`, "Finite N").
    """
    return lse.annealed_threshold(N, lam, patterns)


@quantity(
    "dense.separation",
    params=[
        Param("N", "number of stored patterns", lower=2, integer=True),
        Param(
            "beta",
            "inverse temperature of Ramsauer's dot-product energy (2 beta' of the distance form)",
            lower=0.0,
            lower_open=True,
        ),
        Param("M", "largest pattern norm", lower=0.0, lower_open=True),
    ],
    results=[Result("Delta_min", "separation min_j (x_i.x_i - x_i.x_j) sufficient for a fixed point near x_i")],
    reference=RAMSAUER21,
    cost=CHEAP,
)
def separation(N: int, beta: float, M: float) -> float:
    """Separation sufficient for a fixed point near a pattern: 2/(beta N) + ln(2 (N-1) N beta M^2)/beta (Ramsauer 2021).

    Ramsauer's ``beta`` multiplies the dot product (``softmax(beta X^T xi)``); for the distance form
    ``-ln sum exp(-beta' |x - xi|^2)/beta'`` with equal-norm patterns use ``beta = 2 beta'``.
    """
    return ramsauer.separation(N, beta, M)


@quantity(
    "dense.ramsauer_capacity",
    params=[
        Param("d", "pattern dimension", lower=2, integer=True),
        Param("beta", "inverse temperature of Ramsauer's dot-product energy", lower=0.0, lower_open=True),
        Param("K", "patterns lie on the sphere of radius K sqrt(d - 1)", lower=0.0, lower_open=True),
        Param("p", "failure probability", lower=0.0, upper=1.0, lower_open=True),
    ],
    results=[
        Result("N_stored", "at least this many random patterns are stored with probability 1 - p"),
        Result("a", "2 (1 + ln(2 beta K^2 p (d-1)))/(d-1)"),
        Result("b", "2 K^2 beta / 5"),
        Result("c", "b / W0(exp(a + ln b))"),
        Result("c_min", "the theorem needs c >= (2/sqrt(p))^(4/(d-1))"),
        Result("valid", "1 if c >= c_min, else 0 (the bound is then not guaranteed)"),
    ],
    reference=RAMSAUER21,
    cost=CHEAP,
)
def ramsauer_capacity(d: int, beta: float, K: float, p: float) -> ramsauer.RamsauerCapacity:
    """Storage capacity N >= sqrt(p) c^((d-1)/4) of Ramsauer 2021 (their Theorem 3).

    Reproduces the printed examples ``c = 3.1546`` (``beta = 1, K = 3, d = 20, p = 0.001``) and ``c = 1.3718``
    (``beta = 1, K = 1, d = 75, p = 0.001``).
    """
    return ramsauer.storage_capacity(d, beta, K, p)


@quantity(
    "dense.random_feature_error",
    params=[
        Param("Y", "number of random features", lower=1, integer=True),
        Param("d", "dimension of the memories (d >= K)", lower=1, integer=True),
        BETA_LSE,
        Param("K", "number of memories (orthogonal, norm r)", lower=1, integer=True),
        Param("r", "norm of the memories", lower=0.0),
    ],
    results=[
        Result("Z_rel_std", "relative standard deviation of the Y-feature partition function"),
        Result("energy_rms", "root-mean-square error of the Y-feature energy, sqrt(C/Y)/beta"),
        Result("energy_bias", "mean error of the Y-feature energy, C/(2 beta Y)"),
        Result("grad_rms", "root-mean-square error (Euclidean norm) of the Y-feature energy gradient"),
        Result("C", "relative variance of one feature's partition function"),
    ],
    reference=f"{HOOVER24}; {CHOROMANSKI21}; {DERIVED}",
    cost=costs.random_feature_error_cost,
)
def random_feature_error(
    Y: int, d: int, beta: float = 1.0, K: int = 1, r: float = 1.0
) -> random_features.RandomFeatureError:
    """Error of the positive-random-feature LSE energy and gradient (Hoover 2024) at a memory, K orthogonal memories.

    ``C = sum_{mu nu} p_mu p_nu exp(2 beta (x + xi_mu).(x + xi_nu)) - 1``; relative error of ``Z`` ``sqrt(C/Y)``,
    energy error ``sqrt(C/Y)/beta``, gradient error from the delta method (leading order in 1/Y; derived, tested by
    Monte Carlo in :mod:`~amphase.theory.dense.random_features`). Only the gradient error depends on ``d``.
    """
    if K > d:
        raise ParameterError(f"K={K} orthogonal memories need d >= K; got d={d}")
    x, memories = random_features.orthogonal_configuration(K, r, d)
    return random_features.random_feature_error(x, memories, beta, Y)


SEQ_RULE = Choice("rule", "separation function of the transition: x^n or exp(b (N-1)(x-1))", sequence.RULES)
SEQ_N = Param("n", "degree of the polynomial separation function f(x) = x^n", lower=1, upper=30, integer=True)
SEQ_B = Param(
    "b", "rate of the exponential f(x) = exp(b (N-1)(x-1)) (Chaudhry: 1)", lower=0.0, upper=50.0, lower_open=True
)


@quantity(
    "dense.sequence_capacity",
    params=[N_SPINS, SEQ_RULE, SEQ_N, SEQ_B],
    results=[
        Result("P_transition", "one transition recalled (SNR): N^n/(2 (2n-1)!! ln N) or beta^(N-1)/(2 ln N)"),
        Result("P_sequence", "whole sequence recalled (SNR): P_transition/(n+1) or beta^(N-1)/(2 N ln beta)"),
        Result("P_transition_half", "finite-N prediction: length where a transition is exact with probability 1/2"),
        Result("P_sequence_half", "finite-N prediction: length where the whole cycle is exact with probability 1/2"),
    ],
    reference=f"{CHAUDHRY23}; {DERIVED}",
    cost=costs.sequence_cost,
)
def sequence_capacity(N: int, rule: str = "polynomial", n: int = 1, b: float = 1.0) -> SequenceLengths:
    """Sequence capacities of the DenseNet transition rule (Chaudhry et al. 2023, Eqs. 9 and 10), and at finite N.

    Polynomial ``f(x) = x^n``: ``P_T = N^n/(2 (2n-1)!! ln N)``, ``P_S = P_T/(n+1)`` (``n = 1``: ``N/(2 ln N)``,
    ``N/(4 ln N)``); exponential ``f(x) = exp(b (N-1)(x-1))``: ``P_T = beta^(N-1)/(2 ln N)``,
    ``P_S = beta^(N-1)/(2 N ln beta)``, ``beta = 2/(1 + exp(-4b))`` (1.964 at their ``b = 1``, re-derived here).
    The half lengths are the finite-N Gaussian prediction of :mod:`~amphase.theory.dense.sequence` (exact crosstalk
    variance, shared by the bits of a transition; derived here). ``inf`` beyond the float range.
    """
    snr = sequence.sequence_capacity_poly(N, n) if rule == "polynomial" else sequence.sequence_capacity_exp(N, b)
    half = [sequence.half_length(N, rule, n, b, what) for what in ("transition", "sequence")]
    return SequenceLengths(snr.P_transition, snr.P_sequence, *half)


@quantity(
    "dense.sequence_recall",
    params=[
        N_SPINS,
        Param("K", "sequence length (patterns in the cycle)", lower=2, upper=1e300),
        SEQ_RULE,
        SEQ_N,
        SEQ_B,
    ],
    results=[
        Result("p_bit", "probability that one bit of a transition is wrong, Phi(-1/sqrt((K-1) v))"),
        Result("transition", "probability that one transition is exact (bits sharing the crosstalk variance)"),
        Result("sequence", "probability that the whole cycle is exact, transition^K"),
    ],
    reference=f"{CHAUDHRY23}; {DERIVED}",
    cost=costs.sequence_cost,
)
def sequence_recall(
    N: int, K: float, rule: str = "polynomial", n: int = 1, b: float = 1.0
) -> sequence.RecallProbability:
    """Finite-N recall probabilities of a cyclic sequence of K random patterns (derived here, Gaussian crosstalk).

    ``v`` is the exact per-pattern crosstalk variance ``E f(y/(N-1))^2`` (``y`` a sum of ``N - 1`` signs;
    ``-> (2n-1)!!/N^n``, exactly ``beta^-(N-1)`` for the exponential); the bits of one transition fail independently
    given the transition's crosstalk variance, which is averaged over (:mod:`~amphase.theory.dense.sequence`).
    """
    return sequence.recall_probability(N, K, rule, n, b)


@quantity(
    "dense.pair_midpoint_beta",
    params=[Param("D", "distance between the two memories", lower=0.0, lower_open=True)],
    results=[Result("beta_star", "the midpoint is a minimum for beta < 2/D^2")],
    reference=DERIVED_LSE,
    cost=CHEAP,
)
def pair_midpoint_beta(D: float) -> float:
    """Two memories at distance D: the midpoint is a minimum below beta* = 2/D^2 (derived; Hessian 2 - beta D^2)."""
    return lse_landscape.pair_midpoint_beta(D)


@quantity(
    "dense.pair_minima",
    params=[Param("D", "distance between the two memories", lower=0.0, lower_open=True), BETA_LSE],
    results=[
        Result("x", "distance of each minimum from the midpoint (0: one minimum at the midpoint)"),
        Result("barrier", "E(midpoint) - E(minimum)"),
        Result("curvature", "second derivative of E along the axis at the minimum"),
    ],
    reference=DERIVED_LSE,
    cost=CHEAP,
)
def pair_minima(D: float, beta: float) -> lse_landscape.PairMinima:
    """Minima of two memories at ±D/2: x = (D/2) u, u = tanh(beta D^2 u/2) (derived; 0 for beta <= 2/D^2)."""
    return lse_landscape.pair_minima(D, beta)


@quantity(
    "dense.simplex_centroid_beta",
    params=[
        Param("K", "number of memories at the vertices of a regular simplex", lower=2, integer=True),
        Param("r", "distance of the memories from the centroid", lower=0.0, lower_open=True),
    ],
    results=[
        Result("beta_star", "the centroid is a minimum for beta < (K - 1)/(2 r^2)"),
        Result("edge", "distance between two memories, r sqrt(2K/(K-1))"),
    ],
    reference=DERIVED_LSE,
    cost=CHEAP,
)
def simplex_centroid_beta(K: int, r: float = 1.0) -> lse_landscape.SimplexCentroid:
    """Regular K-simplex of memories: the centroid is a minimum below beta* = (K-1)/(2 r^2) (derived, Hessian)."""
    return lse_landscape.SimplexCentroid(lse_landscape.simplex_centroid_beta(K, r), r * (2.0 * K / (K - 1)) ** 0.5)


@quantity(
    "dense.circle_ring",
    params=[BETA_LSE],
    results=[
        Result("R", "radius of the ring of minima (0 below beta_c: one minimum at the centre)"),
        Result("barrier", "E(centre) - E(ring)"),
        Result("beta_c", "the ring is born at beta_c = 1"),
        Result("curvature", "radial second derivative of E at the minimum"),
    ],
    reference=DERIVED_LSE,
    cost=CHEAP,
)
def circle_ring(beta: float) -> lse_landscape.CircleRing:
    """Memories dense on the unit circle: ring of minima R = I_1(2 beta R)/I_0(2 beta R) above beta_c = 1 (derived).

    Energy ``E(R) = R^2 + 1 - ln I_0(2 beta R)/beta``; barrier ``ln I_0(2 beta R)/beta - R^2``.
    """
    return lse_landscape.circle_ring(beta)


@quantity(
    "dense.circle_minima",
    params=[
        Param(
            "beta",
            "inverse temperature of E = -ln sum exp(-beta |x - xi|^2)/beta (ring for beta > 1)",
            lower=1.0,
            upper=1e4,
            lower_open=True,
        ),
        Param(
            "K", "number of memories at uniform random angles on the unit circle", lower=1, upper=10**5, integer=True
        ),
        Param(
            "own_weight",
            "a minimum is a memory's own when its softmax weight exceeds this",
            lower=0.5,
            upper=1.0,
            lower_open=True,
            upper_open=True,
        ),
        Param(
            "draws", "Monte Carlo draws of the angles for the ring-profile model", lower=2, upper=10**5, integer=True
        ),
    ],
    results=[
        Result("minima", "expected number of minima (ring-profile model, Monte Carlo mean)"),
        Result("own", "expected number of minima owned by one memory (ring-profile model)"),
        Result("spurious", "expected number of minima owned by no memory (ring-profile model)"),
        Result("minima_error", "Monte Carlo standard error of minima"),
        Result("own_error", "Monte Carlo standard error of own"),
        Result("spurious_error", "Monte Carlo standard error of spurious"),
        Result("own_pair", "memories with no neighbour within the own distance, K (1 - a_own/pi)^(K-1) (exact mean)"),
        Result("minima_pair", "runs of memories linked by gaps below the merging angle, K (1 - a/2pi)^(K-1)"),
        Result("minima_limit", "number of minima as K -> infinity (Rice formula on the ring, all spurious)"),
    ],
    reference=f"{DERIVED_LSE}; Rice formula (S. O. Rice, Bell Syst. Tech. J. 24, 46 (1945))",
    cost=costs.circle_minima_cost,
)
def circle_minima(beta: float, K: int, own_weight: float = 0.6, draws: int = 400) -> dict[str, float]:
    """K random memories on the unit circle at fixed beta: expected minima, memories' own and spurious (derived).

    ``own_pair``/``minima_pair``: pair merging at chord sqrt(2/beta) with the exact uniform-spacing statistics (small
    K). ``minima``/``own``/``spurious``: maxima of sum_mu exp(2 beta R cos(theta - theta_mu)) on the ring, averaged
    over ``draws`` angle sets (seed 0; semi-analytic, every K). ``minima_limit``: sqrt(sum m^4 I_m^2/sum m^2 I_m^2)
    at kappa = 2 beta R (exact as K -> infinity). See :mod:`~amphase.theory.lse_landscape`.
    """
    prof = lse_landscape.circle_profile_counts(K, beta, draws=draws, own_weight=own_weight)
    gap = lse_landscape.circle_gap_counts(K, beta, own_weight)
    limit = lse_landscape.ring_maxima_limit(2.0 * beta * lse_landscape.circle_ring(beta).R)
    return {
        "minima": prof.minima,
        "own": prof.own,
        "spurious": prof.spurious,
        "minima_error": prof.minima_error,
        "own_error": prof.own_error,
        "spurious_error": prof.spurious_error,
        "own_pair": gap.own,
        "minima_pair": gap.minima,
        "minima_limit": limit,
    }
