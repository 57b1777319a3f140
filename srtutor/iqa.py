"""Image quality beyond PSNR/SSIM (survey §2.3): VIF, FSIM, GMSD, task-based evaluation, MOS statistics.

The survey's §2.3 lists, next to PSNR and SSIM (:mod:`srtutor.metrics`), the information
fidelity criterion / visual information fidelity (§2.3.6), structure- and feature-based
metrics such as FSIM (§2.3.6), **task-based evaluation** (§2.3.5: how well a downstream vision
task works on the SR output) and the **mean opinion score** (§2.3.3: human raters; section
numbers checked against a text copy of the survey's outline). This module implements one
representative of each so that the book can run them:

* :func:`vif_p` — pixel-domain visual information fidelity, VIFp (Sheikh & Bovik, IEEE TIP
  2006; the authors' pixel-domain MATLAB release ``vifp_mscale``): 4 scales, Gaussian windows of
  17, 9, 5, 3 taps (σ = N/5), valid filtering, HVS noise variance σ_n² = 2 on the 0–255 scale.
  ``vif_p(x, x) = 1``; contrast enhancement without clipping gives values above 1.
* :func:`fsim` — feature similarity FSIM / FSIMc (Zhang, Zhang, Mou, Zhang, IEEE TIP 2011; the
  authors' ``FeatureSIM.m``): phase congruency (:func:`phase_congruency`, Kovesi's log-Gabor
  measure, 4 scales × 4 orientations) and Scharr gradient magnitude, compared by similarity maps
  and pooled with the larger phase congruency as weight. 1 for identical images.
* :func:`gmsd` — gradient magnitude similarity deviation (Xue, Zhang, Mou, Bovik, IEEE TIP
  2014; the authors' MATLAB ``GMSD.m``): 2×2 average and ×2 decimation, Prewitt gradients
  (zero padding, 'same' size), ``GMS = (2 m_r m_d + T) / (m_r² + m_d² + T)`` with ``T = 170`` on
  the 0–255 scale, score = standard deviation of the GMS map (``std2``, n − 1). 0 for
  identical images, larger is worse.
* :func:`edge_f_score` and :func:`keypoint_repeatability` — task-based evaluation: Canny edges
  (scikit-image) of the SR image scored against the HR image's edges with a BSDS-style
  one-to-one matching within a tolerance radius (default 0.0075 × the image diagonal, the
  BSDS500 benchmark's ``maxDist``); Harris corners of SR re-found in HR within a radius.
* :func:`mos`, :func:`zscore_normalize`, :func:`bt500_screen`, :func:`simulate_panel` — rater
  statistics on a ``(raters, images)`` score matrix: MOS with confidence intervals, per-rater
  z-scores, the observer screening of ITU-R BT.500 (Annex 2, §2.3.1), and a seeded simulated
  panel (with planted outlier raters) for demonstrations.

Images are float tensors in ``[0, 1]``, shape ``(C, H, W)`` or ``(N, C, H, W)``, ``C`` = 1 or
3. RGB images are reduced to luma ``0.299 R + 0.587 G + 0.114 B`` (full range, YIQ's Y, what the
VIF, FSIM and GMSD references use); metrics run in ``float64``.
Argument order is ``(sr, hr)`` = (distorted, reference) everywhere; VIF is not symmetric.

Cross-checks (``tests/test_iqa.py``): VIFp against ``sewar.full_ref.vifp`` (1e-9) and
``piq.vif_p``, FSIM/FSIMc against ``piq.fsim`` (2e-5: piq's median takes the lower middle value,
the reference averages the two middle values), GMSD against ``piq.gmsd`` (piq divides by n, the
reference by n − 1) when those packages are installed; NumPy restatements and hand-computed
cases always.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from srtutor._checks import as_batch, check_image, check_positive_int, check_same_shape

Tensor = torch.Tensor

__all__ = ["luma", "vif_p", "gmsd", "phase_congruency", "fsim", "edge_map", "match_points", "edge_f_score", "keypoint_repeatability",
           "mos", "zscore_normalize", "bt500_screen", "simulate_panel"]

_DTYPE = torch.float64
#: minimum height/width for :func:`vif_p` (four scales of valid filtering and ×2 decimation).
VIF_MIN_SIZE = 41


# --------------------------------------------------------------------------- helpers
def luma(x: Tensor) -> Tensor:
    """``(N, C, H, W)`` -> ``(N, 1, H, W)``: grey values as is, RGB as ``0.299 R + 0.587 G + 0.114 B``."""
    if x.shape[-3] == 1:
        return x
    w = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * w).sum(-3, keepdim=True)


def _pair(sr: object, hr: object, crop_border: int, min_size: int, what: str) -> tuple[Tensor, Tensor, bool]:
    for x, name in ((sr, "sr"), (hr, "hr")):
        check_image(x, name, channels=(1, 3))
    check_same_shape(sr, hr, "sr", "hr")  # type: ignore[arg-type]
    crop = check_positive_int(crop_border, "crop_border", minimum=0)
    a, was3 = as_batch(sr.to(_DTYPE))  # type: ignore[union-attr]
    b, _ = as_batch(hr.to(_DTYPE))  # type: ignore[union-attr]
    h, w = a.shape[-2:]
    if h - 2 * crop < min_size or w - 2 * crop < min_size:
        raise ValueError(f"{what} needs images of at least {min_size}x{min_size} after crop_border={crop}, "
                         f"got {h}x{w}; use larger images or a smaller crop_border")
    if crop:
        a, b = a[..., crop:h - crop, crop:w - crop], b[..., crop:h - crop, crop:w - crop]
    return luma(a), luma(b), was3


def _reduce(v: Tensor, reduction: str, was3: bool) -> Tensor:
    if reduction == "mean":
        return v.mean()
    if reduction == "none":
        return v[0] if was3 else v
    raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")


def _gauss_taps(n: int, sigma: float) -> Tensor:
    """MATLAB ``fspecial('gaussian', n, sigma)`` as a normalised 1-D kernel (its outer product)."""
    x = torch.arange(n, dtype=_DTYPE) - (n - 1) / 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    return g / g.sum()


def _filter_valid(x: Tensor, taps: Tensor) -> Tensor:
    """Separable 'valid' filtering of ``(N, 1, H, W)`` with a symmetric 1-D kernel."""
    k = taps.to(x.device)
    x = F.conv2d(x, k.view(1, 1, 1, -1))
    return F.conv2d(x, k.view(1, 1, -1, 1))


# --------------------------------------------------------------------------- VIF
def vif_p(sr: Tensor, hr: Tensor, *, sigma_n_sq: float = 2.0, crop_border: int = 0,
          reduction: str = "mean") -> Tensor:
    """Pixel-domain visual information fidelity VIFp of ``sr`` (distorted) against ``hr`` (reference).

    Sheikh & Bovik (IEEE TIP 2006) model the reference as a Gaussian scale mixture seen through
    a visual channel with noise variance ``sigma_n_sq``, and the distorted image as
    ``d = g r + v`` locally (gain ``g``, additive noise ``v``). VIF is the information the
    viewer extracts from the distorted image over the information from the reference, summed
    over 4 scales: ``Σ log10(1 + g² σ_r² / (σ_v² + σ_n²)) / Σ log10(1 + σ_r² / σ_n²)``.

    Args:
        sr, hr: ``(C, H, W)`` or ``(N, C, H, W)`` in [0, 1], ``C`` = 1 or 3 (RGB uses luma),
            at least 41×41 after cropping.
        sigma_n_sq: visual noise variance on the 0–255 scale (2, as in the reference code).
        crop_border: pixels removed at each border first.
        reduction: ``"mean"`` over the batch or ``"none"`` (one value per image).

    Returns:
        float64 tensor. 1 for ``sr == hr``, in [0, 1) for blur/noise, above 1 for a pure
        contrast stretch of ``hr``.
    """
    if isinstance(sigma_n_sq, bool) or not isinstance(sigma_n_sq, (int, float)) or not sigma_n_sq > 0:
        raise ValueError(f"sigma_n_sq must be a number > 0, got {sigma_n_sq!r}")
    d, r, was3 = _pair(sr, hr, crop_border, VIF_MIN_SIZE, "vif_p")
    d, r = d * 255.0, r * 255.0
    eps = 1e-10
    num = torch.zeros(d.shape[0], dtype=_DTYPE, device=d.device)
    den = torch.zeros_like(num)
    for s in range(4):
        n = 2 ** (4 - s) + 1
        taps = _gauss_taps(n, n / 5)
        if s > 0:
            r = _filter_valid(r, taps)[..., ::2, ::2]
            d = _filter_valid(d, taps)[..., ::2, ::2]
        mu_r, mu_d = _filter_valid(r, taps), _filter_valid(d, taps)
        var_r = (_filter_valid(r * r, taps) - mu_r ** 2).clamp_min(0)
        var_d = (_filter_valid(d * d, taps) - mu_d ** 2).clamp_min(0)
        cov = _filter_valid(r * d, taps) - mu_r * mu_d
        g = cov / (var_r + eps)
        sv = var_d - g * cov
        flat_r = var_r < eps  # no reference signal: all of d is noise
        g = torch.where(flat_r, torch.zeros_like(g), g)
        sv = torch.where(flat_r, var_d, sv)
        var_r = torch.where(flat_r, torch.zeros_like(var_r), var_r)
        flat_d = var_d < eps  # flat distorted patch: no gain, no noise
        g = torch.where(flat_d, torch.zeros_like(g), g)
        sv = torch.where(flat_d, torch.zeros_like(sv), sv)
        neg = g < 0  # negative gain: treat as all noise
        sv = torch.where(neg, var_d, sv)
        g = g.clamp_min(0)
        sv = sv.clamp_min(eps)
        num = num + torch.log10(1 + g ** 2 * var_r / (sv + sigma_n_sq)).flatten(1).sum(1)
        den = den + torch.log10(1 + var_r / sigma_n_sq).flatten(1).sum(1)
    return _reduce(num / den, reduction, was3)


# --------------------------------------------------------------------------- GMSD
def gmsd(sr: Tensor, hr: Tensor, *, t: float = 170.0, crop_border: int = 0, reduction: str = "mean") -> Tensor:
    """Gradient magnitude similarity deviation of ``sr`` against ``hr`` (Xue et al., IEEE TIP 2014).

    Both images (luma, 0–255 scale) are averaged over 2×2 blocks and decimated ×2 (zero beyond an
    odd border, as MATLAB ``conv2(.., 'same')`` then ``(1:2:end)``); Prewitt gradients
    ``[1 0 -1]/3`` (zero padding, same size) give magnitudes ``m``; the GMS map is
    ``(2 m_r m_d + t) / (m_r² + m_d² + t)`` and GMSD its standard deviation (n − 1).

    Args:
        sr, hr: ``(C, H, W)`` or ``(N, C, H, W)`` in [0, 1], ``C`` = 1 or 3, at least 4×4.
        t: stability constant on the 0–255 scale (170 in the paper).
        crop_border, reduction: as in :func:`vif_p`.

    Returns:
        float64 tensor ≥ 0: 0 for identical images; larger means more distortion of structure.
    """
    d, r, was3 = _pair(sr, hr, crop_border, 4, "gmsd")
    d, r = d * 255.0, r * 255.0

    def down(x: Tensor) -> Tensor:
        x = F.pad(x, (0, x.shape[-1] % 2, 0, x.shape[-2] % 2))
        return F.avg_pool2d(x, 2)

    def grad_mag(x: Tensor) -> Tensor:
        k = torch.tensor([[1.0, 0.0, -1.0]] * 3, dtype=_DTYPE, device=x.device) / 3
        gx = F.conv2d(x, k.view(1, 1, 3, 3), padding=1)
        gy = F.conv2d(x, k.t().contiguous().view(1, 1, 3, 3), padding=1)
        return torch.sqrt(gx ** 2 + gy ** 2)

    mr, md = grad_mag(down(r)), grad_mag(down(d))
    gms = (2 * mr * md + t) / (mr ** 2 + md ** 2 + t)
    return _reduce(gms.flatten(1).std(1, unbiased=True), reduction, was3)


# --------------------------------------------------------------------------- FSIM
def _pc_grid(n: int) -> Tensor:
    """Kovesi's frequency coordinates along one axis (cycles per pixel, zero in the middle)."""
    if n % 2:
        return (torch.arange(n, dtype=_DTYPE) - (n - 1) / 2) / max(n - 1, 1)
    return (torch.arange(n, dtype=_DTYPE) - n / 2) / n


def _log_gabor_bank(h: int, w: int, scales: int, orientations: int, min_wavelength: float, mult: float,
                    sigma_on_f: float, d_theta_on_sigma: float) -> Tensor:
    """Frequency responses ``(orientations, scales, h, w)`` (unshifted, DC at ``[0, 0]``) of the
    log-Gabor filters of phase congruency (Kovesi's ``phasecong2``, as used by FSIM)."""
    y, x = torch.meshgrid(_pc_grid(h), _pc_grid(w), indexing="ij")
    radius = torch.sqrt(x ** 2 + y ** 2)
    theta = torch.atan2(-y, x)
    lowpass = torch.fft.ifftshift(1.0 / (1.0 + (radius / 0.45) ** 30))  # cutoff 0.45, order 15
    radius = torch.fft.ifftshift(radius)
    theta = torch.fft.ifftshift(theta)
    radius[0, 0] = 1.0
    gabors = []
    for s in range(scales):
        f0 = 1.0 / (min_wavelength * mult ** s)
        g = torch.exp(-torch.log(radius / f0) ** 2 / (2 * math.log(sigma_on_f) ** 2)) * lowpass
        g[0, 0] = 0.0
        gabors.append(g)
    theta_sigma = math.pi / orientations / d_theta_on_sigma
    bank = []
    for o in range(orientations):
        a = o * math.pi / orientations
        ds = torch.sin(theta) * math.cos(a) - torch.cos(theta) * math.sin(a)
        dc = torch.cos(theta) * math.cos(a) + torch.sin(theta) * math.sin(a)
        spread = torch.exp(-torch.atan2(ds, dc).abs() ** 2 / (2 * theta_sigma ** 2))
        bank.append(torch.stack([g * spread for g in gabors]))
    return torch.stack(bank)


def _matlab_median(x: Tensor) -> Tensor:
    """Median over the last dim, averaging the two middle values for even counts (MATLAB)."""
    v = x.sort(-1).values
    n = v.shape[-1]
    return v[..., n // 2] if n % 2 else (v[..., n // 2 - 1] + v[..., n // 2]) / 2


def phase_congruency(x: Tensor, *, scales: int = 4, orientations: int = 4, min_wavelength: float = 6.0,
                     mult: float = 2.0, sigma_on_f: float = 0.55, d_theta_on_sigma: float = 1.2,
                     k: float = 2.0) -> Tensor:
    """Phase congruency map ``(N, 1, H, W)`` in [0, 1] of grey images ``(N, 1, H, W)`` (0–255 scale).

    Kovesi's measure as FSIM uses it (``phasecong2`` with the noise threshold divided by 1.7):
    per orientation, the local energy of the log-Gabor responses summed over scales, minus a
    noise threshold ``T`` estimated from the median response of the smallest scale (Rayleigh
    model, ``k`` standard deviations), over the sum of amplitudes; summed over orientations.
    """
    n, _, h, w = x.shape
    bank = _log_gabor_bank(h, w, scales, orientations, min_wavelength, mult, sigma_on_f, d_theta_on_sigma).to(x.device)
    eo = torch.fft.ifft2(torch.fft.fft2(x[:, 0])[:, None, None] * bank)  # (n, o, s, h, w) complex
    even, odd, amp = eo.real, eo.imag, eo.abs()
    sum_e, sum_o = even.sum(2, keepdim=True), odd.sum(2, keepdim=True)
    energy_x = torch.sqrt(sum_e ** 2 + sum_o ** 2) + 1e-4
    mean_e, mean_o = sum_e / energy_x, sum_o / energy_x
    energy = (even * mean_e + odd * mean_o - (even * mean_o - odd * mean_e).abs()).sum(2)  # (n, o, h, w)
    # noise: Rayleigh model of the smallest scale's response
    em_n = (bank[:, 0] ** 2).flatten(1).sum(1)  # (o,)
    median_e2n = _matlab_median((amp[:, :, 0] ** 2).flatten(2))  # (n, o)
    noise_power = (-median_e2n / math.log(0.5)) / em_n
    spatial = torch.fft.ifft2(bank).real * math.sqrt(h * w)  # (o, s, h, w)
    sum_an2 = (spatial ** 2).sum(1).flatten(1).sum(1)
    sum_ai_aj = sum((spatial[:, i] * spatial[:, j]).flatten(1).sum(1)
                    for i in range(scales) for j in range(i + 1, scales))
    tau = torch.sqrt((2 * noise_power * sum_an2 + 4 * noise_power * sum_ai_aj) / 2)
    threshold = (tau * math.sqrt(math.pi / 2) + k * torch.sqrt((2 - math.pi / 2) * tau ** 2)) / 1.7
    energy = (energy - threshold[..., None, None]).clamp_min(0)
    return (energy.sum(1) / amp.sum((1, 2)))[:, None]


def fsim(sr: Tensor, hr: Tensor, *, chromatic: bool = False, crop_border: int = 0, reduction: str = "mean") -> Tensor:
    """Feature similarity index FSIM (and FSIMc) of ``sr`` against ``hr`` (Zhang, Zhang, Mou,
    Zhang, IEEE TIP 2011; the authors' ``FeatureSIM.m``).

    Luminance (YIQ's Y, 0–255) of both images, averaged and decimated by
    ``F = max(1, round(min(H, W) / 256))`` first; phase congruency ``PC``
    (:func:`phase_congruency`) and Scharr gradient magnitude ``GM`` (``[3 0 -3; 10 0 -10;
    3 0 -3] / 16``, zero padding); similarities ``S_PC = (2 PC_1 PC_2 + T1) / (PC_1² + PC_2² + T1)``
    (``T1 = 0.85``) and ``S_G`` likewise (``T2 = 160``); FSIM ``= Σ S_PC S_G PC_m / Σ PC_m``
    with ``PC_m = max(PC_1, PC_2)``. ``chromatic=True`` (RGB only) multiplies by
    ``(S_I S_Q)^0.03`` of the I and Q channels (``T3 = T4 = 200``): FSIMc.

    Args:
        sr, hr: ``(C, H, W)`` or ``(N, C, H, W)`` in [0, 1], ``C`` = 1 or 3, at least 8×8.
        chromatic: compute FSIMc (needs RGB).
        crop_border, reduction: as in :func:`vif_p`.

    Returns:
        float64 tensor in (0, 1]; 1 for identical images.
    """
    for x, name in ((sr, "sr"), (hr, "hr")):
        check_image(x, name, channels=(1, 3))
    check_same_shape(sr, hr, "sr", "hr")
    if chromatic and sr.shape[-3] != 3:
        raise ValueError("chromatic=True (FSIMc) needs RGB images; use chromatic=False for grey images")
    crop = check_positive_int(crop_border, "crop_border", minimum=0)
    a, was3 = as_batch(sr.to(_DTYPE) * 255.0)
    b, _ = as_batch(hr.to(_DTYPE) * 255.0)
    hh, ww = a.shape[-2:]
    if hh - 2 * crop < 8 or ww - 2 * crop < 8:
        raise ValueError(f"fsim needs images of at least 8x8 after crop_border={crop}, got {hh}x{ww}")
    if crop:
        a, b = a[..., crop:hh - crop, crop:ww - crop], b[..., crop:hh - crop, crop:ww - crop]
    f = max(1, round(min(a.shape[-2:]) / 256))
    if f > 1:  # MATLAB: conv2(.., fspecial('average', F), 'same') then (1:F:end)
        a, b = (F.avg_pool2d(F.pad(x, (f // 2 - (1 - f % 2), f // 2, f // 2 - (1 - f % 2), f // 2)), f, stride=1)
                [..., ::f, ::f] for x in (a, b))
    if a.shape[1] == 3:
        yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]],
                           dtype=_DTYPE, device=a.device)
        a, b = torch.einsum("kc,nchw->nkhw", yiq, a), torch.einsum("kc,nchw->nkhw", yiq, b)
    ya, yb = a[:, :1], b[:, :1]
    pa, pb = phase_congruency(ya), phase_congruency(yb)
    k = torch.tensor([[3.0, 0.0, -3.0], [10.0, 0.0, -10.0], [3.0, 0.0, -3.0]], dtype=_DTYPE, device=a.device) / 16

    def grad(x: Tensor) -> Tensor:
        gx = F.conv2d(x, k.view(1, 1, 3, 3), padding=1)
        gy = F.conv2d(x, k.t().contiguous().view(1, 1, 3, 3), padding=1)
        return torch.sqrt(gx ** 2 + gy ** 2)

    def sim(u: Tensor, v: Tensor, t: float) -> Tensor:
        return (2 * u * v + t) / (u ** 2 + v ** 2 + t)

    pcm = torch.maximum(pa, pb)
    s = sim(pa, pb, 0.85) * sim(grad(ya), grad(yb), 160.0) * pcm
    if chromatic:
        s = s * (sim(a[:, 1:2], b[:, 1:2], 200.0) * sim(a[:, 2:3], b[:, 2:3], 200.0)).abs() ** 0.03
    return _reduce(s.flatten(1).sum(1) / pcm.flatten(1).sum(1), reduction, was3)


# --------------------------------------------------------------------------- task-based evaluation
def _grey_numpy(x: Tensor) -> np.ndarray:
    check_image(x, "image", channels=(1, 3))
    if x.ndim != 3:
        raise ValueError(f"task-based scores take one image (C, H, W), got shape {tuple(x.shape)}")
    return luma(x.detach().to(_DTYPE).unsqueeze(0))[0, 0].cpu().numpy()


def edge_map(x: Tensor, *, sigma: float = 2.0, low_threshold: Optional[float] = None,
             high_threshold: Optional[float] = None) -> np.ndarray:
    """Canny edges (``skimage.feature.canny``) of the luma of one image ``(C, H, W)`` in [0, 1].

    ``sigma`` is the Gaussian smoothing; thresholds (on the gradient of the [0, 1] image)
    default to scikit-image's (10 % / 20 % of the dtype maximum). Returns a bool ``(H, W)`` array.
    """
    from skimage.feature import canny

    return canny(_grey_numpy(x), sigma=sigma, low_threshold=low_threshold, high_threshold=high_threshold)


def match_points(a: np.ndarray, b: np.ndarray, radius: float) -> int:
    """Size of a maximum one-to-one matching between point sets ``a`` ``(n, 2)`` and ``b`` ``(m, 2)``
    where a pair may match when their Euclidean distance is ``<= radius`` (BSDS-style
    correspondence: each point is used at most once, so a thick edge cannot match a thin one twice).

    Solved as a unit-capacity maximum flow (source → ``a`` → ``b`` → sink) with Dinic's algorithm
    (``scipy.sparse.csgraph.maximum_flow``). SciPy's ``maximum_bipartite_matching`` is not used:
    it takes exponential time on layered graphs (scipy issue 26147), which is exactly what points
    along parallel edges form (it did not return in minutes on one Set5 image).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow
    from scipy.spatial import cKDTree

    if radius < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    a, b = np.asarray(a, dtype=float).reshape(-1, 2), np.asarray(b, dtype=float).reshape(-1, 2)
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return 0
    pairs = cKDTree(a).query_ball_tree(cKDTree(b), r=radius + 1e-9)
    rows = np.repeat(np.arange(n), [len(p) for p in pairs])
    if len(rows) == 0:
        return 0
    cols = np.fromiter((j for p in pairs for j in p), dtype=np.int64, count=len(rows))
    sink = n + m + 1  # node 0: source; 1..n: a; n+1..n+m: b
    src = np.concatenate([np.zeros(n, np.int64), 1 + rows, 1 + n + np.arange(m)])
    dst = np.concatenate([1 + np.arange(n), 1 + n + cols, np.full(m, sink)])
    graph = csr_matrix((np.ones(len(src), np.int32), (src, dst)), shape=(sink + 1, sink + 1))
    return int(maximum_flow(graph, 0, sink, method="dinic").flow_value)


def _prf(matched: int, n_pred: int, n_true: int) -> dict[str, float]:
    p = matched / n_pred if n_pred else (1.0 if n_true == 0 else 0.0)
    r = matched / n_true if n_true else (1.0 if n_pred == 0 else 0.0)
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {"precision": p, "recall": r, "f": f, "n_pred": n_pred, "n_true": n_true, "matched": matched}


def edge_f_score(sr: Tensor, hr: Tensor, *, sigma: float = 2.0, tolerance: Optional[float] = None,
                 low_threshold: Optional[float] = None, high_threshold: Optional[float] = None,
                 crop_border: int = 0) -> dict[str, float]:
    """Task-based score: how well Canny edges of ``sr`` reproduce the edges of ``hr``.

    Edges of both images come from :func:`edge_map` with the same settings; SR edge pixels are
    matched one-to-one to HR edge pixels within ``tolerance`` pixels (:func:`match_points`).
    Precision = matched / SR edges, recall = matched / HR edges, F = their harmonic mean (the
    BSDS boundary benchmark's measure with HR's edges as ground truth).

    Args:
        sr, hr: one image each, ``(C, H, W)`` in [0, 1], same shape.
        sigma, low_threshold, high_threshold: Canny settings (:func:`edge_map`).
        tolerance: match radius in pixels; default ``0.0075 × diagonal`` (BSDS500's ``maxDist``).
        crop_border: pixels removed at each border before edge detection.

    Returns:
        ``{"precision", "recall", "f", "n_pred", "n_true", "matched"}`` (floats/ints). Both
        without edges gives 1.0 everywhere.
    """
    check_image(sr, "sr", channels=(1, 3))
    check_image(hr, "hr", channels=(1, 3))
    check_same_shape(sr, hr, "sr", "hr")
    c = check_positive_int(crop_border, "crop_border", minimum=0)
    if c:
        sr, hr = sr[..., c:-c, c:-c], hr[..., c:-c, c:-c]
    h, w = sr.shape[-2:]
    tol = 0.0075 * math.hypot(h, w) if tolerance is None else float(tolerance)
    es = edge_map(sr, sigma=sigma, low_threshold=low_threshold, high_threshold=high_threshold)
    eh = edge_map(hr, sigma=sigma, low_threshold=low_threshold, high_threshold=high_threshold)
    ps, ph = np.argwhere(es), np.argwhere(eh)
    return _prf(match_points(ps, ph, tol), len(ps), len(ph))


def keypoint_repeatability(sr: Tensor, hr: Tensor, *, radius: float = 2.0, min_distance: int = 5,
                           threshold_rel: float = 0.05, sigma: float = 1.0) -> dict[str, float]:
    """Task-based score: how many Harris corners of ``hr`` are found again in ``sr``.

    Corners: ``skimage.feature.corner_peaks(corner_harris(luma, sigma=sigma), min_distance,
    threshold_rel)`` on each image; repeatability = one-to-one matches within ``radius``
    pixels / number of HR corners (= ``recall``; ``precision`` and ``f`` as in :func:`edge_f_score`).
    """
    from skimage.feature import corner_harris, corner_peaks

    check_image(sr, "sr", channels=(1, 3))
    check_image(hr, "hr", channels=(1, 3))
    check_same_shape(sr, hr, "sr", "hr")

    def corners(x: Tensor) -> np.ndarray:
        return corner_peaks(corner_harris(_grey_numpy(x), sigma=sigma), min_distance=min_distance,
                            threshold_rel=threshold_rel)

    ps, ph = corners(sr), corners(hr)
    out = _prf(match_points(ps, ph, radius), len(ps), len(ph))
    out["repeatability"] = out["recall"]
    return out


# --------------------------------------------------------------------------- MOS and rater statistics
def _scores(scores: object) -> np.ndarray:
    s = np.asarray(scores, dtype=float)
    if s.ndim != 2 or s.shape[0] < 2 or s.shape[1] < 1:
        raise ValueError(f"scores must be a (raters, images) matrix with at least 2 raters, got shape {s.shape}")
    if np.isinf(s).any():
        raise ValueError("scores contains inf; use NaN for a missing rating")
    return s


def mos(scores: object, *, confidence: float = 0.95, method: str = "t") -> dict[str, np.ndarray]:
    """Mean opinion score per image with a confidence interval.

    Args:
        scores: ``(raters, images)`` ratings (e.g. 1–5 ACR scale); ``NaN`` = not rated.
        confidence: level of the interval (0.95).
        method: ``"t"`` (Student t with n − 1 degrees of freedom) or ``"normal"`` (ITU-R
            BT.500's ``δ = 1.96 S / √N`` at 95 %).

    Returns:
        ``{"mos", "std", "n", "ci"}``, arrays of length ``images``: the mean, the standard
        deviation (n − 1), the number of ratings and the half-width ``δ`` (MOS ± δ).
    """
    from scipy import stats

    s = _scores(scores)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    n = np.sum(~np.isnan(s), axis=0)
    if (n < 2).any():
        raise ValueError("every image needs at least 2 ratings")
    m = np.nanmean(s, axis=0)
    sd = np.nanstd(s, axis=0, ddof=1)
    if method == "t":
        q = stats.t.ppf(0.5 + confidence / 2, n - 1)
    elif method == "normal":
        q = stats.norm.ppf(0.5 + confidence / 2)
    else:
        raise ValueError(f"method must be 't' or 'normal', got {method!r}")
    return {"mos": m, "std": sd, "n": n, "ci": q * sd / np.sqrt(n)}


def zscore_normalize(scores: object, *, rescale: bool = False) -> np.ndarray:
    """Per-rater z-scores: each rater's ratings minus that rater's mean, over that rater's std (n − 1).

    Removes each rater's offset (a lenient or strict rater) and spread (one who uses the whole
    scale vs one who uses two grades). With ``rescale=True`` the z-scores are mapped back to the
    panel's overall mean and standard deviation, so they read on the original scale. A rater
    with constant ratings gives z = 0.
    """
    s = _scores(scores)
    mu = np.nanmean(s, axis=1, keepdims=True)
    sd = np.nanstd(s, axis=1, ddof=1, keepdims=True)
    z = np.where(sd > 0, (s - mu) / np.where(sd > 0, sd, 1.0), 0.0)
    z = np.where(np.isnan(s), np.nan, z)
    if rescale:
        z = z * np.nanstd(s, ddof=1) + np.nanmean(s)
    return z


def bt500_screen(scores: object) -> dict[str, np.ndarray]:
    """Observer screening of ITU-R BT.500 (Annex 2, §2.3.1) on a ``(raters, images)`` matrix.

    For each image: mean, standard deviation ``S`` (n − 1) and kurtosis ``β2 = m4 / m2²``. If
    ``2 <= β2 <= 4`` the ratings count as normal and the band is ``mean ± 2 S``, otherwise
    ``mean ± √20 S``. Rater ``i`` gets ``P_i`` (ratings above the band) and ``Q_i`` (below). A
    rater is rejected when ``(P + Q) / J > 0.05`` and ``|P − Q| / (P + Q) < 0.3`` (``J`` = images
    the rater scored): often outside, and on both sides (an erratic rater rather than a merely
    strict or lenient one).

    Returns:
        ``{"P", "Q", "rejected", "kurtosis"}``: counts per rater, a bool per rater, β2 per image.
    """
    s = _scores(scores)
    m = np.nanmean(s, axis=0)
    dev = s - m
    m2 = np.nanmean(dev ** 2, axis=0)
    m4 = np.nanmean(dev ** 4, axis=0)
    beta2 = np.where(m2 > 0, m4 / np.where(m2 > 0, m2 ** 2, 1.0), 0.0)
    sd = np.nanstd(s, axis=0, ddof=1)
    k = np.where((beta2 >= 2) & (beta2 <= 4), 2.0, math.sqrt(20.0))
    valid = ~np.isnan(s)
    with np.errstate(invalid="ignore"):
        above = valid & (s >= m + k * sd) & (sd > 0)
        below = valid & (s <= m - k * sd) & (sd > 0)
    p, q = above.sum(1), below.sum(1)
    j = valid.sum(1)
    both = p + q
    ratio = np.where(j > 0, both / np.maximum(j, 1), 0.0)
    balance = np.where(both > 0, np.abs(p - q) / np.maximum(both, 1), 1.0)
    return {"P": p, "Q": q, "rejected": (ratio > 0.05) & (balance < 0.3), "kurtosis": beta2}


def simulate_panel(quality: Sequence[float], n_raters: int = 20, *, seed: int = 0, noise_sd: float = 0.3,
                   bias_sd: float = 0.2, gain_sd: float = 0.15, n_outliers: int = 2,
                   levels: int = 5) -> dict[str, np.ndarray]:
    """A seeded simulated panel rating images of known quality on a ``1..levels`` ACR scale.

    Rater ``i`` sees image ``j`` as ``gain_i (q_j − c) + c + bias_i + noise`` (``c`` = scale
    centre; ``gain_i ~ N(1, gain_sd)``, ``bias_i ~ N(0, bias_sd)``, noise ``N(0, noise_sd)``),
    rounded and clipped to the scale. The last ``n_outliers`` raters answer uniformly at random
    (inattentive raters: what BT.500 screening is for). On a 5-grade scale the screening is
    conservative: over seeds 0–7 with 24 images it rejects 7 of the 16 random raters and no
    genuine one (``tests/test_iqa.py``).

    Args:
        quality: true quality per image on the ``1..levels`` scale.
        n_raters: panel size (outliers included).
        seed: NumPy random seed (the same seed gives the same panel).

    Returns:
        ``{"scores": (raters, images) float array, "outlier": bool per rater, "bias", "gain"}``.
    """
    q = np.asarray(quality, dtype=float)
    check_positive_int(n_raters, "n_raters", minimum=2)
    check_positive_int(n_outliers, "n_outliers", minimum=0)
    if n_outliers >= n_raters:
        raise ValueError(f"n_outliers ({n_outliers}) must be smaller than n_raters ({n_raters})")
    if q.ndim != 1 or len(q) == 0:
        raise ValueError(f"quality must be a non-empty 1-D sequence, got shape {q.shape}")
    rng = np.random.default_rng(seed)
    c = (1 + levels) / 2
    bias = rng.normal(0, bias_sd, n_raters)
    gain = rng.normal(1, gain_sd, n_raters)
    seen = gain[:, None] * (q[None] - c) + c + bias[:, None] + rng.normal(0, noise_sd, (n_raters, len(q)))
    scores = np.clip(np.rint(seen), 1, levels)
    outlier = np.zeros(n_raters, dtype=bool)
    if n_outliers:
        outlier[-n_outliers:] = True
        scores[-n_outliers:] = rng.integers(1, levels + 1, (n_outliers, len(q)))
    return {"scores": scores, "outlier": outlier, "bias": bias, "gain": gain}
