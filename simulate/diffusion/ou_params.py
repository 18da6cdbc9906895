"""The parameters shared by the Ornstein-Uhlenbeck models of Biroli et al. (``diffusion.collapse``, ``.clones``).

Both models run the reverse SDE of the Ornstein-Uhlenbeck process (:func:`~amphase.simulate.diffusion.schedules.ou`)
from the exact marginal at ``t_max`` down to ``t_min`` in ``steps`` steps on a ``spacing`` grid, on data of
per-coordinate standard deviation ``sigma``. Each parameter is declared here once; each model takes it with its own
default (``declared(T_MAX, default=4.0)``).
"""

from __future__ import annotations

from amphase.params import Choice, Param
from amphase.simulate.diffusion.schedules import SPACINGS, Schedule, ou

__all__ = ["BBBM24", "OU_TIME", "SIGMA", "SPACING", "STEPS", "T_MAX", "T_MIN", "schedule"]

BBBM24 = "Biroli, Bonnaire, de Bortoli & Mézard, Nat. Commun. 15, 9957 (2024), arXiv:2402.18491"

#: units of a time in these models.
OU_TIME = "Ornstein-Uhlenbeck time"

T_MIN = Param("t_min", "last (smallest) Ornstein-Uhlenbeck time of the reverse run", lower=0.0, lower_open=True)
T_MAX = Param("t_max", "Ornstein-Uhlenbeck time where the reverse run starts (exact marginal)", lower=0.0,
              lower_open=True)  # fmt: skip
STEPS = Param("steps", "reverse-SDE steps from t_max to t_min", lower=2, upper=10**6, integer=True)
SPACING = Choice("spacing", "time grid of the sampler (log: equal dt/t; uniform: equal dt)", SPACINGS)
SIGMA = Param("sigma", "standard deviation of the data per coordinate", lower=0.0, lower_open=True, upper=1e3)


def schedule(t_min: float, t_max: float) -> Schedule:
    """The Ornstein-Uhlenbeck schedule of a run from ``t_max`` down to ``t_min``."""
    return ou(t_min=float(t_min), t_max=float(t_max))
