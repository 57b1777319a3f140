"""CARN and CARN-M: cascading residual networks (Ahn, Kang & Sohn, ECCV 2018) — survey §3.3.3, §3.3.6.

Framework: post-upsampling. Local and global cascading (concatenate + ``1x1`` conv);
CARN-M trades accuracy for speed with group convolutions and weight sharing.

Reference implementation: the authors' PyTorch code, github.com/nmhkahn/CARN-pytorch
(``carn/model/carn.py``, ``carn_m.py``, ``ops.py``, commit 40d3514), checked by loading the
authors' CARN-M checkpoint (:func:`srtutor.models.official.load_official`): the mapped network
computes the authors' function (forward pass equal to float rounding) and reproduces the paper's
CARN-M rows (tests/test_official.py).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ..blocks import CascadingBlock, MeanShift, conv
from ..models import register
from ..upsample import SubPixelUpsampler
from ._api import legacy_names

Tensor = torch.Tensor


@legacy_names
class CARN(nn.Module):
    """CARN / CARN-M (Ahn et al. ECCV 2018), post-upsampling. ``(N, C, H, W) -> (N, C, sH, sW)``.

    RGB in ``[0, 1]`` (as the authors' code); the DIV2K mean ``(0.4488, 0.4371, 0.4040)`` is
    subtracted at the entry and added back at the exit (a fixed buffer; the authors use frozen
    ``1x1`` convolutions with identity weights, the same function). Entry conv, three
    :class:`srtutor.blocks.CascadingBlock` with global cascading (after block ``i`` the
    concatenation of the entry features and every block output is fused by a ``1x1`` conv +
    ReLU), a sub-pixel upsampler (per stage: ``3x3`` conv to ``f^2 C``, **ReLU**, pixel shuffle;
    two ×2 stages for ×4; group convolution in CARN-M) and an exit conv.

    CARN: each cascading block holds three residual blocks ``relu(x + conv(relu(conv(x))))``.
    CARN-M (``efficient=True``): one *efficient* residual block per cascading block (``3x3``
    group conv, ReLU, ``3x3`` group conv, ReLU, ``1x1`` conv, skip, ReLU), applied three times
    (shared weights), ``groups=4`` also in the upsampler.

    The paper's counts (Table 2) are for the multi-scale model that carries ×2, ×3 and ×4
    upsamplers: CARN 1,592K and CARN-M 412K. ``CARN(multi_scale=True)`` has 1,591,939
    parameters; ``CARN(multi_scale=True, efficient=True)`` 414,787; the authors' checkpoints
    hold 24 more values each (their frozen mean-shift convolutions: 2 × (9 + 3)).

    Checked against the authors' code (nmhkahn/CARN-pytorch). Remaining deviations: the mean
    shift is a buffer instead of two frozen convolutions (no parameters, same function); the
    scale-specific upsamplers sit in ``upsample["2"|"3"|"4"]`` (the authors' ``upsample.up2``…);
    ``channels=1`` and ``scale=8`` are srtutor extensions (the paper has RGB ×2/×3/×4 only);
    ``upsample_relu=False`` gives srtutor 0.1's upsampler without the ReLU (not the paper's).

    Args:
        scale: upscaling factor (the default one with ``multi_scale``).
        channels: image channels (3, RGB as the paper).  features: body width (64).
        n_blocks: cascading blocks (3).
        efficient: CARN-M (group convs, shared residual block).
        groups: group count of CARN-M (4).  multi_scale: carry upsamplers for 2, 3 and 4.
        upsample_relu: the ReLU between each upsampler conv and its pixel shuffle (the paper's;
            default ``True``).
    """

    upsampling = "post"
    supported_scales = (2, 3, 4, 8)  # (2, 3, 4) with multi_scale=True
    _legacy_width = True  # srtutor 0.1: colors = image channels, channels = width

    def __init__(self, scale: int = 2, *, channels: int = 3, features: int = 64, n_blocks: int = 3,
                 efficient: bool = False, groups: int = 4, multi_scale: bool = False,
                 upsample_relu: bool = True):
        super().__init__()
        self.scale, self.in_channels = scale, channels
        self.multi_scale = bool(multi_scale)  # forward_sr / train pass ``scale=`` to such a model
        self.efficient, self.upsample_relu = bool(efficient), bool(upsample_relu)
        g = groups if efficient else 1
        self.sub_mean, self.add_mean = MeanShift(sign=-1), MeanShift(sign=1)
        self.entry = conv(channels, features)
        self.blocks = nn.ModuleList(CascadingBlock(features, 3, efficient=efficient, groups=groups)
                                    for _ in range(n_blocks))
        self.fuse = nn.ModuleList(nn.Sequential(conv((i + 2) * features, features, 1), nn.ReLU())
                                  for i in range(n_blocks))
        scales = (2, 3, 4) if multi_scale else (scale,)
        act = "relu" if upsample_relu else None
        self.upsample = nn.ModuleDict({str(s): SubPixelUpsampler(features, s, groups=g, act=act) for s in scales})
        self.exit = conv(features, channels)

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
    """CARN (1,591,939 parameters multi-scale)."""
    return CARN(scale, **kw)


@register("carn-m", model=CARN)
def carn_m(scale: int = 2, **kw) -> CARN:
    """CARN-M: ``efficient=True`` (group convs, groups=4; 414,787 parameters multi-scale)."""
    kw.setdefault("efficient", True)
    return CARN(scale, **kw)


__all__ = ["CARN"]
