"""RCAN: Residual Channel Attention Network (Zhang, Li, Li, Wang, Zhong & Fu, ECCV 2018) — survey §3.3.5.

Framework: post-upsampling. Residual-in-residual: residual groups of residual channel
attention blocks, short and long skip connections.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ..blocks import MeanShift, PixelShuffleTail, ResidualGroup, conv
from ..models import register
from ._api import legacy_names

Tensor = torch.Tensor


@legacy_names
class RCAN(nn.Module):
    """RCAN (Zhang et al. ECCV 2018), post-upsampling framework.

    Head conv, ``n_groups`` :class:`srtutor.blocks.ResidualGroup` (``n_blocks`` RCABs each),
    a conv and the long skip, sub-pixel upsampler, output conv; the DIV2K RGB mean is
    subtracted before the head and added back at the end. The paper's RCAN (10 groups
    x 20 RCABs, 64 channels, reduction 16) has about 16M parameters: 15,592,355 for ×4 and
    15,444,643 for ×2 here (commonly cited 15.6M for ×4), as in the authors' code.

    Checked against the authors' PyTorch code (yulunzhang/RCAN, ``RCAN_TestCode/code/model/
    rcan.py``) and BasicSR's ``rcan_arch.py``: same layers and order (RCAB = conv-ReLU-conv-CA,
    residual scale 1; CA = average pool, ``1x1`` conv ``C -> C/r`` with bias, ReLU, ``1x1`` conv,
    sigmoid; group = RCABs + conv + skip; long skip around the groups and a conv; upsampler
    ``4C`` conv + shuffle per ×2 stage or one ``9C`` stage for ×3, no activation; output conv).
    ``rgb_range=255`` computes in the authors' 0–255 range, ``(x - mean) * 255`` in and
    ``y / 255 + mean`` out, which is what both the authors' code (0–255 images, ``MeanShift``
    conv) and BasicSR (``img_range=255``) compute; the checkpoints of both need it
    (:func:`srtutor.models.official.load_official`). The default ``rgb_range=1`` computes in
    srtutor's ``[0, 1]`` range (same function class; trained weights differ by the scaling).
    Remaining deviation: none in the layers.
    """

    upsampling = "post"
    supported_scales = (2, 3, 4, 8)
    _legacy_width = True  # srtutor 0.1: colors = image channels, channels = width

    def __init__(self, scale: int = 2, *, channels: int = 3, n_groups: int = 10, n_blocks: int = 20,
                 features: int = 64, reduction: int = 16, rgb_range: float = 1.0):
        super().__init__()
        colors = channels
        channels = features
        self.scale, self.in_channels = scale, colors
        self.rgb_range = float(rgb_range)
        self.sub_mean, self.add_mean = MeanShift(sign=-1), MeanShift(sign=1)
        self.head = conv(colors, channels)
        self.body = nn.Sequential(*(ResidualGroup(channels, n_blocks, reduction) for _ in range(n_groups)),
                                  conv(channels, channels))
        self.tail = nn.Sequential(PixelShuffleTail(channels, scale), conv(channels, colors))

    def forward(self, x: Tensor) -> Tensor:
        h = self.head(self.sub_mean(x) * self.rgb_range)
        return self.add_mean(self.tail(h + self.body(h)) / self.rgb_range)


@register("rcan", model=RCAN)
def rcan(scale: int = 2, **kw) -> RCAN:
    """Full RCAN: 10 residual groups x 20 RCABs, 64 channels."""
    return RCAN(scale, **kw)


@register("rcan-small", model=RCAN)
def rcan_small(scale: int = 2, **kw) -> RCAN:
    """Quick-mode RCAN: 2 groups x 3 RCABs, 32 channels, reduction 8."""
    for k, v in dict(n_groups=2, n_blocks=3, features=32, reduction=8).items():
        kw.setdefault(k, v)
    return RCAN(scale, **kw)


__all__ = ["RCAN"]
