"""PSNR and SSIM under the default conventions of other libraries, reproduced with srtutor.

The same SR/HR pair gets different PSNR/SSIM numbers in different libraries, for documented
reasons (channel, reduction over the batch, padding of the SSIM window, window shape, border
crop, colour order). :func:`score_as` computes the numbers that a library's *default* call
gives, from srtutor's own metrics plus the one or two steps that differ, so that the book can
show every library's number and explain it even where the library is not installed. Each
convention is checked against the library itself in ``tests/test_metrics_crosscheck.py`` when
the library is installed (torchmetrics, kornia, scikit-image; pyiqa and BasicSR follow their
published source: they need torchvision, which the pinned CPU torch of this project lacks).

Conventions (``LIBRARIES``; images ``(N, 3, H, W)`` RGB in ``[0, 1]``, 8-bit values):

* ``"torchmetrics"`` — ``PeakSignalNoiseRatio(data_range=1.0)``: one MSE over the whole batch,
  RGB, no crop; ``StructuralSimilarityIndexMeasure(data_range=1.0)``: 11×11 Gaussian
  (σ = 1.5), images padded by reflection ('same'-size map), the mean of the whole map, RGB.
* ``"kornia"`` — ``kornia.metrics.psnr(sr, hr, 1.0)``: one MSE over the batch;
  ``kornia.metrics.ssim(sr, hr, 11).mean()``: the same padded map as torchmetrics.
* ``"scikit-image"`` — ``peak_signal_noise_ratio(hr, sr)`` per image on ``uint8`` RGB (the
  range 255 from the dtype) and ``structural_similarity(hr, sr, channel_axis=-1)``: a 7×7
  *uniform* window, sample (n − 1) covariances, ``C`` from ``L = 255``, the mean over the map
  without its 3-pixel border, per channel; both averaged over images.
* ``"pyiqa"`` — ``create_metric("psnr")``: per image on RGB (``test_y_channel=False``);
  ``create_metric("ssim")``: the Y of YIQ (full range, ``0.299 R + 0.587 G + 0.114 B``) on the
  0–255 scale **rounded to integers**, 11×11 Gaussian, valid filtering; no crop.
* ``"basicsr"`` — ``calculate_psnr/ssim(img, img2, crop_border=s, test_y_channel=True)`` as its
  SR test configurations call them, on ``uint8`` **BGR** arrays (OpenCV's order): studio-range
  Y (MATLAB ``rgb2ycbcr``), ``s`` pixels cropped, 11×11 Gaussian, valid — srtutor's protocol.
  ``bgr=False`` gives what BasicSR returns when handed RGB arrays: R and B swap in Y.
* ``"srtutor"`` — :func:`srtutor.metrics.psnr` / :func:`~srtutor.metrics.ssim` with
  ``y_channel=True, crop_border=s`` (the SR literature's protocol); with ``crop_border=None``
  srtutor's plain defaults (RGB, no crop).
"""

from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F

from srtutor import color
from srtutor.metrics.functional import mse, psnr, ssim

Tensor = torch.Tensor

__all__ = ["LIBRARIES", "score_as", "ssim_uniform"]

#: the libraries :func:`score_as` knows, in the order of the book's table.
LIBRARIES: tuple[str, ...] = ("torchmetrics", "scikit-image", "kornia", "pyiqa", "basicsr", "srtutor")


def _batch(x: Tensor) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"images must be torch tensors, got {type(x).__name__}")
    if x.ndim == 3:
        x = x.unsqueeze(0)
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"images must be RGB, (3, H, W) or (N, 3, H, W), got shape {tuple(x.shape)}")
    return x


def ssim_uniform(sr: Tensor, hr: Tensor, *, win_size: int = 7, data_range: float = 1.0) -> Tensor:
    """scikit-image's default SSIM: a ``win_size`` × ``win_size`` uniform window, sample covariances.

    ``structural_similarity(hr, sr, data_range=L, channel_axis=-1)`` with its defaults
    (``gaussian_weights=False``, ``use_sample_covariance=True``, ``K1 = 0.01``, ``K2 = 0.03``):
    local means over a uniform window, variances and covariance scaled by ``n / (n − 1)``
    (``n = win_size²``), the map averaged without its ``(win_size − 1) / 2`` border (i.e. the
    valid part), per channel, then over channels.

    Args:
        sr, hr: ``(N, C, H, W)`` or ``(C, H, W)`` in ``[0, data_range]``, at least
            ``win_size`` pixels per side.
        win_size: odd window side (scikit-image's default 7).
        data_range: the images' range ``L``.

    Returns:
        ``(N,)`` float64 tensor (0-dim for a ``(C, H, W)`` input).
    """
    was3 = sr.ndim == 3
    x = (sr.unsqueeze(0) if was3 else sr).double() / data_range
    y = (hr.unsqueeze(0) if was3 else hr).double() / data_range
    if x.shape != y.shape:
        raise ValueError(f"sr and hr must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    if win_size < 3 or win_size % 2 == 0 or min(x.shape[-2:]) < win_size:
        raise ValueError(f"win_size must be odd, >= 3 and fit the {tuple(x.shape[-2:])} images, got {win_size}")
    c = x.shape[1]
    k = torch.full((c, 1, win_size, win_size), 1.0 / win_size**2, dtype=torch.float64, device=x.device)

    def f(t: Tensor) -> Tensor:
        return F.conv2d(t, k, groups=c)

    n = win_size**2
    cov = n / (n - 1)
    ux, uy = f(x), f(y)
    vx = cov * (f(x * x) - ux * ux)
    vy = cov * (f(y * y) - uy * uy)
    vxy = cov * (f(x * y) - ux * uy)
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    out = s.mean(dim=(1, 2, 3))
    return out[0] if was3 else out


def score_as(library: str, sr: Tensor, hr: Tensor, *, crop_border: Optional[int] = 4,
             bgr: bool = True) -> dict[str, float]:
    """PSNR (dB) and SSIM of ``sr`` against ``hr`` as ``library``'s default call computes them.

    Args:
        library: one of :data:`LIBRARIES` (see the module docstring for each convention).
        sr, hr: RGB images ``(3, H, W)`` or a batch ``(N, 3, H, W)`` of equal-size images in
            ``[0, 1]`` (8-bit values, as read from PNG files).
        crop_border: the border used by the conventions that crop (BasicSR's configurations,
            srtutor's protocol: the scale); ``None`` for srtutor means its plain defaults.
        bgr: BasicSR only — ``True``: arrays in OpenCV's BGR order, as BasicSR reads them;
            ``False``: RGB arrays handed to it (its Y then mixes R and B the wrong way round).

    Returns:
        ``{"psnr": float, "ssim": float}``; a batch gives the library's batch value (the mean
        of per-image values, or one MSE over the batch for torchmetrics/kornia PSNR).
    """
    if library not in LIBRARIES:
        raise ValueError(f"library must be one of {LIBRARIES}, got {library!r}")
    a, b = _batch(sr), _batch(hr)
    if a.shape != b.shape:
        raise ValueError(f"sr and hr must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    a, b = a.double(), b.double()
    if library in ("torchmetrics", "kornia"):
        m = mse(a, b).item()  # mean of per-image MSEs = one MSE over equal-size images
        p = -10.0 * math.log10(m) if m > 0 else math.inf

        def pad(t: Tensor) -> Tensor:
            return F.pad(t, (5, 5, 5, 5), mode="reflect")

        return {"psnr": p, "ssim": ssim(pad(a), pad(b)).item()}
    if library == "scikit-image":
        return {"psnr": psnr(a, b).item(), "ssim": ssim_uniform(a, b).mean().item()}
    if library == "pyiqa":
        def y255(t: Tensor) -> Tensor:
            return torch.round(color.rgb_to_y(t, full_range=True) * 255)

        return {"psnr": psnr(a, b).item(), "ssim": ssim(y255(a), y255(b), data_range=255).item()}
    if library == "basicsr":
        if crop_border is None or crop_border < 0:
            raise ValueError("basicsr needs crop_border >= 0 (its calculate_psnr has no default)")
        if not bgr:  # RGB arrays read as BGR: the Y weights of R and B are swapped
            a, b = a.flip(1), b.flip(1)
        kw = dict(y_channel=True, crop_border=crop_border)
        return {"psnr": psnr(a, b, **kw).item(), "ssim": ssim(a, b, **kw).item()}
    # srtutor
    kw = {} if crop_border is None else dict(y_channel=True, crop_border=crop_border)
    return {"psnr": psnr(a, b, **kw).item(), "ssim": ssim(a, b, **kw).item()}
