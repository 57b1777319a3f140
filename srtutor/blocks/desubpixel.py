"""Desubpixel (survey §3.3.7): space-to-depth and its inverse depth-to-space, so a body can run at
low resolution (Vu et al. 2018)."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import check_positive_int

Tensor = torch.Tensor

__all__ = ["Desubpixel", "Subpixel"]


class Desubpixel(nn.Module):
    """Space-to-depth (Vu et al. 2018, "Fast and efficient image quality enhancement via
    desubpixel CNN"): ``(N, C, H, W) -> (N, C r^2, H/r, W/r)``, the exact inverse of the
    sub-pixel shuffle, so the body can run at low resolution."""

    def __init__(self, factor: int = 2):
        super().__init__()
        self.factor = check_positive_int(factor, "factor")

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] % self.factor or x.shape[-2] % self.factor:
            raise ValueError(f"x height and width must be multiples of factor={self.factor}, got {tuple(x.shape[-2:])}")
        return F.pixel_unshuffle(x, self.factor)


class Subpixel(nn.Module):
    """Depth-to-space (``F.pixel_shuffle``), the inverse of :class:`Desubpixel`."""

    def __init__(self, factor: int = 2):
        super().__init__()
        self.factor = check_positive_int(factor, "factor")

    def forward(self, x: Tensor) -> Tensor:
        return F.pixel_shuffle(x, self.factor)
