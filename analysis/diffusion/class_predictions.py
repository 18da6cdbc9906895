r"""The pair-rule predictions beside the class fractions of ``diffusion.exact``: onset, peak, half and flat K.

Used by the comparison (:mod:`amphase.analysis.diffusion.compare`): :func:`predicted_onset`, :func:`predicted_half`
and :func:`predicted_flat` from the registered theory (``diffusion.spurious_onset``, ``diffusion.gaussian_onset``)
or, for the digits, from :func:`amphase.analysis.diffusion.onset.empirical_onset`; ``memorized_prediction`` the
same pair rule for the classifier's memorized label (:func:`amphase.analysis.diffusion.onset.memorized_onset`).
"""

from __future__ import annotations

import math

__all__ = ["memorized_prediction", "pair_rule_prediction", "predicted_flat", "predicted_half", "predicted_onset"]


def predicted_onset(beta: float, d: int, dataset: str, even: bool = False) -> tuple[float, float]:
    r"""(K of onset, K of peak) of spurious attractors at inverse temperature ``beta``; NaN where no theory applies.

    All from the pair rule (:func:`amphase.theory.lse_merging.pair_rule_onset`; :func:`predicted_half` gives its
    ``K_half``):

    * random points on the unit circle (d = 2) or sphere :math:`S^{d-1}`: ``K_onset`` and ``K_peak`` of
      ``diffusion.spurious_onset`` (manifold ``circle`` or ``sphere`` with ``n = d - 1``);
    * evenly spaced points on the unit circle: neighbours at chord :math:`2\sin(\pi/K)` merge below
      :math:`D_{merge} = \sqrt{2/\beta}` (``D_merge`` of the same quantity), so every point loses its own minimum
      at once, at :math:`K_{onset} = \pi / \arcsin(D_{merge}/2)`; there is no separate peak (NaN);
    * ``linear``: ``diffusion.gaussian_onset`` with the direction groups of the model's linear manifold
      (:data:`amphase.simulate.diffusion.data.LINEAR_GROUPS`; exact pair probability);
    * ``digits``: :func:`amphase.analysis.diffusion.onset.empirical_onset` on the 1797 images as the population
      the training points are drawn from (exact pair probability; NaN without scikit-learn);
    * other data sets (the mixture, whose centres change with the realization): NaN.
    """
    onset, peak, _ = pair_rule_prediction(beta, d, dataset, even)
    return onset, peak


def predicted_half(beta: float, d: int, dataset: str, even: bool = False) -> float:
    """``K_half`` of the pair rule (half of the points keep their own minimum) for :func:`predicted_onset`'s cases.

    NaN for evenly spaced points (all lose it at once, at ``K_onset``) and where no theory applies.
    """
    return pair_rule_prediction(beta, d, dataset, even)[2]


def predicted_flat(beta: float, dataset: str, even: bool = False, spread: float = 0.0) -> float:
    """K at which half of the ring's minima count as flat by the curvature rule; NaN where it does not apply.

    ``K_flat`` of ``diffusion.spurious_onset``, for random points on the unit circle and ``spread > 0``; NaN
    otherwise (evenly spaced points flatten exponentially fast once merged, at the onset).
    """
    from amphase import theory

    if dataset != "circle" or even or not spread > 0:
        return math.nan
    return float(theory.get("diffusion.spurious_onset")(beta=beta, manifold="circle", spread=spread)["K_flat"])


def pair_rule_prediction(beta: float, d: int, dataset: str, even: bool) -> tuple[float, float, float]:
    """(K_onset, K_peak, K_half) of the pair rule (:func:`predicted_onset`, :func:`predicted_half`); NaN if none."""
    from amphase import theory

    nan = (math.nan, math.nan, math.nan)
    if even and dataset != "circle":
        return nan
    if dataset in ("circle", "sphere"):
        n = 1 if dataset == "circle" else d - 1
        out = theory.get("diffusion.spurious_onset")(beta=beta, manifold=dataset, n=n)
        if even:
            half = out["D_merge"] / 2
            return (math.pi / math.asin(half) if half < 1 else math.nan), math.nan, math.nan
        return out["K_onset"], out["K_peak"], out["K_half"]
    if dataset == "linear":
        from amphase.simulate.diffusion.data import LINEAR_GROUPS

        if len(LINEAR_GROUPS) > 3:
            return nan
        kw: dict[str, float] = {}
        for i, (n_dir, std) in enumerate([*LINEAR_GROUPS, (0, 0.0), (0, 0.0)][:3], start=1):
            kw[f"n{i}"], kw[f"s{i}"] = n_dir, std
        out = theory.get("diffusion.gaussian_onset")(beta=beta, **kw)
        return out["K_onset"], out["K_peak"], out["K_half"]
    if dataset == "digits":
        import importlib.util

        if importlib.util.find_spec("sklearn") is None:
            return nan
        from amphase.analysis.diffusion.onset import empirical_onset
        from amphase.simulate.diffusion.data import digits

        e = empirical_onset(digits(), beta, population=True)
        return e.K_onset, e.K_peak, e.K_half
    return nan


def memorized_prediction(beta: float, d: int, dataset: str, delta: float) -> tuple[float, float]:
    """(K_onset, K_half) of the pair rule for the memorized label at ``delta``; NaN where it does not apply."""
    import importlib.util

    from amphase.analysis.diffusion.onset import memorized_onset

    if dataset not in ("circle", "sphere", "linear", "digits") or (
        dataset == "digits" and importlib.util.find_spec("sklearn") is None
    ):
        return math.nan, math.nan
    out = memorized_onset(dataset, beta, delta, d)
    return out.K_onset, out.K_half
