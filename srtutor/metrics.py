"""Full-reference image quality metrics: MSE, PSNR, SSIM, MS-SSIM (survey §2.3).

The survey (Wang, Chen, Hoi, TPAMI 2020, §2.3 "Image Quality Assessment") lists PSNR and SSIM
as the metrics every SR paper reports, and notes that the numbers depend on *how* they are
computed. The community's de-facto protocol (the MATLAB scripts released with SRCNN, VDSR,
EDSR, RCAN, ...) is written down here once and used everywhere in srtutor:

* images are float tensors in ``[0, 1]`` of shape ``(C, H, W)`` or ``(N, C, H, W)``;
* ``y_channel=True`` scores the luminance Y of BT.601 *studio range* YCbCr (MATLAB
  ``rgb2ycbcr``: ``Y = 16 + 65.481 R + 128.553 G + 24.966 B`` on the 255 scale), via
  :func:`srtutor.color.rgb_to_y`; a 1-channel image is scored on its grey values as is;
* ``crop_border=s`` removes ``s`` pixels at every border (the literature uses ``s = scale``);
* PSNR ``= 10 log10(L^2 / MSE)`` with ``L = data_range = 1`` on the ``[0, 1]`` scale, which is
  the same number as on the 255 scale;
* SSIM (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004) with an 11×11 Gaussian window
  (σ = 1.5), ``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2``, *valid* filtering (no padding: the map
  is ``(H - 10) × (W - 10)``), the mean of the map; colour images: per channel, then averaged
  over channels;
* MS-SSIM (Wang, Simoncelli, Bovik, Asilomar 2003): 5 scales with weights
  ``(0.0448, 0.2856, 0.3001, 0.2363, 0.1333)``.

Every metric is computed per image and then, with ``reduction="mean"``, averaged over the batch
(a 0-dim tensor); ``reduction="none"`` gives one value per image, shape ``(N,)`` (a 0-dim
tensor for a single ``(C, H, W)`` image).

Precision: every computation runs in ``float64`` whatever the input dtype, and the results are
``float64`` tensors on the input's device. This keeps agreement with scikit-image / MATLAB at the
1e-6 level: SSIM subtracts ``E[x]^2`` from ``E[x^2]``, which loses digits in ``float32`` on flat
image regions (computed in float32, even after removing each image's mean, the SSIM of bicubic
×4 results on Set5/Set14 moved by up to 5e-6 on RGB and 6e-7 on Y). Everything stays
differentiable: ``1 - ssim(sr, hr)`` is a valid loss, and the gradient flows back to ``sr`` in
its own dtype.

Speed: the Gaussian filtering is separable and done as in-place sums of shifted views (double
precision ``F.conv2d`` has no fast CPU kernel), four maps at once, in cache-sized blocks on CPU;
``benchmarks/bench_ssim.py`` compares it with scikit-image. On a machine shared by many busy
processes, PyTorch's OpenMP threads spin-wait and can make every op much slower: run with
``OMP_NUM_THREADS=1`` or ``OMP_WAIT_POLICY=PASSIVE`` there.

Identical images have ``MSE = 0`` and therefore ``PSNR = inf`` (not an error; averaging an
``inf`` with finite values gives ``inf``, so compare per-image values with ``reduction="none"``).
"""

from __future__ import annotations

import math
import threading
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from srtutor._checks import as_batch, check_image, check_positive_int, check_same_shape
from srtutor.color import rgb_to_y

Tensor = torch.Tensor

__all__ = [
    "MS_SSIM_WEIGHTS",
    "gaussian_window",
    "mse",
    "psnr",
    "ssim",
    "ssim_map",
    "ms_ssim",
    "gradient_ratio",
    "PSNR",
    "SSIM",
    "MSSSIM",
]

#: Scale weights of MS-SSIM (Wang, Simoncelli, Bovik 2003, Table/§3.2), finest scale first.
MS_SSIM_WEIGHTS: tuple[float, ...] = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)

_DTYPE = torch.float64  # compute dtype of every metric (see module docstring)


# --------------------------------------------------------------------------- validation


def _check_number(v: object, name: str, *, positive: bool) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(v).__name__} {v!r}")
    v = float(v)
    if not math.isfinite(v) or (v <= 0 if positive else v < 0):
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '>= 0'}, got {v}")
    return v


def _check_reduction(reduction: object) -> str:
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")
    return reduction  # type: ignore[return-value]


def _check_window(window_size: object, sigma: object) -> tuple[int, float]:
    window_size = check_positive_int(window_size, "window_size")
    if window_size % 2 == 0:
        raise ValueError(f"window_size must be odd (the window needs a centre pixel), got {window_size}")
    return window_size, _check_number(sigma, "sigma", positive=True)


def _prepare(
    sr: object,
    hr: object,
    crop_border: object,
    y_channel: bool,
    check_range: bool,
    *,
    min_size: int = 1,
    why: str = "",
) -> tuple[Tensor, Tensor, bool]:
    """Validate, convert to float64, take Y, crop borders; return ``(sr4, hr4, was_3d)``.

    ``min_size`` is the smallest height/width that must remain after cropping (1 for PSNR,
    the window size for SSIM, more for MS-SSIM); ``why`` explains it in the error message.
    """
    channels = (1, 3) if y_channel else None
    for x, name in ((sr, "sr"), (hr, "hr")):
        # structure via the shared checks; values in one aminmax pass (see _check_values)
        check_image(x, name, channels=channels, check_range=False, allow_nan=True)
        _check_values(x, name, check_range)
    check_same_shape(sr, hr, "sr", "hr")
    if not isinstance(y_channel, bool):
        raise TypeError(f"y_channel must be a bool, got {type(y_channel).__name__} {y_channel!r}")
    crop = check_positive_int(crop_border, "crop_border", minimum=0)
    h, w = sr.shape[-2:]
    if h - 2 * crop < min_size or w - 2 * crop < min_size:
        raise ValueError(
            f"crop_border={crop} leaves a {max(h - 2 * crop, 0)}x{max(w - 2 * crop, 0)} region of the "
            f"{h}x{w} images sr/hr, but at least {min_size}x{min_size} is needed{why}; use a smaller "
            f"crop_border or larger images"
        )
    sr, was_3d = as_batch(sr.to(_DTYPE))
    hr, _ = as_batch(hr.to(_DTYPE))
    if crop:
        sr = sr[..., crop:h - crop, crop:w - crop]
        hr = hr[..., crop:h - crop, crop:w - crop]
    if y_channel:
        sr, hr = rgb_to_y(sr), rgb_to_y(hr)
    return sr, hr, was_3d


def _check_values(x: Tensor, name: str, check_range: bool, tol: float = 1e-3) -> None:
    """NaN/inf and ``[0, 1]`` checks with the messages of ``check_image``, in one pass.

    A NaN propagates to the min and max and an inf becomes one of them, so ``aminmax`` finds
    both; this is several times cheaper than ``isfinite(x).all()`` plus ``min`` and ``max``,
    which cost as much as a quarter of an SSIM evaluation.
    """
    lo, hi = (float(v) for v in torch.aminmax(x.detach()))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{name} contains NaN or inf values")
    if check_range and (lo < -tol or hi > 1 + tol):
        raise ValueError(
            f"{name} must have values in [0, 1], got min {lo:.4g} and max {hi:.4g}; "
            f"divide uint8 images by 255"
        )


def _reduce(per_image: Tensor, reduction: str, was_3d: bool) -> Tensor:
    """``per_image`` has shape ``(N,)``."""
    if reduction == "mean":
        return per_image.mean()
    return per_image[0] if was_3d else per_image


# --------------------------------------------------------------------------- MSE / PSNR


def _mse_per_image(sr: Tensor, hr: Tensor) -> Tensor:
    return (sr - hr).pow(2).flatten(1).mean(1)


def mse(
    sr: Tensor,
    hr: Tensor,
    *,
    crop_border: int = 0,
    y_channel: bool = False,
    reduction: str = "mean",
    check_range: bool = True,
) -> Tensor:
    """Mean squared error per image, on the ``[0, 1]`` scale (multiply by ``255**2`` for 255 scale).

    Args:
        sr: restored image(s), ``(C, H, W)`` or ``(N, C, H, W)``, float in ``[0, 1]``.
        hr: reference image(s), same shape.
        crop_border: pixels removed at every border before scoring (``>= 0``).
        y_channel: score the BT.601 studio-range luminance (``C`` must be 1 or 3).
        reduction: ``"mean"`` (0-dim tensor, mean over the batch) or ``"none"`` (``(N,)``).
        check_range: reject values outside ``[0, 1]`` (set ``False`` for raw network outputs).

    Returns:
        ``float64`` tensor on the input's device.
    """
    _check_reduction(reduction)
    x, y, was_3d = _prepare(sr, hr, crop_border, y_channel, check_range)
    return _reduce(_mse_per_image(x, y), reduction, was_3d)


def gradient_ratio(
    sr: Tensor,
    hr: Tensor,
    *,
    crop_border: int = 0,
    y_channel: bool = False,
    reduction: str = "mean",
    check_range: bool = True,
) -> Tensor:
    """Sharpness of ``sr`` relative to ``hr``: mean absolute horizontal + vertical forward difference
    of ``sr`` divided by that of ``hr``.

    A crude, reference-based stand-in for perceptual sharpness (not a published IQA measure):
    1 means as much gradient energy as the reference, below 1 blurrier (regression-to-the-mean
    of pixel losses), above 1 sharper or noisier (GAN textures). Chapter 8 plots it against PSNR
    for the perception–distortion trade-off (Blau & Michaeli 2018).

    Args:
        sr, hr: ``(C, H, W)`` or ``(N, C, H, W)`` in ``[0, 1]``, same shape, ``H, W >= 2``.
        crop_border, y_channel, reduction, check_range: as in :func:`mse`.

    Returns:
        ``float64`` tensor: per-image ratio, reduced over the batch.
    """
    _check_reduction(reduction)
    x, y, was_3d = _prepare(sr, hr, crop_border, y_channel, check_range)
    if x.shape[-1] < 2 or x.shape[-2] < 2:
        raise ValueError(f"gradient_ratio needs images of at least 2x2 pixels, got {tuple(x.shape[-2:])}")

    def energy(im: Tensor) -> Tensor:
        base = im[..., :-1, :-1]
        return ((im[..., 1:, :-1] - base).abs().mean(dim=(1, 2, 3))
                + (im[..., :-1, 1:] - base).abs().mean(dim=(1, 2, 3)))

    return _reduce(energy(x) / energy(y), reduction, was_3d)


def psnr(
    sr: Tensor,
    hr: Tensor,
    *,
    crop_border: int = 0,
    y_channel: bool = False,
    data_range: float = 1.0,
    reduction: str = "mean",
    check_range: bool = True,
) -> Tensor:
    """Peak signal-to-noise ratio ``10 log10(L^2 / MSE)`` in dB (survey §2.3, Eq. 7).

    Computed per image (MSE over all channels and pixels of that image), then averaged over the
    batch, as SR papers report it. On ``[0, 1]`` images with ``data_range=1`` this is the same
    number as on the 255 scale with ``L = 255``.

    Args:
        sr: restored image(s), ``(C, H, W)`` or ``(N, C, H, W)``, float in ``[0, 1]``.
        hr: reference image(s), same shape.
        crop_border: pixels removed at every border (the literature uses the scale factor).
        y_channel: score BT.601 studio-range Y (MATLAB ``rgb2ycbcr``); 1-channel images as is.
        data_range: the peak value ``L`` (1 for ``[0, 1]`` images).
        reduction: ``"mean"`` → 0-dim tensor, ``"none"`` → ``(N,)`` (0-dim for ``(C, H, W)``).
        check_range: reject values outside ``[0, 1]``.

    Returns:
        ``float64`` tensor (differentiable); ``inf`` for identical images (``MSE = 0``).
    """
    _check_reduction(reduction)
    peak = _check_number(data_range, "data_range", positive=True)
    x, y, was_3d = _prepare(sr, hr, crop_border, y_channel, check_range)
    value = 10.0 * torch.log10(peak**2 / _mse_per_image(x, y))
    return _reduce(value, reduction, was_3d)


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
    window_size, sigma = _check_window(window_size, sigma)
    k = torch.arange(window_size, dtype=torch.float64, device=device) - (window_size - 1) / 2
    g = torch.exp(-(k**2) / (2.0 * sigma**2))
    return (g / g.sum()).to(dtype)


def _filter_valid(x: Tensor, taps: Sequence[float], *, cols: Tensor | None = None,
                  out: Tensor | None = None) -> Tensor:
    """Separable 'valid' filtering of every channel of ``x`` ``(..., H, W)`` with the 1-D ``taps``.

    Output ``(..., H - r, W - r)`` with ``r = len(taps) - 1``: columns first, then rows, each as
    a weighted sum of ``len(taps)`` shifted views (``out += taps[k] * x[..., k:k + H - r, :]``).
    On CPU in float64 this is about 5x faster than a depthwise ``F.conv2d`` (which has no
    optimised double-precision kernel); it works on any device and dtype, and autograd handles
    it. ``cols`` ``(..., H - r, W)`` and ``out`` are optional preallocated buffers (no autograd).
    """
    n = len(taps)
    h, w = x.shape[-2] - n + 1, x.shape[-1] - n + 1
    cols = torch.mul(x[..., 0:h, :], taps[0], out=cols) if cols is not None else x[..., 0:h, :] * taps[0]
    for k in range(1, n):
        cols.add_(x[..., k:k + h, :], alpha=taps[k])
    out = torch.mul(cols[..., 0:w], taps[0], out=out) if out is not None else cols[..., 0:w] * taps[0]
    for k in range(1, n):
        out.add_(cols[..., k:k + w], alpha=taps[k])
    return out


# On CPU the images are processed in blocks of about this many pixels (several small images,
# or a band of rows of a large one) so that the float64 maps of a block stay in cache:
# memory traffic, not arithmetic, bounds the speed of these filters (see benchmarks/bench_ssim.py).
_CPU_BLOCK_PIXELS = 1 << 16


def _ssim_and_cs(x: Tensor, y: Tensor, g: Sequence[float], c1: float, c2: float) -> tuple[Tensor, Tensor]:
    """SSIM map and contrast-structure map ``cs`` of ``x``, ``y`` ``(N, C, H, W)``.

    Local statistics with the Gaussian window ``w`` (``g``: the 1-D taps as floats):
    ``mu = w*x``, ``sigma_x^2 = w*x^2 - mu_x^2``, ``sigma_xy = w*(xy) - mu_x mu_y`` (biased, as
    Wang et al. 2004 and MATLAB ``ssim_index``). Only ``sigma_x^2 + sigma_y^2`` enters SSIM, so
    four maps are filtered: ``x``, ``y``, ``x^2 + y^2``, ``xy``, in one batched call per block.
    On CPU the work is split into cache-sized blocks; on GPU the whole batch is one block.
    Without autograd, blocks are written into buffers allocated once (fresh large allocations
    cost page faults on every block); with autograd, every block allocates its own tensors.
    """
    n, c, h, w = x.shape
    k, r = n * c, len(g) - 1
    ho, wo = h - r, w - r
    xs, ys = x.reshape(k, h, w), y.reshape(k, h, w)
    if x.device.type == "cpu":
        images = min(k, max(1, _CPU_BLOCK_PIXELS // (h * w)))  # whole small images per block
        rows = min(ho, max(1, _CPU_BLOCK_PIXELS // w))  # or a band of output rows of a large one
    else:
        images, rows = k, ho
    blocks = [(slice(i, i + images), j, min(rows, ho - j))
              for i in range(0, k, images) for j in range(0, ho, rows)]
    if torch.is_grad_enabled() and (x.requires_grad or y.requires_grad):
        parts = [_ssim_block(xs[i, j:j + m + r], ys[i, j:j + m + r], g, c1, c2) for i, j, m in blocks]
        s, cs = (_assemble([p[t] for p in parts], k // images + (k % images > 0)) for t in (0, 1))
    else:
        s, cs = x.new_empty(k, ho, wo), x.new_empty(k, ho, wo)
        ws = _workspace(images, rows, w, r, like=x)
        for i, j, m in blocks:
            _ssim_block_into(xs[i, j:j + m + r], ys[i, j:j + m + r], g, c1, c2,
                             s[i, j:j + m], cs[i, j:j + m], ws)
    return s.reshape(n, c, ho, wo), cs.reshape(n, c, ho, wo)


def _assemble(parts: list[Tensor], groups: int) -> Tensor:
    """Blocks listed image-group-major, bands of rows within → ``(K, H', W')``."""
    if len(parts) == 1:
        return parts[0]
    per = len(parts) // groups
    return torch.cat([torch.cat(parts[i * per:(i + 1) * per], dim=1) for i in range(groups)], dim=0)


def _ssim_block(x: Tensor, y: Tensor, g: Sequence[float], c1: float, c2: float) -> tuple[Tensor, Tensor]:
    """SSIM and cs maps ``(I, h - r, w - r)`` of a block ``(I, h, w)``; differentiable."""
    stats = _filter_valid(torch.stack([x, y, x * x + y * y, x * y], dim=1), g)
    mu_x, mu_y, e_sq, e_xy = stats.unbind(1)
    mu_xy, mu_sq = mu_x * mu_y, mu_x * mu_x + mu_y * mu_y
    cs = (2.0 * (e_xy - mu_xy) + c2) / ((e_sq - mu_sq) + c2)
    luminance = (2.0 * mu_xy + c1) / (mu_sq + c1)
    return luminance * cs, cs


class _Workspace:
    """Buffers for the largest block: the four maps, the column pass, the filtered maps, two temporaries."""

    def __init__(self, images: int, rows: int, w: int, r: int, *, like: Tensor) -> None:
        with torch.inference_mode(False):  # normal tensors: usable in and out of inference mode
            new = like.new_empty
            self.stack, self.cols = new(images, 4, rows + r, w), new(images, 4, rows, w)
            self.out = new(images, 4, rows, w - r)
            self.t1, self.t2 = new(images, rows, w - r), new(images, rows, w - r)


_LOCAL = threading.local()


def _workspace(images: int, rows: int, w: int, r: int, *, like: Tensor) -> _Workspace:
    """A :class:`_Workspace`; on CPU the last one of this thread is reused when it fits.

    CPU blocks are at most ``_CPU_BLOCK_PIXELS`` pixels, so the kept buffers stay small (a few
    MB); reusing them spares the page faults of fresh large allocations on every call.
    """
    if like.device.type != "cpu":
        return _Workspace(images, rows, w, r, like=like)
    key = (images, rows, w, r, like.dtype)
    cached = getattr(_LOCAL, "workspace", None)
    if cached is None or cached[0] != key:
        cached = (key, _Workspace(images, rows, w, r, like=like))
        _LOCAL.workspace = cached
    return cached[1]


def _ssim_block_into(x: Tensor, y: Tensor, g: Sequence[float], c1: float, c2: float,
                     s_out: Tensor, cs_out: Tensor, ws: _Workspace) -> None:
    """:func:`_ssim_block` writing into ``s_out``/``cs_out`` with buffers from ``ws`` (no autograd)."""
    i, h = x.shape[0], x.shape[1]
    m = h - len(g) + 1
    stack = ws.stack[:i, :, :h]
    stack[:, 0].copy_(x)
    stack[:, 1].copy_(y)
    torch.mul(x, x, out=stack[:, 2]).addcmul_(y, y)
    torch.mul(x, y, out=stack[:, 3])
    stats = _filter_valid(stack, g, cols=ws.cols[:i, :, :m], out=ws.out[:i, :, :m])
    mu_x, mu_y, e_sq, e_xy = stats.unbind(1)
    mu_xy = torch.mul(mu_x, mu_y, out=ws.t1[:i, :m])
    mu_sq = torch.mul(mu_x, mu_x, out=ws.t2[:i, :m]).addcmul_(mu_y, mu_y)
    num = e_xy.sub_(mu_xy).mul_(2.0).add_(c2)  # 2 sigma_xy + C2
    den = e_sq.sub_(mu_sq).add_(c2)  # sigma_x^2 + sigma_y^2 + C2
    torch.div(num, den, out=cs_out)
    luminance = mu_xy.mul_(2.0).add_(c1).div_(mu_sq.add_(c1))
    torch.mul(luminance, cs_out, out=s_out)


def _ssim_setup(
    sr, hr, crop_border, y_channel, data_range, reduction, window_size, sigma, k1, k2, check_range,
    *, min_size: int | None = None, why: str = "",
):
    _check_reduction(reduction)
    window_size, sigma = _check_window(window_size, sigma)
    peak = _check_number(data_range, "data_range", positive=True)
    c1 = (_check_number(k1, "k1", positive=False) * peak) ** 2
    c2 = (_check_number(k2, "k2", positive=False) * peak) ** 2
    if min_size is None:
        min_size, why = window_size, f" for the {window_size}x{window_size} SSIM window ('valid' filtering)"
    x, y, was_3d = _prepare(sr, hr, crop_border, y_channel, check_range, min_size=min_size, why=why)
    g = gaussian_window(window_size, sigma).tolist()  # taps as Python floats: no device syncs
    return x, y, was_3d, g, c1, c2


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
    check_range: bool = True,
) -> Tensor:
    """The local SSIM map of Wang et al. (2004), 'valid' part only.

    ``SSIM(x, y) = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 +
    sigma_y^2 + C2))`` with Gaussian-weighted local statistics, ``C1 = (k1 L)^2``, ``C2 = (k2 L)^2``.

    Args: as :func:`ssim`.

    Returns:
        ``float64`` map of shape ``(N, C', H' - w + 1, W' - w + 1)`` (or without ``N`` for a
        ``(C, H, W)`` input), where ``H' = H - 2 crop_border``, ``w = window_size`` and
        ``C' = 1`` when ``y_channel`` else ``C``.
    """
    x, y, was_3d, g, c1, c2 = _ssim_setup(
        sr, hr, crop_border, y_channel, data_range, "mean", window_size, sigma, k1, k2, check_range
    )
    s, _ = _ssim_and_cs(x, y, g, c1, c2)
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
    check_range: bool = True,
) -> Tensor:
    """Structural similarity (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004; survey §2.3).

    The MATLAB protocol: 11×11 Gaussian window (σ = 1.5), ``K1 = 0.01``, ``K2 = 0.03``, 'valid'
    filtering, mean of the map, per channel then averaged over channels. Equal to scikit-image's
    ``structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    data_range=1)`` (whose mean skips a 5-pixel border, i.e. uses exactly the valid part).

    Args:
        sr: restored image(s), ``(C, H, W)`` or ``(N, C, H, W)``, float in ``[0, 1]``.
        hr: reference image(s), same shape.
        crop_border: pixels removed at every border first (the literature uses the scale).
        y_channel: score BT.601 studio-range Y (``C`` must be 1 or 3).
        data_range: dynamic range ``L`` of the values (1 for ``[0, 1]`` images).
        reduction: ``"mean"`` → 0-dim tensor (mean over the batch), ``"none"`` → ``(N,)``.
        window_size: odd side of the Gaussian window.
        sigma: standard deviation of the Gaussian window, pixels.
        k1, k2: stabilising constants.
        check_range: reject values outside ``[0, 1]``.

    Returns:
        ``float64`` tensor, differentiable; 1 for identical images.
    """
    x, y, was_3d, g, c1, c2 = _ssim_setup(
        sr, hr, crop_border, y_channel, data_range, reduction, window_size, sigma, k1, k2, check_range
    )
    s, _ = _ssim_and_cs(x, y, g, c1, c2)
    return _reduce(s.mean(dim=(1, 2, 3)), reduction, was_3d)


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
    check_range: bool = True,
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
    w = [_check_number(v, "weights[i]", positive=True) for v in weights]
    window_size, _ = _check_window(window_size, sigma)
    min_size = (window_size - 1) * 2 ** (len(w) - 1) + 1
    x, y, was_3d, g, c1, c2 = _ssim_setup(
        sr, hr, crop_border, y_channel, data_range, reduction, window_size, sigma, k1, k2, check_range,
        min_size=min_size,
        why=f" for MS-SSIM with {len(w)} scales and a {window_size}-pixel window "
        f"((window_size - 1) * 2**(scales - 1) + 1)",
    )
    factors = []
    for j in range(len(w)):
        s, cs = _ssim_and_cs(x, y, g, c1, c2)
        if j < len(w) - 1:
            factors.append(cs.mean(dim=(2, 3)))
            x = F.avg_pool2d(x, 2, ceil_mode=True)
            y = F.avg_pool2d(y, 2, ceil_mode=True)
        else:
            factors.append(s.mean(dim=(2, 3)))
    per_scale = torch.stack(factors).clamp_min(0.0)  # (M, N, C)
    exponents = torch.tensor(w, dtype=_DTYPE, device=x.device).view(-1, 1, 1)
    value = per_scale.pow(exponents).prod(dim=0).mean(dim=1)  # (N,)
    return _reduce(value, reduction, was_3d)


# --------------------------------------------------------------------------- nn.Module wrappers


class _Metric(nn.Module):
    """Base of the module wrappers: stores the keyword arguments and calls ``_fn``."""

    _fn = staticmethod(psnr)

    def __init__(self, **kwargs) -> None:
        super().__init__()
        self.kwargs = kwargs

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        return type(self)._fn(sr, hr, **self.kwargs)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())


class PSNR(_Metric):
    """:func:`psnr` as a module; keyword arguments are fixed at construction.

    Example::

        metric = PSNR(crop_border=4, y_channel=True)
        value = metric(sr, hr)  # 0-dim float64 tensor, dB
    """

    _fn = staticmethod(psnr)

    def __init__(self, *, crop_border: int = 0, y_channel: bool = False, data_range: float = 1.0,
                 reduction: str = "mean", check_range: bool = True) -> None:
        super().__init__(crop_border=crop_border, y_channel=y_channel, data_range=data_range,
                         reduction=reduction, check_range=check_range)


class SSIM(_Metric):
    """:func:`ssim` as a module. As a loss use ``1 - SSIM()(sr, hr)`` (with ``check_range=False``
    if the network output may leave ``[0, 1]``)."""

    _fn = staticmethod(ssim)

    def __init__(self, *, crop_border: int = 0, y_channel: bool = False, data_range: float = 1.0,
                 reduction: str = "mean", window_size: int = 11, sigma: float = 1.5, k1: float = 0.01,
                 k2: float = 0.03, check_range: bool = True) -> None:
        super().__init__(crop_border=crop_border, y_channel=y_channel, data_range=data_range,
                         reduction=reduction, window_size=window_size, sigma=sigma, k1=k1, k2=k2,
                         check_range=check_range)


class MSSSIM(SSIM):
    """:func:`ms_ssim` as a module (``weights`` fixed at construction; other keywords as SSIM)."""

    _fn = staticmethod(ms_ssim)

    def __init__(self, *, weights: Sequence[float] = MS_SSIM_WEIGHTS, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kwargs["weights"] = tuple(weights)
