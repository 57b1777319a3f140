"""EDSR and MDSR (Lim et al., CVPRW 2017): enhanced deep residual networks, **post-upsampling**.

Head conv, ``B`` residual blocks (conv-ReLU-conv, no batch normalisation, residual scaling),
a conv, a global skip, a sub-pixel upsampler (one ``conv + PixelShuffle(s)`` for ×2/×3, two
×2 stages for ×4) and a tail conv, on RGB with the DIV2K mean subtracted.

EDSR-baseline (``B = 16``, 64 channels) counted with biases (the papers' "1.37M" at ×2):
×2: **1,369,859**; ×3: 1,554,499; ×4: 1,517,571 (the mean shift is a fixed buffer).
The full EDSR (``B = 32``, 256 channels, residual scaling 0.1) has 40,729,603 parameters at ×2
(the paper's table quotes 43M). MDSR (one network for ×2/×3/×4: scale-specific pre-processing
and upsamplers around a shared body) has 7,953,987 parameters with 80 blocks (the paper's
"8.0M"; EDSR-PyTorch's MDSR holds 24 more values, its frozen mean-shift convolutions).

Reference implementation: EDSR-PyTorch (github.com/sanghyun-son/EDSR-PyTorch, ``src/model/edsr.py``,
``mdsr.py``, ``common.py``), checked by loading state dicts in its layout
(:func:`srtutor.models.official.load_official`) and comparing one forward pass with the authors'
architecture (tests/test_official.py, fixtures in tests/fixtures/official). Remaining deviations:
srtutor works on ``[0, 1]`` while the authors' networks take ``[0, 255]`` (``rgb_range=255``);
the two are the same function family, and the loader folds the range into the first and last
convolutions exactly (head weight × 255, tail weight and bias ÷ 255); the mean shift is a
buffer instead of the authors' frozen ``1x1`` convolutions (same function); the upsampler's
layers are nested (``tail.0.<stage>.conv``) where the authors' sit flat (``tail.0.<2 stage>``).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from srtutor.blocks import ResBlock, ScaleSpecificHeads
from srtutor.models import register
from srtutor.upsample import SubPixelConv, subpixel_factors

DIV2K_MEAN = (0.4488, 0.4371, 0.4040)


def subpixel_upsampler(features: int, scale: int) -> nn.Sequential:
    """Sub-pixel upsampler: one :class:`~srtutor.upsample.SubPixelConv` per stage of
    :func:`srtutor.upsample.subpixel_factors` (nested, keys ``N.conv.*`` as the shipped weights store them)."""
    return nn.Sequential(*[SubPixelConv(features, features, f) for f in subpixel_factors(scale)])


class EDSR(nn.Module):
    """EDSR (Lim et al. 2017), post-upsampling. ``(N, 3, H, W) -> (N, 3, sH, sW)``, RGB in ``[0, 1]``.

    ``x - mean`` → head conv → ``n_resblocks`` residual blocks ``h + res_scale * conv(relu(conv(h)))``
    + a conv, global skip → sub-pixel upsampler (conv + pixel shuffle per stage, no activation) →
    tail conv → ``+ mean``. Checked against EDSR-PyTorch (see the module docstring).

    Args:
        scale: 2, 3, 4 or 8.  channels: image channels (3).  n_resblocks: B (16; EDSR 32).
        features: width (64; EDSR 256).  res_scale: residual scaling (1; EDSR 0.1).
        mean: the RGB mean subtracted at the entry and added at the exit (DIV2K's).
    """

    upsampling = "post"
    supported_scales = (2, 3, 4, 8)  # the sub-pixel upsampler: powers of two and 3

    def __init__(self, scale: int = 2, channels: int = 3, n_resblocks: int = 16, features: int = 64,
                 res_scale: float = 1.0, mean=DIV2K_MEAN):
        super().__init__()
        self.scale, self.in_channels = scale, channels
        self.register_buffer("mean", torch.tensor(mean[:channels] if channels == 3 else [sum(mean) / 3]).view(1, -1, 1, 1))
        self.head = nn.Conv2d(channels, features, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(features, res_scale=res_scale) for _ in range(n_resblocks)],
                                  nn.Conv2d(features, features, 3, padding=1))
        self.tail = nn.Sequential(subpixel_upsampler(features, scale), nn.Conv2d(features, channels, 3, padding=1))

    def forward(self, x):
        h = self.head(x - self.mean)
        return self.tail(h + self.body(h)) + self.mean


@register("edsr-baseline", model=EDSR)
def edsr_baseline(scale: int = 2, **kw) -> EDSR:
    """EDSR-baseline: 16 blocks, 64 channels (1,369,859 parameters at ×2)."""
    return EDSR(scale=scale, **kw)


@register("edsr", model=EDSR)
def edsr(scale: int = 2, **kw) -> EDSR:
    """EDSR: 32 blocks, 256 channels, residual scaling 0.1 (40,729,603 parameters at ×2)."""
    kw = {"n_resblocks": 32, "features": 256, "res_scale": 0.1, **kw}
    return EDSR(scale=scale, **kw)


class MDSR(nn.Module):
    """MDSR (Lim et al. 2017): one network for ×2, ×3 and ×4. ``forward(x, scale)``:
    ``(N, 3, H, W) -> (N, 3, sH, sW)``, RGB in ``[0, 1]``.

    ``x - mean`` → head conv → scale-specific pre-processing (two residual blocks with ``5x5``
    convs, :class:`srtutor.blocks.ScaleSpecificHeads`) → shared body (``n_resblocks`` residual
    blocks + a conv, global skip from the pre-processed features) → scale-specific sub-pixel
    upsampler (``upsample["2"|"3"|"4"]``) → shared tail conv → ``+ mean``. Checked against
    EDSR-PyTorch's ``mdsr.py`` (see the module docstring; same deviations as :class:`EDSR`).

    Args:
        scale: the default factor of ``forward`` (one of ``scales``).  channels: image channels (3).
        n_resblocks: body blocks (80; MDSR-baseline 16).  features: width (64).
        scales: the factors the network carries (2, 3, 4).  mean: as :class:`EDSR`.
    """

    upsampling = "post"
    supported_scales = (2, 3, 4)
    multi_scale = True  # srtutor.models.inference passes ``scale=`` to the forward pass

    def __init__(self, scale: int = 2, channels: int = 3, n_resblocks: int = 80, features: int = 64,
                 scales: tuple = (2, 3, 4), mean=DIV2K_MEAN):
        super().__init__()
        scales = tuple(int(v) for v in scales)
        if int(scale) not in scales:
            raise ValueError(f"scale must be one of scales={scales}, got {scale!r}")
        self.scale, self.in_channels, self.scales = int(scale), channels, scales
        self.register_buffer("mean", torch.tensor(mean[:channels] if channels == 3 else [sum(mean) / 3]).view(1, -1, 1, 1))
        self.head = nn.Conv2d(channels, features, 3, padding=1)
        self.pre_process = ScaleSpecificHeads(features, scales, kernel_size=5)
        self.body = nn.Sequential(*[ResBlock(features) for _ in range(n_resblocks)],
                                  nn.Conv2d(features, features, 3, padding=1))
        self.upsample = nn.ModuleDict({str(v): subpixel_upsampler(features, v) for v in scales})
        self.tail = nn.Conv2d(features, channels, 3, padding=1)

    def forward(self, x, scale: int | None = None):
        s = int(scale or self.scale)
        if str(s) not in self.upsample:
            raise ValueError(f"scale must be one of {self.scales}, got {scale!r}")
        h = self.pre_process(self.head(x - self.mean), s)
        return self.tail(self.upsample[str(s)](h + self.body(h))) + self.mean


@register("mdsr", model=MDSR)
def mdsr(scale: int = 2, **kw) -> MDSR:
    """MDSR: 80 blocks, 64 channels, ×2/×3/×4 in one network (7,953,987 parameters)."""
    return MDSR(scale=scale, **kw)


@register("mdsr-baseline", model=MDSR)
def mdsr_baseline(scale: int = 2, **kw) -> MDSR:
    """MDSR-baseline (EDSR-PyTorch): 16 blocks, 64 channels, ×2/×3/×4."""
    kw = {"n_resblocks": 16, **kw}
    return MDSR(scale=scale, **kw)
