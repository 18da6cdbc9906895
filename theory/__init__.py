"""Theory: pure functions from model parameters to predictions, and the registry that serves them by name.

>>> from amphase import theory
>>> theory.get("hopfield.T_g")(alpha=0.04)
{'T_g': 1.2}
"""

from amphase.theory.registry import REGISTRY, Param, Quantity, Result, get, names, quantity

__all__ = ["REGISTRY", "Param", "Quantity", "Result", "get", "names", "quantity"]
