"""The Hopfield phase diagram over an (alpha, T) grid, as an :class:`xarray.Dataset`.

Every value is computed at the grid coordinates themselves, never interpolated: the lines ``T_g``, ``T_M`` and
``T_c`` (each with its reentrant lower branch, ``T_M_lower`` and ``T_c_lower``) and ``T_R`` at each ``alpha``; the
critical load ``alpha_c`` at each ``T``; and at each grid point the retrieval overlap, the free energies of the
retrieval and spin-glass states and the phase:

* ``paramagnetic`` (``T >= T_g``),
* ``spin_glass`` (no retrieval state),
* ``retrieval_metastable`` (retrieval states exist, the spin-glass state has lower free energy),
* ``retrieval_global`` (retrieval states are the global minima),

and, along ``T``, the same lines in their inverse form: ``alpha_c(T)`` (``T_M``), ``alpha_global(T)`` (``T_c``, single
valued where ``T_c(alpha)`` is reentrant) and ``alpha_AT(T)`` (``T_R``),

as in AGS 1985 (Phys. Rev. Lett. 55, 1530). The evaluations run through a ``map``-like function, so a
process pool can share the work.

Retrieval states exist at a grid point exactly where ``alpha <= alpha_c(T)``, i.e. ``T_M_lower <= T <= T_M``.
Where a line does not exist its value is NaN and the reason (the :class:`~amphase.errors.NoSolutionError` message,
one per point) is listed in the variable's ``absent`` attribute; every other exception is a bug.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import xarray as xr

from amphase.dataset import flag_attrs
from amphase.errors import NoSolutionError
from amphase.theory.hopfield.lines import T_R, T_c_crossings, T_g, T_M_crossings, alpha_AT, alpha_c, alpha_global
from amphase.theory.hopfield.replica_symmetric import mixture_state, spin_glass_state

__all__ = ["PHASES", "compute_phase_diagram"]

_ALPHA_ATTRS = {"units": "1", "long_name": "load P/N (stored patterns per neuron)"}
_T_ATTRS = {"units": "1", "long_name": "temperature 1/beta in units of the coupling scale"}

#: phase labels, in the order of their flag values.
PHASES = ["paramagnetic", "spin_glass", "retrieval_metastable", "retrieval_global"]


def _solve(func: Callable[[], Any], width: int, reasons: dict[str, str], names: tuple[str, ...]) -> tuple:
    """``func()``, or ``width`` NaNs with the NoSolutionError message recorded under each of ``names``."""
    try:
        value = func()
    except NoSolutionError as err:
        reasons.update(dict.fromkeys(names, str(err)))
        return (math.nan,) * width
    return value if isinstance(value, tuple) else (value,)


def _lines_at(alpha: float) -> dict[str, Any]:
    reasons: dict[str, str] = {}
    tc_low, tc_high = _solve(lambda: T_c_crossings(alpha), 2, reasons, ("T_c", "T_c_lower"))
    tm_low, tm_high = _solve(lambda: T_M_crossings(alpha), 2, reasons, ("T_M", "T_M_lower"))
    (t_r,) = _solve(lambda: T_R(alpha), 1, reasons, ("T_R",))
    values = {"T_g": T_g(alpha), "T_M": tm_high, "T_M_lower": tm_low, "T_c": tc_high, "T_c_lower": tc_low, "T_R": t_r}
    return {**values, "reasons": reasons}


def _row_at(args: tuple[float, np.ndarray]) -> dict[str, Any]:
    T, alphas = args
    reasons: dict[str, str] = {}
    a_c, m_c = _solve(lambda: alpha_c(T), 2, reasons, ("alpha_c", "m_c"))
    out = {name: np.full(alphas.size, math.nan) for name in ("m", "f_retrieval", "f_spin_glass", "q_spin_glass")}
    phase = np.zeros(alphas.size, dtype=np.int8)
    for i, a in enumerate(alphas):
        sg = spin_glass_state(a, T)
        out["f_spin_glass"][i] = sg.free_energy
        out["q_spin_glass"][i] = sg.q
        if T >= T_g(a):
            phase[i] = 0
            continue
        if a <= a_c:  # False where alpha_c is NaN (T >= 1)
            r = mixture_state(1, a, T)
            out["m"][i], out["f_retrieval"][i] = r.m, r.free_energy
            phase[i] = 3 if r.free_energy < sg.free_energy else 2
        else:
            phase[i] = 1
    (a_g,) = _solve(lambda: alpha_global(T), 1, reasons, ("alpha_global",))
    (a_at,) = _solve(lambda: alpha_AT(T), 1, reasons, ("alpha_AT",))
    lines = {"alpha_c": a_c, "m_c": m_c, "alpha_global": a_g, "alpha_AT": a_at}
    return {**lines, "phase": phase, **out, "reasons": reasons}


def _absent(entries: list[dict[str, Any]], coord: str, values: np.ndarray, name: str) -> str:
    """``'coord=value: reason; ...'`` for the points where the line ``name`` is NaN."""
    return "; ".join(
        f"{coord}={v!r}: {e['reasons'][name]}"
        for v, e in zip(values.tolist(), entries, strict=True)
        if name in e["reasons"]
    )


def compute_phase_diagram(
    alpha: Iterable[float], T: Iterable[float], map_fn: Callable[..., Iterable[Any]] = map
) -> xr.Dataset:
    """Compute the phase diagram on the grid ``alpha x T`` (1-D arrays of loads >= 0 and temperatures >= 0).

    Returns
    -------
    xarray.Dataset
        Dimensions ``alpha`` and ``T``; variables ``phase`` (flags, see :data:`PHASES`), ``m``, ``f_retrieval``,
        ``f_spin_glass``, ``q_spin_glass`` on the grid; ``T_g``, ``T_M``, ``T_M_lower``, ``T_c``, ``T_c_lower``,
        ``T_R`` along ``alpha``; ``alpha_c``, ``m_c``, ``alpha_global`` (the ``T_c`` line) and ``alpha_AT`` (the
        ``T_R`` line) along ``T``. NaN where a state or line does not exist, with the reasons in each variable's
        ``absent`` attribute.

    """
    alphas = np.atleast_1d(np.asarray(alpha, dtype=float))
    temps = np.atleast_1d(np.asarray(T, dtype=float))
    lines = list(map_fn(_lines_at, alphas))
    rows = list(map_fn(_row_at, [(t, alphas) for t in temps]))

    def along_alpha(name: str) -> np.ndarray:
        return np.array([line[name] for line in lines])

    def grid(name: str) -> np.ndarray:
        return np.stack([row[name] for row in rows], axis=1)

    temp_attrs = {"units": "1"}
    ds = xr.Dataset(
        {
            "phase": (("alpha", "T"), grid("phase"), flag_attrs(PHASES, "thermodynamic phase (replica symmetric)")),
            "m": (("alpha", "T"), grid("m"), {"units": "1", "long_name": "retrieval overlap m"}),
            "f_retrieval": (
                ("alpha", "T"),
                grid("f_retrieval"),
                {"units": "1", "long_name": "retrieval free energy per neuron"},
            ),
            "f_spin_glass": (
                ("alpha", "T"),
                grid("f_spin_glass"),
                {"units": "1", "long_name": "spin-glass (or paramagnet) free energy per neuron"},
            ),
            "q_spin_glass": (
                ("alpha", "T"),
                grid("q_spin_glass"),
                {"units": "1", "long_name": "Edwards-Anderson q of the spin-glass state"},
            ),
            "T_g": ("alpha", along_alpha("T_g"), {**temp_attrs, "long_name": "spin-glass temperature 1 + sqrt(alpha)"}),
            "T_M": ("alpha", along_alpha("T_M"), {**temp_attrs, "long_name": "retrieval states exist below T_M"}),
            "T_M_lower": (
                "alpha",
                along_alpha("T_M_lower"),
                {**temp_attrs, "long_name": "and above T_M_lower (reentrant alpha_c(T)); 0 up to alpha_c(0)"},
            ),
            "T_c": (
                "alpha",
                along_alpha("T_c"),
                {**temp_attrs, "long_name": "retrieval states are global minima below T_c"},
            ),
            "T_c_lower": (
                "alpha",
                along_alpha("T_c_lower"),
                {**temp_attrs, "long_name": "lower end of the reentrant retrieval-global window"},
            ),
            "T_R": (
                "alpha",
                along_alpha("T_R"),
                {**temp_attrs, "long_name": "de Almeida-Thouless line of the retrieval states"},
            ),
            "alpha_c": (
                "T",
                np.array([r["alpha_c"] for r in rows]),
                {"units": "1", "long_name": "critical load alpha_c(T)"},
            ),
            "m_c": (
                "T",
                np.array([r["m_c"] for r in rows]),
                {"units": "1", "long_name": "retrieval overlap at alpha_c(T)"},
            ),
            "alpha_global": (
                "T",
                np.array([r["alpha_global"] for r in rows]),
                {
                    "units": "1",
                    "long_name": "largest load with retrieval states as global minima (the T_c line as alpha(T))",
                },
            ),
            "alpha_AT": (
                "T",
                np.array([r["alpha_AT"] for r in rows]),
                {"units": "1", "long_name": "load on the AT line of the retrieval states (the T_R line as alpha(T))"},
            ),
        },
        coords={"alpha": ("alpha", alphas, _ALPHA_ATTRS), "T": ("T", temps, _T_ATTRS)},
    )
    for name in ("T_M", "T_M_lower", "T_c", "T_c_lower", "T_R"):
        ds[name].attrs["absent"] = _absent(lines, "alpha", alphas, name)
    for name in ("alpha_c", "m_c", "alpha_global", "alpha_AT"):
        ds[name].attrs["absent"] = _absent(rows, "T", temps, name)
    for name in ("m", "f_retrieval"):
        ds[name].attrs["absent"] = "NaN where no retrieval state exists (phase paramagnetic or spin_glass)"
    return ds
