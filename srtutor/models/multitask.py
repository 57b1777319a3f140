"""Multi-task learning for SR (survey §3.5.3): one shared body, an SR head and an auxiliary head.

The survey cites SFT-GAN (semantic segmentation as an extra task) and DNSR (denoising) among
others: a second task trained on the same features regularises them. Here the auxiliary task is
**edge prediction** (an HR edge map, :func:`edge_target`) or **segmentation** (``K`` classes at
HR resolution); both heads read the same body features.

* :class:`MultiTaskSR` — shared body (head conv + residual blocks, EDSR-style, no BN), SR head
  (sub-pixel upsampling to RGB/Y) and auxiliary head (sub-pixel upsampling to 1 edge logit or
  ``K`` class logits). ``forward(x)`` returns the SR image; ``forward(x, aux=True)`` returns
  ``(sr, aux_logits)``.
* :func:`multitask_loss` — ``L1(sr, hr) + λ · aux_loss`` with binary cross-entropy (edges) or
  cross-entropy (segmentation); returns the total and its two parts.
* :func:`edge_target` — the HR edge map: Sobel gradient magnitude of the luma above a threshold.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor.models import register

Tensor = torch.Tensor


def _upsampler(features: int, out_channels: int, scale: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(features, out_channels * scale * scale, 3, padding=1), nn.PixelShuffle(scale))


class _ResBlock(nn.Module):
    def __init__(self, features: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(features, features, 3, padding=1))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class MultiTaskSR(nn.Module):
    """SR network with an auxiliary head. ``(N, C, H, W) -> (N, C, sH, sW)`` (+ aux logits).

    Args:
        scale: upscaling factor (2, 3 or 4; one sub-pixel step of factor ``s``).
        channels: image channels (1 or 3).
        features: body width.
        blocks: residual blocks in the shared body.
        aux_classes: 1 for an edge map (binary logits), ``K >= 2`` for ``K``-class segmentation.
    """

    upsampling = "post"
    supported_scales = (2, 3, 4)

    def __init__(self, scale: int = 2, channels: int = 3, features: int = 32, blocks: int = 4,
                 aux_classes: int = 1):
        super().__init__()
        if aux_classes < 1:
            raise ValueError(f"aux_classes must be >= 1, got {aux_classes}")
        self.scale, self.in_channels, self.aux_classes = scale, channels, aux_classes
        self.body = nn.Sequential(nn.Conv2d(channels, features, 3, padding=1),
                                  *[_ResBlock(features) for _ in range(blocks)])
        self.sr_head = _upsampler(features, channels, scale)
        self.aux_head = _upsampler(features, aux_classes, scale)

    def forward(self, x: Tensor, aux: bool = False):
        f = self.body(x)
        base = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        sr = base + self.sr_head(f)
        return (sr, self.aux_head(f)) if aux else sr


def edge_target(hr: Tensor, threshold: float = 0.1) -> Tensor:
    """Binary HR edge map ``(N, 1, H, W)`` in {0, 1}: Sobel magnitude (``/ 4``-normalised, so a
    0→1 step gives 1) of the luma ``0.299 R + 0.587 G + 0.114 B`` above ``threshold``."""
    y = hr if hr.shape[1] == 1 else (hr * hr.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    k = hr.new_tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]) / 4
    yp = F.pad(y, (1, 1, 1, 1), mode="replicate")
    gx = F.conv2d(yp, k.view(1, 1, 3, 3))
    gy = F.conv2d(yp, k.t().reshape(1, 1, 3, 3))
    return (torch.sqrt(gx ** 2 + gy ** 2) > threshold).to(hr.dtype)


def multitask_loss(sr: Tensor, hr: Tensor, aux_logits: Tensor, aux_target: Tensor,
                   weight: float = 0.1) -> tuple[Tensor, dict[str, Tensor]]:
    """``L1(sr, hr) + weight · L_aux``: binary cross-entropy with logits for a 1-channel
    ``aux_logits`` (target in [0, 1], same shape), cross-entropy for ``K >= 2`` channels
    (target: class indices ``(N, H, W)``, ``long``).

    Returns:
        ``(total, {"sr": l1, "aux": aux})``.
    """
    if weight < 0:
        raise ValueError(f"weight must be >= 0, got {weight}")
    l_sr = F.l1_loss(sr, hr)
    if aux_logits.shape[1] == 1:
        l_aux = F.binary_cross_entropy_with_logits(aux_logits, aux_target.to(aux_logits.dtype))
    else:
        l_aux = F.cross_entropy(aux_logits, aux_target.long())
    return l_sr + weight * l_aux, {"sr": l_sr, "aux": l_aux}


@register("multitask-sr")
def multitask_sr(scale: int = 2, **kw) -> MultiTaskSR:
    """Shared body (32 features, 4 residual blocks), SR head and an edge head."""
    return MultiTaskSR(scale=scale, **kw)


__all__ = ["MultiTaskSR", "edge_target", "multitask_loss"]
