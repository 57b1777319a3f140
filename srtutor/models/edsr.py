"""EDSR (Lim et al., CVPRW 2017): enhanced deep residual network, **post-upsampling**.

Head conv, ``B`` residual blocks (conv-ReLU-conv, no batch normalisation, residual scaling),
a conv, a global skip, a sub-pixel upsampler (one ``conv + PixelShuffle(s)`` for ×2/×3, two
×2 stages for ×4) and a tail conv, on RGB with the DIV2K mean subtracted.

EDSR-baseline (``B = 16``, 64 channels) counted with biases (the papers' "1.37M" at ×2):
×2: **1,369,859**; ×3: 1,554,499; ×4: 1,517,571 (the mean shift is a fixed buffer).
The full EDSR (``B = 32``, 256 channels, residual scaling 0.1) has 40,729,603 parameters at ×2
(the paper's table quotes 43M).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from srtutor.blocks import ResBlock
from srtutor.models import register
from srtutor.upsample import SubPixelConv, subpixel_factors

DIV2K_MEAN = (0.4488, 0.4371, 0.4040)


def subpixel_upsampler(features: int, scale: int) -> nn.Sequential:
    """Sub-pixel upsampler: one :class:`~srtutor.upsample.SubPixelConv` per stage of
    :func:`srtutor.upsample.subpixel_factors` (nested, keys ``N.conv.*`` as the shipped weights store them)."""
    return nn.Sequential(*[SubPixelConv(features, features, f) for f in subpixel_factors(scale)])


class EDSR(nn.Module):
    """EDSR (Lim et al. 2017), post-upsampling. ``(N, 3, H, W) -> (N, 3, sH, sW)``."""

    upsampling = "post"
    supported_scales = (2, 3, 4, 8)  # the sub-pixel upsampler: powers of two and 3

    def __init__(self, scale: int = 2, channels: int = 3, n_resblocks: int = 16, features: int = 64,
                 res_scale: float = 1.0, mean=DIV2K_MEAN):
        super().__init__()
        self.scale, self.in_channels = scale, channels
        self.register_buffer("mean", torch.tensor(mean[:channels] if channels == 3 else [sum(mean) / 3]).view(1, -1, 1, 1))
        self.head = nn.Conv2d(channels, features, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(features, res_scale=res_scale) for _ in range(n_resblocks)],
                                  nn.Conv2d(features, features, 3, padding=1))
        self.tail = nn.Sequential(subpixel_upsampler(features, scale), nn.Conv2d(features, channels, 3, padding=1))

    def forward(self, x):
        h = self.head(x - self.mean)
        return self.tail(h + self.body(h)) + self.mean


@register("edsr-baseline", model=EDSR)
def edsr_baseline(scale: int = 2, **kw) -> EDSR:
    """EDSR-baseline: 16 blocks, 64 channels (1,369,859 parameters at ×2)."""
    return EDSR(scale=scale, **kw)


@register("edsr", model=EDSR)
def edsr(scale: int = 2, **kw) -> EDSR:
    """EDSR: 32 blocks, 256 channels, residual scaling 0.1 (40,729,603 parameters at ×2)."""
    kw = {"n_resblocks": 32, "features": 256, "res_scale": 0.1, **kw}
    return EDSR(scale=scale, **kw)
