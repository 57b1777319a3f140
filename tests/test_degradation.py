"""srtutor.degradation: the degradation model I_x = (I_y ⊗ κ)↓s + n (survey Eq. 3)."""

import math

import numpy as np
import pytest
import torch

from srtutor import degradation as D
from srtutor.resize import imresize


def _img(c=3, h=24, w=20, seed=0, n=None):
    g = torch.Generator().manual_seed(seed)
    shape = (c, h, w) if n is None else (n, c, h, w)
    return torch.rand(shape, generator=g, dtype=torch.float64)


def _psnr(a, b):
    return 10 * math.log10(1.0 / float(((a - b) ** 2).mean()))


# ---------------------------------------------------------------- kernels and blur
def test_gaussian_kernel_isotropic_matches_formula():
    k = D.gaussian_kernel(7, 1.6)
    assert k.shape == (7, 7) and k.dtype == torch.float64
    assert abs(float(k.sum()) - 1) < 1e-12
    r = np.arange(7) - 3.0
    ref = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * 1.6 ** 2))
    ref /= ref.sum()  # MATLAB fspecial('gaussian', 7, 1.6)
    np.testing.assert_allclose(k.numpy(), ref, rtol=1e-12)
    assert np.isclose(float(k[3, 3]), ref[3, 3]) and float(k[3, 3]) == float(k.max())
    # even size: centred between pixels, still symmetric and normalised
    k4 = D.gaussian_kernel(4, 1.0)
    assert torch.allclose(k4, k4.flip(0)) and torch.allclose(k4, k4.T)


def test_gaussian_kernel_anisotropic():
    k = D.gaussian_kernel(15, 3.0, 1.0, 0.0)
    assert abs(float(k.sum()) - 1) < 1e-12
    # wide along u (columns), narrow along v (rows); closed form at (v=0, u=2) vs centre
    assert math.isclose(float(k[7, 9] / k[7, 7]), math.exp(-0.5 * 4 / 9.0), rel_tol=1e-12)
    assert math.isclose(float(k[9, 7] / k[7, 7]), math.exp(-0.5 * 4 / 1.0), rel_tol=1e-12)
    # rotating by 90 degrees swaps the axes
    k90 = D.gaussian_kernel(15, 3.0, 1.0, math.pi / 2)
    assert torch.allclose(k90, k.T, atol=1e-12)
    # sigma2 == sigma is isotropic whatever theta
    assert torch.allclose(D.gaussian_kernel(9, 2.0, 2.0, 0.7), D.gaussian_kernel(9, 2.0), atol=1e-12)


def test_gaussian_kernel_bad_input():
    with pytest.raises(ValueError, match="size"):
        D.gaussian_kernel(0, 1.0)
    with pytest.raises(ValueError, match="sigma"):
        D.gaussian_kernel(5, -1.0)
    with pytest.raises(TypeError, match="theta"):
        D.gaussian_kernel(5, 1.0, 2.0, "x")


@pytest.mark.parametrize("padding", ["replicate", "reflect"])
def test_blur_delta_is_identity(padding):
    x = _img(n=2)
    delta = torch.zeros(5, 5, dtype=torch.float64)
    delta[2, 2] = 1
    assert torch.allclose(D.blur(x, delta, padding=padding), x, atol=1e-12)
    assert torch.allclose(D.blur(x[0], delta, padding=padding), x[0], atol=1e-12)


def test_blur_matches_direct_sum_and_keeps_constant():
    x = _img(1, 9, 8)
    k = D.gaussian_kernel(3, 0.8)
    out = D.blur(x, k)
    xp = torch.nn.functional.pad(x[None], (1, 1, 1, 1), mode="replicate")[0, 0]
    ref = sum(k[i, j] * xp[i:i + 9, j:j + 8] for i in range(3) for j in range(3))
    assert torch.allclose(out[0], ref, atol=1e-12)
    flat = torch.full((3, 10, 10), 0.3, dtype=torch.float64)
    assert torch.allclose(D.blur(flat, D.gaussian_kernel(7, 1.6)), flat)  # replicate: no dark border


def test_blur_per_image_kernels_and_errors():
    x = _img(n=2)
    ks = torch.stack([D.gaussian_kernel(5, 1.0), D.gaussian_kernel(5, 2.0)])
    out = D.blur(x, ks)
    assert torch.allclose(out[1], D.blur(x[1], ks[1]))
    with pytest.raises(ValueError, match="kernel"):
        D.blur(x, torch.ones(3, 5, 5))
    with pytest.raises(ValueError, match="padding"):
        D.blur(x, ks[0], padding="zeros")
    with pytest.raises(TypeError, match="x"):
        D.blur(np.zeros((3, 4, 4)), ks[0])


# ---------------------------------------------------------------- down, noise, jpeg
def test_bicubic_down_and_BI_equal_imresize():
    x = _img(3, 24, 36)
    ref = imresize(x, scale=1 / 4)
    assert torch.equal(D.bicubic_down(x, 4), ref)
    lr = D.BI(4)(x)
    assert lr.shape == (3, 6, 9)
    assert torch.allclose(lr, ref.clamp(0, 1), atol=0)
    assert torch.equal(D.degrade(x, "bi", scale=4), lr)


def test_downsample_direct():
    x = torch.arange(36, dtype=torch.float64).reshape(1, 6, 6) / 35
    y = D.downsample(x, 3)  # offset (s-1)//2 = 1: MATLAB imresize(.., 1/3, 'nearest')
    assert torch.equal(y, x[:, 1::3, 1::3]) and y.shape == (1, 2, 2)
    assert torch.equal(D.downsample(x, 2), x[:, 0::2, 0::2])
    assert torch.equal(D.downsample(x, 2, offset=1), x[:, 1::2, 1::2])
    with pytest.raises(ValueError, match="offset"):
        D.downsample(x, 2, offset=2)


def test_noise_std_and_reproducible():
    x = torch.full((1, 3, 256, 256), 0.5, dtype=torch.float64)
    g = torch.Generator().manual_seed(123)
    y = D.add_gaussian_noise(x, 10, generator=g)
    assert abs(float((y - x).std()) - 10 / 255) < 0.02 * 10 / 255
    assert abs(float((y - x).mean())) < 1e-3
    y2 = D.add_gaussian_noise(x, 10, generator=torch.Generator().manual_seed(123))
    assert torch.equal(y, y2)
    y3 = D.add_gaussian_noise(x, 10, generator=torch.Generator().manual_seed(124))
    assert not torch.equal(y, y3)
    assert torch.equal(D.add_gaussian_noise(x, 0), x)
    with pytest.raises(ValueError, match="sigma"):
        D.add_gaussian_noise(x, -1)
    z = D.add_gaussian_noise(torch.zeros(1, 8, 8), 50, torch.Generator().manual_seed(0))
    assert float(z.min()) >= 0  # clipped


def test_jpeg_quality():
    # a smooth image with some texture
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 64), indexing="ij")
    x = torch.stack([xx, yy, 0.5 + 0.3 * torch.sin(12 * xx) * torch.cos(9 * yy)]).double()
    p100 = _psnr(D.jpeg(x, 100), x)
    p50 = _psnr(D.jpeg(x, 50), x)
    p10 = _psnr(D.jpeg(x, 10), x)
    assert p100 > 40 and p100 > p50 > p10
    xb = torch.stack([x, x.flip(-1)])
    out = D.jpeg(xb, 30)
    assert out.shape == xb.shape and out.dtype == xb.dtype
    assert torch.equal(out[1], D.jpeg(x.flip(-1), 30))
    grey = x[:1]
    assert D.jpeg(grey, 90).shape == (1, 64, 64)
    with pytest.raises(ValueError, match="quality"):
        D.jpeg(x, 101)
    with pytest.raises(ValueError, match="quality"):
        D.jpeg(x, 0)


# ---------------------------------------------------------------- compositions
def test_named_settings_shapes_and_repr():
    x = _img(3, 48, 36)
    bd = D.BD(3)
    assert bd(x).shape == (3, 16, 12)
    assert "Blur(7x7, sigma=1.6)" in repr(bd) and "BicubicDown(x3)" in repr(bd)
    ref = imresize(D.blur(x, D.gaussian_kernel(7, 1.6)), scale=1 / 3).clamp(0, 1)
    assert torch.allclose(bd(x), ref, atol=1e-12)
    bdd = D.BD(3, downsampler="direct")
    assert torch.allclose(bdd(x), D.blur(x, D.gaussian_kernel(7, 1.6))[:, 1::3, 1::3])
    dn = D.DN(4)
    lr = dn(x)
    assert lr.shape == (3, 12, 9) and "Noise(sigma=30/255)" in repr(dn)
    assert torch.equal(lr, dn(x))  # seeded: a fixed test set
    assert not torch.equal(lr, D.DN(4, seed=1)(x))
    assert D.DN(2)(_img(n=2)).shape == (2, 3, 12, 10)
    with pytest.raises(ValueError, match="downsampler"):
        D.BD(2, downsampler="area")
    with pytest.raises(ValueError, match="scale"):
        D.BI(0)
    with pytest.raises(ValueError, match="setting"):
        D.degrade(x, "XX", 2)


def test_degradation_composition_and_plain_callables():
    x = _img()
    d = D.Degradation([D.Blur(5, 1.0), D.BicubicDown(2)], name="mine") + D.Degradation([D.Quantize()])
    out = d(x)
    assert out.shape == (3, 12, 10)
    assert torch.equal(out * 255, torch.round(out * 255))
    assert repr(d).startswith("mine+Degradation: Blur(5x5, sigma=1)")
    flip = D.Degradation([lambda t: t.flip(-1)])
    assert torch.equal(flip(x), x.flip(-1))
    with pytest.raises(TypeError, match="steps"):
        D.Degradation([3])


def test_random_degradation_reproducible_and_varied():
    x = _img(3, 32, 32)
    rd = D.RandomDegradation(2, noise_prob=1.0, jpeg_prob=1.0, seed=0)
    a = rd(x, torch.Generator().manual_seed(5))
    b = rd(x, torch.Generator().manual_seed(5))
    c = rd(x, torch.Generator().manual_seed(6))
    assert a.shape == (3, 16, 16) and torch.equal(a, b) and not torch.equal(a, c)
    assert float(a.min()) >= 0 and float(a.max()) <= 1
    s = rd.sample(torch.Generator().manual_seed(5))
    assert "Blur(21x21" in repr(s) and "Noise(" in repr(s) and "JPEG(q=" in repr(s)
    # its own seeded stream: two fresh objects give the same sequence of draws
    r1, r2 = D.RandomDegradation(2, seed=3), D.RandomDegradation(2, seed=3)
    assert torch.equal(r1(x), r2(x)) and torch.equal(r1(x), r2(x))
    batch = rd(torch.stack([x, x]))
    assert batch.shape == (2, 3, 16, 16) and not torch.equal(batch[0], batch[1])
    plain = D.RandomDegradation(2, blur_prob=0.0, noise_prob=0.0, jpeg_prob=0.0)
    assert torch.allclose(plain(x), D.BI(2)(x))
    with pytest.raises(ValueError, match="noise_prob"):
        D.RandomDegradation(2, noise_prob=1.5)
    with pytest.raises(ValueError, match="blur_sigma"):
        D.RandomDegradation(2, blur_sigma=(3.0, 1.0))
    assert rd.per_call_random and not D.BI(2).per_call_random


@pytest.mark.parametrize("size,sigma", [(2, 0.01), (4, 0.05), (6, 1e-4), (2, 1e-30)])
def test_even_kernel_with_small_sigma_is_finite(size, sigma):
    """Before: exp(-1250) underflowed everywhere and the kernel was 0/0 = all NaN."""
    k = D.gaussian_kernel(size, sigma)
    assert torch.isfinite(k).all() and abs(float(k.sum()) - 1) < 1e-12
    c = size // 2
    assert torch.allclose(k[c - 1:c + 1, c - 1:c + 1], torch.full((2, 2), 0.25, dtype=torch.float64))  # the limit
    assert torch.allclose(D.gaussian_kernel(2, 0.3), D.gaussian_kernel(2, 0.3, 0.3, 1.0))
    with pytest.raises(ValueError, match="sigma=1e-200"):
        D.gaussian_kernel(3, 1e-200)
