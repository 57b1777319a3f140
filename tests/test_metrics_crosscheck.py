"""srtutor.metrics against other libraries, when they are installed (each test skips otherwise).

The same images give other numbers in other libraries, for documented reasons; each test states
the convention and checks that, once it is accounted for, the numbers agree:

* torchmetrics / kornia PSNR take *one* MSE over the whole batch; SR papers (and srtutor)
  average per-image PSNR. With per-image reduction they agree.
* torchmetrics SSIM pads by reflection and averages the whole 'same'-size map; srtutor (like
  MATLAB and scikit-image) averages the *valid* part. The maps agree on the valid part.
* kornia SSIM pads ('same', the default) unless ``padding='valid'``, which agrees.
* pytorch_msssim: valid filtering, so SSIM and MS-SSIM agree (its ``data_range`` defaults to 255).
* BasicSR reads images with OpenCV: BGR order, 0–255 values; its ``test_y_channel`` Y is
  MATLAB's studio-range Y *of a BGR image* (RGB arrays give another Y). pyiqa's ``psnr`` uses
  YIQ's (full-range) Y by default and studio-range YCbCr with ``color_space='ycbcr'``. The
  BasicSR and pyiqa tests follow those libraries' published code; they were not run where this
  file was written (neither package installs next to the pinned torch without torchvision).

Tolerances: the peers compute in float32 (1e-5 for SSIM, 1e-4 dB for PSNR).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from srtutor import color, metrics


def _pair(n=3, c=3, h=64, w=72, seed=0):
    g = torch.Generator().manual_seed(seed)
    hr = torch.nn.functional.avg_pool2d(torch.rand(n, c, h + 2, w + 2, generator=g, dtype=torch.float64), 3, 1)
    noise = torch.linspace(0.01, 0.08, n, dtype=torch.float64).view(n, 1, 1, 1)  # unequal errors per image
    sr = (hr + noise * torch.randn(hr.shape, generator=g, dtype=torch.float64)).clamp(0, 1)
    return torch.round(sr * 255) / 255, torch.round(hr * 255) / 255


def test_batch_mse_psnr_differs_from_mean_of_per_image_psnr():
    """The convention difference itself, by hand (no peer needed)."""
    sr, hr = _pair()
    batch = 10 * math.log10(1 / float(((sr - hr) ** 2).mean()))
    ours = metrics.psnr(sr, hr).item()
    assert ours == pytest.approx(metrics.psnr(sr, hr, reduction="none").mean().item())
    assert abs(ours - batch) > 0.05  # per-image errors differ, so the two means differ


def test_full_range_y_differs_from_studio_range_y():
    sr, hr = _pair()
    studio = metrics.psnr(sr, hr, y_channel=True).item()
    full = metrics.psnr(color.rgb_to_y(sr, full_range=True), color.rgb_to_y(hr, full_range=True)).item()
    # studio range spans 219/255 of full range: errors shrink, PSNR grows by 20 log10(255/219) = 1.32 dB
    assert studio - full == pytest.approx(20 * math.log10(255 / 219), abs=0.05)


# ------------------------------------------------------------------ torchmetrics


def test_torchmetrics_psnr():
    tm = pytest.importorskip("torchmetrics.functional.image")
    tmf = pytest.importorskip("torchmetrics.image")
    sr, hr = _pair()
    a, b = sr.float(), hr.float()
    batch_mse = tmf.PeakSignalNoiseRatio(data_range=1.0)(a, b).item()
    assert batch_mse == pytest.approx(10 * math.log10(1 / float(((sr - hr) ** 2).mean())), abs=1e-4)
    per_image = tm.peak_signal_noise_ratio(a, b, data_range=1.0, dim=(1, 2, 3), reduction="none")
    torch.testing.assert_close(per_image.double(), metrics.psnr(sr, hr, reduction="none"), rtol=0, atol=1e-4)


def test_torchmetrics_ssim_same_padding_vs_valid():
    tm = pytest.importorskip("torchmetrics.functional.image")
    sr, hr = _pair()
    mean, full = tm.structural_similarity_index_measure(sr.float(), hr.float(), data_range=1.0, reduction="none",
                                                       return_full_image=True)
    ours = metrics.ssim_map(sr, hr)
    # the valid part agrees, to the float32 cancellation of E[x^2] - E[x]^2 per pixel (~6e-5)
    torch.testing.assert_close(full[..., 5:-5, 5:-5].double(), ours, rtol=0, atol=2e-4)
    theirs_mean, ours_mean = mean.double(), metrics.ssim(sr, hr, reduction="none")
    assert float((theirs_mean - ours_mean).abs().max()) > 1e-4  # the padded border changes the mean


def test_torchmetrics_ms_ssim():
    tm = pytest.importorskip("torchmetrics.functional.image")
    sr, hr = _pair(2, 3, 192, 176)
    theirs = tm.multiscale_structural_similarity_index_measure(sr.float(), hr.float(), data_range=1.0,
                                                               reduction="none", normalize=None)
    ours = metrics.ms_ssim(sr, hr, reduction="none")
    # 'same' padding at every scale: close, not equal
    assert float((theirs.double() - ours).abs().max()) < 0.02


def test_torchmetrics_stateful_psnr_matches_ours_with_per_image_reduction():
    tmm = pytest.importorskip("torchmetrics.image")
    sr, hr = _pair(4)
    theirs = tmm.PeakSignalNoiseRatio(data_range=1.0, dim=(1, 2, 3), reduction="elementwise_mean")
    ours = metrics.PSNR()
    for i in (slice(0, 2), slice(2, 4)):
        theirs.update(sr[i].float(), hr[i].float())
        ours.update(sr[i], hr[i])
    assert theirs.compute().item() == pytest.approx(ours.compute().item(), abs=1e-4)


# ------------------------------------------------------------------ kornia


def test_kornia_ssim_and_psnr():
    kornia = pytest.importorskip("kornia")
    sr, hr = _pair()
    a, b = sr.float(), hr.float()
    valid = kornia.metrics.ssim(a, b, 11, padding="valid").mean(dim=(1, 2, 3)).double()
    torch.testing.assert_close(valid, metrics.ssim(sr, hr, reduction="none"), rtol=0, atol=1e-5)
    same = kornia.metrics.ssim(a, b, 11).mean(dim=(1, 2, 3)).double()
    assert float((same - metrics.ssim(sr, hr, reduction="none")).abs().max()) > 1e-4
    assert kornia.metrics.psnr(a, b, 1.0).item() == pytest.approx(
        10 * math.log10(1 / float(((sr - hr) ** 2).mean())), abs=1e-4)  # one MSE over the batch
    loss = kornia.losses.SSIMLoss(11)(a, b).item()  # (1 - mean of the padded map) / 2
    assert loss == pytest.approx((1 - same.mean().item()) / 2, abs=1e-5)


# ------------------------------------------------------------------ pytorch_msssim


def test_pytorch_msssim():
    pm = pytest.importorskip("pytorch_msssim")
    sr, hr = _pair(2, 3, 192, 176)
    a, b = sr.float(), hr.float()
    torch.testing.assert_close(pm.ssim(a, b, data_range=1.0, size_average=False).double(),
                               metrics.ssim(sr, hr, reduction="none"), rtol=0, atol=1e-5)
    torch.testing.assert_close(pm.ms_ssim(a, b, data_range=1.0, size_average=False).double(),
                               metrics.ms_ssim(sr, hr, reduction="none"), rtol=0, atol=1e-5)
    # its default data_range is 255: on [0, 1] images that is a different (wrong) number,
    # which srtutor refuses instead of returning
    assert abs(pm.ssim(a, b, size_average=True).item() - metrics.ssim(sr, hr).item()) > 1e-3
    with pytest.raises(ValueError, match="data_range=255"):
        metrics.ssim(a, b, data_range=255)


# ------------------------------------------------------------------ scikit-image (always installed)


def test_skimage_psnr_on_255_scale_and_y():
    from skimage.metrics import peak_signal_noise_ratio as sk_psnr

    sr, hr = _pair(1)
    y = lambda t: (color.rgb_to_y(t)[0] * 255).numpy()  # noqa: E731
    assert metrics.psnr(sr * 255, hr * 255, y_channel=True, data_range=255).item() == pytest.approx(
        sk_psnr(y(hr[0]), y(sr[0]), data_range=255), abs=1e-9)


# ------------------------------------------------------------------ BasicSR and pyiqa


def _hwc255(t: torch.Tensor) -> np.ndarray:
    return (t.permute(1, 2, 0).numpy() * 255).round().astype(np.float64)


def test_basicsr_y_psnr_and_ssim_bgr_order():
    bm = pytest.importorskip("basicsr.metrics")
    sr, hr = _pair(1, 3, 64, 64)
    rgb_sr, rgb_hr = _hwc255(sr[0]), _hwc255(hr[0])
    bgr_sr, bgr_hr = rgb_sr[..., ::-1].copy(), rgb_hr[..., ::-1].copy()
    ours_p = metrics.psnr(sr, hr, crop_border=4, y_channel=True).item()
    ours_s = metrics.ssim(sr, hr, crop_border=4, y_channel=True).item()
    assert bm.calculate_psnr(bgr_sr, bgr_hr, 4, test_y_channel=True) == pytest.approx(ours_p, abs=1e-4)
    assert bm.calculate_ssim(bgr_sr, bgr_hr, 4, test_y_channel=True) == pytest.approx(ours_s, abs=1e-5)
    # RGB arrays read as BGR: R and B swap in Y, another number
    assert abs(bm.calculate_psnr(rgb_sr, rgb_hr, 4, test_y_channel=True) - ours_p) > 1e-3


def test_pyiqa_psnr_color_spaces():
    arch = pytest.importorskip("pyiqa.archs.psnr_arch")
    sr, hr = _pair()
    a, b = sr.float(), hr.float()
    studio = arch.psnr(a, b, test_y_channel=True, color_space="ycbcr").double()
    torch.testing.assert_close(studio, metrics.psnr(sr, hr, y_channel=True, reduction="none"), rtol=0, atol=1e-4)
    yiq = arch.psnr(a, b, test_y_channel=True).double()  # default: YIQ's full-range Y
    full = metrics.psnr(color.rgb_to_y(sr, full_range=True), color.rgb_to_y(hr, full_range=True), reduction="none")
    torch.testing.assert_close(yiq, full, rtol=0, atol=1e-3)


# ------------------------------------------------------------------ srtutor.metrics.conventions against the libraries
# (the book's "same image in six libraries" table uses these reproductions where a library is missing)


def _png_batch(n=3, h=48, w=56, seed=1):
    sr, hr = _pair(n, 3, h, w, seed)
    return sr, hr


def test_conventions_reproduce_torchmetrics_defaults():
    tmi = pytest.importorskip("torchmetrics.image")
    from srtutor.metrics import conventions

    sr, hr = _png_batch()
    a, b = sr.float(), hr.float()
    rep = conventions.score_as("torchmetrics", sr, hr)
    assert tmi.PeakSignalNoiseRatio(data_range=1.0)(a, b).item() == pytest.approx(rep["psnr"], abs=1e-4)
    assert tmi.StructuralSimilarityIndexMeasure(data_range=1.0)(a, b).item() == pytest.approx(rep["ssim"], abs=2e-5)


def test_conventions_reproduce_kornia_defaults():
    kornia = pytest.importorskip("kornia")
    from srtutor.metrics import conventions

    sr, hr = _png_batch()
    a, b = sr.float(), hr.float()
    rep = conventions.score_as("kornia", sr, hr)
    assert kornia.metrics.psnr(a, b, 1.0).item() == pytest.approx(rep["psnr"], abs=1e-4)
    assert kornia.metrics.ssim(a, b, 11).mean().item() == pytest.approx(rep["ssim"], abs=2e-5)


def test_conventions_reproduce_pyiqa_defaults():
    pyiqa = pytest.importorskip("pyiqa")
    from srtutor.metrics import conventions

    sr, hr = _png_batch()
    a, b = sr.float(), hr.float()
    rep = conventions.score_as("pyiqa", sr, hr)
    assert pyiqa.create_metric("psnr", device="cpu")(a, b).mean().item() == pytest.approx(rep["psnr"], abs=1e-4)
    # pyiqa clamps negative contrast-structure values at 0 (F.relu); none occur on these images
    assert pyiqa.create_metric("ssim", device="cpu")(a, b).mean().item() == pytest.approx(rep["ssim"], abs=1e-4)


def test_conventions_reproduce_basicsr_defaults():
    bm = pytest.importorskip("basicsr.metrics")
    from srtutor.metrics import conventions

    sr, hr = _png_batch(1, 64, 64)
    rgb_sr, rgb_hr = _hwc255(sr[0]), _hwc255(hr[0])
    bgr_sr, bgr_hr = rgb_sr[..., ::-1].copy(), rgb_hr[..., ::-1].copy()
    rep = conventions.score_as("basicsr", sr, hr, crop_border=4)
    assert bm.calculate_psnr(bgr_sr, bgr_hr, 4, test_y_channel=True) == pytest.approx(rep["psnr"], abs=1e-4)
    assert bm.calculate_ssim(bgr_sr, bgr_hr, 4, test_y_channel=True) == pytest.approx(rep["ssim"], abs=1e-5)
    swapped = conventions.score_as("basicsr", sr, hr, crop_border=4, bgr=False)
    assert bm.calculate_psnr(rgb_sr, rgb_hr, 4, test_y_channel=True) == pytest.approx(swapped["psnr"], abs=1e-4)
