"""The metric functions: MSE, PSNR, SSIM (map and mean), MS-SSIM, gradient ratio.

Conventions, precision and value checks: see the package docstring (:mod:`srtutor.metrics`).
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from srtutor.metrics import _common as C
from srtutor.metrics._ssim import ssim_parts

Tensor = torch.Tensor

#: Scale weights of MS-SSIM (Wang, Simoncelli, Bovik 2003, Table/§3.2), finest scale first.
MS_SSIM_WEIGHTS: tuple[float, ...] = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def _mse_per_image(x: Tensor, y: Tensor) -> Tensor:
    """``(N,)`` float64 mean of squared differences. The sum runs in the compute dtype with
    torch's cascade summation (float32: ~1e-7 relative, 1e-6 dB of PSNR), several times faster
    than a float64 accumulation of float32 values."""
    d = x - y
    return (d * d).sum(dim=(1, 2, 3)).double() / d[0].numel()


def mse(
    sr: Tensor,
    hr: Tensor,
    *,
    crop_border: int = 0,
    y_channel: bool = False,
    data_range: float = 1.0,
    reduction: str = "mean",
    check_range: Optional[bool] = None,
    check_finite: Optional[bool] = None,
    precision: str = "auto",
) -> Tensor:
    """Mean squared error per image, in the images' units (``[0, 1]`` images: the 0–1 scale;
    multiply by ``255**2`` for the 255 scale; ``data_range=255`` images: the 255 scale).

    Args:
        sr: restored image(s), ``(C, H, W)`` or ``(N, C, H, W)``, float in ``[0, data_range]``.
        hr: reference image(s), same shape.
        crop_border: pixels removed at every border before scoring (``>= 0``).
        y_channel: score the BT.601 studio-range luminance (``C`` must be 1 or 3).
        data_range: the images' peak value ``L`` (1 for ``[0, 1]``, 255 for 0–255 floats).
        reduction: ``"mean"`` (0-dim tensor, mean over the batch) or ``"none"`` (``(N,)``).
        check_range: reject values outside ``[0, data_range]`` and a ``data_range > 1`` on
            ``[0, 1]`` images (``None``: on, unless :func:`value_checks` turned checks off).
        check_finite: reject NaN/inf (``None``: as ``check_range``).
        precision: ``"auto"``, ``"float32"`` or ``"float64"`` (see the package docstring).

    Returns:
        ``float64`` tensor on the input's device.
    """
    C.check_reduction(reduction)
    x, y, was_3d, peak = C.prepare(sr, hr, crop_border=crop_border, y_channel=y_channel, data_range=data_range,
                                   check_range=check_range, check_finite=check_finite, precision=precision)
    return C.reduce(_mse_per_image(x, y) * (peak * peak), reduction, was_3d)


def psnr(
    sr: Tensor,
    hr: Tensor,
    *,
    crop_border: int = 0,
    y_channel: bool = False,
    data_range: float = 1.0,
    reduction: str = "mean",
    check_range: Optional[bool] = None,
    check_finite: Optional[bool] = None,
    precision: str = "auto",
) -> Tensor:
    """Peak signal-to-noise ratio ``10 log10(L^2 / MSE)`` in dB (survey §2.3, Eq. 7).

    Computed per image (MSE over all channels and pixels of that image), then averaged over the
    batch, as SR papers report it (torchmetrics' default instead takes one MSE over the whole
    batch: a different number for batches). ``[0, 1]`` images with ``data_range=1`` give the
    same number as their 0–255 versions with ``data_range=255``.

    Args:
        sr: restored image(s), ``(C, H, W)`` or ``(N, C, H, W)``, float in ``[0, data_range]``.
        hr: reference image(s), same shape.
        crop_border: pixels removed at every border (the literature uses the scale factor).
        y_channel: score BT.601 studio-range Y (MATLAB ``rgb2ycbcr``); 1-channel images as is.
        data_range: the peak value ``L`` (1 for ``[0, 1]`` images, 255 for 0–255 floats).
        reduction: ``"mean"`` → 0-dim tensor, ``"none"`` → ``(N,)`` (0-dim for ``(C, H, W)``).
        check_range, check_finite, precision: as in :func:`mse`.

    Returns:
        ``float64`` tensor, differentiable; ``inf`` for identical images (``MSE = 0``), whose
        gradient is 0 (finite), not NaN.
    """
    C.check_reduction(reduction)
    x, y, was_3d, _ = C.prepare(sr, hr, crop_border=crop_border, y_channel=y_channel, data_range=data_range,
                                check_range=check_range, check_finite=check_finite, precision=precision)
    m = _mse_per_image(x, y)
    positive = m > 0
    safe = torch.where(positive, m, torch.ones_like(m))  # log10 of 1 where MSE = 0: finite gradient
    value = torch.where(positive, -10.0 * torch.log10(safe), torch.full_like(m, math.inf))
    return C.reduce(value, reduction, was_3d)


def gradient_ratio(
    sr: Tensor,
    hr: Tensor,
    *,
    crop_border: int = 0,
    y_channel: bool = False,
    data_range: float = 1.0,
    reduction: str = "mean",
    check_range: Optional[bool] = None,
    check_finite: Optional[bool] = None,
    precision: str = "auto",
) -> Tensor:
    """Sharpness of ``sr`` relative to ``hr``: mean absolute horizontal + vertical forward difference
    of ``sr`` divided by that of ``hr``.

    A crude, reference-based stand-in for perceptual sharpness (not a published IQA measure):
    1 means as much gradient energy as the reference, below 1 blurrier (regression-to-the-mean
    of pixel losses), above 1 sharper or noisier (GAN textures). Chapter 8 plots it against PSNR
    for the perception–distortion trade-off (Blau & Michaeli 2018).

    Args:
        sr, hr: ``(C, H, W)`` or ``(N, C, H, W)`` in ``[0, data_range]``, same shape, ``H, W >= 2``.
        crop_border, y_channel, data_range, reduction, check_range, check_finite, precision:
            as in :func:`mse`.

    Returns:
        ``float64`` tensor: per-image ratio, reduced over the batch.
    """
    C.check_reduction(reduction)
    x, y, was_3d, _ = C.prepare(sr, hr, crop_border=crop_border, y_channel=y_channel, data_range=data_range,
                                check_range=check_range, check_finite=check_finite, precision=precision,
                                min_size=2, why=" for forward differences")

    def energy(im: Tensor) -> Tensor:
        base = im[..., :-1, :-1]
        return ((im[..., 1:, :-1] - base).abs().mean(dim=(1, 2, 3), dtype=torch.float64)
                + (im[..., :-1, 1:] - base).abs().mean(dim=(1, 2, 3), dtype=torch.float64))

    return C.reduce(energy(x) / energy(y), reduction, was_3d)


# --------------------------------------------------------------------------- SSIM


def gaussian_window(
    window_size: int = 11,
    sigma: float = 1.5,
    *,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> Tensor:
    """1-D Gaussian window ``exp(-k^2 / (2 sigma^2))``, ``k = -r..r``, normalised to sum 1.

    The outer product of this window with itself is MATLAB's ``fspecial('gaussian', 11, 1.5)``,
    the SSIM window of Wang et al. (2004); it is also the kernel scikit-image's
    ``gaussian_filter(sigma=1.5, truncate=3.5)`` uses.
    """
    window_size, sigma = C.check_window(window_size, sigma)
    k = torch.arange(window_size, dtype=torch.float64, device=device) - (window_size - 1) / 2
    g = torch.exp(-(k**2) / (2.0 * sigma**2))
    return (g / g.sum()).to(dtype)


def _taps(window_size: int, sigma: float) -> list[float]:
    """The window as Python floats (computed on the CPU: no device work, no synchronisation)."""
    r = (window_size - 1) / 2
    g = [math.exp(-((k - r) ** 2) / (2.0 * sigma**2)) for k in range(window_size)]
    total = math.fsum(g)
    return [v / total for v in g]


def _ssim_setup(sr, hr, crop_border, y_channel, data_range, reduction, window_size, sigma, k1, k2,
                check_range, check_finite, precision, *, min_size: Optional[int] = None, why: str = ""):
    C.check_reduction(reduction)
    window_size, sigma = C.check_window(window_size, sigma)
    # the images are divided by data_range, so the constants are those of L = 1
    c1 = C.check_number(k1, "k1", positive=False) ** 2
    c2 = C.check_number(k2, "k2", positive=False) ** 2
    if min_size is None:
        min_size, why = window_size, f" for the {window_size}x{window_size} SSIM window ('valid' filtering)"
    x, y, was_3d, _ = C.prepare(sr, hr, crop_border=crop_border, y_channel=y_channel, data_range=data_range,
                                check_range=check_range, check_finite=check_finite, precision=precision,
                                min_size=min_size, why=why)
    return x, y, was_3d, _taps(window_size, sigma), c1, c2


def ssim_map(
    sr: Tensor,
    hr: Tensor,
    *,
    crop_border: int = 0,
    y_channel: bool = False,
    data_range: float = 1.0,
    window_size: int = 11,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    check_range: Optional[bool] = None,
    check_finite: Optional[bool] = None,
    precision: str = "auto",
) -> Tensor:
    """The local SSIM map of Wang et al. (2004), 'valid' part only.

    ``SSIM(x, y) = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 +
    sigma_y^2 + C2))`` with Gaussian-weighted local statistics, ``C1 = (k1 L)^2``, ``C2 = (k2 L)^2``.

    Args: as :func:`ssim`.

    Returns:
        Map of shape ``(N, C', H' - w + 1, W' - w + 1)`` (or without ``N`` for a ``(C, H, W)``
        input) in the compute dtype (``float64`` or ``float32``, see ``precision``), where
        ``H' = H - 2 crop_border``, ``w = window_size`` and ``C' = 1`` when ``y_channel`` else ``C``.
    """
    x, y, was_3d, taps, c1, c2 = _ssim_setup(sr, hr, crop_border, y_channel, data_range, "mean", window_size,
                                             sigma, k1, k2, check_range, check_finite, precision)
    s, _ = ssim_parts(x, y, taps, c1, c2, maps=True)
    return s[0] if was_3d else s


def ssim(
    sr: Tensor,
    hr: Tensor,
    *,
    crop_border: int = 0,
    y_channel: bool = False,
    data_range: float = 1.0,
    reduction: str = "mean",
    window_size: int = 11,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    check_range: Optional[bool] = None,
    check_finite: Optional[bool] = None,
    precision: str = "auto",
) -> Tensor:
    """Structural similarity (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004; survey §2.3).

    The MATLAB protocol: 11×11 Gaussian window (σ = 1.5), ``K1 = 0.01``, ``K2 = 0.03``, 'valid'
    filtering, mean of the map, per channel then averaged over channels. Equal to scikit-image's
    ``structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    data_range=1)`` (whose mean skips a 5-pixel border, i.e. uses exactly the valid part).

    Args:
        sr: restored image(s), ``(C, H, W)`` or ``(N, C, H, W)``, float in ``[0, data_range]``.
        hr: reference image(s), same shape.
        crop_border: pixels removed at every border first (the literature uses the scale).
        y_channel: score BT.601 studio-range Y (``C`` must be 1 or 3).
        data_range: dynamic range ``L`` of the values (1 for ``[0, 1]`` images, 255 for 0–255).
        reduction: ``"mean"`` → 0-dim tensor (mean over the batch), ``"none"`` → ``(N,)``.
        window_size: odd side of the Gaussian window.
        sigma: standard deviation of the Gaussian window, pixels.
        k1, k2: stabilising constants.
        check_range, check_finite, precision: as in :func:`mse`.

    Returns:
        ``float64`` tensor, differentiable; 1 for identical images.
    """
    x, y, was_3d, taps, c1, c2 = _ssim_setup(sr, hr, crop_border, y_channel, data_range, reduction, window_size,
                                             sigma, k1, k2, check_range, check_finite, precision)
    s, _ = ssim_parts(x, y, taps, c1, c2)
    return C.reduce(s.mean(dim=1), reduction, was_3d)


def ms_ssim(
    sr: Tensor,
    hr: Tensor,
    *,
    crop_border: int = 0,
    y_channel: bool = False,
    data_range: float = 1.0,
    reduction: str = "mean",
    window_size: int = 11,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    weights: Sequence[float] = MS_SSIM_WEIGHTS,
    check_range: Optional[bool] = None,
    check_finite: Optional[bool] = None,
    precision: str = "auto",
) -> Tensor:
    """Multi-scale SSIM (Wang, Simoncelli, Bovik, Asilomar 2003).

    ``MS-SSIM = l_M^{w_M} prod_{j=1..M} cs_j^{w_j}``: the contrast-structure term ``cs_j`` (mean
    of its map) at every scale ``j`` and the luminance term only at the coarsest scale ``M``
    (as in the authors' MATLAB code, the last factor is the mean of the full SSIM map at scale
    ``M``). Between scales both images are averaged over 2×2 blocks and subsampled by 2 (odd sizes:
    the last row/column is kept on its own, as MATLAB's ``imfilter(..., 'symmetric')`` does).
    Computed per channel, then averaged over channels. Negative ``cs`` values (anti-correlated
    images) are clamped at 0 so that the fractional powers are defined.

    Args: as :func:`ssim`, plus ``weights`` (one per scale, finest first; default the paper's
    five ``0.0448, 0.2856, 0.3001, 0.2363, 0.1333``).

    Raises:
        ValueError: if the (cropped) images are smaller than ``(window_size - 1) 2^(M-1) + 1``
            pixels (161 for 5 scales and an 11-pixel window), the size at which the coarsest
            scale still holds one full window.

    Returns:
        ``float64`` tensor, differentiable; 1 for identical images.
    """
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence) or len(weights) == 0:
        raise TypeError(f"weights must be a non-empty sequence of numbers, got {weights!r}")
    w = [C.check_number(v, f"weights[{i}]", positive=True) for i, v in enumerate(weights)]
    window_size, _ = C.check_window(window_size, sigma)
    min_size = (window_size - 1) * 2 ** (len(w) - 1) + 1
    x, y, was_3d, taps, c1, c2 = _ssim_setup(
        sr, hr, crop_border, y_channel, data_range, reduction, window_size, sigma, k1, k2,
        check_range, check_finite, precision, min_size=min_size,
        why=f" for MS-SSIM with {len(w)} scales and a {window_size}-pixel window "
        f"((window_size - 1) * 2**(scales - 1) + 1)",
    )
    value = None
    for j, wj in enumerate(w):
        s, cs = ssim_parts(x, y, taps, c1, c2)  # (N, C) float64 means
        factor = (cs if j < len(w) - 1 else s).clamp_min(0.0).pow(wj)
        value = factor if value is None else value * factor
        if j < len(w) - 1:
            x = F.avg_pool2d(x, 2, ceil_mode=True)
            y = F.avg_pool2d(y, 2, ceil_mode=True)
    return C.reduce(value.mean(dim=1), reduction, was_3d)
