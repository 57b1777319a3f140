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
    a conv and the long skip, sub-pixel upsampler, output conv. The paper's RCAN (10 groups
    x 20 RCABs, 64 channels, reduction 16) has about 16M parameters: 15,592,355 for ×4 and
    15,444,643 for ×2 here (commonly cited 15.6M for ×4).
    """

    upsampling = "post"
    supported_scales = (2, 3, 4, 8)
    _legacy_width = True  # srtutor 0.1: colors = image channels, channels = width

    def __init__(self, scale: int = 2, *, channels: int = 3, n_groups: int = 10, n_blocks: int = 20,
                 features: int = 64, reduction: int = 16):
        super().__init__()
        colors = channels
        channels = features
        self.scale, self.in_channels = scale, colors
        self.sub_mean, self.add_mean = MeanShift(sign=-1), MeanShift(sign=1)
        self.head = conv(colors, channels)
        self.body = nn.Sequential(*(ResidualGroup(channels, n_blocks, reduction) for _ in range(n_groups)),
                                  conv(channels, channels))
        self.tail = nn.Sequential(PixelShuffleTail(channels, scale), conv(channels, colors))

    def forward(self, x: Tensor) -> Tensor:
        h = self.head(self.sub_mean(x))
        return self.add_mean(self.tail(h + self.body(h)))


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
