"""xUnit (survey §3.3.7): a learnable spatial activation (Kligvasser et al., CVPR 2018)."""

from __future__ import annotations

import torch
import torch.nn as nn

from srtutor.blocks.convs import conv

Tensor = torch.Tensor

__all__ = ["XUnit"]


class XUnit(nn.Module):
    """xUnit, a learnable spatial activation (Kligvasser, Rott Shaham & Michaeli, CVPR 2018).

    ``y = x * g`` with the gate ``g = exp(-BN(dwconv(relu(BN(x))))^2)`` in (0, 1], computed
    by a depthwise ``k x k`` convolution (default ``k = 9``), so each activation depends on a
    spatial neighbourhood. Shape-preserving; replaces ReLU in lightweight SR nets.
    """

    def __init__(self, channels: int, kernel_size: int = 9, *, bn: bool = True):
        super().__init__()
        self.gate = nn.Sequential(
            nn.BatchNorm2d(channels) if bn else nn.Identity(), nn.ReLU(),
            conv(channels, channels, kernel_size, groups=channels),
            nn.BatchNorm2d(channels) if bn else nn.Identity())
        self.kernel_size = kernel_size

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.exp(-self.gate(x) ** 2)

    def receptive_field(self) -> float:
        return self.kernel_size
