"""ESPCN (Shi et al., CVPR 2016): efficient sub-pixel CNN, **post-upsampling**.

Three convolutions in LR space — ``5 x 5 x 64``, ``3 x 3 x 32``, ``3 x 3 x s^2`` — with tanh,
then a pixel shuffle (:class:`srtutor.upsample.SubPixelConv`), on the Y channel.

Parameters (Y): weights ``25·64 + 9·64·32 + 9·32·s^2``, biases ``64 + 32 + s^2``:
×2: 21,184 + 100 = **21,284**; ×3: 22,624 + 105 = **22,729**; ×4: 24,640 + 112 = **24,752**.
The paper reports PSNR, not a parameter count (Set5 ×3, trained on 91 images: 32.55 dB).

Reference: the paper (Shi et al. 2016, §3 and §4.1: ``(f1, n1) = (5, 64)``, ``(f2, n2) = (3, 32)``,
``f3 = 3``, tanh after the first two layers, none after the last, periodic shuffling); the
authors released no code. No layer deviates from the paper's description.
"""

from __future__ import annotations

import torch.nn as nn

from srtutor.models import register
from srtutor.upsample import SubPixelConv


class ESPCN(nn.Module):
    """ESPCN (Shi et al. 2016), post-upsampling. ``(N, C, H, W) -> (N, C, sH, sW)``.

    Args:
        scale: integer upscaling factor.
        channels: 1 (Y, as the paper) or 3.
        features: ``(n1, n2)`` = (64, 32).
        activation: ``"tanh"`` (paper) or ``"relu"``.
        icnr: ICNR initialisation of the sub-pixel layer.
    """

    upsampling = "post"
    supported_scales = tuple(range(2, 9))  # any integer sub-pixel factor

    def __init__(self, scale: int = 3, channels: int = 1, features=(64, 32), activation: str = "tanh",
                 icnr: bool = False):
        super().__init__()
        self.scale, self.in_channels = scale, channels
        act = {"tanh": nn.Tanh, "relu": nn.ReLU}[activation]
        n1, n2 = features
        self.body = nn.Sequential(
            nn.Conv2d(channels, n1, 5, padding=2), act(),
            nn.Conv2d(n1, n2, 3, padding=1), act(),
        )
        self.upsample = SubPixelConv(n2, channels, scale, kernel_size=3, icnr=icnr)

    def forward(self, x):
        return self.upsample(self.body(x))


@register("espcn", model=ESPCN)
def espcn(scale: int = 3, **kw) -> ESPCN:
    """ESPCN 64-32 with tanh on Y: 22,729 parameters at ×3."""
    return ESPCN(scale=scale, **kw)
