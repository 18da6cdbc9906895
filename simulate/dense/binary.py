"""The binary Dense Associative Memory (``dense.binary``) declared once: parameters, result variables, checks, run.

:class:`DenseRun` is the model's declaration (:func:`amphase.simulate.declare.model`) and the parameters of one
realization: ``N``, the degree ``n``, the separation function ``F`` (:mod:`amphase.simulate.binary.energy`), the load
as ``K`` patterns or as ``alpha`` with ``K = round(alpha N^(n-1))`` (give one; the other stays 0), and the engine's
options (declared by :class:`~amphase.simulate.binary.engine.BinaryRun`). Its run is
:func:`amphase.simulate.dense.binary_preset.run_realization`.
"""

from __future__ import annotations

import numpy as np

from amphase.errors import ParameterError
from amphase.params import fmt_value
from amphase.simulate.backend import get_backend
from amphase.simulate.binary.batched import window_for
from amphase.simulate.binary.energy import BinaryEnergy, make_energy
from amphase.simulate.binary.engine import BLOCK, BinaryRun, option, options
from amphase.simulate.binary.results import SHARED
from amphase.simulate.declare import Dim, Var, choice, model, number
from amphase.simulate.dense.binary_preset import CUES, run_realization
from amphase.simulate.store import fmt_bytes

__all__ = ["MODEL", "DenseRun"]


@model(
    title="Binary Dense Associative Memory: end states of the dynamics",
    references=(
        "D. Krotov & J. J. Hopfield, NeurIPS 29 (2016), arXiv:1606.01164; M. Demircigil, J. Heusel, M. Löwe, "
        "S. Upgang & F. Vermet, J. Stat. Phys. 168, 288 (2017)"
    ),
    dims={"trial": Dim(lambda r: r.trials), "rank": Dim(lambda r: r.top)},
    variables={
        **SHARED,
        "cue_pattern": Var(("trial",), "int32", -1, "cued pattern (-1: none)"),
        "energy": Var(("trial",), "float64", np.nan, "end-state energy E / F(N)", units="1"),
        "unstable_bits": Var(
            ("trial",),
            "int32",
            -1,
            "bits of the cued pattern whose flip lowers the energy (0: one-step stable; -1: no cue)",
        ),
        "noise_rms": Var(
            ("trial",), "float64", np.nan, "rms overlap with the patterns outside the top ranks", units="1"
        ),
        "K": Var((), "int32", 0, "number of stored patterns K"),
    },
    attrs=lambda r: {
        "backend": get_backend(r.backend).name,
        "device": get_backend(r.backend).device,
        "load_convention": "K patterns; or K = round(alpha N^(n-1)) when K = 0",
        "energy": f"E = -sum_mu F(M_mu), M_mu = sum_i xi_i^mu sigma_i ({BinaryEnergy.__module__})",
    },
    rate=2.5e6,  # units/s per worker: dense-capacity-n4: 173 s on 2 workers (scripts/calibrate_rates.py)
)
class DenseRun:
    """One grid point of ``dense.binary``: ``K`` patterns, ``trials`` trajectories (module docstring)."""

    N: int = number("number of neurons", ge=2, le=10**6, grid=True)
    n: int = number("degree of the polynomial F (also sets the load unit N^(n-1))", default=3, ge=2, le=30, grid=True)
    F: str = choice("separation function: x^n, x^n for x > 0 else 0, exp(x)", ("polynomial", "rectified",
                    "exponential"), default="polynomial", long_name="separation function F of E = -sum_mu F(M_mu)",
                    grid=True)  # fmt: skip
    K: int = number("stored patterns (0: K = round(alpha N^(n-1)))", default=0, ge=0, le=10**9,
                    long_name="number of stored patterns K", grid=True)  # fmt: skip
    alpha: float = number("load K/N^(n-1), used when K = 0", default=0.0, ge=0.0, le=1e3,
                          long_name="load K/N^(n-1) (stored patterns per N^(n-1))", grid=True)  # fmt: skip
    T: float = option("T")
    cue: str = option("cue", choices=CUES)
    noise: float = option("noise")
    trials: int = option("trials")
    dynamics: str = option("dynamics")
    sweeps: int = option("sweeps")
    backend: str = option("backend")
    top: int = number("largest overlaps reported per trajectory", default=5, ge=1, le=64)

    @property
    def stored(self) -> int:
        """Number of stored patterns: ``K``, or ``round(alpha N^(n-1))`` when ``K = 0``."""
        return int(self.K) if self.K else round(self.alpha * float(self.N) ** (self.n - 1))

    @property
    def energy(self) -> BinaryEnergy:
        """The energy of the seam."""
        return make_energy(self.F, self.n)

    @property
    def binary(self) -> BinaryRun:
        """The run of the one binary engine."""
        return BinaryRun(N=self.N, K=self.stored, energy=self.energy, **options(self))

    def check(self) -> None:
        """Cross-parameter checks at one grid point: one load, at least one pattern, exact arithmetic, the device."""
        if bool(self.K) == bool(self.alpha):
            raise ParameterError(
                f"give the load as K or as alpha (the other 0); got K={self.K}, alpha={fmt_value(self.alpha)}"
            )
        if self.stored < 1:
            raise ParameterError(
                f"alpha={fmt_value(self.alpha)} at N={self.N}, n={self.n} stores K = round(alpha N^(n-1)) = 0 "
                f"patterns; allowed: alpha >= {fmt_value(0.5 / float(self.N) ** (self.n - 1))}"
            )
        why = self.energy.check_exact(self.N, self.stored)
        if why:
            raise ParameterError(why)
        K = self.stored
        need = float(self.N) * K  # the patterns alone
        if need > 16 * 2**30:
            raise ParameterError(f"N={self.N}, K={K}: the patterns alone need {fmt_bytes(need)}; allowed: 16 GiB")
        backend = get_backend(self.backend)
        if backend.name == "gpu":
            free = float(backend.xp.cuda.Device().mem_info[0])
            if self._device_bytes() > free:
                raise ParameterError(
                    f"one realization at N={self.N}, K={K} needs about {fmt_bytes(self._device_bytes())} on the "
                    f"GPU; it has {fmt_bytes(free)} free"
                )

    def _device_bytes(self) -> float:
        """Batched kernels: patterns, the float64 copy of the GEMMs, coefficients, one window of gathered rows."""
        N, K, B = self.N, self.stored, self.trials
        w = window_for(B, K)
        return N * K * (1 + 8 + 8) + B * N * (1 + 8 + 8 + 8) + B * K * (8 * 5) + B * w * K * (1 + 8)

    def memory(self, realizations: int) -> float:
        """Upper estimate of the bytes one task needs.

        Patterns, the stability GEMM's float copy and coefficients, per-trial overlaps and coefficients, the random
        numbers of one block, the batched arrays, the results.
        """
        N, K, B = self.N, self.stored, self.trials
        total = float(N) * K + N * K * 16 + B * (K * 8 * 6 + N * 8 * 4 + BLOCK * N * 16)
        if get_backend(self.backend).batched or self.dynamics == "sync":
            total += self._device_bytes()
        outputs = B * self.top * 12 + B * 48
        return float(total + realizations * outputs)

    def cost(self) -> float:
        """Relative cost of one realization: ``N K`` per sweep (and the stability check), times the trials."""
        return float(self.N) * self.stored * self.trials

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization: :func:`~amphase.simulate.dense.binary_preset.run_realization`."""
        return run_realization(self, seed)


MODEL = DenseRun.MODEL
