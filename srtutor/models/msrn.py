"""MSRN: Multi-Scale Residual Network (Li, Fang, Mei & Zhang, ECCV 2018) — survey §3.3.3.

Framework: post-upsampling. Multi-scale residual blocks (3x3 and 5x5 paths that exchange
features) and hierarchical feature fusion of every block's output.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ..blocks import MeanShift, MultiScaleResidualBlock, PixelShuffleTail, conv
from ..models import register
from ._api import legacy_names

Tensor = torch.Tensor


@legacy_names
class MSRN(nn.Module):
    """MSRN (Li et al. ECCV 2018), post-upsampling framework.

    Head conv, ``n_blocks`` :class:`srtutor.blocks.MultiScaleResidualBlock`, hierarchical
    feature fusion (``1x1`` conv over the head output and all block outputs, ``(B+1)C -> C``,
    then a ``3x3`` conv), sub-pixel upsampler, output conv. 8 blocks of 64 channels give
    6,078,019 parameters for ×4 (5,930,307 for ×2); the figure usually quoted is 6.3M (see
    ``tests/test_models_design.py`` for the tolerance and the discussion).
    """

    upsampling = "post"
    supported_scales = (2, 3, 4, 8)
    _legacy_width = True  # srtutor 0.1: colors = image channels, channels = width

    def __init__(self, scale: int = 2, *, channels: int = 3, n_blocks: int = 8, features: int = 64):
        super().__init__()
        colors = channels
        channels = features
        self.scale, self.in_channels = scale, colors
        self.sub_mean, self.add_mean = MeanShift(sign=-1), MeanShift(sign=1)
        self.head = conv(colors, channels)
        self.blocks = nn.ModuleList(MultiScaleResidualBlock(channels) for _ in range(n_blocks))
        self.fusion = nn.Sequential(conv((n_blocks + 1) * channels, channels, 1), conv(channels, channels))
        self.tail = nn.Sequential(PixelShuffleTail(channels, scale), conv(channels, colors))

    def forward(self, x: Tensor) -> Tensor:
        h = self.head(self.sub_mean(x))
        outs = [h]
        for block in self.blocks:
            outs.append(block(outs[-1]))
        return self.add_mean(self.tail(self.fusion(torch.cat(outs, 1))))


@register("msrn", model=MSRN)
def msrn(scale: int = 2, **kw) -> MSRN:
    """Full MSRN: 8 MSRBs, 64 channels."""
    return MSRN(scale, **kw)


@register("msrn-small", model=MSRN)
def msrn_small(scale: int = 2, **kw) -> MSRN:
    """Quick-mode MSRN: 3 MSRBs, 24 channels."""
    kw.setdefault("n_blocks", 3)
    kw.setdefault("features", 24)
    return MSRN(scale, **kw)


__all__ = ["MSRN"]
