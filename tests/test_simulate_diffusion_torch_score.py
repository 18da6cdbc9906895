import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the torch extra; CI installs it (.ci/run), so these run there

from amphase.errors import ParameterError  # noqa: E402
from amphase.simulate.diffusion.schedules import ve, vp  # noqa: E402
from amphase.simulate.diffusion.score import exact_score  # noqa: E402
from amphase.simulate.diffusion.torch_score import TorchScore, ddpm_timestep, schedule_tensors  # noqa: E402

U32 = float(np.finfo(np.float32).eps)
SCHEDULES = {"ve": ve(1.0), "vp": vp(0.1, 20.0)}


class ExactNet(torch.nn.Module):
    """The exact eps / score / x0 of K points written in torch: what a perfectly trained network predicts.

    x_t = s xi + sigma eps with xi uniform over the points: D(x) = m(x) = sum_mu w_mu xi_mu,
    w = softmax(-|x - s xi|^2 / (2 sigma^2)); eps = (x - s m)/sigma; score = (s m - x)/sigma^2.
    """

    def __init__(self, points, schedule, prediction, dtype):
        super().__init__()
        self.points = torch.nn.Parameter(torch.as_tensor(points, dtype=dtype), requires_grad=False)
        self.schedule, self.prediction = schedule, prediction

    def forward(self, x, t):
        s, sd = schedule_tensors(self.schedule, t.to(x.dtype))
        s, sd = s[:, None], sd[:, None]
        d2 = ((x[:, None, :] - s[:, :, None] * self.points[None]) ** 2).sum(-1)
        m = torch.softmax(-d2 / (2 * sd * sd), dim=1) @ self.points
        if self.prediction == "x0":
            return m
        return (x - s * m) / sd if self.prediction == "eps" else (s * m - x) / (sd * sd)


def _setup(kind="ve", n=40, K=7, seed=0):
    rng = np.random.default_rng(seed)
    pts = rng.standard_normal((K, 3))
    sched = SCHEDULES[kind]
    x = rng.uniform(-2, 2, (n, 3))
    t = rng.uniform(0.05, 0.6, n)
    return pts, sched, x, t


@pytest.mark.parametrize("kind", ["ve", "vp"])
@pytest.mark.parametrize("prediction", ["eps", "score", "x0"])
def test_the_exact_network_gives_the_exact_score_for_each_prediction(kind, prediction):
    pts, sched, x, t = _setup(kind)
    ex = exact_score(pts, sched, dtype="float64")
    want = np.stack([ex(x[i : i + 1], t[i])[0] for i in range(len(t))])
    sd = np.sqrt(sched.variance(t))[:, None]
    s = sched.scale(t)[:, None]
    # float64 network: the same numbers up to rounding (softmax of logits up to ~10^3, amplified by 1/sigma_t^2 <~ 10^2)
    net64 = TorchScore(
        ExactNet(pts, sched, prediction, torch.float64), sched, prediction=prediction, dtype=torch.float64
    )
    np.testing.assert_allclose(net64(x, t), want, rtol=0, atol=1e-9)
    # float32 network, compared in the units of eps = -sigma_t S: the logits L = |x - s xi|^2 / 2 sigma^2 carry an
    # absolute rounding ~ u L, so the weights a relative one ~ u L, m an absolute one ~ u L max|xi|, and
    # eps = (x - s m)/sigma_t one ~ u (1 + L) (|x| + s max|xi|) / sigma_t; 8 such roundings allowed
    net32 = TorchScore(ExactNet(pts, sched, prediction, torch.float32), sched, prediction=prediction)
    got = net32(x, t)
    assert got.dtype == np.float64  # float64 in, float64 out
    L = (((x[:, None, :] - s[:, :, None] * pts[None]) ** 2).sum(-1) / (2 * sd**2)).max(axis=1)
    bound = 8 * U32 * (1 + L) * (np.abs(x).max(axis=1) + s[:, 0] * np.abs(pts).max()) / sd[:, 0]
    err = np.abs(sd * (got - want)).max(axis=1)
    assert (err <= bound).all(), (err / bound).max()
    assert (err > 0).any()  # it did run in float32


def test_tweedie_and_eps_identities_and_the_exact_denoiser():
    pts, sched, x, t = _setup("vp", seed=1)
    ts = TorchScore(ExactNet(pts, sched, "eps", torch.float64), sched, prediction="eps", dtype=torch.float64)
    S, D, E = ts(x, t), ts.denoiser(x, t), ts.eps(x, t)
    s, sd = sched.scale(t)[:, None], np.sqrt(sched.variance(t))[:, None]
    np.testing.assert_allclose(s * D, x + sd**2 * S, rtol=0, atol=1e-12)  # s D = x + sigma^2 S
    np.testing.assert_allclose(E, -sd * S, rtol=0, atol=1e-12)  # eps = -sigma S
    ex = exact_score(pts, sched, dtype="float64")
    want = np.stack([ex.denoiser(x[i : i + 1], t[i])[0] for i in range(len(t))])
    np.testing.assert_allclose(D, want, rtol=0, atol=1e-10)


def test_jvp_is_the_jacobian_times_v_and_the_jacobian_is_the_exact_covariance_form():
    pts, sched, x, t = _setup("ve", n=12, seed=2)
    v = np.random.default_rng(3).standard_normal(x.shape)
    ts = TorchScore(
        ExactNet(pts, sched, "x0", torch.float64), sched, prediction="x0", dtype=torch.float64, batch_size=5
    )
    J = ts.jacobian(x, t)
    assert J.shape == (12, 3, 3)
    np.testing.assert_allclose(ts.jvp(x, t, v), np.einsum("bij,bj->bi", J, v), rtol=0, atol=1e-12)
    # the exact denoiser's Jacobian is (s / sigma_t^2) Cov_w(xi) (ExactScore.denoiser_jacobian, streamed LSE moments)
    ex = exact_score(pts, sched, dtype="float64")
    want = np.stack([ex.denoiser_jacobian(x[i : i + 1], t[i])[0] for i in range(len(t))])
    np.testing.assert_allclose(J, want, rtol=0, atol=1e-9)
    # the same through an eps network (the Tweedie conversion differentiated), one time for the whole batch
    te = TorchScore(ExactNet(pts, sched, "eps", torch.float64), sched, prediction="eps", dtype=torch.float64)
    np.testing.assert_allclose(te.jacobian(x, 0.3), ex.denoiser_jacobian(x, 0.3), rtol=0, atol=1e-9)


def test_the_jacobian_of_a_linear_denoiser_is_its_matrix_row_by_row():
    # D(x) = A x with A not symmetric: J_D = A exactly ([b, i, j] = dD_i/dx_j), J v = A v; the exact score's
    # Jacobian above is symmetric and would not see a transposition
    A = np.random.default_rng(6).standard_normal((3, 3))
    At = torch.as_tensor(A)
    ts = TorchScore(lambda x, t: x @ At.T, ve(1.0), prediction="x0", dtype=torch.float64, batch_size=2)
    x = np.random.default_rng(7).standard_normal((5, 3))
    np.testing.assert_allclose(ts.jacobian(x, 0.1), np.broadcast_to(A, (5, 3, 3)), rtol=0, atol=1e-14)
    np.testing.assert_allclose(ts.jvp(x, 0.1, x), x @ A.T, rtol=0, atol=1e-14)


def test_arrays_in_and_out_chunks_and_times():
    pts, sched, x, t = _setup("ve", n=10, seed=4)
    net = ExactNet(pts, sched, "eps", torch.float32)
    whole = TorchScore(net, sched)
    chunked = TorchScore(net, sched, batch_size=3)
    np.testing.assert_array_equal(chunked(x, t), whole(x, t))
    y32 = whole(x.astype(np.float32), 0.2)
    assert isinstance(y32, np.ndarray) and y32.dtype == np.float32
    yt = whole(torch.as_tensor(x), torch.as_tensor(t))
    assert isinstance(yt, torch.Tensor) and yt.dtype == torch.float64
    np.testing.assert_array_equal(yt.numpy(), whole(x, t))
    # a scalar time is the same as that time for every row
    np.testing.assert_array_equal(whole(x, 0.2), whole(x, np.full(10, 0.2)))
    # no gradient is recorded while sampling
    xt = torch.as_tensor(x, dtype=torch.float32, device="cpu").requires_grad_(True)
    assert not whole(xt, 0.2).requires_grad


def test_ddpm_timestep_maps_continuous_time_to_the_step_index():
    f = ddpm_timestep(1000)
    np.testing.assert_allclose(f(torch.tensor([1e-3, 0.5, 1.0], dtype=torch.float64)).numpy(), [0.0, 499.0, 999.0])
    with pytest.raises(ParameterError, match="n_steps"):
        ddpm_timestep(0)


def test_bad_input_raises_parameter_error():
    pts, sched, x, _ = _setup("ve", n=4)
    net = ExactNet(pts, sched, "eps", torch.float32)
    for kw, name in (
        ({"prediction": "v"}, "prediction"),
        ({"dtype": torch.float16}, "dtype"),
        ({"dtype": torch.float64}, "dtype"),  # the parameters are float32
        ({"batch_size": 0}, "batch_size"),
        ({"shape": (2, 0)}, "shape"),
        ({"time_input": 3}, "time_input"),
    ):
        with pytest.raises(ParameterError, match=name):
            TorchScore(net, sched, **kw)
    with pytest.raises(ParameterError, match="network"):
        TorchScore(None, sched)
    with pytest.raises(ParameterError, match="schedule"):
        TorchScore(net, "ve")
    ts = TorchScore(net, sched)
    for xx, tt, name in ((x[0], 0.1, "x of shape"), (x, 0.0, "t="), (x, np.ones(3), "t of shape"), (x, np.nan, "t=")):
        with pytest.raises(ParameterError, match=name):
            ts(xx, tt)
    with pytest.raises(ParameterError, match="v of shape"):
        ts.jvp(x, 0.1, x[:2])
    with pytest.raises(ParameterError, match="d must be"):
        TorchScore(net, sched, shape=(1, 2, 2))(x, 0.1)


def _tiny_unet():
    diffusers = pytest.importorskip("diffusers")
    torch.manual_seed(0)
    return diffusers.UNet2DModel(
        sample_size=8,
        in_channels=1,
        out_channels=1,
        layers_per_block=1,
        block_out_channels=(16, 32),
        norm_num_groups=8,
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
    ).eval()


def test_a_diffusers_unet_wraps_with_image_shapes_and_per_sample_jacobians():
    unet = _tiny_unet()
    sched = vp(0.1, 20.0)
    ts = TorchScore(unet, sched, prediction="eps", time_input=ddpm_timestep(1000), shape=(1, 8, 8))
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 64))
    t = np.array([0.1, 0.5, 0.9])
    S, D = ts(x, t), ts.denoiser(x, t)
    assert S.shape == D.shape == (3, 64) and np.isfinite(S).all()
    # the adapter calls the U-Net on (B, 1, 8, 8) images at the DDPM step t N - 1 and applies Tweedie
    with torch.no_grad():
        e = unet(torch.as_tensor(x, dtype=torch.float32).reshape(3, 1, 8, 8), torch.as_tensor(t * 1000 - 1)).sample
    e = e.reshape(3, 64).double().numpy()
    s, sd = sched.scale(t)[:, None], np.sqrt(sched.variance(t))[:, None]
    np.testing.assert_allclose(D, (x - sd * e) / s, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(S, -e / sd, rtol=1e-6, atol=1e-6)
    # the batch-sum Jacobian equals each sample's own Jacobian (group norm keeps samples independent)
    J = ts.jacobian(x[:2], t[:2])
    assert J.shape == (2, 64, 64)
    for b in range(2):
        np.testing.assert_allclose(J[b], ts.jacobian(x[b : b + 1], t[b : b + 1])[0], rtol=0, atol=1e-4)
    v = rng.standard_normal((2, 64))
    jv = ts.jvp(x[:2], t[:2], v)
    # float32 network: J v by forward mode vs by the reverse-mode rows, to float32 rounding of 64-term sums
    np.testing.assert_allclose(jv, np.einsum("bij,bj->bi", J, v), rtol=0, atol=1e-3 * np.abs(jv).max())
