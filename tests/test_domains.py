"""Tests for srtutor.domains (depth, face, hyperspectral, video)."""

import math

import pytest
import torch

from srtutor import domains as D
from srtutor.degradation import blur, gaussian_kernel
from srtutor.metrics import psnr


def test_depth_scene_shapes_ranges_and_determinism():
    rgb, depth = D.render_depth_scene(64, seed=3)
    assert rgb.shape == (3, 64, 64) and depth.shape == (1, 64, 64)
    assert 0 <= float(depth.min()) and float(depth.max()) <= 1 and 0 <= float(rgb.min()) and float(rgb.max()) <= 1
    rgb2, depth2 = D.render_depth_scene(64, seed=3)
    assert torch.equal(depth, depth2) and torch.equal(rgb, rgb2)
    assert not torch.equal(depth, D.render_depth_scene(64, seed=4)[1])


def test_sensor_holes_quantisation_and_hole_fraction():
    _, depth = D.render_depth_scene(64, seed=1)
    meas, mask = D.simulate_depth_sensor(depth, noise=0.0, bits=4, edge_holes=10.0, random_holes=0.0)
    assert float(mask.min()) == 1.0  # no holes asked for
    assert torch.allclose(meas * 15, torch.round(meas * 15))  # 4-bit grid
    # a flat map with random dropouts of p per pixel grown to 3x3: hole fraction 1 - (1-p)^9
    flat = torch.full((1, 200, 200), 0.5)
    _, m = D.simulate_depth_sensor(flat, random_holes=0.01, seed=0)
    frac = 1 - float(m[:, 2:-2, 2:-2].mean())
    assert abs(frac - (1 - 0.99 ** 9)) < 0.015
    # a step gives holes on its far side only
    step = torch.full((1, 8, 8), 0.2)
    step[..., 4:] = 0.8
    _, m = D.simulate_depth_sensor(step, edge_holes=0.1, random_holes=0.0)
    assert m[0, :, 4].sum() == 0 and m[0, :, 3].sum() == 8


def test_fill_holes_keeps_valid_and_fills_constant():
    x = torch.full((1, 10, 10), 0.3)
    mask = torch.ones_like(x)
    mask[..., 3:6, 3:7] = 0
    out = D.fill_holes(x * mask, mask)
    assert torch.allclose(out, x)


def test_jbu_constant_guide_equals_spatial_filter():
    g = torch.Generator().manual_seed(0)
    d = torch.rand(1, 8, 8, generator=g)
    const = torch.full((3, 16, 16), 0.5)
    out = D.joint_bilateral_upsample(d, const, 2, radius=1, sigma_spatial=1.0, sigma_range=0.05)
    # the same filter written out for one interior pixel: HR (5, 6) -> LR coordinate (2.25, 2.75)
    py, px = 5.5 / 2 - 0.5, 6.5 / 2 - 0.5
    qy0, qx0 = round(py), round(px)
    num = den = 0.0
    for qy in range(qy0 - 1, qy0 + 2):
        for qx in range(qx0 - 1, qx0 + 2):
            w = math.exp(-((py - qy) ** 2 + (px - qx) ** 2) / 2)
            num += w * float(d[0, qy, qx])
            den += w
    assert abs(float(out[0, 5, 6]) - num / den) < 1e-6
    # a constant depth stays constant whatever the guide
    rnd = torch.rand(3, 16, 16, generator=g)
    assert torch.allclose(D.joint_bilateral_upsample(torch.full((1, 8, 8), 0.7), rnd, 2), torch.full((1, 16, 16), 0.7))


def test_jbu_beats_bicubic_on_synthetic_scene():
    from srtutor.resize import imresize

    rgb, depth = D.render_depth_scene(96, seed=2)
    lr = imresize(depth, scale=1 / 4).clamp(0, 1)
    bic = imresize(lr, scale=4).clamp(0, 1)
    jbu = D.joint_bilateral_upsample(lr, rgb, 4, radius=2, sigma_spatial=1.0, sigma_range=0.05)
    assert float(psnr(jbu.clamp(0, 1), depth)) > float(psnr(bic, depth)) + 2


def test_guided_depth_net_shapes():
    net = D.GuidedDepthNet(features=8)
    assert net(torch.rand(2, 1, 16, 16), torch.rand(2, 3, 16, 16)).shape == (2, 1, 16, 16)
    with pytest.raises(ValueError, match="rgb"):
        net(torch.rand(2, 1, 16, 16))
    assert D.GuidedDepthNet(features=8, guided=False)(torch.rand(1, 1, 8, 8)).shape == (1, 1, 8, 8)


def test_region_psnr_and_masks():
    hr = torch.zeros(3, 8, 8)
    sr = hr.clone()
    sr[:, :4] = 0.1  # error only in the top half
    top = D.box_mask(hr.shape, (0, 0, 4, 8))
    assert abs(float(D.region_psnr(sr, hr, top)) - 20.0) < 1e-4
    assert float(D.region_psnr(sr, hr, 1 - top)) > 100
    assert abs(float(D.region_psnr(sr, hr, torch.ones(1, 8, 8))) - float(psnr(sr, hr))) < 1e-4
    with pytest.raises(ValueError):
        D.box_mask((8, 8), (10, 0, 2, 2))
    skin = torch.tensor([0.85, 0.6, 0.5])[:, None, None].expand(3, 4, 4)
    sky = torch.tensor([0.3, 0.5, 0.9])[:, None, None].expand(3, 4, 4)
    assert float(D.skin_mask(skin).min()) == 1 and float(D.skin_mask(sky).max()) == 0


def test_weighted_l1_loss():
    sr, hr = torch.zeros(1, 1, 2, 2), torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    assert float(D.weighted_l1_loss(sr, hr, torch.ones(1, 1, 2, 2))) == pytest.approx(0.25)
    w = torch.tensor([[[[3.0, 1.0], [1.0, 1.0]]]])
    assert float(D.weighted_l1_loss(sr, hr, w)) == pytest.approx(3 / 6)


def test_sam_and_per_band_psnr():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(5, 4, 4, generator=g) + 0.1
    assert float(D.sam(x, x)) == pytest.approx(0.0, abs=1e-3)
    assert float(D.sam(x, 0.5 * x)) == pytest.approx(0.0, abs=1e-3)  # scale-invariant
    a = torch.zeros(2, 1, 1)
    a[0] = 1
    b = torch.zeros(2, 1, 1)
    b[1] = 1
    assert float(D.sam(a, b)) == pytest.approx(90.0)
    y = x.clone()
    y[2] += 0.1
    pb = D.per_band_psnr(x, y, data_range=2.0)
    assert pb.shape == (5,) and float(pb[2]) == pytest.approx(10 * math.log10(4 / 0.01), abs=1e-3)


def test_synthetic_hsi_and_fusion():
    from srtutor.data import embedded_image
    from srtutor.resize import imresize

    rgb = embedded_image("chelsea")[:, :64, :64]
    cube, ab, spec = D.synthetic_hsi(rgb, n_bands=16, n_endmembers=3)
    assert cube.shape == (16, 64, 64) and ab.shape == (3, 64, 64) and spec.shape == (3, 16)
    assert torch.allclose(ab.sum(0), torch.ones(64, 64), atol=1e-5)
    R = D.camera_response(16)
    assert R.shape == (3, 16) and torch.allclose(R.sum(1), torch.ones(3))
    view = torch.einsum("cb,bhw->chw", R, cube)
    lr = imresize(cube, scale=1 / 4)
    fused = D.guided_hsi_fusion(lr, view, 4)
    bic = imresize(lr, scale=4).clamp(0, 1)
    assert float(D.sam(fused, cube)) < float(D.sam(bic, cube)) / 2
    assert float(D.per_band_psnr(fused, cube).mean()) > float(D.per_band_psnr(bic, cube).mean()) + 5


def test_fourier_shift_integer_is_roll():
    x = torch.rand(2, 8, 10, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(D.fourier_shift(x, (2, -3)), torch.roll(x, (2, -3), (-2, -1)), atol=1e-6)


def test_phase_correlation_recovers_shift():
    from srtutor.data import embedded_image

    img = embedded_image("camera")[:, 100:164, 100:164]
    moved = D.fourier_shift(img, (3, -5), pad=8)
    est = D.phase_correlation(img, moved)
    assert torch.allclose(est, torch.tensor([3.0, -5.0], dtype=torch.float64), atol=0.15)
    sub = D.fourier_shift(img, (1.3, -0.6), pad=8)
    est = D.phase_correlation(img, sub, refine=5)
    assert torch.allclose(est, torch.tensor([1.3, -0.6], dtype=torch.float64), atol=0.05)


def test_synthetic_clip_and_multiframe_gain():
    from srtutor.data import embedded_image
    from srtutor.resize import imresize

    hr = embedded_image("camera")[:, 100:164, 100:164]
    lr, frames, shifts = D.synthetic_clip(hr, 6, 2, seed=0)
    assert lr.shape == (6, 1, 32, 32) and frames.shape == (6, 1, 64, 64) and shifts.shape == (6, 2)
    assert torch.equal(shifts[0], torch.zeros(2, dtype=shifts.dtype))
    single = D.multiframe_sr(lr[:1], shifts[:1], 2, iters=10)
    multi = D.multiframe_sr(lr, shifts, 2, iters=10)
    assert float(psnr(multi, frames[0], crop_border=4)) > float(psnr(single, frames[0], crop_border=4)) + 1
    with pytest.raises(ValueError, match="shifts"):
        D.multiframe_sr(lr, shifts[:2], 2)


def test_guided_depth_net_starts_as_the_unguided_one():
    """Same seed: identical shared weights, and the zero-initialised guide adds nothing at first."""
    torch.manual_seed(3)
    g = D.GuidedDepthNet(features=8, depth=4, guided=True)
    torch.manual_seed(3)
    u = D.GuidedDepthNet(features=8, depth=4, guided=False)
    d, rgb = torch.rand(2, 1, 12, 12), torch.rand(2, 3, 12, 12)
    assert torch.equal(g(d, rgb), u(d))
    for k, v in u.state_dict().items():
        assert torch.equal(g.state_dict()[k], v), k
    assert float(g.g_in[-1].weight.abs().sum()) == 0 and float(g.g_in[0].weight.abs().sum()) > 0
