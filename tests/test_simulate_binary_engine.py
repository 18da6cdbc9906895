"""The one binary engine: the Hopfield preset (``Quadratic``) and the dense n = 2 path (``Polynomial(2)``) agree."""

import numpy as np
import pytest

from amphase.simulate.binary.energy import Polynomial, Quadratic
from amphase.simulate.binary.engine import BinaryRun, run_realization

SEED = np.random.SeedSequence(2026, spawn_key=(11,))


@pytest.mark.parametrize(
    ("backend", "dynamics", "T"),
    [("cpu", "async", 0.0), ("numpy", "async", 0.0), ("cpu", "async", 0.4), ("numpy", "async", 0.4),
     ("cpu", "sync", 0.0)],
)  # fmt: skip
def test_hopfield_preset_and_dense_n2_follow_the_same_trajectories(backend, dynamics, T):
    """F = x^2/2 and F = x^2 differ by a factor 2, so at T = 0 every flip decision is the same (exact signs), and the
    heat bath in units of F'(N) is the same rule; same seed: same patterns, cues and orders, so the same end states spin
    for spin. K = 24 is even and N - 1 odd, so exact ties (zero fields, kept spins) occur and are tested too."""
    common = dict(N=121, K=24, T=T, noise=0.2, trials=6, dynamics=dynamics, sweeps=30, backend=backend)
    hop = run_realization(BinaryRun(energy=Quadratic(), **common), SEED)
    dense = run_realization(BinaryRun(energy=Polynomial(2), **common), SEED)
    for name in ("xiT", "S", "M", "sweeps", "status", "cued"):
        np.testing.assert_array_equal(getattr(hop, name), getattr(dense, name), err_msg=name)
    assert (hop.sweeps > 1).any()  # the dynamics did run (not only the cue)
    start = 121 - 2 * round(0.2 * 121)  # overlap of every cue with its pattern
    assert (hop.M[np.arange(6), hop.cued] != start).any()  # and moved the states


def test_coupling_form_follows_the_pattern_form():
    """The N x N integer couplings (Hopfield only) and the overlaps give the same trajectories (same exact fields)."""
    common = dict(N=100, K=12, energy=Quadratic(), noise=0.25, trials=4, sweeps=30)
    for T in (0.0, 0.3):
        a = run_realization(BinaryRun(form="pattern", T=T, **common), SEED)
        b = run_realization(BinaryRun(form="coupling", T=T, **common), SEED)
        for name in ("S", "M", "sweeps", "status"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_the_presets_declare_the_engine_options_once_and_pass_every_one_on():
    """Each engine option a preset declares is BinaryRun's (domain, default, grid flag), changed only where the preset
    says so (Hopfield's T is named 1/beta, dense offers two cue kinds), and reaches the engine's run unchanged."""
    from dataclasses import fields

    from amphase.simulate.dense.binary import DenseRun
    from amphase.simulate.hopfield.hopfield import HopfieldRun

    engine_fields = {f.name: f for f in fields(BinaryRun) if "spec" in f.metadata}
    changed = {("hopfield", "T"): {"description", "long_name"}, ("dense.binary", "cue"): {"choices"}}
    for cls in (HopfieldRun, DenseRun):
        model = cls.MODEL
        shared = [name for name in engine_fields if name in model.defaults]
        assert len(shared) == (9 if cls is HopfieldRun else 7)
        for name in shared:
            ours, theirs = model.param(name), engine_fields[name].metadata["spec"]
            differ = {k for k in vars(theirs) if getattr(ours, k) != getattr(theirs, k) and k != "integer"}
            assert differ == changed.get((model.name, name), set()), (model.name, name)
            assert model.defaults[name] == engine_fields[name].default
            assert (name in model.gridable) == engine_fields[name].metadata["grid"]
    # every option set away from its default reaches BinaryRun
    values = dict(T=0.25, cue="random", noise=0.125, n_mix=5, trials=3, dynamics="sync", sweeps=7, form="coupling",
                  backend="numpy")  # fmt: skip
    hop = HopfieldRun(N=50, alpha=0.1, **values).binary
    assert {k: getattr(hop, k) for k in values} == values and hop.K == 5
    dense_values = {k: v for k, v in values.items() if k not in ("n_mix", "form")}
    dense = DenseRun(N=50, n=2, K=4, **dense_values).binary
    assert {k: getattr(dense, k) for k in dense_values} == dense_values and (dense.n_mix, dense.form) == (3, "pattern")
