"""Classification of generated samples on hand-made cases; streamed nearest neighbours against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.diffusion.classify import CLASSES, classify, counts, data_scale, nearest


def test_hand_made() -> None:
    train = np.array([[1.0, 0.0], [-1.0, 0.0]])  # data scale: rms distance from the mean = 1
    samples = np.array(
        [
            [1.0, 0.001],  # memorized (0.001 <= 0.01)
            [0.0, 0.5],  # spurious: its twin below
            [0.0, 0.5005],
            [0.0, -0.7],  # generalized: alone
            [-1.0, 0.02],  # 0.02 from a training point > delta_m: and alone: generalized
        ]
    )
    cl = classify(samples, train, delta_m=0.01, delta_s=0.001)
    assert cl.scale == 1.0
    assert [CLASSES[i] for i in cl.labels] == ["memorized", "spurious", "spurious", "generalized", "generalized"]
    assert np.array_equal(counts(cl.labels), [1, 2, 2])
    assert np.array_equal(cl.nearest_train, [0, 0, 0, 0, 1])
    cl2 = classify(samples, train, delta_m=0.01, delta_s=0.001, scale=3.0)  # thresholds scale with the data scale
    assert [CLASSES[i] for i in cl2.labels] == ["memorized", "spurious", "spurious", "generalized", "memorized"]


def test_nearest_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    q = rng.standard_normal((57, 5)) + 100.0  # an offset: centring keeps the GEMM form accurate
    p = rng.standard_normal((301, 5)) + 100.0
    d, i = nearest(q, p, tile=64)
    full = np.sqrt(((q[:, None] - p[None]) ** 2).sum(-1))
    assert np.array_equal(i, full.argmin(1)) and np.allclose(d, full.min(1), rtol=1e-9, atol=1e-9)
    ds, js = nearest(p, p, tile=50, exclude_self=True)
    np.fill_diagonal(full2 := np.sqrt(((p[:, None] - p[None]) ** 2).sum(-1)), np.inf)
    assert np.array_equal(js, full2.argmin(1)) and np.allclose(ds, full2.min(1), rtol=1e-9, atol=1e-9)
    cheb = nearest(q, p, tile=64, metric=lambda a, b: np.abs(a[:, None] - b[None]).max(-1))
    assert np.allclose(cheb[0], np.abs(q[:, None] - p[None]).max(-1).min(1))


def test_scale_and_single_sample() -> None:
    assert data_scale(np.array([[0.0, 2.0], [0.0, -2.0]])) == 2.0
    assert data_scale(np.zeros((3, 2))) == 1.0
    cl = classify(np.array([[5.0, 5.0]]), np.zeros((1, 2)), delta_m=0.1, delta_s=0.1)
    assert np.isinf(cl.d_gen[0]) and CLASSES[cl.labels[0]] == "generalized"


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: classify(np.zeros((2, 2)), np.ones((2, 2)), delta_m=-1, delta_s=0.1), "delta_m"),
        (lambda: classify(np.zeros((2, 2)), np.ones((2, 2)), delta_m=0.1, delta_s=np.nan), "delta_s"),
        (lambda: classify(np.zeros((2, 2)), np.ones((2, 2)), delta_m=0.1, delta_s=0.1, scale=0), "scale"),
        (lambda: nearest(np.zeros((2, 3)), np.ones((2, 2))), "same d"),
        (lambda: nearest(np.zeros((2, 2)), np.ones((3, 2)), exclude_self=True), "same set"),
        (lambda: nearest(np.zeros((2, 2)), np.ones((3, 2)), tile=0), "tile"),
    ],
)
def test_bad_input(call, word: str) -> None:
    with pytest.raises(ParameterError, match=word):
        call()
