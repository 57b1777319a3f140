"""Residual learning (survey §3.3.1): EDSR's residual block and VDSR's global residual."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn as nn

from srtutor._checks import check_positive_int
from srtutor.blocks.convs import _act, conv

Tensor = torch.Tensor

__all__ = ["ResBlock", "GlobalResidual"]


class ResBlock(nn.Module):
    """Residual block ``x + s * conv(act(conv(x)))`` (EDSR, Lim et al. 2017).

    EDSR removes batch normalisation from SRResNet's block (``bn=False``, the default) and
    scales the residual branch by ``res_scale`` (0.1 in the 32-block, 256-channel EDSR) to
    stabilise training of wide networks. ``bn=True`` gives SRResNet's block (Ledig et al. 2017)
    for the BN-vs-no-BN experiment of chapter 8.

    Shape: ``(N, C, H, W) -> (N, C, H, W)``.
    """

    def __init__(self, channels: int, kernel_size: int = 3, *, res_scale: float = 1.0, bn: bool = False,
                 act: str | None = "relu"):
        super().__init__()
        check_positive_int(channels, "channels")
        layers: list[nn.Module] = [conv(channels, channels, kernel_size, bias=not bn)]
        if bn:
            layers.append(nn.BatchNorm2d(channels))
        layers.append(_act(act))
        layers.append(conv(channels, channels, kernel_size, bias=not bn))
        if bn:
            layers.append(nn.BatchNorm2d(channels))
        self.body = nn.Sequential(*layers)
        self.res_scale = float(res_scale)
        self.kernel_size = kernel_size

    def forward(self, x: Tensor) -> Tensor:
        return x + self.res_scale * self.body(x)

    def receptive_field(self) -> float:
        return 1 + 2 * (self.kernel_size - 1)


class GlobalResidual(nn.Module):
    """Global residual learning: ``body(x) + skip(x)`` (VDSR, Kim et al. 2016).

    The network only learns the residual (the missing high frequencies). ``skip`` defaults
    to the identity (pre-upsampling networks, or feature-level skips); for post-upsampling
    nets pass e.g. ``lambda x: F.interpolate(x, scale_factor=s, mode='bicubic')``.
    """

    def __init__(self, body: nn.Module, skip: Callable[[Tensor], Tensor] | nn.Module | None = None):
        super().__init__()
        self.body = body
        self.skip = skip

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x) + (x if self.skip is None else self.skip(x))
