"""Continuous Dense Associative Memory energies behind one seam (:mod:`~amphase.simulate.continuous.base`).

Every module of this package is imported here, so each energy class it defines registers itself by its ``name`` in
:data:`ENERGIES`: adding an energy is adding a module. :func:`make_energy` builds one by name.
"""

import importlib
import pkgutil

from amphase.simulate.continuous.base import ENERGIES, ContinuousEnergy, make_energy

for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["ENERGIES", "ContinuousEnergy", "make_energy"]
