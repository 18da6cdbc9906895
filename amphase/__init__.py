"""amphase: statistical physics of associative memories.

Theory (``amphase.theory``), simulation (``amphase.simulate``) and their comparison (``amphase.analysis``) for
Hopfield networks, Dense Associative Memories and diffusion models with the exact score of their training set.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# theory/, simulate/ and analysis/ sit beside this folder in the source tree and are mapped into the package by
# setuptools at install time. When Python imports this folder straight from a checkout (its working directory is
# the repository root, so it shadows any installed copy), let the subpackages be found beside it as well.
_root = Path(__file__).resolve().parent.parent
if (_root / "pyproject.toml").is_file() and (_root / "theory" / "__init__.py").is_file():
    __path__.append(str(_root))
del _root

try:
    __version__ = version("amphase")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
