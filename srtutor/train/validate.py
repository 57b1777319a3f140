"""Validation during training: PSNR/SSIM of a model (or bicubic) on HR images at any scale.

Integer scales go through the package's benchmark protocol (:func:`srtutor.evaluate.evaluate_images`);
non-integer scales (Meta-SR) make their LR with :func:`lr_for_scale`. Public as
:func:`srtutor.train.evaluate` (a thin layer over :mod:`srtutor.evaluate`, which owns the protocol).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn

from srtutor import metrics
from srtutor._checks import check_scale
from srtutor.evaluate import evaluate_images
from srtutor.io import quantize as q8
from srtutor.models.inference import bicubic_upsample, in_channels, to_model_channels, upscale
from srtutor.resize import imresize

Tensor = torch.Tensor

__all__ = ["lr_for_scale", "evaluate"]


def lr_for_scale(hr: Tensor, scale: float) -> Tensor:
    """LR batch for any scale ``r``: MATLAB bicubic to ``(round(H/r), round(W/r))``, clamped to [0, 1]."""
    size = (max(1, round(hr.shape[-2] / scale)), max(1, round(hr.shape[-1] / scale)))
    return imresize(hr, size=size).clamp(0, 1)


@torch.no_grad()
def evaluate(model: Optional[nn.Module], images: Union[Mapping[str, Tensor], Sequence[Tensor]], scale: float, *,
             ssim: bool = True, protocol: str = "auto") -> dict[str, Any]:
    """PSNR/SSIM of ``model`` (or of bicubic upscaling when ``model is None``) on HR ``images``.

    Integer scales use the package's benchmark protocol, :func:`srtutor.evaluate.evaluate_images`
    (modcrop, MATLAB bicubic ↓``scale``, Y channel, ``scale`` pixels cropped, SR rounded to
    8 bits). ``protocol="auto"`` picks its ``"srcnn"`` convention (Y resized; reproduces the
    published bicubic rows) for bicubic and 1-channel models and ``"rgb"`` for RGB models.
    A non-integer ``scale`` (arbitrary-scale models) makes the LR with :func:`lr_for_scale`
    from the RGB image (rounded to 8 bits, no modcrop), produces SR at the HR size and crops
    ``ceil(scale)`` pixels.

    Returns:
        ``{"names", "psnr", "ssim", "mean_psnr", "mean_ssim"}`` (per-image lists and means;
        SSIM entries are ``None`` when ``ssim=False``).
    """
    s = check_scale(scale)
    items = dict(images) if isinstance(images, Mapping) else {str(i): im for i, im in enumerate(images)}
    dev = next(model.parameters()).device if model is not None else torch.device("cpu")
    if s.is_integer():
        s = int(s)
        if protocol == "auto":
            protocol = "srcnn" if model is None or in_channels(model) == 1 else "rgb"
        method = "bicubic" if model is None else (lambda lr: upscale(model, lr.to(dev), s).cpu())
        res = evaluate_images(items, s, method, protocol=protocol,
                              channels=None if model is None else in_channels(model))
        names = [r["name"] for r in res["images"]]
        ps = [r["psnr"] for r in res["images"]]
        ss = [r["ssim"] for r in res["images"]] if ssim else [None] * len(ps)
    else:
        crop = math.ceil(s)
        names, ps, ss = [], [], []
        for name, hr in items.items():
            lr = q8(lr_for_scale(hr[None], s)[0])
            if model is None:
                sr = bicubic_upsample(lr[None], hr.shape[-2:])[0]
            else:
                sr = upscale(model, lr.to(dev), s, hr_size=tuple(hr.shape[-2:])).cpu().to(hr.dtype)
                if sr.shape[0] != hr.shape[0]:
                    sr, hr = to_model_channels(sr, 1), to_model_channels(hr, 1)
            sr = q8(sr)
            names.append(name)
            ps.append(float(metrics.psnr(sr, hr, crop_border=crop, y_channel=True)))
            ss.append(float(metrics.ssim(sr, hr, crop_border=crop, y_channel=True)) if ssim else None)
    return {"names": names, "psnr": ps, "ssim": ss, "mean_psnr": sum(ps) / len(ps),
            "mean_ssim": (sum(ss) / len(ss)) if ssim else None}
