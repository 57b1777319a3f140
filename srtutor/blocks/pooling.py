"""Region-recursive / pyramid pooling (survey §3.3.7): PSPNet's pyramid pooling module."""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor.blocks.convs import conv

Tensor = torch.Tensor

__all__ = ["PyramidPooling"]


class PyramidPooling(nn.Module):
    """Pyramid pooling module (PSPNet, Zhao et al. CVPR 2017; used for SR by EDSR-PP,
    see survey §3.3.7): average-pool to ``b x b`` grids for each bin size ``b``, ``1x1`` conv
    to ``C / len(bins)`` channels, upsample back (bilinear), concatenate with the input,
    fuse with a ``1x1`` conv. Shape-preserving; receptive field: the whole image.
    """

    def __init__(self, channels: int, bins: Sequence[int] = (1, 2, 3, 6)):
        super().__init__()
        self.bins = tuple(int(b) for b in bins)
        mid = max(1, channels // len(self.bins))
        self.reduce = nn.ModuleList(conv(channels, mid, 1) for _ in self.bins)
        self.fuse = conv(channels + mid * len(self.bins), channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        pooled = [F.interpolate(F.relu(red(F.adaptive_avg_pool2d(x, b))), size=(h, w), mode="bilinear",
                                align_corners=False) for b, red in zip(self.bins, self.reduce)]
        return self.fuse(torch.cat([x, *pooled], 1))

    def receptive_field(self) -> float:
        return math.inf
