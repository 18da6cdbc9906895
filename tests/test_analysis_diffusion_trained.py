"""The diffusion.trained comparison and spectra on a tiny sweep: fractions, the stored network restored, exact J_D."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.slow  # one tiny sweep of four networks: 83 s on the loaded two-core machine


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from amphase.simulate.sweep import run_sweep

    config = {
        "model": "diffusion.trained",
        "seed": 3,
        "realizations": 2,
        "grid": {"K": [2, 3]},
        "params": {"train_steps": 5, "width": 8, "depth": 1, "T": 20, "n_samples": 6, "max_stored": 3},
    }
    return run_sweep(config, tmp_path_factory.mktemp("t") / "t.nc", executor="serial", progress=False)


def test_fractions_and_table(tiny) -> None:
    from amphase.analysis.diffusion import trained

    res = trained.compare(tiny)
    np.testing.assert_allclose(res["fraction"].sum("class").values, 1.0, rtol=0, atol=1e-12)
    # the exact score's samples are its training images (the last DDPM step is its denoiser): memorized by both rules
    np.testing.assert_array_equal(res["fraction"].sel(score="exact", **{"class": "memorized"}).values, 1.0)
    np.testing.assert_array_equal(res["ratio_fraction"].sel(score="exact").values, 1.0)
    # the band contains the defining thresholds' fraction
    assert bool(
        ((res["fraction_low"] <= res["fraction"] + 1e-12) & (res["fraction"] <= res["fraction_high"] + 1e-12)).all()
    )
    text = trained.table(res)
    assert "network" in text and "exact" in text and len(text.splitlines()) == 2 + 2 * 2


def test_the_stored_network_is_restored_with_its_time_input(tiny) -> None:
    from amphase.analysis.diffusion.trained_spectra import network_score
    from amphase.simulate.diffusion import ddpm

    point = tiny.sel(K=3).isel(realization=1)
    score = network_score(point)
    sch = ddpm.DDPMSchedule(T=20)
    n = 7
    t = float(ddpm.vp_time(sch.alpha_bar[n]))
    x = np.random.default_rng(0).standard_normal((4, 64)).astype(np.float32)
    net = score.network
    from amphase.simulate.diffusion.ddpm_nets import flat_weights

    np.testing.assert_array_equal(flat_weights(net), point["weights"].values)  # the trained weights, not a fresh init
    with torch.no_grad():
        want = net(torch.as_tensor(x), torch.full((4,), n)).numpy()
    np.testing.assert_allclose(score.eps(x, t), want, rtol=1e-5, atol=1e-6)


def test_exact_denoiser_is_contracting_at_its_memorized_samples(tiny) -> None:
    from amphase.analysis.diffusion.trained_spectra import class_spectra, summary

    spectra = class_spectra(tiny, 2)
    mem = spectra["exact"]["memorized"]
    # J_D = (s / sigma_t^2) Cov_w: two digits ~6 apart at sigma_t/s = l_nn/4 ~ 0.5 share no weight
    assert len(mem) == 2 * 3 and np.abs(mem).max() < 1e-6
    assert spectra["network"]["memorized"].shape[1] == 64 or len(spectra["network"]["memorized"]) == 0
    assert "exact" in summary(spectra)
