"""Hyperspectral SR (survey §5.3): synthetic cubes from endmember spectra and a camera response,
the spectral angle mapper, per-band PSNR, and guided fusion of a low-resolution cube with a
high-resolution RGB image (local linear regression, a guided-filter fusion).

Cubes are ``(B, H, W)`` (bands first) in ``[0, 1]``. Real data: CAVE, Harvard, ICVL.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from srtutor._checks import as_batch, check_image, check_positive_int, check_same_shape
from srtutor.resize import imresize

Tensor = torch.Tensor

__all__ = ["endmember_spectra", "camera_response", "synthetic_hsi", "sam", "per_band_psnr", "guided_hsi_fusion"]


def _wavelengths(n_bands: int) -> Tensor:
    return torch.linspace(400.0, 700.0, n_bands)


def endmember_spectra(n_endmembers: int = 4, n_bands: int = 31, *, seed: int = 0) -> Tensor:
    """Smooth random reflectance spectra ``(K, B)`` in ``[0.05, 0.95]`` over 400–700 nm.

    Each is a sum of three Gaussian bumps (centres 380–720 nm, widths 30–120 nm), the shape of
    real material reflectances (which are smooth in wavelength).
    """
    k = check_positive_int(n_endmembers, "n_endmembers")
    b = check_positive_int(n_bands, "n_bands", minimum=2)
    g = torch.Generator().manual_seed(int(seed))
    lam = _wavelengths(b)
    c = 380 + 340 * torch.rand(k, 3, 1, generator=g)
    wdt = 30 + 90 * torch.rand(k, 3, 1, generator=g)
    a = torch.rand(k, 3, 1, generator=g)
    s = (a * torch.exp(-0.5 * ((lam - c) / wdt) ** 2)).sum(1)
    s = s / s.amax(1, keepdim=True)
    return 0.05 + 0.9 * s


def camera_response(n_bands: int = 31) -> Tensor:
    """A ``(3, B)`` RGB spectral response: Gaussians at 610, 540, 460 nm (σ 40, 40, 30 nm),
    each row normalised to sum 1 — a stand-in for a real camera's curves (e.g. Nikon D700's
    used with CAVE)."""
    lam = _wavelengths(check_positive_int(n_bands, "n_bands", minimum=2))
    mu = torch.tensor([[610.0], [540.0], [460.0]])
    sd = torch.tensor([[40.0], [40.0], [30.0]])
    r = torch.exp(-0.5 * ((lam - mu) / sd) ** 2)
    return r / r.sum(1, keepdim=True)


def synthetic_hsi(rgb: Tensor, *, n_bands: int = 31, n_endmembers: int = 4, temperature: float = 0.02,
                  seed: int = 0, iters: int = 10) -> tuple[Tensor, Tensor, Tensor]:
    """A hyperspectral cube with the spatial layout of an RGB image (linear mixing model).

    Colour k-means (``iters`` Lloyd steps, seeded) finds ``K`` clusters in ``rgb``; each pixel's
    abundances are a softmax of ``−‖rgb − centre_k‖² / temperature`` (soft, sum to 1); the
    cube is ``X = Aᵀ E`` with :func:`endmember_spectra` ``E``. The matching RGB view of the cube
    is ``camera_response() @ X``.

    Args:
        rgb: ``(3, H, W)`` in ``[0, 1]``.

    Returns:
        ``(cube (B, H, W), abundances (K, H, W), spectra (K, B))``, cube in ``[0, 1]``.
    """
    check_image(rgb, "rgb", channels=(3,))
    if rgb.ndim != 3:
        raise ValueError(f"rgb must be (3, H, W), got {tuple(rgb.shape)}")
    k = check_positive_int(n_endmembers, "n_endmembers")
    g = torch.Generator().manual_seed(int(seed))
    pix = rgb.reshape(3, -1).T.float()
    cent = pix[torch.randperm(pix.shape[0], generator=g)[:k]].clone()
    for _ in range(iters):
        lab = torch.cdist(pix, cent).argmin(1)
        for j in range(k):
            sel = lab == j
            if sel.any():
                cent[j] = pix[sel].mean(0)
    ab = torch.softmax(-torch.cdist(pix, cent) ** 2 / temperature, dim=1)  # (HW, K)
    spectra = endmember_spectra(k, n_bands, seed=seed)
    cube = (ab @ spectra).T.reshape(n_bands, *rgb.shape[-2:])
    return cube.clamp(0, 1), ab.T.reshape(k, *rgb.shape[-2:]), spectra


def sam(x: Tensor, y: Tensor, *, reduction: str = "mean", eps: float = 1e-12) -> Tensor:
    """Spectral angle mapper: the angle between the spectra of ``x`` and ``y`` at each pixel,
    in **degrees** (``arccos(⟨x, y⟩ / (‖x‖ ‖y‖))``; Kruse et al. 1993). Scale-invariant.

    Args:
        x, y: ``(B, H, W)`` or ``(N, B, H, W)`` cubes (bands on dim -3).
        reduction: ``"mean"`` (over pixels and batch, 0-dim) or ``"none"`` (the ``(…, H, W)`` map).
    """
    check_same_shape(x, y, "x", "y")
    xd, yd = x.double(), y.double()  # arccos near 1 needs the precision
    cos = (xd * yd).sum(-3) / (xd.norm(dim=-3) * yd.norm(dim=-3)).clamp(min=eps)
    ang = torch.rad2deg(torch.arccos(cos.clamp(-1.0, 1.0))).to(x.dtype)
    if reduction == "none":
        return ang
    if reduction != "mean":
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")
    return ang.mean()


def per_band_psnr(x: Tensor, y: Tensor, *, data_range: float = 1.0) -> Tensor:
    """PSNR of every band: ``(B,)`` for ``(B, H, W)`` cubes (averaged over ``N`` for 4-D)."""
    check_same_shape(x, y, "x", "y")
    xb, yb = as_batch(x)[0], as_batch(y)[0]
    mse = ((xb - yb) ** 2).mean((-1, -2))  # (N, B)
    return (10 * torch.log10(data_range ** 2 / mse.clamp(min=1e-12))).mean(0)


def _box(x: Tensor, r: int) -> Tensor:
    """Mean over ``(2r+1)²`` windows (replicate border) of a ``(…, H, W)`` tensor."""
    shp = x.shape
    y = x.reshape(1, -1, *shp[-2:])
    return F.avg_pool2d(F.pad(y, (r, r, r, r), mode="replicate"), 2 * r + 1, 1).reshape(shp)


def guided_hsi_fusion(hsi_lr: Tensor, rgb_hr: Tensor, scale: int, *, radius: int = 2, eps: float = 1e-4,
                      response: Optional[Tensor] = None) -> Tensor:
    """Fuse a low-resolution hyperspectral cube with a high-resolution RGB image.

    A guided-filter fusion (He, Sun, Tang 2013, used as a multi-channel guide): in every
    ``(2r+1)²`` window of the **LR** grid each band is modelled as an affine function of the
    RGB values, ``X_b ≈ a_bᵀ rgb + c_b`` (ridge regression with ``eps``), fitted between
    ``hsi_lr`` and the RGB image brought down to the LR grid; the coefficients are averaged over
    windows, upsampled bilinearly and applied to the HR RGB. Under the linear mixing model with
    at most four materials per window this is exact; more materials, or spectra that the
    camera cannot tell apart (metamers), break it.

    Args:
        hsi_lr: ``(B, h, w)`` cube.
        rgb_hr: ``(3, s·h, s·w)`` RGB image of the same scene.
        scale: integer factor ``s``.
        radius, eps: window half-size (LR pixels) and ridge regulariser.
        response: unused hook (the fusion never needs the camera response; kept for symmetry
            with unmixing-based fusions that do).

    Returns:
        ``(B, s·h, s·w)`` fused cube, clamped to ``[0, 1]``.
    """
    check_image(hsi_lr, "hsi_lr", check_range=False)
    check_image(rgb_hr, "rgb_hr", channels=(3,))
    s = check_positive_int(scale, "scale")
    if hsi_lr.ndim != 3 or rgb_hr.ndim != 3:
        raise ValueError("hsi_lr and rgb_hr must be single images (B, h, w) and (3, H, W)")
    b, h, w = hsi_lr.shape
    if rgb_hr.shape[-2:] != (h * s, w * s):
        raise ValueError(f"rgb_hr must be {h * s}x{w * s}, got {tuple(rgb_hr.shape[-2:])}")
    g = imresize(rgb_hr, scale=1 / s)[None]  # (1, 3, h, w)
    p = hsi_lr[None]
    mg, mp = _box(g, radius), _box(p, radius)  # (1,3,h,w), (1,B,h,w)
    cov_gg = _box(g[:, :, None] * g[:, None], radius) - mg[:, :, None] * mg[:, None]  # (1,3,3,h,w)
    cov_gp = _box(g[:, :, None] * p[:, None], radius) - mg[:, :, None] * mp[:, None]  # (1,3,B,h,w)
    A = cov_gg.permute(0, 3, 4, 1, 2) + eps * torch.eye(3, dtype=g.dtype)  # (1,h,w,3,3)
    a = torch.linalg.solve(A, cov_gp.permute(0, 3, 4, 1, 2))  # (1,h,w,3,B)
    a = a.permute(0, 3, 4, 1, 2)  # (1,3,B,h,w)
    c = mp - (a * mg[:, :, None]).sum(1)  # (1,B,h,w)
    a, c = _box(a.reshape(1, 3 * b, h, w), radius), _box(c, radius)
    a = F.interpolate(a, size=(h * s, w * s), mode="bilinear", align_corners=False).reshape(1, 3, b, h * s, w * s)
    c = F.interpolate(c, size=(h * s, w * s), mode="bilinear", align_corners=False)
    out = (a * rgb_hr[None, :, None]).sum(1) + c
    return out[0].clamp(0, 1)
