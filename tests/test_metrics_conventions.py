"""srtutor.metrics.conventions: other libraries' default PSNR/SSIM conventions, reproduced.

Hand-computed cases and properties here; the comparison with each library itself (where it is
installed) is in tests/test_metrics_crosscheck.py, and scikit-image (always installed) below.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from srtutor import color, metrics
from srtutor.metrics import conventions


def _pair(n=3, h=40, w=44, seed=0):
    g = torch.Generator().manual_seed(seed)
    hr = torch.rand(n, 3, h, w, generator=g, dtype=torch.float64)
    noise = torch.linspace(0.01, 0.1, n, dtype=torch.float64).view(n, 1, 1, 1)
    sr = (hr + noise * torch.randn(hr.shape, generator=g, dtype=torch.float64)).clamp(0, 1)
    return torch.round(sr * 255) / 255, torch.round(hr * 255) / 255


def test_batch_mse_psnr_by_hand():
    sr, hr = _pair()
    by_hand = 10 * math.log10(1 / float(((sr - hr) ** 2).mean()))
    for lib in ("torchmetrics", "kornia"):
        assert conventions.score_as(lib, sr, hr)["psnr"] == pytest.approx(by_hand, abs=1e-9)


def test_srtutor_and_basicsr_are_the_protocol():
    sr, hr = _pair()
    want = metrics.psnr(sr, hr, y_channel=True, crop_border=4).item()
    assert conventions.score_as("srtutor", sr, hr)["psnr"] == pytest.approx(want, abs=1e-12)
    assert conventions.score_as("basicsr", sr, hr)["psnr"] == pytest.approx(want, abs=1e-12)
    plain = conventions.score_as("srtutor", sr, hr, crop_border=None)
    assert plain["psnr"] == pytest.approx(metrics.psnr(sr, hr).item(), abs=1e-12)
    assert plain["ssim"] == pytest.approx(metrics.ssim(sr, hr).item(), abs=1e-12)


def test_basicsr_rgb_arrays_swap_red_and_blue():
    sr, hr = _pair(1)
    swapped = conventions.score_as("basicsr", sr, hr, bgr=False)["psnr"]
    assert swapped == pytest.approx(metrics.psnr(sr.flip(1), hr.flip(1), y_channel=True, crop_border=4).item())
    assert abs(swapped - conventions.score_as("basicsr", sr, hr)["psnr"]) > 1e-3
    grey = hr[:, :1].expand(-1, 3, -1, -1)  # R = G = B: the channel order cannot matter
    grey_sr = sr[:, :1].expand(-1, 3, -1, -1)
    assert conventions.score_as("basicsr", grey_sr, grey, bgr=False)["psnr"] == pytest.approx(
        conventions.score_as("basicsr", grey_sr, grey)["psnr"], abs=1e-9)


def test_pyiqa_ssim_on_rounded_full_range_y():
    sr, hr = _pair()
    y = lambda t: torch.round(color.rgb_to_y(t, full_range=True) * 255)  # noqa: E731
    want = metrics.ssim(y(sr), y(hr), data_range=255).item()
    got = conventions.score_as("pyiqa", sr, hr)
    assert got["ssim"] == pytest.approx(want, abs=1e-12)
    assert got["psnr"] == pytest.approx(metrics.psnr(sr, hr).item(), abs=1e-12)


def test_ssim_uniform_identical_images_and_shape():
    _, hr = _pair(2)
    torch.testing.assert_close(conventions.ssim_uniform(hr, hr), torch.ones(2, dtype=torch.float64))
    assert conventions.ssim_uniform(hr[0], hr[0]).shape == ()


def test_ssim_uniform_matches_scikit_image_defaults():
    from skimage.metrics import structural_similarity

    sr, hr = _pair(2)
    u8 = lambda t: (t.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)  # noqa: E731
    theirs = [structural_similarity(u8(h), u8(s), channel_axis=-1) for s, h in zip(sr, hr)]
    torch.testing.assert_close(conventions.ssim_uniform(sr, hr), torch.tensor(theirs, dtype=torch.float64),
                               rtol=0, atol=1e-9)
    got = conventions.score_as("scikit-image", sr, hr)
    assert got["ssim"] == pytest.approx(float(np.mean(theirs)), abs=1e-9)


def test_scikit_image_psnr_matches_library():
    from skimage.metrics import peak_signal_noise_ratio

    sr, hr = _pair(2)
    u8 = lambda t: (t.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)  # noqa: E731
    theirs = np.mean([peak_signal_noise_ratio(u8(h), u8(s)) for s, h in zip(sr, hr)])
    assert conventions.score_as("scikit-image", sr, hr)["psnr"] == pytest.approx(theirs, abs=1e-9)


@pytest.mark.parametrize("bad", [
    dict(library="matlab"),
    dict(library="basicsr", crop_border=None),
])
def test_errors(bad):
    sr, hr = _pair(1)
    with pytest.raises(ValueError):
        conventions.score_as(bad.pop("library"), sr, hr, **bad)


def test_shape_errors():
    sr, hr = _pair(1)
    with pytest.raises(ValueError, match="RGB"):
        conventions.score_as("srtutor", sr[:, :1], hr[:, :1])
    with pytest.raises(ValueError, match="same shape"):
        conventions.score_as("srtutor", sr, hr[..., :-1])
    with pytest.raises(TypeError):
        conventions.score_as("srtutor", sr.numpy(), hr)
    with pytest.raises(ValueError, match="win_size"):
        conventions.ssim_uniform(sr, hr, win_size=4)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 4))
def test_batch_psnr_never_above_mean_of_per_image_psnr(seed, n):
    """log is concave: one MSE over the batch gives at most the mean of per-image PSNRs (Jensen),
    with equality for one image."""
    sr, hr = _pair(n, 24, 24, seed)
    batch = conventions.score_as("torchmetrics", sr, hr)["psnr"]
    per_image = metrics.psnr(sr, hr).item()
    assert batch <= per_image + 1e-9
    if n == 1:
        assert batch == pytest.approx(per_image, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_every_convention_gives_one_for_identical_images(seed):
    _, hr = _pair(2, 24, 24, seed)
    for lib in conventions.LIBRARIES:
        got = conventions.score_as(lib, hr, hr)
        assert got["ssim"] == pytest.approx(1.0, abs=1e-9)
        assert got["psnr"] == math.inf
