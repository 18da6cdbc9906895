"""The paper's distance rule for generated samples: moved to :mod:`amphase.simulate.diffusion.classify`.

The kernels (streamed nearest neighbours, the memorized / spurious / generalized rule) run inside the model, so they
live in ``simulate/`` (``simulate`` never imports ``analysis``); this module re-exports them for the analysis code.
"""

from amphase.simulate.diffusion.classify import CLASSES, Classification, classify, counts, data_scale, nearest

__all__ = ["CLASSES", "Classification", "classify", "counts", "data_scale", "nearest"]
