import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor import upsample as U


def test_kernels_hand_values():
    x = torch.tensor([0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
    # Keys a=-0.5: k(0)=1, k(0.5)=0.5625, k(1)=0, k(1.5)=-0.0625, k(2)=0
    assert torch.allclose(U.cubic_kernel(x), torch.tensor([1, 0.5625, 0, -0.0625, 0, 0]))
    assert torch.allclose(U.cubic_kernel(torch.tensor([0.5]), a=-0.75), torch.tensor([0.59375]))
    assert torch.allclose(U.linear_kernel(x), torch.tensor([1, 0.5, 0, 0, 0, 0]))
    assert torch.equal(U.nearest_kernel(torch.tensor([-0.5, 0.0, 0.49, 0.5])), torch.tensor([1.0, 1, 1, 0]))
    # partition of unity of the cubic kernel at any shift
    t = torch.tensor(0.3)
    assert torch.isclose(sum(U.cubic_kernel(t - k) for k in range(-2, 3)), torch.tensor(1.0))


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_interpolate_shapes_and_constant(mode):
    x = torch.full((2, 3, 5, 7), 0.4)
    y = U.interpolate(x, 2.5, mode=mode)
    assert y.shape == (2, 3, 12, 17)
    assert torch.allclose(y, torch.full_like(y, 0.4))
    assert U.interpolate(x[0], size=(6, 6), mode=mode).shape == (3, 6, 6)
    assert U.Interpolate(3, mode)(x).shape == (2, 3, 15, 21)


def test_interpolate_nearest_repeats():
    x = torch.arange(4.0).view(1, 1, 2, 2)
    assert torch.equal(U.interpolate(x, 2, mode="nearest"), x.repeat_interleave(2, -1).repeat_interleave(2, -2))


def test_interpolate_errors():
    with pytest.raises(ValueError, match="mode"):
        U.interpolate(torch.rand(1, 1, 4, 4), 2, mode="lanczos")
    with pytest.raises(ValueError, match="exactly one"):
        U.interpolate(torch.rand(1, 1, 4, 4))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        U.interpolate([1.0], 2)
    with pytest.raises(ValueError, match="scale"):
        U.interpolate(torch.rand(1, 1, 4, 4), -2)


@pytest.mark.parametrize("k,s", [(4, 2), (9, 2), (9, 3), (9, 4), (6, 3), (3, 3)])
def test_transposed_conv_exact_size(k, s):
    layer = U.TransposedConvUpsample(4, 2, s, kernel_size=k)
    assert layer(torch.rand(1, 4, 5, 6)).shape == (1, 2, 5 * s, 6 * s)


def test_deconv_padding_error():
    with pytest.raises(ValueError, match="kernel_size"):
        U.deconv_padding(2, 3)


@pytest.mark.parametrize("r", [2, 3])
def test_pixel_shuffle_is_a_reshape(r):
    x = torch.rand(2, 3 * r * r, 4, 5)
    assert torch.equal(U.pixel_shuffle(x, r), nn.PixelShuffle(r)(x))
    # the defining index relation out[c, h r + i, w r + j] = x[c r^2 + i r + j, h, w]
    out = U.pixel_shuffle(x, r)
    assert out[1, 2, 3 * r + 1, 4 * r + 0] == x[1, 2 * r * r + 1 * r + 0, 3, 4]
    with pytest.raises(ValueError, match="multiple of r"):
        U.pixel_shuffle(torch.rand(1, 5, 2, 2), 2)


def test_icnr_equals_conv_then_nearest():
    torch.manual_seed(0)
    layer = U.SubPixelConv(4, 2, 3, icnr=True)
    x = torch.rand(1, 4, 6, 6)
    sub = layer.conv.weight[:: 9]  # one kernel per output channel
    ref = F.interpolate(F.conv2d(x, sub, padding=1), scale_factor=3, mode="nearest")
    assert torch.allclose(layer(x), ref, atol=1e-6)


def test_resize_conv_shape():
    assert U.ResizeConv(3, 8, 2)(torch.rand(1, 3, 5, 5)).shape == (1, 8, 10, 10)


def test_position_projection_and_offsets():
    r = 2.5
    p = U.position_projection(6, r)
    assert p.tolist() == [math.floor(i / r) for i in range(6)] == [0, 0, 0, 1, 1, 2]
    v = U.offset_vectors(3, 6, r)
    assert v.shape == (3, 6, 3)
    assert torch.allclose(v[0, :, 1], torch.tensor([0, 0.4, 0.8, 0.2, 0.6, 0.0]))
    assert torch.allclose(v[2, 0], torch.tensor([0.8, 0.0, 0.4]))
    assert torch.allclose(U.offset_vectors(4, 4, 2)[..., :2].unique(), torch.tensor([0.0, 0.5]))


def test_meta_upscale_matches_explicit_loop():
    torch.manual_seed(0)
    mu = U.MetaUpscale(2, 1, kernel_size=3, hidden=8)
    feat = torch.rand(1, 2, 4, 5)
    r = 1.7
    out = mu(feat, r)
    assert out.shape == (1, 1, 6, 8)
    pad = F.pad(feat, (1, 1, 1, 1))
    for i, j in [(0, 0), (3, 5), (5, 7)]:
        pi, pj = math.floor(i / r), math.floor(j / r)
        v = torch.tensor([i / r - pi, j / r - pj, 1 / r])
        w = mu.weight_net(v).view(1, 2, 3, 3)
        ref = (w[0] * pad[0, :, pi:pi + 3, pj:pj + 3]).sum()
        assert torch.allclose(out[0, 0, i, j], ref, atol=1e-5)


def test_meta_upscale_any_scale_and_out_size():
    mu = U.MetaUpscale(4, 3, hidden=16)
    f = torch.rand(2, 4, 10, 10)
    assert mu(f, 3.7).shape == (2, 3, 37, 37)
    assert mu(f, 2, out_size=(19, 21)).shape == (2, 3, 19, 21)
    with pytest.raises(ValueError, match="feat"):
        mu(torch.rand(1, 5, 4, 4), 2)


def test_checkerboard_score():
    s = 2
    flat = torch.full((1, 1, 16, 16), 0.5)
    assert U.checkerboard_score(flat, s).item() == 0.0
    board = flat.clone()
    board[..., ::2, ::2] = 1.0  # phases: 1, .5, .5, .5 -> spread .5, mean .625
    assert U.checkerboard_score(board, s).item() == pytest.approx(0.5 / 0.625)
    # a deconvolution with uniform weights: kernel 3 / stride 2 overlaps unevenly, kernel 4 evenly
    x = torch.ones(1, 1, 8, 8)
    uneven = torch.nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1, bias=False)
    even = U.TransposedConvUpsample(1, 1, 2, kernel_size=4, bias=False)
    for layer in (uneven, even):
        torch.nn.init.constant_(layer.weight, 1.0)
    assert U.checkerboard_score(uneven(x), 2).item() > 0.5
    assert U.checkerboard_score(even(x), 2).item() == pytest.approx(0.0, abs=1e-6)
