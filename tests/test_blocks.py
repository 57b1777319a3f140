"""Tests for srtutor.blocks: shapes, gradient flow, parameter counts (hand-computed),
receptive fields (analytic vs empirical), exact inverses (Haar DWT, desubpixel)."""

import math

import pytest
import torch
import torch.nn as nn

from srtutor import blocks as B
from srtutor.models import count_parameters as npar
from srtutor.models.pixel_recursive import TinyPixelRecursiveSR

C = 16


def conv_params(cin, cout, k, groups=1, bias=True):
    return cin // groups * cout * k * k + (cout if bias else 0)


CASES = [  # (block, expected parameter count)
    (lambda: B.ResBlock(C), 2 * conv_params(C, C, 3)),
    (lambda: B.ResBlock(C, bn=True), 2 * conv_params(C, C, 3, bias=False) + 2 * 2 * C),
    (lambda: B.RecursiveConv(C, 5), conv_params(C, C, 3)),
    (lambda: B.RecursiveResidualUnit(C, 4), 2 * conv_params(C, C, 3)),
    (lambda: B.MultiScaleResidualBlock(C), conv_params(C, C, 3) + conv_params(C, C, 5) + conv_params(2 * C, 2 * C, 3)
     + conv_params(2 * C, 2 * C, 5) + conv_params(4 * C, C, 1)),
    (lambda: B.ResidualDenseBlock(C, 8, 3), conv_params(C, 8, 3) + conv_params(C + 8, 8, 3) + conv_params(C + 16, 8, 3)
     + conv_params(C + 24, C, 1)),
    (lambda: B.ChannelAttention(C, 4), conv_params(C, 4, 1) + conv_params(4, C, 1)),
    (lambda: B.RCAB(C, 4), 2 * conv_params(C, C, 3) + conv_params(C, 4, 1) + conv_params(4, C, 1)),
    (lambda: B.ResidualGroup(C, 2, 4), 2 * (2 * conv_params(C, C, 3) + 148) + conv_params(C, C, 3)),
    (lambda: B.NonLocalBlock(C), 3 * conv_params(C, C // 2, 1) + conv_params(C // 2, C, 1)),
    (lambda: B.EfficientResidualBlock(C, 4), 2 * conv_params(C, C, 3, 4) + conv_params(C, C, 1)),
    (lambda: B.CascadingBlock(C), 3 * 2 * conv_params(C, C, 3) + sum(conv_params(i * C, C, 1) for i in (2, 3, 4))),
    (lambda: B.CascadingBlock(C, efficient=True),  # one shared efficient block
     2 * conv_params(C, C, 3, 4) + conv_params(C, C, 1) + sum(conv_params(i * C, C, 1) for i in (2, 3, 4))),
    (lambda: B.PyramidPooling(C), 4 * conv_params(C, C // 4, 1) + conv_params(2 * C, C, 1)),
    (lambda: B.XUnit(C, 9), 2 * 2 * C + conv_params(C, C, 9, groups=C)),
    (lambda: B.XUnit(C, 5, bn=False), conv_params(C, C, 5, groups=C)),
    (lambda: B.DepthwiseSeparableConv(C, 2 * C), conv_params(C, C, 3, groups=C) + conv_params(C, 2 * C, 1)),
    (lambda: B.GlobalResidual(B.conv(C, C)), conv_params(C, C, 3)),
    (lambda: B.HaarDWT(), 0),
    (lambda: B.Desubpixel(2), 0),
]


@pytest.mark.parametrize("make,expected", CASES)
def test_shape_params_and_gradients(make, expected):
    torch.manual_seed(0)
    m = make()
    assert npar(m) == expected
    x = torch.rand(2, C, 12, 12, requires_grad=True)
    y = m(x)
    if isinstance(m, B.HaarDWT):
        assert y.shape == (2, 4 * C, 6, 6)
    elif isinstance(m, B.Desubpixel):
        assert y.shape == (2, 4 * C, 6, 6)
    elif isinstance(m, B.DepthwiseSeparableConv):
        assert y.shape == (2, 2 * C, 12, 12)
    elif isinstance(m, B.DenseBlock):
        assert y.shape == (2, m.out_channels, 12, 12)
    else:
        assert y.shape == x.shape
    y.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    for name, p in m.named_parameters():
        assert p.grad is not None, f"no gradient reached {name}"


def test_dense_block_growth():
    d = B.DenseBlock(C, 8, 4)
    assert d(torch.rand(1, C, 8, 8)).shape == (1, C + 32, 8, 8)


def test_scale_specific_heads():
    h = B.ScaleSpecificHeads(C, (2, 3, 4))
    assert npar(h) == 3 * 2 * 2 * conv_params(C, C, 5)
    x = torch.rand(1, C, 8, 8)
    assert not torch.allclose(h(x, 2), h(x, 3))
    with pytest.raises(ValueError, match="scale"):
        h(x, 8)


def test_recursion_shares_weights():
    assert npar(B.RecursiveConv(C, 1)) == npar(B.RecursiveConv(C, 16))
    r = B.RecursiveConv(C, 4)
    assert len(r.forward_all(torch.rand(1, C, 8, 8))) == 4
    assert npar(B.RecursiveResidualUnit(C, 1)) == npar(B.RecursiveResidualUnit(C, 9))


@pytest.mark.parametrize("make", [
    lambda: B.ResBlock(8), lambda: B.ResBlock(8, 5), lambda: B.RecursiveConv(8, 4), lambda: B.RecursiveResidualUnit(8, 3),
    lambda: B.MultiScaleResidualBlock(8), lambda: B.ResidualDenseBlock(8, 4, 4), lambda: B.EfficientResidualBlock(8, 4),
    lambda: B.CascadingBlock(8), lambda: B.XUnit(8, 7, bn=False), lambda: B.DepthwiseSeparableConv(8, 8),
])
def test_receptive_field_analytic_equals_empirical(make):
    torch.manual_seed(0)
    m = make()
    _, extent = B.empirical_receptive_field(m, 8, size=41)
    assert extent == m.receptive_field()


@pytest.mark.parametrize("make", [lambda: B.RCAB(8, 2), lambda: B.PyramidPooling(8), lambda: B.NonLocalBlock(8)])
def test_global_blocks_see_everything(make):
    torch.manual_seed(0)
    m = make()
    if isinstance(m, B.NonLocalBlock):  # zero-initialised output: starts as the identity
        assert torch.equal(m(torch.ones(1, 8, 5, 5)), torch.ones(1, 8, 5, 5))
        nn.init.normal_(m.out.weight, std=0.5)
    gmap, extent = B.empirical_receptive_field(m, 8, size=21)
    assert m.receptive_field() == math.inf
    assert extent == 21 and (gmap > 0).all()


def test_dilated_conv_receptive_field():
    m = nn.Sequential(B.dilated_conv(4, 4, 3, 2), B.dilated_conv(4, 4, 3, 4))
    _, extent = B.empirical_receptive_field(m, 4, size=31)
    assert extent == B.chain_receptive_field([(3, 2), (3, 4)]) == 13
    assert npar(B.dilated_conv(4, 4, 3, 4)) == conv_params(4, 4, 3)


def test_group_conv_params_and_errors():
    assert npar(B.group_conv(16, 32, 3, 4)) == conv_params(16, 32, 3, 4)
    with pytest.raises(ValueError, match="groups"):
        B.group_conv(10, 16, 3, 4)
    with pytest.raises(ValueError, match="kernel_size"):
        B.conv(4, 4, 4)


def test_haar_dwt_exact_inverse_and_values():
    x = torch.rand(3, 2, 8, 10, dtype=torch.float64)
    y = B.haar_dwt(x)
    assert torch.allclose(B.haar_iwt(y), x, atol=1e-15, rtol=0)
    assert torch.allclose(y.square().sum(), x.square().sum())  # orthonormal: energy preserved
    z = torch.randn(1, 8, 3, 3, dtype=torch.float64)
    assert torch.allclose(B.haar_dwt(B.haar_iwt(z)), z, atol=1e-15, rtol=0)
    const = torch.full((1, 1, 4, 4), 0.5)
    out = B.haar_dwt(const)
    assert torch.equal(out[:, 0], torch.full((1, 2, 2), 1.0)) and torch.equal(out[:, 1:], torch.zeros(1, 3, 2, 2))
    # a single 2x2 patch [[a, b], [c, d]]
    p = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    assert B.haar_dwt(p).flatten().tolist() == [5.0, -1.0, -2.0, 0.0]
    with pytest.raises(ValueError, match="even"):
        B.haar_dwt(torch.rand(1, 1, 5, 4))
    with pytest.raises(ValueError, match="4C"):
        B.haar_iwt(torch.rand(1, 3, 4, 4))


def test_desubpixel_exact_inverse():
    x = torch.rand(2, 3, 12, 18)
    d, s = B.Desubpixel(3), B.Subpixel(3)
    assert d(x).shape == (2, 27, 4, 6)
    assert torch.equal(s(d(x)), x)
    assert d(x)[0, :9, 0, 0].tolist() == x[0, 0, :3, :3].flatten().tolist()
    with pytest.raises(ValueError, match="multiples"):
        d(torch.rand(1, 1, 7, 9))


def test_attention_values():
    ca = B.ChannelAttention(C, 4)
    w = ca.weights(torch.rand(2, C, 6, 6))
    assert w.shape == (2, C, 1, 1) and (w > 0).all() and (w < 1).all()
    nl = B.NonLocalBlock(C)
    a = nl.attention(torch.rand(2, C, 4, 5))
    assert a.shape == (2, 20, 20) and torch.allclose(a.sum(-1), torch.ones(2, 20))


def test_xunit_gate_in_unit_interval():
    xu = B.XUnit(C, 5, bn=False)
    x = torch.rand(1, C, 8, 8) + 0.1
    ratio = xu(x) / x
    assert (ratio > 0).all() and (ratio <= 1).all()


def test_pixel_shuffle_tail():
    for s, n in [(2, 1), (3, 1), (4, 2), (8, 3)]:
        t = B.PixelShuffleTail(8, s)
        assert t(torch.rand(1, 8, 5, 5)).shape == (1, 8, 5 * s, 5 * s)
        assert npar(t) == n * conv_params(8, (9 if s == 3 else 4) * 8, 3)
    with pytest.raises(ValueError, match="scale"):
        B.PixelShuffleTail(8, 5)


def test_mean_shift_roundtrip():
    x = torch.rand(1, 3, 4, 4)
    assert torch.allclose(B.MeanShift(sign=1)(B.MeanShift(sign=-1)(x)), x)
    assert npar(B.MeanShift()) == 0


@pytest.mark.parametrize("mask", ["A", "B"])
def test_masked_conv_is_causal(mask):
    torch.manual_seed(0)
    m = B.MaskedConv2d(1, 3, 5, mask)
    x = torch.rand(1, 1, 7, 7, requires_grad=True)
    m(x)[0, :, 3, 3].sum().backward()
    g = x.grad[0, 0].abs()
    order = torch.arange(49).view(7, 7)
    later = order > 3 * 7 + 3
    assert g[later].sum() == 0  # never sees the future
    assert (g[3, 3] > 0) == (mask == "B")
    assert g[order < 24].sum() > 0


def test_tiny_pixel_recursive_sr():
    torch.manual_seed(0)
    net = TinyPixelRecursiveSR(scale=2, levels=4, channels=8, layers=2)
    x = torch.rand(2, 1, 3, 3)
    y = torch.rand(2, 1, 6, 6)
    assert net(y, x).shape == (2, 4, 6, 6)
    assert net.quantize(torch.tensor([0.0, 0.2, 0.5, 1.0])).tolist() == [0, 1, 2, 3]
    s = net.sample(x, generator=torch.Generator().manual_seed(0))
    assert s.shape == (2, 1, 6, 6)
    assert torch.allclose(s * 3, (s * 3).round())  # on the grey-level grid
    # the first pixel's logits do not depend on y at all (mask A)
    assert torch.allclose(net(y, x)[:, :, 0, 0], net(torch.zeros_like(y), x)[:, :, 0, 0])


def test_tiny_pixel_recursive_sr_old_name_warns():
    with pytest.warns(DeprecationWarning, match="srtutor.models.pixel_recursive"):
        assert B.TinyPixelRecursiveSR is TinyPixelRecursiveSR


def test_pixel_shuffle_tail_is_the_one_subpixel_upsampler():
    from srtutor.upsample import SubPixelUpsampler
    assert B.PixelShuffleTail is SubPixelUpsampler
    # flat layout, keys as the shipped CARN weights store them
    assert list(B.PixelShuffleTail(4, 4).state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    relu = SubPixelUpsampler(4, 4, act="relu")  # CARN's conv-ReLU-shuffle stage
    assert [type(m).__name__ for m in relu] == ["Conv2d", "ReLU", "PixelShuffle"] * 2
