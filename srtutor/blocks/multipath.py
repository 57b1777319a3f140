"""Multi-path learning (survey §3.3.3): MSRN's multi-scale block and MDSR's scale-specific heads."""

from __future__ import annotations

from typing import Iterable

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import check_positive_int
from srtutor.blocks.convs import conv
from srtutor.blocks.residual import ResBlock

Tensor = torch.Tensor

__all__ = ["MultiScaleResidualBlock", "ScaleSpecificHeads"]


class MultiScaleResidualBlock(nn.Module):
    """MSRN's multi-scale residual block (Li et al. ECCV 2018).

    Two paths (3x3 and 5x5) exchange features after the first layer::

        S1 = relu(conv3(x)),  P1 = relu(conv5(x))
        S2 = relu(conv3'([S1, P1])), P2 = relu(conv5'([S1, P1]))      # 2C channels each
        out = conv1x1([S2, P2]) + x

    Both second-layer convolutions read the same concatenation ``[S1, P1]`` (3x3 path first), as
    in the authors' code (MIVRC/MSRN-PyTorch, ``MSRB.forward``); the paper's Eq. (2) writes
    ``[P1, S1]`` for the 5x5 path, which only permutes that conv's input channels.

    Shape ``(N, C, H, W) -> (N, C, H, W)``; about ``2 (9 + 25) C^2`` weights plus the 1x1 fusion.
    """

    def __init__(self, channels: int = 64):
        super().__init__()
        c = check_positive_int(channels, "channels")
        self.conv3_1, self.conv5_1 = conv(c, c, 3), conv(c, c, 5)
        self.conv3_2, self.conv5_2 = conv(2 * c, 2 * c, 3), conv(2 * c, 2 * c, 5)
        self.fuse = conv(4 * c, c, 1)

    def forward(self, x: Tensor) -> Tensor:
        s1, p1 = F.relu(self.conv3_1(x)), F.relu(self.conv5_1(x))
        s2 = F.relu(self.conv3_2(torch.cat([s1, p1], 1)))
        p2 = F.relu(self.conv5_2(torch.cat([s1, p1], 1)))
        return self.fuse(torch.cat([s2, p2], 1)) + x

    def receptive_field(self) -> float:
        return 1 + 4 + 4  # the 5x5 -> 5x5 path


class ScaleSpecificHeads(nn.Module):
    """MDSR's scale-specific pre-processing modules (Lim et al. 2017): one small branch per
    scale (two 5x5 residual blocks), selected at run time by ``scale``; the body after them
    is shared by all scales. ``forward(x, scale)``: ``(N, C, H, W) -> (N, C, H, W)``.
    """

    def __init__(self, channels: int, scales: Iterable[int] = (2, 3, 4), kernel_size: int = 5):
        super().__init__()
        self.scales = tuple(int(s) for s in scales)
        self.heads = nn.ModuleDict({
            str(s): nn.Sequential(ResBlock(channels, kernel_size), ResBlock(channels, kernel_size))
            for s in self.scales})

    def forward(self, x: Tensor, scale: int) -> Tensor:
        if str(scale) not in self.heads:
            raise ValueError(f"scale must be one of {self.scales}, got {scale!r}")
        return self.heads[str(scale)](x)
