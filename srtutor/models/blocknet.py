"""BlockNet: one small post-upsampling skeleton, any block of :mod:`srtutor.blocks` in its body.

Used by chapter 7's ablation (plain vs residual vs dense vs attention ..., same skeleton and
training budget) and chapter 8's BN-vs-no-BN experiment. Not a published model.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import blocks as B
from ..models import register
from ._api import legacy_names

Tensor = torch.Tensor


class _Plain(nn.Sequential):
    """conv-ReLU-conv-ReLU, no skip: the 'plain' baseline with a ResBlock's conv count."""

    def __init__(self, channels: int, bn: bool = False):
        layers: list[nn.Module] = []
        for _ in range(2):
            layers += [B.conv(channels, channels, bias=not bn)] + ([nn.BatchNorm2d(channels)] if bn else []) + [nn.ReLU()]
        super().__init__(*layers)

    def receptive_field(self) -> float:
        return 5


def make_block(kind: str, features: int, *, bn: bool = False) -> nn.Module:
    """Build one body block by name.

    ``kind``: ``plain`` (2 convs, no skip), ``residual`` (EDSR :class:`~srtutor.blocks.ResBlock`),
    ``dense`` (:class:`~srtutor.blocks.ResidualDenseBlock`, 3 layers of growth ``C/2``),
    ``attention`` (:class:`~srtutor.blocks.RCAB`), ``multiscale`` (MSRN block),
    ``recursive`` (DRRN unit, 2 shared recursions), ``dilated`` (residual block with
    dilation-2 convs), ``nonlocal`` (residual block + non-local block), ``xunit`` (residual
    block whose ReLU is an :class:`~srtutor.blocks.XUnit`).
    """
    c = features
    if kind == "plain":
        return _Plain(c, bn)
    if kind == "residual":
        return B.ResBlock(c, bn=bn)
    if kind == "dense":
        return B.ResidualDenseBlock(c, max(1, c // 2), 3)
    if kind == "attention":
        return B.RCAB(c, reduction=8)
    if kind == "multiscale":
        return B.MultiScaleResidualBlock(c)
    if kind == "recursive":
        return B.RecursiveResidualUnit(c, 2)
    if kind == "dilated":
        return B.GlobalResidual(nn.Sequential(B.dilated_conv(c, c, 3, 2), nn.ReLU(), B.dilated_conv(c, c, 3, 2)))
    if kind == "nonlocal":
        return nn.Sequential(B.ResBlock(c), B.NonLocalBlock(c))
    if kind == "xunit":
        block = B.ResBlock(c)
        block.body[1] = B.XUnit(c, 5, bn=False)
        return block
    raise ValueError(f"kind must be one of {', '.join(BLOCK_KINDS)}, got {kind!r}")


BLOCK_KINDS = ("plain", "residual", "dense", "attention", "multiscale", "recursive", "dilated", "nonlocal", "xunit")


@legacy_names
class BlockNet(nn.Module):
    """Head conv -> ``n_blocks`` blocks of kind ``block`` -> conv (+ head features, global
    residual) -> sub-pixel upsampler -> output conv. ``(N, 3, H, W) -> (N, 3, sH, sW)``.

    ``bicubic_skip=True`` adds the bicubic upscaling of the input to the output (image-level
    global residual learning, VDSR-style) and zero-initialises the output conv, so the
    untrained network *is* bicubic interpolation and short training runs only have to learn
    the missing detail (used by the quick-mode ablations).
    """

    upsampling = "post"
    supported_scales = (2, 3, 4, 8)
    _legacy_width = True  # srtutor 0.1: colors = image channels, channels = width

    def __init__(self, scale: int = 2, *, block: str = "residual", n_blocks: int = 4, features: int = 32,
                 channels: int = 3, bn: bool = False, bicubic_skip: bool = False):
        super().__init__()
        colors = channels
        channels = features
        self.scale, self.in_channels = scale, colors
        self.head = B.conv(colors, channels)
        self.body = nn.Sequential(*(make_block(block, channels, bn=bn) for _ in range(n_blocks)),
                                  B.conv(channels, channels))
        self.tail = nn.Sequential(B.PixelShuffleTail(channels, scale), B.conv(channels, colors))
        self.bicubic_skip = bicubic_skip
        if bicubic_skip:
            nn.init.zeros_(self.tail[-1].weight)
            nn.init.zeros_(self.tail[-1].bias)

    def forward(self, x: Tensor) -> Tensor:
        h = self.head(x)
        out = self.tail(h + self.body(h))
        if self.bicubic_skip:
            out = out + F.interpolate(x, size=out.shape[-2:], mode="bicubic", align_corners=False)
        return out


@register("blocknet", model=BlockNet)
def blocknet(scale: int = 2, **kw) -> BlockNet:
    return BlockNet(scale, **kw)


__all__ = ["BlockNet", "make_block", "BLOCK_KINDS"]
