"""Exceptions shared by every part of amphase.

The CLI turns any :class:`AmphaseError` into one line on standard error and a non-zero exit status.
"""

from __future__ import annotations

__all__ = ["AmphaseError", "NoSolutionError", "ParameterError"]


class AmphaseError(Exception):
    """Base class of the errors amphase reports to a user without a traceback."""


class ParameterError(AmphaseError, ValueError):
    """A parameter lies outside its allowed range; raised before any work starts."""


class NoSolutionError(AmphaseError, ValueError):
    """The requested state or line does not exist at these (valid) parameters.

    Example: no retrieval solution at a load above the critical load ``alpha_c(T)``. Grid evaluations record such
    points as NaN instead of failing.
    """
