"""amphase: statistical physics of associative memories.

Theory (``amphase.theory``), simulation (``amphase.simulate``) and their comparison (``amphase.analysis``) for
Hopfield networks, Dense Associative Memories and diffusion models with the exact score of their training set.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("amphase")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
