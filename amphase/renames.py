"""Names that changed (issue 18: one name per quantity across the layers), in one table.

Two readers use it: :func:`amphase.dataset.upgrade` renames the variables, dimensions and fixed parameters of a
dataset written before a rename (by the dataset's ``model`` attribute), and the theory registry
(:mod:`amphase.theory.registry`) answers a call with an old parameter name by a
:class:`~amphase.errors.ParameterError` that names the new one ("P was renamed K").
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

__all__ = ["RENAMES", "Rename", "dataset_renames", "renamed_param", "renamed_variables", "seed_names"]


@dataclass(frozen=True)
class Rename:
    """``old`` became ``new`` in the datasets of ``models`` and the parameters of the theory ``quantities``.

    ``variable_only``: only a measured (data) variable was renamed; a parameter of the old name keeps it.

    ``seed_key``: a grid parameter of these models still keys the random streams by its old name
    (:func:`seed_names`), so a sweep draws the same numbers as before the rename.

    ``quantities`` are :func:`fnmatch.fnmatchcase` patterns of registry names (``"dense.*"``); a quantity matched by
    one answers the old name with the new only where it takes the new name (so a pattern never hides a parameter that
    still means something else, such as the degree ``n`` of ``dense.*``).
    """

    old: str
    new: str
    models: tuple[str, ...] = ()
    quantities: tuple[str, ...] = ()
    why: str = ""
    seed_key: bool = False
    variable_only: bool = False


#: every rename, oldest first.
RENAMES: tuple[Rename, ...] = (
    Rename(
        "P",
        "K",
        models=("hopfield", "dense.binary", "dense.sequence"),
        quantities=("hopfield.*", "dense.*"),
        why="K is the number of stored patterns (issue 18)",
    ),
    Rename(
        "n",
        "K",
        models=("diffusion.collapse", "diffusion.clones"),
        quantities=("diffusion.collapse_time", "diffusion.direction_loss"),
        why="K is the number of training points (issue 18)",
        seed_key=True,
    ),
    Rename(
        "n_samples",
        "n_generated",
        models=("diffusion.exact",),
        why="the measured count of generated samples took the name of the parameter n_samples, so that parameter "
        "had no scalar coordinate, and a grid over it silently replaced the variable (issue 18)",
        variable_only=True,
    ),
    Rename(
        "d",
        "n",
        models=("dense.sequence",),
        quantities=("dense.sequence_*",),
        why="n is the degree of the separation function f(x) = x^n, as in dense.binary; d means a dimension "
        "elsewhere (issue 18)",
        seed_key=True,
    ),
    Rename(
        "rho",
        "noise",
        quantities=("dense.*",),
        why="noise is the cue's flipped fraction in every layer, as in simulate/ and the configs (issue 18)",
    ),
)


def dataset_renames(model: str) -> dict[str, str]:
    """``{old: new}`` for the datasets of ``model`` (its ``model`` attribute): variables, dimensions and parameters."""
    return {r.old: r.new for r in RENAMES if model in r.models and not r.variable_only}


def renamed_variables(model: str) -> dict[str, str]:
    """``{old: new}`` for the measured (data) variables of ``model`` whose parameter of the same name kept it."""
    return {r.old: r.new for r in RENAMES if model in r.models and r.variable_only}


def renamed_param(quantity: str, old: str, params: tuple[str, ...] | list[str]) -> str | None:
    """The new name of parameter ``old`` of the theory ``quantity`` (which takes ``params``), or ``None``."""
    for r in RENAMES:
        if r.old == old and r.new in params and any(fnmatchcase(quantity, p) for p in r.quantities):
            return r.new
    return None


def seed_names(model: str) -> dict[str, str]:
    """``{new: old}``: the grid parameters of ``model`` whose random streams are keyed by their old name.

    :func:`amphase.simulate.seeding.point_seed` keys a grid point's streams by the parameters' names and values; a
    rename with ``seed_key`` keeps the old name in that key, so the data of a renamed model stay identical.
    """
    return {r.new: r.old for r in RENAMES if r.seed_key and model in r.models}
