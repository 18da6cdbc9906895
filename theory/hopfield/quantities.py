"""What the Hopfield theory quantities (``amphase theory hopfield.*``) share: references, parameters, costs.

The quantities are registered by topic: :mod:`~amphase.theory.hopfield.quantities_states` (retrieval, spin-glass and
mixture states), :mod:`~amphase.theory.hopfield.quantities_lines` (the lines of the phase diagram, and the diagram)
and :mod:`~amphase.theory.hopfield.quantities_capacity` (the signal-to-noise capacity); importing
:mod:`amphase.theory.hopfield` registers them all. Each function is the public, checked entry point to one
prediction; the kernels live in
:mod:`~amphase.theory.hopfield.replica_symmetric`, :mod:`~amphase.theory.hopfield.lines` and
:mod:`~amphase.theory.hopfield.mixtures`. Notation: load ``alpha = P/N``, temperature ``T``.

References
----------
AGS 1985a: D. J. Amit, H. Gutfreund, H. Sompolinsky, "Spin-glass models of neural networks",
Phys. Rev. A 32, 1007 (1985).
AGS 1985b: D. J. Amit, H. Gutfreund, H. Sompolinsky, "Storing infinite numbers of patterns in a spin-glass model
of neural networks", Phys. Rev. Lett. 55, 1530 (1985).
AGS 1987: D. J. Amit, H. Gutfreund, H. Sompolinsky, "Statistical mechanics of neural networks near saturation",
Ann. Phys. 173, 30 (1987).
MPRV 1987: R. J. McEliece, E. C. Posner, E. R. Rodemich, S. S. Venkatesh, "The capacity of the Hopfield
associative memory", IEEE Trans. Inf. Theory 33, 461 (1987).

"""

from __future__ import annotations

from amphase.theory.cost import MIB, NUMBA_SETUP, Cost
from amphase.theory.registry import Param

__all__ = ["AGS85A", "AGS85B", "AGS87", "ALPHA", "MPRV87", "RS_LINE", "RS_ROOT", "TEMP"]

AGS85A = "Amit, Gutfreund & Sompolinsky, Phys. Rev. A 32, 1007 (1985)"


AGS85B = "Amit, Gutfreund & Sompolinsky, Phys. Rev. Lett. 55, 1530 (1985)"


AGS87 = "Amit, Gutfreund & Sompolinsky, Ann. Phys. 173, 30 (1987)"


MPRV87 = "McEliece, Posner, Rodemich & Venkatesh, IEEE Trans. Inf. Theory 33, 461 (1987)"


_NO_HESSIAN = (
    "not computed at alpha > 0: the stability there needs the replica-symmetric Hessian in (m, q, r) of AGS 1987, "
    "which amphase does not implement; only the alpha = 0 Hessian of AGS 1985a is"
)


ALPHA = Param("alpha", "load P/N (replica theory served up to 10^6)", lower=0.0, upper=1e6)


TEMP = Param("T", "temperature (1/beta)", lower=0.0)


# Declared costs (amphase.theory.cost; measured by scripts/theory_costs.py): the first evaluation in a process loads the
# Numba field kernels and the cached lines (NUMBA_SETUP); after it, a root of the RS equations takes milliseconds,
# a line (T_M, T_c, T_R: a scan in T and a root) up to 1.3 s at load 4 and 4 s at load 18, a mixture up to 7 s
# (n = 199, T > 0, load 18).
RS_ROOT = Cost(memory=8 * MIB, seconds=0.5, **NUMBA_SETUP)


RS_LINE = Cost(memory=8 * MIB, seconds=8.0, **NUMBA_SETUP)
