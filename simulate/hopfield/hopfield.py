"""The Hopfield network (``hopfield``) declared once: its parameters, result variables, checks and run.

:class:`HopfieldRun` is the model's declaration (:func:`amphase.simulate.declare.model`) and the parameters of one
realization: ``HopfieldRun(N=4000, alpha=0.1).run(seed)`` runs one, as the sweep runner does at each grid point
(:func:`amphase.simulate.hopfield.preset.run_realization`: the ``F(x) = x^2/2`` preset of the one binary engine).
The engine's options (``T``, ``cue``, ``noise``, ...) are declared by
:class:`~amphase.simulate.binary.engine.BinaryRun`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from amphase.errors import ParameterError
from amphase.params import fmt_value
from amphase.simulate.backend import get_backend
from amphase.simulate.binary.energy import Quadratic
from amphase.simulate.binary.engine import BLOCK, BinaryRun, option, options
from amphase.simulate.binary.hebbian_batched import exact_float
from amphase.simulate.binary.results import SHARED
from amphase.simulate.declare import Dim, Var, choice, model, number
from amphase.simulate.hopfield import device
from amphase.simulate.hopfield.preset import run_realization
from amphase.simulate.store import fmt_bytes

__all__ = ["MODEL", "HopfieldRun"]


@model(
    title="Hopfield network: end states of the dynamics",
    references="J. J. Hopfield, PNAS 79, 2554 (1982); Amit, Gutfreund & Sompolinsky, Phys. Rev. A 32, 1007 (1985)",
    dims={"trial": Dim(lambda r: r.trials), "rank": Dim(lambda r: r.top), "pattern": Dim(lambda r: r.K)},
    variables={
        **SHARED,
        "cue_pattern": Var(("trial",), "int32", -1, "cued pattern (first of a mixture; -1: none)"),
        "energy": Var(("trial",), "float64", np.nan, "end-state energy per spin", units="1"),
        "noise_rms": Var(
            ("trial",),
            "float64",
            np.nan,
            "rms overlap with the patterns outside the top ranks (the end state's noise scale)",
            units="1",
        ),
        "K": Var((), "int32", 0, "number of stored patterns K"),
        "overlap": Var(
            ("trial", "pattern"),
            "float32",
            np.nan,
            "end-state overlap with each pattern (NaN: none)",
            when=lambda r: r.overlaps == "all",
        ),
    },
    attrs=lambda r: {"backend": get_backend(r.backend).name, "device": get_backend(r.backend).device},
    rate=5.0e9,  # units/s per worker: hopfield-fss: 330 s on 2 workers (scripts/calibrate_rates.py)
)
class HopfieldRun:
    """One grid point of ``hopfield``: ``K = round(alpha N)`` patterns, ``trials`` trajectories (module docstring)."""

    N: int = number("number of neurons", ge=2, le=10**7, grid=True)
    alpha: float = number("load K/N; K = round(alpha N) >= 1 patterns", gt=0.0, le=10.0,
                          long_name="load K/N (stored patterns per neuron)", grid=True)  # fmt: skip
    T: float = option("T", description="temperature (0: deterministic rule; > 0: heat bath)",
                      long_name="temperature 1/beta")  # fmt: skip
    cue: str = option("cue")
    noise: float = option("noise")
    n_mix: int = option("n_mix")
    trials: int = option("trials")
    dynamics: str = option("dynamics")
    sweeps: int = option("sweeps")
    form: str = option("form")
    backend: str = option("backend")
    top: int = number("largest overlaps reported per trajectory", default=5, ge=1, le=64)
    overlaps: str = choice("store the overlaps with all patterns, or only the top ones", ("all", "top"), default="all")

    @property
    def K(self) -> int:
        """Number of stored patterns."""
        return round(self.alpha * self.N)

    @property
    def binary(self) -> BinaryRun:
        """The run of the one binary engine: :class:`~amphase.simulate.binary.energy.Quadratic`, ``K`` patterns."""
        return BinaryRun(N=self.N, K=self.K, energy=Quadratic(), **options(self))

    def check(self) -> None:
        """Cross-parameter checks at one grid point."""
        if self.K < 1:
            raise ParameterError(
                f"alpha={fmt_value(self.alpha)} at N={self.N} stores K = round(alpha N) = 0 patterns; "
                f"allowed: alpha >= {fmt_value(0.5 / self.N)} at this N"
            )
        if self.cue == "mixture" and self.n_mix > self.K:
            raise ParameterError(
                f"n_mix={self.n_mix} exceeds the K={self.K} patterns at N={self.N}, alpha={self.alpha}"
            )
        if self.form == "coupling":
            if self.backend != "cpu":
                raise ParameterError("form='coupling' runs on backend='cpu' only")
            if self.K > 32767 or 2 * self.N**2 > 8 * 2**30:
                raise ParameterError(
                    f"form='coupling' at N={self.N}, K={self.K}: the int16 N x N matrix allows N <= 65536, K <= 32767"
                )
        backend = get_backend(self.backend)  # an unavailable GPU is an error before any work
        if backend.name == "gpu":
            free = float(backend.xp.cuda.Device().mem_info[0])
            need = self._device_bytes()
            if need > free:
                raise ParameterError(
                    f"one realization at N={self.N}, K={self.K} needs about {fmt_bytes(need)} on the GPU; "
                    f"it has {fmt_bytes(free)} free"
                )

    def _device_bytes(self) -> float:
        """Bytes the batched kernels hold at once: patterns, spins, overlaps, one window of rows, GEMM operands."""
        N, K, B = self.N, self.K, self.trials
        if self.dynamics == "sync":
            fb = np.dtype(exact_float(np, N, K)).itemsize
            return N * K * (1 + fb) + B * N * (3 + 2 * fb) + B * K * fb
        return N * K + B * N * (1 + 2 * 8) + B * K * 4 + B * 32 * K * (1 + 8)

    def memory(self, realizations: int) -> float:
        """Upper estimate of the bytes one task (all realizations at one grid point) needs.

        The patterns (``N K`` int8), per trial the overlaps in every form they take (int32 counts, float64 overlaps,
        the argsort of the measurement), the random numbers of one block of sweeps, the ``N x N`` couplings and their
        float product in the coupling form, the batched kernels' arrays, and the results of every realization.
        """
        N, K, B = self.N, self.K, self.trials
        per_trial = K * (4 + 8 + 8 + 8) + N + BLOCK * N * (8 + (8 if self.T > 0 else 0))
        total = N * K + B * per_trial
        if self.form == "coupling":
            total += N * N * (2 + 8) + N * K * 8
        if get_backend(self.backend).batched or self.dynamics == "sync":
            total += self._device_bytes()
        outputs = B * (K * 4 if self.overlaps == "all" else 0) + B * self.top * 12 + B * 32
        return float(total + realizations * outputs)

    def cost(self) -> float:
        """Relative cost of one realization: ``N K`` multiply-adds per sweep, times the sweeps expected and the trials.

        At T > 0 every trajectory runs ``sweeps`` sweeps. At T = 0 it stops at a fixed point: measured from the
        stored patterns (N = 2000 to 8000), one sweep at alpha = 0.05, 5 to 14 near alpha_c, and about 0.9 sqrt(N)
        in the spin-glass phase (39 to 83 at alpha = 0.5): here ``1 + sqrt(N)`` above alpha = 0.1, capped at
        ``sweeps``.
        """
        expected = self.sweeps if self.T > 0 else min(self.sweeps, 1.0 + (self.alpha > 0.1) * self.N**0.5)
        return float(self.N * self.K * self.trials * expected)

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """One realization (:func:`~amphase.simulate.hopfield.preset.run_realization`), ``overlap`` if declared."""
        out = run_realization(self, seed)
        if self.overlaps != "all":
            del out["overlap"]
        return out


# many grid points per device task (simulate/hopfield/device.py): the device executor's run_many and launch
MODEL = replace(HopfieldRun.MODEL, run_many=device.run_many, launch=device.launch)
