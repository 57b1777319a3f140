"""Real-world degradations: a second-order random pipeline (survey §6, "real-world scenarios").

Bicubic ``↓s`` is one fixed, clean degradation; real LR images went through cameras, resizes,
compressions and re-uploads. BSRGAN (Zhang et al., ICCV 2021) shuffles random blur, resize,
noise and JPEG; Real-ESRGAN (Wang et al., ICCVW 2021) applies such a first-order block
*twice* — a "second-order" degradation: round 1 is [blur → resize → noise → JPEG], round 2 is
[blur → resize → noise] and ends with the final step, in one of two orders chosen at random:
[resize to the LR size + sinc (ringing) filter] → JPEG, or JPEG → [resize + sinc]. So each
round ends with a JPEG and the second round has no JPEG inside. :class:`SecondOrderDegradation`
is that recipe, built from the functions of :mod:`srtutor.degradation`, at parameter ranges close
to Real-ESRGAN's
(documented below; the paper's exact probabilities and generalised-Gaussian / plateau kernels
are simplified to Gaussian + sinc kernels).

Every draw is reproducible from a seed or a ``torch.Generator``, and :meth:`sample` returns the
list of steps as readable strings, so a figure can print what was applied.
"""

from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F

from srtutor._checks import as_batch, check_image, check_positive_int
from srtutor.degradation import add_gaussian_noise, blur, gaussian_kernel, jpeg

Tensor = torch.Tensor

__all__ = ["sinc_kernel", "add_poisson_noise", "random_resize", "SecondOrderDegradation"]


def sinc_kernel(size: int, cutoff: float) -> Tensor:
    """A circular 2-D sinc (ideal low-pass) kernel, ``(size, size)``, summing to 1.

    ``k(r) ∝ ω_c J₁(ω_c r) / (2π r)`` — here approximated by the separable-free form
    ``sinc(ω_c r / π)`` times a circular Hann window — with cutoff ``ω_c`` in radians per
    pixel (``π`` keeps everything, ``π/3`` keeps a third of the band). Convolving with it makes
    the ringing / overshoot artefacts of sharpened and compressed images.
    """
    n = check_positive_int(size, "size", minimum=3)
    if not 0 < cutoff <= math.pi:
        raise ValueError(f"cutoff must be in (0, pi], got {cutoff}")
    r = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
    vv, uu = torch.meshgrid(r, r, indexing="ij")
    rad = torch.sqrt(uu ** 2 + vv ** 2)
    k = torch.special.sinc(cutoff * rad / math.pi)
    win = 0.5 + 0.5 * torch.cos(math.pi * (rad / (rad.max() + 1)).clamp(max=1))
    k = k * win
    return k / k.sum()


def add_poisson_noise(x: Tensor, scale: float, generator: Optional[torch.Generator] = None, *,
                      gray: bool = False) -> Tensor:
    """Signal-dependent (shot) noise: ``Poisson(x · 255 · 10^{…}) / …`` as Real-ESRGAN.

    ``scale`` multiplies the noise (Real-ESRGAN draws it in ``[0.05, 3]``): the noise is
    ``scale · (Poisson(λx)/λ − x)`` with ``λ = 255`` photons for white. ``gray`` uses the same
    noise on every channel. Result clamped to ``[0, 1]``.
    """
    check_image(x, "x")
    if not scale >= 0:
        raise ValueError(f"scale must be >= 0, got {scale}")
    lam = 255.0
    dev = generator.device if generator is not None else torch.device("cpu")
    base = x[..., :1, :, :] if gray else x
    rate = (base.double() * lam).to(dev)
    noise = (torch.poisson(rate, generator=generator) / lam - base.double().to(dev)).to(x.device, x.dtype)
    return (x + scale * noise).clamp(0, 1)


def random_resize(x: Tensor, factor: float, mode: str) -> Tensor:
    """Resize by ``factor`` with ``"area"``, ``"bilinear"`` or ``"bicubic"`` (PyTorch kernels, as
    the image libraries a real pipeline passes through; not MATLAB's)."""
    check_image(x, "x")
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not (0 < factor < 1e4):
        raise ValueError(f"factor must be a number in (0, 1e4), got {factor!r}")
    xb, was3 = as_batch(x)
    h, w = xb.shape[-2:]
    size = (max(1, round(h * factor)), max(1, round(w * factor)))
    if mode == "area":
        out = F.interpolate(xb, size=size, mode="area")
    elif mode in ("bilinear", "bicubic"):
        out = F.interpolate(xb, size=size, mode=mode, align_corners=False, antialias=factor < 1)
    else:
        raise ValueError(f"mode must be 'area', 'bilinear' or 'bicubic', got {mode!r}")
    out = out.clamp(0, 1)
    return out[0] if was3 else out


def _resize_to(x: Tensor, size: tuple[int, int], mode: str) -> Tensor:
    """``x (C, H, W)`` resized to ``size = (h, w)`` with ``mode`` (antialiased when shrinking)."""
    xb = x[None]
    if mode == "area":
        xb = F.interpolate(xb, size=size, mode="area")
    else:
        xb = F.interpolate(xb, size=size, mode=mode, align_corners=False,
                           antialias=size[0] < x.shape[-2] or size[1] < x.shape[-1])
    return xb[0].clamp(0, 1)


class SecondOrderDegradation:
    """Real-ESRGAN-style second-order degradation ``HR (…, H, W) -> LR (…, H/s, W/s)``.

    The order of operations is Real-ESRGAN's (``realesrgan_model.py``, ``feed_data``):

    1. round 1: blur → random resize → noise → JPEG;
    2. round 2: blur (probability 0.8) → random resize (relative to the LR size ``H/s x W/s``)
       → noise, then the final step, with probability 0.5 each:
       [resize to exactly ``H/s x W/s`` + sinc filter] → JPEG, or
       JPEG → [resize to ``H/s x W/s`` + sinc filter];
       the sinc filter is applied with probability ``final_sinc_prob``.

    So there are exactly two JPEG compressions, one ending each round. Per round (defaults ≈
    Real-ESRGAN's first/second stage):

    * blur: Gaussian, isotropic or anisotropic (p = 0.5), σ ∈ ``blur_sigma`` (round 2:
      ``blur_sigma2``), 21x21 (round 2 is skipped with probability 0.2); with probability 0.1
      a sinc kernel instead;
    * resize: up (p 0.2) / down (p 0.7) / keep, factor in ``resize_range`` (round 2:
      ``resize_range2``), area / bilinear / bicubic;
    * noise: Gaussian (p 0.6, σ ∈ ``noise_sigma`` on the 255 scale) or Poisson (scale ∈
      ``poisson_scale``), colour or grey (p 0.4);
    * JPEG with quality in ``jpeg_range`` (round 1) and ``jpeg_range2`` (the final JPEG).

    ``per_call_random = True``: :class:`srtutor.data.PairedPatchDataset` passes each item its
    own generator, so a dataset epoch is reproducible.

    Args:
        scale: integer SR factor.
        seed: seeds the object's own stream (used when no generator is passed).
    """

    per_call_random = True

    def __init__(self, scale: int, *, blur_sigma: tuple[float, float] = (0.2, 3.0),
                 blur_sigma2: tuple[float, float] = (0.2, 1.5), resize_range: tuple[float, float] = (0.15, 1.5),
                 resize_range2: tuple[float, float] = (0.3, 1.2), noise_sigma: tuple[float, float] = (1.0, 30.0),
                 noise_sigma2: tuple[float, float] = (1.0, 25.0), poisson_scale: tuple[float, float] = (0.05, 3.0),
                 poisson_scale2: tuple[float, float] = (0.05, 2.5), jpeg_range: tuple[int, int] = (30, 95),
                 jpeg_range2: tuple[int, int] = (30, 95), final_sinc_prob: float = 0.8, seed: Optional[int] = 0) -> None:
        self.scale = check_positive_int(scale, "scale")
        self.rounds = [
            dict(blur_prob=1.0, sigma=blur_sigma, resize=resize_range, noise=noise_sigma, poisson=poisson_scale,
                 jpeg=jpeg_range),
            dict(blur_prob=0.8, sigma=blur_sigma2, resize=resize_range2, noise=noise_sigma2, poisson=poisson_scale2,
                 jpeg=jpeg_range2),
        ]
        for r in self.rounds:
            for key in ("sigma", "resize", "noise", "poisson", "jpeg"):
                lo, hi = r[key]
                if not 0 <= lo <= hi:
                    raise ValueError(f"range {key} must satisfy 0 <= low <= high, got {r[key]}")
        if not 0 <= final_sinc_prob <= 1:
            raise ValueError(f"final_sinc_prob must be in [0, 1], got {final_sinc_prob}")
        self.final_sinc_prob = float(final_sinc_prob)
        self.seed = seed
        self._g = torch.Generator().manual_seed(int(seed)) if seed is not None else None

    # ----------------------------------------------------------------- one draw
    def _apply(self, x: Tensor, g: Optional[torch.Generator], log: list[str]) -> Tensor:
        def u(lo: float, hi: float) -> float:
            return lo + (hi - lo) * float(torch.rand((), generator=g, dtype=torch.float64))

        def pick_mode() -> str:
            return ("area", "bilinear", "bicubic")[int(torch.randint(3, (), generator=g))]

        h0, w0 = x.shape[-2:]
        size = (h0 // self.scale, w0 // self.scale)
        for i, r in enumerate(self.rounds, 1):
            if u(0, 1) < r["blur_prob"]:
                if u(0, 1) < 0.1:
                    wc = u(math.pi / 3, math.pi)
                    x = blur(x, sinc_kernel(21, wc).to(x)).clamp(0, 1)
                    log.append(f"[{i}] sinc blur ωc={wc:.2f}")
                else:
                    s1 = u(*r["sigma"])
                    if u(0, 1) < 0.5:
                        s2, th = u(*r["sigma"]), u(0, math.pi)
                        x = blur(x, gaussian_kernel(21, s1, s2, th).to(x)).clamp(0, 1)
                        log.append(f"[{i}] aniso blur σ=({s1:.2f},{s2:.2f}) θ={th:.2f}")
                    else:
                        x = blur(x, gaussian_kernel(21, s1).to(x)).clamp(0, 1)
                        log.append(f"[{i}] blur σ={s1:.2f}")
            p = u(0, 1)
            lo, hi = r["resize"]
            f = u(1.0, max(hi, 1.0)) if p < 0.2 else (u(lo, min(1.0, hi)) if p < 0.9 else 1.0)
            mode = pick_mode()
            if i == 1 and f != 1.0:
                x = random_resize(x, f, mode)
                log.append(f"[{i}] resize x{f:.2f} ({mode})")
            elif i == 2:  # Real-ESRGAN: round 2 resizes relative to the final LR size
                target = (max(1, round(size[0] * f)), max(1, round(size[1] * f)))
                if tuple(x.shape[-2:]) != target:
                    x = _resize_to(x, target, mode)
                    log.append(f"[{i}] resize to {target[0]}x{target[1]} ({mode})")
            grey = u(0, 1) < 0.4
            if u(0, 1) < 0.6:
                sg = u(*r["noise"])
                n = torch.randn(x.shape[-2:] if grey else x.shape[-3:], generator=g, dtype=torch.float64)
                x = (x + (n * sg / 255).to(x)).clamp(0, 1)
                log.append(f"[{i}] gaussian noise σ={sg:.1f}{' grey' if grey else ''}")
            else:
                ps = u(*r["poisson"])
                x = add_poisson_noise(x, ps, g, gray=grey)
                log.append(f"[{i}] poisson noise x{ps:.2f}{' grey' if grey else ''}")
            if i == 1:  # round 1 ends with JPEG; round 2's JPEG is the final step's
                q = int(round(u(*r["jpeg"])))
                x = jpeg(x, q)
                log.append(f"[{i}] jpeg q={q}")
        # final step, in one of Real-ESRGAN's two orders (p = 0.5 each):
        # [resize to H/s x W/s + sinc] -> JPEG, or JPEG -> [resize to H/s x W/s + sinc]
        mode = pick_mode()
        do_sinc = u(0, 1) < self.final_sinc_prob
        wc = u(math.pi / 3, math.pi)
        q = int(round(u(*self.rounds[1]["jpeg"])))
        jpeg_last = u(0, 1) < 0.5

        def resize_sinc(x: Tensor) -> Tensor:
            x = _resize_to(x, size, mode)
            log.append(f"resize to {size[0]}x{size[1]} ({mode})")
            if do_sinc:
                x = blur(x, sinc_kernel(21, wc).to(x)).clamp(0, 1)
                log.append(f"sinc ωc={wc:.2f}")
            return x

        if jpeg_last:
            x = resize_sinc(x)
            x = jpeg(x, q)
            log.append(f"jpeg q={q}")
        else:
            x = jpeg(x, q)
            log.append(f"jpeg q={q}")
            x = resize_sinc(x)
        return x

    def sample(self, hr: Tensor, generator: Optional[torch.Generator] = None) -> tuple[Tensor, list[str]]:
        """Degrade one image ``(C, H, W)`` and return ``(lr, steps)`` (the steps as strings)."""
        check_image(hr, "hr", channels=(1, 3))
        if hr.ndim != 3:
            raise ValueError(f"hr must be (C, H, W), got {tuple(hr.shape)}")
        if hr.shape[-2] < self.scale * 4 or hr.shape[-1] < self.scale * 4:
            raise ValueError(f"hr {tuple(hr.shape[-2:])} is too small for scale {self.scale}")
        log: list[str] = []
        g = generator if generator is not None else self._g
        return self._apply(hr, g, log), log

    def __call__(self, hr: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        """Degrade ``(C, H, W)`` or ``(N, C, H, W)`` (one independent draw per image)."""
        check_image(hr, "hr", channels=(1, 3))
        xb, was3 = as_batch(hr)
        out = torch.stack([self.sample(im, generator)[0] for im in xb])
        return out[0] if was3 else out

    def __repr__(self) -> str:
        return (f"SecondOrderDegradation(x{self.scale}: [blur, resize, noise, jpeg] -> [blur, resize, noise] -> "
                f"[resize+sinc, jpeg] in random order, seed={self.seed})")
