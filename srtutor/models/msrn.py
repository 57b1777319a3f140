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
    """MSRN (Li et al. ECCV 2018), post-upsampling framework. ``(N, C, H, W) -> (N, C, sH, sW)``.

    Head conv, ``n_blocks`` :class:`srtutor.blocks.MultiScaleResidualBlock`, hierarchical
    feature fusion (``1x1`` conv over the concatenation ``[M_1, ..., M_B, head]`` of the block
    outputs followed by the head output, ``(B+1)C -> C``, then a ``3x3`` conv), sub-pixel
    upsampler, output conv; the DIV2K RGB mean is subtracted before the head and added back
    at the end.

    Checked against the authors' PyTorch code, MIVRC/MSRN-PyTorch ``MSRN/Test/code/model/msrn.py``
    (the RGB models of the repository's README): same layers, same concatenation orders (the
    head output comes *last* in the fusion, both second-layer convs of a block read
    ``[S1, P1]``), same upsampler (``4C`` conv + shuffle per ×2 stage, one ``9C`` stage for ×3).
    ``rgb_range=255`` computes in the authors' 0–255 range (their checkpoints need it,
    :func:`srtutor.models.official.load_official`); the default ``1`` computes in srtutor's
    ``[0, 1]`` range, the same function class. Remaining deviation: none in the layers.

    Parameters: 8 blocks of 64 channels give 6,078,019 for ×4 (5,930,307 for ×2), exactly the
    authors' code's count; the figure usually quoted is 6.3M (see
    ``tests/test_models_design.py``).
    """

    upsampling = "post"
    supported_scales = (2, 3, 4, 8)
    _legacy_width = True  # srtutor 0.1: colors = image channels, channels = width

    def __init__(self, scale: int = 2, *, channels: int = 3, n_blocks: int = 8, features: int = 64,
                 rgb_range: float = 1.0):
        super().__init__()
        colors = channels
        channels = features
        self.scale, self.in_channels = scale, colors
        self.rgb_range = float(rgb_range)
        self.sub_mean, self.add_mean = MeanShift(sign=-1), MeanShift(sign=1)
        self.head = conv(colors, channels)
        self.blocks = nn.ModuleList(MultiScaleResidualBlock(channels) for _ in range(n_blocks))
        self.fusion = nn.Sequential(conv((n_blocks + 1) * channels, channels, 1), conv(channels, channels))
        self.tail = nn.Sequential(PixelShuffleTail(channels, scale), conv(channels, colors))

    def forward(self, x: Tensor) -> Tensor:
        h = self.head(self.sub_mean(x) * self.rgb_range)
        outs = []
        m = h
        for block in self.blocks:
            m = block(m)
            outs.append(m)
        y = self.tail(self.fusion(torch.cat(outs + [h], 1)))
        return self.add_mean(y / self.rgb_range)


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
