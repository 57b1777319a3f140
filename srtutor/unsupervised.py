"""Unsupervised super-resolution (survey §4) and a blind quality measure (§6).

When no (LR, HR) pairs exist — or the pairs we could make use the wrong degradation — the
image itself has to supply the supervision:

* **Zero-shot SR** (ZSSR, Shocher, Cohen, Irani, CVPR 2018): :func:`zssr_pairs` makes
  training pairs from the test image alone (the LR image and its augmented, downscaled copies
  are the "HR fathers"; degrading them once more gives the "LR sons"); :class:`ZSSRNet` is the
  small image-specific network and :func:`zssr` trains it and super-resolves the image.
* **Deep image prior** (Ulyanov, Vedaldi, Lempitsky, CVPR 2018): :class:`Hourglass` and
  :func:`deep_image_prior` fit a randomly initialised network from a fixed noise input so
  that its *downscaled* output matches the LR image; the network's structure is the prior,
  and early stopping is essential.
* **Weakly supervised / learned degradation**: :func:`estimate_gaussian_kernel` estimates an
  (anisotropic) Gaussian blur kernel from the LR image alone through its power spectrum — a
  parametric, internal-statistics stand-in for KernelGAN (Bell-Kligler, Shocher, Irani 2019).
* **Blind IQA**: :func:`mscn`, :func:`nss_features`, :func:`fit_nss_model` and :func:`nss_distance`
  form a NIQE-style no-reference score (Mittal, Soundararajan, Bovik 2013) with a reduced
  feature set and a model fitted on whatever "pristine" images you give it — *not* the
  published NIQE model, so its numbers are not comparable to NIQE tables.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import as_batch, check_image, check_positive_int, check_scale
from srtutor.color import rgb_to_y
from srtutor.data import augment
from srtutor.degradation import blur, downsample, gaussian_kernel
from srtutor.metrics import psnr
from srtutor.resize import imresize
from srtutor.strategies import self_ensemble

Tensor = torch.Tensor

__all__ = [
    "ZSSRNet", "zssr_pairs", "zssr", "Hourglass", "deep_image_prior", "DIPResult",
    "estimate_gaussian_kernel", "kernel_sigmas", "mscn", "nss_features", "fit_nss_model", "nss_distance",
]


# =========================================================================== ZSSR
class ZSSRNet(nn.Module):
    """The image-specific network of ZSSR: ``depth`` 3x3 convs with ReLU, a global residual.

    Input: the LR image interpolated to the target size (pre-upsampling, like ZSSR and VDSR);
    output: input + predicted residual. The paper uses 8 layers of 64 channels; the defaults
    here (6 x 32) keep a CPU demo in seconds. ``forward((N, C, H, W)) -> (N, C, H, W)``.
    """
    upsampling = "pre"

    def __init__(self, channels: int = 3, features: int = 32, depth: int = 6, scale: int = 2) -> None:
        super().__init__()
        check_positive_int(depth, "depth", minimum=2)
        self.in_channels, self.scale = channels, scale
        layers: list[nn.Module] = [nn.Conv2d(channels, features, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(features, channels, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


def _upsample_to(x: Tensor, size: tuple[int, int]) -> Tensor:

    return imresize(x, size=size)


def zssr_pairs(lr: Tensor, scale: int, n: int, patch: int, *, kernel: Optional[Tensor] = None,
               min_scale: float = 0.5, generator: Optional[torch.Generator] = None) -> tuple[Tensor, Tensor]:
    """``n`` training pairs made from the test image alone (ZSSR's internal data).

    Each *HR father* is a random ``patch x patch`` crop of the LR image, first downscaled by a
    random factor in ``[min_scale, 1]`` (so coarser copies of the image join the data) and
    transformed by one of the 8 dihedral augmentations. Its *LR son* is the father degraded the
    way we believe the LR image was made — MATLAB bicubic ``↓s`` by default, or blur with
    ``kernel`` then direct subsampling (the kernel as estimated, e.g. by
    :func:`estimate_gaussian_kernel`) — and interpolated back to the father's size, the
    network's input.

    Args:
        lr: ``(C, h, w)`` test image in ``[0, 1]``.
        scale: integer SR factor ``s``; ``patch`` must be a multiple of it.
        n: number of pairs.
        patch: father size (``<=`` the smaller side of ``lr``·``min_scale``).
        kernel: optional ``(k, k)`` blur kernel in HR pixels.
        min_scale: smallest random downscaling of the image.
        generator: seeds crops, scales and augmentations.

    Returns:
        ``(inputs (n, C, patch, patch), fathers (n, C, patch, patch))``.
    """
    check_image(lr, "lr")
    if lr.ndim != 3:
        raise ValueError(f"lr must be (C, h, w), got {tuple(lr.shape)}")
    s = check_positive_int(scale, "scale")
    n = check_positive_int(n, "n")
    p = check_positive_int(patch, "patch")
    if p % s:
        raise ValueError(f"patch must be a multiple of scale={s}, got {p}")
    if not 0 < min_scale <= 1:
        raise ValueError(f"min_scale must be in (0, 1], got {min_scale}")
    h, w = lr.shape[-2:]
    if min(h, w) * min_scale < p:
        raise ValueError(f"patch={p} is larger than the smallest rescaled image ({h}x{w} x {min_scale})")
    g = generator
    scales = torch.unique(torch.linspace(min_scale, 1.0, 5))
    pyramid = [lr if float(r) == 1.0 else imresize(lr, scale=float(r)).clamp(0, 1) for r in scales]
    fathers = []
    for _ in range(n):
        im = pyramid[int(torch.randint(len(pyramid), (), generator=g))]
        y = int(torch.randint(0, im.shape[-2] - p + 1, (), generator=g))
        x = int(torch.randint(0, im.shape[-1] - p + 1, (), generator=g))
        fathers.append(augment(im[:, y:y + p, x:x + p], int(torch.randint(8, (), generator=g))))
    fa = torch.stack(fathers)
    if kernel is None:
        sons = imresize(fa, scale=1 / s).clamp(0, 1)
    else:
        sons = downsample(blur(fa, kernel), s)
    return _upsample_to(sons, (p, p)), fa


def zssr(lr: Tensor, scale: int, *, steps: int = 300, kernel: Optional[Tensor] = None, patch: int = 32,
         batch: int = 8, lr_rate: float = 1e-3, features: int = 32, depth: int = 6, seed: int = 0,
         ensemble: bool = True, device=None, return_model: bool = False):
    """Zero-shot SR of ``lr``: train a :class:`ZSSRNet` on :func:`zssr_pairs` of ``lr`` itself.

    Adam with L1 loss and a cosine learning rate for ``steps`` steps; the result is the network
    applied to ``lr`` interpolated ``×s`` (averaged over the 8 dihedral transforms with
    ``ensemble``, as ZSSR does). The paper adds gradual scale increments and a back-projection
    step, and trains up to 3,000 iterations on 128x128 crops with a 8x64 network.

    Args:
        lr: ``(C, h, w)`` in ``[0, 1]``.
        scale: integer ``s``.
        kernel: the degradation kernel assumed for the sons (``None``: bicubic).
        device: where to train (default: ``lr``'s device).
        return_model: also return the trained network.

    Returns:
        ``(C, s·h, s·w)`` clamped to ``[0, 1]``; with ``return_model`` a pair ``(sr, model)``.
    """
    check_image(lr, "lr")
    s = check_positive_int(scale, "scale")
    steps = check_positive_int(steps, "steps")
    dev = lr.device if device is None else torch.device(device)
    g = torch.Generator().manual_seed(int(seed))
    torch.manual_seed(int(seed))
    net = ZSSRNet(lr.shape[0], features, depth, s).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=lr_rate)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=lr_rate * 0.02)
    k = None if kernel is None else kernel.to(torch.float32)
    lr_cpu = lr.detach().float().cpu()
    for _ in range(steps):
        x, y = zssr_pairs(lr_cpu, s, batch, patch, kernel=k, generator=g)
        loss = (net(x.to(dev)) - y.to(dev)).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    net.eval()
    up = _upsample_to(lr.float().to(dev)[None], (lr.shape[-2] * s, lr.shape[-1] * s))

    with torch.no_grad():
        sr = self_ensemble(lambda t: net(t), up, modes=range(8) if ensemble else (0,))[0].clamp(0, 1)
    return (sr, net) if return_model else sr


# =========================================================================== deep image prior
class Hourglass(nn.Module):
    """A small encoder–decoder with skip connections (the DIP "hourglass", reduced).

    ``levels`` stride-2 downsampling stages of ``features`` channels (conv, BN, LeakyReLU), a
    bilinear-upsampling decoder, and ``skip`` channels of skip connections per level, then a
    sigmoid. Input size must be divisible by ``2**levels``.
    ``forward((N, in_channels, H, W)) -> (N, out_channels, H, W)`` in ``(0, 1)``.
    """
    def __init__(self, in_channels: int = 16, out_channels: int = 3, features: int = 32, levels: int = 3,
                 skip: int = 4) -> None:
        super().__init__()

        def block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, padding_mode="reflect"), nn.BatchNorm2d(cout),
                                 nn.LeakyReLU(0.2, inplace=True))

        self.down = nn.ModuleList()
        self.skips = nn.ModuleList()
        self.up = nn.ModuleList()
        c = in_channels
        for _ in range(levels):
            self.skips.append(block(c, skip))
            self.down.append(nn.Sequential(block(c, features, 2), block(features, features)))
            c = features
        for _ in range(levels):
            self.up.append(nn.Sequential(block(features + skip, features), block(features, features)))
        self.out = nn.Conv2d(features, out_channels, 1)
        self.levels = levels

    def forward(self, z: Tensor) -> Tensor:
        skips, h = [], z
        for down, sk in zip(self.down, self.skips):
            skips.append(sk(h))
            h = down(h)
        for up, s in zip(self.up, reversed(skips)):
            h = F.interpolate(h, size=s.shape[-2:], mode="bilinear", align_corners=False)
            h = up(torch.cat([h, s], 1))
        return torch.sigmoid(self.out(h))


class DIPResult(dict):
    """Result of :func:`deep_image_prior`: keys ``final``, ``best`` (images), ``iters``,
    ``psnr`` (PSNR vs ``hr`` at the recorded iterations, empty without ``hr``), ``best_iter``,
    ``best_psnr``, ``loss`` (the LR-consistency MSE at the recorded iterations)."""

    __getattr__ = dict.__getitem__


def deep_image_prior(lr: Tensor, scale: int, *, steps: int = 400, hr: Optional[Tensor] = None,
                     record_every: int = 10, lr_rate: float = 0.01, input_noise: float = 1 / 30,
                     in_channels: int = 16, features: int = 32, levels: int = 3, seed: int = 0,
                     device=None) -> DIPResult:
    """Deep image prior for SR: ``min_θ ‖D(f_θ(z)) − lr‖²`` with ``D`` MATLAB bicubic ``↓s``.

    ``z`` is fixed uniform noise ``U(0, 0.1)`` of ``in_channels`` channels at the HR size,
    jittered each step by Gaussian noise of std ``input_noise`` (as in the paper); ``f_θ`` a
    randomly initialised :class:`Hourglass`; Adam. Nothing is learned from other images: the
    architecture alone prefers natural structure, which it fits before noise — so the PSNR
    against the (unknown) HR image rises, peaks and falls, and the iteration count is a
    hyper-parameter (early stopping). With ``hr`` given, the PSNR is recorded every
    ``record_every`` steps and the best image kept (an oracle: a real user has no ``hr``).

    Args:
        lr: ``(C, h, w)`` in ``[0, 1]``; ``s·h`` and ``s·w`` must be divisible by ``2**levels``.
        scale: integer ``s``.
        hr: optional ``(C, s·h, s·w)`` ground truth, used only for monitoring.

    Returns:
        :class:`DIPResult`.
    """
    check_image(lr, "lr")
    s = check_positive_int(scale, "scale")
    steps = check_positive_int(steps, "steps")
    c, h, w = lr.shape[-3:]
    H, W = h * s, w * s
    if H % (2 ** levels) or W % (2 ** levels):
        raise ValueError(f"the HR size {H}x{W} must be divisible by 2**levels = {2 ** levels}")
    if hr is not None:
        check_image(hr, "hr")
        if hr.shape[-2:] != (H, W):
            raise ValueError(f"hr must be {H}x{W}, got {tuple(hr.shape[-2:])}")
    dev = lr.device if device is None else torch.device(device)
    torch.manual_seed(int(seed))
    g = torch.Generator().manual_seed(int(seed))
    net = Hourglass(in_channels, c, features, levels).to(dev)
    z = (torch.rand(1, in_channels, H, W, generator=g) * 0.1).to(dev)
    y = lr.float().to(dev)[None]
    opt = torch.optim.Adam(net.parameters(), lr=lr_rate)
    res = DIPResult(iters=[], psnr=[], loss=[], best=None, best_iter=-1, best_psnr=float("-inf"), final=None)
    for it in range(1, steps + 1):
        zi = z + input_noise * torch.randn(z.shape, generator=g).to(dev) if input_noise else z
        out = net(zi)
        loss = F.mse_loss(imresize(out, scale=1 / s), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if it % record_every == 0 or it == steps:
            res["iters"].append(it)
            res["loss"].append(float(loss.detach()))
            if hr is not None:
                with torch.no_grad():
                    o = out.detach()[0].clamp(0, 1)
                    p = float(psnr(o, hr.to(o)))
                res["psnr"].append(p)
                if p > res["best_psnr"]:
                    res["best_psnr"], res["best_iter"], res["best"] = p, it, o.cpu()
    with torch.no_grad():
        net.eval()
        res["final"] = net(z)[0].clamp(0, 1).cpu()
    if res["best"] is None:
        res["best"] = res["final"]
    return res


# =========================================================================== kernel estimation
def kernel_sigmas(kernel: Tensor) -> tuple[float, float, float]:
    """``(σ_major, σ_minor, θ)`` of a kernel from its second moments (θ: major axis angle in
    radians from the column axis, counter-clockwise in ``(u, v)``, as
    :func:`srtutor.degradation.gaussian_kernel`'s ``theta``; the sign convention of ``v`` is rows
    downward, so the angle is measured with ``v`` pointing down)."""
    k = kernel.double() / kernel.double().sum()
    n = k.shape[-1]
    r = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
    vv, uu = torch.meshgrid(r, r, indexing="ij")
    mu, mv = (k * uu).sum(), (k * vv).sum()
    cuu = (k * (uu - mu) ** 2).sum()
    cvv = (k * (vv - mv) ** 2).sum()
    cuv = (k * (uu - mu) * (vv - mv)).sum()
    ev, evec = torch.linalg.eigh(torch.tensor([[cuu, cuv], [cuv, cvv]]))
    th = math.atan2(float(evec[1, 1]), float(evec[0, 1])) % math.pi
    return math.sqrt(max(float(ev[1]), 0.0)), math.sqrt(max(float(ev[0]), 0.0)), th


def estimate_gaussian_kernel(lr: Tensor, scale: int, *, size: int = 15, patch: int = 32, fmax: float = 0.3,
                             fmin: float = 0.04) -> Tensor:
    """Estimate the blur kernel (in HR pixels) that made ``lr`` = (HR ⊗ κ)↓s, from ``lr`` alone.

    Internal statistics: natural images have a roughly isotropic power spectrum
    ``P(f) ≈ c |f|^{−β}``; a Gaussian blur with covariance ``Σ`` multiplies it by
    ``exp(−4π² fᵀΣf)``. So the log of the LR power spectrum (Welch average over Hann-windowed
    ``patch x patch`` tiles of the luminance) is fitted by least squares as
    ``a − β log|f| − 4π² fᵀ Σ_LR f`` for ``fmin <= |f| <= fmax`` cycles per LR pixel (higher
    frequencies hold aliasing and noise). ``Σ_HR = s² Σ_LR``. Minus the ``Σ`` that the image's
    own (not quite isotropic) spectrum fakes, this recovers the kernel's size and direction;
    it is a parametric cousin of KernelGAN's idea (the degradation is written in the LR
    image's own statistics), not KernelGAN.

    Args:
        lr: ``(C, h, w)`` in ``[0, 1]`` (channels are averaged).
        scale: integer ``s``.
        size: side of the returned kernel.

    Returns:
        ``(size, size)`` float64 Gaussian kernel summing to 1 (σ's clamped to ``[0.2, size/2]``).
    """
    check_image(lr, "lr")
    s = check_positive_int(scale, "scale")
    y = lr.double().mean(-3) if lr.ndim == 3 else lr.double().mean((0, 1))
    p = check_positive_int(patch, "patch", minimum=8)
    if min(y.shape) < p:
        raise ValueError(f"lr ({tuple(y.shape)}) is smaller than patch={p}")
    tiles = y.unfold(0, p, p // 2).unfold(1, p, p // 2).reshape(-1, p, p)
    tiles = tiles - tiles.mean((-1, -2), keepdim=True)
    win = torch.hann_window(p, periodic=False, dtype=torch.float64)
    spec = (torch.fft.fft2(tiles * (win[:, None] * win[None, :])).abs() ** 2).mean(0)
    f = torch.fft.fftfreq(p, dtype=torch.float64)
    fy, fx = torch.meshgrid(f, f, indexing="ij")
    rad = torch.sqrt(fy ** 2 + fx ** 2)
    sel = (rad >= fmin) & (rad <= fmax)
    q = -4 * math.pi ** 2
    A = torch.stack([torch.ones_like(rad), -torch.log(rad.clamp(min=1e-9)), q * fx ** 2, q * 2 * fx * fy, q * fy ** 2], -1)[sel]
    b = torch.log(spec.clamp(min=1e-20))[sel]
    coef = torch.linalg.lstsq(A, b[:, None]).solution[:, 0]
    cov = torch.tensor([[coef[2], coef[3]], [coef[3], coef[4]]]) * s * s
    ev, evec = torch.linalg.eigh(cov)
    ev = ev.clamp(min=0.04, max=(size / 2) ** 2)
    s_major, s_minor = math.sqrt(float(ev[1])), math.sqrt(float(ev[0]))
    theta = math.atan2(float(evec[1, 1]), float(evec[0, 1])) % math.pi
    return gaussian_kernel(size, s_major, s_minor, theta)


# =========================================================================== blind IQA (NIQE-style)
def mscn(x: Tensor, *, sigma: float = 7 / 6, c: float = 1 / 255) -> Tensor:
    """Mean-subtracted contrast-normalised coefficients of the luminance (Mittal et al. 2012):
    ``(I − μ) / (σ_local + C)`` with a 7x7 Gaussian window (σ = 7/6). Returns ``(N, 1, H, W)``."""

    check_image(x, "x", channels=(1, 3))
    xb = as_batch(x)[0]
    y = rgb_to_y(xb, full_range=True) if xb.shape[1] == 3 else xb
    k = gaussian_kernel(7, sigma).to(y)
    mu = blur(y, k, padding="replicate")
    var = blur(y * y, k, padding="replicate") - mu * mu
    return (y - mu) / (var.clamp(min=0).sqrt() + c)


_GAMMA_GRID = torch.arange(0.2, 10.0, 0.001, dtype=torch.float64)
_GGD_RATIO = torch.exp(torch.lgamma(2 / _GAMMA_GRID) * 2 - torch.lgamma(1 / _GAMMA_GRID) - torch.lgamma(3 / _GAMMA_GRID))


def _ggd_shape(v: Tensor) -> Tensor:
    """Moment-matching shape of a generalised Gaussian per row of ``v`` (..., n)."""
    rho = (v.abs().mean(-1) ** 2) / (v.pow(2).mean(-1) + 1e-12)
    idx = torch.searchsorted(_GGD_RATIO, rho.contiguous()).clamp(max=len(_GAMMA_GRID) - 1)  # ratio grows with γ
    return _GAMMA_GRID[idx]


def nss_features(x: Tensor, *, patch: int = 32, scales: int = 2) -> Tensor:
    """Natural-scene-statistics features of every ``patch x patch`` block, at ``scales`` scales.

    Per block and scale: the GGD shape and variance of the MSCN coefficients, and for the four
    neighbour products (horizontal, vertical, two diagonals) the GGD shape, the mean and the
    left/right variances — 2 + 4·4 = 18 numbers (NIQE uses an AGGD fit for the products; this
    is the same information in a simpler estimator). Returns ``(n_blocks, 18·scales)`` from
    the first image of a batch.
    """
    check_image(x, "x", channels=(1, 3))
    img = as_batch(x)[0][:1]
    feats = []
    for k in range(scales):
        pk = patch // (2 ** k)
        m = mscn(img)[0, 0]
        H, W = (m.shape[0] // pk) * pk, (m.shape[1] // pk) * pk
        if H == 0 or W == 0:
            raise ValueError(f"image too small for patch={patch} at {scales} scales")
        m = m[:H, :W]
        shifted = {"h": m[:, 1:] * m[:, :-1], "v": m[1:, :] * m[:-1, :], "d1": m[1:, 1:] * m[:-1, :-1],
                   "d2": m[1:, :-1] * m[:-1, 1:]}

        def blocks(t: Tensor) -> Tensor:
            t = F.pad(t[None, None], (0, W - t.shape[1], 0, H - t.shape[0]), mode="replicate")[0, 0]
            return t.unfold(0, pk, pk).unfold(1, pk, pk).reshape(-1, pk * pk).double()

        mb = blocks(m)
        f = [_ggd_shape(mb), mb.pow(2).mean(-1)]
        for t in shifted.values():
            tb = blocks(t)
            neg, pos = tb.clamp(max=0), tb.clamp(min=0)
            f += [_ggd_shape(tb), tb.mean(-1), (neg ** 2).sum(-1) / ((tb < 0).sum(-1) + 1), (pos ** 2).sum(-1) / ((tb > 0).sum(-1) + 1)]
        feats.append(torch.stack(f, -1))
        img = imresize(img, scale=0.5).clamp(0, 1)
    n = min(t.shape[0] for t in feats)
    return torch.cat([t[:n] for t in feats], -1)


def fit_nss_model(images: Iterable[Tensor], *, patch: int = 32, scales: int = 2,
                  sharpness: float = 0.75) -> tuple[Tensor, Tensor]:
    """Fit the multivariate Gaussian ``(μ, Σ)`` of :func:`nss_features` over pristine images.

    As NIQE, only the sharpest blocks (local standard deviation above ``sharpness`` times the
    image's maximum block sharpness... here: above that quantile) enter the model.
    """
    rows = []
    for x in images:
        f = nss_features(x, patch=patch, scales=scales)
        sharp = f[:, 1]
        rows.append(f[sharp >= torch.quantile(sharp, 1 - sharpness)])
    allf = torch.cat(rows)
    return allf.mean(0), torch.cov(allf.T)


def nss_distance(x: Tensor, model: tuple[Tensor, Tensor], *, patch: int = 32, scales: int = 2) -> float:
    """NIQE-style score: ``sqrt((μ₁ − μ₂)ᵀ ((Σ₁ + Σ₂)/2)⁺ (μ₁ − μ₂))`` between the pristine
    model and the test image's block features. Lower is "more natural"; no reference needed.
    Only comparable between images scored with the same ``model``."""
    f = nss_features(x, patch=patch, scales=scales)
    mu, cov = model
    d = f.mean(0) - mu
    c = (torch.cov(f.T) + cov) / 2 if f.shape[0] > 1 else cov
    return float(torch.sqrt(d @ torch.linalg.pinv(c) @ d))
