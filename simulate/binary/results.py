"""The result variables the binary presets share (:mod:`amphase.simulate.hopfield.hopfield`, :mod:`.dense.model`).

Both measure the end states of :func:`amphase.simulate.binary.engine.run_realization` per trial with
:func:`amphase.simulate.patterns.overlap_measurements`; the variables they write alike are declared once here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from amphase.simulate.models import Var, Variable
from amphase.simulate.sequential import STATUS

__all__ = ["SHARED"]


@dataclass(frozen=True)
class _Status(Var):
    """The ``status`` flags, with the ``unconverged_flags`` attribute :mod:`amphase.analysis.classify` reads."""

    def variable(self) -> Variable:
        out = super().variable()
        return Variable(out.dims, out.dtype, out.fill, {**out.attrs, "unconverged_flags": "max_sweeps"})


#: per-trial variables of both presets, in the order they are written (the presets insert their own among them).
SHARED: dict[str, Var] = {
    "m_cue": Var(("trial",), "float64", np.nan, "end-state overlap with the cued pattern"),
    "sweeps": Var(("trial",), "int32", -1, "sweeps (or synchronous steps) run"),
    "status": _Status(("trial",), "int8", -1, "how the trajectory ended", flags=STATUS),
    "top_overlap": Var(("trial", "rank"), "float64", np.nan, "largest end-state overlaps"),
    "top_pattern": Var(("trial", "rank"), "int32", -1, "patterns of the largest overlaps"),
}
