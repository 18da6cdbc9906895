"""The model families amphase knows, registered in one way for all three layers.

A :class:`Family` names, by import path, what it brings to each layer:

* ``theory``: a module whose import registers the family's quantities (``hopfield.*``) with
  :func:`amphase.theory.registry.quantity`;
* ``modules``: the simulation models it offers, by module name: ``"exp_retrieval"`` of family ``dense`` is the model
  ``dense.exp_retrieval``, ``MODEL`` of :mod:`amphase.simulate.dense.exp_retrieval` (a
  :class:`amphase.simulate.models.Model`), compared by ``COMPARISON`` of :mod:`amphase.analysis.dense.exp_retrieval`
  (a :class:`amphase.analysis.compare.Comparison` that puts a dataset of that model beside the theory); a module
  named for its family (``hopfield`` of ``hopfield``) serves the model named for the family. The name is written
  once, as the file name (:func:`amphase.simulate.declare.registry_name` derives the same name from the module);
* ``models`` and ``comparisons``: the same for models whose files are not (yet) named for them,
  ``{model name: "module:attribute"}``; after construction both hold every model of the family;
* ``configs``: a package whose ``*.toml`` files are built-in sweep configurations (``amphase run --list``).

Nothing is imported until it is used. The command line, the sweep runner and ``amphase compare`` read this table
only, so a new family appears everywhere by one :func:`register` call (the built-in families are registered at the
bottom of this module).
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from amphase.errors import ParameterError

__all__ = ["FAMILIES", "Family", "comparison_for", "families", "load", "model_target", "register"]


@dataclass(frozen=True)
class Family:
    """A model family and where each layer finds its pieces (see the module docstring)."""

    name: str
    theory: str
    models: Mapping[str, str] = field(default_factory=dict)
    comparisons: Mapping[str, str] = field(default_factory=dict)
    configs: str | None = None
    modules: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        models, comparisons = dict(self.models), dict(self.comparisons)
        for module in self.modules:
            name = self.name if module == self.name else f"{self.name}.{module}"
            if name in models:
                raise ValueError(f"model {name!r} of family {self.name!r} is listed twice")
            models[name] = f"amphase.simulate.{self.name}.{module}:MODEL"
            comparisons[name] = f"amphase.analysis.{self.name}.{module}:COMPARISON"
        object.__setattr__(self, "models", models)
        object.__setattr__(self, "comparisons", comparisons)


#: every registered family, by name.
FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add ``family`` to :data:`FAMILIES`; model names must be unique across families."""
    if family.name in FAMILIES:
        raise ValueError(f"model family {family.name!r} is registered twice")
    taken = {m for f in FAMILIES.values() for m in f.models}
    clash = taken & set(family.models)
    if clash:
        raise ValueError(f"model {sorted(clash)[0]!r} of family {family.name!r} is registered by another family")
    FAMILIES[family.name] = family
    return family


def families() -> list[Family]:
    """The registered families, in registration order."""
    return list(FAMILIES.values())


def load(target: str) -> Any:
    """Import ``"module:attribute"`` and return the attribute."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _models() -> dict[str, tuple[Family, str]]:
    return {name: (f, target) for f in FAMILIES.values() for name, target in f.models.items()}


def model_target(name: str) -> str:
    """Import path of the simulation model ``name``; :class:`ParameterError` naming the known ones if unknown."""
    models = _models()
    if name not in models:
        close = difflib.get_close_matches(str(name), models, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ParameterError(f"model={name!r} is unknown{hint}; allowed: {', '.join(sorted(models))}")
    return models[name][1]


def comparison_for(model: str) -> str | None:
    """Import path of the comparison of datasets made by ``model``, or ``None`` if there is none."""
    found = _models().get(model)
    return found[0].comparisons.get(model) if found else None


register(
    Family(
        "hopfield",
        theory="amphase.theory.hopfield",
        configs="amphase.simulate.hopfield.configs",
        modules=("hopfield",),
    )
)
register(
    Family(
        "dense",
        theory="amphase.theory.dense",
        configs="amphase.simulate.dense.configs",
        modules=("binary", "lse", "sequence", "exp_retrieval"),
    )
)
register(
    Family(
        "diffusion",
        theory="amphase.theory.diffusion",
        configs="amphase.simulate.diffusion.configs",
        modules=("exact", "directions", "basins", "landscape", "collapse", "clones", "trained"),
    )
)
