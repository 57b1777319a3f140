"""VDSR (Kim, Lee, Lee, CVPR 2016): very deep **pre-upsampling** network with a global residual.

20 convolutions ``3 x 3`` with 64 filters (ReLU between), on the bicubic-upscaled Y channel;
the network predicts the residual ``HR - bicubic`` which is added back (global residual
learning, survey §3.3.1).

Parameters (Y): weights ``9·64 + 18·9·64·64 + 9·64 = 664,704``; with the ``19·64 + 1 = 1,217``
biases ``665,921`` — the "665K" of the paper and the survey.

Reference: the paper (Kim et al. 2016, §3.1 and Fig. 2: ``d = 20`` layers ``3 x 3 x 64``, zero
padding that keeps the size, ReLU after every layer but the last, residual added to the
interpolated input). The authors' MatConvNet code (``VDSR_code.zip`` of the project page) is not
in a public repository and was not available to check against; no layer deviates from the
paper's description. The gradient clipping of the paper is a training setting
(:mod:`srtutor.recipes`).
"""

from __future__ import annotations

import torch.nn as nn

from srtutor.models import register


class VDSR(nn.Module):
    """VDSR (Kim et al. 2016), pre-upsampling, global residual. ``(N, C, sH, sW) -> same``.

    Args:
        scale: the factor trained for (one VDSR can serve several scales).
        channels: 1 (Y) or 3.
        depth: number of conv layers (20).
        features: filters per layer (64).
    """

    upsampling = "pre"
    supported_scales = None  # the bicubic step before the network takes any factor

    def __init__(self, scale: int = 2, channels: int = 1, depth: int = 20, features: int = 64):
        super().__init__()
        self.scale, self.in_channels = scale, channels
        layers = [nn.Conv2d(channels, features, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(features, channels, 3, padding=1))
        self.body = nn.Sequential(*layers)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return x + self.body(x)


@register("vdsr", model=VDSR)
def vdsr(scale: int = 2, **kw) -> VDSR:
    """VDSR, 20 layers, 665,921 parameters on Y."""
    return VDSR(scale=scale, **kw)
