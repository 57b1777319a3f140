"""CARN and CARN-M: cascading residual networks (Ahn, Kang & Sohn, ECCV 2018) — survey §3.3.3, §3.3.6.

Framework: post-upsampling. Local and global cascading (concatenate + ``1x1`` conv);
CARN-M trades accuracy for speed with group convolutions and weight sharing.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ..blocks import CascadingBlock, MeanShift, PixelShuffleTail, conv
from ..models import register
from ._api import legacy_names

Tensor = torch.Tensor


@legacy_names
class CARN(nn.Module):
    """CARN / CARN-M (Ahn et al. ECCV 2018), post-upsampling framework.

    Entry conv, three :class:`srtutor.blocks.CascadingBlock` with global cascading
    (after block ``i`` the concatenation of the entry features and every block output is
    fused by a ``1x1`` conv), a sub-pixel upsampler and an exit conv.

    The paper's counts (Table 2) are for the multi-scale model that carries ×2, ×3 and ×4
    upsamplers: CARN 1,592K and CARN-M 412K. ``CARN(multi_scale=True)`` has 1,591,939
    parameters; ``CARN(multi_scale=True, efficient=True)`` 414,787 (0.7 % above the paper).

    Args:
        scale: upscaling factor (the default one with ``multi_scale``).
        channels: image channels (3, RGB as the paper).  features: body width (64).
        efficient: CARN-M (group convs, shared residual block).
        groups: group count of CARN-M (4).  multi_scale: carry upsamplers for 2, 3 and 4.
    """

    upsampling = "post"
    supported_scales = (2, 3, 4, 8)  # (2, 3, 4) with multi_scale=True
    _legacy_width = True  # srtutor 0.1: colors = image channels, channels = width

    def __init__(self, scale: int = 2, *, channels: int = 3, features: int = 64, n_blocks: int = 3,
                 efficient: bool = False, groups: int = 4, multi_scale: bool = False):
        super().__init__()
        colors = channels
        channels = features
        self.scale, self.in_channels = scale, colors
        self.multi_scale = bool(multi_scale)  # forward_sr / train pass ``scale=`` to such a model
        g = groups if efficient else 1
        self.sub_mean, self.add_mean = MeanShift(sign=-1), MeanShift(sign=1)
        self.entry = conv(colors, channels)
        self.blocks = nn.ModuleList(CascadingBlock(channels, 3, efficient=efficient, groups=groups)
                                    for _ in range(n_blocks))
        self.fuse = nn.ModuleList(nn.Sequential(conv((i + 2) * channels, channels, 1), nn.ReLU())
                                  for i in range(n_blocks))
        scales = (2, 3, 4) if multi_scale else (scale,)
        self.upsample = nn.ModuleDict({str(s): PixelShuffleTail(channels, s, groups=g) for s in scales})
        self.exit = conv(channels, colors)

    def forward(self, x: Tensor, scale: int | None = None) -> Tensor:
        s = str(scale or self.scale)
        if s not in self.upsample:
            raise ValueError(f"scale must be one of {list(self.upsample)}, got {s}")
        x = self.entry(self.sub_mean(x))
        cat, out = x, x
        for block, fuse in zip(self.blocks, self.fuse):
            cat = torch.cat([cat, block(out)], 1)
            out = fuse(cat)
        return self.add_mean(self.exit(self.upsample[s](out)))


@register("carn", model=CARN)
def carn(scale: int = 2, **kw) -> CARN:
    return CARN(scale, **kw)


@register("carn-m", model=CARN)
def carn_m(scale: int = 2, **kw) -> CARN:
    kw.setdefault("efficient", True)
    return CARN(scale, **kw)


__all__ = ["CARN"]
