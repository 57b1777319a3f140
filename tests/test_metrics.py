"""Tests of srtutor.metrics against scikit-image, hand-computed cases and a numpy MS-SSIM reference.

How SSIM is compared with scikit-image: ``structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=1)`` filters with ``mode='reflect'`` ('same' size) and
returns the mean of the map *cropped by pad = (win_size - 1) // 2 = 5 pixels at every border*.
An output pixel at distance >= 5 from the border only reads pixels inside the image with an
11-tap window, so that cropped map is exactly our 'valid' map: we compare (a) our mean with
skimage's returned mean and (b) our map element-wise with skimage's ``full=True`` map sliced
``[5:-5, 5:-5]``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.signal import correlate2d
from skimage import data as skdata
from skimage.metrics import peak_signal_noise_ratio as sk_psnr
from skimage.metrics import structural_similarity as sk_ssim

from srtutor import color, metrics

SK_SSIM = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1)


def _rand(*shape, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=g, dtype=dtype)


def _noisy(x, sigma, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (x + sigma * torch.randn(x.shape, generator=g, dtype=x.dtype)).clamp(0, 1)


def _natural(h=96, w=112):
    """A crop of skimage's camera (flat sky + edges) and a blurred, noisy version of it."""
    cam = torch.from_numpy(skdata.camera()[40:40 + h, 150:150 + w].astype(np.float64) / 255)[None]
    blurred = torch.nn.functional.avg_pool2d(cam[None], 3, 1, 1, count_include_pad=False)[0]
    return cam, _noisy(blurred, 0.01, seed=3)


def _np(x):  # (C, H, W) tensor -> numpy (H, W, C)
    return x.permute(1, 2, 0).numpy()


# ------------------------------------------------------------------ PSNR


@pytest.mark.parametrize("c", [1, 3])
def test_psnr_matches_skimage(c):
    x = _rand(c, 37, 41)
    y = _noisy(x, 0.07)
    ref = sk_psnr(_np(x), _np(y), data_range=1)
    assert metrics.psnr(x, y).item() == pytest.approx(ref, abs=1e-6)


def test_psnr_hand_computed():
    x = torch.full((3, 8, 8), 0.5)
    assert metrics.psnr(x + 0.1, x).item() == pytest.approx(20.0, abs=1e-5)  # MSE 0.01
    assert metrics.psnr(x + 0.01, x).item() == pytest.approx(40.0, abs=1e-4)
    # half of the pixels off by 1/255: MSE = (1/255)^2 / 2 -> 20 log10(255) + 10 log10(2)
    y = x.clone()
    y[..., :4] += 1 / 255
    assert metrics.psnr(y, x).item() == pytest.approx(20 * math.log10(255) + 10 * math.log10(2), abs=1e-4)
    assert metrics.mse(x + 0.1, x).item() == pytest.approx(0.01, rel=1e-5)
    # a peak of 0.5 lowers PSNR by 20 log10(2) (values above data_range: range check off)
    assert metrics.psnr(x + 0.1, x, data_range=0.5, check_range=False).item() == pytest.approx(20 - 20 * math.log10(2), abs=1e-5)


def test_psnr_identical_is_inf():
    x = _rand(3, 8, 8)
    assert math.isinf(metrics.psnr(x, x).item())


def test_psnr_is_mean_of_per_image_values():
    x = _rand(4, 3, 16, 16)
    y = _noisy(x, 0.05)
    per = metrics.psnr(y, x, reduction="none")
    assert per.shape == (4,)
    for i in range(4):
        assert per[i].item() == pytest.approx(sk_psnr(_np(x[i]), _np(y[i]), data_range=1), abs=1e-6)
    assert metrics.psnr(y, x).item() == pytest.approx(per.mean().item(), abs=1e-12)
    assert metrics.psnr(y[0], x[0], reduction="none").shape == ()


# ------------------------------------------------------------------ SSIM vs scikit-image


@pytest.mark.parametrize("c", [1, 3])
def test_ssim_matches_skimage_random(c):
    x = _rand(c, 48, 53)
    y = _noisy(x, 0.1)
    ref = sk_ssim(_np(x), _np(y), channel_axis=2, **SK_SSIM)
    assert metrics.ssim(y, x).item() == pytest.approx(ref, abs=1e-6)


def test_ssim_matches_skimage_natural_image_and_map():
    hr, sr = _natural()
    ref, ref_map = sk_ssim(hr[0].numpy(), sr[0].numpy(), full=True, **SK_SSIM)
    assert metrics.ssim(sr, hr).item() == pytest.approx(ref, abs=1e-6)
    ours = metrics.ssim_map(sr, hr)
    assert ours.shape == (1, hr.shape[1] - 10, hr.shape[2] - 10)
    np.testing.assert_allclose(ours[0].numpy(), ref_map[5:-5, 5:-5], atol=1e-6)
    assert ref == pytest.approx(ref_map[5:-5, 5:-5].mean(), abs=1e-12)  # skimage's own crop


def test_ssim_identical_is_one():
    x = _rand(2, 3, 20, 20)
    assert metrics.ssim(x, x).item() == pytest.approx(1.0, abs=1e-12)
    assert torch.allclose(metrics.ssim_map(x, x), torch.ones(2, 3, 10, 10, dtype=torch.float64))


def test_ssim_batched_equals_per_image():
    x = _rand(3, 3, 24, 30)
    y = _noisy(x, 0.2)
    per = metrics.ssim(y, x, reduction="none")
    assert per.shape == (3,) and per.dtype == torch.float64
    for i in range(3):
        assert per[i].item() == pytest.approx(metrics.ssim(y[i], x[i]).item(), abs=1e-12)
        ref = sk_ssim(_np(x[i]), _np(y[i]), channel_axis=2, **SK_SSIM)
        assert per[i].item() == pytest.approx(ref, abs=1e-6)
    assert metrics.ssim(y, x).item() == pytest.approx(per.mean().item(), abs=1e-12)
    assert metrics.ssim(y[0], x[0], reduction="none").shape == ()


@pytest.mark.parametrize("block", [1, 26, 2 * 30 * 26, 30 * 26 + 1, 40 * 26])
def test_ssim_cpu_blocking_does_not_change_values(monkeypatch, block):
    """On CPU the maps are computed in blocks (bands of rows, groups of images), into reused
    buffers without autograd and in fresh tensors with autograd: the same numbers every way."""
    x = _rand(3, 2, 30, 26)
    y = _noisy(x, 0.1)
    a, b = _rand(2, 45, 41, seed=4), _noisy(_rand(2, 45, 41, seed=4), 0.1)
    ms = dict(reduction="none", weights=(0.3, 0.3, 0.4))  # 3 scales: 41 px are enough
    whole = metrics.ssim_map(y, x)
    whole_ms = metrics.ms_ssim(b, a, **ms)
    monkeypatch.setattr(metrics._ssim, "_CPU_BLOCK_PIXELS", block)
    for grad in (False, True):
        got = metrics.ssim_map(y.clone().requires_grad_(grad), x).detach()
        assert torch.allclose(got, whole, rtol=0, atol=1e-14)
        got_ms = metrics.ms_ssim(b.clone().requires_grad_(grad), a, **ms).detach()
        assert torch.allclose(got_ms, whole_ms, rtol=0, atol=1e-14)


def test_ssim_in_inference_mode_and_after():
    """The reused CPU buffers work in every autograd mode, in any order."""
    x = _rand(1, 64, 64)
    y = _noisy(x, 0.1)
    want = metrics.ssim(y, x).item()
    for mode in (torch.inference_mode, torch.no_grad, torch.enable_grad, torch.inference_mode):
        with mode():
            assert metrics.ssim(y, x).item() == want
    assert metrics.ssim(y, x).item() == want


def test_ssim_from_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    pairs = [(_noisy(_rand(3, 40 + 7 * i, 50), 0.1, seed=i), _rand(3, 40 + 7 * i, 50)) for i in range(6)]
    want = [metrics.ssim(a, b).item() for a, b in pairs]
    with ThreadPoolExecutor(3) as pool:
        got = list(pool.map(lambda p: metrics.ssim(*p).item(), pairs * 3))
    assert got == want * 3


def test_ssim_constants_and_window_passed_through():
    x = _rand(1, 40, 40)
    y = _noisy(x, 0.1)
    # skimage's Gaussian has radius int(3.5 sigma + 0.5) = 4 for sigma = 1: a 9-tap window
    ref = sk_ssim(x[0].numpy(), y[0].numpy(), gaussian_weights=True, sigma=1.0, win_size=9,
                  use_sample_covariance=False, data_range=1, K1=0.02, K2=0.05)
    got = metrics.ssim(y, x, window_size=9, sigma=1.0, k1=0.02, k2=0.05)
    assert got.item() == pytest.approx(ref, abs=1e-6)


# ------------------------------------------------------------------ protocol options


@pytest.mark.parametrize("fn", [metrics.psnr, metrics.ssim, metrics.mse])
def test_y_channel_equals_manual_rgb_to_y(fn):
    x = _rand(2, 3, 30, 30)
    y = _noisy(x, 0.05)
    got = fn(y, x, y_channel=True)
    want = fn(color.rgb_to_y(y), color.rgb_to_y(x))
    assert got.item() == pytest.approx(want.item(), abs=1e-12)
    assert got.item() != pytest.approx(fn(y, x).item(), abs=1e-4)
    # a 1-channel image is scored as is
    assert fn(y[:, :1], x[:, :1], y_channel=True).item() == pytest.approx(fn(y[:, :1], x[:, :1]).item())


@pytest.mark.parametrize("fn", [metrics.psnr, metrics.ssim])
def test_crop_border_equals_manual_crop(fn):
    x = _rand(3, 40, 36)
    y = _noisy(x, 0.1)
    s = 4
    got = fn(y, x, crop_border=s)
    assert got.item() == pytest.approx(fn(y[:, s:-s, s:-s], x[:, s:-s, s:-s]).item(), abs=1e-12)
    assert got.item() != pytest.approx(fn(y, x).item(), abs=1e-6)


def test_evaluation_protocol_vs_skimage():
    """The full SR protocol: Y channel, crop = scale, vs skimage on the same Y crop."""
    x = _rand(3, 64, 60)
    y = _noisy(x, 0.03)
    s = 3
    yx = color.rgb_to_y(x)[0, s:-s, s:-s].numpy()
    yy = color.rgb_to_y(y)[0, s:-s, s:-s].numpy()
    assert metrics.psnr(y, x, crop_border=s, y_channel=True).item() == pytest.approx(
        sk_psnr(yx, yy, data_range=1), abs=1e-6)
    assert metrics.ssim(y, x, crop_border=s, y_channel=True).item() == pytest.approx(
        sk_ssim(yx, yy, **SK_SSIM), abs=1e-6)


@pytest.mark.parametrize("fn", [metrics.psnr, metrics.ssim, metrics.ms_ssim])
def test_float32_input_same_as_float64(fn):
    # values on the 1/256 grid are exact in float32, so both dtypes see the same image
    size = 170 if fn is metrics.ms_ssim else 32
    x = torch.round(_rand(3, size, size) * 256) / 256
    y = torch.round(_noisy(x, 0.05) * 256) / 256
    a = fn(y, x)
    b = fn(y.float(), x.float(), precision="float64")  # the reference path: same numbers
    c = fn(y.float(), x.float())  # float32 inputs compute in float32 by default
    assert a.dtype == b.dtype == c.dtype == torch.float64
    assert a.item() == pytest.approx(b.item(), abs=1e-12)
    assert a.item() == pytest.approx(c.item(), abs=1e-6)
    assert fn(y, x, precision="float32").item() == pytest.approx(c.item(), abs=1e-12)


# ------------------------------------------------------------------ gradients


def test_ssim_gradcheck():
    x = _rand(1, 1, 16, 16, seed=5).requires_grad_()
    y = _rand(1, 1, 16, 16, seed=6)
    assert torch.autograd.gradcheck(lambda a: metrics.ssim(a, y), (x,))


def test_gradients_flow_to_float32_input():
    x = _rand(2, 3, 170, 170, dtype=torch.float32)
    sr = _noisy(x, 0.1).requires_grad_()
    loss = (1 - metrics.ssim(sr, x)) + (1 - metrics.ms_ssim(sr, x)) - metrics.psnr(sr, x) / 100
    loss.backward()
    assert sr.grad is not None and sr.grad.dtype == torch.float32
    assert torch.isfinite(sr.grad).all() and sr.grad.abs().sum() > 0


def test_modules():
    x = _rand(2, 3, 170, 170)
    y = _noisy(x, 0.1)
    assert metrics.PSNR(crop_border=2)(y, x).item() == metrics.psnr(y, x, crop_border=2).item()
    assert metrics.SSIM(y_channel=True)(y, x).item() == metrics.ssim(y, x, y_channel=True).item()
    assert metrics.MSSSIM(reduction="none")(y, x).shape == (2,)
    assert "crop_border=2" in repr(metrics.PSNR(crop_border=2))


# ------------------------------------------------------------------ MS-SSIM


def _np_ms_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Independent reference from the paper's definition (2-D window, scipy correlation,
    MATLAB-style 2x2 averaging with symmetric extension for odd sizes)."""
    weights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
    k = np.arange(11) - 5
    win = np.exp(-(k[:, None] ** 2 + k[None, :] ** 2) / (2 * 1.5**2))
    win /= win.sum()
    c1, c2 = 0.01**2, 0.03**2
    result = 1.0
    for j, w in enumerate(weights):
        f = lambda z: correlate2d(z, win, mode="valid")  # noqa: E731
        mx, my = f(a), f(b)
        vx, vy, cxy = f(a * a) - mx**2, f(b * b) - my**2, f(a * b) - mx * my
        cs = (2 * cxy + c2) / (vx + vy + c2)
        if j < len(weights) - 1:
            result *= cs.mean() ** w
            pad = ((0, a.shape[0] % 2), (0, a.shape[1] % 2))
            a, b = (np.pad(z, pad, mode="symmetric") for z in (a, b))
            a, b = ((z[0::2, 0::2] + z[1::2, 0::2] + z[0::2, 1::2] + z[1::2, 1::2]) / 4 for z in (a, b))
        else:
            lum = (2 * mx * my + c1) / (mx**2 + my**2 + c1)
            result *= (lum * cs).mean() ** w
    return float(result)


@pytest.mark.parametrize("shape", [(181, 171), (176, 192)])
def test_ms_ssim_matches_numpy_reference(shape):
    x = _rand(2, *shape, seed=11)
    # a smooth-ish image so that every scale has structure: blur the noise
    x = torch.nn.functional.avg_pool2d(x[None], 5, 1, 2, count_include_pad=False)[0]
    y = _noisy(x, 0.08)
    ref = np.mean([_np_ms_ssim(x[c].numpy(), y[c].numpy()) for c in range(2)])
    assert metrics.ms_ssim(y, x).item() == pytest.approx(ref, abs=1e-6)


def test_ms_ssim_identical_and_monotone():
    x = _rand(1, 1, 176, 176)
    assert metrics.ms_ssim(x, x).item() == pytest.approx(1.0, abs=1e-12)
    values = [metrics.ms_ssim(_noisy(x, s, seed=2), x).item() for s in (0.01, 0.05, 0.1, 0.2, 0.4)]
    assert all(a > b for a, b in zip(values, values[1:])), values
    assert 0 < values[-1] < 1


def test_ms_ssim_too_small_says_minimum():
    x = _rand(1, 160, 300)
    with pytest.raises(ValueError, match=r"161x161"):
        metrics.ms_ssim(x, x)
    with pytest.raises(ValueError, match=r"crop_border"):
        metrics.ms_ssim(_rand(1, 170, 170), _rand(1, 170, 170), crop_border=5)
    assert metrics.ms_ssim(_rand(1, 161, 161), _rand(1, 161, 161)).isfinite()
    # fewer scales need less
    assert metrics.ms_ssim(_rand(1, 41, 41), _rand(1, 41, 41), weights=(0.5, 0.5, 1.0)).isfinite()


# ------------------------------------------------------------------ input checks


ALL = [metrics.psnr, metrics.ssim, metrics.mse, metrics.ssim_map, metrics.ms_ssim]


@pytest.mark.parametrize("fn", ALL)
def test_wrong_type(fn):
    with pytest.raises(TypeError, match="sr must be a torch.Tensor"):
        fn(np.zeros((3, 8, 8)), torch.zeros(3, 8, 8))
    with pytest.raises(TypeError, match="hr must be a torch.Tensor"):
        fn(torch.zeros(3, 8, 8), [1, 2])


@pytest.mark.parametrize("fn", ALL)
def test_integer_dtype(fn):
    with pytest.raises(TypeError, match=r"sr must be a floating-point.*uint8"):
        fn(torch.zeros(3, 32, 32, dtype=torch.uint8), torch.zeros(3, 32, 32))


@pytest.mark.parametrize("fn", ALL)
@pytest.mark.parametrize("shape", [(32, 32), (1, 1, 1, 32, 32)])
def test_wrong_ndim(fn, shape):
    with pytest.raises(ValueError, match=r"hr must have shape \(C, H, W\) or \(N, C, H, W\)"):
        fn(torch.zeros(1, 32, 32), torch.zeros(shape))


@pytest.mark.parametrize("fn", ALL)
def test_y_channel_needs_1_or_3_channels(fn):
    x = torch.zeros(4, 200, 200)
    with pytest.raises(ValueError, match="sr must have 1 or 3 channels"):
        fn(x, x, y_channel=True)
    fn(torch.zeros(2, 4, 200, 200), torch.zeros(2, 4, 200, 200))  # fine without y_channel


@pytest.mark.parametrize("fn", ALL)
def test_mismatched_shapes(fn):
    with pytest.raises(ValueError, match=r"sr and hr must have the same shape.*\(3, 32, 32\).*\(3, 32, 31\)"):
        fn(torch.zeros(3, 32, 32), torch.zeros(3, 32, 31))


@pytest.mark.parametrize("fn", ALL)
def test_out_of_range_and_nan(fn):
    ok = torch.zeros(1, 32, 32)
    with pytest.raises(ValueError, match=r"sr must have values in \[0, 1\].*max 255"):
        fn(ok + 255, ok)
    with pytest.raises(ValueError, match=r"hr must have values in \[0, 1\].*min -0.5"):
        fn(ok, ok - 0.5)
    bad = ok.clone()
    bad[0, 3, 3] = float("nan")
    with pytest.raises(ValueError, match="hr contains NaN"):
        fn(ok, bad)
    with pytest.raises(ValueError, match="hr contains NaN"):
        fn(ok, bad, check_range=False)
    bad[0, 3, 3] = float("-inf")
    with pytest.raises(ValueError, match="hr contains NaN or inf"):
        fn(ok, bad, check_range=False)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_nan_found_anywhere_in_large_images(dtype):
    ok = torch.rand(2, 3, 200, 200, dtype=dtype)
    for index in [(0, 0, 0, 0), (1, 2, 199, 199), (1, 1, 77, 133), (0, 2, 100, 7)]:
        bad = ok.clone()
        bad[index] = float("nan")
        with pytest.raises(ValueError, match="sr contains NaN"):
            metrics.psnr(bad, ok)


def test_check_range_false_accepts_any_finite_values():
    x = _rand(1, 32, 32) * 3 - 1
    assert metrics.psnr(x, x + 0.1, check_range=False).item() == pytest.approx(20.0)


@pytest.mark.parametrize("fn", ALL)
def test_crop_border_type_and_sign(fn):
    x = torch.zeros(1, 200, 200)
    with pytest.raises(ValueError, match="crop_border must be >= 0, got -1"):
        fn(x, x, crop_border=-1)
    with pytest.raises(TypeError, match="crop_border must be an int, got float"):
        fn(x, x, crop_border=2.0)


def test_crop_border_too_large():
    x = torch.zeros(1, 20, 30)
    with pytest.raises(ValueError, match=r"crop_border=10 leaves a 0x10 region"):
        metrics.psnr(x, x, crop_border=10)
    metrics.psnr(x, x + 0.1, crop_border=9)  # 2x12 left: fine for PSNR
    for fn in (metrics.ssim, metrics.ssim_map):
        with pytest.raises(ValueError, match=r"crop_border=5 leaves a 10x20 region.*11x11 SSIM window"):
            fn(x, x, crop_border=5)
        z = torch.zeros(1, 21, 30)
        fn(z, z, crop_border=5)  # exactly one window left
    with pytest.raises(ValueError, match=r"crop_border=0 leaves a 8x8 region.*11x11"):
        metrics.ssim(torch.zeros(1, 8, 8), torch.zeros(1, 8, 8))


def test_bad_keywords():
    x = _rand(1, 32, 32)
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'none', got 'sum'"):
        metrics.psnr(x, x, reduction="sum")
    with pytest.raises(ValueError, match="reduction must be"):
        metrics.ssim(x, x, reduction="sum")
    with pytest.raises(ValueError, match="data_range must be a finite number > 0"):
        metrics.psnr(x, x, data_range=0)
    with pytest.raises(TypeError, match="data_range must be a number"):
        metrics.ssim(x, x, data_range="1")
    with pytest.raises(ValueError, match="window_size must be odd"):
        metrics.ssim(x, x, window_size=10)
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        metrics.ssim(x, x, sigma=-1.0)
    with pytest.raises(ValueError, match="k2 must be a finite number >= 0"):
        metrics.ssim(x, x, k2=-0.1)
    with pytest.raises(TypeError, match="y_channel must be a bool"):
        metrics.psnr(x, x, y_channel="yes")
    with pytest.raises(TypeError, match="weights must be a non-empty sequence"):
        metrics.ms_ssim(x, x, weights=())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    x = _rand(2, 3, 180, 180)
    y = _noisy(x, 0.1)
    for fn in (metrics.psnr, metrics.ssim, metrics.ms_ssim):
        got = fn(y.cuda(), x.cuda(), y_channel=True, crop_border=2)
        assert got.device.type == "cuda"
        assert got.item() == pytest.approx(fn(y, x, y_channel=True, crop_border=2).item(), abs=1e-9)


def test_gradient_ratio_hand_values():
    from srtutor.metrics import gradient_ratio

    ramp = torch.arange(8, dtype=torch.float64).repeat(8, 1)[None] / 10  # horizontal steps of 0.1
    flat = torch.full_like(ramp, 0.5)
    half = ramp / 2
    assert gradient_ratio(half, ramp).item() == pytest.approx(0.5)
    assert gradient_ratio(ramp, ramp).item() == pytest.approx(1.0)
    assert gradient_ratio(flat, ramp).item() == 0.0
    batch = torch.stack([half, ramp])
    r = gradient_ratio(batch, torch.stack([ramp, ramp]), reduction="none")
    assert r.tolist() == pytest.approx([0.5, 1.0])
    with pytest.raises(ValueError, match="2x2"):
        gradient_ratio(ramp[..., :1], ramp[..., :1])


@pytest.mark.parametrize("policy, expect_single", [("PASSIVE", True), ("passive", True), ("ACTIVE", False), (None, False)])
def test_ssim_blocks_on_the_calling_thread_when_openmp_threads_sleep(monkeypatch, policy, expect_single):
    # with sleeping OpenMP threads the CPU blocks run on one intra-op thread (waking the others
    # costs more than it gains); the caller's thread count is restored and the values do not change
    if policy is None:
        monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    else:
        monkeypatch.setenv("OMP_WAIT_POLICY", policy)
    g = torch.Generator().manual_seed(3)
    x = torch.rand(2, 3, 96, 80, generator=g)
    y = (x + 0.1 * torch.rand(2, 3, 96, 80, generator=g)).clamp(0, 1)
    ref = metrics.ssim(x.double(), y.double(), precision="float64", reduction="none")
    before = torch.get_num_threads()
    calls = []
    real = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (calls.append(n), real(n))[1])
    real(2)
    try:
        got = metrics.ssim(x, y, reduction="none")
        a = torch.rand(1, 1, 192, 192, generator=g)
        ms = metrics.ms_ssim(a, (a + 0.1 * torch.rand(1, 1, 192, 192, generator=g)).clamp(0, 1))
        assert torch.get_num_threads() == 2
    finally:
        real(before)
    assert calls == ([1, 2] * 6 if expect_single else [])  # one ssim call + five MS-SSIM scales
    assert torch.allclose(got.double(), ref, atol=1e-6, rtol=0)
    assert 0 < float(ms) < 1
