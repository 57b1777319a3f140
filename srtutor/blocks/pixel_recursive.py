"""Pixel-recursive learning (survey §3.3.7): PixelCNN's masked convolution, the layer of
autoregressive SR models (a whole toy model is :class:`srtutor.models.pixel_recursive.TinyPixelRecursiveSR`)."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

Tensor = torch.Tensor

__all__ = ["MaskedConv2d"]


class MaskedConv2d(nn.Conv2d):
    """PixelCNN's masked convolution (van den Oord et al. 2016): the output at pixel ``i``
    (raster order) sees only pixels before ``i`` (mask ``"A"``, first layer) or up to and
    including ``i`` (mask ``"B"``, later layers). Single-channel autoregression."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, mask: str = "B"):
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        if mask not in ("A", "B"):
            raise ValueError(f"mask must be 'A' or 'B', got {mask!r}")
        k = kernel_size
        m = torch.ones(k, k)
        m[k // 2, k // 2 + (mask == "B"):] = 0
        m[k // 2 + 1:] = 0
        self.register_buffer("mask", m, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)
