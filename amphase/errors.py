"""Exceptions shared by every part of amphase.

The CLI turns any :class:`AmphaseError` into one line on standard error and a non-zero exit status.
"""

from __future__ import annotations

__all__ = ["AmphaseError", "CheckpointError", "DiskFullError", "NoSolutionError", "ParameterError"]


class AmphaseError(Exception):
    """Base class of the errors amphase reports to a user without a traceback."""


class ParameterError(AmphaseError, ValueError):
    """A parameter lies outside its allowed range; raised before any work starts."""


class NoSolutionError(AmphaseError, ValueError):
    """The requested state or line does not exist at these (valid) parameters.

    Example: no retrieval solution at a load above the critical load ``alpha_c(T)``. Grid evaluations record such
    points as NaN instead of failing.
    """


class DiskFullError(AmphaseError):
    """The device of an output is full (``ENOSPC``) or the user's quota is spent (``EDQUOT``).

    Raised where amphase writes (a checkpoint, a dataset, a figure), with a message that says what was kept and how
    to go on; nothing half-written is left behind.
    """


class CheckpointError(AmphaseError):
    """A checkpoint store cannot be resumed (damaged metadata, another format); the message names ``--restart``."""
