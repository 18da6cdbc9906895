"""Schedules of the diffusion family: the marginal moments' identities and consistency with diffusion.noise_beta."""

from __future__ import annotations

import numpy as np
import pytest

from amphase import theory
from amphase.errors import ParameterError
from amphase.simulate.diffusion.schedules import make_schedule, ve, vp

T = np.linspace(1e-3, 1.0, 17)


def test_vp_preserves_variance() -> None:
    sch = vp()
    assert np.allclose(sch.scale(T) ** 2 + sch.variance(T), 1.0, rtol=0, atol=1e-14)  # s^2 + sigma_t^2 = 1


@pytest.mark.parametrize("sch", [ve(2.5), vp(), vp(0.5, 5.0, t_max=2.0)])
def test_moment_equations(sch) -> None:
    # the linear SDE dx = a x dt + g dW: d log s/dt = a, d sigma^2/dt = 2 a sigma^2 + g^2 (central differences)
    h = 1e-6
    t = T[1:-1]
    dlogs = (np.log(sch.scale(t + h)) - np.log(sch.scale(t - h))) / (2 * h)
    dvar = (sch.variance(t + h) - sch.variance(t - h)) / (2 * h)
    assert np.allclose(dlogs, sch.drift(t), rtol=1e-6, atol=1e-8)
    assert np.allclose(dvar, 2 * sch.drift(t) * sch.variance(t) + sch.g2(t), rtol=1e-6, atol=1e-8)


def test_closed_forms() -> None:
    s = ve(3.0)
    assert s.variance(0.5) == pytest.approx(4.5) and s.scale(0.5) == 1.0 and s.g2(0.2) == 9.0
    p = vp(0.1, 20.0)
    # alpha_bar(1) = exp(-(0.1 + 19.9 / 2)) (the integral of the linear beta schedule)
    assert p.alpha_bar(1.0) == pytest.approx(np.exp(-10.05), rel=1e-12)
    assert p.beta_t(0.5) == pytest.approx(10.05)


@pytest.mark.parametrize("t", [1e-4, 0.01, 0.3, 1.0])
def test_noise_beta_consistency(t: float) -> None:
    q = theory.get("diffusion.noise_beta")
    s = ve(1.7)
    r = q(t=t, sigma=1.7, process="ve")
    assert s.beta(t) == pytest.approx(r["beta"], rel=1e-12) and s.scale(t) == r["scale"]
    p = vp()
    r = q(t=t, alpha_bar=float(p.alpha_bar(t)), process="vp")
    assert p.beta(t) == pytest.approx(r["beta"], rel=1e-9) and p.scale(t) == pytest.approx(r["scale"], rel=1e-12)
    assert p.std(t) == pytest.approx(r["sigma_t"], rel=1e-9)


@pytest.mark.parametrize("sch", [ve(0.8), vp(), vp(2.0, 2.0)])
def test_inverse_times(sch) -> None:
    for t in (1e-3, 0.1, 0.77):
        assert sch.time_at_beta(float(sch.beta(t))) == pytest.approx(t, rel=1e-9)


def test_time_grid() -> None:
    g = ve().time_grid(10, t_stop=1e-4)
    assert len(g) == 11 and g[0] == 1.0 and g[-1] == 1e-4 and np.all(np.diff(g) < 0)
    r = g[1:] / g[:-1]
    assert np.allclose(r, r[0])  # geometric: the same dt/t at every step
    u = vp().time_grid(4, t_start=0.5, t_stop=0.1, spacing="uniform")
    assert np.allclose(u, [0.5, 0.4, 0.3, 0.2, 0.1])


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: ve(-1.0), "sigma"),
        (lambda: ve(t_min=2.0), "t_min"),
        (lambda: vp(beta_min=3.0, beta_max=1.0), "beta_max"),
        (lambda: make_schedule("edm"), "schedule"),
        (lambda: ve().time_grid(0), "steps"),
        (lambda: ve().time_grid(5, spacing="cos"), "spacing"),
        (lambda: ve().time_grid(5, t_start=0.1, t_stop=0.2), "t_stop"),
        (lambda: vp().time_at_variance(1.5), "variance"),
        (lambda: ve().time_at_beta(0.0), "beta"),
    ],
)
def test_bad_input(call, word: str) -> None:
    with pytest.raises(ParameterError, match=word):
        call()
