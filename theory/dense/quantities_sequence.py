"""The sequence DenseAM served by the registry: ``dense.sequence_capacity``, ``dense.sequence_recall``.

Derivations in :mod:`~amphase.theory.dense.sequence`; references in :mod:`~amphase.theory.dense.quantities`.
"""

from __future__ import annotations

from typing import NamedTuple

from amphase.theory.dense import costs, sequence
from amphase.theory.dense.quantities import (
    CHAUDHRY23,
    DERIVED,
    N_SPINS,
)
from amphase.theory.registry import Choice, Param, Result, quantity

__all__ = ["SequenceLengths", "sequence_capacity", "sequence_recall"]


class SequenceLengths(NamedTuple):
    """Sequence lengths: signal-to-noise capacities and finite-N half lengths."""

    P_transition: float
    P_sequence: float
    P_transition_half: float
    P_sequence_half: float


# Renamed (issue 18): ``SEQ_N``'s ``n`` was ``d``. For the one rename table (amphase/renames.py on names18's branch):
#   Rename("d", "n", models=("dense.sequence",), quantities=("dense.sequence_*",), seed_key=True,
#          why="n is the degree of the separation function, as in dense.binary")
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
