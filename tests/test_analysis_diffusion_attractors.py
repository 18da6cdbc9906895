import numpy as np
import pytest

from amphase.analysis.diffusion.attractor_figures import ToyColumn, plot_toy
from amphase.analysis.diffusion.attractors import MATCH_CLASSES, compare_attractors
from amphase.analysis.figures import save_figure
from amphase.errors import ParameterError
from amphase.simulate.diffusion.attractors import KINDS, find_attractors, fixed_point_hessian, grid_starts
from amphase.simulate.diffusion.schedules import ve, vp
from amphase.simulate.diffusion.score import exact_score

PAIR = np.array([[-1.0, 0.0], [1.0, 0.0]])  # data scale 1


def test_hessian_of_the_fixed_point_map_is_the_lse_hessian():
    # H = 2 (I - J_F) by central differences equals 2 I - 4 beta Cov_w of the LSE energy at beta_t, memories s xi
    pts = np.random.default_rng(0).standard_normal((7, 2))
    for sched, t in ((ve(1.0), 0.2), (vp(), 0.3)):
        ex = exact_score(pts, sched, dtype="float64")
        x = np.random.default_rng(1).standard_normal((5, 2))
        s = float(sched.scale(t))
        h = fixed_point_hessian(ex, sched, t, x, h=1e-5)
        want = ex.energy_at(t).hessian(s * x)
        np.testing.assert_allclose(h, want, rtol=0, atol=1e-6)


def test_two_points_memorized_below_and_merged_above_the_pitchfork():
    # two points at +-a: the midpoint's Hessian is 2 - 4 beta a^2 along the pair and 2 across, so it is stable for
    # beta < 1/(2 a^2) = 1/2 (VE sigma = 1: t > 1) and a saddle with eigenvalues (2 - 4 beta, 2) below
    sched = ve(1.0, t_max=4.0)
    starts = grid_starts(-1.5, 1.5, 9)  # odd: the symmetry line x = 0 is among the starts
    ex = exact_score(PAIR, sched, dtype="float64")
    low = find_attractors(ex, sched, 0.1, starts, PAIR)  # beta = 5
    assert low.n_attractors == 2 and low.n_memorized == 2 and low.n_spurious == 0
    mem = low.x[low.is_attractor]
    np.testing.assert_allclose(np.sort(mem[:, 0]), [-1.0, 1.0], atol=1e-6)  # w of the other point ~ e^-20
    saddle = low.kind == KINDS.index("saddle")
    assert saddle.sum() == 1
    np.testing.assert_allclose(low.x[saddle][0], [0.0, 0.0], atol=1e-7)
    np.testing.assert_allclose(np.sort(low.eigenvalues[saddle][0].real), [2 - 4 * 5.0, 2.0], atol=1e-5)
    assert low.basin.sum() + len(low.stalled) == low.n_starts == len(starts)
    high = find_attractors(ex, sched, 2.0, starts, PAIR)  # beta = 1/4 < 1/2
    assert high.n_attractors == 1 and high.n_spurious == 1
    np.testing.assert_allclose(high.x[0], [0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(np.sort(high.eigenvalues[0].real), [2 - 4 * 0.25, 2.0], atol=1e-5)
    assert high.d_train[0] == pytest.approx(1.0, abs=1e-6)


def test_a_score_compared_with_itself_agrees_everywhere():
    pts = np.random.default_rng(2).uniform(-1, 1, (9, 2))
    sched = ve(1.0)
    ex = exact_score(pts, sched, dtype="float64")
    starts = grid_starts(-1.5, 1.5, 12)
    a = find_attractors(ex, sched, 0.1, starts, pts)
    c = compare_attractors(a, a)
    n = c.counts()
    assert n["network_network_only"] == 0 and n["exact_attractors_missed"] == 0
    assert n["network_memorized"] == n["exact_memorized"] and n["network_exact_spurious"] == n["exact_spurious"]


def test_a_pull_to_another_point_is_network_only():
    sched = ve(1.0)
    t = 0.1
    c0 = np.array([0.0, 0.5])

    def pull(y, t_):
        return -(y - c0) / sched.variance(t_)  # F(y) = c0: one attractor at c0, H = 2 I

    ex = exact_score(PAIR, sched, dtype="float64")
    starts = grid_starts(-1.5, 1.5, 5)
    a_ex = find_attractors(ex, sched, t, starts, PAIR)
    a_net = find_attractors(pull, sched, t, starts, PAIR)
    assert a_net.n_attractors == 1 and a_net.basin[0] == len(starts)
    np.testing.assert_allclose(a_net.x[0], c0, atol=1e-12)
    np.testing.assert_allclose(a_net.eigenvalues[0].real, [2.0, 2.0], atol=1e-6)
    c = compare_attractors(a_ex, a_net)
    assert MATCH_CLASSES[c.match[0]] == "network-only"
    assert c.d_exact[0] == pytest.approx(np.hypot(1.0, 0.5), abs=1e-6)
    assert not c.exact_found[a_ex.is_attractor].any()


def test_bad_arguments_are_refused():
    sched = ve(1.0)
    ex = exact_score(PAIR, sched, dtype="float64")
    s = grid_starts(-1, 1, 3)
    with pytest.raises(ParameterError, match="t="):
        find_attractors(ex, sched, 0.0, s, PAIR)
    with pytest.raises(ParameterError, match="step"):
        find_attractors(ex, sched, 0.1, s, PAIR, step=1.5)
    with pytest.raises(ParameterError, match="starts"):
        find_attractors(ex, sched, 0.1, np.zeros((3, 3)), PAIR)
    with pytest.raises(ParameterError, match="max_steps"):
        find_attractors(ex, sched, 0.1, s, PAIR, max_steps=0)
    with pytest.raises(ParameterError, match="grid_starts"):
        grid_starts(1, -1, 3)
    a = find_attractors(ex, sched, 0.1, s, PAIR)
    b = find_attractors(ex, sched, 0.2, s, PAIR)
    with pytest.raises(ParameterError, match="same t"):
        compare_attractors(a, b)
    with pytest.raises(ParameterError, match="delta_match"):
        compare_attractors(a, a, delta_match=-1)


def test_toy_figure_titles_carry_the_counts(tmp_path):
    sched = ve(1.0)
    t = 0.1
    ex = exact_score(PAIR, sched, dtype="float64")
    c0 = np.array([0.0, 0.5])

    def pull(y, t_=t):
        return -(y - c0) / sched.variance(t_)

    starts = grid_starts(-1.5, 1.5, 5)
    comp = compare_attractors(
        find_attractors(ex, sched, t, starts, PAIR), find_attractors(pull, sched, t, starts, PAIR)
    )
    col = ToyColumn(PAIR, comp, lambda x: ex.energy(x, t), lambda x: ex(x, t), lambda x: pull(x, t))
    fig = plot_toy([col], t, float(sched.beta(t)), n_bg=20, n_arrow=5)
    titles = [ax.get_title() for ax in fig.axes]
    assert "exact score, K = 2: 2 memorized, 0 spurious" in titles
    assert "network, K = 2: 0 memorized, 0 exact-spurious, 1 network-only" in titles
    path = save_figure(fig, tmp_path / "toy.png")
    assert path.stat().st_size > 1000
