import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")  # the networks are torch modules (the torch extra; CI installs it)

from amphase.errors import ParameterError
from amphase.simulate.diffusion.attractors import find_attractors, iterate_fixed_points
from amphase.simulate.diffusion.curvature import score_spectrum, spectrum
from amphase.simulate.diffusion.samplers import descend
from amphase.simulate.diffusion.schedules import Schedule, ve
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.diffusion.torch_score_mlp import load

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _script(name, monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))  # as when the script runs: its folder is on sys.path
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_train_toy_score_writes_loadable_weights_and_refuses_to_overwrite(tmp_path, monkeypatch, capsys):
    tr = _script("train_toy_score", monkeypatch)
    args = ["--K", "2", "9", "--steps", "3", "--width", "8", "--depth", "1", "--out", str(tmp_path)]
    assert tr.main(args) == 0
    for K in (2, 9):
        net = load(tmp_path / f"toy-score-K{K}.npz")
        assert np.array_equal(net.points, tr.toy_points(K))
        np.testing.assert_allclose(np.hypot(*net.points.T), 1.0, rtol=1e-12)  # on the unit circle
        assert net.settings.steps == 3 and net.schedule["kind"] == "ve" and net.schedule["sigma"] == 1.0
    # nested in K: the 9 training points contain the 2
    p2, p9 = tr.toy_points(2), tr.toy_points(9)
    assert all(np.isclose(p9, q).all(axis=1).any() for q in p2)
    assert tr.main(args) == 2
    assert "exists" in capsys.readouterr().err


@pytest.mark.slow
def test_diffusion_toy_compares_exact_and_network(tmp_path, monkeypatch):
    tr = _script("train_toy_score", monkeypatch)
    assert tr.main(["--K", "2", "--steps", "300", "--width", "16", "--depth", "2", "--out", str(tmp_path)]) == 0
    toy = _script("diffusion_toy", monkeypatch)
    out = tmp_path / "toy.png"
    assert toy.main(["--K", "2", "--weights", str(tmp_path), "--out", str(out), "--samples", "50", "--t", "0.05"]) == 0
    rows = json.loads(out.with_suffix(".json").read_text())
    assert rows[0]["K"] == 2 and rows[0]["beta"] == pytest.approx(10.0)
    # two training points at beta = 10: both are attractors of the exact score, and the exact ODE to t = 1e-3 lands
    # every sample on one of them
    assert rows[0]["exact_memorized"] == 2 and rows[0]["exact_spurious"] == 0
    assert rows[0]["ode_classes_exact"]["memorized"] == 50
    assert out.stat().st_size > 1000
    # physical classes: both minima of two far points are owned and isolated, by the exact energy and by the line
    # integral of the exact score, which equals the exact energy along the string (gradient theorem)
    ph = rows[0]["physical"]
    assert ph["exact_lse"]["classes"]["memorized"]["fraction"] == 1.0
    assert ph["exact_line_integral"]["classes"]["memorized"]["fraction"] == 1.0
    assert ph["identity"]["profile_error"] < 1e-8 and ph["identity"]["barrier_max_rel_diff"] < 1e-3
    # curvature: lambda_flat = 2 sigma_t^2 / spread^2 = 2 * 0.05 / 0.25 = 0.4 (VE, s = 1, data scale 1)
    assert rows[0]["lam_flat"] == pytest.approx(0.4, rel=1e-12)
    c = rows[0]["attractor_curvature"]["exact_memorized"]
    # at a memorized minimum of two points the Hessian is 2I - 4 beta w(1-w) (xi1 - xi2)(xi1 - xi2)^T with the
    # other point's weight w ~ exp(-beta D^2): both eigenvalues near 2, no near-flat direction (a memorized point)
    assert c["count"] == 2 and c["flat_directions"] == [0, 0] and c["lam1_min"] > 0.4
    # the exact samples stopped at t = 0.05 and iterated to a fixed point all end on the two training points
    f = rows[0]["finite_t_exact"]
    assert f["curvature_rule"]["memorized"]["count"] == 50 and f["n_with_flat"] == 0 and f["n_unconverged"] == 0
    assert out.with_name("toy-curvature.png").stat().st_size > 1000


def _small_network(tmp_path, monkeypatch):
    """A K = 2 toy network trained 300 steps (so that the default tests exercise training), loaded back."""
    tr = _script("train_toy_score", monkeypatch)
    args = ["--K", "2", "--steps", "300", "--width", "16", "--depth", "2", "--out", str(tmp_path)]
    assert tr.main(args) == 0
    return load(tmp_path / "toy-score-K2.npz")


def test_network_spectrum_is_real_and_the_plain_callable_path_reproduces_the_exact_hessian(tmp_path, monkeypatch):
    net = _small_network(tmp_path, monkeypatch)
    sched = Schedule(**net.schedule)
    t = 0.05
    x = np.random.default_rng(5).uniform(-1.2, 1.2, size=(6, 2))
    ev = spectrum(net.score(), sched, x, t)  # not an ExactScore: the Jacobian path, 2(I - J_F)
    assert ev.shape == (6, 2) and np.isrealobj(ev) and np.isfinite(ev).all()
    assert (np.diff(ev, axis=1) >= 0).all()  # ascending
    # identity: H = 2(I - J_F) = 2I - 4 beta Cov_w for the exact score, so the central-difference path on the exact
    # score hidden behind a plain callable gives the exact Hessian's eigenvalues; the O(h^2) truncation at h = 1e-5
    # (curvatures of order beta^3 D^3 ~ 1e3 here) and the rounding eps/h ~ 1e-11 stay far below 1e-6
    ex = exact_score(net.points, sched, dtype="float64")
    exact = spectrum(ex, sched, x, t)

    def plain(y, tt):
        return ex(y, tt)

    fd = spectrum(plain, sched, x, t)
    assert np.allclose(fd, exact, rtol=0, atol=1e-6)
    # the script's helper goes through the same dispatcher (and returns (0, 2) for no points)
    toy = _script("diffusion_toy", monkeypatch)
    assert np.array_equal(toy.curvature_spectrum(ex, sched, x, t), exact)
    assert toy.curvature_spectrum(net.score(), sched, np.zeros((0, 2)), t).shape == (0, 2)
    # the network's spectrum at its own attractors is the real part of find_attractors' eigenvalues (the same
    # central differences of F; steps 1e-5 * scale vs 1e-5 differ only at the truncation order)
    a = find_attractors(net.score(), sched, t, net.points, net.points, max_steps=3000)
    assert len(a.x) >= 1
    np.testing.assert_allclose(spectrum(net.score(), sched, a.x, t), a.eigenvalues.real, rtol=0, atol=1e-5)


def test_fixed_point_iteration_of_the_exact_score_ends_where_the_exact_descent_ends():
    # for the exact score F(y) = y + sigma_t^2 S(y, t) is the LSE map m(y) of the descend protocol, so the generic
    # iteration and amphase.simulate.diffusion.samplers.descend (fixed_point_iteration on the energy) reach the same
    # minima, within their tolerances
    pts = np.random.default_rng(2).standard_normal((12, 2))
    sched = ve(1.0)
    ex = exact_score(pts, sched, dtype="float64")
    x = np.random.default_rng(3).standard_normal((40, 2))
    t = 0.1
    y, res, conv = iterate_fixed_points(ex, sched, t, x, scale=1.0, tol=1e-10, max_steps=20_000)
    want, d = descend(ex, x, t, tol=1e-10, max_steps=20_000)
    assert conv.all() and bool(d.converged.all())
    assert (res <= 1e-10).all()
    np.testing.assert_allclose(y, want, rtol=0, atol=1e-7)


def test_bad_input_raises_parameter_error(tmp_path, monkeypatch):
    sched = ve(1.0)
    ex = exact_score(np.array([[1.0, 0.0], [0.0, 1.0]]), sched, dtype="float64")

    def plain(y, tt):
        return ex(y, tt)

    with pytest.raises(ParameterError, match="y of shape"):
        score_spectrum(plain, sched, np.zeros(2), 0.1, h=1e-5)
    with pytest.raises(ParameterError, match="y of shape"):
        score_spectrum(plain, sched, np.array([[np.nan, 0.0]]), 0.1, h=1e-5)
    with pytest.raises(ParameterError, match="t="):
        score_spectrum(plain, sched, np.zeros((1, 2)), 0.0, h=1e-5)
    bad = (
        ({"scale": 0.0}, "scale="),
        ({"scale": 1.0, "step": 1.5}, "step="),
        ({"scale": 1.0, "max_steps": 0}, "max_steps="),
        ({"scale": 1.0, "tol": -1.0}, "tol="),
    )
    for kw, name in bad:
        with pytest.raises(ParameterError, match=name):
            iterate_fixed_points(ex, sched, 0.1, np.zeros((1, 2)), **kw)
    with pytest.raises(ParameterError, match="x of shape"):
        iterate_fixed_points(ex, sched, 0.1, np.zeros(2), scale=1.0)
    toy = _script("diffusion_toy", monkeypatch)
    out = str(tmp_path / "toy.png")
    assert toy.main(["--K", "2", "--weights", str(tmp_path), "--out", out, "--samples", "1"]) == 2
    assert toy.main(["--K", "2", "--weights", str(tmp_path), "--out", out, "--t", "0"]) == 2
