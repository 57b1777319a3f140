"""Efficient and cascading blocks of CARN / CARN-M (survey §3.3.6-3.3.7: group convolution,
local cascading, recursive weight sharing; Ahn, Kang & Sohn, ECCV 2018)."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import check_positive_int
from srtutor.blocks.convs import conv, group_conv

Tensor = torch.Tensor

__all__ = ["EfficientResidualBlock", "CascadingBlock"]


class EfficientResidualBlock(nn.Module):
    """CARN-M's efficient residual block (Ahn et al. ECCV 2018): two ``3x3`` group convs
    (``groups``), a ``1x1`` conv, identity skip, ReLU after the sum."""

    def __init__(self, channels: int, groups: int = 4):
        super().__init__()
        self.body = nn.Sequential(group_conv(channels, channels, 3, groups), nn.ReLU(),
                                  group_conv(channels, channels, 3, groups), nn.ReLU(),
                                  conv(channels, channels, 1))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.body(x))

    def receptive_field(self) -> float:
        return 5


class _PlainResidual(nn.Module):
    """CARN's residual block: ``relu(x + conv(relu(conv(x))))``."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(conv(channels, channels), nn.ReLU(), conv(channels, channels))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.body(x))

    def receptive_field(self) -> float:
        return 5


class CascadingBlock(nn.Module):
    """CARN's local cascading block (Ahn et al. ECCV 2018).

    ``n`` residual blocks; after each, the concatenation of the block input and every
    output so far is fused by a ``1x1`` conv + ReLU (``(i + 1) C -> C``) and fed onward.
    ``efficient=True`` uses :class:`EfficientResidualBlock` with ``groups`` and *shares* one
    residual block across the cascade (CARN-M's recursive weight sharing).
    """

    def __init__(self, channels: int = 64, n: int = 3, *, efficient: bool = False, groups: int = 4):
        super().__init__()
        check_positive_int(n, "n")
        if efficient:
            shared = EfficientResidualBlock(channels, groups)
            self.blocks = nn.ModuleList([shared] * n)  # same module n times: weights shared
        else:
            self.blocks = nn.ModuleList(_PlainResidual(channels) for _ in range(n))
        self.fuse = nn.ModuleList(nn.Sequential(conv((i + 2) * channels, channels, 1), nn.ReLU())
                                  for i in range(n))

    def forward(self, x: Tensor) -> Tensor:
        cat, out = x, x
        for block, fuse in zip(self.blocks, self.fuse):
            cat = torch.cat([cat, block(out)], 1)
            out = fuse(cat)
        return out

    def receptive_field(self) -> float:
        return 1 + 4 * len(self.blocks)
