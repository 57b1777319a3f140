"""Meta-SR (Hu et al., CVPR 2019): one network for **arbitrary (non-integer) scales**.

A feature-learning backbone in LR space (the paper uses RDN; here an EDSR-style residual
backbone) followed by :class:`srtutor.upsample.MetaUpscale`, which predicts every output
pixel's filter from its offset vector and the scale. The upsampling is at the end, so it is a
post-upsampling model whose upsampling layer is learned for all scales at once
(``model.upsampling == "meta"``: the forward pass takes ``scale=``).

Parameters (RGB, with biases): :func:`metasr_small` (32 channels, 4 residual blocks, weight
network 3-64-864, plus a parameter-free bicubic skip) has **140,544**; :func:`metasr` (64 channels, 8 blocks, 3-256-1728 as the paper's
Meta-Upscale) has **1,074,688**; the paper's Meta-RDN has about 22M.
"""

from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F

from srtutor.models import register
from srtutor.blocks import ResBlock
from srtutor.upsample import MetaUpscale


class MetaSR(nn.Module):
    """Residual backbone + Meta-Upscale. ``(N, C, H, W), r -> (N, C, floor(rH), floor(rW))``.

    Args:
        scale: default scale used when ``forward`` gets none (any float > 0).
        channels: 3 (RGB) or 1.
        features, n_resblocks: backbone width and depth.
        hidden: width of the weight-prediction network.
        bicubic_skip: add the bicubic upscaling of the input to the output, so the network
            learns only the residual; the last layer of the weight-prediction network is then
            zero-initialised (not in the paper; short CPU runs start from bicubic quality).
    """

    upsampling = "meta"
    supported_scales = None  # any factor > 0, non-integer included

    def __init__(self, scale: float = 2.0, channels: int = 3, features: int = 64, n_resblocks: int = 8,
                 hidden: int = 256, bicubic_skip: bool = False):
        super().__init__()
        self.scale, self.in_channels, self.bicubic_skip = scale, channels, bicubic_skip
        self.head = nn.Conv2d(channels, features, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(features) for _ in range(n_resblocks)],
                                  nn.Conv2d(features, features, 3, padding=1))
        self.upscale = MetaUpscale(features, channels, kernel_size=3, hidden=hidden)
        if bicubic_skip:  # start exactly at bicubic: the predicted filters are zero at initialisation
            nn.init.zeros_(self.upscale.weight_net[-1].weight)
            nn.init.zeros_(self.upscale.weight_net[-1].bias)

    def forward(self, x, scale: float | None = None, out_size: tuple[int, int] | None = None):
        h = self.head(x)
        y = self.upscale(h + self.body(h), self.scale if scale is None else scale, out_size)
        if self.bicubic_skip:
            y = y + F.interpolate(x, size=y.shape[-2:], mode="bicubic", align_corners=False)
        return y


@register("metasr", model=MetaSR)
def metasr(scale: float = 2.0, **kw) -> MetaSR:
    """Meta-SR with a 64-channel, 8-block residual backbone."""
    return MetaSR(scale=scale, **kw)


@register("metasr-small", model=MetaSR)
def metasr_small(scale: float = 2.0, **kw) -> MetaSR:
    """Meta-SR with a 32-channel, 4-block backbone, a 64-wide weight network and a bicubic skip."""
    kw = {"features": 32, "n_resblocks": 4, "hidden": 64, "bicubic_skip": True, **kw}
    return MetaSR(scale=scale, **kw)
